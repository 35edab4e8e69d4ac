"""`sdga generate`, `sdga templates`, `sdga types`: happy paths, determinism and every kind of bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from sdga.cli import app
from sdga.models import GenerateDataResponse

runner = CliRunner()

SCHEMA = {
    "name": "people",
    "fields": [
        {"name": "id", "type": "uuid", "primary_key": True},
        {"name": "first_name", "type": "first_name"},
        {"name": "email", "type": "email", "constraints": {"unique": True}},
        {"name": "age", "type": "integer", "constraints": {"min": 18, "max": 90}},
        {"name": "signed_up", "type": "datetime", "constraints": {"min": "2024-01-01", "max": "2024-12-31"}},
    ],
}
MULTI = {
    "tables": [
        {"name": "users", "volume": 40, "fields": [{"name": "id", "type": "integer", "primary_key": True,
                                                     "constraints": {"unique": True, "min": 1, "max": 1000000}},
                                                    {"name": "name", "type": "full_name"}]},
        {"name": "orders", "volume": 120, "fields": [{"name": "order_id", "type": "uuid", "primary_key": True},
                                                     {"name": "user_id", "type": "reference", "references": "users.id"},
                                                     {"name": "total", "type": "amount",
                                                      "constraints": {"min": 1, "max": 500}}]},
    ]
}  # fmt: skip


@pytest.fixture
def schema_file(tmp_path: Path) -> Path:
    path = tmp_path / "people.json"
    path.write_text(json.dumps(SCHEMA))
    return path


def _run(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = runner.invoke(app, list(args))
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def test_generate_csv_from_schema_prints_report(tmp_path: Path, schema_file: Path) -> None:
    out = tmp_path / "people.csv"
    code, stdout, stderr = _run("generate", "--schema", str(schema_file), "-n", "250", "--out", str(out), "--seed", "3")
    assert code == 0, stderr
    table = pacsv.read_csv(out)
    assert table.num_rows == 250 and table.column_names == ["id", "first_name", "email", "age", "signed_up"]
    assert "# Synthetic data generation report" in stdout
    assert "| Status | **success** |" in stdout and "| Records generated | 250 |" in stdout
    assert str(out) in stdout and "## Quality metrics" in stdout


def test_format_inferred_from_out_suffix_and_report_file(tmp_path: Path, schema_file: Path) -> None:
    out, report = tmp_path / "p.parquet", tmp_path / "reports" / "run.json"
    code, _, stderr = _run("generate", "-s", str(schema_file), "-n", "100", "-o", str(out), "--report", str(report))
    assert code == 0, stderr
    assert pq.read_table(out).num_rows == 100
    response = GenerateDataResponse.model_validate_json(report.read_text())
    assert response.status.value == "success" and response.records_generated == 100
    assert response.output_files == [str(out)] and response.report_location == str(report)
    assert response.data_quality_metrics is not None and response.seed is not None


def test_default_output_path_and_quiet(tmp_path: Path) -> None:
    code, stdout, stderr = _run("generate", "--template", "user_profile", "-n", "50", "-f", "jsonl", "-q", cwd=tmp_path)
    assert code == 0, stderr
    assert stdout == ""
    lines = (tmp_path / "output" / "user_profile.jsonl").read_text().splitlines()
    assert len(lines) == 50 and all(json.loads(line) for line in lines)


def test_multi_table_to_directory_and_sql_script(tmp_path: Path) -> None:
    schema = tmp_path / "shop.yaml"
    schema.write_text(json.dumps(MULTI))  # JSON is valid YAML
    code, _, stderr = _run("generate", "-s", str(schema), "-f", "csv", "-o", str(tmp_path / "shop"), "--seed", "1")
    assert code == 0, stderr
    assert sorted(p.name for p in (tmp_path / "shop").iterdir()) == ["orders.csv", "users.csv"]
    users = pacsv.read_csv(tmp_path / "shop" / "users.csv").column("id").to_pylist()
    orders = pacsv.read_csv(tmp_path / "shop" / "orders.csv").column("user_id").to_pylist()
    assert set(orders) <= set(users)
    code, _, stderr = _run(
        "generate", "-s", str(schema), "-f", "sql", "--sql-dialect", "sqlite", "-o", str(tmp_path / "shop.sql")
    )
    assert code == 0, stderr
    import sqlite3

    con = sqlite3.connect(":memory:")
    con.executescript((tmp_path / "shop.sql").read_bytes().decode())
    assert con.execute("SELECT COUNT(*) FROM orders JOIN users ON users.id = orders.user_id").fetchone() == (120,)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet", "sql", "xml", "json"])
def test_same_seed_same_bytes_across_workers_and_batch_sizes(tmp_path: Path, schema_file: Path, fmt: str) -> None:
    digests = set()
    for i, (workers, batch) in enumerate([(1, 65536), (2, 7), (1, 1000)]):
        out = tmp_path / f"{i}.{fmt}"
        code, _, stderr = _run(
            "generate", "-s", str(schema_file), "-n", "70000" if fmt == "parquet" else "3000", "-f", fmt, "-o", str(out),
            "--seed", "42", "--workers", str(workers), "--batch-size", str(batch), "-q", "--no-metrics",
        )  # fmt: skip
        assert code == 0, stderr
        digests.add(out.read_bytes())
    assert len(digests) == 1


def test_compliance_refused_then_allowed(tmp_path: Path) -> None:
    schema = tmp_path / "pii.json"
    schema.write_text(json.dumps({"fields": [{"name": "ssn", "type": "string"}, {"name": "n", "type": "integer"}]}))
    out = tmp_path / "pii.csv"
    code, stdout, stderr = _run("generate", "-s", str(schema), "-o", str(out), "--compliance", "hipaa")
    assert code == 2 and stdout == ""
    assert stderr.startswith("error: HIPAA") and len(stderr.strip().splitlines()) == 1
    assert not out.exists()
    code, stdout, stderr = _run(
        "generate", "-s", str(schema), "-o", str(out), "-c", "HIPAA", "--allow-compliance-violations"
    )
    assert code == 0, stderr
    assert out.exists() and "compliance override" in stdout


def test_templates_and_types_json() -> None:
    code, stdout, _ = _run("templates", "--json")
    assert code == 0
    templates = {t["name"]: t for t in json.loads(stdout)}
    assert {"user_profile", "transaction", "log_event"} <= set(templates)
    assert templates["transaction"]["tables"]
    code, stdout, _ = _run("types", "--json")
    assert code == 0
    names = {t["name"] for t in json.loads(stdout)}
    assert {"string", "integer", "email", "phone", "uuid", "reference"} <= names
    code, stdout, _ = _run("templates")
    assert code == 0 and "user_profile" in stdout


# ------------------------------------------------------------------------------------------ bad input


def _bad_schema(tmp_path: Path) -> Path:
    p = tmp_path / "bad.json"
    p.write_text('{"fields": [ {"name": "x", "type": "integer"}, ]}')
    return p


def _unknown_type(tmp_path: Path) -> Path:
    p = tmp_path / "unknown.json"
    p.write_text(json.dumps({"fields": [{"name": "x", "type": "integr"}]}))
    return p


def _capacity(tmp_path: Path) -> Path:
    p = tmp_path / "cap.json"
    p.write_text(json.dumps({"fields": [{"name": "x", "type": "integer", "constraints": {"min": 1, "max": 5,
                                                                                      "unique": True}}]}))  # fmt: skip
    return p


BAD_INPUTS = {
    "invalid json": (lambda t: ["-s", str(_bad_schema(t))], "not valid JSON"),
    "missing file": (lambda t: ["-s", str(t / "nope.json")], "not found"),
    "unknown template": (lambda t: ["-t", "no_such_template"], "unknown template"),
    "bad format": (lambda t: ["-t", "user_profile", "-f", "xlsx"], "unknown format"),
    "volume 0": (lambda t: ["-t", "user_profile", "-n", "0"], "--volume"),
    "negative volume": (lambda t: ["-t", "user_profile", "-n", "-5"], "--volume"),
    "bad dialect": (lambda t: ["-t", "user_profile", "-f", "sql", "--sql-dialect", "oracle"], "SQL dialect"),
    "bad compliance": (lambda t: ["-t", "user_profile", "-c", "GDPR,ISO27001"], "compliance"),
    "bad locale": (lambda t: ["-t", "user_profile", "--locale", "xx_XX"], "locale"),
    "template and schema": (lambda t: ["-t", "user_profile", "-s", str(_bad_schema(t))], "not both"),
    "nothing to generate": (lambda t: [], "nothing to generate"),
    "unknown type": (lambda t: ["-s", str(_unknown_type(t))], "integr"),
    "unique capacity": (lambda t: ["-s", str(_capacity(t)), "-n", "10"], "x"),
    "out under a file": (lambda t: ["-t", "user_profile", "-o", str(_blocker(t) / "sub" / "x.csv")], "cannot write"),
    "out is a file for tables": (
        lambda t: ["-t", "transaction", "-f", "csv", "-o", str(_blocker(t))],
        "not a directory",
    ),
    "tables into one csv file": (lambda t: ["-t", "transaction", "-f", "csv", "-o", str(t / "tx.csv")], "directory"),
    "bad workers": (lambda t: ["-t", "user_profile", "--workers", "0"], "--workers"),
    "format against the file name": (
        lambda t: ["-t", "user_profile", "-f", "parquet", "-o", str(t / "users.csv")],
        "does not match the file name",
    ),
    "report is the output file": (
        lambda t: ["-t", "user_profile", "-o", str(t / "u.json"), "--report", str(t / "u.json")],
        "would overwrite",
    ),
    "report is a table's file": (
        lambda t: ["-t", "transaction", "-f", "csv", "-o", str(t / "tx"), "--report", str(t / "tx" / "users.csv")],
        "would overwrite",
    ),
    "existing file without extension for one table": (
        lambda t: ["-t", "user_profile", "-o", str(_blocker(t))],
        "without an extension",
    ),
}


def _blocker(tmp_path: Path) -> Path:
    p = tmp_path / "blocker"
    p.write_text("a file")
    return p


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_one_line_exit_2_nothing_written(tmp_path: Path, case: str) -> None:
    make_args, needle = BAD_INPUTS[case]
    work = tmp_path / "work"
    work.mkdir()
    before = sorted(p.name for p in tmp_path.rglob("*"))
    args = make_args(tmp_path)
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    code, stdout, stderr = _run("generate", *args, cwd=work)
    assert code == 2, (stdout, stderr)
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert needle.lower() in lines[0].lower()
    assert "Traceback" not in stderr + stdout
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before  # nothing written, no temp files left


def test_real_process_bad_input_has_no_traceback(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sdga", "generate", "-t", "user_profile", "-n", "0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_large_runs_log_progress_when_not_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sdga.cli import output

    monkeypatch.setattr(output, "PROGRESS_MIN_ROWS", 1000)
    code, _, stderr = _run(
        "generate", "-t", "user_profile", "-n", "5000", "--batch-size", "500", "-o", str(tmp_path / "u.csv"),
        "--no-metrics",
    )  # fmt: skip
    assert code == 0, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 10 and lines[-1] == "progress: 5,000/5,000 rows (100%), user_profile"
    code, _, stderr = _run("generate", "-t", "user_profile", "-n", "5000", "-o", str(tmp_path / "v.csv"), "-q")
    assert code == 0 and stderr == ""


def test_request_document_as_schema_supplies_settings(tmp_path: Path) -> None:
    request = {
        "data_type": "custom",
        "volume": 37,
        "output_format": "jsonl",
        "seed": 99,
        "schema": SCHEMA,
        "destination": {"type": "local"},
    }
    doc = tmp_path / "request.json"
    doc.write_text(json.dumps(request))
    code, _, stderr = _run("generate", "-s", str(doc), "-q", cwd=tmp_path)
    assert code == 0, stderr
    first = (tmp_path / "output" / "people.jsonl").read_bytes()
    assert len(first.splitlines()) == 37
    code, _, stderr = _run("generate", "-s", str(doc), "-n", "5", "-f", "csv", "-q", cwd=tmp_path)  # options win
    assert code == 0, stderr
    assert pacsv.read_csv(tmp_path / "output" / "people.csv").num_rows == 5
    request["volume"] = 0
    doc.write_text(json.dumps(request))
    code, _, stderr = _run("generate", "-s", str(doc), cwd=tmp_path)
    assert code == 2 and "request.json" in stderr and "volume" in stderr


def test_sql_drop_existing_makes_the_script_rerunnable(tmp_path: Path) -> None:
    import sqlite3

    schema = tmp_path / "shop.json"
    schema.write_text(json.dumps(MULTI))
    out = tmp_path / "shop.sql"
    code, _, stderr = _run(
        "generate", "-s", str(schema), "-o", str(out), "--sql-dialect", "sqlite", "--sql-drop-existing", "-q"
    )
    assert code == 0, stderr
    script = out.read_bytes().decode()
    assert script.index('DROP TABLE IF EXISTS "orders"') < script.index('DROP TABLE IF EXISTS "users"')
    con = sqlite3.connect(tmp_path / "db.sqlite")
    con.executescript(script)
    con.executescript(script)  # loading again replaces the tables instead of failing
    assert con.execute("SELECT COUNT(*) FROM orders").fetchone() == (120,)


def test_locale_is_matched_like_the_other_choices(tmp_path: Path) -> None:
    """--format and --sql-dialect ignore case; --locale does too, and takes the BCP 47 hyphen (en-GB)."""
    outputs = []
    for given in ("en_GB", "en-gb", "EN_GB"):
        out = tmp_path / f"{given}.json"
        code, _, stderr = _run("generate", "-t", "user_profile", "-n", "5", "--locale", given, "-o", str(out), "-q")
        assert code == 0, stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]


def test_an_unexpected_exception_is_one_line_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bug is still one `error:` line (exit 3, a failure, not bad input); SDGA_DEBUG=1 shows the traceback."""
    import typer

    from sdga.cli.common import handle_errors

    @handle_errors
    def boom() -> None:
        raise OverflowError("date value out of range")

    monkeypatch.delenv("SDGA_DEBUG", raising=False)
    with pytest.raises(typer.Exit) as exited:
        boom()
    assert exited.value.exit_code == 3
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("error: ") and "OverflowError: date value out of range" in err
    monkeypatch.setenv("SDGA_DEBUG", "1")
    with pytest.raises(OverflowError):
        boom()


@pytest.mark.parametrize(
    "args",
    [
        ["generate", "--template", "user_profile", "--volume", "abc"],
        ["generate", "--no-such-option"],
        ["no-such-command"],
        ["validate"],  # a missing argument
    ],
)
def test_usage_errors_are_one_line_exit_2(args: list[str], tmp_path: Path) -> None:
    """Through the installed entry point: Click's usage block and boxed message become one `error:` line."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "sdga", *args], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "--help" in lines[0], done.stderr
    assert "Traceback" not in done.stderr and not list(tmp_path.iterdir())
