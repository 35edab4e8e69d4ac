"""Dates and times: calendar dates, instants to the second or millisecond, times of day (or strftime text)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sdga.engine import timeprofile
from sdga.engine.context import Draw
from sdga.engine.dist import shape_discrete
from sdga.engine.fields.bounds import day_bounds, milli_bounds, second_bounds, time_bounds
from sdga.engine.fields.registry import register
from sdga.engine.temporal import US
from sdga.errors import SchemaError
from sdga.models.schema import FieldSpec


def _formatted(f: FieldSpec) -> bool:
    return bool(f.constraints.format)


def _strftime(arr: pa.Array, f: FieldSpec) -> pa.Array:
    fmt = f.constraints.format or ""
    try:
        out = pc.strftime(arr, format=fmt, locale="C")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise SchemaError(f"field '{f.name}': invalid date format {fmt!r}: {exc}") from exc
    return out


def _draw_ints(d: Draw, lo: int, hi: int) -> np.ndarray:
    if timeprofile.active(d.spec):  # weekday/hour/month/holiday weights (never unique: planning refuses it)
        return timeprofile.draw(d, lo, hi).astype(np.int64)
    if d.unique:
        return d.index(hi - lo + 1).astype(np.int64) + np.int64(lo)
    dist = d.spec.constraints.distribution
    if dist is None and d.path not in d.ctx.copula:
        return d.rng("v").integers(lo, hi, d.n, endpoint=True, dtype=np.int64)
    return shape_discrete(d.uniforms(), lo, hi, dist)


@register("date", "Calendar date in [min, max] (ISO or relative like '-3y'; default the 10 years before the "
          "anchor 2025-01-01); `format` (strftime) makes it a string.", "temporal",
          lambda f: pa.string() if _formatted(f) else pa.date32(),
          lambda f, _l: day_bounds(f)[1] - day_bounds(f)[0] + 1, row_addressable=True, example="2023-07-14")  # fmt: skip
def gen_date(d: Draw) -> pa.Array:
    lo, hi = day_bounds(d.spec)
    arr = pa.array(_draw_ints(d, lo, hi).astype(np.int32), pa.date32())
    return _strftime(arr, d.spec) if _formatted(d.spec) else arr


_TS = pa.timestamp("us", tz="UTC")


@register("datetime", "Instant (UTC, whole seconds) in [min, max]; default the year before the anchor.",
          "temporal", lambda f: pa.string() if _formatted(f) else _TS,
          lambda f, _l: second_bounds(f)[1] - second_bounds(f)[0] + 1, row_addressable=True,
          example="2024-03-01T12:30:00Z")  # fmt: skip
def gen_datetime(d: Draw) -> pa.Array:
    lo, hi = second_bounds(d.spec)
    arr = pa.array(_draw_ints(d, lo, hi) * US, _TS)
    return _strftime(arr, d.spec) if _formatted(d.spec) else arr


@register("timestamp", "Instant (UTC, millisecond precision) in [min, max]; default the 30 days before the anchor.",
          "temporal", lambda f: pa.string() if _formatted(f) else _TS,
          lambda f, _l: milli_bounds(f)[1] - milli_bounds(f)[0] + 1, row_addressable=True,
          example="2024-12-31T23:59:59.123Z")  # fmt: skip
def gen_timestamp(d: Draw) -> pa.Array:
    lo, hi = milli_bounds(d.spec)
    arr = pa.array(_draw_ints(d, lo, hi) * 1000, _TS)
    return _strftime(arr, d.spec) if _formatted(d.spec) else arr


@register("time", "Time of day in [min, max] (HH:MM[:SS]); `format` makes it a string.", "temporal",
          lambda f: pa.string() if _formatted(f) else pa.time32("s"),
          lambda f, _l: time_bounds(f)[1] - time_bounds(f)[0] + 1, row_addressable=True, example="13:45:00")  # fmt: skip
def gen_time(d: Draw) -> pa.Array:
    lo, hi = time_bounds(d.spec)
    secs = _draw_ints(d, lo, hi)
    arr = pa.array(secs.astype(np.int32), pa.time32("s"))
    if _formatted(d.spec):
        as_ts = pa.array(secs * US, pa.timestamp("us"))
        return _strftime(as_ts, d.spec)
    return arr
