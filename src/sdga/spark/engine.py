"""The ``spark`` engine: every table of a plan read through the ``sdga`` data source and written by Spark.

``sdga generate --engine spark`` (and requests with ``"engine": "spark"``) end here. Each table becomes a
directory of part files written by Spark's own writers (Parquet, CSV or JSON Lines) — ``<out>/<table>/
part-*.parquet`` — and ``<out>/_manifest.json`` is written last: it lists the tables with their row counts,
columns and files, the seed and a hash of the schema, so a reader trusts only a complete output (the
same commit-marker rule as the S3 store). ``sdga metrics <out>`` reads the tables it lists.

Where the output goes:

* a local directory: the tables are written into a hidden staging directory beside it and moved into
  place when all are complete;
* ``s3://bucket/prefix``: written by Spark straight to S3 when the cluster's Hadoop has an S3 file system
  (EMR's, or ``s3a`` with the hadoop-aws jars); otherwise (a laptop's pip-installed Spark has none) written
  locally and uploaded, data objects first and the manifest last.

The quality metrics and progress work as for the local engine: the first rows of every table (the same
rows, generated on the driver) go through the job's tap, and progress comes from Spark's task counts.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from sdga.adapters.storage import MANIFEST_NAME
from sdga.errors import DestinationError, InvalidInputError, SdgaError
from sdga.execution.base import Engine, EngineJob, EngineOptions, ProgressCallback, Tap
from sdga.models import GenerateDataRequest, OutputFormat

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from sdga.config import Settings
    from sdga.writers import WriteResult

FORMATS = {OutputFormat.PARQUET: "parquet", OutputFormat.CSV: "csv", OutputFormat.JSONL: "json"}
# Rows of every table generated on the driver for the tap (quality metrics, inline samples).
TAP_ROWS = 200_000
MASTER_ENV = "SDGA_SPARK_MASTER"


@dataclass
class SparkOutput:
    """What a Spark write produced: the location, rows and files per table, and the manifest."""

    location: str
    records: dict[str, int] = field(default_factory=dict)
    files: dict[str, list[str]] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)


def schema_hash(plan: Any) -> str:
    """SHA-256 over every table's name, row count and Arrow schema: equal hashes, same layout and volume."""
    from sdga.spark.types import schema_fingerprint

    described = [{"table": t.name, "rows": t.volume, **schema_fingerprint(t.arrow_schema)} for t in plan.tables]
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


def build_manifest(
    plan: Any, fmt: OutputFormat, files: dict[str, list[tuple[str, int]]], *, generation_id: str | None = None
) -> dict[str, Any]:
    """The output's manifest: ``files`` maps each table to its (relative name, size) part files."""
    from sdga.spark.types import schema_fingerprint

    return {
        "generation_id": generation_id,
        "created_at": datetime.now(UTC).isoformat(),
        "complete": True,
        "engine": "spark",
        "format": fmt.value,
        "seed": plan.seed,
        "locale": plan.locale,
        "schema_hash": schema_hash(plan),
        "records_generated": sum(t.volume for t in plan.tables),
        "tables": {
            t.name: {
                "rows": t.volume,
                "files": [name for name, _ in files.get(t.name, [])],
                "columns": schema_fingerprint(t.arrow_schema)["fields"],
                "primary_key": list(t.primary_key),
                "foreign_keys": [fk.__dict__ for fk in t.foreign_keys],
            }
            for t in plan.tables
        },
        "files": [{"name": name, "size": size} for t in plan.tables for name, size in files.get(t.name, [])],
    }


