"""Fixtures for the agent tests: a real service in a scratch SDGA_HOME, and fake AWS credentials."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def sdga_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    monkeypatch.setenv("SDGA_HOME", str(home))
    for var in ("SDGA_LLM_BACKEND", "SDGA_KB_BACKEND", "SDGA_STORAGE_BACKEND", "SDGA_HISTORY_BACKEND", "SDGA_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    from sdga.knowledge import retriever

    retriever._cache.clear()
    yield home
    retriever._cache.clear()


@pytest.fixture
def service(sdga_home: Path) -> Any:
    from sdga.config import load_settings
    from sdga.service import SyntheticDataService

    return SyntheticDataService(load_settings(home=str(sdga_home), background_mode="off"), restrict_paths=False)
