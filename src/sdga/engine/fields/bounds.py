"""Bounds of numeric, temporal and text fields: the ranges generators draw from and edge cases reach.

Generators, the unique-capacity checks and the edge-case injector all read a field's ``min``/``max``
(or ``min_length``/``max_length``) through these functions, so that they agree to the last value.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

import numpy as np

from sdga.engine.temporal import US, days, micros, reference_point, time_seconds, to_datetime
from sdga.errors import SchemaError
from sdga.models.schema import FieldSpec

INT_DEFAULT = (0, 1_000_000)
FLOAT_DEFAULT = (0.0, 1000.0)
AMOUNT_DEFAULT = (0.0, 10_000.0)
LATITUDE_DEFAULT = (-90.0, 90.0)
LONGITUDE_DEFAULT = (-180.0, 180.0)


# --- numbers -----------------------------------------------------------------------------------------


def num_bounds(f: FieldSpec, default: tuple[float, float]) -> tuple[float, float]:
    """``(min, max)`` as floats; ``default`` fills what is not given (max never below min)."""
    c = f.constraints
    try:
        lo = float(c.min) if c.min is not None else default[0]
        hi = float(c.max) if c.max is not None else max(default[1], lo)
    except (TypeError, ValueError) as exc:
        raise SchemaError(f"field '{f.name}': min/max must be numbers for type {f.type}") from exc
    if lo > hi:
        raise SchemaError(f"field '{f.name}': min ({lo:g}) is greater than max ({hi:g})")
    return lo, hi


def _exact_int_bound(value: Any) -> int | None:
    """An integer bound taken exactly when it is written as an integer (float would round above 2**53)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def int_bounds(f: FieldSpec) -> tuple[int, int]:
    """The first and last integer in ``[min, max]`` (default 0..1,000,000), exact up to 64 bits."""
    lo, hi = num_bounds(f, INT_DEFAULT)
    c = f.constraints
    exact_lo = _exact_int_bound(c.min)
    exact_hi = _exact_int_bound(c.max)
    ilo = exact_lo if exact_lo is not None else int(np.ceil(lo))
    if exact_hi is not None:
        ihi = exact_hi
    elif c.max is None:
        ihi = max(INT_DEFAULT[1], ilo)
    else:
        ihi = int(np.floor(hi))
    if ilo > ihi:
        raise SchemaError(f"field '{f.name}': no integer lies between min and max")
    if ilo < -(2**63) or ihi > 2**63 - 1:
        raise SchemaError(f"field '{f.name}': integer bounds must fit in 64 bits")
    return ilo, ihi


def precision(f: FieldSpec, default: int | None) -> int | None:
    """Decimal places of the field (``constraints.precision``), else ``default``."""
    return f.constraints.precision if f.constraints.precision is not None else default


def _exact_decimal(value: Any, fallback: float) -> Decimal:
    """A bound as written (``0.1`` is one tenth, ``"1234567890123456.78"`` keeps every digit)."""
    if value is None:
        return Decimal(repr(fallback))
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return Decimal(repr(fallback))


def scaled_bounds(f: FieldSpec, default: tuple[float, float], p: int) -> tuple[int, int]:
    """``[min, max]`` in units of ``10**-p``: the first and last value with ``p`` decimals, exactly.

    Going through float would round bounds of 16+ digits (values outside ``[min, max]``) and miscount the
    values a unique field can take (``0.15..0.3`` with one decimal holds 0.2 and 0.3 only).
    """
    lo, hi = num_bounds(f, default)
    scale = Decimal(10) ** p
    slo = int((_exact_decimal(f.constraints.min, lo) * scale).to_integral_value(rounding=ROUND_CEILING))
    shi = int((_exact_decimal(f.constraints.max, hi) * scale).to_integral_value(rounding=ROUND_FLOOR))
    if slo > shi:
        raise SchemaError(f"field '{f.name}': no value with {p} decimal places lies between min and max")
    return slo, shi


def decimal_scaled_bounds(f: FieldSpec, default: tuple[float, float] = AMOUNT_DEFAULT) -> tuple[int, int]:
    """``[min, max]`` of a decimal field in units of ``10**-precision`` (see :func:`scaled_bounds`)."""
    slo, shi = scaled_bounds(f, default, precision(f, 2) or 0)
    if max(abs(slo), abs(shi)) >= 10**18:
        raise SchemaError(f"field '{f.name}': bounds too large for 18 significant digits")
    return slo, shi


# --- lengths -----------------------------------------------------------------------------------------


def length_bounds(f: FieldSpec, lo: int, hi: int) -> tuple[int, int]:
    """``(min_length, max_length)``, ``lo``/``hi`` filling what is not given."""
    c = f.constraints
    # A bound that is not given follows the one that is: `max_length: 5` alone means 5 at most (not an
    # error against the default minimum of 8), `min_length: 20` alone means at least 20.
    default_min = lo if c.max_length is None else min(lo, c.max_length)
    a = c.min_length if c.min_length is not None else default_min
    b = c.max_length if c.max_length is not None else max(hi, a)
    if a > b:
        raise SchemaError(f"field '{f.name}': min_length ({a}) is greater than max_length ({b})")
    return a, b


# --- time --------------------------------------------------------------------------------------------


def temporal_range(f: FieldSpec, default_lo: str, default_hi: str) -> tuple[datetime, datetime]:
    """``[min, max]`` as instants (ISO or relative to the anchor, or to now on request)."""
    c = f.constraints
    ref = reference_point(c.relative_to_now)
    lo = to_datetime(c.min if c.min is not None else default_lo, ref=ref, field=f.name)
    hi = to_datetime(c.max if c.max is not None else default_hi, ref=ref, field=f.name)
    if lo > hi:
        raise SchemaError(f"field '{f.name}': min ({lo.isoformat()}) is after max ({hi.isoformat()})")
    return lo, hi


def day_bounds(f: FieldSpec) -> tuple[int, int]:
    """A date field's range in days since 1970-01-01 (default the 10 years before the anchor)."""
    lo, hi = temporal_range(f, "-10y", "anchor")
    return days(lo), days(hi)


def second_bounds(f: FieldSpec) -> tuple[int, int]:
    """A datetime field's range in whole seconds since the epoch (default the year before the anchor)."""
    lo, hi = temporal_range(f, "-1y", "anchor")
    return -(-micros(lo) // US), micros(hi) // US


def milli_bounds(f: FieldSpec) -> tuple[int, int]:
    """A timestamp field's range in milliseconds since the epoch (default the 30 days before the anchor)."""
    lo, hi = temporal_range(f, "-30d", "anchor")
    return -(-micros(lo) // 1000), micros(hi) // 1000


def time_bounds(f: FieldSpec) -> tuple[int, int]:
    """A time field's range in seconds after midnight (default the whole day)."""
    c = f.constraints
    lo = time_seconds(c.min, f.name) if c.min is not None else 0
    hi = time_seconds(c.max, f.name) if c.max is not None else 86399
    if lo > hi:
        raise SchemaError(f"field '{f.name}': min time is after max time")
    return lo, hi
