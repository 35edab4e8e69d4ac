"""The planner against the evaluation set: floors for the public part and the held-out part.

The held-out requests were written with the public ones and never used to tune the planner; a floor on
them guards against changes that fit the public requests at the expense of unseen ones.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sdga.agent.evaluation import DIMENSIONS, evaluate, load_cases
from sdga.agent.planning import OfflinePlanner
from sdga.knowledge import LocalKnowledgeBase

EVAL = Path(__file__).parent / "eval"


@pytest.fixture(scope="module")
def planner() -> OfflinePlanner:
    return OfflinePlanner(LocalKnowledgeBase(None, semantic=False), today=date(2026, 1, 15))


def test_the_set_is_big_and_varied() -> None:
    public, held = load_cases(EVAL / "public.yaml"), load_cases(EVAL / "heldout.yaml")
    assert len(public) + len(held) >= 150 and len(held) >= 50
    cases = public + held
    outcomes = [c["expect"].get("outcome", "plan") for c in cases]
    assert outcomes.count("refusal") >= 15 and outcomes.count("question") >= 15
    assert sum(1 for c in cases if c["expect"].get("template") == "custom") >= 10
    assert sum(1 for c in cases if "steps" in c) >= 8
    assert sum(1 for c in cases if str(c.get("prompt", "")).lstrip().startswith(("-", "*", "•", "1."))) >= 6
    assert len({c["id"] for c in cases}) == len(cases)


@pytest.mark.parametrize(("name", "floor"), [("public", 0.95), ("heldout", 0.85)])
def test_exact_match_floor(planner: OfflinePlanner, name: str, floor: float) -> None:
    report = evaluate(planner, load_cases(EVAL / f"{name}.yaml"), name)
    misses = [(r.id, r.problems) for r in report.results if not r.exact]
    assert report.exact >= floor, misses
    assert set(report.accuracy()) == set(DIMENSIONS)
