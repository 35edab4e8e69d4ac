"""Generation to local files, without a service: plan → engine → writers → response.

:func:`generate_to_path` is the core of ``sdga generate``; the service runs the same write step
(:func:`sdga.pipeline.write_tables`) with validation, history and a destination around it. Memory stays
bounded by the batch size: batches stream from the engine straight into the writers. When asked for
quality metrics, a bounded sample (the first :data:`sdga.pipeline.measure.METRICS_SAMPLE_ROWS` rows of
each table) is kept while writing and measured afterwards, so measuring never needs a second pass over a
large output nor a re-read of formats (SQL, XML) that the metrics reader does not parse.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sdga.errors import SdgaError
from sdga.execution import ENGINES, Engine, EngineOptions, engine_name
from sdga.models import GenerateDataRequest, GenerateDataResponse, GenerationStatus, QualityMetrics
from sdga.pipeline import Sampler, measure_sample, write_tables
from sdga.pipeline import measure as _measure
from sdga.writers import check_output_location

ProgressCallback = Callable[[str, int], None]


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
    engine: Engine | None = None,
) -> GenerateDataResponse:
    """Generate ``request`` into local files at ``out`` (a file, or a directory for several tables).

    Raises :class:`~sdga.errors.SchemaError` / :class:`~sdga.errors.CapacityError` before anything is
    written when the request cannot be generated, :class:`~sdga.errors.InvalidInputError` when ``out``
    cannot be written (or the engine is unknown), and :class:`~sdga.errors.DestinationError` if writing
    fails midway (nothing is left behind). With ``metrics`` the response carries quality metrics measured
    on the first rows of each table. ``warnings`` (e.g. from compliance checks) are copied into the
    response. ``plan`` reuses a plan the caller already made for ``request``. ``sql_drop_existing`` makes
    a SQL script drop its tables first, so it can be loaded repeatedly. ``engine`` (default: the one the
    request names, else the local engine with ``workers`` processes) produces the rows.
    """
    from sdga.engine import plan_generation

    started = time.perf_counter()
    out = Path(out)
    if engine is None:
        engine = ENGINES.create(engine_name(request.engine), EngineOptions(workers=workers))
    plan = plan if plan is not None else plan_generation(request)
    check_output_location(out, request.output_format, len(plan.tables))
    sample_rows = _measure.METRICS_SAMPLE_ROWS
    sampler = Sampler(sample_rows) if metrics else None
    result = write_tables(
        plan,
        out,
        request.output_format,
        engine=engine,
        sql_dialect=request.sql_dialect,
        batch_size=batch_size,
        progress=progress,
        sampler=sampler,
        sql_drop_existing=sql_drop_existing,
    )
    response_warnings = list(warnings) + [w for w in getattr(plan, "warnings", []) if w not in warnings]
    quality: QualityMetrics | None = None
    if sampler is not None:
        try:
            quality = measure_sample(plan, sampler.nonempty_tables(), complete=not sampler.truncated)
        except Exception as exc:
            # The data is already published and metrics are an extra: any failure there (an optional
            # module missing, or a bug) is reported as a warning instead of failing a finished generation.
            known = isinstance(exc, ImportError | SdgaError)
            reason = getattr(exc, "message", None) or (str(exc) if known else f"{type(exc).__name__}: {exc}")
            response_warnings.append(f"quality metrics unavailable: {reason}")
        if quality is not None and sampler.truncated:
            response_warnings.append(f"quality metrics measured on the first {sample_rows:,} rows of each table")
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
