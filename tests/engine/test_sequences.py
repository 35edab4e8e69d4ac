"""Each parent's rows as a sequence: ordered times with gaps, autocorrelated series with anomalies, state
machines and trace trees — checked on generated data whose groups straddle block boundaries."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pytest

from sdga.engine import BLOCK_ROWS, iter_batches, plan_generation
from sdga.errors import SchemaError
from sdga.models import GenerateDataRequest


def _plan(tables: list[dict[str, Any]], **kw: Any) -> Any:
    return plan_generation(GenerateDataRequest.model_validate({"schema": {"tables": tables}, "seed": 5, **kw}))


def _frame(plan: Any, name: str, **kw: Any) -> pl.DataFrame:
    t = plan.table(name)
    return pl.from_arrow(pa.Table.from_batches(list(iter_batches(plan, name, **kw)), schema=t.arrow_schema))


DEVICES = {"name": "devices", "volume": 1200, "fields": [
    {"name": "device_id", "type": "sequence"},
    {"name": "installed_on", "type": "date", "constraints": {"min": "2024-01-01", "max": "2024-10-31"}},
]}  # fmt: skip
READINGS = {"name": "readings", "fields": [
    {"name": "device_id", "type": "reference", "references": "devices.device_id",
     "cardinality": {"distribution": "uniform", "min": 40, "max": 160}},
    {"name": "recorded_at", "type": "datetime", "after": "device_id.installed_on", "ordered": True,
     "lag": {"distribution": "normal", "mean": "5min", "std": "10s", "min": "4min", "max": "6min",
             "gap_rate": 0.02, "gap": "3h"}},
    {"name": "is_anomaly", "type": "boolean", "constraints": {"weights": [1, 99]}},
    {"name": "temperature_c", "type": "float",
     "constraints": {"min": -40, "max": 80, "precision": 3, "distribution": {"kind": "normal", "mean": 21, "std": 4}},
     "series": {"autocorrelation": 0.95, "anomaly": "is_anomaly"}},
    {"name": "battery_pct", "type": "integer", "constraints": {"min": 0, "max": 100,
     "distribution": {"kind": "normal", "mean": 97, "std": 1}}, "series": {"autocorrelation": 0.9, "drift": -0.25}},
]}  # fmt: skip


@pytest.fixture(scope="module")
def readings() -> pl.DataFrame:
    plan = _plan([DEVICES, READINGS])
    assert plan.table("readings").volume > BLOCK_ROWS  # groups straddle block ends
    r = _frame(plan, "readings", batch_size=10_000)
    d = _frame(plan, "devices")
    two = _frame(plan, "readings", workers=2)
    assert r.equals(two)
    return r.join(d, on="device_id")


def test_ordered_rows_follow_each_other_with_their_lag_and_gaps(readings: pl.DataFrame) -> None:
    r = readings.with_columns(
        (pl.col("recorded_at") - pl.col("recorded_at").shift(1).over("device_id")).dt.total_seconds().alias("step"),
        pl.col("recorded_at").rank("ordinal").over("device_id").alias("k"),
    )
    steps = r["step"].drop_nulls()
    assert steps.min() >= 240  # never before the previous reading (and at least the lag's min)
    regular = steps.filter(steps <= 360)
    assert abs(regular.mean() - 300) < 2 and 5 < regular.std() < 20
    gaps = (steps > 360).mean()
    assert 0.01 < gaps < 0.03 and steps.max() <= 360 + 3 * 3600
    first = r.filter(pl.col("step").is_null())
    assert (first["recorded_at"] >= first["installed_on"].cast(pl.Datetime("us", "UTC"))).all()
    delay = (first["recorded_at"] - first["installed_on"].cast(pl.Datetime("us", "UTC"))).dt.total_seconds()
    assert delay.max() <= 360 + 3 * 3600 and delay.median() <= 360


def test_series_are_autocorrelated_keep_their_law_and_carry_flagged_anomalies(readings: pl.DataFrame) -> None:
    normal = readings.filter(~pl.col("is_anomaly"))
    assert abs(normal["temperature_c"].mean() - 21) < 0.5 and 3.5 < normal["temperature_c"].std() < 4.5
    lagged = readings.with_columns(
        pl.col("temperature_c").shift(1).over("device_id").alias("prev"),
        pl.col("is_anomaly").shift(1).over("device_id").fill_null(False).alias("prev_anomaly"),
    )
    lagged = lagged.filter(~pl.col("is_anomaly") & ~pl.col("prev_anomaly") & pl.col("prev").is_not_null())
    rho = np.corrcoef(lagged["temperature_c"].to_numpy(), lagged["prev"].to_numpy())[0, 1]
    assert 0.9 < rho < 0.99
    anomalies = readings.filter(pl.col("is_anomaly"))
    assert ((anomalies["temperature_c"] - 21).abs() > 14).all()  # beyond 3.5 standard deviations
    assert ((normal["temperature_c"] - 21).abs() > 14).mean() < 0.001
    # the battery drains along each device's readings
    trend = readings.group_by("device_id").agg(
        pl.col("battery_pct").first().alias("a"), pl.col("battery_pct").last().alias("b"), pl.len().alias("n")
    )
    drained = trend.filter(pl.col("n") > 100)
    assert (drained["b"] < drained["a"]).mean() > 0.95


MACHINE = {
    "initial": {"created": 1},
    "transitions": {
        "created": {"paid": 85, "cancelled": 15},
        "paid": {"shipped": 95, "refunded": 5},
        "shipped": {"delivered": 97, "lost": 3},
        "delivered": {"returned": 6, "$end": 94},
        "returned": {"refunded": 1},
    },
}
STATES = ["created", "paid", "shipped", "delivered", "cancelled", "returned", "refunded", "lost"]


def test_status_changes_follow_the_state_machine() -> None:
    tables = [
        {"name": "orders", "volume": 30_000, "fields": [
            {"name": "order_id", "type": "uuid", "primary_key": True},
            {"name": "placed_at", "type": "datetime"},
        ]},
        {"name": "order_events", "fields": [
            {"name": "order_id", "type": "reference", "references": "orders.order_id",
             "cardinality": {"min": 1, "max": 10, "distribution": "uniform"}},
            {"name": "status", "type": "category", "constraints": {"enum": STATES}, "state_machine": MACHINE},
            {"name": "at", "type": "datetime", "after": "order_id.placed_at", "ordered": True,
             "lag": {"distribution": "exponential", "mean": "1d", "max": "20d"}},
        ]},
    ]  # fmt: skip
    plan = _plan(tables)
    e = _frame(plan, "order_events")
    assert e.height == plan.table("order_events").volume > BLOCK_ROWS
    allowed = {(a, b) for a, nxt in MACHINE["transitions"].items() for b in nxt if b != "$end"}
    pairs = e.with_columns(pl.col("status").shift(1).over("order_id").alias("prev")).drop_nulls("prev")
    seen = set(zip(pairs["prev"].to_list(), pairs["status"].to_list(), strict=True))
    assert seen <= allowed and len(seen) == len(allowed)
    firsts = e.group_by("order_id", maintain_order=True).first()
    assert set(firsts["status"].to_list()) == {"created"}
    terminal = {"cancelled", "refunded", "lost"}
    last = e.group_by("order_id", maintain_order=True).agg(pl.col("status").last(), pl.len())
    ends_early = last.filter(pl.col("status").is_in(list(terminal)))
    assert ends_early.height > 0  # paths that reach a terminal state stop there
    assert (e.group_by("order_id").agg(pl.col("status").is_in(list(terminal)).sum())["status"] <= 1).all()
    created = pairs.filter(pl.col("prev") == "created")
    assert 0.12 < (created["status"] == "cancelled").mean() < 0.18
    ordered = e.with_columns((pl.col("at") - pl.col("at").shift(1).over("order_id")).alias("d")).drop_nulls("d")
    assert (ordered["d"].dt.total_seconds() >= 0).all()


def test_trace_trees_nest_their_spans() -> None:
    tables = [
        {"name": "traces", "volume": 9000, "fields": [
            {"name": "trace_id", "type": "uuid", "primary_key": True},
            {"name": "started_at", "type": "timestamp"},
        ]},
        {"name": "spans", "fields": [
            {"name": "span_id", "type": "sequence", "primary_key": True},
            {"name": "trace_id", "type": "reference", "references": "traces.trace_id",
             "cardinality": {"distribution": "uniform", "min": 1, "max": 16}},
            {"name": "parent_span_id", "type": "reference", "references": "spans.span_id", "tree": True},
            {"name": "start_ts", "type": "timestamp", "after": "coalesce(parent_span_id.start_ts, trace_id.started_at)",
             "lag": {"max": "20ms"}, "constraints": {"max_expr": "parent_span_id.end_ts"}},
            {"name": "duration_ms", "type": "float", "constraints": {
                "min": 0.05, "max": 3000, "precision": 3, "distribution": {"kind": "lognormal", "mean": 80, "std": 120},
                "max_expr": "float(milliseconds_between(start_ts, parent_span_id.end_ts))"}},
            {"name": "end_ts", "type": "timestamp", "expression": "start_ts + milliseconds(duration_ms)"},
            {"name": "depth_hint", "type": "string", "expression": "coalesce(str(parent_span_id.span_id), 'root')"},
        ]},
    ]  # fmt: skip
    plan = _plan(tables)
    s = _frame(plan, "spans")
    assert s.height > BLOCK_ROWS
    assert s.equals(_frame(plan, "spans", workers=2, batch_size=5000))
    roots = s.filter(pl.col("parent_span_id").is_null())
    assert roots.height == s["trace_id"].n_unique() == roots["trace_id"].n_unique()
    j = s.join(s, left_on="parent_span_id", right_on="span_id", suffix="_p")
    assert j.height == s.height - roots.height
    assert (j["trace_id"] == j["trace_id_p"]).all() and (j["parent_span_id"] < j["span_id"]).all()
    assert (j["start_ts"] >= j["start_ts_p"]).all() and (j["end_ts"] <= j["end_ts_p"]).all()
    assert (j["depth_hint"] == j["parent_span_id"].cast(pl.Utf8)).all()
    grand = j.join(s, left_on="parent_span_id_p", right_on="span_id", suffix="_g")
    assert grand.height > 0.2 * s.height  # trees, not stars


def _trees(spans: int | None, traces: int = 3000, high: int = 12) -> list[dict[str, Any]]:
    spans_table: dict[str, Any] = {"name": "spans", "fields": [
        {"name": "span_id", "type": "sequence", "primary_key": True},
        {"name": "trace_id", "type": "reference", "references": "traces.trace_id",
         "cardinality": {"distribution": "lognormal", "min": 1, "max": high, "mean": 4}},
        {"name": "parent_span_id", "type": "reference", "references": "spans.span_id", "tree": True},
        {"name": "latency", "type": "float", "constraints": {"min": 0, "max": 100}, "series": {"autocorrelation": 0.8}},
    ]}  # fmt: skip
    if spans is not None:
        spans_table["volume"] = spans
    traces = {"name": "traces", "volume": traces, "fields": [{"name": "trace_id", "type": "uuid", "primary_key": True}]}
    return [traces, spans_table]


@pytest.mark.parametrize("spans", [9_000, 12_345, 30_000, 70_001])
def test_a_grouped_table_with_its_own_volume_has_exactly_that_many_rows(spans: int) -> None:
    """Trees and series group a table's rows by parent; a volume asked for (the agent's "70k spans") is then
    met exactly by fitting the children per parent, within the cardinality's min..max."""
    plan = _plan(_trees(spans, traces=3000 if spans < 70_000 else 14_000))
    s = _frame(plan, "spans")
    assert s.height == spans and s["span_id"].n_unique() == spans
    per = s.group_by("trace_id").agg(n=pl.len(), roots=pl.col("parent_span_id").null_count())
    assert per["n"].min() >= 1 and per["n"].max() <= 12 and (per["roots"] == 1).all()  # type: ignore[operator]
    assert s.equals(_frame(plan, "spans", workers=2, batch_size=4000))


