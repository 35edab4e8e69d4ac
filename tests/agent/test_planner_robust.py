"""Whatever is typed, the planner answers with a plan or a PlanningError: never a crash."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sdga.agent.planning import OfflinePlanner, PlanningError
from sdga.agent.planning.numbers import normalize_numbers, parse_number
from sdga.knowledge import LocalKnowledgeBase

PLANNER = OfflinePlanner(LocalKnowledgeBase(None), today=date(2026, 1, 15))
WORDS = [
    "generate", "10k", "users", "patients", "as", "csv", "parquet", "with", "fields", "name", "email", "and",
    "ages", "18", "to", "65", "10%", "without", "phone", "GDPR", "HIPAA", "s3://b/p", "postgres://u@h/db",
    "add", "a", "loyalty", "tier", "remove", "the", "ssn", "field", "German", "UK", "seed", "42", "orders",
    "one", "of", "x", "y", "or", "z", "unique", "over", "-5", "2.5", "million", "five", "thousand", ",", ";",
]  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(WORDS), max_size=18), st.booleans())
def test_word_salad_never_crashes(words: list[str], follow_up: bool) -> None:
    text = " ".join(words)
    previous = PLANNER.plan("100 user profiles") if follow_up else None
    try:
        plan = PLANNER.plan(text, previous)
    except PlanningError as exc:
        assert exc.message
    else:
        assert plan.request.volume >= 1


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80))
def test_any_text_never_crashes(text: str) -> None:
    with contextlib.suppress(PlanningError):
        PLANNER.plan(text)


def test_numbers() -> None:
    cases = {
        "5,000": 5000, "10k": 10_000, "2.5 million": 2_500_000, "five thousand": 5000, "a dozen": 12,
        "twenty-five thousand": 25_000, "half a million": 500_000, "1.5M": 1_500_000, "1e6": 1_000_000,
        "two hundred and fifty": 250, "3 bn": 3_000_000_000, "100K": 100_000,
    }  # fmt: skip
    for text, value in cases.items():
        assert parse_number(text) == value, text
    assert parse_number("lots") is None
    assert normalize_numbers("ages 18 to 65, 12.5% missing") == "ages 18 to 65, 12.5% missing"
    assert normalize_numbers("thousands of users") == "thousands of users"


def test_value_shares_keep_the_other_values_relative_weights() -> None:
    planner = OfflinePlanner(LocalKnowledgeBase(None, semantic=False))
    plan = planner.plan("2000 orders, 10% returned and 5% cancelled")
    status = next(
        f for t in plan.request.schema_.tables or [] if t.name == "orders" for f in t.fields if f.name == "status"
    )  # type: ignore[union-attr]
    weights = dict(zip(status.constraints.enum or [], status.constraints.weights or [], strict=True))
    assert weights["returned"] == pytest.approx(0.10) and weights["cancelled"] == pytest.approx(0.05)
    # the template's 5:10:15:60 for pending:paid:shipped:delivered shares the remaining 85%
    assert weights["delivered"] == pytest.approx(0.85 * 60 / 90) and weights["pending"] == pytest.approx(0.85 * 5 / 90)
    assert sum(weights.values()) == pytest.approx(1.0)
    with pytest.raises(PlanningError, match="more than 100%"):
        planner.plan("orders, 80% returned and 30% cancelled")
