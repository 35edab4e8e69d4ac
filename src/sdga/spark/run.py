"""``sdga generate --engine spark``: a request written by Spark to a directory or ``s3://``, with a response.

The same steps as :func:`sdga.generation.generate_to_path` (plan, write, measure a sample, respond), except
that the output is a directory of part files per table plus a manifest, and the location may be S3.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from sdga.errors import SdgaError
from sdga.models import GenerateDataRequest, GenerateDataResponse, GenerationStatus, OutputFormat, QualityMetrics
from sdga.pipeline import Sampler, measure_sample
from sdga.pipeline import measure as _measure
from sdga.spark.engine import SparkEngine, write_output
from sdga.spark.s3 import write_s3

ProgressCallback = Callable[[str, int], None]


def generate_with_spark(
    request: GenerateDataRequest,
    location: str,
    *,
    engine: SparkEngine,
    plan: Any,
    progress: ProgressCallback | None = None,
    metrics: bool = True,
    warnings: Sequence[str] = (),
    generation_id: str | None = None,
) -> GenerateDataResponse:
    """Write ``plan`` with Spark to ``location`` and describe the result (metrics on the first rows)."""
    started = time.perf_counter()
    engine.check(plan, request)
    sampler = Sampler(_measure.METRICS_SAMPLE_ROWS) if metrics else None
    notes: list[str] = list(warnings) + [w for w in getattr(plan, "warnings", []) if w not in warnings]
    quality: list[QualityMetrics | None] = [None]

    def annotate() -> dict[str, Any]:
        """Metrics of the sample, measured before the manifest is written so that it can carry them."""
        if sampler is None:
            return {}
        try:
            quality[0] = measure_sample(plan, sampler.nonempty_tables())
        except Exception as exc:  # the data is written; metrics are an extra
            known = isinstance(exc, ImportError | SdgaError)
            reason = getattr(exc, "message", None) or (str(exc) if known else f"{type(exc).__name__}: {exc}")
            notes.append(f"quality metrics unavailable: {reason}")
            return {}
        if sampler.truncated:
            notes.append(f"quality metrics measured on the first {_measure.METRICS_SAMPLE_ROWS:,} rows of each table")
        measured = quality[0]
        return {"data_quality_metrics": measured.model_dump(mode="json")} if measured is not None else {}

    write = write_s3 if location.startswith("s3://") else write_output
    output = write(
        engine,
        plan,
        location,
        OutputFormat(request.output_format),
        progress=progress,
        tap=sampler.tee if sampler is not None else None,
        generation_id=generation_id,
        annotate=annotate,
    )
    notes += [n for n in engine.notes if n not in notes]
    response = GenerateDataResponse(
        status=GenerationStatus.SUCCESS,
        records_generated=sum(output.records.values()),
        records_per_table=dict(output.records),
        output_location=output.location,
        output_files=[f for files in output.files.values() for f in files],
        data_quality_metrics=quality[0],
        execution_time_ms=round((time.perf_counter() - started) * 1000, 3),
        warnings=notes,
        seed=plan.seed,
    )
    if generation_id:
        response.generation_id = generation_id
    return response
