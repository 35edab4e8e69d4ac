"""Large generations on EMR Serverless: submit a Spark job run, follow it, and record its outcome.

Above ``SDGA_EMR_ROW_THRESHOLD`` rows, the ``emr-serverless`` engine takes a generation away from the
process that received it (a Lambda stops at 15 minutes): the request is put in the deployment's bucket,
a job run of :mod:`sdga.spark.emr_job` is started on the application (``StartJobRun``), and the history
record becomes ``running`` with the job run as its worker (``emr-serverless:<application>:<job run>``).
Below the threshold it is the local engine.

The job cannot write the history table; it writes its progress (``_progress.json``), and finally the
tables and their manifest, under the generation's S3 prefix. :func:`refresh` (called by ``status``) asks
EMR for the job run's state and copies what the job wrote into the record: progress while it runs, the
manifest's rows, files and quality metrics once it has succeeded, the reason when it failed.

Settings (environment, set by Terraform): ``SDGA_EMR_APPLICATION_ID``, ``SDGA_EMR_JOB_ROLE_ARN``,
``SDGA_EMR_ENTRYPOINT`` (the job script in S3), ``SDGA_EMR_PYTHON_ARCHIVE`` (the job's Python environment,
built by ``Infrastructure/scripts/build-emr-env.sh``), ``SDGA_EMR_ROW_THRESHOLD`` (default 20,000,000).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from sdga.errors import ConfigurationError, InvalidInputError
from sdga.execution.base import Engine, EngineJob, EngineOptions
from sdga.execution.local import LocalEngine
from sdga.models import DestinationType, GenerateDataRequest, GenerationStatus, OutputFormat, QualityMetrics

if TYPE_CHECKING:
    from sdga.adapters.background import Runner
    from sdga.adapters.history import GenerationRecord
    from sdga.config import Settings
    from sdga.writers import WriteResult

ENGINE_NAME = "emr-serverless"
WORKER_PREFIX = "emr-serverless:"
DEFAULT_THRESHOLD = 20_000_000
PROGRESS_NAME = "_progress.json"
FAILURE_NAME = "_failure.json"
ACTIVE_STATES = {"SUBMITTED", "PENDING", "SCHEDULED", "RUNNING", "QUEUED"}
FAILED_STATES = {"FAILED", "CANCELLED", "CANCELLING"}
SPARK_FORMATS = {OutputFormat.PARQUET, OutputFormat.CSV, OutputFormat.JSONL}


@dataclass(frozen=True)
class EmrConfig:
    application_id: str
    job_role_arn: str
    entrypoint: str
    python_archive: str | None
    threshold: int = DEFAULT_THRESHOLD

    @classmethod
    def from_env(cls) -> EmrConfig | None:
        """The configuration in the environment, or None when no application is configured."""
        app = os.environ.get("SDGA_EMR_APPLICATION_ID", "").strip()
        if not app:
            return None
        role = os.environ.get("SDGA_EMR_JOB_ROLE_ARN", "").strip()
        entry = os.environ.get("SDGA_EMR_ENTRYPOINT", "").strip()
        if not role or not entry:
            raise ConfigurationError("SDGA_EMR_APPLICATION_ID needs SDGA_EMR_JOB_ROLE_ARN and SDGA_EMR_ENTRYPOINT")
        raw = os.environ.get("SDGA_EMR_ROW_THRESHOLD", "").strip()
        try:
            threshold = int(raw) if raw else DEFAULT_THRESHOLD
        except ValueError:
            raise ConfigurationError(f"SDGA_EMR_ROW_THRESHOLD must be an integer, got {raw!r}") from None
        archive = os.environ.get("SDGA_EMR_PYTHON_ARCHIVE", "").strip() or None
        return cls(app, role, entry, archive, max(1, threshold))

    def submit_parameters(self) -> str:
        """spark-submit options: the job's Python environment, and the session settings sdga relies on."""
        conf = {
            "spark.sql.timeType.enabled": "true",
            "spark.sql.session.timeZone": "UTC",
            "spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs": "false",
        }
        if self.python_archive:
            conf |= {
                "spark.archives": f"{self.python_archive}#environment",
                "spark.emr-serverless.driverEnv.PYTHONPATH": "./environment",
                "spark.executorEnv.PYTHONPATH": "./environment",
            }
        return " ".join(f"--conf {k}={v}" for k, v in conf.items())


