"""Cancelling a generation: from the same service, and from another process sharing the history."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sdga.config import Settings
from sdga.errors import NotReadyError
from sdga.models import GenerateDataRequest, GenerationStatus
from sdga.service import SyntheticDataService

SCHEMA = {"name": "big", "fields": [{"name": "id", "type": "uuid"}, {"name": "name", "type": "full_name"}]}


def _wait_idle(service: SyntheticDataService, gid: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while any(service.settings.staging_dir.glob(f"{gid}*")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(service.settings.staging_dir.glob(f"{gid}*")), "the cancelled run kept working"


def test_cancel_from_another_service_on_the_same_history(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, background_threshold=1000)
    worker = SyntheticDataService(settings)
    other = SyntheticDataService(settings)  # another process: its own tracker, the same history
    request = GenerateDataRequest.model_validate({"schema": SCHEMA, "volume": 20_000_000, "output_format": "csv"})
    started = worker.generate(request)
    gid = started.generation_id
    deadline = time.monotonic() + 30
    while worker.status(gid).status == GenerationStatus.PENDING and time.monotonic() < deadline:
        time.sleep(0.05)
    cancelled = other.cancel(gid)
    assert cancelled.status == GenerationStatus.FAILED and "cancelled by the user" in cancelled.errors[0]
    assert gid not in worker.tracker.cancelled  # the worker learns it from the history, at its next report
    # within a progress interval and a batch, far sooner than the whole run would take
    _wait_idle(worker, gid, seconds=8)
    final = worker.status(gid)
    assert final.status == GenerationStatus.FAILED and "cancelled by the user" in final.errors[0]
    assert final.output_files == [] and final.execution_time_ms > 0
    assert not any((settings.data_dir).glob(f"**/{gid}*"))
    with pytest.raises(NotReadyError):
        other.cancel(gid)
