"""Date/time bounds: ISO values, or expressions relative to a fixed anchor (or to now, on request).

The anchor (2025-01-01T00:00:00Z) is what makes "created in the last 3 years" reproducible: the same
request gives the same dates whatever day it runs. ``constraints.relative_to_now`` opts into the clock.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from sdga.errors import SchemaError

ANCHOR = datetime(2025, 1, 1, tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US = 1_000_000

_REL = re.compile(r"^\s*(now|today|anchor)?\s*((?:[+-]\s*\d+(?:\.\d+)?\s*[a-z]+\s*)*)$", re.IGNORECASE)
_TERM = re.compile(r"([+-])\s*(\d+(?:\.\d+)?)\s*([a-z]+)", re.IGNORECASE)
_UNITS = {
    "y": 365.25 * 86400, "yr": 365.25 * 86400, "year": 365.25 * 86400, "years": 365.25 * 86400,
    "mo": 30.4375 * 86400, "month": 30.4375 * 86400, "months": 30.4375 * 86400,
    "w": 7 * 86400, "week": 7 * 86400, "weeks": 7 * 86400,
    "d": 86400, "day": 86400, "days": 86400,
    "h": 3600, "hour": 3600, "hours": 3600,
    "m": 60, "min": 60, "minute": 60, "minutes": 60,
    "s": 1, "sec": 1, "second": 1, "seconds": 1,
    "ms": 0.001, "millisecond": 0.001, "milliseconds": 0.001,
}  # fmt: skip


def reference_point(relative_to_now: bool) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) if relative_to_now else ANCHOR


def _relative(text: str, ref: datetime) -> datetime | None:
    m = _REL.match(text)
    if not m or not (m.group(1) or m.group(2).strip()):
        return None
    base = ref
    if (m.group(1) or "").lower() == "today":
        base = ref.replace(hour=0, minute=0, second=0, microsecond=0)
    seconds = 0.0
    for sign, amount, unit in _TERM.findall(m.group(2)):
        factor = _UNITS.get(unit.lower())
        if factor is None:
            raise SchemaError(f"unknown time unit '{unit}' in '{text}' (use y, mo, w, d, h, min, s)")
        seconds += (1 if sign == "+" else -1) * float(amount) * factor
    return base + timedelta(seconds=seconds)


def to_datetime(value: object, *, ref: datetime, field: str) -> datetime:
    """A bound as an aware UTC datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise SchemaError(f"field '{field}': date bounds must be ISO dates or relative expressions like '-3y'")
    text = str(value).strip()
    rel = _relative(text, ref)
    if rel is not None:
        return rel
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise SchemaError(
            f"field '{field}': cannot read date bound '{text}' (use ISO 8601 like 2024-01-31, or '-3y', 'now')"
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def micros(dt: datetime) -> int:
    delta = dt - EPOCH
    return (delta.days * 86400 + delta.seconds) * US + delta.microseconds


def days(dt: datetime) -> int:
    return (dt - EPOCH).days


def time_seconds(value: object, field: str) -> int:
    if isinstance(value, time):
        return value.hour * 3600 + value.minute * 60 + value.second
    try:
        t = time.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise SchemaError(f"field '{field}': cannot read time bound '{value}' (use HH:MM[:SS])") from exc
    return t.hour * 3600 + t.minute * 60 + t.second


def duration_seconds(text: object, field: str) -> float:
    """A duration such as '90s', '15min', '2h', '3d', '2w', '6mo', '1.5y' (or '1d 12h') in seconds."""
    src = str(text).strip()
    terms = _TERM.findall("+" + src.replace(" ", "+")) if src and src[0] not in "+-" else _TERM.findall(src)
    rebuilt = "".join(f"{s}{a}{u}" for s, a, u in terms)
    if not terms or rebuilt.replace("+", "") != src.replace(" ", "").replace("+", ""):
        raise SchemaError(f"field '{field}': cannot read duration '{src}' (use e.g. '90s', '15min', '2h', '3d', '6mo')")
    seconds = 0.0
    for sign, amount, unit in terms:
        factor = _UNITS.get(unit.lower())
        if factor is None:
            raise SchemaError(f"field '{field}': unknown time unit '{unit}' in '{src}' (use y, mo, w, d, h, min, s)")
        seconds += (1 if sign == "+" else -1) * float(amount) * factor
    return seconds
