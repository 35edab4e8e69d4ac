"""The coherence check: a schema's declared rules on data, generated (all hold) or broken on purpose (each
break counted under its rule, with the breaking rows as examples), in memory, from files and in `sdga metrics`."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

from sdga.cli import app
from sdga.engine import iter_batches, plan_generation
from sdga.models import CoherenceReport, GenerateDataRequest, Schema
from sdga.quality import calculate_quality_metrics
from sdga.quality.coherence import check_coherence

SCHEMA: dict[str, Any] = {"tables": [
    {"name": "customers", "volume": 400, "fields": [
        {"name": "customer_id", "type": "uuid", "primary_key": True},
        {"name": "signup_date", "type": "date", "constraints": {"min": "2020-01-01", "max": "2023-12-31"}},
        {"name": "order_count", "type": "integer", "expression": "count(orders)"},
    ]},
    {"name": "orders", "fields": [
        {"name": "order_id", "type": "uuid", "primary_key": True},
        {"name": "customer_id", "type": "reference", "references": "customers.customer_id",
         "cardinality": {"min": 0, "max": 6, "mean": 2.5, "distribution": "poisson"}},
        {"name": "order_date", "type": "datetime", "after": "customer_id.signup_date", "lag": {"min": "1h", "max": "300d"}},
        {"name": "status", "type": "category", "constraints": {"enum": ["paid", "cancelled", "refunded"], "weights": [8, 1, 1]}},
        {"name": "cancelled_at", "type": "datetime", "when": "status == 'cancelled'", "after": "order_date", "lag": {"max": "3d"}},
        {"name": "total", "type": "amount", "expression": "sum(order_items.line_total)"},
        {"name": "refund", "type": "amount", "when": "status == 'refunded'", "constraints": {"min": 0.01, "max_expr": "total"}},
    ]},
    {"name": "order_items", "fields": [
        {"name": "order_id", "type": "reference", "references": "orders.order_id",
         "cardinality": {"min": 1, "max": 4}},
        {"name": "quantity", "type": "integer", "constraints": {"min": 1, "max": 5}},
        {"name": "unit_price", "type": "amount", "constraints": {"min": 1, "max": 200}},
        {"name": "line_total", "type": "amount", "expression": "quantity * unit_price"},
    ]},
]}  # fmt: skip


@pytest.fixture(scope="module")
def data() -> dict[str, pa.Table]:
    plan = plan_generation(GenerateDataRequest.model_validate({"schema": SCHEMA, "seed": 4}))
    return {t.name: pa.Table.from_batches(list(iter_batches(plan, t.name)), schema=t.arrow_schema) for t in plan.tables}


def _by_rule(report: CoherenceReport | None) -> dict[str, Any]:
    assert report is not None and report.error is None
    return {r.rule: r for r in report.rules}


def test_generated_data_keeps_every_rule(data: dict[str, pa.Table]) -> None:
    report = check_coherence(data, Schema.model_validate(SCHEMA))
    rules = _by_rule(report)
    assert report is not None and report.score == 1.0
    assert {r.kind for r in rules.values()} == {"expression", "reference", "after", "when", "max_expr"}
    assert all(r.checked > 0 and r.violations == 0 and r.skipped is None for r in rules.values())
    assert rules["orders.total == sum(order_items.line_total)"].checked == data["orders"].num_rows
    assert (
        rules["orders.cancelled_at <= order_date + 3d"].checked == pl.from_arrow(data["orders"])["cancelled_at"].count()
    )


def test_each_break_is_counted_under_its_rule_with_examples(data: dict[str, pa.Table]) -> None:
    orders = pl.from_arrow(data["orders"])
    items = pl.from_arrow(data["order_items"])
    assert isinstance(orders, pl.DataFrame) and isinstance(items, pl.DataFrame)
    first = orders["order_id"][0]
    paid = orders.filter(pl.col("status") == "paid")["order_id"][:3].to_list()
    broken_orders = orders.with_columns(
        # one order placed five years before its customer signed up
        pl.when(pl.col("order_id") == first).then(pl.col("order_date") - timedelta(days=5 * 365))
        .otherwise(pl.col("order_date")).alias("order_date"),
        # three paid orders with a cancellation date
        pl.when(pl.col("order_id").is_in(paid)).then(pl.col("order_date")).otherwise(pl.col("cancelled_at"))
        .alias("cancelled_at"),
    )  # fmt: skip
    # one line whose total is off by a cent (so its order's total is off too), one orphan line
    broken_items = items.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.col("line_total") + 0.01).otherwise(pl.col("line_total"))
        .alias("line_total"),
        pl.when(pl.int_range(pl.len()) == 1).then(pl.lit("no-such-order")).otherwise(pl.col("order_id"))
        .alias("order_id"),
    )  # fmt: skip
    tables = {**data, "orders": broken_orders.to_arrow(), "order_items": broken_items.to_arrow()}
    report = check_coherence(tables, Schema.model_validate(SCHEMA))
    rules = _by_rule(report)
    assert report is not None and report.score is not None and report.score < 1
    signup = rules["orders.order_date >= customer_id.signup_date + 1h"]
    assert signup.violations == 1 and signup.examples[0]["order_id"] == first
    assert set(signup.examples[0]) >= {"order_id", "order_date", "customer_id.signup_date"}
    cancelled = rules["orders.cancelled_at is null unless status == 'cancelled'"]
    assert cancelled.violations == 3 and {e["order_id"] for e in cancelled.examples} == set(paid)
    assert rules["order_items.line_total == quantity * unit_price"].violations == 1
    assert rules["order_items.order_id exists in orders.order_id"].violations == 1
    totals = rules["orders.total == sum(order_items.line_total)"]
    touched = set(items["order_id"][:2].to_list())  # the order of the changed line, the one that lost a line
    assert totals.violations == len(touched) and {e["order_id"] for e in totals.examples} == touched
    untouched = [r for r in rules.values() if r.rule.startswith(("customers.", "orders.refund"))]
    assert untouched and all(r.violations == 0 for r in untouched)


def test_a_sample_skips_what_it_cannot_judge(data: dict[str, pa.Table]) -> None:
    sample = {name: t.slice(0, 50) for name, t in data.items()}
    rules = _by_rule(check_coherence(sample, Schema.model_validate(SCHEMA), complete=False))
    assert rules["orders.total == sum(order_items.line_total)"].skipped is not None
    assert rules["order_items.order_id exists in orders.order_id"].skipped is not None
    lookup = rules["orders.order_date >= customer_id.signup_date + 1h"]
    assert lookup.skipped is None and 0 < lookup.checked <= 50 and lookup.violations == 0
    assert rules["order_items.line_total == quantity * unit_price"].checked == 50


def test_files_and_the_metrics_command_report_coherence(data: dict[str, pa.Table], tmp_path: Path) -> None:
    for name, table in data.items():
        if name == "orders":
            pl.from_arrow(table).write_csv(tmp_path / f"{name}.csv")  # type: ignore[union-attr]
        else:
            pq.write_table(table, tmp_path / f"{name}.parquet")
    schema_file = tmp_path / "schema.yaml"
    schema_file.write_text(yaml.safe_dump(SCHEMA))
    metrics = calculate_quality_metrics(tmp_path, schema=Schema.model_validate(SCHEMA))
    assert metrics.coherence is not None and metrics.coherence.score == 1.0
    result = CliRunner().invoke(app, ["metrics", str(tmp_path), "--schema", str(schema_file)])
    assert result.exit_code == 0, result.stderr
    coherence = json.loads(result.stdout)["metrics"]["coherence"]
    assert coherence["score"] == 1.0 and len(coherence["rules"]) == 12
    md = CliRunner().invoke(app, ["metrics", str(tmp_path), "--schema", str(schema_file), "--markdown"])
    assert "## Coherence (the schema's declared rules)" in md.stdout
    assert "`orders.total == sum(order_items.line_total)` | " in md.stdout


def test_sequences_and_trees_are_checked() -> None:
    tables = [
        {"name": "orders", "volume": 300, "fields": [
            {"name": "order_id", "type": "sequence", "primary_key": True},
            {"name": "placed_at", "type": "datetime"},
        ]},
        {"name": "events", "fields": [
            {"name": "event_id", "type": "sequence", "primary_key": True},
            {"name": "order_id", "type": "reference", "references": "orders.order_id", "cardinality": {"min": 2, "max": 6}},
            {"name": "parent_event_id", "type": "reference", "references": "events.event_id", "tree": True},
            {"name": "status", "type": "category", "constraints": {"enum": ["new", "paid", "sent"]},
             "state_machine": {"initial": {"new": 1}, "transitions": {"new": {"paid": 1}, "paid": {"sent": 1}}}},
            {"name": "at", "type": "datetime", "after": "order_id.placed_at", "ordered": True, "lag": {"max": "1d"}},
        ]},
    ]  # fmt: skip
    schema = Schema.model_validate({"tables": tables})
    plan = plan_generation(GenerateDataRequest.model_validate({"schema": schema.model_dump(mode="json"), "seed": 2}))
    data = {t.name: pa.Table.from_batches(list(iter_batches(plan, t.name)), schema=t.arrow_schema) for t in plan.tables}
    rules = _by_rule(check_coherence(data, schema))
    assert all(r.violations == 0 and r.checked > 0 for r in rules.values()), rules
    events = pl.from_arrow(data["events"])
    assert isinstance(events, pl.DataFrame)
    swapped = events.with_columns(
        pl.when(pl.col("event_id") == 2).then(pl.lit("sent")).otherwise(pl.col("status")).alias("status"),
        pl.when(pl.col("event_id") == 3).then(pl.col("at") - timedelta(days=30)).otherwise(pl.col("at")).alias("at"),
        pl.when(pl.col("event_id") == 4).then(pl.lit(events["event_id"][-1])).otherwise(pl.col("parent_event_id"))
        .alias("parent_event_id"),
    )  # fmt: skip
    rules = _by_rule(check_coherence({**data, "events": swapped.to_arrow()}, schema))
    assert rules["events.status follows its state machine within each order_id"].violations >= 1
    assert rules["events.at never goes back in time within each order_id"].violations >= 1
    assert rules["events.parent_event_id points at a row of the same order_id"].violations == 1


def test_a_schema_without_rules_adds_nothing_and_a_bad_rule_is_reported() -> None:
    table = pa.table({"a": [1, 2, 3]})
    plain = Schema.model_validate({"fields": [{"name": "a", "type": "integer"}]})
    assert check_coherence({"data": table}, plain) is None
    assert calculate_quality_metrics(table, schema=plain).coherence is None
    bad = Schema.model_validate(
        {"fields": [{"name": "a", "type": "integer"}, {"name": "b", "type": "integer", "expression": "c"}]}
    )
    report = check_coherence({"data": table}, bad)
    assert report is not None and report.error is not None and "unknown field 'c'" in report.error
