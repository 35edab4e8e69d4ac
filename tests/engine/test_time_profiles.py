"""Time profiles: weekday, hour, month and holiday weights shape dates and instants, per row's country.

The expected shares are computed here from the weights and the ``holidays`` package directly (not from the
engine's derived holiday file), and compared with generated data at 50,000 rows.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl
import pytest
from scipy import stats
from tests.engine.conftest import field, request, table

from sdga.engine import BLOCK_ROWS, plan_generation
from sdga.engine.timeprofile import named_profiles
from sdga.errors import SchemaError
from sdga.models import GenerateDataRequest
from sdga.models.schema import Schema, TimeProfile
from sdga.validation import validate_schema

holidays = pytest.importorskip("holidays")

N = 50_000
WEEKDAY = [5.0, 4.0, 3.0, 2.0, 1.0, 0.0, 1.5]
HOUR = [0.0] * 7 + [1, 2, 4, 4, 3, 1, 3, 4, 4, 3, 2, 1] + [0.5, 0.25, 0.0, 0.0, 0.0]


def _frame(fields: list[dict[str, Any]], volume: int = N, **kw: Any) -> pl.DataFrame:
    return pl.from_arrow(table(plan_generation(request(fields, volume, seed=kw.pop("seed", 11), **kw))))  # type: ignore[return-value]


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _expected_weekdays(first: date, last: date, country: str, weekday: list[float], holiday: float) -> np.ndarray:
    public = holidays.country_holidays(country, years=range(first.year, last.year + 1))
    mass = np.zeros(7)
    for d in _days(first, last):
        mass[d.weekday()] += weekday[d.weekday()] * (holiday if d in public else 1.0)
    return mass / mass.sum()


def _assert_shares(observed: np.ndarray, expected: np.ndarray) -> None:
    """Chi-square over the categories with weight, and no value at all where the weight is zero."""
    zero = expected == 0
    assert observed[zero].sum() == 0, f"values where the weight is zero: {observed}"
    obs, exp = observed[~zero], expected[~zero] * observed.sum()
    p = stats.chisquare(obs, exp).pvalue
    assert p > 1e-4, f"shares {np.round(obs / obs.sum(), 4)} vs expected {np.round(exp / exp.sum(), 4)} (p={p:.2g})"


def test_weekday_and_local_hour_shares_match_the_weights() -> None:
    # Germany: every city is on Europe/Berlin time (daylight saving time in summer).
    first, last = date(2024, 1, 1), date(2024, 12, 31)
    profile = {"weekday_weights": WEEKDAY, "hour_weights": HOUR, "min": str(first), "max": "2024-12-31T23:59:59"}
    df = _frame([field("at", "datetime", **profile), field("ms", "timestamp", **profile)], locale="de_DE")
    expected_weekday = _expected_weekdays(first, last, "DE", WEEKDAY, 1.0)
    for col in ("at", "ms"):
        local = df[col].dt.convert_time_zone("Europe/Berlin")
        assert str(df[col].min()) >= "2024-01-01" and str(df[col].max()) < "2025-01-01"
        hours = np.bincount(local.dt.hour().to_numpy(), minlength=24)
        _assert_shares(hours, np.asarray(HOUR) / sum(HOUR))
        weekdays = np.bincount(local.dt.weekday().to_numpy() - 1, minlength=7)
        _assert_shares(weekdays, expected_weekday)
        minutes = np.bincount(local.dt.minute().to_numpy(), minlength=60)  # uniform within the hour
        _assert_shares(minutes, np.full(60, 1 / 60))
    assert df["ms"].dt.millisecond().n_unique() > 900  # timestamps keep their milliseconds


def test_hours_are_local_to_each_rows_city_in_winter_and_in_summer() -> None:
    # US rows spread over its time zones (by the population of their cities), daylight saving time in summer.
    fields = [
        field("zone", "timezone"),
        field("at", "datetime", hour_weights=HOUR, min="2024-01-01", max="2024-12-31T23:59:59"),
    ]
    df = _frame(fields, locale="en_US")
    assert df["zone"].n_unique() >= 4
    hours = np.zeros(24, dtype=np.int64)
    summer = np.zeros(24, dtype=np.int64)
    for (zone,), rows in df.group_by("zone"):
        local = rows["at"].dt.convert_time_zone(str(zone))
        hours += np.bincount(local.dt.hour().to_numpy(), minlength=24)
        summer += np.bincount(local.filter(local.dt.month().is_between(6, 8)).dt.hour().to_numpy(), minlength=24)
    _assert_shares(hours, np.asarray(HOUR) / sum(HOUR))
    _assert_shares(summer, np.asarray(HOUR) / sum(HOUR))


def test_named_profile_month_and_weekday_shares_for_dates() -> None:
    first, last = date(2023, 1, 1), date(2024, 12, 31)
    retail = named_profiles()["retail"]
    df = _frame([field("d", "date", profile="retail", min=str(first), max=str(last))], locale="en_GB")
    public = holidays.country_holidays("GB", years=[2023, 2024])
    mass_m, mass_w = np.zeros(12), np.zeros(7)
    for d in _days(first, last):
        w = retail["weekday"][d.weekday()] * retail["month"][d.month - 1] * (retail["holiday"] if d in public else 1)
        mass_m[d.month - 1] += w
        mass_w[d.weekday()] += w
    _assert_shares(np.bincount(df["d"].dt.month().to_numpy() - 1, minlength=12), mass_m / mass_m.sum())
    _assert_shares(np.bincount(df["d"].dt.weekday().to_numpy() - 1, minlength=7), mass_w / mass_w.sum())


def test_holiday_weight_zero_keeps_every_row_off_its_own_countrys_holidays() -> None:
    countries = ["US", "DE", "FR"]
    fields = [
        field("country", "country_code", enum=countries, weights=[2, 1, 1]),
        field("day", "date", min="2020-01-01", max="2024-12-31", holiday_weight=0),
        field("at", "datetime", min="2020-01-01", max="2024-12-31", profile="office_days"),
    ]
    df = _frame(fields)
    years = range(2020, 2025)
    public = {c: holidays.country_holidays(c, years=years) for c in countries}
    for c in countries:
        rows = df.filter(pl.col("country") == c)
        assert len(rows) > 5_000
        days = set(rows["day"].to_list())
        assert not days & set(public[c]), f"{c}: dates on public holidays"
        others = set().union(*(set(public[o]) for o in countries if o != c)) - set(public[c])
        assert days & others, f"{c}: no row on another country's holiday: the weight is not per row"
    # office_days never falls on a holiday either; in Germany and France (UTC+1) its working hours
    # (06:00 to 21:00 local) are on the same UTC date.
    for c in ("DE", "FR"):
        at = df.filter(pl.col("country") == c)["at"].dt.date().to_list()
        assert not set(at) & set(public[c])


def test_holiday_weight_raises_the_share_of_holidays() -> None:
    first, last = date(2022, 1, 1), date(2024, 12, 31)
    df = _frame([field("day", "date", min=str(first), max=str(last), holiday_weight=8)])
    public = holidays.country_holidays("US", years=[2022, 2023, 2024])
    n_hol = sum(1 for d in _days(first, last) if d in public)
    n_all = len(_days(first, last))
    expected = 8 * n_hol / (8 * n_hol + n_all - n_hol)
    share = df["day"].is_in(list(public)).mean()
    assert share == pytest.approx(expected, abs=4 * (expected * (1 - expected) / N) ** 0.5)


def test_profiles_compose_with_after_and_per_row_bounds() -> None:
    tables = [
        {"name": "tickets", "volume": 20_000, "fields": [
            field("ticket_id", "uuid", unique=True, primary_key=True),
            field("opened", "datetime", min="2024-01-01", max="2024-11-30", profile="business_hours"),
            {"name": "answered", "type": "datetime", "after": "opened", "lag": {"min": "10min", "max": "5d"},
             "constraints": {"profile": "office_days"}},
            {"name": "closed", "type": "date", "constraints": {"min_expr": "answered", "max_expr": "date(opened) + days(40)",
                                                               "weekday_weights": [1, 1, 1, 1, 1, 0, 0]}},
        ]},
    ]  # fmt: skip
    body = {"schema": {"tables": tables}, "volume": 1, "locale": "de_DE"}  # local time: Europe/Berlin
    df = pl.from_arrow(table(plan_generation(GenerateDataRequest.model_validate(body)), "tickets"))
    assert isinstance(df, pl.DataFrame)
    lag = (df["answered"] - df["opened"]).dt.total_seconds()
    assert lag.min() >= 600 and lag.max() <= 5 * 86400  # type: ignore[operator]
    assert (df["closed"] >= df["answered"].dt.date()).all()
    assert (df["closed"] <= df["opened"].dt.date() + timedelta(days=40)).all()
    assert (df["closed"].dt.weekday() <= 5).all()
    # office_days has no weight from 21:00 to 06:00: a window of days always holds some, so no answer is there.
    office = np.asarray(named_profiles()["office_days"]["hour"])
    answered = np.bincount(df["answered"].dt.convert_time_zone("Europe/Berlin").dt.hour().to_numpy(), minlength=24)
    assert answered[office == 0].sum() == 0
    opened = np.bincount(df["opened"].dt.convert_time_zone("Europe/Berlin").dt.hour().to_numpy(), minlength=24)
    business = np.asarray(named_profiles()["business_hours"]["hour"])
    assert opened[9:17].sum() / len(df) > business[9:17].sum() / business.sum() - 0.02


def test_same_bytes_for_any_workers_and_batch_size() -> None:
    fields = [
        field("country", "country_code", enum=["US", "DE", "JP"]),
        field("at", "timestamp", profile="consumer_evenings", min="2024-01-01", max="2024-06-30"),
        field("day", "date", profile="retail", holiday_weight=0.2),
    ]
    plan = plan_generation(request(fields, volume=2 * BLOCK_ROWS + 99, seed=5))
    one = table(plan, workers=1)
    assert one.equals(table(plan, workers=2, batch_size=40_000))
    assert one.equals(table(plan_generation(request(fields, volume=2 * BLOCK_ROWS + 99, seed=5)), batch_size=7_777))


@pytest.mark.parametrize(
    ("constraints", "extra", "message"),
    [
        ({"weekday_weights": [0, 0, 0, 0, 0, 0, 0]}, {}, "weekday_weights must be non-negative numbers, not all zero"),
        ({"hour_weights": [-1] + [1] * 23}, {}, "hour_weights must be non-negative"),
        ({"profile": "retail", "unique": True}, {}, "unique"),
        ({"profile": "retail", "distribution": {"kind": "normal"}}, {}, "replaces the distribution"),
        ({"profile": "retail", "enum": ["2024-01-01"]}, {}, "enum"),
        ({"profile": "retail", "min": "2024-06-01", "max": "2024-06-02",
          "weekday_weights": [1, 1, 1, 1, 1, 0, 0]}, {}, "no day between min and max"),
        ({"profile": "retail"}, {"type": "integer"}, "not integer"),
        ({"hour_weights": [1] * 24}, {"type": "date"}, "a date has no hour"),
        ({"profile": "retail"}, {"after": "start", "lag": {"distribution": "exponential", "max": "2d"}},
         "the lag must be uniform"),
    ],
)  # fmt: skip
def test_unsupported_profiles_are_refused_naming_the_field(
    constraints: dict[str, Any], extra: dict[str, Any], message: str
) -> None:
    fields = [field("start", "datetime"), {"name": "when", "type": "datetime", "constraints": constraints, **extra}]
    with pytest.raises(SchemaError, match="when") as err:
        plan_generation(request(fields))
    assert message in err.value.message
    report = validate_schema(Schema.model_validate({"fields": fields}))
    assert not report.valid
    assert any(message in m.message and "when" in m.message for m in report.errors)


def test_ordered_fields_refuse_a_profile() -> None:
    tables = [
        {"name": "devices", "volume": 10, "fields": [field("device_id", "uuid", unique=True, primary_key=True)]},
        {"name": "readings", "fields": [
            field("device_id", "reference", references="devices.device_id", cardinality={"min": 1, "max": 3}),
            {"name": "at", "type": "timestamp", "ordered": True, "lag": {"min": "1min", "max": "2min"},
             "constraints": {"profile": "always_on"}},
        ]},
    ]  # fmt: skip
    with pytest.raises(SchemaError, match=r"readings\.at.*ordered field"):
        plan_generation(GenerateDataRequest.model_validate({"schema": {"tables": tables}, "volume": 1}))


def test_every_named_profile_is_usable_and_declared_in_the_model() -> None:
    assert set(named_profiles()) == {p.value for p in TimeProfile}
    for name, p in named_profiles().items():
        assert len(p["weekday"]) == 7 and len(p["hour"]) == 24 and len(p["month"]) == 12, name
        assert min(p["weekday"] + p["hour"] + p["month"]) >= 0 and p["holiday"] >= 0, name
        df = _frame([field("at", "datetime", profile=name)], volume=2_000)
        assert df["at"].null_count() == 0
