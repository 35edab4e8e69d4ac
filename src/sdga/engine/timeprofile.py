"""Time profiles: dates and instants weighted by weekday, month, public holidays and hour of day.

A profile (``constraints.profile``, named in ``data/time_profiles.yaml``, and/or explicit
``weekday_weights``, ``hour_weights``, ``month_weights``, ``holiday_weight``) gives every day of a field's
range a weight — weekday × month, times ``holiday_weight`` on a public holiday of the row's country
(``data/geo/holidays.parquet``, derived from the ``holidays`` package by :mod:`sdga.engine.geo.build`) —
and spreads each day's weight over its hours by ``hour_weights`` (uniform within an hour). Days and hours
are the row's local ones, in the time zone of the row's city (the row's geography), daylight saving time
included, so "business hours" are 9 to 5 in Berlin and in Los Angeles, in January and in July alike.

Sampling is exact and vectorised: the profile is a cumulative *mass* over time (a sum over days, piecewise
linear within a day); each row draws a mass uniformly between the masses of its own bounds and inverts it
(two ``searchsorted``). Because any range can be inverted, the same draw serves a static ``[min, max]``,
per-row bounds (``after`` with a uniform lag, ``min_expr``, ``max_expr``) and correlated uniforms from a
copula. A row whose range holds no weight at all (a two-hour window at night with ``office_days``) takes a
uniform instant of its range: its bounds come first.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml

from sdga.engine.context import Draw
from sdga.engine.geo.tables import geo_tables
from sdga.errors import SchemaError
from sdga.models.schema import DistributionKind, FieldSpec

DAY = 86400.0
HOUR = 3600.0
#: Seconds per step of each time type's axis (dates in days, datetimes in seconds, timestamps in ms).
UNIT = {"date": DAY, "datetime": 1.0, "timestamp": 0.001}
TIME_TYPES = frozenset(UNIT)
_lock = threading.Lock()


@dataclass(frozen=True)
class Profile:
    weekday: tuple[float, ...]  # Monday .. Sunday
    hour: tuple[float, ...]  # 0 .. 23
    month: tuple[float, ...]  # January .. December
    holiday: float

    @property
    def flat_hours(self) -> bool:
        return len(set(self.hour)) == 1


@cache
def named_profiles() -> dict[str, dict[str, Any]]:
    """The named profiles of ``data/time_profiles.yaml``."""
    text = (resources.files("sdga.engine") / "data" / "time_profiles.yaml").read_text(encoding="utf-8")
    data: dict[str, dict[str, Any]] = yaml.safe_load(text)
    return data


def active(f: FieldSpec) -> bool:
    """Whether a field's values follow a time profile."""
    c = f.constraints
    return any(x is not None for x in (c.profile, c.weekday_weights, c.hour_weights, c.month_weights, c.holiday_weight))


def resolve(f: FieldSpec) -> Profile:
    """The field's profile: its named profile with its explicit weights in place of the matching parts."""
    c = f.constraints
    base: dict[str, Any] = named_profiles()[c.profile.value] if c.profile is not None else {}
    return Profile(
        weekday=tuple(float(x) for x in (c.weekday_weights or base.get("weekday") or [1.0] * 7)),
        hour=tuple(float(x) for x in (c.hour_weights or base.get("hour") or [1.0] * 24)),
        month=tuple(float(x) for x in (c.month_weights or base.get("month") or [1.0] * 12)),
        holiday=float(c.holiday_weight if c.holiday_weight is not None else base.get("holiday", 1.0)),
    )


# --- validation ----------------------------------------------------------------------------------------


