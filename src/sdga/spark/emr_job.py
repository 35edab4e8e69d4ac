"""The EMR Serverless job: generate one request with Spark and write it, manifest last, under its S3 prefix.

Run by ``spark-submit`` (EMR Serverless uploads this file as the job's entry point; the sdga package comes
from the job's Python environment archive)::

    sdga_emr_job.py --generation-id <uuid> --request s3://bucket/key.json --output s3://bucket/prefix/<uuid>/

It writes ``_progress.json`` (rows done) while it runs, the tables and ``_manifest.json`` (rows, files,
seed, schema hash, quality metrics) when it succeeds, and ``_failure.json`` (the reason) when it fails,
exiting non-zero. The job never touches the history table: the ``status`` action reads these objects
(:func:`sdga.spark.emr.refresh`). ``--request`` and ``--output`` may also be local paths (tests, a laptop).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

PROGRESS_EVERY_S = 10.0


def _read_request(settings: Any, location: str) -> Any:
    from sdga.models import GenerateDataRequest
    from sdga.schema_io import to_model

    if location.startswith("s3://"):
        from sdga.adapters.aws import client
        from sdga.adapters.s3 import parse_s3_uri

        bucket, key = parse_s3_uri(location)
        body = client("s3", settings).get_object(Bucket=bucket, Key=key)["Body"].read()
    else:
        body = Path(location).read_bytes()
    return to_model(GenerateDataRequest, json.loads(body), what="job request")


def _put_json(settings: Any, location: str, name: str, data: dict[str, Any]) -> None:
    body = json.dumps(data).encode()
    if location.startswith("s3://"):
        from sdga.adapters.aws import client
        from sdga.adapters.s3 import S3ObjectStore, parse_s3_uri

        bucket, key = parse_s3_uri(location + name)
        store = S3ObjectStore(settings, bucket=bucket, prefix="")
        client("s3", settings).put_object(Bucket=bucket, Key=key, Body=body, **store._extra_args("application/json"))
    else:
        target = Path(location) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)


def _delete(settings: Any, location: str, name: str) -> None:
    try:
        if location.startswith("s3://"):
            from sdga.adapters.aws import client
            from sdga.adapters.s3 import parse_s3_uri

            bucket, key = parse_s3_uri(location + name)
            client("s3", settings).delete_object(Bucket=bucket, Key=key)
        else:
            (Path(location) / name).unlink(missing_ok=True)
    except Exception:  # best effort: a stale progress object is ignored once the manifest exists
        pass


class _ProgressObject:
    """Rows done, written to ``_progress.json`` at most every PROGRESS_EVERY_S seconds."""

    def __init__(self, settings: Any, location: str, total: int) -> None:
        self.settings, self.location, self.total = settings, location, total
        self.rows = 0
        self.last = 0.0
        self.lock = threading.Lock()

    def __call__(self, table: str, rows: int) -> None:
        with self.lock:
            self.rows += rows
            now = time.monotonic()
            if now - self.last < PROGRESS_EVERY_S and self.rows < self.total:
                return
            self.last = now
            data = {"records_generated": self.rows, "total": self.total, "table": table, "at": time.time()}
        with contextlib.suppress(Exception):  # progress is best effort
            _put_json(self.settings, self.location, _progress_name(), data)


def _progress_name() -> str:
    from sdga.spark.emr import PROGRESS_NAME

    return PROGRESS_NAME


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sdga_emr_job", description="Generate one sdga request with Spark.")
    parser.add_argument("--generation-id", required=True)
    parser.add_argument("--request", required=True, help="s3:// URI or path of the request JSON")
    parser.add_argument("--output", required=True, help="s3://bucket/prefix/ or a directory")
    parser.add_argument("--master", default=None, help="Spark master (default: the one spark-submit set)")
    args = parser.parse_args(argv)

    from sdga.config import load_settings
    from sdga.engine import plan_generation
    from sdga.spark.emr import FAILURE_NAME
    from sdga.spark.engine import SparkEngine
    from sdga.spark.run import generate_with_spark

    settings = load_settings()
    output = args.output if args.output.endswith("/") or not args.output.startswith("s3://") else args.output + "/"
    try:
        request = _read_request(settings, args.request)
        plan = plan_generation(request)
        engine = SparkEngine(master=args.master, settings=settings)
        progress = _ProgressObject(settings, output, sum(t.volume for t in plan.tables))
        response = generate_with_spark(
            request, output, engine=engine, plan=plan, progress=progress, generation_id=args.generation_id
        )
    except Exception as exc:
        reason = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        _put_json(settings, output, FAILURE_NAME, {"generation_id": args.generation_id, "error": reason})
        print(f"error: {reason}", file=sys.stderr)
        return 1
    _delete(settings, output, _progress_name())
    print(json.dumps({"generation_id": args.generation_id, "records": response.records_per_table, "output": output}))
    return 0


if __name__ == "__main__":  # spark-submit runs this file
    sys.exit(main())
