"""The column dispatcher: one column of one block, the type's values, then edge cases, then nulls.

Every value of every field, nested parts included, comes through :func:`generate_column`: the types of
nested fields (object, array, json) receive it to build their parts, so that the family modules never
import this one. Everything here is deterministic.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sdga.engine.context import Draw
from sdga.engine.fields import arrow_type, lookup, uses_enum
from sdga.engine.fields.bounds import (
    AMOUNT_DEFAULT,
    FLOAT_DEFAULT,
    LATITUDE_DEFAULT,
    LONGITUDE_DEFAULT,
    day_bounds,
    decimal_scaled_bounds,
    int_bounds,
    milli_bounds,
    num_bounds,
    second_bounds,
)
from sdga.engine.fields.choice import enum_arrow, enum_cdf, enum_values, pick_weighted
from sdga.errors import SchemaError
from sdga.models.schema import END_STATE, EdgeCase, FieldSpec

DEFAULT_NULL_RATE = 0.1
VERY_LONG_DEFAULT = 1024
UNICODE_SAMPLES = ("Zoë Ñúñez", "Łukasz Żółć", "渡辺 健太", "Дмитрий Иванов", "محمد علي", "😀 café ☕", "Ⅻ ﬁ ß ẞ")
WHITESPACE_SAMPLES = (" ", "  leading", "trailing  ", "\tTab", "line\nbreak")
SPECIAL_SAMPLES = ("O'Brien", 'Robert"); DROP TABLE students;--', "<script>alert(1)</script>", "%s%n%x", "a\\b", "NULL")
_STRING_EDGES = {EdgeCase.EMPTY, EdgeCase.VERY_LONG, EdgeCase.UNICODE, EdgeCase.WHITESPACE, EdgeCase.SPECIAL_CHARS}


def null_rate(f: FieldSpec) -> float:
    c = f.constraints
    if c.null_rate is not None:
        return c.null_rate if (c.nullable or c.null_rate > 0) else 0.0
    return DEFAULT_NULL_RATE if c.nullable else 0.0


def _bound_values(f: FieldSpec, typ: pa.DataType) -> tuple[Any, Any] | None:
    """(min, max) of a numeric or temporal field as Python values of its Arrow type."""
    try:
        if pa.types.is_integer(typ):
            return int_bounds(f)
        if pa.types.is_floating(typ):
            lo, hi = num_bounds(f, FLOAT_DEFAULT)
            if f.type == "latitude":
                lo, hi = num_bounds(f, LATITUDE_DEFAULT)
            elif f.type == "longitude":
                lo, hi = num_bounds(f, LONGITUDE_DEFAULT)
            return lo, hi
        if pa.types.is_decimal(typ):
            slo, shi = decimal_scaled_bounds(f, AMOUNT_DEFAULT)
            return Decimal(slo).scaleb(-typ.scale), Decimal(shi).scaleb(-typ.scale)
        if pa.types.is_date(typ):
            a, b = day_bounds(f)
            return date.fromordinal(date(1970, 1, 1).toordinal() + a), date.fromordinal(
                date(1970, 1, 1).toordinal() + b
            )
        if pa.types.is_timestamp(typ):
            if f.type == "timestamp":
                a, b = milli_bounds(f)
                return datetime.fromtimestamp(a / 1000, tz=UTC), datetime.fromtimestamp(b / 1000, tz=UTC)
            a, b = second_bounds(f)
            return datetime.fromtimestamp(a, tz=UTC), datetime.fromtimestamp(b, tz=UTC)
    except (ValueError, OverflowError):
        return None
    return None


def edge_pool(f: FieldSpec, typ: pa.DataType) -> list[Any]:
    """The boundary values this field can take, per its type (inapplicable edge cases are skipped)."""
    pool: list[Any] = []
    is_text = pa.types.is_string(typ)
    bounds = _bound_values(f, typ)
    long_len = f.constraints.max_length or VERY_LONG_DEFAULT
    for edge in f.constraints.edge_cases:
        if edge == EdgeCase.NULL:
            pool.append(None)
        elif edge in (EdgeCase.MIN, EdgeCase.MAX) and bounds is not None:
            pool.append(bounds[0] if edge == EdgeCase.MIN else bounds[1])
        elif is_text and edge in _STRING_EDGES:
            if edge == EdgeCase.EMPTY:
                pool.append("")
            elif edge == EdgeCase.VERY_LONG:
                pool.append(("Lorem ipsum dolor sit amet " * (long_len // 27 + 1))[:long_len])
            elif edge == EdgeCase.UNICODE:
                pool.extend(UNICODE_SAMPLES)
            elif edge == EdgeCase.WHITESPACE:
                pool.extend(WHITESPACE_SAMPLES)
            else:
                pool.extend(SPECIAL_SAMPLES)
    return pool


def _apply_edges(d: Draw, arr: pa.Array) -> pa.Array:
    f = d.spec
    if not f.constraints.edge_cases or f.constraints.edge_case_rate <= 0:
        return arr
    pool = edge_pool(f, arr.type)
    if not pool:
        return arr
    rng = d.rng("edge")
    hit = rng.random(d.n) < f.constraints.edge_case_rate
    if not hit.any():
        return arr
    choice = rng.integers(0, len(pool), d.n)
    repl = pa.array(pool, arr.type).take(pa.array(choice))
    return pc.if_else(pa.array(hit), repl, arr)


def _apply_nulls(d: Draw, arr: pa.Array) -> pa.Array:
    rate = null_rate(d.spec)
    if rate <= 0:
        return arr
    mask = d.rng("null").random(d.n) < rate
    if not mask.any():
        return arr
    return pc.if_else(pa.array(mask), pa.scalar(None, arr.type), arr)


def generate_column(d: Draw, typ: pa.DataType | None = None) -> pa.Array:
    """Values of ``d.spec`` for ``d.n`` rows, with its edge cases and nulls applied."""
    try:
        return _generate_column(d, typ)
    except SchemaError as exc:
        raise name_field(exc, f"{d.ctx.table}.{d.path}") from exc


def name_field(exc: SchemaError, where: str) -> SchemaError:
    """The same error, its message prefixed with the field when it does not name one yet."""
    if "field '" in exc.message or "table '" in exc.message:
        return exc
    details = exc.details if exc.details is not None else {"field": where}
    return type(exc)(f"field '{where}': {exc.message}", details=details)


def _generate_column(d: Draw, typ: pa.DataType | None) -> pa.Array:
    f = d.spec
    if uses_enum(f):
        values = enum_values(f)
        arr = pick_weighted(d, pa.array(values, enum_arrow(values)), enum_cdf(f, len(values)))
    else:
        td = lookup(f)
        if td.nested is not None:
            arr = td.nested(d, generate_column)
        else:
            assert td.generate is not None  # every type has one generator or the other
            arr = td.generate(d)
    target = typ if typ is not None else (None if f.type == "reference" else arrow_type(f))
    if target is not None and arr.type != target:
        arr = arr.cast(target)
    return finish_column(d, arr)


def finish_column(d: Draw, arr: pa.Array) -> pa.Array:
    """The field's edge cases, then its nulls, over values made by the type or by a rule."""
    arr = _apply_edges(d, arr)
    return _apply_nulls(d, arr)


