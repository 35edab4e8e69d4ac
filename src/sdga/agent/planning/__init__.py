"""Planning: a plain-English request to a runnable :class:`Plan`, a :class:`Question` or a refusal.

The pipeline is in :mod:`sdga.agent.planning.pipeline`; each stage is a module of this package and the
vocabulary is data in ``data/``.
"""

from sdga.agent.planning.model import (
    EXAMPLES,
    ClarificationNeeded,
    ConflictError,
    Plan,
    PlanningError,
    Question,
    RefusalError,
)
from sdga.agent.planning.pipeline import STAGES, OfflinePlanner, plan_request
from sdga.models import Schema

__all__ = [
    "EXAMPLES",
    "STAGES",
    "ClarificationNeeded",
    "ConflictError",
    "OfflinePlanner",
    "Plan",
    "PlanningError",
    "Question",
    "RefusalError",
    "plan_request",
    "schema_of",
]


def schema_of(plan: Plan) -> Schema:
    """The plan's schema (always present: the planner embeds the template it chose)."""
    assert plan.request.schema_ is not None
    return plan.request.schema_
