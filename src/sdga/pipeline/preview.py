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


def preview(request: PreviewRequest, *, max_volume: int) -> PreviewResponse:
    """The preview of ``request``: the volume it names (at least its rows, at most ``max_volume``) sizes
    capacities and child counts as the run would."""
    started = time.perf_counter()
    volume = min(max(request.volume or request.rows, request.rows), max_volume)
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
    return PreviewResponse(
        seed=seed,
        tables=[PreviewTable(name=name, columns=columns, rows=rows) for name, (columns, rows) in tables.items()],
        warnings=warnings,
        elapsed_ms=(time.perf_counter() - started) * 1000,
    )
