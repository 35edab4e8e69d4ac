"""The command line's Spark path: ``sdga generate --engine spark [--spark-master URL] --out DIR|s3://...``.

Progress is a live bar on a terminal and a line per 10% otherwise (large runs), as for the local engine;
the report printed at the end is the same, with the manifest's location among the output files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sdga.models import GenerateDataRequest
from sdga.spark.engine import SparkEngine


def output_location(out: Path | None, name: str) -> str:
    """Where to write: ``--out`` as given (an ``s3://`` URI survives the path option), else ``output/<name>``."""
    from sdga.writers import safe_file_stem

    if out is None:
        return str(Path("output") / safe_file_stem(name or "data"))
    text = str(out)
    if text.startswith("s3:/") and not text.startswith("s3://"):
        return "s3://" + text[len("s3:/") :]  # a Path option folds s3://bucket to s3:/bucket
    return text


def generate_spark(
    request: GenerateDataRequest,
    name: str,
    out: Path | None,
    engine: Any,
    plan: Any,
    warnings: list[str],
    *,
    quiet: bool,
    metrics: bool,
    report: Path | None,
    as_json: bool,
) -> None:
    from sdga.cli.output import emit_result, run_with_progress
    from sdga.errors import InvalidInputError
    from sdga.spark.run import generate_with_spark

    assert isinstance(engine, SparkEngine)
    location = output_location(out, name)
    if report is not None and report.is_dir():
        raise InvalidInputError(f"--report {report} is a directory; give a file name")
    engine.check(plan, request)
    total = sum(int(t.volume) for t in plan.tables)
    run = {
        "request": request,
        "location": location,
        "engine": engine,
        "plan": plan,
        "metrics": metrics,
        "warnings": warnings,
    }
    response = run_with_progress(
        total, lambda progress: generate_with_spark(**run, progress=progress), quiet=quiet, label="Spark"
    )
    emit_result(response, request, report=report, as_json=as_json, quiet=quiet)
