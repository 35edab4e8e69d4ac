"""Referential integrity across tables, cardinality-driven volumes, skew and self references."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from tests.engine.conftest import field, table

from sdga.engine import BLOCK_ROWS, plan_generation
from sdga.models import GenerateDataRequest


def _req(tables: list[dict[str, Any]], volume: int = 100, seed: int = 1) -> GenerateDataRequest:
    return GenerateDataRequest.model_validate({"volume": volume, "seed": seed, "schema": {"tables": tables}})


def test_every_child_points_at_an_existing_parent() -> None:
    tables = [
        {"name": "users", "volume": 300, "fields": [field("id", "uuid", primary_key=True), field("name", "full_name")]},
        {"name": "accounts", "volume": 500, "fields": [
            field("id", "integer", min=1, max=10**12, unique=True, primary_key=True),
            field("user_id", "reference", references="users.id"),
        ]},
        {"name": "payments", "volume": 2000, "fields": [
            field("id", "pattern", pattern="PAY-[0-9]{8}", unique=True, primary_key=True),
            field("account_id", "reference", references="accounts.id", nullable=True, null_rate=0.1),
            field("user_id", "reference", references="users.id"),
        ]},
    ]  # fmt: skip
    plan = plan_generation(_req(tables))
    users = set(table(plan, "users").column("id").to_pylist())
    accounts = table(plan, "accounts")
    acc_ids = accounts.column("id").to_pylist()
    assert len(set(acc_ids)) == 500
    assert set(accounts.column("user_id").to_pylist()) <= users
    pay = table(plan, "payments")
    fk = pay.column("account_id").to_pylist()
    assert 100 < fk.count(None) < 320
    assert {v for v in fk if v is not None} <= set(acc_ids)
    assert set(pay.column("user_id").to_pylist()) <= users


def test_cardinality_sets_child_volume_and_groups_children() -> None:
    tables = [
        {"name": "users", "fields": [field("id", "uuid", primary_key=True)]},
        {"name": "orders", "fields": [
            field("id", "sequence"),
            field("user_id", "reference", references="users.id",
                  cardinality={"distribution": "uniform", "min": 1, "max": 5}),
        ]},
    ]  # fmt: skip
    volume = BLOCK_ROWS + 500  # parents span two blocks
    plan = plan_generation(_req(tables, volume=volume))
    orders = plan.table("orders")
    assert volume * 1 <= orders.volume <= volume * 5
    assert abs(orders.volume / volume - 3) < 0.05  # uniform 1..5 averages 3
    users = table(plan, "users").column("id").to_pylist()
    fk = table(plan, "orders", batch_size=10_000).column("user_id").to_pylist()
    assert len(fk) == orders.volume
    counts = Counter(fk)
    assert set(counts) == set(users)  # min 1: every user has orders
    assert min(counts.values()) >= 1 and max(counts.values()) <= 5
    # children of one parent are contiguous, parents in order
    firsts = list(dict.fromkeys(fk))
    assert firsts == users


def test_poisson_cardinality_mean() -> None:
    plan = plan_generation(GenerateDataRequest(data_type="transaction", volume=5000, seed=2))
    tx = plan.table("transactions")
    assert 3.6 < tx.volume / 5000 < 4.4


def test_zipf_cardinality_skews_parents() -> None:
    tables = [
        {"name": "products", "volume": 1000, "fields": [field("sku", "pattern", pattern="SKU[0-9]{6}", unique=True)]},
        {"name": "sales", "volume": 20000, "fields": [
            field("sku", "reference", references="products.sku", cardinality={"distribution": "zipf"}),
        ]},
    ]  # fmt: skip
    plan = plan_generation(_req(tables))
    counts = Counter(table(plan, "sales").column("sku").to_pylist())
    top = counts.most_common(10)
    assert top[0][1] > 20 * (20000 / 1000)  # far above the uniform average
    assert set(counts) <= set(table(plan, "products").column("sku").to_pylist())


def test_self_reference() -> None:
    tables = [{"name": "employees", "fields": [
        field("id", "sequence", primary_key=True),
        field("manager_id", "reference", references="employees.id", nullable=True),
    ]}]  # fmt: skip
    plan = plan_generation(_req(tables, volume=400))
    t = table(plan, "employees")
    ids = set(t.column("id").to_pylist())
    assert {m for m in t.column("manager_id").to_pylist() if m is not None} <= ids
    assert plan.tables[0].foreign_keys[0].ref_table == "employees"


def test_reference_to_integer_and_date_keys() -> None:
    tables = [
        {"name": "days", "volume": 300, "fields": [field("day", "date", min="2024-01-01", max="2024-12-31", unique=True)]},
        {"name": "events", "volume": 1000, "fields": [field("day", "reference", references="days.day")]},
    ]  # fmt: skip
    plan = plan_generation(_req(tables))
    days = set(table(plan, "days").column("day").to_pylist())
    assert set(table(plan, "events").column("day").to_pylist()) <= days


def test_child_values_are_parent_values_across_blocks() -> None:
    tables = [
        {"name": "p", "volume": BLOCK_ROWS + 10, "fields": [field("id", "uuid", primary_key=True)]},
        {"name": "c", "volume": 3000, "fields": [field("pid", "reference", references="p.id")]},
    ]  # fmt: skip
    plan = plan_generation(_req(tables))
    parent = table(plan, "p").column("id").to_numpy(zero_copy_only=False)
    child = table(plan, "c").column("pid").to_numpy(zero_copy_only=False)
    assert np.isin(child, parent).all()
