"""The three actions as one service: the same code behind the CLI, the HTTP API and the Lambda handlers.

``generate`` = validate the schema (and compliance) → plan → generate into a private staging directory →
measure the output (validity, uniqueness, completeness) → write a markdown report beside the data →
publish to the destination → record the outcome. Each generation has a history record that moves
pending → running → success | partial | failed. A failure anywhere leaves no visible output (publishing is
the last step and is atomic; the rds load is one transaction) and a ``failed`` record saying why.

Requests above ``SDGA_BACKGROUND_THRESHOLD`` records run in the background and are polled by ``status``.
Paths from requests are confined to ``SDGA_HOME`` and ``SDGA_ALLOWED_ROOTS`` (the CLI, run by the user on
their own machine, lifts that restriction), and generation ids must be UUIDs, so neither ids nor
locations can reach outside the configured roots.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import shutil
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa

from sdga.adapters import make_history, make_object_store
from sdga.adapters.background import InlineRunner, Runner, ThreadRunner
from sdga.adapters.history import GenerationRecord, HistoryStore, SqliteHistory, TransitionError, now_ms
from sdga.adapters.storage import (
    MANIFEST_NAME,
    LocalObjectStore,
    ObjectStore,
    Published,
    iter_local_file,
    publish_local,
    publish_local_file,
)
from sdga.adapters.worker import current_worker, worker_has_stopped
from sdga.config import Settings, load_settings
from sdga.errors import (
    CapacityError,
    ConfigurationError,
    GenerationFailedError,
    InvalidInputError,
    NotFoundError,
    NotReadyError,
    SchemaError,
    SdgaError,
)
from sdga.models import (
    DataType,
    DestinationType,
    GenerateDataRequest,
    GenerateDataResponse,
    GenerationStatus,
    OutputFormat,
    QualityMetrics,
    QualityMetricsRequest,
    QualityMetricsResponse,
    Schema,
    ValidateSchemaRequest,
    ValidateSchemaResponse,
)

log = logging.getLogger("sdga.service")

# Formats the quality module can read back; others are measured from a regenerated copy of the batches.
_READABLE = {OutputFormat.JSON, OutputFormat.JSONL, OutputFormat.CSV, OutputFormat.PARQUET}
_EXTENSIONS = {"json", "jsonl", "csv", "sql", "parquet", "xml"}
# Below this validity score a finished generation is reported as 'partial' rather than 'success'.
PARTIAL_VALIDITY = 0.95
# Results up to this many rows (all tables) are measured by reading the written files back (a round trip);
# above it a full read-back costs more than generating, so a sample kept while writing is measured.
READBACK_MAX_ROWS = 200_000
# Larger results are measured on the first rows of each table, kept while writing.
METRICS_SAMPLE_ROWS = 200_000
ProgressCallback = Callable[[str, int], None]


@dataclass
class DownloadStream:
    """A streamed download: the file name to offer, its media type and the bytes in chunks."""

    filename: str
    media_type: str
    chunks: Iterator[bytes]
    size: int | None = None


def check_generation_id(generation_id: str) -> str:
    """Generation ids are canonical UUIDs; anything else is rejected before it reaches a path or a key."""
    try:
        value = uuid.UUID(str(generation_id).strip())
    except (ValueError, AttributeError, TypeError):
        raise InvalidInputError(
            f"generation_id must be a UUID, got {str(generation_id)[:64]!r}", details={"field": "generation_id"}
        ) from None
    return str(value)


def _media_type(name: str) -> str:
    return {
        "json": "application/json",
        "jsonl": "application/x-ndjson",
        "csv": "text/csv; charset=utf-8",
        "sql": "application/sql",
        "xml": "application/xml",
        "parquet": "application/vnd.apache.parquet",
        "md": "text/markdown; charset=utf-8",
        "zip": "application/zip",
    }.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")


class _ZipSink:
    """A write-only, unseekable file for :mod:`zipfile`: written bytes are collected and handed out."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._pos = 0

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        self._pos += len(data)
        return len(data)

    def tell(self) -> int:
        return self._pos

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


def stream_zip(entries: list[tuple[str, Callable[[], Iterator[bytes]]]]) -> Iterator[bytes]:
    """A zip archive produced on the fly (data descriptors, no seeking): memory stays at one chunk."""
    sink = _ZipSink()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:  # type: ignore[call-overload]
        for name, opener in entries:
            info = zipfile.ZipInfo(name, date_time=time.gmtime()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, mode="w", force_zip64=True) as member:
                for block in opener():
                    member.write(block)
                    if chunk := sink.take():
                        yield chunk
            if chunk := sink.take():
                yield chunk
    if chunk := sink.take():
        yield chunk


