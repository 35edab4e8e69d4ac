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