def rows_array(start: int, n: int) -> np.ndarray:
    return np.arange(start, start + n, dtype=np.uint64)


def max_value_length(f: FieldSpec) -> int | None:
    """The longest text (in characters) a string column of ``f`` can hold, edge cases included; None if unbounded.

    Known for an enum, a state machine's states and ``string``/``pattern`` fields; unknown (None) for
    derived values (``expression``, ``otherwise``) and ``very_long`` edge cases without ``max_length``.
    A SQL writer sizes ``VARCHAR`` columns with it.
    """
    from sdga.engine.fields.text import max_text_length

    if f.expression is not None or f.otherwise is not None:
        return None
    longest: int | None
    if f.state_machine is not None:
        states = set(f.state_machine.initial) | set(f.state_machine.transitions)
        states |= {s for nxt in f.state_machine.transitions.values() for s in nxt}
        longest = max(len(s) for s in states - {END_STATE})
    elif f.constraints.enum:
        longest = max(len(str(v)) for v in f.constraints.enum)
    else:
        longest = max_text_length(f)
    if longest is None:
        return None
    pool = edge_pool(f, pa.string()) if f.constraints.edge_cases else []
    if EdgeCase.VERY_LONG in f.constraints.edge_cases and f.constraints.max_length is None:
        return None
    return max([longest, *(len(v) for v in pool if isinstance(v, str))])
