"""Values drawn between bounds of their own row: ``after`` with a ``lag``, ``min_expr`` and ``max_expr``.

Numbers and instants are handled on one integer-or-float axis per type: days for dates, seconds for
datetimes, milliseconds for timestamps, the value itself for numbers (units of ``10**-precision`` for
decimals). Each row gets ``[lo, hi]``:

* from ``after``: ``base + lag.min .. base + lag.max`` (lag bounds are durations); without ``lag.max``, up
  to the field's ``max`` (given or default);
* from ``min_expr`` / ``max_expr``: that row's value (a null bound is no bound);
* the field's own ``min``/``max`` when given.

The row's bounds always win over the field's static ones, and of two row bounds that cross, the lower one
wins (``after`` is a promise about order). A null ``after`` gives a null value. The value follows the
lag's law (``after``) or the field's ``distribution`` truncated to the row's range.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sdga.engine.dist import shape_rows
from sdga.engine.fields.bounds import (
    AMOUNT_DEFAULT,
    FLOAT_DEFAULT,
    day_bounds,
    decimal_scaled_bounds,
    int_bounds,
    milli_bounds,
    num_bounds,
    precision,
    second_bounds,
)
from sdga.engine.fields.numeric import decimal_from_scaled, decimal_type
from sdga.engine.temporal import duration_seconds
from sdga.errors import SchemaError
from sdga.models.schema import Distribution, FieldSpec, Lag

US = 1_000_000
#: Seconds per unit of each time type's axis.
TIME_UNIT = {"date": 86400.0, "datetime": 1.0, "timestamp": 0.001}


def axis_unit(f: FieldSpec) -> float | None:
    """Seconds per step of a time field's axis (None for numbers)."""
    return TIME_UNIT.get(f.type)


def static_bounds(f: FieldSpec) -> tuple[float, float]:
    """The field's own range on its axis (given or default)."""
    t = f.type
    if t == "date":
        a, b = day_bounds(f)
    elif t == "datetime":
        a, b = second_bounds(f)
    elif t == "timestamp":
        a, b = milli_bounds(f)
    elif t == "integer":
        a, b = int_bounds(f)
    elif t in ("decimal", "amount"):
        a, b = decimal_scaled_bounds(f, AMOUNT_DEFAULT)
    else:
        return num_bounds(f, FLOAT_DEFAULT)
    return float(a), float(b)


def to_axis(arr: pa.Array, f: FieldSpec, *, upper: bool | None) -> np.ndarray:
    """A bound column on the field's axis as float64 (NaN where null).

    Values are rounded to the axis' steps towards the inside of the bound (a lower bound up, an upper bound
    down; ``upper=None`` leaves them exact), so that a date after a datetime is after it on every reading
    of the two.
    """
    unit = axis_unit(f)
    typ = arr.type
    if pa.types.is_null(typ):
        return np.full(len(arr), np.nan)
    if unit is not None:
        if pa.types.is_date32(typ):
            us = pc.cast(arr, pa.int32()).to_numpy(zero_copy_only=False).astype(np.float64) * 86400.0 * US
        elif pa.types.is_timestamp(typ):
            us = _timestamp_us(arr)
        else:
            raise SchemaError(f"a bound of a {f.type} field must be a date or time, not {typ}")
        x = us / (unit * US)
        return x if upper is None else np.floor(x) if upper else np.ceil(x)
    if pa.types.is_decimal(typ) or pa.types.is_integer(typ) or pa.types.is_floating(typ) or pa.types.is_boolean(typ):
        x = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
    else:
        raise SchemaError(f"a bound of a {f.type} field must be a number, not {typ}")
    x = np.asarray(x, dtype=np.float64)
    if f.type in ("decimal", "amount"):
        x = x * 10 ** (precision(f, 2) or 0)
    if upper is not None and f.type in ("decimal", "amount", "integer"):
        x = np.floor(x + 1e-9) if upper else np.ceil(x - 1e-9)
    return x


def _timestamp_us(arr: pa.Array) -> np.ndarray:
    unit = arr.type.unit
    raw = pc.cast(arr, pa.int64()).to_numpy(zero_copy_only=False).astype(np.float64)
    return raw * {"s": 1e6, "ms": 1e3, "us": 1.0, "ns": 1e-3}[unit]


def lag_plan(f: FieldSpec, lag: Lag | None) -> tuple[float, float | None, Distribution | None]:
    """(lag min, lag max or None, law) on the field's axis."""
    unit = axis_unit(f) or 1.0
    where = f.name
    if lag is None:
        return 0.0, None, None
    lo = duration_seconds(lag.min, where) / unit
    hi = duration_seconds(lag.max, where) / unit if lag.max is not None else None
    if hi is not None and hi < lo:
        raise SchemaError(f"field '{where}': lag max ({lag.max}) is below lag min ({lag.min})")
    if lo < 0:
        raise SchemaError(f"field '{where}': lag min must not be negative (use min_expr for values before a field)")
    mean = duration_seconds(lag.mean, where) / unit if lag.mean is not None else None
    std = duration_seconds(lag.std, where) / unit if lag.std is not None else None
    if lag.distribution.value not in ("uniform", "normal", "lognormal", "exponential"):
        raise SchemaError(f"field '{where}': a lag follows uniform, normal, lognormal or exponential")
    if lag.distribution.value != "uniform" and hi is None and mean is None:
        raise SchemaError(f"field '{where}': a {lag.distribution.value} lag needs a mean or a max")
    return lo, hi, Distribution(kind=lag.distribution, mean=mean, std=std)


