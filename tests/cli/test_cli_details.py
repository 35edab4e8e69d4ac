"""Small CLI points: text in square brackets is printed, configuration errors are usage errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sdga.cli import app


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDGA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "400")


def test_types_table_keeps_text_in_square_brackets() -> None:
    from sdga.engine.fields import describe_types

    out = CliRunner().invoke(app, ["types"]).output
    flat = " ".join(out.replace("│", " ").split())
    bracketed = {
        m for e in describe_types() for v in e.values() for m in re.findall(r"\[[^\]\[]*\]", str(v)) if m[1:2].isalpha()
    }
    assert "[min, max]" in bracketed and "[day]" in bracketed  # what Rich would read as markup tags
    for text in bracketed:
        assert text in flat, text


def test_an_unknown_backend_in_the_configuration_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDGA_LLM_BACKEND", "nonsense")
    result = CliRunner().invoke(app, ["ask", "10 users"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "LLM_BACKEND" in lines[0]
    monkeypatch.delenv("SDGA_LLM_BACKEND")
    result = CliRunner().invoke(app, ["ask", "10 users", "--plan-only", "--backend", "nonsense"])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1


def test_a_plain_generate_is_in_the_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    out = tmp_path / "out" / "users.csv"
    result = CliRunner().invoke(app, ["generate", "-t", "user_profile", "-n", "25", "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    gid = json.loads(result.stdout)["generation_id"]
    listed = json.loads(CliRunner().invoke(app, ["history", "--json"]).stdout)
    assert [(r["generation_id"], r["status"], r["records_generated"]) for r in listed] == [(gid, "success", 25)]
    assert listed[0]["output_location"] == str(out.resolve())
    status = json.loads(CliRunner().invoke(app, ["status", gid]).stdout)
    assert status["output_files"] == [str(out.resolve())]
    copy = tmp_path / "copy.csv"
    assert CliRunner().invoke(app, ["download", gid, "-o", str(copy)]).exit_code == 0
    assert copy.read_bytes() == out.read_bytes()

    # a run that fails midway is recorded as failed, with the reason
    from sdga.errors import GenerationFailedError

    def broken(*_args: object, **_kwargs: object) -> None:
        raise GenerationFailedError("disk full")

    monkeypatch.setattr("sdga.generation.generate_to_path", broken)
    monkeypatch.setattr("sdga.cli.generate.generate_to_path", broken, raising=False)
    failed = CliRunner().invoke(app, ["generate", "-t", "user_profile", "-n", "5", "-o", str(tmp_path / "x.csv")])
    assert failed.exit_code == 3
    latest = json.loads(CliRunner().invoke(app, ["history", "--json"]).stdout)[0]
    assert latest["status"] == "failed" and latest["errors"] == ["disk full"]
