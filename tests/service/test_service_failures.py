"""Failures at every step of a generation: nothing visible afterwards, and a ``failed`` record saying why."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from tests.service.conftest import MULTI_SCHEMA, SCHEMA

from sdga.adapters.history import GenerationRecord
from sdga.config import Settings
from sdga.errors import GenerationFailedError, NotReadyError, SdgaError
from sdga.models import GenerateDataRequest, GenerationStatus
from sdga.service import SyntheticDataService


def request(**kw: object) -> GenerateDataRequest:
    data: dict[str, object] = {"volume": 200, "schema": SCHEMA, "output_format": "csv", "seed": 7}
    data.update(kw)
    return GenerateDataRequest.model_validate(data)


class _HeldRunner:
    """Keeps submitted jobs without running them (a Lambda job event not yet delivered)."""

    def __init__(self) -> None:
        self.jobs: dict[str, Any] = {}

    def submit(self, generation_id: str, job: Any, payload: dict[str, Any]) -> None:
        self.jobs[generation_id] = job


def _only_record(svc: SyntheticDataService) -> GenerationRecord:
    rows = svc.history(limit=10)
    assert len(rows) == 1, rows
    record = svc.history_store.get(rows[0]["generation_id"])
    assert record is not None
    return record


def test_unusable_staging_area_records_failed_not_running(tmp_path: Path) -> None:
    svc = SyntheticDataService(Settings(home=tmp_path / "home", background_threshold=0))
    svc.settings.home_dir.mkdir(parents=True, exist_ok=True)
    svc.settings.staging_dir.write_text("a file where the staging directory must go")
    with pytest.raises(SdgaError):
        svc.generate(request())
    record = _only_record(svc)
    assert record.status == GenerationStatus.FAILED
    assert record.errors and "staging" in record.errors[0].lower()
    assert not svc.settings.data_dir.exists() or not any(svc.settings.data_dir.iterdir())


def test_interrupted_generation_is_recorded_failed_and_leaves_nothing(
    service: SyntheticDataService, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sdga.writers

    real = sdga.writers.write_plan

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise KeyboardInterrupt  # Ctrl-C in the CLI after the files were written

    monkeypatch.setattr(sdga.writers, "write_plan", interrupted)
    with pytest.raises(KeyboardInterrupt):
        service.generate(request())
    record = _only_record(service)
    assert record.status == GenerationStatus.FAILED
    assert record.errors and "interrupted" in record.errors[0]
    assert not any(service.settings.staging_dir.iterdir())
    assert not (service.settings.data_dir / record.generation_id).exists()


def test_interrupt_while_publishing_into_an_existing_directory_leaves_it_as_it_was(
    service: SyntheticDataService, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sdga.adapters.storage as storage

    target = service.settings.data_dir / "exports"
    target.mkdir(parents=True)
    (target / "notes.txt").write_text("keep me")
    calls = {"n": 0}
    real = storage._move_file

    def move(src: Path, dst: Path) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        real(src, dst)

    monkeypatch.setattr(storage, "_move_file", move)
    with pytest.raises(KeyboardInterrupt):
        service.generate(request(schema=MULTI_SCHEMA, destination={"type": "local", "location": "exports"}))
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]
    assert _only_record(service).status == GenerationStatus.FAILED


def test_a_job_delivered_twice_runs_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two deliveries of one asynchronous job (Lambda retries do that) both read 'pending' before either
    claims it: only one may generate, the other is told it is not pending any more."""
    runner = _HeldRunner()
    svc = SyntheticDataService(Settings(home=tmp_path, background_threshold=10), runner=runner)
    req = request(volume=100)
    gid = svc.generate(req).generation_id
    stale = svc.history_store.get(gid)
    assert stale is not None and stale.status == GenerationStatus.PENDING
    claimed = stale.model_copy(deep=True)
    claimed.status = GenerationStatus.RUNNING  # the first delivery has started
    svc.history_store.transition(claimed)

    monkeypatch.setattr(svc.history_store, "get", lambda _gid: stale.model_copy(deep=True))
    with pytest.raises(NotReadyError):
        svc.run_job(gid, req)
    assert not (svc.settings.data_dir / gid).exists()

    claimed.status = GenerationStatus.SUCCESS  # ... and has finished: a late delivery is refused alike
    svc.history_store.transition(claimed)
    with pytest.raises(NotReadyError):
        svc.run_job(gid, req)
    monkeypatch.undo()
    final = svc.history_store.get(gid)
    assert final is not None and final.status == GenerationStatus.SUCCESS and not final.errors


def test_progress_is_visible_while_a_background_job_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sdga.writers
    from sdga.pipeline import tracking

    gate, reached = threading.Event(), threading.Event()
    real = sdga.writers.write_plan

    def slow(*args: Any, **kwargs: Any) -> Any:
        progress = kwargs["progress"]

        def tick(table: str, rows: int) -> None:
            progress(table, rows)
            reached.set()
            gate.wait(30)

        kwargs["progress"] = tick
        return real(*args, **kwargs)

    monkeypatch.setattr(sdga.writers, "write_plan", slow)
    monkeypatch.setattr(tracking.ProgressRecorder, "interval_s", 0.0)  # every tick is reported
    from sdga.adapters.background import ThreadRunner

    runner = ThreadRunner()
    svc = SyntheticDataService(Settings(home=tmp_path, background_threshold=10), runner=runner)
    gid = svc.generate(request(volume=100)).generation_id
    assert reached.wait(30)
    running = svc.status(gid)
    assert running.status == GenerationStatus.RUNNING and running.records_generated > 0
    assert svc.history(status="running")[0]["generation_id"] == gid
    gate.set()
    runner.wait(gid, timeout=60)
    assert svc.status(gid).status == GenerationStatus.SUCCESS


def test_writer_error_is_a_failed_record(service: SyntheticDataService, monkeypatch: pytest.MonkeyPatch) -> None:
    import sdga.writers

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sdga.writers, "write_plan", broken)
    with pytest.raises(GenerationFailedError):
        service.generate(request())
    record = _only_record(service)
    assert record.status == GenerationStatus.FAILED and "No space left" in record.errors[0]


def test_record_closed_by_someone_else_meanwhile_is_a_clear_error(
    service: SyntheticDataService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A status call reaped the record (worker silent past the job timeout) while it was publishing."""
    real = service._publish

    def publish_then_reaped(gid: str, *args: Any) -> Any:
        published = real(gid, *args)
        stored = service.history_store.get(gid)
        assert stored is not None
        service._fail(stored, "the worker stopped reporting for 4000 s", None)
        return published

    monkeypatch.setattr(service, "_publish", publish_then_reaped)
    with pytest.raises(GenerationFailedError, match="already failed") as info:
        service.generate(request())
    assert isinstance(info.value.details, dict) and info.value.details["generation_id"]
    assert _only_record(service).status == GenerationStatus.FAILED
