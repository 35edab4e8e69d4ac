"""Lexicons: the word material of real-looking text (product names, comments, log messages, user agents,
host names), kept as data files under ``sdga/engine/data/lexicon/`` and read once per process."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def lexicon(name: str) -> dict[str, Any]:
    """The lexicon ``name`` (e.g. ``"products"``); keys starting with ``_`` are comments."""
    entry = resources.files("sdga.engine") / "data" / "lexicon" / f"{name}.json"
    data = json.loads(entry.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"lexicon {name}.json must hold a JSON object")
    return {k: v for k, v in data.items() if not k.startswith("_")}
