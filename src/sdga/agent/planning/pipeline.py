"""The offline planner: a plain-English request to a :class:`Plan`, deterministically, in named stages.

normalise -> refuse -> settings -> entities -> schema choice or composition -> counts -> constraints ->
bare counts -> volumes -> consistency check -> explanation. Each stage is its own module and reads or
fills the same :class:`~sdga.agent.planning.state.PlanState`; the vocabulary it uses is data
(``planning/data/*.yaml``). No model, no network: the same words always give the same plan (``today``
fixes date arithmetic). A follow-up ("make it 10k and add a loyalty tier") edits the previous plan.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sdga.agent.planning import consistency, constraints, counts, entities, explain, gate, normalise, schema_choice
from sdga.agent.planning import settings as request_settings
from sdga.agent.planning.model import ClarificationNeeded, NothingToChange, Plan, PlanningError
from sdga.agent.planning.state import PlannerContext, PlanState
from sdga.knowledge.retriever import Retriever

STAGES: list[tuple[str, Callable[[PlanState], None]]] = [
    ("normalise", normalise.run),
    ("refuse", gate.run),
    ("settings", request_settings.run),
    ("entities", entities.run),
    ("schema choice", schema_choice.run),
    ("counts", counts.bind_named),
    ("constraints", constraints.run),
    ("bare counts", counts.bind_bare),
    ("volumes", counts.apply),
    ("consistency", consistency.run),
]


class OfflinePlanner:
    """Deterministic request planner over the knowledge base (see the module docstring)."""

    def __init__(self, retriever: Retriever | None = None, *, today: date | None = None) -> None:
        if retriever is None:
            from sdga.knowledge.retriever import get_retriever

            retriever = get_retriever()
        self.retriever = retriever
        self.today = today or date.today()
        self.ctx = PlannerContext(retriever, self.today)

    @property
    def templates(self) -> dict[str, object]:
        return dict(self.ctx.templates)

    def plan(self, prompt: str, previous: Plan | None = None) -> Plan:
        """Turn ``prompt`` into a plan; with ``previous``, treat it as a follow-up that edits that plan.

        Raises :class:`~sdga.agent.planning.model.RefusalError`, :class:`ConflictError` or
        :class:`ClarificationNeeded` (all :class:`PlanningError`) when it must not or cannot plan.
        """
        try:
            return self._plan(prompt, previous)
        except NothingToChange:
            # Nothing in it edits the current plan: it may be a new request of its own ("wine cellar
            # inventory" after a plan of orders). Plan it afresh when that finds a subject.
            try:
                return self._plan(prompt, None)
            except ClarificationNeeded as exc:
                if exc.question.reason == "no_template":
                    raise
            except PlanningError:
                pass
            raise

    def _plan(self, prompt: str, previous: Plan | None) -> Plan:
        state = PlanState(prompt=prompt or "", previous=previous, ctx=self.ctx)
        for _name, stage in STAGES:
            stage(state)
        return explain.build(state)


def plan_request(prompt: str, previous: Plan | None = None, *, retriever: Retriever | None = None) -> Plan:
    """Convenience: one planner call with the configured knowledge base."""
    return OfflinePlanner(retriever).plan(prompt, previous)
