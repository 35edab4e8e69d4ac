"""Templates are listable, load as schemas, plan and generate; the core three have their promised shape."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest
from tests.engine.conftest import table

from sdga.engine import plan_generation
from sdga.engine.templates import get_template, list_templates
from sdga.models import GenerateDataRequest, Schema

CORE = ("user_profile", "transaction", "log_event")


def test_core_templates_are_listed() -> None:
    infos = {t.name: t for t in list_templates()}
    for name in CORE:
        assert name in infos and infos[name].description and infos[name].data_type == name


@pytest.mark.parametrize("name", [t.name for t in list_templates()])
def test_every_template_plans_and_generates(name: str) -> None:
    schema = get_template(name)
    assert isinstance(schema, Schema)
    plan = plan_generation(
        GenerateDataRequest.model_validate({"volume": 50, "schema": schema.model_dump(by_alias=True)})
    )
    for t in plan.tables:
        assert table(plan, t.name).num_rows == t.volume


def test_user_profile_has_the_benchmark_columns() -> None:
    plan = plan_generation(GenerateDataRequest(data_type="user_profile", volume=2000))
    t = table(plan)
    assert t.column_names == [
        "id", "first_name", "last_name", "email", "phone", "address", "date_of_birth", "age", "balance",
        "is_active", "status", "created_at",
    ]  # fmt: skip
    rows = t.to_pylist()
    assert len({r["email"] for r in rows}) == 2000
    assert all(18 <= r["age"] <= 85 and 1939 <= r["date_of_birth"].year <= 2007 for r in rows)
    # Age follows the date of birth exactly: whole years at the 2025-01-01 anchor.
    anchor = date(2025, 1, 1)
    years = [
        anchor.year - r["date_of_birth"].year - ((r["date_of_birth"].month, r["date_of_birth"].day) > (1, 1))
        for r in rows
    ]
    assert [r["age"] for r in rows] == years
    assert t.schema.field("balance").type == pa.decimal128(18, 2)


def test_user_profile_ages_are_exact_on_every_birthday() -> None:
    """Births on 1 and 2 January (the days around the anchor) and 29 February included: every age exact,
    and every day of each age's year of births possible."""
    plan = plan_generation(GenerateDataRequest(data_type="user_profile", volume=200_000, seed=5))
    t = table(plan)
    births, ages = t.column("date_of_birth").to_pylist(), t.column("age").to_pylist()
    exact = [2025 - b.year - ((b.month, b.day) > (1, 1)) for b in births]
    assert ages == exact
    days = {(b.month, b.day) for b in births}
    assert {(1, 1), (1, 2), (2, 29), (12, 31)} <= days and len(days) == 366
    assert min(births) == date(1939, 1, 2) and max(births) == date(2007, 1, 1)  # ages 85 and 18


def test_log_event_is_nested() -> None:
    plan = plan_generation(GenerateDataRequest(data_type="log_event", volume=100))
    t = table(plan)
    assert pa.types.is_struct(t.schema.field("http").type)
    assert pa.types.is_list(t.schema.field("tags").type)
    assert t.column("user_id").null_count > 0


def test_template_is_used_when_no_schema() -> None:
    plan = plan_generation(GenerateDataRequest(data_type="transaction", volume=20))
    assert {t.name for t in plan.tables} == {"users", "transactions"}