def row_range(
    f: FieldSpec,
    n: int,
    base: np.ndarray | None,
    lag: Lag | None,
    min_b: np.ndarray | None,
    max_b: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Every row's ``[lo, hi]`` on the field's axis (see the module docstring for the precedence)."""
    c = f.constraints
    s_lo, s_hi = static_bounds(f)
    lag_lo, lag_hi, _law = lag_plan(f, lag)
    nan = np.full(n, np.nan)
    d_lo = nan.copy() if min_b is None else min_b.copy()
    d_hi = nan.copy() if max_b is None else max_b.copy()
    if base is not None:
        d_lo = np.fmax(d_lo, base + lag_lo)
        if lag_hi is not None:
            d_hi = np.fmin(d_hi, base + lag_hi)
    has_lo, has_hi = ~np.isnan(d_lo), ~np.isnan(d_hi)
    # The field's given min/max always apply; its defaults only where no row bound stands on that side
    # (an ``after`` without lag.max runs up to the field's max, given or default).
    lo = np.fmax(d_lo, s_lo) if c.min is not None else np.where(has_lo, d_lo, s_lo)
    hi = np.fmin(d_hi, s_hi) if c.max is not None else np.where(has_hi, d_hi, s_hi)
    crossed = lo > hi
    if crossed.any():
        # Row bounds beat static ones; of two row bounds, the lower one (the order) wins.
        fix = np.where(has_lo, d_lo, np.where(has_hi, d_hi, lo))
        lo = np.where(crossed, fix, lo)
        hi = np.where(crossed, fix, hi)
    return lo, hi


def draw(
    f: FieldSpec,
    u: np.ndarray,
    base: np.ndarray | None,
    lag: Lag | None,
    min_b: np.ndarray | None,
    max_b: np.ndarray | None,
) -> np.ndarray:
    """Values on the field's axis (float64; NaN where ``base`` is null)."""
    n = len(u)
    lo, hi = row_range(f, n, base, lag, min_b, max_b)
    integral = f.type in ("date", "datetime", "timestamp", "integer", "decimal", "amount")
    if integral:
        # Whole steps of the axis inside each row's range (a date at least 36 hours after an instant is on
        # the second day after it); a range holding no whole step keeps its lower end.
        lo, hi = np.ceil(lo - 1e-9), np.floor(hi + 1e-9)
        hi = np.where(hi < lo, lo, hi)
    # Whole steps: the law on [lo - 1/2, hi + 1/2), rounded to the nearest step (flooring would move the
    # mean half a step down).
    bottom = lo - 0.5 if integral else lo
    top = np.nextafter(hi + 0.5, -np.inf) if integral else hi
    if base is not None:
        _lo, _hi, law = lag_plan(f, lag)
        x = base + shape_rows(u, bottom - base, top - base, law, 0.0)
    else:
        law = f.constraints.distribution
        if law is not None and f.type in ("decimal", "amount"):
            scale = 10.0 ** (precision(f, 2) or 0)
            law = law.model_copy(
                update={
                    "mean": law.mean * scale if law.mean is not None else None,
                    "std": law.std * scale if law.std is not None else None,
                }
            )
        support = static_bounds(f)[0]
        x = shape_rows(u, bottom, top, law, support if math.isfinite(support) else 0.0)
    if integral:
        x = np.clip(np.floor(x + 0.5), lo, hi)
    else:
        p = precision(f, None)
        x = np.clip(x, lo, hi)
        if p is not None:
            grid = 10.0**p
            x = np.clip(np.round(x, p), np.ceil(lo * grid - 1e-9) / grid, np.floor(hi * grid + 1e-9) / grid)
    if base is not None:
        x = np.where(np.isnan(base), np.nan, x)
    return x


def to_arrow(x: np.ndarray, f: FieldSpec, typ: pa.DataType) -> pa.Array:
    """Axis values as the field's Arrow type (NaN becomes null)."""
    mask = np.isnan(x)
    filled = np.where(mask, 0, x)
    t = f.type
    if t == "date":
        arr: pa.Array = pa.array(filled.astype(np.int32), pa.date32(), mask=mask)
    elif t in ("datetime", "timestamp"):
        factor = US if t == "datetime" else 1000
        arr = pa.array(filled.astype(np.int64) * factor, pa.timestamp("us", tz="UTC"), mask=mask)
    elif t == "integer":
        arr = pa.array(filled.astype(np.int64), pa.int64(), mask=mask)
    elif t in ("decimal", "amount"):
        arr = decimal_from_scaled(filled.astype(np.int64), decimal_type(f))
        if mask.any():
            arr = pc.if_else(pa.array(mask), pa.scalar(None, arr.type), arr)
    else:
        arr = pa.array(filled, pa.float64(), mask=mask)
    if arr.type != typ:
        if pa.types.is_string(typ) and f.constraints.format:
            return pc.strftime(arr, format=f.constraints.format, locale="C")
        arr = arr.cast(typ)
    return arr