class SparkEngine(Engine):
    name = "spark"
    description = (
        "Apache Spark: local[*] by default, a cluster (--spark-master / SDGA_SPARK_MASTER) or Spark Connect (sc://)"
    )

    def __init__(self, master: str | None = None, settings: Settings | None = None) -> None:
        self.master = master
        self.settings = settings
        self.notes: list[str] = []

    @classmethod
    def create(cls, options: EngineOptions) -> SparkEngine:
        master = getattr(options, "master", None) or os.environ.get(MASTER_ENV) or None
        return cls(master=master, settings=options.settings)

    def session(self) -> SparkSession:
        from sdga.spark.session import get_session

        return get_session(self.master)

    def check(self, plan: Any, request: GenerateDataRequest) -> None:
        from sdga.spark import require_pyspark

        require_pyspark()
        if request.output_format not in FORMATS:
            raise InvalidInputError(
                f"the spark engine writes parquet, csv or jsonl part files, not {request.output_format.value}; "
                "use the local engine for one json/sql/xml file",
                details={"field": "output_format"},
            )

    def frames(self, plan: Any) -> dict[str, DataFrame]:
        """Every table of ``plan`` as a DataFrame of the ``sdga`` data source (parents first)."""
        from sdga.spark import read_tables

        return read_tables(self.session(), plan.request)

    def batches(self, plan: Any, table: str, *, batch_size: int = 65_536) -> Iterator[pa.RecordBatch]:
        """The table's rows through Spark, in order (collected to this process: for samples and tests)."""
        collected = self.frames(plan)[table].toArrow()
        yield from collected.to_batches(max_chunksize=batch_size)

    def write(self, job: EngineJob) -> WriteResult:
        from sdga.writers import WriteResult

        fmt = OutputFormat(job.output_format)
        self.check(job.plan, job.plan.request.model_copy(update={"output_format": fmt}))
        out = write_output(self, job.plan, str(job.out), fmt, progress=job.progress, tap=job.tap)
        root = Path(job.out)
        return WriteResult(files={t: root / t for t in out.records}, records=dict(out.records))


# --- writing ---------------------------------------------------------------------------------------------


def _for_format(frame: DataFrame, fmt: OutputFormat) -> DataFrame:
    """CSV holds no nested values: structs and arrays become JSON text, as the local CSV writer writes them."""
    if fmt != OutputFormat.CSV:
        return frame
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    columns = [
        F.to_json(F.col(f"`{f.name}`")).alias(f.name)
        if isinstance(f.dataType, T.StructType | T.ArrayType | T.MapType)
        else F.col(f"`{f.name}`")
        for f in frame.schema.fields
    ]
    return frame.select(*columns)


def _writer(frame: DataFrame, fmt: OutputFormat) -> Any:
    writer = _for_format(frame, fmt).write.mode("overwrite").format(FORMATS[fmt])
    if fmt == OutputFormat.CSV:
        # Header row; null is an empty field and an empty string is "" (how the local writer and reader tell them apart).
        # Quotes inside values are doubled (RFC 4180), not backslash-escaped as Spark does by default.
        writer = (
            writer.option("header", "true").option("emptyValue", '""').option("nullValue", "").option("escape", '"')
        )
    elif fmt == OutputFormat.JSONL:
        writer = writer.option("ignoreNullFields", "false")
    return writer