def output_location(settings: Settings, request: GenerateDataRequest, generation_id: str) -> str:
    """Where the job writes: the request's s3:// location, else the deployment's store for the generation."""
    if request.destination.type == DestinationType.S3 and request.destination.location:
        location = request.destination.location
        return location if location.endswith("/") else location + "/"
    if not settings.s3_bucket:
        raise ConfigurationError("an EMR Serverless job writes to S3: set SDGA_S3_BUCKET")
    return f"s3://{settings.s3_bucket}/{settings.s3_prefix}{generation_id}/"


class EmrServerlessEngine(Engine):
    """The local engine, except that a plan above the threshold is handed to EMR Serverless."""

    name = ENGINE_NAME
    description = "EMR Serverless above SDGA_EMR_ROW_THRESHOLD rows (a Spark job run), the local engine below"

    def __init__(self, config: EmrConfig, settings: Settings | None, workers: int = 1) -> None:
        self.config = config
        self.settings = settings
        self.local = LocalEngine(workers=workers)
        self.request: GenerateDataRequest | None = None
        self.total = 0

    @classmethod
    def create(cls, options: EngineOptions) -> EmrServerlessEngine:
        config = EmrConfig.from_env()
        if config is None:
            raise ConfigurationError(
                "the emr-serverless engine needs SDGA_EMR_APPLICATION_ID (and its role and entry point)"
            )
        return cls(config, options.settings, options.workers)

    def check(self, plan: Any, request: GenerateDataRequest) -> None:
        self.request = request
        self.total = sum(int(t.volume) for t in plan.tables)
        if self.total <= self.config.threshold:
            return
        where = request.destination.type
        if where not in (DestinationType.S3, DestinationType.LOCAL) or (
            where == DestinationType.LOCAL and request.destination.location
        ):
            raise InvalidInputError(
                f"{self.total:,} rows run as an EMR Serverless job, which writes to S3: use destination s3 "
                f"(or the deployment's store), not {where.value}",
                details={"field": "destination.type"},
            )
        if request.output_format not in SPARK_FORMATS:
            raise InvalidInputError(
                f"{self.total:,} rows run on Spark, which writes parquet, csv or jsonl part files, not "
                f"{request.output_format.value}",
                details={"field": "output_format"},
            )

    def handoff(self) -> Runner | None:
        if self.request is None or self.total <= self.config.threshold:
            return None
        from sdga.config import load_settings

        return EmrServerlessRunner(self.config, self.settings or load_settings(), self.request)

    def batches(self, plan: Any, table: str, *, batch_size: int = 65_536) -> Iterator[pa.RecordBatch]:
        return self.local.batches(plan, table, batch_size=batch_size)

    def write(self, job: EngineJob) -> WriteResult:
        return self.local.write(job)


class EmrServerlessRunner:
    """Starts the job run of one generation and marks its record ``running``."""

    def __init__(self, config: EmrConfig, settings: Settings, request: GenerateDataRequest) -> None:
        self.config = config
        self.settings = settings
        self.request = request

    def submit(self, generation_id: str, job: Any, payload: dict[str, Any]) -> None:
        from sdga.adapters import make_history
        from sdga.adapters.aws import client
        from sdga.adapters.s3 import S3ObjectStore

        settings = self.settings
        out = output_location(settings, self.request, generation_id)
        store = S3ObjectStore(settings)
        request_key = f"{settings.s3_prefix}_jobs/{generation_id}.json"
        client("s3", settings).put_object(
            Bucket=store.bucket,
            Key=request_key,
            Body=json.dumps(payload.get("request") or self.request.model_dump(mode="json", by_alias=True)).encode(),
            **store._extra_args("application/json"),
        )
        run = client("emr-serverless", settings).start_job_run(
            applicationId=self.config.application_id,
            executionRoleArn=self.config.job_role_arn,
            clientToken=generation_id,
            name=f"sdga-{generation_id}",
            jobDriver={
                "sparkSubmit": {
                    "entryPoint": self.config.entrypoint,
                    "entryPointArguments": [
                        "--generation-id",
                        generation_id,
                        "--request",
                        f"s3://{store.bucket}/{request_key}",
                        "--output",
                        out,
                    ],
                    "sparkSubmitParameters": self.config.submit_parameters(),
                }
            },
            tags={"sdga:generation_id": generation_id},
        )
        history = make_history(settings)
        record = history.get(generation_id)
        if record is None:
            return
        record.status = GenerationStatus.RUNNING
        record.worker = f"{WORKER_PREFIX}{self.config.application_id}:{run['jobRunId']}"
        record.output_location = out
        if record.response is not None:
            record.response.status = GenerationStatus.RUNNING
            record.response.output_location = out
        history.transition(record, expected={GenerationStatus.PENDING})


