"""A 1,000,000-row child table with every kind of rule, streamed batch by batch and checked with Polars.

Customers live in five countries (geography), their orders (10 per customer, 1M rows) come after the
signup (``after`` with a lag, a lookup into the parent), take the customer's currency (a lookup), derive
their amount (an expression), carry a refund only when refunded and never above the amount (``when`` and
``max_expr``), and the customers count and total their orders (aggregates). The orders are streamed and
checked one batch at a time against the customers' table (100,000 rows), the aggregates against sums
accumulated per batch: memory stays a few blocks whatever the volume (Arrow's allocations are sampled).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pytest

from sdga.engine import iter_batches, plan_generation
from sdga.models import GenerateDataRequest

CUSTOMERS = 100_000
PER_CUSTOMER = 10
COUNTRIES = ["US", "DE", "FR", "GB", "JP"]
CURRENCY = {"US": "USD", "DE": "EUR", "FR": "EUR", "GB": "GBP", "JP": "JPY"}

SCHEMA: dict[str, Any] = {
    "tables": [
        {
            "name": "customers",
            "volume": CUSTOMERS,
            "fields": [
                {"name": "customer_id", "type": "uuid", "primary_key": True},
                {"name": "country_code", "type": "country_code",
                 "constraints": {"enum": COUNTRIES, "weights": [4, 2, 2, 1, 1]}},
                {"name": "city", "type": "city"},
                {"name": "postal_code", "type": "postal_code"},
                {"name": "currency", "type": "currency_code"},
                {"name": "signup_date", "type": "date", "constraints": {"min": "2020-01-01", "max": "2024-06-30"}},
                {"name": "order_count", "type": "integer", "expression": "count(orders)"},
                {"name": "refunded_orders", "type": "integer",
                 "expression": "count(orders, where=\"status == 'refunded'\")"},
                {"name": "spent", "type": "amount", "expression": "sum(orders.amount)"},
            ],
        },
        {
            "name": "orders",
            "fields": [
                {"name": "order_id", "type": "uuid", "primary_key": True},
                {"name": "customer_id", "type": "reference", "references": "customers.customer_id",
                 "cardinality": {"min": PER_CUSTOMER, "max": PER_CUSTOMER}},
                {"name": "ordered_at", "type": "datetime", "after": "customer_id.signup_date",
                 "lag": {"min": "1h", "max": "400d"},
                 "constraints": {"profile": "retail", "max": "2025-06-30T23:59:59"}},
                {"name": "currency", "type": "currency_code", "expression": "customer_id.currency"},
                {"name": "quantity", "type": "integer",
                 "constraints": {"min": 1, "max": 9, "distribution": {"kind": "zipf", "exponent": 2.0}}},
                {"name": "unit_price", "type": "amount",
                 "constraints": {"min": 1, "max": 900, "precision": 2,
                                 "distribution": {"kind": "lognormal", "mean": 40, "std": 50}}},
                {"name": "amount", "type": "amount", "expression": "quantity * unit_price"},
                {"name": "status", "type": "category",
                 "constraints": {"enum": ["paid", "shipped", "refunded", "cancelled"], "weights": [50, 38, 7, 5]}},
                {"name": "refund", "type": "amount", "when": "status == 'refunded'",
                 "constraints": {"min": 0.01, "precision": 2, "max_expr": "amount"}},
                {"name": "shipping_fee", "type": "amount", "when": "amount < 50", "otherwise": "0",
                 "constraints": {"min": 2.5, "max": 9.9, "precision": 2}},
            ],
        },
    ]
}  # fmt: skip


@pytest.mark.slow
def test_a_million_orders_stream_with_every_rule_holding() -> None:
    started = time.perf_counter()
    plan = plan_generation(GenerateDataRequest.model_validate({"schema": SCHEMA, "volume": 1, "seed": 13}))
    assert plan.table("orders").volume == CUSTOMERS * PER_CUSTOMER
    customers = pl.from_arrow(pa.Table.from_batches(list(iter_batches(plan, "customers"))))
    assert isinstance(customers, pl.DataFrame) and customers.height == CUSTOMERS
    # Geography: every customer's currency is its country's.
    expected_currency = customers["country_code"].replace_strict(CURRENCY)
    assert (customers["currency"] == expected_currency).all()
    assert customers["city"].null_count() == 0
    parents = customers.select(
        "customer_id", "signup_date", pl.col("currency").alias("customer_currency"), "country_code"
    )

    totals: list[pl.DataFrame] = []
    rows = 0
    peak = 0
    for batch in iter_batches(plan, "orders", batch_size=50_000):
        peak = max(peak, pa.total_allocated_bytes())
        orders = pl.from_arrow(batch)
        assert isinstance(orders, pl.DataFrame)
        rows += orders.height
        o = orders.join(parents, on="customer_id", how="left")
        assert o["signup_date"].null_count() == 0, "an order references no customer"
        broken = o.filter(
            # after the signup by at least an hour (a lookup into the parent) and within 400 days
            (pl.col("ordered_at") < pl.col("signup_date").cast(pl.Datetime("us", "UTC")) + pl.duration(hours=1))
            | (pl.col("ordered_at") > pl.col("signup_date").cast(pl.Datetime("us", "UTC")) + pl.duration(days=400))
            | (pl.col("currency") != pl.col("customer_currency"))  # the customer's currency
            | (pl.col("amount") != pl.col("quantity") * pl.col("unit_price"))  # derived, exact decimals
            | ((pl.col("status") == "refunded") != pl.col("refund").is_not_null())  # conditional
            | (pl.col("refund") > pl.col("amount"))
            | ((pl.col("amount") >= 50) & (pl.col("shipping_fee") != 0))
            | ((pl.col("amount") < 50) & ~pl.col("shipping_fee").is_between(2.5, 9.9))
        )
        assert broken.height == 0, broken.head(3).to_dicts()
        totals.append(
            orders.group_by("customer_id").agg(
                n=pl.len(), refunded=(pl.col("status") == "refunded").sum(), spent=pl.col("amount").sum()
            )
        )
    assert rows == CUSTOMERS * PER_CUSTOMER
    # Aggregates: each customer's count, filtered count and sum equal what its streamed orders add up to.
    summed = pl.concat(totals).group_by("customer_id").agg(pl.col("n", "refunded", "spent").sum())
    check = customers.join(summed, on="customer_id", how="left")
    assert (check["order_count"] == check["n"]).all()
    assert (check["refunded_orders"] == check["refunded"]).all()
    assert (check["spent"] == check["spent_right"]).all()
    assert peak < 400_000_000, f"Arrow held {peak / 1e6:.0f} MB while streaming"
    assert time.perf_counter() - started < 120  # about 10 s alone on one core: room for a busy machine


def test_the_retail_profile_shapes_the_weekdays_of_the_orders() -> None:
    small = {"tables": [dict(SCHEMA["tables"][0], volume=5_000), SCHEMA["tables"][1]]}
    plan = plan_generation(GenerateDataRequest.model_validate({"schema": small, "volume": 1, "seed": 13}))
    orders = pl.from_arrow(pa.Table.from_batches(list(iter_batches(plan, "orders"))))
    assert isinstance(orders, pl.DataFrame)
    days = np.bincount(orders["ordered_at"].dt.offset_by("2h").dt.weekday().to_numpy() - 1, minlength=7)
    assert days[5] > 1.3 * days[1]  # Saturday (1.35) against Tuesday (0.85)