def check_field(f: FieldSpec, where: str, span: tuple[datetime, datetime] | None) -> None:
    """Planning's check of a field with a profile; ``span`` is its static range (None: row bounds decide).

    Profiles shape independent draws; combinations whose values something else decides are refused with the
    reason, naming the field.
    """
    if not active(f):
        return
    c = f.constraints

    def fail(message: str) -> SchemaError:
        return SchemaError(f"field '{where}': {message}", details={"field": where})

    if f.type not in TIME_TYPES:
        raise fail(f"time profiles apply to date, datetime and timestamp fields, not {f.type}")
    if f.type == "date" and c.hour_weights is not None:
        raise fail("hour_weights apply to datetime and timestamp fields; a date has no hour")
    if f.expression is not None:
        raise fail("an expression gives the value itself: a time profile cannot shape it")
    if c.unique:
        raise fail("a unique date/time is a permutation of its range: a time profile cannot shape it")
    if c.enum:
        raise fail("a time profile does not combine with enum (the enum lists the values)")
    if c.distribution is not None:
        raise fail("a time profile replaces the distribution of a date/time: give one or the other")
    if f.ordered:
        raise fail(
            "an ordered field's values follow the previous row by its lag: a time profile cannot shape them "
            "(put the profile on the parent's time, which the sequence starts after)"
        )
    lag = f.lag
    if lag is not None and (lag.distribution != DistributionKind.UNIFORM or lag.mean or lag.std):
        raise fail(
            "with a time profile the lag must be uniform (the profile shapes the value between the lag's min "
            "and max): drop the lag's distribution/mean/std or the profile"
        )
    for label, weights in (
        ("weekday_weights", c.weekday_weights),
        ("hour_weights", c.hour_weights),
        ("month_weights", c.month_weights),
    ):
        if weights is not None and (
            not all(math.isfinite(w) and w >= 0 for w in weights) or not any(w > 0 for w in weights)
        ):
            raise fail(f"{label} must be non-negative numbers, not all zero")
    if c.holiday_weight is not None and not math.isfinite(c.holiday_weight):
        raise fail("holiday_weight must be a finite number")
    p = resolve(f)
    if span is not None and not (f.after or c.min_expr or c.max_expr):
        lo, hi = span
        first, last = int(lo.timestamp() // DAY), int(hi.timestamp() // DAY)
        if last - first <= 400_000:
            days = np.arange(first, last + 1, dtype=np.int64)
            w = _day_weights(p, days, None)
            if f.type != "date" and first == last:
                hours = np.asarray(p.hour)[lo.hour : hi.hour + 1]  # local offsets can shift it: a rough check
                w = w * (hours.sum() > 0)
            if not (w > 0).any():
                raise fail("no day between min and max has any weight in its time profile")


# --- data ----------------------------------------------------------------------------------------------


@cache
def _holidays() -> dict[str, np.ndarray]:
    """Each country's public holidays as sorted day numbers (days since 1970-01-01)."""
    path = resources.files("sdga.engine") / "data" / "geo" / "holidays.parquet"
    with path.open("rb") as fh:
        table = pq.read_table(fh)
    codes = np.asarray(table.column("country").to_pylist())
    days = table.column("day").to_numpy().astype(np.int64)
    out: dict[str, np.ndarray] = {}
    if len(codes):
        bounds = np.flatnonzero(codes[1:] != codes[:-1]) + 1
        for part_codes, part_days in zip(np.split(codes, bounds), np.split(days, bounds), strict=True):
            out[str(part_codes[0])] = part_days
    return out


def holidays_of(country: str) -> np.ndarray:
    return _holidays().get(country, np.zeros(0, dtype=np.int64))


_zones: tuple[list[str], np.ndarray] | None = None


def city_zones() -> tuple[list[str], np.ndarray]:
    """The geography's time zones, and each city's (by city number) index into them."""
    global _zones
    if _zones is None:
        with _lock:
            if _zones is None:
                enc = pc.dictionary_encode(geo_tables().timezone)
                names = [str(z) for z in enc.dictionary.to_pylist()]
                _zones = (names, enc.indices.to_numpy(zero_copy_only=False).astype(np.int64))
    return _zones


@lru_cache(maxsize=4096)
def _year_offsets(zone: str, year: int) -> np.ndarray:
    """UTC offset (seconds) at noon of every local day of one year in one time zone (daylight saving included)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    first = datetime(year, 1, 1, 12)
    days = 366 if (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 else 365
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return np.zeros(days)
    out = np.empty(days)
    for i in range(days):  # once per zone and year in a process (cached), not per row
        out[i] = (tz.utcoffset(first + timedelta(days=i)) or timedelta(0)).total_seconds()
    return out


def local_offsets(zone: np.ndarray, day: np.ndarray) -> np.ndarray:
    """UTC offset (seconds) of each row's local day (days since 1970-01-01) in its zone (an index of city_zones)."""
    names = city_zones()[0]
    out = np.zeros(len(day))
    if len(day) == 0:
        return out
    dates = day.astype(np.int64).astype("datetime64[D]")
    year = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    start = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    doy = day.astype(np.int64) - start
    for z in np.unique(zone):
        in_zone = zone == z
        for y in np.unique(year[in_zone]):
            rows = in_zone & (year == y)
            table = _year_offsets(names[int(z)], int(y))
            out[rows] = table[np.clip(doy[rows], 0, len(table) - 1)]
    return out


def _day_weights(p: Profile, days: np.ndarray, country: str | None) -> np.ndarray:
    weekday = np.asarray(p.weekday)[(days + 3) % 7]  # 1970-01-01 was a Thursday (Monday = 0)
    month = np.asarray(p.month)[days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12]
    w = weekday * month
    if country is not None and p.holiday != 1.0:
        w = np.where(np.isin(days, holidays_of(country)), w * p.holiday, w)
    return w


# --- sampling ------------------------------------------------------------------------------------------


def draw(d: Draw, lo: np.ndarray | float, hi: np.ndarray | float) -> np.ndarray:
    """Values on the field's axis (whole days, seconds or milliseconds) in ``[lo, hi]`` per row (inclusive)."""
    f = d.spec
    p = resolve(f)
    unit = UNIT[f.type]
    n = d.n
    lo_a = np.broadcast_to(np.asarray(lo, dtype=np.float64), (n,))
    hi_a = np.broadcast_to(np.asarray(hi, dtype=np.float64), (n,))
    u = d.uniforms()
    hourly = f.type != "date" and not (p.flat_hours and _flat_days(p))
    mix = d.ctx.mix()
    tables = geo_tables()
    geo = d.geo() if (hourly or not mix.single) else None
    zone = city_zones()[1][geo.city] if (hourly and geo is not None) else None
    a, b = lo_a * unit, (hi_a + 1.0) * unit
    if zone is not None:  # the bounds in local time: their own day's offset
        a = a + local_offsets(zone, np.floor(a / DAY))
        b = b + local_offsets(zone, np.floor(b / DAY))
    local = np.empty(n, dtype=np.float64)
    if mix.single or geo is None:
        local[:] = _sample(p, tables.codes[mix.countries[0]], a, b, u, hourly)
    else:
        for c in np.unique(geo.country):
            rows = geo.country == c
            local[rows] = _sample(p, tables.codes[int(c)], a[rows], b[rows], u[rows], hourly)
    # Back to UTC by the offset of the drawn local day (daylight saving time included).
    offset = local_offsets(zone, np.floor(local / DAY)) if zone is not None else 0.0
    x = np.floor((local - offset) / unit + 1e-9)
    return np.clip(x, lo_a, hi_a)


def _flat_days(p: Profile) -> bool:
    return len(set(p.weekday)) == 1 and len(set(p.month)) == 1 and p.holiday == 1.0


def _sample(p: Profile, country: str, a: np.ndarray, b: np.ndarray, u: np.ndarray, hourly: bool) -> np.ndarray:
    """Instants (local seconds) in ``[a, b)`` per row, weighted by the profile."""
    if len(a) == 0:
        return a.copy()
    first = int(np.floor(a.min() / DAY))
    last = int(np.floor(np.nextafter(b.max(), -np.inf) / DAY))
    days = np.arange(first, last + 1, dtype=np.int64)
    w = _day_weights(p, days, country)
    cum = np.concatenate(([0.0], np.cumsum(w)))
    hours = np.asarray(p.hour, dtype=np.float64)
    hcum = np.concatenate(([0.0], np.cumsum(hours))) / hours.sum() if hourly else None
    nd = len(days)

    def mass(x: np.ndarray) -> np.ndarray:
        k = np.clip(np.floor(x / DAY).astype(np.int64) - first, 0, nd - 1)
        s = np.clip(x - (first + k) * DAY, 0.0, DAY)
        if hcum is None:
            within = s / DAY
        else:
            h = np.clip(np.floor(s / HOUR).astype(np.int64), 0, 23)
            within = hcum[h] + (hcum[h + 1] - hcum[h]) * (s / HOUR - h)
        return cum[k] + w[k] * within

    ma, mb = mass(a), mass(b)
    m = ma + u * (mb - ma)
    k = np.clip(np.searchsorted(cum[1:], m, side="left"), 0, nd - 1)
    r = np.clip((m - cum[k]) / np.where(w[k] > 0, w[k], 1.0), 0.0, 1.0)
    if hcum is None:
        s = r * DAY
    else:
        j = np.clip(np.searchsorted(hcum[1:], r, side="left"), 0, 23)
        width = hcum[j + 1] - hcum[j]
        s = (j + np.where(width > 0, (r - hcum[j]) / np.where(width > 0, width, 1.0), 0.0)) * HOUR
    x = (first + k) * DAY + s
    empty = mb - ma <= 0
    if empty.any():
        x = np.where(empty, a + u * (b - a), x)
    return np.clip(x, a, np.nextafter(b, -np.inf))
