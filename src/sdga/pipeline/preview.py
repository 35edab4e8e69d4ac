"""The first rows of a request's tables, made in memory for the web UI's live preview."""

from __future__ import annotations

from typing import Any

from sdga.models import GenerateDataRequest


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