def job_run_of(record: GenerationRecord) -> tuple[str, str] | None:
    """(application id, job run id) of a record handed to EMR Serverless, else None."""
    worker = record.worker or ""
    if not worker.startswith(WORKER_PREFIX):
        return None
    app, _, run = worker[len(WORKER_PREFIX) :].partition(":")
    return (app, run) if app and run else None


def _read_json(settings: Settings, uri: str) -> dict[str, Any] | None:
    from sdga.adapters.aws import client
    from sdga.adapters.s3 import parse_s3_uri

    bucket, key = parse_s3_uri(uri)
    try:
        data = json.loads(client("s3", settings).get_object(Bucket=bucket, Key=key)["Body"].read())
    except Exception:
        return None
    return data if isinstance(data, dict) else None


def refresh(service: Any, generation_id: str) -> None:
    """Bring a handed-off record up to date with its job run (no-op for any other record)."""
    from sdga.adapters.aws import client, error_code
    from sdga.adapters.s3 import read_manifest

    record = service.history_store.get(generation_id)
    if record is None or record.status not in (GenerationStatus.PENDING, GenerationStatus.RUNNING):
        return
    found = job_run_of(record)
    if found is None:
        return
    app, run = found
    settings = service.settings
    try:
        state = client("emr-serverless", settings).get_job_run(applicationId=app, jobRunId=run)["jobRun"]
    except Exception as exc:  # EMR unreachable: the record stays as it is until the next read
        if error_code(exc) == "ResourceNotFoundException":
            service.tracker.fail(record, f"EMR Serverless job run {run} does not exist (any more)", None)
        return
    out = record.output_location or ""
    phase = str(state.get("state", ""))
    if phase in ACTIVE_STATES:
        progress = _read_json(settings, out + PROGRESS_NAME) or {}
        rows = int(progress.get("records_generated") or 0)
        record.records_generated = rows
        if record.response is not None:
            record.response.records_generated = rows
        service.tracker.set(record, GenerationStatus.RUNNING)  # keeps the record fresh: the job is alive
        return
    if phase in FAILED_STATES:
        failure = _read_json(settings, out + FAILURE_NAME) or {}
        reason = failure.get("error") or state.get("stateDetails") or f"the EMR job run ended {phase.lower()}"
        service.tracker.fail(record, f"EMR Serverless job run {run} {phase.lower()}: {reason}", None)
        return
    manifest = read_manifest(settings, out) if phase == "SUCCESS" else None
    if manifest is None:
        service.tracker.fail(
            record, f"EMR Serverless job run {run} ended {phase.lower()} without a manifest in {out}", None
        )
        return
    _finish(service, record, manifest, state, out)


def _finish(service: Any, record: GenerationRecord, manifest: dict[str, Any], state: dict[str, Any], out: str) -> None:
    from sdga.models import GenerateDataResponse
    from sdga.pipeline.measure import PARTIAL_VALIDITY

    response = record.response or GenerateDataResponse(generation_id=record.generation_id, status=record.status)
    tables = manifest.get("tables") or {}
    response.records_per_table = {str(k): int(v.get("rows", 0)) for k, v in tables.items()}
    response.records_generated = sum(response.records_per_table.values())
    response.output_location = out
    response.output_files = [out + f["name"] for f in manifest.get("files", [])]
    response.seed = manifest.get("seed", response.seed)
    seconds = (state.get("totalExecutionDurationSeconds") or 0) or 0
    response.execution_time_ms = float(seconds) * 1000
    response.status = GenerationStatus.SUCCESS
    if manifest.get("data_quality_metrics"):
        metrics = QualityMetrics.model_validate(manifest["data_quality_metrics"])
        response.data_quality_metrics = metrics
        if metrics.validity_score < PARTIAL_VALIDITY:
            response.status = GenerationStatus.PARTIAL
            response.errors.append(f"output validity {metrics.validity_score:.3f} is below {PARTIAL_VALIDITY}")
    response.warnings += [w for w in manifest.get("warnings", []) if w not in response.warnings]
    service.tracker.finish(record, response)
