"""The first rows of a request's tables, made in memory for the web UI's live preview."""

from __future__ import annotations

import time
from typing import Any

from sdga.models import DataType, GenerateDataRequest, PreviewRequest, PreviewResponse, PreviewTable


def preview_tables(
    request: GenerateDataRequest, rows: int
) -> tuple[int, dict[str, tuple[list[str], list[dict[str, Any]]]], list[str]]:
    """The first ``rows`` rows of every table of ``request``, made in memory: (seed, tables, warnings).

    The rows are the engine's dry run of the first block, so the same request and seed give the same rows.
    Each table is (column names, rows as JSON-ready dicts: dates and times as ISO text), parents first.
    """
    import json

    import polars as pl

    from sdga.engine import plan_generation
    from sdga.engine.generate import generate_rows

    plan = plan_generation(request)
    tables: dict[str, tuple[list[str], list[dict[str, Any]]]] = {}
    for table in plan.tables:
        batch = generate_rows(plan, table.name, 0, n=rows).slice(0, rows)
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        tables[table.name] = (list(batch.schema.names), json.loads(frame.write_json()))
    return int(plan.seed), tables, list(plan.warnings)


# Planning a run lays out every parent block's child counts, so its cost grows with the volume; above this
# the preview is planned as for this many records (the same shape; some generators draw other values).
PREVIEW_VOLUME_CAP = 262_144


def preview(request: PreviewRequest, *, max_volume: int) -> PreviewResponse:
    """The preview of ``request``: planned for the volume it names (at least its rows, at most
    :data:`PREVIEW_VOLUME_CAP`), so up to that volume its rows are the run's first rows."""
    started = time.perf_counter()
    asked = min(max(request.volume or request.rows, request.rows), max_volume)
    volume = min(asked, PREVIEW_VOLUME_CAP)
    generate_request = GenerateDataRequest.model_validate(
        {
            "data_type": DataType.CUSTOM,
            "schema": request.schema_,
            "volume": volume,
            "seed": request.seed,
            "locale": request.locale,
            "compliance_requirements": request.compliance_requirements,
        }
    )
    seed, tables, warnings = preview_tables(generate_request, request.rows)
    if volume < asked:
        warnings.append(
            f"previewed as for {volume:,} records: a run of {asked:,} has the same fields and rules, but some "
            "values (identifiers, sequences) are drawn over the larger volume"
        )
    return PreviewResponse(
        seed=seed,
        tables=[PreviewTable(name=name, columns=columns, rows=rows) for name, (columns, rows) in tables.items()],
        warnings=warnings,
        elapsed_ms=(time.perf_counter() - started) * 1000,
    )
