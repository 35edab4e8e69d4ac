"""The disk cache of parsed package data: keyed by the files, rebuilt when they change or it is damaged."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sdga.knowledge.cache import cached, stamp


def test_cache_is_keyed_by_the_files_and_survives_damage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDGA_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SDGA_NO_CACHE", raising=False)
    source = tmp_path / "data.yaml"
    source.write_text("a: 1\n")
    calls: list[int] = []

    def build() -> dict[str, int]:
        calls.append(1)
        return {"value": len(calls)}

    key = stamp([source])
    assert cached("demo", key, build) == {"value": 1}
    assert cached("demo", key, build) == {"value": 1} and len(calls) == 1  # read back, not rebuilt
    source.write_text("a: 22\n")
    os.utime(source, ns=(10**18, 10**18))
    new_key = stamp([source])
    assert new_key != key and cached("demo", new_key, build) == {"value": 2}
    assert [p.name for p in (tmp_path / "home" / "cache").iterdir()] == [f"demo-{new_key}.pickle"]  # old one gone
    (tmp_path / "home" / "cache" / f"demo-{new_key}.pickle").write_bytes(b"not a pickle")
    assert cached("demo", new_key, build) == {"value": 3}  # damaged: rebuilt
    assert stamp([tmp_path / "missing.yaml"]) is None
    assert cached("demo", None, build) == {"value": 4}  # no key: never cached
    monkeypatch.setenv("SDGA_NO_CACHE", "1")
    assert cached("demo", new_key, build) == {"value": 5}
