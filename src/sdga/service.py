"""The three actions as one service: the same code behind the CLI, the HTTP API and the Lambda handlers.

``generate`` is one straight line, the same for every destination and engine:

    prepare (validate → plan → check destination and engine) → record pending → write (engine, into a
    private staging directory) → measure → publish (destination) → record the outcome.

Each generation has a history record that moves pending → running → success | partial | failed. A
failure anywhere leaves no visible output (publishing is the last step and atomic; a database load is
one transaction) and a ``failed`` record saying why. What depends on *where* the data goes lives in
:mod:`sdga.destinations`, *how* it is produced in :mod:`sdga.execution`, and the steps themselves in
:mod:`sdga.pipeline`.

Requests above ``SDGA_BACKGROUND_THRESHOLD`` records run in the background and are polled by ``status``.
Paths from requests are confined to ``SDGA_HOME`` and ``SDGA_ALLOWED_ROOTS`` (the CLI, run by the user on
their own machine, lifts that restriction), and generation ids must be UUIDs, so neither ids nor
locations can reach outside the configured roots.
"""

from __future__ import annotations

import functools
import logging
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sdga.adapters import make_history, make_object_store, make_runner
from sdga.adapters.background import Runner
from sdga.adapters.history import GenerationRecord, HistoryStore, SqliteHistory, now_ms
from sdga.adapters.storage import MANIFEST_NAME, LocalObjectStore, ObjectStore, Published
from sdga.adapters.worker import current_worker
from sdga.config import Settings, load_settings
from sdga.destinations import (
    DESTINATIONS,
    Destination,
    DestinationContext,
    DestinationRegistry,
    Destinations,
    DownloadStream,
    PathPolicy,
    Staged,
    media_type,
    stream_zip,
)
from sdga.destinations.base import basename
from sdga.errors import GenerationFailedError, InvalidInputError, NotFoundError, NotReadyError, SdgaError
from sdga.execution import ENGINES, EngineRegistry
from sdga.limits import DeploymentBusyError, Limits, StopCheck
from sdga.models import (
    DataType,
    GenerateDataRequest,
    GenerateDataResponse,
    GenerationStatus,
    PreviewRequest,
    PreviewResponse,
    QualityMetrics,
    QualityMetricsRequest,
    QualityMetricsResponse,
    QualityReport,
    Schema,
    UploadResponse,
    ValidateSchemaRequest,
    ValidateSchemaResponse,
)
from sdga.pipeline import (
    JobTracker,
    Prepared,
    ProgressRecorder,
    Sampler,
    measure_output,
    prepare,
    staging_area,
    template_schema,
    write_tables,
)
from sdga.pipeline import measure as _measure
from sdga.pipeline.tracking import describe_request
from sdga.pipeline.uploads import save_upload
from sdga.report import render_report_markdown, write_report_file

log = logging.getLogger("sdga.service")
ProgressCallback = Callable[[str, int], None]

__all__ = ["DownloadStream", "SyntheticDataService", "check_generation_id", "redact_request", "stream_zip"]


@dataclass
class _Measured:
    """Metrics and, for charts, the tables they were measured on."""

    metrics: QualityMetrics
    data: dict[str, Any]
    reference: dict[str, Any] | None
    generation_id: str | None
    title: str


def check_generation_id(generation_id: str) -> str:
    """Generation ids are canonical UUIDs; anything else is rejected before it reaches a path or a key."""
    try:
        value = uuid.UUID(str(generation_id).strip())
    except (ValueError, AttributeError, TypeError):
        raise InvalidInputError(
            f"generation_id must be a UUID, got {str(generation_id)[:64]!r}", details={"field": "generation_id"}
        ) from None
    return str(value)


def redact_request(request: GenerateDataRequest, destination: Destination) -> dict[str, Any]:
    """The request as stored in history: secrets in the destination's location hidden."""
    data = request.model_dump(mode="json", by_alias=True)
    if request.destination.location:
        data["destination"]["location"] = destination.public_location()
    return data


