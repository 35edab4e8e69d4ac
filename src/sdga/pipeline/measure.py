"""Measure what was written: validity, uniqueness, completeness, and the status they give a generation.

Small results in a format the quality module reads are measured from the written files themselves (a
true round trip). Larger ones, and formats it does not read (SQL, XML), are measured on the first
:data:`METRICS_SAMPLE_ROWS` rows of every table, kept while writing (:class:`~sdga.pipeline.sampler.Sampler`),
so memory stays bounded for any volume.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pyarrow as pa

from sdga.models import GenerateDataResponse, GenerationStatus, OutputFormat, QualityMetrics, Schema, TableSpec
from sdga.pipeline.sampler import Sampler

log = logging.getLogger("sdga.pipeline")

# Formats the quality module can read back; others are measured on the rows kept while writing.
READABLE = frozenset({OutputFormat.JSON, OutputFormat.JSONL, OutputFormat.CSV, OutputFormat.PARQUET})
# Below this validity score a finished generation is reported as 'partial' rather than 'success'.
PARTIAL_VALIDITY = 0.95
# Results up to this many rows (all tables) are measured by reading the written files back (a round trip);
# above it a full read-back costs more than generating, so a sample kept while writing is measured.
READBACK_MAX_ROWS = 200_000
# Larger results are measured on the first rows of each table, kept while writing.
METRICS_SAMPLE_ROWS = 200_000


def plan_schema(plan: Any) -> Schema:
    """The resolved schema of a plan (templates included), one TableSpec per planned table."""
    tables = [TableSpec(name=t.name, volume=t.volume, fields=list(t.fields)) for t in plan.tables]
    if len(tables) == 1:
        return Schema(name=tables[0].name, fields=tables[0].fields)
    return Schema(tables=tables)


def measure_sample(plan: Any, sample: dict[str, pa.Table], *, complete: bool = True) -> QualityMetrics | None:
    """Quality metrics of the sampled rows (``complete=False``: a sample cut short of some table's rows)."""
    from sdga.quality import calculate_quality_metrics

    schema = plan_schema(plan)
    if len(sample) == 1:
        return calculate_quality_metrics(
            next(iter(sample.values())), schema=schema, complete=complete, check_schema=False
        )
    return calculate_quality_metrics(sample, schema=schema, complete=complete, check_schema=False)


def measure_output(
    plan: Any,
    data_dir: Path,
    fmt: OutputFormat,
    sampler: Sampler,
    records: dict[str, int],
    response: GenerateDataResponse,
) -> GenerationStatus:
    """Validate the written output against the plan's schema, put the metrics into ``response`` and decide
    the status: ``partial`` below :data:`PARTIAL_VALIDITY` (or when measuring failed), else ``success``.

    ``records`` are the rows written per table.
    """
    from sdga.quality import calculate_quality_metrics

    schema = plan_schema(plan)
    total = sum(records.values())
    try:
        data: Any
        complete = True
        if fmt in READABLE and total <= READBACK_MAX_ROWS:
            data = data_dir
        else:
            data = {name: t.slice(0, METRICS_SAMPLE_ROWS) for name, t in sampler.tables(plan).items()}
            complete = all(data[name].num_rows >= n for name, n in records.items() if name in data)
            if any(n > METRICS_SAMPLE_ROWS for n in records.values()):
                response.warnings.append(
                    f"quality metrics measured on the first {METRICS_SAMPLE_ROWS:,} rows of each table"
                )
        metrics: QualityMetrics = calculate_quality_metrics(data, schema=schema, complete=complete, check_schema=False)
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
