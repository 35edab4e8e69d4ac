"""The Spark engine's output on S3: written by the cluster when it can, uploaded from here when it cannot.

A cluster whose Hadoop has an S3 file system (EMR's ``s3://``, or ``s3a://`` with the hadoop-aws jars)
writes every table straight to ``s3://bucket/prefix/<table>/``; the part files are then listed and the
manifest is put last. A pip-installed Spark has no S3 file system (and the jars cannot be added offline):
the tables are then written to a local staging directory and uploaded, data objects first and the
manifest last, with SSE-KMS when ``SDGA_KMS_KEY_ID`` is set. ``SDGA_SPARK_S3=direct|upload`` forces one.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sdga.adapters.storage import MANIFEST_NAME
from sdga.errors import ConfigurationError, DestinationError, SdgaError
from sdga.execution.base import ProgressCallback, Tap
from sdga.models import OutputFormat

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from sdga.config import Settings
    from sdga.spark.engine import SparkEngine, SparkOutput

MODE_ENV = "SDGA_SPARK_S3"


def hadoop_s3_scheme(spark: SparkSession) -> str | None:
    """``s3`` or ``s3a`` when the cluster's Hadoop can write S3 with that scheme, else None."""
    forced = os.environ.get(MODE_ENV, "").strip().lower()
    if forced == "upload":
        return None
    try:
        jvm: Any = spark.sparkContext._jvm
        conf = spark.sparkContext._jsc.hadoopConfiguration()  # type: ignore[attr-defined]
    except Exception:  # Spark Connect: the server writes; clusters that serve Connect read s3:// natively
        return "s3"
    for scheme in ("s3", "s3a"):
        try:
            jvm.org.apache.hadoop.fs.FileSystem.getFileSystemClass(scheme, conf)
            return scheme
        except Exception:
            continue
    if forced == "direct":
        raise ConfigurationError(f"{MODE_ENV}=direct, but this Spark's Hadoop has no S3 file system (s3 or s3a)")
    return None


def write_s3(
    engine: SparkEngine,
    plan: Any,
    uri: str,
    fmt: OutputFormat,
    *,
    progress: ProgressCallback | None = None,
    tap: Tap | None = None,
    generation_id: str | None = None,
    settings: Settings | None = None,
    annotate: Callable[[], dict[str, Any]] | None = None,
) -> SparkOutput:
    from sdga.adapters.aws import client
    from sdga.adapters.s3 import S3ObjectStore, parse_s3_uri
    from sdga.config import load_settings
    from sdga.spark.engine import SparkOutput, build_manifest, write_tables_to

    settings = settings or engine.settings or load_settings()
    bucket, prefix = parse_s3_uri(uri)
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    base = f"s3://{bucket}/{prefix}"
    s3 = client("s3", settings)
    with contextlib.suppress(Exception):  # an earlier output's manifest: gone before any of its files change
        s3.delete_object(Bucket=bucket, Key=prefix + MANIFEST_NAME)
    scheme = hadoop_s3_scheme(engine.session())
    if scheme is None:
        engine.notes.append(
            "this Spark has no S3 file system (no hadoop-aws): the tables were written locally and uploaded"
        )
        staging = Path(tempfile.mkdtemp(prefix="sdga-spark-s3-"))
        try:
            output = write_tables_to(engine, plan, staging, fmt, progress=progress, tap=tap)
            manifest = build_manifest(plan, fmt, output, generation_id=generation_id) | (annotate() if annotate else {})
            (staging / MANIFEST_NAME).write_text(json.dumps(manifest), encoding="utf-8")
            S3ObjectStore(settings, bucket=bucket, prefix="").publish_to(
                prefix, staging, generation_id or manifest["schema_hash"][:16]
            )
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        files = {t: [base + name for name, _ in parts] for t, parts in output.items()}
        manifest.update({"bucket": bucket, "prefix": prefix})
        return SparkOutput(base, {t.name: t.volume for t in plan.tables}, files, manifest)
    return _write_direct(engine, plan, bucket, prefix, scheme, fmt, progress, tap, generation_id, settings, annotate)


def _write_direct(
    engine: SparkEngine,
    plan: Any,
    bucket: str,
    prefix: str,
    scheme: str,
    fmt: OutputFormat,
    progress: ProgressCallback | None,
    tap: Tap | None,
    generation_id: str | None,
    settings: Settings,
    annotate: Callable[[], dict[str, Any]] | None,
) -> SparkOutput:
    from sdga.adapters.aws import client, error_code
    from sdga.adapters.s3 import S3ObjectStore
    from sdga.spark.engine import SparkOutput, _feed_tap, _Progress, _writer, build_manifest
    from sdga.writers import safe_file_stem

    s3 = client("s3", settings)
    store = S3ObjectStore(settings, bucket=bucket, prefix="")
    frames = engine.frames(plan)
    tracker = _Progress(engine.session(), progress)
    written: list[str] = []
    output: dict[str, list[tuple[str, int]]] = {}
    try:
        for t in plan.tables:
            stem = safe_file_stem(t.name)
            target = f"{scheme}://{bucket}/{prefix}{stem}"
            tracker.run(t.name, t.volume, lambda t=t, target=target: _writer(frames[t.name], fmt).save(target))  # type: ignore[misc]
            parts: list[tuple[str, int]] = []
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{prefix}{stem}/"):
                for obj in page.get("Contents", []):
                    written.append(obj["Key"])
                    name = obj["Key"][len(prefix) :]
                    if not name.rsplit("/", 1)[-1].startswith(("_", ".")):
                        parts.append((name, int(obj["Size"])))
            output[t.name] = sorted(parts)
        _feed_tap(plan, tap)
        manifest = build_manifest(plan, fmt, output, generation_id=generation_id) | (annotate() if annotate else {})
        manifest["bucket"], manifest["prefix"] = bucket, prefix
        s3.put_object(
            Bucket=bucket,
            Key=prefix + MANIFEST_NAME,
            Body=json.dumps(manifest, indent=2).encode(),
            **store._extra_args("application/json"),
        )
    except SdgaError:
        store._delete_keys(written)
        raise
    except Exception as exc:
        store._delete_keys(written)
        code = error_code(exc)
        first = " ".join(str(exc).split())[:300]
        raise DestinationError(f"writing s3://{bucket}/{prefix} with Spark failed: {code or first}") from exc
    base = f"s3://{bucket}/{prefix}"
    files = {t: [base + name for name, _ in parts] for t, parts in output.items()}
    return SparkOutput(base, {t.name: t.volume for t in plan.tables}, files, manifest)
