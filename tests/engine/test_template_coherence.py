"""Every template's rules hold on its own output at 20,000 rows, and the everyday rules of real data hold too.

Each template is generated once (volume 20,000; child tables sized by the template's cardinalities) and
checked twice: by the coherence check (:func:`sdga.quality.coherence.check_coherence`, every declared
rule, zero violations), and by checks written here with Polars joins, independent of the engine's rule
code, for the relations a QA engineer looks at first: children after their parents in time, totals that
are sums, prices taken from the product, no MRR on free plans, no fees on failed trades, savings never
negative, whole yen, flags that agree with states.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache

import polars as pl
import pyarrow as pa
import pytest

from sdga.engine import iter_batches, plan_generation
from sdga.engine.templates import get_template, list_templates
from sdga.models import GenerateDataRequest
from sdga.quality.coherence import check_coherence

VOLUME = 20_000
ADULT = timedelta(days=6575)  # 18 years (18 * 365.25 days, rounded up)

Frames = dict[str, pl.DataFrame]


@lru_cache(maxsize=1)  # one template's data in memory at a time
def _generated(name: str) -> tuple[dict[str, pa.Table], Frames]:
    schema = get_template(name)
    body = {"schema": schema.model_dump(mode="json", by_alias=True, exclude_none=True), "volume": VOLUME, "seed": 20}
    plan = plan_generation(GenerateDataRequest.model_validate(body))
    tables = {
        t.name: pa.Table.from_batches(list(iter_batches(plan, t.name)), schema=t.arrow_schema) for t in plan.tables
    }
    frames = {k: v for k, v in ((k, pl.from_arrow(t)) for k, t in tables.items()) if isinstance(v, pl.DataFrame)}
    return tables, frames


def _none(df: pl.DataFrame, broken: pl.Expr, what: str) -> None:
    bad = df.filter(broken)
    assert bad.height == 0, f"{what}: {bad.height} of {df.height} rows, e.g. {bad.head(3).to_dicts()}"


def _child_after(frames: Frames, child: str, ref: str, at: str, parent: str, key: str, parent_at: str) -> None:
    joined = frames[child].join(frames[parent].select(key, pl.col(parent_at).alias("_parent_at")), left_on=ref,
                                right_on=key, how="inner")  # fmt: skip
    assert joined.height == frames[child].height, f"{child}.{ref}: dangling references"
    left = pl.col(at).cast(pl.Datetime("us", "UTC")) if frames[child].schema[at] == pl.Date else pl.col(at)
    right = pl.col("_parent_at")
    if frames[parent].schema[parent_at] == pl.Date:
        right = right.cast(pl.Datetime("us", "UTC"))
    if frames[child].schema[at] == pl.Date and frames[parent].schema[parent_at] != pl.Date:
        right = right.dt.truncate("1d")
    _none(joined, left < right, f"{child}.{at} before {parent}.{parent_at}")


# --- the everyday rules, per template --------------------------------------------------------------------


def _ecommerce(f: Frames) -> None:
    _child_after(f, "orders", "customer_id", "order_date", "customers", "customer_id", "signup_date")
    items = f["order_items"].join(f["products"].select("product_id", "price"), on="product_id", how="left")
    _none(items, pl.col("unit_price") != pl.col("price"), "order_items.unit_price is not the product's price")
    expected = (pl.col("quantity") * pl.col("unit_price") * (1 - pl.col("discount_pct").fill_null(0))).round(2)
    _none(items, (pl.col("line_total") - expected).abs() > 0.0051, "line_total is not quantity * price less discount")
    sums = f["order_items"].group_by("order_id").agg(lines=pl.col("line_total").sum())
    orders = f["orders"].join(sums, on="order_id", how="left").with_columns(pl.col("lines").fill_null(0))
    _none(orders, (pl.col("total_amount") - pl.col("lines")).abs() > 0.0051, "order total is not the sum of its lines")


def _banking(f: Frames) -> None:
    c = f["bank_customers"]
    _none(c, pl.col("customer_since") < pl.col("date_of_birth") + ADULT, "customer before the age of 18")
    _child_after(f, "accounts", "customer_id", "opened_on", "bank_customers", "customer_id", "customer_since")
    _child_after(f, "account_transactions", "account_id", "booked_at", "accounts", "account_id", "opened_on")
    a = f["accounts"]
    _none(a, (pl.col("account_type") == "savings") & (pl.col("balance") < 0), "negative savings balance")
    _none(
        a,
        (pl.col("account_type") == "current") & (pl.col("balance") < -pl.col("overdraft_limit").cast(pl.Float64)),
        "current account below its overdraft limit",
    )
    tx = f["account_transactions"].join(a.select("account_id", pl.col("currency").alias("acc")), on="account_id")
    _none(tx, pl.col("currency") != pl.col("acc"), "transaction currency differs from its account's")
    card = pl.col("transaction_type").is_in(["card_payment", "atm_withdrawal"])
    _none(tx, card != pl.col("card_number").is_not_null(), "card number on a non-card transaction (or missing)")
    _none(tx, pl.col("merchant_name").is_not_null() & (pl.col("transaction_type") != "card_payment"), "merchant")
    transfer = pl.col("transaction_type").is_in(["transfer_in", "transfer_out", "direct_debit"])
    _none(tx, transfer != pl.col("counterparty_iban").is_not_null(), "counterparty IBAN outside transfers")
    assert 0.005 < tx["is_flagged"].mean() < 0.05  # type: ignore[operator]


def _finance(f: Frames) -> None:
    t = f["trades"]
    _none(t, pl.col("status").is_in(["failed", "cancelled"]) & (pl.col("fees") != 0), "fees on failed/cancelled trades")
    jpy = t.filter(pl.col("currency") == "JPY")
    assert jpy.height > 1000
    _none(jpy, (pl.col("price") % 1 != 0) | (pl.col("fees") % 1 != 0), "JPY amounts with fractions of a yen")
    assert (t.filter(pl.col("currency") != "JPY")["price"] % 1 != 0).mean() > 0.9  # type: ignore[operator]
    inst = t.join(f["instruments"].select("instrument_id", pl.col("currency").alias("ic")), on="instrument_id")
    _none(inst, pl.col("currency") != pl.col("ic"), "trade currency differs from the instrument's")
    _child_after(f, "trades", "portfolio_id", "executed_at", "portfolios", "portfolio_id", "opened_on")
    _none(t, pl.col("settlement_date") <= pl.col("executed_at").dt.date(), "settled before execution")
    _none(t, pl.col("status").is_in(["failed", "cancelled"]) & pl.col("settlement_date").is_not_null(), "settled fail")


def _saas(f: Frames) -> None:
    s = f["subscriptions"]
    _none(s, (pl.col("plan") == "free") & (pl.col("mrr") != 0), "MRR on a free plan")
    assert (s.filter(pl.col("plan") != "free")["mrr"] > 0).any()
    _child_after(f, "subscriptions", "organization_id", "started_at", "organizations", "organization_id", "created_at")
    _none(s, pl.col("trial_ends_at") <= pl.col("started_at"), "trial ends before it starts")
    _child_after(f, "invoices", "subscription_id", "issued_on", "subscriptions", "subscription_id", "started_at")


def _healthcare(f: Frames) -> None:
    _child_after(f, "encounters", "patient_id", "admitted_at", "patients", "patient_id", "date_of_birth")
    _child_after(f, "diagnoses", "encounter_id", "recorded_at", "encounters", "encounter_id", "admitted_at")


def _hr(f: Frames) -> None:
    e = f["employees"]
    _none(e, pl.col("hire_date") < pl.col("date_of_birth") + ADULT, "hired before 18")
    _none(e, (pl.col("employment_type") == "intern") & pl.col("is_manager"), "intern managers")
    assert 0.05 < e["is_manager"].mean() < 0.25  # type: ignore[operator]
    _child_after(f, "leave_requests", "employee_id", "start_date", "employees", "employee_id", "hire_date")
    _none(f["leave_requests"], pl.col("end_date") < pl.col("start_date"), "leave ends before it starts")


def _user_profile(f: Frames) -> None:
    u = f["user_profile"]
    _none(u, pl.col("is_active") != (pl.col("status") == "active"), "is_active disagrees with status")
    born = pl.col("date_of_birth")
    birthday_to_come = (born.dt.month().cast(pl.Int32) * 100 + born.dt.day().cast(pl.Int32)) > 101
    age = 2025 - born.dt.year().cast(pl.Int32) - birthday_to_come.cast(pl.Int32)  # whole years on 2025-01-01
    _none(u, pl.col("age") != age, "age disagrees with the birth date")


def _log_event(f: Frames) -> None:
    logs = f["log_event"].with_columns(status=pl.col("http").struct.field("status"))
    _none(logs, (pl.col("status") >= 500) != (pl.col("level") == "ERROR"), "ERROR level without a 5xx (or back)")
    _none(logs, (pl.col("status").is_between(400, 499)) != (pl.col("level") == "WARN"), "WARN level vs 4xx status")


def _observability(f: Frames) -> None:
    s = f["spans"]
    per_trace = s.group_by("trace_id").agg(spans=pl.len(), roots=pl.col("parent_span_id").null_count())
    assert (per_trace["roots"] == 1).all() and per_trace["spans"].mean() > 3  # type: ignore[operator]
    parents = s.select(
        pl.col("span_id").alias("parent_span_id"), pl.col("trace_id").alias("parent_trace"),
        pl.col("started_at").alias("parent_start"), pl.col("ended_at").alias("parent_end"),
    )  # fmt: skip
    nested = s.join(parents, on="parent_span_id")
    _none(nested, pl.col("trace_id") != pl.col("parent_trace"), "a span's parent in another trace")
    _none(nested, pl.col("started_at") < pl.col("parent_start"), "a span starts before its parent")
    _none(nested, pl.col("ended_at") > pl.col("parent_end"), "a span ends after its parent")
    _none(s, (pl.col("http_status").fill_null(0) >= 500) != (pl.col("status_code") == "ERROR"), "ERROR vs 5xx")
    m = f["metric_points"]
    _none(m, (pl.col("metric_name") == "cpu_utilization") & (pl.col("value") > 100), "CPU above 100 %")
    _none(m, (pl.col("metric_name") == "error_rate") & (pl.col("value") > 1), "error rate above 1")


def _transaction(f: Frames) -> None:
    _child_after(f, "transactions", "user_id", "created_at", "users", "id", "created_at")


def _iot(f: Frames) -> None:
    _child_after(f, "sensor_readings", "device_id", "recorded_at", "devices", "device_id", "installed_on")
    assert f["sensor_readings"]["is_anomaly"].mean() < 0.05  # type: ignore[operator]


def _insurance(f: Frames) -> None:
    _child_after(f, "claims", "policy_id", "incident_date", "policies", "policy_id", "start_date")


def _accounting(f: Frames) -> None:
    _none(f["invoices"], pl.col("due_date") < pl.col("issue_date"), "invoice due before it is issued")


def _hotel(f: Frames) -> None:
    _hotel_rooms(f)
    rooms = f["rooms"].join(f["hotels"].select("hotel_id", pl.col("currency").alias("hotel_currency")), on="hotel_id")
    r = f["reservations"].join(rooms.select("room_id", "hotel_currency"), on="room_id", how="left")
    _none(r, pl.col("currency") != pl.col("hotel_currency"), "reservation currency differs from its hotel's")
    _none(r, pl.col("check_in") < pl.col("booked_at").dt.date(), "check-in before the booking")
    anchor = pl.date(2025, 1, 1)
    ends = pl.col("check_in") + pl.duration(days=pl.col("nights"))
    _none(r, (pl.col("status") == "checked_out") & (ends > anchor), "checked out of a stay not yet over")
    _none(r, (pl.col("status") == "confirmed") & (pl.col("check_in") <= anchor), "confirmed stay already begun")
    _none(r, (pl.col("status") == "no_show") & (pl.col("check_in") > anchor), "no-show for a stay still ahead")
    g = f["guests"]
    _none(g, pl.col("loyalty_member") != (pl.col("loyalty_tier") != "none"), "loyalty tier disagrees with membership")


def _hotel_rooms(f: Frames) -> None:
    sleeps = {"single": [1], "double": [2], "twin": [2], "family": [4], "junior_suite": [3], "suite": [2, 4, 6]}
    rooms = f["rooms"].with_columns(ok=pl.col("room_type").replace_strict(sleeps, return_dtype=pl.List(pl.Int64)))
    _none(rooms, ~pl.col("ok").list.contains(pl.col("max_occupancy")), "room occupancy disagrees with its type")


def _manufacturing(f: Frames) -> None:
    w = f["work_orders"]
    _none(w, pl.col("status").is_in(["planned", "released"]) & (pl.col("quantity_produced") != 0), "made before start")
    done = (pl.col("status") == "completed") & (
        pl.col("quantity_produced") < (0.9 * pl.col("quantity_planned")).floor()
    )
    _none(w, done, "completed order far short of its plan")
    _none(w, pl.col("scrap_quantity") > pl.col("quantity_produced"), "more scrap than produced")


def _real_estate(f: Frames) -> None:
    listings = f["listings"]
    _none(listings, (pl.col("listing_type") == "rent") & (pl.col("status") == "sold"), "a letting sold")
    _none(listings, (pl.col("listing_type") == "sale") & (pl.col("status") == "let"), "a sale let")
    rents = listings.filter(pl.col("listing_type") == "rent")["price"].cast(pl.Float64)
    assert 800 < rents.median() < 3500 and rents.max() < 50_000  # type: ignore[operator]


def _gaming(f: Frames) -> None:
    _none(f["match_participants"], pl.col("won") != (pl.col("placement") == 1), "won without placing first")


EVERYDAY: dict[str, Callable[[Frames], None]] = {
    "manufacturing": _manufacturing,
    "real_estate": _real_estate,
    "gaming": _gaming,
    "hotel": _hotel,
    "ecommerce": _ecommerce,
    "banking": _banking,
    "finance": _finance,
    "saas": _saas,
    "healthcare": _healthcare,
    "hr": _hr,
    "user_profile": _user_profile,
    "log_event": _log_event,
    "observability": _observability,
    "transaction": _transaction,
    "iot": _iot,
    "insurance": _insurance,
    "accounting": _accounting,
}
TEMPLATES = [t.name for t in list_templates()]


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_rule_holds_at_20k_rows(name: str) -> None:
    tables, frames = _generated(name)
    report = check_coherence(tables, get_template(name))
    everyday = EVERYDAY.get(name)
    assert report is not None and report.error is None, f"{name}: no rules checked ({report})"
    # A template whose only rule draws random numbers (nothing the check can state) has its rules checked below.
    assert report.rules or everyday is not None, f"{name} declares no rule"
    broken = [(r.rule, r.violations, r.examples[:2]) for r in report.rules if r.violations]
    skipped = [(r.rule, r.skipped) for r in report.rules if r.skipped]
    assert not broken, f"{name}: {broken}"
    assert not skipped, f"{name}: {skipped}"
    if everyday is not None:
        everyday(frames)


def test_the_everyday_checks_name_real_templates() -> None:
    assert set(EVERYDAY) <= set(TEMPLATES)
