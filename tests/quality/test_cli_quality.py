"""sdga validate / metrics / infer: JSON out, exit codes, and one clear line (never a traceback) on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from typer.testing import CliRunner

from sdga.cli import app
from sdga.schema_io import load_schema

runner = CliRunner()

GOOD = {"fields": [{"name": "id", "type": "uuid", "primary_key": True}, {"name": "age", "type": "integer"}]}
BAD = {"fields": [{"name": "age", "type": "integer", "constraints": {"min": 9, "max": 1}}]}


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data))
    return path


def _one_error_line(result: object) -> str:
    stderr = result.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in stderr and "Traceback" not in result.stdout  # type: ignore[attr-defined]
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


def test_validate_valid_invalid_and_compliance(tmp_path: Path) -> None:
    ok = runner.invoke(app, ["validate", str(_write(tmp_path / "good.json", GOOD))])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["valid"] is True
    bad = runner.invoke(app, ["validate", str(_write(tmp_path / "bad.json", BAD))])
    assert bad.exit_code == 1
    assert json.loads(bad.stdout)["errors"][0]["code"] == "min_gt_max"
    ssn = _write(tmp_path / "ssn.json", {"schema": {"fields": [{"name": "ssn", "type": "string"}]}})
    res = runner.invoke(app, ["validate", str(ssn), "--compliance", "gdpr,hipaa"])
    assert res.exit_code == 1
    reqs = {i["requirement"] for i in json.loads(res.stdout)["compliance_issues"]}
    assert reqs == {"GDPR", "HIPAA"}


def test_validate_capacity_with_volume(tmp_path: Path) -> None:
    schema = {"fields": [{"name": "code", "type": "integer", "constraints": {"min": 1, "max": 5, "unique": True}}]}
    path = _write(tmp_path / "s.json", schema)
    assert runner.invoke(app, ["validate", str(path), "--volume", "5"]).exit_code == 0
    assert runner.invoke(app, ["validate", str(path), "--volume", "6"]).exit_code == 1


def test_validate_yaml_and_stdin(tmp_path: Path) -> None:
    yml = tmp_path / "s.yaml"
    yml.write_text("fields:\n  - {name: id, type: uuid, primary_key: true}\n")
    assert runner.invoke(app, ["validate", str(yml)]).exit_code == 0
    res = runner.invoke(app, ["validate", "-"], input=json.dumps(BAD))
    assert res.exit_code == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "file not found"),
        ("", "is empty"),
        ("{not json", "not valid JSON"),
        ('{"fields": [], "tables": []}', "invalid schema"),
        ('"just a string"', "must be a JSON/YAML object"),
    ],
)
def test_validate_unreadable_input_exits_2(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "schema.json"
    if content is not None:
        path.write_text(content)
    res = runner.invoke(app, ["validate", str(path)])
    assert res.exit_code == 2
    assert message in _one_error_line(res)


def test_validate_unknown_compliance_exits_2(tmp_path: Path) -> None:
    res = runner.invoke(app, ["validate", str(_write(tmp_path / "g.json", GOOD)), "--compliance", "HIPPA"])
    assert res.exit_code == 2 and "unknown compliance requirement 'HIPPA'" in _one_error_line(res)


def _sample(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    n = 500
    table = pa.table(
        {
            "id": np.arange(n),
            "score": rng.normal(70, 8, n),
            "grade": rng.choice(["a", "b", "c"], n),
            "email": [f"s{i}@school.edu" for i in range(n)],
        }
    )
    path = tmp_path / "sample.csv"
    pacsv.write_csv(table, path)
    return path


def test_metrics_json_markdown_schema_and_reference(tmp_path: Path) -> None:
    sample = _sample(tmp_path)
    res = runner.invoke(app, ["metrics", str(sample)])
    assert res.exit_code == 0, res.stderr
    body = json.loads(res.stdout)
    assert body["metrics"]["row_count"] == 500 and body["analysis_time_ms"] > 0
    assert body["metrics"]["distribution_analysis"]["score"]["distribution_type"] == "normal"
    schema = _write(
        tmp_path / "s.json", {"fields": [{"name": "grade", "type": "category", "constraints": {"enum": ["a", "b"]}}]}
    )
    res = runner.invoke(app, ["metrics", str(sample), "--schema", str(schema), "--reference", str(sample)])
    body = json.loads(res.stdout)
    assert 0.5 < body["metrics"]["validity_score"] < 0.8
    assert body["metrics"]["fidelity"]["column_shapes"] == 1.0
    md = runner.invoke(app, ["metrics", str(sample), "--reference", str(sample), "--markdown"])
    assert md.exit_code == 0
    assert md.stdout.startswith("# Data quality report") and "| Column shapes | 1.0000 |" in md.stdout
    checked = runner.invoke(app, ["metrics", str(sample), "--schema", str(schema), "--markdown"])
    assert "| Invalid |" in checked.stdout and "| grade |" in checked.stdout


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", None, "file not found"),
        ("empty.csv", "", "is empty"),
        ("data.sql", "INSERT INTO t VALUES (1);", "unsupported file type"),
        ("broken.parquet", "PAR1 nope", "not a readable PARQUET file"),
        ("broken.json", "[{", "not a readable JSON file"),
    ],
)
def test_metrics_bad_input_exits_2(tmp_path: Path, name: str, content: str | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    res = runner.invoke(app, ["metrics", str(path)])
    assert res.exit_code == 2
    assert message in _one_error_line(res)


def test_metrics_bad_schema_and_reference(tmp_path: Path) -> None:
    sample = _sample(tmp_path)
    (tmp_path / "s.json").write_text("{oops")
    assert runner.invoke(app, ["metrics", str(sample), "--schema", str(tmp_path / "s.json")]).exit_code == 2
    res = runner.invoke(app, ["metrics", str(sample), "--reference", str(tmp_path / "nope.csv")])
    assert res.exit_code == 2 and "reference not found" in _one_error_line(res)
    # A schema that reads but is invalid (min > max, an unknown type) is an error, not a validity of 0.5.
    invalid = {"fields": [{"name": "score", "type": "float", "constraints": {"min": 9, "max": 1}}]}
    invalid["fields"].append({"name": "grade", "type": "no_such_type"})
    res = runner.invoke(app, ["metrics", str(sample), "--schema", str(_write(tmp_path / "bad.json", invalid))])
    line = _one_error_line(res)
    assert res.exit_code == 2 and "invalid schema: score: min 9 is greater than max 1" in line and "1 more" in line


def test_infer_writes_a_schema_the_engine_accepts(tmp_path: Path) -> None:
    sample = _sample(tmp_path)
    out = tmp_path / "schema.yaml"
    res = runner.invoke(app, ["infer", "--from", str(sample), "--out", str(out)])
    assert res.exit_code == 0, res.stderr
    schema = load_schema(out)
    types = {f.name: f.type for f in schema.fields or []}
    assert types == {"id": "sequence", "score": "float", "grade": "category", "email": "email"}
    assert "school.edu" not in out.read_text()
    again = runner.invoke(app, ["infer", "--from", str(sample), "--out", str(out)])
    assert again.exit_code == 2 and "--force" in _one_error_line(again)
    as_json = tmp_path / "schema.json"
    assert runner.invoke(app, ["infer", "--from", str(sample), "--out", str(as_json)]).exit_code == 0
    assert json.loads(as_json.read_text())["fields"][0]["name"] == "id"
    gen = runner.invoke(app, ["validate", str(out), "--volume", "1000"])
    assert gen.exit_code == 0


def test_infer_bad_sample_exits_2(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    res = runner.invoke(app, ["infer", "--from", str(empty), "--out", str(tmp_path / "s.yaml")])
    assert res.exit_code == 2 and "is empty" in _one_error_line(res)
    header_only = tmp_path / "header.csv"
    header_only.write_text("a,b\n")
    res = runner.invoke(app, ["infer", "--from", str(header_only)])
    assert res.exit_code == 2 and "no rows" in _one_error_line(res)
    assert not (tmp_path / "s.yaml").exists()


def test_metrics_by_generation_id_uses_the_stored_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sdga.models import GenerateDataRequest
    from sdga.service import SyntheticDataService

    monkeypatch.setenv("SDGA_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    request = GenerateDataRequest.model_validate({"data_type": "user_profile", "volume": 300, "output_format": "csv"})
    made = SyntheticDataService.from_env().generate(request)
    assert made.status == "success", made.errors
    gid = made.generation_id
    res = runner.invoke(app, ["metrics", gid])
    assert res.exit_code == 0, res.stderr
    body = json.loads(res.stdout)
    assert body["generation_id"] == gid and body["metrics"]["row_count"] == 300
    assert body["metrics"]["validity_score"] == 1.0  # checked against the stored request's template
    unknown = runner.invoke(app, ["metrics", "00000000-0000-4000-8000-000000000000"])
    assert unknown.exit_code == 2 and "00000000-0000-4000-8000-000000000000" in _one_error_line(unknown)