class _Progress:
    """Rows done per table from Spark's task counts (each task is one partition of a known row range)."""

    def __init__(self, spark: SparkSession, callback: ProgressCallback | None) -> None:
        self.callback = callback
        try:
            self.tracker = spark.sparkContext.statusTracker() if callback is not None else None
            self.context = spark.sparkContext
        except Exception:  # Spark Connect: no status tracker; progress is reported per finished table
            self.tracker = None
        self.reported = 0

    def run(self, table: str, volume: int, action: Callable[[], None]) -> None:
        if self.callback is None:
            action()
            return
        self.reported = 0
        if self.tracker is None:
            action()
            self._advance(table, volume)
            return
        group = f"sdga-{table}-{uuid.uuid4().hex[:8]}"
        self.context.setJobGroup(group, f"sdga: writing {table}")
        stop = threading.Event()
        watcher = threading.Thread(target=self._watch, args=(group, table, volume, stop), daemon=True)
        watcher.start()
        try:
            action()
        finally:
            stop.set()
            watcher.join(timeout=5)
            self.context.setJobGroup("", "")
        self._advance(table, volume)

    def _watch(self, group: str, table: str, volume: int, stop: threading.Event) -> None:
        tracker = self.tracker
        assert tracker is not None
        while not stop.wait(0.5):
            try:
                done = total = 0
                for job_id in tracker.getJobIdsForGroup(group):
                    info = tracker.getJobInfo(job_id)
                    for stage_id in info.stageIds if info else []:
                        stage = tracker.getStageInfo(stage_id)
                        if stage is not None:
                            done += stage.numCompletedTasks
                            total += stage.numTasks
                if total:
                    self._advance(table, volume * done // total)
            except Exception:  # progress is best effort
                continue

    def _advance(self, table: str, rows: int) -> None:
        if self.callback is not None and rows > self.reported:
            delta, self.reported = rows - self.reported, rows
            self.callback(table, delta)


def _feed_tap(plan: Any, tap: Tap | None) -> None:
    """The first rows of every table through ``tap`` (generated here: the same rows Spark writes)."""
    if tap is None:
        return
    from sdga.spark.source import read_rows

    for t in plan.tables:
        for _ in tap(t.name, read_rows(plan, t.name, 0, min(t.volume, TAP_ROWS))):
            pass


def write_output(
    engine: SparkEngine,
    plan: Any,
    location: str,
    fmt: OutputFormat,
    *,
    progress: ProgressCallback | None = None,
    tap: Tap | None = None,
    generation_id: str | None = None,
    settings: Settings | None = None,
    annotate: Callable[[], dict[str, Any]] | None = None,
) -> SparkOutput:
    """Write every table of ``plan`` to ``location`` (a directory or ``s3://bucket/prefix``), manifest last.

    ``annotate()`` is called once the tables are written and the tap has seen its rows; what it returns is
    added to the manifest (a job's quality metrics, say).
    """
    if location.startswith("s3://"):
        raise InvalidInputError("write_output writes local directories; sdga.spark.s3.write_s3 writes s3:// prefixes")
    target = Path(location).expanduser().resolve()
    if target.suffix.lower().lstrip(".") in {"parquet", "csv", "jsonl", "json", "ndjson"} and not target.is_dir():
        raise InvalidInputError(
            f"the spark engine writes a directory of part files per table; give a directory, not {target.name}"
        )
    if target.exists() and not target.is_dir():
        raise InvalidInputError(f"output {target} exists and is not a directory")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.spark-", dir=target.parent))
    try:
        output = write_tables_to(engine, plan, staging, fmt, progress=progress, tap=tap)
        manifest = build_manifest(plan, fmt, output, generation_id=generation_id) | (annotate() if annotate else {})
        _publish_directory(staging, target, list(output), manifest)
    except SdgaError:
        raise
    except OSError as exc:
        raise DestinationError(f"cannot write output to {target}: {exc.strerror or exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    files = {t: [str(target / name) for name, _ in parts] for t, parts in output.items()}
    return SparkOutput(str(target), {t.name: t.volume for t in plan.tables}, files, manifest)


def write_tables_to(
    engine: SparkEngine,
    plan: Any,
    root: Path,
    fmt: OutputFormat,
    *,
    progress: ProgressCallback | None = None,
    tap: Tap | None = None,
) -> dict[str, list[tuple[str, int]]]:
    """Spark writes each table into ``root/<table>/`` (a local directory); returns the part files per table."""
    from sdga.writers import safe_file_stem

    frames = engine.frames(plan)
    tracker = _Progress(engine.session(), progress)
    out: dict[str, list[tuple[str, int]]] = {}
    for t in plan.tables:
        directory = root / safe_file_stem(t.name)
        tracker.run(t.name, t.volume, lambda t=t, d=directory: _writer(frames[t.name], fmt).save(str(d)))  # type: ignore[misc]
        out[t.name] = _part_files(root, directory)
    _feed_tap(plan, tap)
    return out


def _part_files(root: Path, directory: Path) -> list[tuple[str, int]]:
    """The data files Spark wrote in ``directory`` (relative to ``root``); its checksums are removed."""
    parts: list[tuple[str, int]] = []
    for path in sorted(directory.rglob("*")):
        if not path.is_file():
            continue
        if path.name.startswith((".", "_")):  # Hadoop's .crc checksums, _SUCCESS markers
            path.unlink(missing_ok=True)
            continue
        parts.append((path.relative_to(root).as_posix(), path.stat().st_size))
    return parts


def _publish_directory(staging: Path, target: Path, tables: list[str], manifest: dict[str, Any]) -> None:
    """Move the staged tables into ``target`` and write the manifest last.

    A table directory already in ``target`` is replaced whole (its old part files would otherwise mix
    with the new ones); an earlier manifest is removed first, so a failure midway leaves no manifest.
    """
    from sdga.writers import safe_file_stem

    (staging / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    if not target.exists() or (target.is_dir() and not any(target.iterdir())):
        if target.exists():
            target.rmdir()
        os.replace(staging, target)
        return
    (target / MANIFEST_NAME).unlink(missing_ok=True)
    for table in tables:
        name = safe_file_stem(table)
        old = target / name
        aside = target / f".{name}.old-{int(time.time())}"
        if old.exists():
            os.replace(old, aside)
        os.replace(staging / name, old)
        shutil.rmtree(aside, ignore_errors=True)
    os.replace(staging / MANIFEST_NAME, target / MANIFEST_NAME)
