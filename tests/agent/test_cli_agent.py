"""``sdga ask`` / ``sdga chat`` / ``sdga kb`` end to end, offline, in a fresh SDGA_HOME."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.csv as pacsv
import pytest
from typer.testing import CliRunner

from sdga.cli import app

runner = CliRunner()
PROMPT = "Generate 300 GDPR-compliant user profiles for a German shop as CSV, ages 18 to 65, 10% without phone, seed 11"


def test_ask_offline_produces_data_and_a_report(sdga_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["ask", PROMPT, "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = result.stdout
    assert "## Plan" in report and "locale: de_DE" in report and "## Validation" in report
    assert "**success**" in report and "Records generated" in report
    files = list(out.rglob("*.csv"))
    assert len(files) == 1
    table = pacsv.read_csv(files[0], convert_options=pacsv.ConvertOptions(strings_can_be_null=True))
    assert table.num_rows == 300
    ages = table.column("age").to_pylist()
    assert min(ages) >= 18 and max(ages) <= 65
    phones = table.column("phone").to_pylist()
    assert 0.03 < sum(p is None for p in phones) / 300 < 0.2
    assert all(e.split("@")[1].endswith((".test", ".example", "example.com", "example.net", "example.org"))
               for e in table.column("email").to_pylist())  # fmt: skip
    # Long-term memory: the run was remembered beside the history.
    assert (sdga_home / "knowledge.sqlite3").exists()
    hits = runner.invoke(app, ["kb", "search", "German shop user profiles", "--json"])
    assert any(h["kind"] == "memory" for h in json.loads(hits.stdout))


def test_plan_only_json_prints_the_request(sdga_home: Path) -> None:
    result = runner.invoke(app, ["ask", PROMPT, "--plan-only", "--json"])
    assert result.exit_code == 0, result.output
    # The plan carries the request plus what was understood and assumed (issue 10), not the request alone.
    plan = json.loads(result.stdout)
    assert plan["question"] is None and plan["understood"] and plan["assumed"] and plan["template"] == "user_profile"
    request = plan["request"]
    assert request["volume"] == 300 and request["output_format"] == "csv" and request["locale"] == "de_DE"
    assert request["compliance_requirements"] == ["GDPR"] and request["seed"] == 11
    assert "schema" in request  # alias, not schema_
    assert not (sdga_home / "data").exists() or not any((sdga_home / "data").iterdir())


def test_refusal_is_one_line_and_exit_2(sdga_home: Path) -> None:
    result = runner.invoke(app, ["ask", "what's the weather in Paris?"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: I can only plan synthetic test data")
    assert "Traceback" not in result.output


def test_validation_failure_exits_1(sdga_home: Path, tmp_path: Path) -> None:
    # Cost centres "CC-dddd" are unique: 20,000 departments cannot exist. Validation says no, nothing is written.
    result = runner.invoke(app, ["ask", "hr departments, 20,000 departments", "--out", str(tmp_path / "o")])
    assert result.exit_code == 1, result.output
    assert "## Validation" in result.stdout and "**invalid**" in result.stdout and "cost_center" in result.stdout
    assert not (tmp_path / "o").exists()


def test_chat_follow_ups_edit_the_plan(sdga_home: Path, tmp_path: Path) -> None:
    script = "\n".join(
        [
            "200 user profiles for the UK as parquet",
            "make it 250 and add a loyalty tier",
            "plan",
            "run",
            "quit",
        ]
    )
    result = runner.invoke(app, ["chat", "--out", str(tmp_path / "chat")], input=script + "\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    plan_json = json.loads(out[out.index("{") : out.rindex("}", 0, out.index("# Synthetic data agent")) + 1])
    assert plan_json["volume"] == 250 and plan_json["locale"] == "en_GB" and plan_json["output_format"] == "parquet"
    assert "loyalty_tier" in [f["name"] for f in plan_json["schema"]["fields"]]
    assert "**success**" in out
    assert list((tmp_path / "chat").rglob("*.parquet"))


def test_kb_eval_and_export(sdga_home: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["kb", "eval", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["hit_at_1"] >= 0.9
    result = runner.invoke(app, ["kb", "export", str(tmp_path / "kb")])
    assert result.exit_code == 0 and json.loads(result.stdout)["files"] > 20


@pytest.mark.parametrize("backend", ["nonsense"])
def test_unknown_backend(sdga_home: Path, backend: str) -> None:
    # A wrong option value is a usage error (exit 2), not a failure outside (3): issue 11's smaller points.
    result = runner.invoke(app, ["ask", "10 users", "--backend", backend])
    assert result.exit_code == 2 and "'nonsense' is not one of offline" in result.stderr
