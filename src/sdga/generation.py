"""Generation to local files, without a service: plan → engine batches → writers → response.

:func:`generate_to_path` is the core of ``sdga generate``; the service wraps the same steps with
validation, history and storage. Memory stays bounded by the batch size: batches stream from the engine
straight into the writers. When asked for quality metrics, a bounded sample (the first
:data:`METRICS_SAMPLE_ROWS` rows of each table) is kept while writing and measured afterwards, so
measuring never needs a second pass over a large output nor a re-read of formats (SQL, XML) that the
metrics reader does not parse.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from sdga.errors import SdgaError
from sdga.models import (
    GenerateDataRequest,
    GenerateDataResponse,
    GenerationStatus,
    QualityMetrics,
    Schema,
    TableSpec,
)
from sdga.writers import check_output_location, write_plan

METRICS_SAMPLE_ROWS = 200_000

ProgressCallback = Callable[[str, int], None]


class _Sampler:
    """Keeps the first ``limit`` rows of each table as batches stream past (for quality metrics)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.batches: dict[str, list[pa.RecordBatch]] = {}
        self.rows: dict[str, int] = {}
        self.total: dict[str, int] = {}

    def tee(self, table: str, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        kept = self.batches.setdefault(table, [])
        for batch in batches:
            have = self.rows.get(table, 0)
            self.total[table] = self.total.get(table, 0) + batch.num_rows
            if have < self.limit:
                part = batch.slice(0, self.limit - have)
                kept.append(part)
                self.rows[table] = have + part.num_rows
            yield batch

    def tables(self) -> dict[str, pa.Table]:
        return {name: pa.Table.from_batches(b) for name, b in self.batches.items() if b}

    @property
    def truncated(self) -> bool:
        return any(self.total.get(t, 0) > self.rows.get(t, 0) for t in self.total)


def plan_schema(plan: Any) -> Schema:
    """The resolved schema of a plan (templates included), one TableSpec per planned table."""
    tables = [TableSpec(name=t.name, volume=t.volume, fields=list(t.fields)) for t in plan.tables]
    if len(tables) == 1:
        return Schema(name=tables[0].name, fields=tables[0].fields)
    return Schema(tables=tables)


def measure_sample(plan: Any, sample: dict[str, pa.Table]) -> QualityMetrics | None:
    """Quality metrics of the sampled rows (None when the quality module is unavailable)."""
    from sdga.quality import calculate_quality_metrics

    schema = plan_schema(plan)
    if len(sample) == 1:
        return calculate_quality_metrics(next(iter(sample.values())), schema=schema)
    return calculate_quality_metrics(sample, schema=schema)


def generate_to_path(
    request: GenerateDataRequest,
    out: str | Path,
    *,
    workers: int = 1,
    batch_size: int = 65_536,
    progress: ProgressCallback | None = None,
    metrics: bool = False,
    warnings: Sequence[str] = (),
    plan: Any | None = None,
    sql_drop_existing: bool = False,
) -> GenerateDataResponse:
    """Generate ``request`` into local files at ``out`` (a file, or a directory for several tables).

    Raises :class:`~sdga.errors.SchemaError` / :class:`~sdga.errors.CapacityError` before anything is
    written when the request cannot be generated, :class:`~sdga.errors.InvalidInputError` when ``out``
    cannot be written, and :class:`~sdga.errors.DestinationError` if writing fails midway (nothing is
    left behind). With ``metrics`` the response carries quality metrics measured on the first
    :data:`METRICS_SAMPLE_ROWS` rows of each table. ``warnings`` (e.g. from compliance checks) are copied
    into the response. ``plan`` reuses a plan the caller already made for ``request``.
    ``sql_drop_existing`` makes a SQL script drop its tables first, so it can be loaded repeatedly.
    """
    from sdga.engine import iter_batches, plan_generation

    started = time.perf_counter()
    out = Path(out)
    plan = plan if plan is not None else plan_generation(request)
    check_output_location(out, request.output_format, len(plan.tables))
    sampler = _Sampler(METRICS_SAMPLE_ROWS) if metrics else None

    def batches(table_name: str) -> Iterator[pa.RecordBatch]:
        stream = iter_batches(plan, table_name, batch_size=batch_size, workers=workers)
        return sampler.tee(table_name, stream) if sampler is not None else stream

    result = write_plan(
        plan,
        out,
        request.output_format,
        sql_dialect=request.sql_dialect,
        batch_size=batch_size,
        workers=workers,
        progress=progress,
        batches=batches,
        sql_drop_existing=sql_drop_existing,
    )
    response_warnings = list(warnings) + [w for w in getattr(plan, "warnings", []) if w not in warnings]
    quality: QualityMetrics | None = None
    if sampler is not None:
        try:
            quality = measure_sample(plan, sampler.tables())
        except Exception as exc:
            # The data is already published and metrics are an extra: any failure there (an optional
            # module missing, or a bug) is reported as a warning instead of failing a finished generation.
            known = isinstance(exc, ImportError | SdgaError)
            reason = getattr(exc, "message", None) or (str(exc) if known else f"{type(exc).__name__}: {exc}")
            response_warnings.append(f"quality metrics unavailable: {reason}")
        if quality is not None and sampler.truncated:
            response_warnings.append(
                f"quality metrics measured on the first {METRICS_SAMPLE_ROWS:,} rows of each table"
            )
    elapsed_ms = (time.perf_counter() - started) * 1000
    return GenerateDataResponse(
        status=GenerationStatus.SUCCESS,
        records_generated=result.total_records,
        output_location=str(out),
        data_quality_metrics=quality,
        execution_time_ms=round(elapsed_ms, 3),
        warnings=response_warnings,
        records_per_table=dict(result.records),
        output_files=[str(p) for p in result.paths],
        seed=plan.seed,
    )
