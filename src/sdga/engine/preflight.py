"""Preflight: plan a request, then generate a few rows of every table before any output is opened.

The planner checks what can be checked on the schema alone; a few real rows surface whatever else
would stop the generation (a Faker method that fails, a date format Arrow rejects) while nothing has
been written yet. :func:`plan_generation` is the engine's one entry point for both.
"""

from __future__ import annotations

from sdga.engine.generate import generate_rows
from sdga.engine.plan import GenerationPlan, build_plan
from sdga.models.generation import GenerateDataRequest

DRY_RUN_ROWS = 3


def dry_run(plan: GenerationPlan) -> None:
    """Generate a couple of rows of every table so that any remaining field error surfaces now."""
    for t in plan.tables:
        if t.volume:
            generate_rows(plan, t.name, 0, min(DRY_RUN_ROWS, t.volume))


def plan_generation(request: GenerateDataRequest) -> GenerationPlan:
    """Check the request, lay out every table (:func:`sdga.engine.plan.build_plan`) and dry-run it."""
    plan = build_plan(request)
    dry_run(plan)
    return plan
