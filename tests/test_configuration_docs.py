"""docs/configuration.md says what the code does: every setting is listed, with the default the code uses."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from sdga.config import Settings

DOC = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def documented() -> dict[str, str]:
    """``SDGA_X`` -> the default column of its table row (several names in one row share it)."""
    rows: dict[str, str] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`SDGA_"):
            continue
        names = re.findall(r"`(SDGA_[A-Z0-9_]+)`", cells[0])
        defaults = re.findall(r"`([^`]*)`", cells[1]) or [cells[1]]
        for i, name in enumerate(names):
            rows[name] = defaults[i] if len(defaults) == len(names) else defaults[0]
    return rows


def as_documented(value: Any) -> str:
    if value is None or value == []:
        return "–"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def test_every_setting_is_documented_with_the_code_default() -> None:
    docs = documented()
    defaults = Settings.model_construct()  # the declared defaults, whatever the environment holds
    missing, wrong = [], []
    for name, field in Settings.model_fields.items():
        if field.validation_alias is not None:  # AWS_* names, documented in their own table
            continue
        env = f"SDGA_{name.upper()}"
        if env not in docs:
            missing.append(env)
        elif docs[env] != as_documented(getattr(defaults, name)):
            wrong.append(f"{env}: documented {docs[env]!r}, code {as_documented(getattr(defaults, name))!r}")
    assert not missing, f"not in docs/configuration.md: {missing}"
    assert not wrong, wrong


@pytest.mark.parametrize(
    ("env", "module", "constant"),
    [
        ("SDGA_MODEL_ID", "sdga.config", "DEFAULT_MODEL_ID"),
        ("SDGA_OPENAI_MODEL", "sdga.agent.openai_backend", "DEFAULT_MODEL"),
        ("SDGA_OPENAI_BASE_URL", "sdga.agent.openai_backend", "DEFAULT_BASE_URL"),
    ],
)
def test_agent_defaults_are_the_documented_ones(env: str, module: str, constant: str) -> None:
    import importlib

    value = getattr(importlib.import_module(module), constant, None)
    if value is None:
        pytest.fail(f"{module}.{constant} is gone: update this test and docs/configuration.md together")
    assert documented()[env] == value, (
        f"docs/configuration.md names {documented()[env]!r} for {env}; the code {value!r}"
    )