class SyntheticDataService:
    """Generate, validate and measure, with results stored and history kept. Thread-safe.

    ``destinations`` and ``engines`` default to the built-in registries; pass your own to add or replace
    a destination or an engine without changing this class.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        store: ObjectStore | None = None,
        history: HistoryStore | None = None,
        runner: Runner | None = None,
        restrict_paths: bool = True,
        destinations: DestinationRegistry | None = None,
        engines: EngineRegistry | None = None,
    ) -> None:
        self.settings = settings or load_settings()
        self.store = store or make_object_store(self.settings)
        self.history_store = history or make_history(self.settings)
        if isinstance(self.history_store, SqliteHistory) and isinstance(self.store, LocalObjectStore):
            # A laptop's data folder should not outgrow its history: results leave with their records.
            self.history_store.on_expired = self._delete_stored_results
        self.paths = PathPolicy(self.settings, restrict=restrict_paths)
        self.destinations = Destinations(
            DestinationContext(self.settings, self.store, self.paths), destinations or DESTINATIONS
        )
        self.engines = engines or ENGINES
        self.tracker = JobTracker(self.history_store, job_timeout_s=self.settings.job_timeout_s)
        self._runner = runner
        self._runner_lock = threading.Lock()
        self._admit_lock = threading.Lock()

    @classmethod
    def from_env(cls, **overrides: Any) -> SyntheticDataService:
        """A service configured from the environment / ``SDGA_CONFIG`` (keyword overrides win)."""
        return cls(load_settings(**overrides))

    @property
    def limits(self) -> Limits:
        """This deployment's limits (from its settings)."""
        return Limits.from_settings(self.settings)

    @property
    def restrict_paths(self) -> bool:
        """Whether local paths from requests are confined to SDGA_HOME and SDGA_ALLOWED_ROOTS."""
        return self.paths.restrict

    @restrict_paths.setter
    def restrict_paths(self, value: bool) -> None:
        self.paths.restrict = value

    @property
    def heartbeat_s(self) -> float | None:
        """Seconds between heartbeats of a running record (None: from SDGA_JOB_TIMEOUT_S)."""
        return self.tracker.heartbeat_s

    @heartbeat_s.setter
    def heartbeat_s(self, value: float | None) -> None:
        self.tracker.heartbeat_s = value

    @property
    def runner(self) -> Runner:
        with self._runner_lock:
            if self._runner is None:
                self._runner = make_runner(self.settings)
            return self._runner

    def drain(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for this process's background generations to end (a server stopping)."""
        with self._runner_lock:
            runner = self._runner
        drain = getattr(runner, "drain", None)
        return bool(drain(timeout)) if drain is not None else True

    def resolve_local(self, location: str | Path, *, must_exist: bool) -> Path:
        """A local path from a request, confined to the allowed roots unless restrictions are lifted."""
        return self.paths.resolve_local(location, must_exist=must_exist)

    def resolve_output(self, location: str | Path) -> Path:
        """A local destination: inside ``SDGA_HOME`` only under ``data/``, and never inside a stored generation."""
        return self.paths.resolve_output(location)

    # ------------------------------------------------------------------------------------ validate
    def validate_schema(self, request: ValidateSchemaRequest) -> ValidateSchemaResponse:
        from sdga.validation import validate_schema

        return validate_schema(
            request.schema_, request.compliance_requirements, volume=request.volume, limits=self.limits
        )

    # ------------------------------------------------------------------------------------ templates
    def templates(self) -> list[dict[str, Any]]:
        from sdga.engine.templates import list_templates

        return [
            {"name": t.name, "description": t.description, "data_type": str(t.data_type), "domain": t.domain}
            for t in list_templates()
        ]

    def template(self, name: str) -> Schema:
        return template_schema(name)

    def field_types(self) -> list[dict[str, Any]]:
        """Every field type with its category, description and an example value."""
        from sdga.engine.fields import describe_types

        return describe_types()

    # ------------------------------------------------------------------------------------- preview
    def preview(self, request: PreviewRequest) -> PreviewResponse:
        """The first rows of each table of a schema, in memory: nothing is stored or recorded."""
        from sdga.pipeline.preview import preview

        return preview(request, max_volume=self.settings.max_volume)

    # ------------------------------------------------------------------------------------ generate
    def generate(
        self,
        request: GenerateDataRequest,
        *,
        background: bool | None = None,
        progress: ProgressCallback | None = None,
        generation_id: str | None = None,
    ) -> GenerateDataResponse:
        """Validate, then generate now or in the background (``background=None``: decide by volume).

        Raises for bad requests (before anything is recorded) and :class:`GenerationFailedError` /
        :class:`~sdga.errors.DestinationError` when a started generation fails (recorded as ``failed``).
        """
        started = time.perf_counter()
        job = self._prepare(request)
        gid = check_generation_id(generation_id) if generation_id else str(uuid.uuid4())
        record = GenerationRecord(
            generation_id=gid,
            timestamp=now_ms(),
            status=GenerationStatus.PENDING,
            data_type=request.data_type.value,
            volume=job.total,
            output_format=request.output_format.value,
            destination_type=request.destination.type.value,
            expires_at=self._expiry(),
            request=redact_request(request, job.destination),
            worker=None if self.settings.background_mode == "lambda" else current_worker(),
        )
        record.response = GenerateDataResponse(
            generation_id=gid, status=GenerationStatus.PENDING, warnings=list(job.warnings), seed=job.plan.seed
        )
        with self._admit_lock:
            self._check_active_records(job.total)
            self.history_store.create(record)
        handoff = job.engine.handoff()  # an engine that runs elsewhere takes the job away from here
        if background is None:
            threshold = self.settings.background_threshold
            background = bool(threshold) and job.total > threshold and self.settings.background_mode != "off"
        if background or handoff is not None:
            payload = {"request": request.model_dump(mode="json", by_alias=True)}
            response = record.response.model_copy(deep=True)  # before the worker starts changing the record
            try:
                (handoff or self.runner).submit(gid, lambda: self._execute(record, job, None, None), payload)
            except Exception as exc:
                self.tracker.fail(record, f"could not start the background job: {exc}", started)
                raise
            response.warnings.append(
                f"{job.total} records run in the background: poll GET /api/v1/synthetic-data/status/{gid}"
            )
            return response
        return self._execute(record, job, progress, started)

    def record_finished(
        self, request: GenerateDataRequest, response: GenerateDataResponse, *, started_ms: int
    ) -> GenerationRecord:
        """Keep in the history a generation that ran outside the service (``sdga generate -o FILE``), so that
        ``history``, ``status``, ``report`` and ``download`` know it too. The files stay where they were written."""
        record = GenerationRecord(
            generation_id=check_generation_id(response.generation_id),
            timestamp=started_ms,
            status=response.status,
            data_type=request.data_type.value,
            volume=response.records_generated or request.volume,
            output_format=request.output_format.value,
            destination_type=request.destination.type.value,
            output_location=response.output_location,
            records_generated=response.records_generated,
            execution_time_ms=response.execution_time_ms,
            errors=list(response.errors),
            expires_at=self._expiry(),
            request=request.model_dump(mode="json", by_alias=True),
            response=response,
        )
        self.history_store.create(record)
        return record

    def run_job(
        self, generation_id: str, request: GenerateDataRequest, *, engine: str | None = None
    ) -> GenerateDataResponse:
        """Execute a pending generation (the asynchronous path); ``engine`` overrides the request's."""
        gid = check_generation_id(generation_id)
        record = self.history_store.get(gid)
        if record is None:
            raise NotFoundError(f"generation {gid} not found")
        if record.status != GenerationStatus.PENDING:
            raise NotReadyError(f"generation {gid} is already {record.status.value}")
        try:
            job = self._prepare(request, engine=engine)
        except SdgaError as exc:
            self.tracker.fail(record, exc.message, None)
            raise
        return self._execute(record, job, None, None)

    def _prepare(self, request: GenerateDataRequest, *, engine: str | None = None) -> Prepared:
        """Every check that can fail before any work starts: destination, engine, schema, compliance, plan."""
        return prepare(
            request, settings=self.settings, destinations=self.destinations, engines=self.engines, engine=engine
        )

    def _check_active_records(self, total: int) -> None:
        """Refuse (429) a generation that would take the deployment past ``max_active_records`` in flight."""
        limit = self.limits.max_active_records
        active = 0
        for st in (GenerationStatus.PENDING, GenerationStatus.RUNNING):
            for r in self.history_store.list(limit=1000, status=st):
                if self._reap(r).status == st:
                    active += int(r.volume or 0)
        if active + total > limit:
            raise DeploymentBusyError(
                f"{active:,} rows are being generated already; with these {total:,} the deployment would pass its "
                f"limit of {limit:,} rows in flight (SDGA_MAX_ACTIVE_RECORDS): retry when they have finished",
                limit="max_active_records",
                maximum=limit,
                actual=active + total,
                active=active,
            )

    def _expiry(self) -> int | None:
        days = self.settings.history_ttl_days
        return int((datetime.now(UTC) + timedelta(days=days)).timestamp()) if days else None

    def _delete_stored_results(self, generation_ids: list[str]) -> None:
        for gid in generation_ids:
            self.store.delete(check_generation_id(gid))

    # ---------------------------------------------------------------------------------- execution
    def _set(
        self, record: GenerationRecord, status: GenerationStatus, *, expected: set[GenerationStatus] | None = None
    ) -> None:
        self.tracker.set(record, status, expected=expected)

    def _fail(self, record: GenerationRecord, reason: str, started: float | None) -> None:
        self.tracker.fail(record, reason, started)

    def _execute(
        self, record: GenerationRecord, job: Prepared, progress: ProgressCallback | None, started: float | None
    ) -> GenerateDataResponse:
        """claim → write into staging → measure → publish → record; any failure is recorded as ``failed``."""
        started = started if started is not None else time.perf_counter()
        gid, request, plan = record.generation_id, job.request, job.plan
        assert record.response is not None
        response = record.response
        response.warnings = list(job.warnings)
        record.worker = current_worker()
        self.tracker.claim(record)
        stop = StopCheck(self.settings.max_run_seconds)
        try:
            with staging_area(self.settings.staging_dir, gid) as staging:
                data_dir = staging / "data"
                fmt = job.destination.staging_format()
                sampler = Sampler(max(_measure.METRICS_SAMPLE_ROWS, job.destination.sample_rows()))
                written = write_tables(
                    plan,
                    data_dir,
                    fmt,
                    engine=job.engine,
                    sql_dialect=request.sql_dialect,
                    progress=ProgressRecorder(self.tracker, record, progress),
                    sampler=sampler,
                    check=stop,
                )
                stop()
                response.warnings += [w for w in getattr(plan, "warnings", []) if w not in response.warnings]
                response.records_per_table = dict(written.records)
                response.records_generated = sum(written.records.values())
                with self.tracker.heartbeat(record):
                    response.status = measure_output(plan, data_dir, fmt, sampler, dict(written.records), response)
                    response.execution_time_ms = (time.perf_counter() - started) * 1000
                    staged = Staged(
                        generation_id=gid,
                        request=request,
                        plan=plan,
                        data_dir=data_dir,
                        response=response,
                        sample=functools.partial(sampler.tables, plan),
                        write_report=functools.partial(write_report_file, data_dir, response, request),
                    )
                    self.tracker.check_cancelled(record)  # cancelled while measuring: publish nothing
                    published = self._publish(gid, job.destination, staged)
            response.output_location = published.location
            response.output_files = [f for f in published.files if not f.endswith(("report.md", MANIFEST_NAME))]
            reports = [f for f in published.files if f.endswith("report.md")]
            response.report_location = reports[0] if reports else response.report_location
            response.execution_time_ms = (time.perf_counter() - started) * 1000
        except SdgaError as exc:
            self.tracker.fail(record, exc.message, started)
            if isinstance(exc.details, dict):
                exc.details.setdefault("generation_id", gid)
            elif exc.details is None:
                exc.details = {"generation_id": gid}
            raise
        except Exception as exc:
            log.exception("generation %s failed", gid)
            reason = f"generation failed: {type(exc).__name__}: {exc}"
            self.tracker.fail(record, reason, started)
            raise GenerationFailedError(reason, details={"generation_id": gid}) from exc
        except BaseException as exc:  # Ctrl-C, SystemExit: say so now rather than leave 'running' behind
            self.tracker.fail(record, f"generation interrupted ({type(exc).__name__}); nothing was published", started)
            raise
        return self.tracker.finish(record, response)

    def _publish(self, generation_id: str, destination: Destination, staged: Staged) -> Published:
        """The last step: the destination makes the staged result visible."""
        log.debug("generation %s: publishing to %s", generation_id, destination.describe())
        return destination.publish(staged)

    # ------------------------------------------------------------------------------------- status
    def status(self, generation_id: str) -> GenerateDataResponse:
        record = self._reap(self._record(generation_id))
        response = record.response or GenerateDataResponse(generation_id=record.generation_id, status=record.status)
        return response.model_copy(update={"status": record.status})

    def _reap(self, record: GenerationRecord) -> GenerationRecord:
        """A pending/running record whose worker is gone becomes ``failed`` with the reason (else unchanged)."""
        return self.tracker.reap(record, self.settings.staging_dir)

    def _record(self, generation_id: str) -> GenerationRecord:
        gid = check_generation_id(generation_id)
        record = self.history_store.get(gid)
        if record is None:
            raise NotFoundError(f"generation {gid} not found", details={"generation_id": gid})
        return record

    def history(
        self, *, limit: int = 50, status: GenerationStatus | str | None = None, since: datetime | None = None
    ) -> list[dict[str, Any]]:
        st = GenerationStatus(status) if status else None
        records = [self._reap(r) for r in self.history_store.list(limit=limit, status=st, since=since)]
        return [r.summary() | {"name": describe_request(r.request)} for r in records if st is None or r.status == st]

    def cancel(self, generation_id: str) -> GenerateDataResponse:
        """Stop a pending or running generation: recorded as ``failed`` (cancelled), nothing published."""
        record = self._reap(self._record(generation_id))
        if record.status not in (GenerationStatus.PENDING, GenerationStatus.RUNNING):
            raise NotReadyError(
                f"generation {record.generation_id} is already {record.status.value}; there is nothing to cancel",
                details={"generation_id": record.generation_id, "status": record.status.value},
            )
        done = record.records_generated
        self.tracker.cancel(record, f"cancelled by the user after {done:,} records; nothing was published")
        return self.status(record.generation_id)

    def request_of(self, generation_id: str) -> GenerateDataRequest:
        """The request a generation was made from (secrets in its destination hidden)."""
        record = self._record(generation_id)
        if not record.request:
            raise NotFoundError(f"generation {record.generation_id} has no stored request")
        return GenerateDataRequest.model_validate(record.request)

    # ----------------------------------------------------------------------------------- download
    def download(self, generation_id: str) -> DownloadStream:
        """The stored result as a stream: the file itself, or a zip when there are several."""
        record = self._record(generation_id)
        if record.status in (GenerationStatus.PENDING, GenerationStatus.RUNNING):
            raise NotReadyError(f"generation {record.generation_id} is still {record.status.value}")
        if record.status == GenerationStatus.FAILED:
            raise NotFoundError(f"generation {record.generation_id} failed; there is nothing to download")
        response = record.response
        files = list(response.output_files if response else [])
        if not files:
            where = response.output_location if response else None
            raise NotFoundError(
                f"generation {record.generation_id} has no files to download"
                + (f" (its data went to {where})" if where else "")
            )
        if len(files) == 1:
            name = basename(files[0])
            stored = self.destinations.files(files[0])
            return DownloadStream(name, media_type(name), stored.open(files[0]), stored.size(files[0]))
        entries: list[tuple[str, Callable[[], Iterator[bytes]]]] = [
            (basename(f), functools.partial(self._open, f)) for f in files
        ]
        if response and response.report_location:
            entries.append(("report.md", functools.partial(self._open, response.report_location)))
        return DownloadStream(f"{record.generation_id}.zip", "application/zip", stream_zip(entries))

    def report(self, generation_id: str) -> str:
        """The markdown report stored beside the data (a failed generation gets one rendered from history)."""
        record = self._record(generation_id)
        response = record.response or GenerateDataResponse(generation_id=record.generation_id, status=record.status)
        location = response.report_location
        if not location or record.status in (
            GenerationStatus.PENDING,
            GenerationStatus.RUNNING,
            GenerationStatus.FAILED,
        ):
            return render_report_markdown(response.model_copy(update={"status": record.status}))
        return b"".join(self._open(location)).decode("utf-8", errors="replace")

    def _open(self, uri: str) -> Iterator[bytes]:
        return self.destinations.files(uri).open(uri)

    # ----------------------------------------------------------------------------- quality metrics
    def quality_metrics(self, request: QualityMetricsRequest) -> QualityMetricsResponse:
        started = time.perf_counter()
        measured = self._measure(request, keep_data=False)
        return QualityMetricsResponse(
            generation_id=measured.generation_id,
            metrics=measured.metrics,
            analysis_time_ms=(time.perf_counter() - started) * 1000,
        )

    def quality_report(self, request: QualityMetricsRequest) -> QualityReport:
        """The metrics with charts (distributions, correlations, real-vs-synthetic overlays, fidelity)."""
        from sdga.report.charts import build_charts

        started = time.perf_counter()
        measured = self._measure(request, keep_data=True)
        charts = build_charts(measured.metrics, measured.data, measured.reference)
        title = f"Quality report — {measured.title}"
        return QualityReport(
            title=title,
            generation_id=measured.generation_id,
            source=request.data_location,
            reference=request.reference_location,
            metrics=measured.metrics,
            charts=charts,
            analysis_time_ms=(time.perf_counter() - started) * 1000,
        )

    def _measure(self, request: QualityMetricsRequest, *, keep_data: bool) -> _Measured:
        from sdga.quality import calculate_quality_metrics
        from sdga.quality.io import read_data

        schema = request.schema_
        with tempfile.TemporaryDirectory(prefix="sdga-metrics-", dir=self._tmp_root()) as tmp:
            if request.generation_id:
                record = self._record(request.generation_id)
                if record.status in (GenerationStatus.PENDING, GenerationStatus.RUNNING):
                    raise NotReadyError(f"generation {record.generation_id} is still {record.status.value}")
                files = list(record.response.output_files if record.response else [])
                if not files:
                    raise NotFoundError(f"generation {record.generation_id} has no stored files to measure")
                data = self.destinations.files(files[0]).materialise(files, Path(tmp) / "data")
                if schema is None and record.request and record.request.get("schema"):
                    schema = Schema.model_validate(record.request["schema"])
                elif schema is None and record.data_type and record.data_type != DataType.CUSTOM.value:
                    schema = self.template(record.data_type)
                gid: str | None = record.generation_id
                title = (schema.name if schema is not None and schema.name else None) or record.data_type or gid
            else:
                assert request.data_location is not None
                data = self._locate(request.data_location, Path(tmp) / "data")
                gid = None
                title = Path(request.data_location).name
            reference = (
                self._locate(request.reference_location, Path(tmp) / "reference")
                if request.reference_location
                else None
            )
            if not keep_data:
                metrics = calculate_quality_metrics(data, schema=schema, reference=reference)
                return _Measured(metrics, {}, None, gid, str(title))
            tables = read_data(data)
            reference_tables = read_data(reference) if reference is not None else None
            metrics = calculate_quality_metrics(tables, schema=schema, reference=reference_tables)
            return _Measured(metrics, tables, reference_tables, gid, str(title))

    def save_upload(self, filename: str, content: bytes) -> UploadResponse:
        """Keep an uploaded data file (to measure, or as a reference) under ``SDGA_HOME/uploads``."""
        return save_upload(self.settings.home_dir / "uploads", filename, content)

    def _tmp_root(self) -> Path:
        self.settings.staging_dir.mkdir(parents=True, exist_ok=True)
        return self.settings.staging_dir

    def _locate(self, location: str, scratch: Path) -> Path:
        return self.destinations.files(location).locate(location, scratch)
