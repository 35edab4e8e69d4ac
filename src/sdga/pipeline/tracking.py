"""The history record of a generation through its life: pending → running → success | partial | failed.

:class:`JobTracker` makes every state change (one lock per service, so a job's writes and its heartbeat
never interleave), keeps a running record fresh while a long step reports no progress, records
failures with their reason, and finds records whose worker is gone. :class:`ProgressRecorder` copies
batch progress into the record for pollers.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sdga.adapters.history import GenerationRecord, HistoryStore, TransitionError, now_ms
from sdga.adapters.worker import worker_has_stopped
from sdga.errors import GenerationFailedError, NotReadyError
from sdga.models import GenerateDataResponse, GenerationStatus

log = logging.getLogger("sdga.service")

ProgressCallback = Callable[[str, int], None]


class JobTracker:
    """State changes of history records, made one at a time."""

    def __init__(self, history: HistoryStore, *, job_timeout_s: float) -> None:
        self.history = history
        self.job_timeout_s = job_timeout_s
        # Seconds between heartbeats; None = a quarter of job_timeout_s, at least 1 s and at most a minute.
        self.heartbeat_s: float | None = None
        self.lock = threading.RLock()
        # Generations cancelled through this tracker: their workers in this process stop at the next batch.
        # Workers elsewhere find out when their next progress write finds the record no longer running.
        self.cancelled: set[str] = set()
        # Workers that report somewhere other than the history (an EMR Serverless job run): worker prefix ->
        # a function that brings the record up to date from that worker, used instead of the heartbeat timeout.
        self.remote: dict[str, Callable[[GenerationRecord], None]] = {}

    def cancel(self, record: GenerationRecord, reason: str) -> None:
        """Record a pending or running generation as ``failed`` with ``reason``; its worker stops at the next
        batch and publishes nothing."""
        with self.lock:
            self.cancelled.add(record.generation_id)
            # The run's duration so far (the worker, which knows it exactly, may be in another process).
            record.execution_time_ms = float(max(0, now_ms() - record.timestamp))
            if record.response is not None:
                record.response.execution_time_ms = record.execution_time_ms
            self.fail(record, reason, None)

    def check_cancelled(self, record: GenerationRecord) -> None:
        """Raise :class:`GenerationFailedError` when ``record``'s generation was cancelled."""
        if record.generation_id in self.cancelled:
            stored = self.history.get(record.generation_id)
            reason = "; ".join(stored.errors) if stored and stored.errors else "cancelled"
            raise GenerationFailedError(reason, details={"generation_id": record.generation_id, "cancelled": True})

    def set(
        self, record: GenerationRecord, status: GenerationStatus, *, expected: set[GenerationStatus] | None = None
    ) -> None:
        with self.lock:
            record.status = status
            if record.response is not None:
                record.response.status = status
            if expected is None:
                self.history.transition(record)
            else:
                self.history.transition(record, expected=expected)

    def claim(self, record: GenerationRecord) -> None:
        """pending → running. Only a pending record may start, so a job delivered twice runs once."""
        try:
            self.set(record, GenerationStatus.RUNNING, expected={GenerationStatus.PENDING})
        except TransitionError:
            gid = record.generation_id
            stored = self.history.get(gid)
            state = stored.status.value if stored else "gone"
            raise NotReadyError(
                f"generation {gid} is already {state}; it is not started again", details={"generation_id": gid}
            ) from None

    @contextlib.contextmanager
    def heartbeat(self, record: GenerationRecord) -> Iterator[None]:
        """Keep a running record fresh while a long step (quality metrics, an upload, a database load)
        reports no progress, so a status call never takes a working job for a dead one."""
        interval = self.heartbeat_s or max(1.0, min(60.0, self.job_timeout_s / 4))
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(interval):
                with self.lock:
                    if record.status != GenerationStatus.RUNNING:
                        return
                    try:
                        self.history.transition(record, expected={GenerationStatus.RUNNING})
                    except Exception:  # a heartbeat is best effort; the job's own writes decide
                        log.debug("heartbeat for %s failed", record.generation_id, exc_info=True)

        thread = threading.Thread(target=beat, name=f"sdga-heartbeat-{record.generation_id[:8]}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=5)

    def fail(self, record: GenerationRecord, reason: str, started: float | None) -> None:
        """Record ``failed`` with the reason; the response keeps nothing that was not published."""
        record.errors = [reason]
        response = record.response or GenerateDataResponse(generation_id=record.generation_id, status=record.status)
        response.errors = [reason]
        response.records_generated = 0
        response.output_location = None
        response.output_files = []
        response.data = None
        if started is not None:
            response.execution_time_ms = (time.perf_counter() - started) * 1000
        record.response = response
        record.execution_time_ms = response.execution_time_ms
        try:
            self.set(record, GenerationStatus.FAILED)
        except TransitionError:
            log.warning("generation %s: could not record failure (%s)", record.generation_id, reason)

    def finish(self, record: GenerationRecord, response: GenerateDataResponse) -> GenerateDataResponse:
        """Record the outcome in ``response`` (success or partial); a copy of it is the answer."""
        gid = record.generation_id
        record.records_generated = response.records_generated
        record.execution_time_ms = response.execution_time_ms
        record.output_location = response.output_location
        record.errors = list(response.errors)
        record.response = response
        try:
            self.set(record, response.status)
        except TransitionError:
            # Closed by someone else meanwhile (e.g. a status call that found no progress for longer than
            # SDGA_JOB_TIMEOUT_S): its outcome stands; say so instead of an unexplained internal error.
            stored = self.history.get(gid)
            state = stored.status.value if stored else "gone"
            raise GenerationFailedError(
                f"generation {gid} finished, but its history record was already {state} "
                f"({'; '.join(stored.errors) if stored and stored.errors else 'no reason recorded'}); "
                f"its files were written to {response.output_location}",
                details={"generation_id": gid, "output_location": response.output_location},
            ) from None
        return response.model_copy(deep=True)

    def reap(self, record: GenerationRecord, staging_dir: Path) -> GenerationRecord:
        """A pending/running record whose worker is gone becomes ``failed`` with the reason (else unchanged).

        Gone means: its process no longer exists on this host (known at once), or it has not reported
        for ``job_timeout_s`` (any host, Lambda included).
        """
        if record.status not in (GenerationStatus.PENDING, GenerationStatus.RUNNING):
            return record
        refresh = next((f for prefix, f in self.remote.items() if (record.worker or "").startswith(prefix)), None)
        if refresh is not None:
            refresh(record)
            return self.history.get(record.generation_id) or record
        age = (datetime.now(UTC) - record.updated_at).total_seconds()
        stopped = worker_has_stopped(record.worker)
        if stopped:
            pid = (record.worker or "").rsplit(":", 2)[-2]
            reason = (
                f"the process running this generation (pid {pid}) stopped before it finished, "
                f"{int(age)} s after its last progress report; nothing was published"
            )
        elif age > self.job_timeout_s:
            reason = f"the worker stopped reporting for {int(age)} s"
        else:
            return record
        self.fail(record, reason, None)
        if stopped:  # what the dead process had staged on this host is of no use to anyone
            for leftover in staging_dir.glob(f"{record.generation_id}-*"):
                shutil.rmtree(leftover, ignore_errors=True)
        # Another process may have finished it in the meantime: answer what the store now holds.
        return self.history.get(record.generation_id) or record


class ProgressRecorder:
    """Forwards batch progress to the caller and, at most every ``interval_s``, into the history (for polling)."""

    interval_s = 2.0

    def __init__(self, tracker: JobTracker, record: GenerationRecord, forward: ProgressCallback | None) -> None:
        self.tracker = tracker
        self.record = record
        self.forward = forward
        self.rows = 0
        self.last = time.monotonic()

    def __call__(self, table: str, rows: int) -> None:
        self.tracker.check_cancelled(self.record)
        self.rows += rows
        if self.forward is not None:
            self.forward(table, rows)
        now = time.monotonic()
        if now - self.last >= self.interval_s:
            self.last = now
            self.record.records_generated = self.rows
            if self.record.response is not None:
                self.record.response.records_generated = self.rows
            try:
                self.tracker.set(self.record, GenerationStatus.RUNNING, expected={GenerationStatus.RUNNING})
            except TransitionError:
                # No longer running: cancelled (or reaped) by another process; stop without publishing.
                stored = self.tracker.history.get(self.record.generation_id)
                if stored is not None and stored.status != GenerationStatus.RUNNING:
                    reason = "; ".join(stored.errors) or f"the generation is already {stored.status.value}"
                    raise GenerationFailedError(reason, details={"generation_id": stored.generation_id}) from None
            except Exception:  # progress is best effort
                log.debug("progress update failed", exc_info=True)


def describe_request(request: dict[str, Any] | None) -> str | None:
    """What a generation made, in a few words: its schema's name or tables, else its template."""
    if not request:
        return None
    schema = request.get("schema")
    if isinstance(schema, dict):
        if isinstance(schema.get("tables"), list):
            names = [str(t.get("name")) for t in schema["tables"] if isinstance(t, dict)]
            return ", ".join(names[:4]) + (f" +{len(names) - 4}" if len(names) > 4 else "")
        if schema.get("name"):
            return str(schema["name"])
    data_type = request.get("data_type")
    return str(data_type) if data_type and data_type != "custom" else None
