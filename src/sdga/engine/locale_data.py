"""Per-locale data files: ``sdga/engine/data/<locale>/<name>.json``, read once per process.

A locale's file is laid over its language's (``data/en/`` under ``en_GB``) and over ``data/default/``,
key by key, so a regional locale states only what differs from its parent and a locale without data of
its own still gets the defaults. Word lists are not here: they come from Faker (:mod:`sdga.engine.vocab`);
the reserved ranges personal data is drawn from are not either: they are the safety contract
(:mod:`sdga.engine.safety`).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

DEFAULT = "default"


def _read(folder: str, name: str) -> dict[str, Any]:
    entry = resources.files("sdga.engine") / "data" / folder / f"{name}.json"
    if not entry.is_file():
        return {}
    data = json.loads(entry.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"engine data file {folder}/{name}.json must hold a JSON object")
    return data


@cache
def locale_data(locale: str, name: str) -> dict[str, Any]:
    """The data ``name`` (e.g. ``"address"``) for ``locale``: its own keys over its language's over the defaults."""
    chain = [DEFAULT]
    language = locale.split("_", 1)[0]
    if language != locale:
        chain.append(language)
    chain.append(locale)
    merged: dict[str, Any] = {}
    for folder in chain:
        merged.update(_read(folder, name))
    if not merged:
        raise KeyError(f"no engine data named '{name}'")
    return merged
