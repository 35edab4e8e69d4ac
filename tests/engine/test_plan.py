"""Everything wrong with a request is caught at planning time, with the field named."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.engine.conftest import field, request

from sdga.engine import plan_generation
from sdga.errors import CapacityError, NotFoundError, SchemaError
from sdga.models import GenerateDataRequest


def _tables(*tables: dict[str, Any], volume: int = 100) -> GenerateDataRequest:
    return GenerateDataRequest.model_validate({"volume": volume, "schema": {"tables": list(tables)}})


@pytest.mark.parametrize(
    ("spec", "volume", "capacity"),
    [
        (field("x", "integer", min=1, max=50, unique=True), 51, 50),
        (field("x", "category", enum=["a", "b"], unique=True), 3, 2),
        (field("x", "string", enum=["a", "b", "c"], unique=True), 4, 3),
        (field("x", "boolean", unique=True), 3, 2),
        (field("x", "pattern", pattern="[AB][0-9]", unique=True), 21, 20),
        (field("x", "date", min="2024-01-01", max="2024-01-31", unique=True), 32, 31),
        (field("x", "ipv4", unique=True), 763, 762),
        (field("x", "credit_card", unique=True), 1000, None),
        (field("x", "decimal", min=0, max=1, precision=1, unique=True), 12, 11),
    ],
)
def test_capacity_errors_name_field_and_capacity(spec: dict[str, Any], volume: int, capacity: int | None) -> None:
    with pytest.raises(CapacityError) as exc:
        plan_generation(request([spec], volume=volume))
    assert "data.x" in exc.value.message
    assert exc.value.details["field"] == "data.x"  # type: ignore[index]
    if capacity is not None:
        assert exc.value.details["capacity"] == capacity  # type: ignore[index]
        assert f"{capacity:,}" in exc.value.message


def test_capacity_at_the_limit_is_fine() -> None:
    plan_generation(request([field("x", "integer", min=1, max=50, unique=True)], volume=50))


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        (field("x", "nonsense"), "unknown type"),
        (field("x", "integer", min=10, max=1), "greater than max"),
        (field("x", "date", min="2025-01-01", max="2024-01-01"), "after max"),
        (field("x", "date", min="yesterday-ish"), "cannot read date bound"),
        (field("x", "pattern"), "needs constraints.pattern"),
        (field("x", "pattern", pattern=r"(a)\1"), "unsupported"),
        (field("x", "pattern", pattern=r"(?=a)b"), "unsupported"),
        (field("x", "pattern", pattern="[a-"), "invalid regular expression"),
        (field("x", "category"), "needs constraints.enum"),
        (field("x", "category", enum=["a", "b"], weights=[1]), "weights"),
        (field("x", "category", enum=["a"], weights=[-1]), "non-negative"),
        (field("x", "object"), "needs 'fields'"),
        (field("x", "array"), "needs 'items'"),
        (field("x", "faker:no_such_method"), "no provider method"),
        (field("x", "faker:_private"), "does not name"),
        (field("x", "string", min_length=5, max_length=2), "min_length"),
        (field("x", "phone", format="weird"), "phone format"),
        (field("x", "email", unique=True, edge_cases=["empty"]), "cannot inject edge cases"),
        (field("x", "array", items=field("i", "integer", unique=True)), "inside an array"),
        (field("x", "string", distribution={"kind": "normal"}), "distributions apply"),
        (field("x", "reference"), "needs `references"),
        (field("x", "pattern", pattern=r"\d?\d?", unique=True), "ambiguous"),
    ],
)
def test_schema_errors(spec: dict[str, Any], needle: str) -> None:
    with pytest.raises(SchemaError) as exc:
        plan_generation(request([spec], volume=10))
    assert needle in exc.value.message
    assert re.search(r"'(data\.)?x(\[\])?'", exc.value.message), exc.value.message


def test_duplicate_field_names() -> None:
    with pytest.raises(SchemaError, match="two fields named"):
        plan_generation(request([field("a", "integer"), field("a", "string")]))


def test_unsupported_locale() -> None:
    with pytest.raises(SchemaError, match="unsupported locale"):
        plan_generation(request([field("a", "integer")], locale="xx_XX"))


def test_unknown_template() -> None:
    from sdga.engine.templates import get_template

    with pytest.raises(NotFoundError, match="user_profile"):
        get_template("nope")


def test_reference_errors() -> None:
    users = {"name": "users", "fields": [field("id", "uuid", primary_key=True), field("email", "email")]}
    bad_table = {"name": "orders", "fields": [field("uid", "reference", references="people.id")]}
    with pytest.raises(SchemaError, match="not in the schema"):
        plan_generation(_tables(users, bad_table))
    bad_field = {"name": "orders", "fields": [field("uid", "reference", references="users.nope")]}
    with pytest.raises(SchemaError, match="does not exist"):
        plan_generation(_tables(users, bad_field))
    not_key = {"name": "orders", "fields": [field("uid", "reference", references="users.email")]}
    with pytest.raises(SchemaError, match="not a key"):
        plan_generation(_tables(users, not_key))
    malformed = {"name": "orders", "fields": [field("uid", "reference", references="users")]}
    with pytest.raises(SchemaError, match=r"table\.field"):
        plan_generation(_tables(users, malformed))


def test_reference_to_an_empty_table() -> None:
    users = {"name": "users", "volume": 0, "fields": [field("id", "uuid", primary_key=True)]}
    orders = {"name": "orders", "fields": [field("uid", "reference", references="users.id")]}
    with pytest.raises(SchemaError, match="no rows"):
        plan_generation(_tables(users, orders))


def test_reference_cycle() -> None:
    a = {"name": "a", "fields": [field("id", "uuid", primary_key=True), field("b_id", "reference", references="b.id")]}
    b = {"name": "b", "fields": [field("id", "uuid", primary_key=True), field("a_id", "reference", references="a.id")]}
    with pytest.raises(SchemaError, match="cycle"):
        plan_generation(_tables(a, b))


def test_correlation_errors() -> None:
    base = [field("a", "float"), field("b", "float"), field("c", "city"), field("d", "integer")]

    def req(fields: list[str], matrix: list[list[float]]) -> GenerateDataRequest:
        return GenerateDataRequest.model_validate(
            {"volume": 10, "schema": {"fields": base, "correlations": [{"fields": fields, "matrix": matrix}]}}
        )

    with pytest.raises(SchemaError, match="not symmetric"):
        plan_generation(req(["a", "b"], [[1, 0.5], [0.2, 1]]))
    with pytest.raises(SchemaError, match="positive semi-definite"):
        plan_generation(req(["a", "b", "d"], [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]))
    with pytest.raises(SchemaError, match="outside"):
        plan_generation(req(["a", "b"], [[1, 2], [2, 1]]))
    with pytest.raises(SchemaError, match="numeric"):
        plan_generation(req(["a", "c"], [[1, 0.5], [0.5, 1]]))
    with pytest.raises(SchemaError, match="unknown field"):
        plan_generation(req(["a", "zz"], [[1, 0.5], [0.5, 1]]))


def test_plan_shape() -> None:
    plan = plan_generation(GenerateDataRequest(data_type="transaction", volume=50, seed=3))
    assert [t.name for t in plan.tables] == ["users", "transactions"]
    users, tx = plan.tables
    assert users.volume == 50 and users.primary_key == ["id"]
    assert tx.foreign_keys[0].ref_table == "users" and tx.foreign_keys[0].ref_column == "id"
    assert tx.arrow_schema.field("user_id").type == users.arrow_schema.field("id").type
    assert tx.arrow_schema.field("user_id").metadata[b"sdga_references"] == b"users.id"
    assert plan.seed == 3 and plan.total_records == users.volume + tx.volume


def test_parents_first_whatever_the_declaration_order() -> None:
    child = {"name": "orders", "fields": [field("id", "sequence"), field("uid", "reference", references="users.id")]}
    parent = {"name": "users", "fields": [field("id", "integer", min=1, max=10**9, unique=True)]}
    plan = plan_generation(_tables(child, parent))
    assert [t.name for t in plan.tables] == ["users", "orders"]
