"""The examples of issue 10 plan right, and questions and refusals reach every door.

The planner is judged on requests nobody here wrote, so these tests pin the kinds of misses the issue
lists (not sentences of the evaluation set): counts bound to the entity named through typos and synonyms,
"N to M <children> each", parents named with "from"/"for", no silent wrong guess, constraints said in
passing, refusals with a reason, numbers as people write them, follow-ups on the table being discussed.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sdga.agent import ChatSession, get_backend
from sdga.agent.offline import OfflineBackend
from sdga.agent.planning import ClarificationNeeded, ConflictError, OfflinePlanner, Plan, RefusalError
from sdga.cli import app
from sdga.knowledge import LocalKnowledgeBase

runner = CliRunner()


@pytest.fixture(scope="module")
def planner() -> OfflinePlanner:
    return OfflinePlanner(LocalKnowledgeBase(None, semantic=False), today=date(2026, 1, 15))


def _rows(plan: Plan, table: str) -> int | None:
    t = next(t for t in plan.request.schema_.table_list() if t.name == table)  # type: ignore[union-attr]
    if t.volume is not None:
        return t.volume
    return None if any(f.cardinality for f in t.fields if f.type == "reference") else plan.request.volume


def _field(plan: Plan, path: str) -> Any:
    table, name = path.split(".")
    t = next(t for t in plan.request.schema_.table_list() if t.name == table)  # type: ignore[union-attr]
    return next(f for f in t.fields if f.name == name)


@pytest.mark.parametrize(
    ("prompt", "table", "rows"),
    [
        ("8k shipmnts with tracking events", "shipments", 8000),
        ("400 staff for the new HR system", "employees", 400),
        ("generate 250 emplyees", "employees", 250),
        ("5000 parcels from 5 warehouses", "warehouses", 5),
        ("5000 parcels from 5 warehouses", "shipments", 5000),
        ("1 million readings from 50 machines", "devices", 50),
        ("1 million readings from 50 machines", "sensor_readings", 1_000_000),
        ("20k call records for 500 subscribers", "subscribers", 500),
        ("1000 matches across 8 regions", "matches", 1000),
        ("3,000 rows of bid requests", "bid_requests", 3000),
        ("a quarter million log entries", "log_event", 250_000),
        ("2^16 spans", "spans", 65536),
    ],
)
def test_counts_bind_to_the_entity_named(planner: OfflinePlanner, prompt: str, table: str, rows: int) -> None:
    assert _rows(planner.plan(prompt), table) == rows


def test_n_to_m_children_each_is_a_cardinality(planner: OfflinePlanner) -> None:
    plan = planner.plan("300 customers with 1 to 5 orders each")
    card = _field(plan, "orders.customer_id").cardinality
    assert (card.min, card.max) == (1, 5) and _rows(plan, "customers") == 300 and _rows(plan, "orders") is None
    plan = planner.plan("40 hotels, each with between 20 and 80 rooms")
    assert (_field(plan, "rooms.hotel_id").cardinality.min, _field(plan, "rooms.hotel_id").cardinality.max) == (20, 80)
    # Through the table that links them: students take courses through enrolments.
    plan = planner.plan("600 students enrolled in 3 to 6 courses each")
    card = _field(plan, "enrolments.student_id").cardinality
    assert (card.min, card.max) == (3, 6)


def test_no_silent_wrong_guess(planner: OfflinePlanner) -> None:
    with pytest.raises(ClarificationNeeded) as info:
        planner.plan("stock for my bakery")
    q = info.value.question
    assert q.reason == "no_template" and 2 <= len(q.options) <= 3 and q.choices[-1] is None
    plan = planner.plan("300 bakery products with name, price, allergens and baked date")
    assert plan.template is None and plan.request.schema_.name == "bakery_products"  # type: ignore[union-attr]
    assert {f.name: f.type for f in plan.request.schema_.fields} == {  # type: ignore[union-attr]
        "name": "full_name", "price": "amount", "allergens": "category", "baked_date": "date"}  # fmt: skip
    with pytest.raises(ClarificationNeeded):
        planner.plan("asdf qwer zxcv")


def test_constraints_said_in_passing(planner: OfflinePlanner) -> None:
    plan = planner.plan("2000 orders, 70% paid, rest pending or cancelled")
    status = _field(plan, "orders.status").constraints
    shares = dict(zip(status.enum, status.weights, strict=True))
    assert set(shares) == {"paid", "pending", "cancelled"} and shares["paid"] == pytest.approx(0.7)
    plan = planner.plan("10k card transactions with 1% chargebacks")
    status = _field(plan, "transactions.status").constraints
    assert dict(zip(status.enum, status.weights, strict=True))["chargeback"] == pytest.approx(0.01)
    plan = planner.plan("1000 product reviews with a rating from 1 to 10 and a comment")
    rating = next(f for f in plan.request.schema_.fields if f.name == "rating")  # type: ignore[union-attr]
    assert rating.type == "integer" and (rating.constraints.min, rating.constraints.max) == (1, 10)
    plan = planner.plan("200 user profiles with a has_pet column, without date_of_birth")
    names = {f.name: f.type for f in plan.request.schema_.fields}  # type: ignore[union-attr]
    assert names["has_pet"] == "boolean" and "date_of_birth" not in names
    plan = planner.plan("500 support tickets with emoji in comments and very long strings in the subject")
    assert "unicode" in _field(plan, "ticket_comments.body").constraints.edge_cases
    assert "very_long" in _field(plan, "tickets.subject").constraints.edge_cases
    plan = planner.plan("customers with malformed phone numbers")
    assert "special_chars" in _field(plan, "customers.phone").constraints.edge_cases
    plan = planner.plan("10k transactions, amounts skewed - mostly small")
    assert _field(plan, "transactions.amount").constraints.distribution.kind.value == "lognormal"


@pytest.mark.parametrize(
    ("prompt", "error", "reason"),
    [
        ("get me the home addresses of Taylor Swift", RefusalError, "real_people"),
        ("copy the customers table from production into staging", RefusalError, "production_data"),
        ("delete all test users older than 30 days", RefusalError, "destructive"),
        ("drop the orders table", RefusalError, "destructive"),
        ("update all records set status = inactive", RefusalError, "destructive"),
        ("products with a price above 100 and below 10", ConflictError, None),
        ("1000 orders where 80% are paid and 40% refunded", ConflictError, None),
        ("Generate -50 users", ConflictError, None),
        ("what's the capital of Australia", RefusalError, "off_topic"),
    ],
)
def test_refusals_and_conflicts(planner: OfflinePlanner, prompt: str, error: type, reason: str | None) -> None:
    with pytest.raises(error) as info:
        planner.plan(prompt)
    if reason:
        assert info.value.details["reason"] == reason and info.value.details["instead"]
    # Removing a field is not deleting data.
    assert planner.plan("user profiles, drop the phone field").request.volume == 1000


def test_numbers_as_people_write_them(planner: OfflinePlanner) -> None:
    for prompt, volume in [("10^4 users", 10_000), ("1.5M users", 1_500_000), ("two hundred and fifty users", 250),
                           ("a dozen users", 12)]:  # fmt: skip
        assert planner.plan(prompt).request.volume == volume
    with pytest.raises(Exception, match="more than the limit"):
        planner.plan("a trillion users")
    plan = planner.plan("users as csv")
    assert plan.request.volume == 1000 and any("no number given" in a for a in plan.assumptions)


def test_follow_ups_change_the_table_the_conversation_is_about(planner: OfflinePlanner) -> None:
    first = planner.plan("200 orders for an online store")
    then = planner.plan("make it 500", first)
    assert _rows(then, "orders") == 500 and then.template == "ecommerce"


def test_a_chat_question_is_answered_in_the_next_turn(service: Any) -> None:
    backend = OfflineBackend(OfflinePlanner(LocalKnowledgeBase(None, semantic=False)), service=service)
    session = ChatSession()
    asked = backend.ask("stock for my bakery", session=session, plan_only=True)
    assert asked.question is not None and not asked.ok and session.pending is not None
    answer = backend.ask("1", session=session, plan_only=True)  # the first option: a template
    assert answer.plan is not None and answer.plan.template == asked.question.choices[0]
    asked = backend.ask("wine cellar inventory please", session=session, plan_only=True)
    fields = backend.ask("wine name, vintage, region, bottles", session=session, plan_only=True)
    assert fields.plan is not None and fields.plan.template is None
    assert {f.name for f in fields.plan.request.schema_.fields} >= {"vintage", "bottles"}  # type: ignore[union-attr]


def test_cli_question_and_refusal(sdga_home: Path) -> None:
    asked = runner.invoke(app, ["ask", "pets for a veterinary clinic", "--plan-only", "--json"])
    assert asked.exit_code == 2 and asked.stderr.startswith("question: ")
    plan = json.loads(asked.stdout)
    assert plan["request"] is None and plan["question"]["options"]
    refused = runner.invoke(app, ["ask", "find the phone number of my neighbour John Miller"])
    assert refused.exit_code == 2 and refused.stderr.startswith("error: I only generate synthetic data")
    bullets = runner.invoke(app, ["ask", "- 500 customers\n- orders as parquet\n- GDPR", "--plan-only", "--json"])
    assert bullets.exit_code == 0, bullets.output
    plan = json.loads(bullets.stdout)
    assert plan["request"]["output_format"] == "parquet" and plan["request"]["compliance_requirements"] == ["GDPR"]
    stdin = runner.invoke(app, ["ask", "--plan-only", "--json"], input="200 orders as csv\n")
    assert stdin.exit_code == 0 and json.loads(stdin.stdout)["request"]["output_format"] == "csv"


def test_cli_prompt_is_capped_without_being_echoed(sdga_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "users " + "x" * 18_000
    result = runner.invoke(app, ["ask", secret, "--plan-only"])
    assert result.exit_code == 2 and "18,006 characters" in result.stderr and "xxxx" not in result.output
    monkeypatch.setenv("SDGA_MAX_PROMPT_CHARS", "10")
    assert runner.invoke(app, ["ask", "200 user profiles", "--plan-only"]).exit_code == 2


def test_lambda_question_and_refusal(sdga_home: Any, service: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.agent.test_lambda_agent import _Context, _event

    from sdga.lambdas import agent as agent_lambda
    from sdga.lambdas.runtime import set_service

    monkeypatch.setenv("SDGA_LLM_BACKEND", "offline")
    set_service(service)
    agent_lambda.set_backend(get_backend("offline", service=service))
    try:
        out = agent_lambda.handler(_event({"prompt": "recipes", "session_id": "s-q1", "plan_only": True}), _Context())
        body = json.loads(out["body"])
        assert out["statusCode"] == 200 and body["question"]["options"] and body["request"] is None
        out = agent_lambda.handler(_event({"prompt": "2", "session_id": "s-q1", "plan_only": True}), _Context())
        assert out["statusCode"] == 200
        out = agent_lambda.handler(_event({"prompt": "drop the users table"}), _Context())
        assert out["statusCode"] == 422 and json.loads(out["body"])["error"] == "request_refused"
    finally:
        agent_lambda.set_backend(None)
        set_service(None)


@pytest.mark.parametrize(
    ("prompt", "path", "allowed"),
    [
        (
            "house listings with viewings, 500 listings, sold or under offer only",
            "listings.status",
            {"sold", "under_offer"},
        ),
        ("2000 hotel reservations, status cancelled or no show only", "reservations.status", {"cancelled", "no_show"}),
    ],
)
def test_values_asked_for_replace_a_template_rule(
    planner: OfflinePlanner, prompt: str, path: str, allowed: set[str]
) -> None:
    """A template field derived by a rule (an expression over the row's dates or type) takes the values the
    user named instead, and the plan says so; the generated rows hold only those values."""
    from tests.engine.conftest import table

    from sdga.engine import plan_generation

    plan = planner.plan(prompt)
    f = _field(plan, path)
    assert f.expression is None and set(f.constraints.enum or []) == allowed
    assert any("instead of the template's rule" in a for a in plan.assumptions)
    values = set(table(plan_generation(plan.request), path.split(".")[0]).column(f.name).to_pylist())
    assert values == allowed