def redact_request(request: GenerateDataRequest) -> dict[str, Any]:
    """The request as stored in history: database passwords hidden."""
    data = request.model_dump(mode="json", by_alias=True)
    if request.destination.type == DestinationType.RDS and request.destination.location:
        from sdga.adapters.rds import redact_url

        data["destination"]["location"] = redact_url(request.destination.location)
    return data


class SyntheticDataService:
    """Generate, validate and measure, with results stored and history kept. Thread-safe."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        store: ObjectStore | None = None,
        history: HistoryStore | None = None,
        runner: Runner | None = None,
        restrict_paths: bool = True,
    ) -> None:
        self.settings = settings or load_settings()
        self.store = store or make_object_store(self.settings)
        self.history_store = history or make_history(self.settings)
        if isinstance(self.history_store, SqliteHistory) and isinstance(self.store, LocalObjectStore):
            # A laptop's data folder should not outgrow its history: results leave with their records.
            self.history_store.on_expired = self._delete_stored_results
        self.restrict_paths = restrict_paths
        self._runner = runner
        self._runner_lock = threading.Lock()
        self._record_lock = threading.RLock()  # record writes from a job and its heartbeat never interleave

    @classmethod
    def from_env(cls, **overrides: Any) -> SyntheticDataService:
        """A service configured from the environment / ``SDGA_CONFIG`` (keyword overrides win)."""
        return cls(load_settings(**overrides))

    # ------------------------------------------------------------------------------------------ runner
    @property
    def runner(self) -> Runner:
        with self._runner_lock:
            if self._runner is None:
                mode = self.settings.background_mode
                if mode == "lambda":
                    from sdga.adapters.background import LambdaSelfInvokeRunner

                    self._runner = LambdaSelfInvokeRunner(self.settings)
                elif mode == "off":
                    self._runner = InlineRunner()
                else:
                    self._runner = ThreadRunner()
            return self._runner

    # ------------------------------------------------------------------------------------ validate
    def validate_schema(self, request: ValidateSchemaRequest) -> ValidateSchemaResponse:
        from sdga.validation import validate_schema

        return validate_schema(request.schema_, request.compliance_requirements, volume=request.volume)

    # ------------------------------------------------------------------------------------ templates
    def templates(self) -> list[dict[str, Any]]:
        from sdga.engine.templates import list_templates

        return [
            {"name": t.name, "description": t.description, "data_type": str(t.data_type), "domain": t.domain}
            for t in list_templates()
        ]

    def template(self, name: str) -> Schema:
        from sdga.engine.templates import get_template

        try:
            return get_template(name)
        except SdgaError:
            raise
        except (KeyError, FileNotFoundError, ValueError) as exc:
            raise NotFoundError(f"no template named {name!r}") from exc

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
        plan, warnings = self._prepare(request)
        total = sum(int(t.volume) for t in plan.tables)
        gid = check_generation_id(generation_id) if generation_id else str(uuid.uuid4())
        record = GenerationRecord(
            generation_id=gid,
            timestamp=now_ms(),
            status=GenerationStatus.PENDING,
            data_type=request.data_type.value,
            volume=total,
            output_format=request.output_format.value,
            destination_type=request.destination.type.value,
            expires_at=self._expiry(),
            request=redact_request(request),
            worker=None if self.settings.background_mode == "lambda" else current_worker(),
        )
        record.response = GenerateDataResponse(
            generation_id=gid, status=GenerationStatus.PENDING, warnings=list(warnings), seed=plan.seed
        )
        self.history_store.create(record)
        if background is None:
            threshold = self.settings.background_threshold
            background = bool(threshold) and total > threshold and self.settings.background_mode != "off"
        if background:
            payload = {"request": request.model_dump(mode="json", by_alias=True)}
            response = record.response.model_copy(deep=True)  # before the worker starts changing the record
            try:
                self.runner.submit(gid, lambda: self._execute(record, request, plan, warnings, None, None), payload)
            except Exception as exc:
                self._fail(record, f"could not start the background job: {exc}", started)
                raise
            response.warnings.append(
                f"{total} records run in the background: poll GET /api/v1/synthetic-data/status/{gid}"
            )
            return response
        return self._execute(record, request, plan, warnings, progress, started)

    def run_job(self, generation_id: str, request: GenerateDataRequest) -> GenerateDataResponse:
        """Execute a pending generation (the asynchronous Lambda path)."""
        gid = check_generation_id(generation_id)
        record = self.history_store.get(gid)
        if record is None:
            raise NotFoundError(f"generation {gid} not found")
        if record.status != GenerationStatus.PENDING:
            raise NotReadyError(f"generation {gid} is already {record.status.value}")
        try:
            plan, warnings = self._prepare(request)
        except SdgaError as exc:
            self._fail(record, exc.message, None)
            raise
        return self._execute(record, request, plan, warnings, None, None)

    def _expiry(self) -> int | None:
        days = self.settings.history_ttl_days
        return int((datetime.now(UTC) + timedelta(days=days)).timestamp()) if days else None

    def _prepare(self, request: GenerateDataRequest) -> tuple[Any, list[str]]:
        """Every check that can fail before any work starts: destination, schema, compliance, plan."""
        from sdga.engine import plan_generation
        from sdga.validation import enforce_compliance, validate_schema

        self._check_destination(request)
        schema = request.schema_ if request.schema_ is not None else self.template(request.data_type.value)
        checked = validate_schema(schema, request.compliance_requirements, volume=request.volume, locale=request.locale)
        errors = [e for e in checked.errors if str(e.severity) == "error"]
        if not checked.valid or errors:
            first = errors[0] if errors else None
            where = f" ({first.field})" if first and first.field else ""
            raise SchemaError(
                f"schema is invalid{where}: {first.message if first else 'see details'}",
                details=checked.model_dump(mode="json"),
            )
        warnings = [f"{e.field}: {e.message}" if e.field else e.message for e in checked.errors if e not in errors]
        warnings += list(enforce_compliance(request))
        plan = plan_generation(request)
        total = sum(int(t.volume) for t in plan.tables)
        if total > self.settings.max_volume:
            raise CapacityError(
                f"{total} records requested; this deployment accepts at most {self.settings.max_volume}",
                details={"requested": total, "max_volume": self.settings.max_volume},
            )
        if request.destination.type == DestinationType.RDS:
            self._check_rds_target(request, plan)
        if request.destination.type == DestinationType.S3 and request.destination.location:
            self._check_s3_target(request)
        return plan, warnings

    def _check_destination(self, request: GenerateDataRequest) -> None:
        dest = request.destination
        default_store = (
            dest.type == DestinationType.LOCAL and not dest.location and self.settings.storage_backend == "s3"
        )
        if dest.type.value not in self.settings.allowed_destinations and not default_store:
            raise InvalidInputError(
                f"destination {dest.type.value!r} is not enabled here; allowed: "
                f"{', '.join(self.settings.allowed_destinations)}",
                details={"field": "destination.type"},
            )
        if dest.type == DestinationType.LOCAL and dest.location:
            self.resolve_output(dest.location)
        elif dest.type == DestinationType.S3:
            if dest.location:
                from sdga.adapters.s3 import parse_s3_uri

                parse_s3_uri(dest.location)
            elif not self.settings.s3_bucket:
                raise ConfigurationError("destination s3 needs a location (s3://bucket/prefix) or SDGA_S3_BUCKET")
        elif dest.type == DestinationType.RDS:
            from sdga.adapters.rds import dialect_of

            if not dest.location:
                raise InvalidInputError(
                    "destination rds needs a location: a SQLAlchemy URL such as postgresql+psycopg://user@host/db",
                    details={"field": "destination.location"},
                )
            dialect_of(dest.location)

    def _delete_stored_results(self, generation_ids: list[str]) -> None:
        for gid in generation_ids:
            self.store.delete(check_generation_id(gid))

    def _check_s3_target(self, request: GenerateDataRequest) -> None:
        """An S3 prefix that already holds objects is only written with ``if_exists: replace``.

        A re-run that failed half way would otherwise leave an earlier result with some files
        overwritten and its manifest pointing at ones deleted by the clean-up: data lost, not refused.
        """
        from sdga.adapters.s3 import S3ObjectStore, parse_s3_uri

        dest = request.destination
        assert dest.location is not None
        if dest.if_exists == "append":
            raise InvalidInputError(
                "if_exists 'append' applies to database tables (rds); for s3 use 'fail' or 'replace'",
                details={"field": "destination.if_exists"},
            )
        if dest.if_exists == "fail":
            bucket, prefix = parse_s3_uri(dest.location)
            S3ObjectStore(self.settings, bucket=bucket, prefix="").refuse_occupied(prefix)

    def _check_rds_target(self, request: GenerateDataRequest, plan: Any) -> None:
        from sdga.adapters.rds import existing_tables, redact_url
        from sdga.errors import DestinationError

        assert request.destination.location is not None
        if request.destination.if_exists == "fail":
            present = existing_tables(request.destination.location, [t.name for t in plan.tables])
            if present:
                raise DestinationError(
                    f"table(s) already exist in {redact_url(request.destination.location)}: {', '.join(present)}; "
                    "use if_exists 'replace' or 'append'",
                    details={"existing": present},
                )

    def resolve_local(self, location: str | Path, *, must_exist: bool) -> Path:
        """A local path from a request, confined to the allowed roots unless restrictions are lifted."""
        raw = str(location)
        if "\x00" in raw:
            raise InvalidInputError("path contains a NUL character")
        path = Path(raw).expanduser()
        if not path.is_absolute():
            path = (Path.cwd() if not self.restrict_paths else self.settings.data_dir) / path
        resolved = path.resolve()
        if self.restrict_paths:
            roots = self.settings.path_roots()
            if not any(resolved == r or resolved.is_relative_to(r) for r in roots):
                raise InvalidInputError(
                    f"path {raw!r} is outside the allowed directories (SDGA_HOME and SDGA_ALLOWED_ROOTS)",
                    details={"field": "location"},
                )
        if must_exist and not resolved.exists():
            raise NotFoundError(f"no such file or directory: {raw}")
        return resolved

    def resolve_output(self, location: str | Path) -> Path:
        """A local destination: inside ``SDGA_HOME`` only under ``data/``, and never inside a stored generation."""
        path = self.resolve_local(location, must_exist=False)
        if not self.restrict_paths:
            return path
        home, data = self.settings.home_dir, self.settings.data_dir.resolve()
        if path == home or path.is_relative_to(home):
            inside = path.relative_to(data).parts if path.is_relative_to(data) else None
            if not inside:
                raise InvalidInputError(
                    f"local destination {str(location)!r} would overwrite service files; use a path under data/",
                    details={"field": "destination.location"},
                )
            try:
                uuid.UUID(inside[0])
            except ValueError:
                return path
            raise InvalidInputError(
                f"local destination {str(location)!r} is inside a stored generation; choose another directory",
                details={"field": "destination.location"},
            )
        return path

    # ---------------------------------------------------------------------------------- execution
    def _set(
        self, record: GenerationRecord, status: GenerationStatus, *, expected: set[GenerationStatus] | None = None
    ) -> None:
        with self._record_lock:
            record.status = status
            if record.response is not None:
                record.response.status = status
            if expected is None:
                self.history_store.transition(record)
            else:
                self.history_store.transition(record, expected=expected)

    # Seconds between heartbeats; None = a quarter of job_timeout_s, at least 1 s and at most a minute.
    heartbeat_s: float | None = None

    @contextlib.contextmanager
    def _heartbeat(self, record: GenerationRecord) -> Iterator[None]:
        """Keep a running record fresh while a long step (quality metrics, an upload, a database load)
        reports no progress, so a status call never takes a working job for a dead one."""
        interval = self.heartbeat_s or max(1.0, min(60.0, self.settings.job_timeout_s / 4))
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(interval):
                with self._record_lock:
                    if record.status != GenerationStatus.RUNNING:
                        return
                    try:
                        self.history_store.transition(record, expected={GenerationStatus.RUNNING})
                    except Exception:  # a heartbeat is best effort; the job's own writes decide
                        log.debug("heartbeat for %s failed", record.generation_id, exc_info=True)

        thread = threading.Thread(target=beat, name=f"sdga-heartbeat-{record.generation_id[:8]}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=5)

    def _fail(self, record: GenerationRecord, reason: str, started: float | None) -> None:
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
            self._set(record, GenerationStatus.FAILED)
        except TransitionError:
            log.warning("generation %s: could not record failure (%s)", record.generation_id, reason)

    def _execute(
        self,
        record: GenerationRecord,
        request: GenerateDataRequest,
        plan: Any,
        warnings: list[str],
        progress: ProgressCallback | None,
        started: float | None,
    ) -> GenerateDataResponse:
        from sdga.writers import write_plan

        started = started if started is not None else time.perf_counter()
        gid = record.generation_id
        assert record.response is not None
        response = record.response
        response.warnings = list(warnings)
        record.worker = current_worker()
        try:  # the claim: only a pending record may start, so a job delivered twice runs once
            self._set(record, GenerationStatus.RUNNING, expected={GenerationStatus.PENDING})
        except TransitionError:
            stored = self.history_store.get(gid)
            state = stored.status.value if stored else "gone"
            raise NotReadyError(
                f"generation {gid} is already {state}; it is not started again", details={"generation_id": gid}
            ) from None
        staging: Path | None = None
        is_rds = request.destination.type == DestinationType.RDS
        fmt = OutputFormat.PARQUET if is_rds else request.output_format
        try:
            from sdga.engine import iter_batches

            try:
                self.settings.staging_dir.mkdir(parents=True, exist_ok=True)
                staging = Path(tempfile.mkdtemp(prefix=f"{gid}-", dir=self.settings.staging_dir))
            except OSError as exc:
                raise GenerationFailedError(
                    f"cannot create a staging directory in {self.settings.staging_dir}: {exc.strerror or exc}"
                ) from exc
            data_dir = staging / "data"

            tick = _ProgressRecorder(self, record, progress)
            sampler = _Sampler(max(METRICS_SAMPLE_ROWS, self.settings.inline_max_rows))
            workers = self.settings.workers
            result = write_plan(
                plan,
                data_dir,
                fmt,
                sql_dialect=request.sql_dialect,
                workers=workers,
                progress=tick,
                batches=lambda name: sampler.tee(name, iter_batches(plan, name, workers=workers)),
            )
            response.warnings += [w for w in getattr(plan, "warnings", []) if w not in response.warnings]
            response.records_per_table = dict(result.records)
            response.records_generated = sum(result.records.values())
            with self._heartbeat(record):
                status = self._measure(plan, data_dir, fmt, sampler, response)
                response.status = status
                response.execution_time_ms = (time.perf_counter() - started) * 1000
                published = self._publish(gid, request, plan, data_dir, sampler, response)
            response.output_location = published.location
            response.output_files = [f for f in published.files if not f.endswith(("report.md", MANIFEST_NAME))]
            reports = [f for f in published.files if f.endswith("report.md")]
            response.report_location = reports[0] if reports else response.report_location
            response.execution_time_ms = (time.perf_counter() - started) * 1000
        except SdgaError as exc:
            self._fail(record, exc.message, started)
            if isinstance(exc.details, dict):
                exc.details.setdefault("generation_id", gid)
            elif exc.details is None:
                exc.details = {"generation_id": gid}
            raise
        except Exception as exc:
            log.exception("generation %s failed", gid)
            reason = f"generation failed: {type(exc).__name__}: {exc}"
            self._fail(record, reason, started)
            raise GenerationFailedError(reason, details={"generation_id": gid}) from exc
        except BaseException as exc:  # Ctrl-C, SystemExit: say so now rather than leave 'running' behind
            self._fail(record, f"generation interrupted ({type(exc).__name__}); nothing was published", started)
            raise
        finally:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
        record.records_generated = response.records_generated
        record.execution_time_ms = response.execution_time_ms
        record.output_location = response.output_location
        record.errors = list(response.errors)
        record.response = response
        try:
            self._set(record, response.status)
        except TransitionError:
            # Closed by someone else meanwhile (e.g. a status call that found no progress for longer than
            # SDGA_JOB_TIMEOUT_S): its outcome stands; say so instead of an unexplained internal error.
            stored = self.history_store.get(gid)
            state = stored.status.value if stored else "gone"
            raise GenerationFailedError(
                f"generation {gid} finished, but its history record was already {state} "
                f"({'; '.join(stored.errors) if stored and stored.errors else 'no reason recorded'}); "
                f"its files were written to {response.output_location}",
                details={"generation_id": gid, "output_location": response.output_location},
            ) from None
        return response.model_copy(deep=True)

    def _measure(
        self, plan: Any, data_dir: Path, fmt: OutputFormat, sampler: _Sampler, response: GenerateDataResponse
    ) -> GenerationStatus:
        """Validate the output against the schema and compute the quality metrics; decide the status.

        Up to :data:`READBACK_MAX_ROWS` rows in a readable format, the written files themselves are read back
        and measured (a true round trip); otherwise the first :data:`METRICS_SAMPLE_ROWS` rows of every
        table, kept while writing, are measured, so memory stays bounded for any volume.
        """
        from sdga.generation import plan_schema
        from sdga.quality import calculate_quality_metrics

        schema = plan_schema(plan)
        total = sum(sampler.seen.values())
        try:
            data: Any
            if fmt in _READABLE and total <= READBACK_MAX_ROWS:
                data = data_dir
            else:
                data = {name: t.slice(0, METRICS_SAMPLE_ROWS) for name, t in sampler.tables(plan).items()}
                if any(n > METRICS_SAMPLE_ROWS for n in sampler.seen.values()):
                    response.warnings.append(
                        f"quality metrics measured on the first {METRICS_SAMPLE_ROWS:,} rows of each table"
                    )
            metrics: QualityMetrics = calculate_quality_metrics(data, schema=schema)
        except Exception as exc:
            log.warning("quality metrics failed: %s", exc, exc_info=True)
            response.errors.append(f"quality metrics could not be computed: {getattr(exc, 'message', exc)}")
            return GenerationStatus.PARTIAL
        response.data_quality_metrics = metrics
        if metrics.validity_score < PARTIAL_VALIDITY:
            response.errors.append(
                f"output validity {metrics.validity_score:.3f} is below {PARTIAL_VALIDITY}: "
                "some values do not satisfy the schema (see field statistics)"
            )
            return GenerationStatus.PARTIAL
        if metrics.validity_score < 1.0:
            response.warnings.append(
                f"output validity {metrics.validity_score:.4f}: a few values fall outside the constraints "
                "(edge cases are injected on purpose when requested)"
            )
        return GenerationStatus.SUCCESS

    def _publish(
        self,
        gid: str,
        request: GenerateDataRequest,
        plan: Any,
        data_dir: Path,
        sampler: _Sampler,
        response: GenerateDataResponse,
    ) -> Published:
        """Write the report, then make the result visible at the destination (the last, atomic step)."""
        dest = request.destination
        if dest.type == DestinationType.RDS:
            from sdga.adapters.rds import load_tables
            from sdga.writers.sql import create_table_sql

            assert dest.location is not None
            tables = list(plan.tables)
            paths = {name: Path(p) for name, p in _files_by_table(data_dir, plan).items()}
            loaded = load_tables(
                dest.location,
                tables,
                lambda name: _parquet_batches(paths[name]),
                lambda t, d, all_tables: create_table_sql(t, d, tables=all_tables),
                if_exists=dest.if_exists,
            )
            shutil.rmtree(data_dir, ignore_errors=True)
            data_dir.mkdir()
            response.output_location = loaded.location
            response.records_per_table = loaded.tables
            response.records_generated = sum(loaded.tables.values())
            # The rows are committed and cannot be taken back: a report that cannot be stored is a warning,
            # not a 'failed' record that would deny data the database now holds.
            try:
                self._write_report(data_dir, request, response)
                published = self.store.publish(gid, data_dir)
            except Exception as exc:
                log.warning("generation %s: report not stored", gid, exc_info=True)
                response.warnings.append(f"the report could not be stored: {getattr(exc, 'message', exc)}")
                return Published(location=loaded.location)
            return Published(location=loaded.location, files=[f for f in published.files if f.endswith("report.md")])
        if dest.type == DestinationType.INLINE:
            self._inline_rows(plan, sampler, response)
        if dest.type == DestinationType.LOCAL and dest.location:
            target = self.resolve_output(dest.location)
            response.output_location = str(target)
            self._write_report(data_dir, request, response)
            if target.suffix.lstrip(".").lower() in _EXTENSIONS and not target.is_dir():
                return publish_local_file(data_dir, target, gid)
            return publish_local(data_dir, target, gid)
        if dest.type == DestinationType.S3:
            from sdga.adapters.s3 import S3ObjectStore, parse_s3_uri

            if dest.location:
                bucket, prefix = parse_s3_uri(dest.location)
                store = S3ObjectStore(self.settings, bucket=bucket, prefix="")
                response.output_location = f"s3://{bucket}/{prefix}"
                self._write_report(data_dir, request, response)
                if dest.if_exists == "fail":  # another run may have taken the prefix since the check
                    store.refuse_occupied(prefix)
                return store.publish_to(prefix, data_dir, gid)
            store = S3ObjectStore(self.settings)
            response.output_location = store.location(gid)
            self._write_report(data_dir, request, response)
            return store.publish(gid, data_dir)
        # local without a location, and inline: the configured object store.
        if dest.type == DestinationType.LOCAL and self.settings.storage_backend == "s3":
            response.warnings.append("this deployment stores results in S3: 'local' was written to the bucket")
        response.output_location = self.store.location(gid)
        self._write_report(data_dir, request, response)
        return self.store.publish(gid, data_dir)

    def _inline_rows(self, plan: Any, sampler: _Sampler, response: GenerateDataResponse) -> None:
        """First rows of every table into the response, capped by rows and by JSON size."""
        max_rows = self.settings.inline_max_rows
        budget = self.settings.inline_max_bytes
        data: dict[str, list[dict[str, Any]]] = {}
        truncated = False
        tables = sampler.tables(plan)
        for table in plan.tables:
            rows = tables[table.name].slice(0, max_rows).to_pylist()
            if sampler.seen.get(table.name, 0) > len(rows):
                truncated = True
            encoded = [len(json.dumps(r, default=str)) + 1 for r in rows]
            keep = 0
            for size in encoded:
                if budget - size < 0:
                    truncated = True
                    break
                budget -= size
                keep += 1
            data[table.name] = rows[:keep]
        response.data = data
        if truncated:
            response.warnings.append(
                f"inline data truncated to at most {max_rows} rows per table and {self.settings.inline_max_bytes} "
                "bytes; download the full result by generation_id"
            )

    def _write_report(self, directory: Path, request: GenerateDataRequest, response: GenerateDataResponse) -> None:
        text: str | None = None
        try:
            from sdga.report import render_report  # type: ignore[import-not-found,unused-ignore]

            text = render_report(response, request=request)
        except Exception:
            text = None
        if not isinstance(text, str):
            text = render_report_markdown(response, request)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "report.md").write_text(text, encoding="utf-8")

    # ------------------------------------------------------------------------------------- status
    def status(self, generation_id: str) -> GenerateDataResponse:
        record = self._reap(self._record(generation_id))
        response = record.response or GenerateDataResponse(generation_id=record.generation_id, status=record.status)
        return response.model_copy(update={"status": record.status})

    def _reap(self, record: GenerationRecord) -> GenerationRecord:
        """A pending/running record whose worker is gone becomes ``failed`` with the reason (else unchanged).

        Gone means: its process no longer exists on this host (known at once), or it has not reported
        for ``job_timeout_s`` (any host, Lambda included).
        """
        if record.status not in (GenerationStatus.PENDING, GenerationStatus.RUNNING):
            return record
        age = (datetime.now(UTC) - record.updated_at).total_seconds()
        stopped = worker_has_stopped(record.worker)
        if stopped:
            pid = (record.worker or "").rsplit(":", 2)[-2]
            reason = (
                f"the process running this generation (pid {pid}) stopped before it finished, "
                f"{int(age)} s after its last progress report; nothing was published"
            )
        elif age > self.settings.job_timeout_s:
            reason = f"the worker stopped reporting for {int(age)} s"
        else:
            return record
        self._fail(record, reason, None)
        if stopped:  # what the dead process had staged on this host is of no use to anyone
            for leftover in self.settings.staging_dir.glob(f"{record.generation_id}-*"):
                shutil.rmtree(leftover, ignore_errors=True)
        # Another process may have finished it in the meantime: answer what the store now holds.
        return self.history_store.get(record.generation_id) or record

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
        return [r.summary() for r in records if st is None or r.status == st]

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
            name = _basename(files[0])
            return DownloadStream(name, _media_type(name), self._open(files[0]), self._size(files[0]))
        entries: list[tuple[str, Callable[[], Iterator[bytes]]]] = [
            (_basename(f), functools.partial(self._open, f)) for f in files
        ]
        if response and response.report_location:
            report = response.report_location
            entries.append(("report.md", functools.partial(self._open, report)))
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
        if uri.startswith("s3://"):
            from sdga.adapters.s3 import iter_object

            return iter_object(self.settings, uri)
        return iter_local_file(Path(uri))

    def _size(self, uri: str) -> int | None:
        if uri.startswith("s3://"):
            return None
        try:
            return Path(uri).stat().st_size
        except OSError:
            return None

    # ----------------------------------------------------------------------------- quality metrics
    def quality_metrics(self, request: QualityMetricsRequest) -> QualityMetricsResponse:
        from sdga.quality import calculate_quality_metrics

        started = time.perf_counter()
        schema = request.schema_
        with tempfile.TemporaryDirectory(prefix="sdga-metrics-", dir=self._tmp_root()) as tmp:
            if request.generation_id:
                record = self._record(request.generation_id)
                if record.status in (GenerationStatus.PENDING, GenerationStatus.RUNNING):
                    raise NotReadyError(f"generation {record.generation_id} is still {record.status.value}")
                files = list(record.response.output_files if record.response else [])
                if not files:
                    raise NotFoundError(f"generation {record.generation_id} has no stored files to measure")
                data = self._materialise(files, Path(tmp) / "data")
                if schema is None and record.request and record.request.get("schema"):
                    schema = Schema.model_validate(record.request["schema"])
                elif schema is None and record.data_type and record.data_type != DataType.CUSTOM.value:
                    schema = self.template(record.data_type)
                gid: str | None = record.generation_id
            else:
                assert request.data_location is not None
                data = self._location(request.data_location, Path(tmp) / "data")
                gid = None
            reference = (
                self._location(request.reference_location, Path(tmp) / "reference")
                if request.reference_location
                else None
            )
            metrics = calculate_quality_metrics(data, schema=schema, reference=reference)
        return QualityMetricsResponse(
            generation_id=gid, metrics=metrics, analysis_time_ms=(time.perf_counter() - started) * 1000
        )

    def _tmp_root(self) -> Path:
        self.settings.staging_dir.mkdir(parents=True, exist_ok=True)
        return self.settings.staging_dir

    def _location(self, location: str, scratch: Path) -> Path:
        if location.startswith("s3://"):
            if "s3" not in self.settings.allowed_destinations and self.settings.storage_backend != "s3":
                raise InvalidInputError(
                    "S3 locations are not enabled here (SDGA_ALLOWED_DESTINATIONS)", details={"field": "location"}
                )
            from sdga.adapters.s3 import list_data_objects

            return self._materialise(list_data_objects(self.settings, location), scratch)
        return self.resolve_local(location, must_exist=True)

    def _materialise(self, files: list[str], scratch: Path) -> Path:
        """Local files as they are (one file, or their common directory); S3 objects copied to ``scratch``."""
        if all(not f.startswith("s3://") for f in files):
            paths = [Path(f) for f in files]
            missing = [p.name for p in paths if not p.exists()]
            if missing:
                raise NotFoundError(f"stored files are missing: {', '.join(missing)}")
            if len(paths) == 1:
                return paths[0]
            scratch.mkdir(parents=True, exist_ok=True)
            for p in paths:
                (scratch / p.name).symlink_to(p)
            return scratch
        from sdga.adapters.s3 import download

        scratch.mkdir(parents=True, exist_ok=True)
        out: list[Path] = [download(self.settings, f, scratch / _basename(f)) for f in files]
        return out[0] if len(out) == 1 else scratch


class _Sampler:
    """Keeps the first ``limit`` rows of every table as the batches stream to the writer."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept: dict[str, list[pa.RecordBatch]] = {}
        self.rows: dict[str, int] = {}
        self.seen: dict[str, int] = {}

    def tee(self, table: str, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        kept = self.kept.setdefault(table, [])
        for batch in batches:
            have = self.rows.get(table, 0)
            self.seen[table] = self.seen.get(table, 0) + batch.num_rows
            if have < self.limit:
                part = batch.slice(0, self.limit - have)
                kept.append(part)
                self.rows[table] = have + part.num_rows
            yield batch

    def tables(self, plan: Any) -> dict[str, pa.Table]:
        return {t.name: pa.Table.from_batches(self.kept.get(t.name, []), schema=t.arrow_schema) for t in plan.tables}


class _ProgressRecorder:
    """Forwards batch progress to the caller and, at most every ``interval_s``, into the history (for polling)."""

    interval_s = 2.0

    def __init__(self, service: SyntheticDataService, record: GenerationRecord, forward: ProgressCallback | None):
        self.service = service
        self.record = record
        self.forward = forward
        self.rows = 0
        self.last = time.monotonic()

    def __call__(self, table: str, rows: int) -> None:
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
                self.service._set(self.record, GenerationStatus.RUNNING)
            except Exception:  # progress is best effort
                log.debug("progress update failed", exc_info=True)


def _basename(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


def _files_by_table(data_dir: Path, plan: Any) -> dict[str, str]:
    from sdga.writers import safe_file_stem

    out: dict[str, str] = {}
    used: set[str] = set()
    for table in plan.tables:
        stem = safe_file_stem(table.name)
        while stem in used:
            stem += "_"
        used.add(stem)
        out[table.name] = str(data_dir / f"{stem}.parquet")
    return out


def _parquet_batches(path: Path) -> Iterator[pa.RecordBatch]:
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as handle:
        yield from handle.iter_batches(batch_size=65_536)


def render_report_markdown(response: GenerateDataResponse, request: GenerateDataRequest | None = None) -> str:
    """The generation report: id, status, records, time, quality metrics, output location, problems."""
    lines = [
        f"# Synthetic data generation report — `{response.generation_id}`",
        "",
        "| | |",
        "|---|---|",
        f"| Status | **{response.status.value}** |",
        f"| Records generated | {response.records_generated:,} |",
        f"| Execution time | {response.execution_time_ms:,.0f} ms |",
        f"| Output location | `{response.output_location or '-'}` |",
    ]
    if request is not None:
        lines += [
            f"| Data type | {request.data_type.value} |",
            f"| Output format | {request.output_format.value} |",
            f"| Destination | {request.destination.type.value} |",
            f"| Compliance | {', '.join(c.value for c in request.compliance_requirements) or '-'} |",
        ]
    if response.seed is not None:
        lines.append(f"| Seed | {response.seed} |")
    if response.records_per_table:
        lines += ["", "## Tables", "", "| Table | Records |", "|---|---:|"]
        lines += [f"| {name} | {count:,} |" for name, count in response.records_per_table.items()]
    metrics = response.data_quality_metrics
    if metrics is not None:
        lines += [
            "",
            "## Quality metrics",
            "",
            "| Metric | Score |",
            "|---|---:|",
            f"| Uniqueness | {metrics.uniqueness_score:.4f} |",
            f"| Validity | {metrics.validity_score:.4f} |",
            f"| Completeness | {metrics.completeness_score:.4f} |",
        ]
        if metrics.field_statistics:
            lines += [
                "",
                "| Field | Nulls | Unique | Min | Max | Avg length |",
                "|---|---:|---:|---|---|---:|",
            ]
            for name, st in list(metrics.field_statistics.items())[:60]:
                avg = f"{st.avg_length:.1f}" if st.avg_length is not None else ""
                lines.append(
                    f"| {name} | {st.null_count} | {st.unique_count} | {_cell(st.min_value)} | {_cell(st.max_value)} | {avg} |"
                )
    if response.errors:
        lines += ["", "## Errors", ""] + [f"- {e}" for e in response.errors]
    if response.warnings:
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in response.warnings]
    lines.append("")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= 40 else text[:37] + "..."