def test_a_volume_the_cardinality_cannot_reach_is_refused() -> None:
    with pytest.raises(
        SchemaError, match=r"100,000 rows cannot follow its cardinality \(1\.\.12 per parent over 3,000"
    ):
        _plan(_trees(100_000))


def test_whole_table_order_without_a_parent() -> None:
    plan = plan_generation(GenerateDataRequest.model_validate({"volume": 100_000, "seed": 1, "schema": {"fields": [
        {"name": "ts", "type": "timestamp", "ordered": True, "constraints": {"min": "2024-06-01", "max": "2024-06-02"}},
    ]}}))  # fmt: skip
    ts = _frame(plan, "data")["ts"]
    assert ts.is_sorted() and ts.n_unique() > 99_000
    assert str(ts.min())[:10] == "2024-06-01" and str(ts.max()) <= "2024-06-02"


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ({"name": "v", "type": "string", "series": {"autocorrelation": 0.5}}, "applies to numeric fields"),
        ({"name": "t", "type": "datetime", "ordered": True, "after": "x"}, "must come from the parent through 'pid'"),
        ({"name": "s", "type": "category", "constraints": {"enum": ["a"]},
          "state_machine": {"initial": {"b": 1}}}, "state machine names 'b'"),
        ({"name": "r", "type": "reference", "references": "p.id", "tree": True}, "same table"),
        ({"name": "t", "type": "datetime", "ordered": True, "constraints": {"min_expr": "x"}}, "no min_expr"),
        ({"name": "t", "type": "integer", "ordered": True}, "apply to date, datetime and timestamp"),
    ],
)  # fmt: skip
def test_sequence_rules_are_checked(field: dict[str, Any], message: str) -> None:
    grouped = {"name": "pid", "type": "reference", "references": "p.id", "cardinality": {"min": 1, "max": 3}}
    tables = [
        {"name": "p", "volume": 3, "fields": [{"name": "id", "type": "uuid", "primary_key": True}]},
        {"name": "c", "fields": [grouped, {"name": "x", "type": "datetime"}, field]},
    ]
    with pytest.raises(SchemaError, match=message):
        _plan(tables)
    if field.get("series") or field.get("state_machine"):
        return
    tables[1] = {
        "name": "c",
        "volume": 5,
        "fields": [{"name": "x", "type": "float"}, {"name": "v", "type": "float", "series": {"drift": 1}}],
    }
    with pytest.raises(SchemaError, match="the table's volume must follow a reference's cardinality"):
        _plan(tables)


def test_the_documented_sequences_generate_and_hold() -> None:
    import re
    from pathlib import Path

    import yaml

    doc = (Path(__file__).resolve().parents[2] / "docs" / "engine.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(.*?)```", doc.split("### Sequences", 1)[1], re.S)
    assert block is not None
    plan = _plan(yaml.safe_load(block.group(1))["tables"])
    r = _frame(plan, "readings")
    assert r.group_by("device_id").agg(pl.col("recorded_at").is_sorted())["recorded_at"].all()
    s = _frame(plan, "spans")
    j = s.join(s, left_on="parent_span_id", right_on="span_id", suffix="_p")
    assert (j["start_ts"] >= j["start_ts_p"]).all() and (j["end_ts"] <= j["end_ts_p"]).all()
    e = _frame(plan, "order_events")
    assert set(e.group_by("order_id").first()["status"].to_list()) == {"created"}
