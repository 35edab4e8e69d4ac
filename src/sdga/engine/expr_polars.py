"""Expression trees as Polars expressions, evaluated over a whole block at once (never per row).

Null follows SQL: an operation on null gives null, a comparison with null is null (so a ``when`` on it
does not hold). ``a / b`` is true division; ``a // b`` floors. Dates and instants subtract to durations;
``days(3)``, ``hours(2)`` ... build durations to add. ``years_between(a, b)`` counts whole calendar years
(an age), ``days_between`` whole days.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from sdga.engine.expr import BinOp, BoolOp, Call, Col, Compare, IfElse, In, Lit, Node, Random, Unary
from sdga.engine.temporal import ANCHOR
from sdga.errors import SchemaError

UTC_US = pl.Datetime("us", "UTC")


def random_column(index: int) -> str:
    return f"__random{index}"


def to_polars(n: Node) -> pl.Expr:
    """The Polars expression of a resolved tree (names already replaced by :class:`Col`)."""
    if isinstance(n, Lit):
        return pl.lit(n.value)
    if isinstance(n, Col):
        e = pl.col(n.key)
        for part in n.struct_path:
            e = e.struct.field(part)
        return e
    if isinstance(n, Random):
        return pl.col(random_column(n.index))
    if isinstance(n, BinOp):
        a, b = to_polars(n.left), to_polars(n.right)
        return _BIN[n.op](a, b)
    if isinstance(n, Unary):
        return ~to_polars(n.operand) if n.op == "not" else -to_polars(n.operand)
    if isinstance(n, BoolOp):
        out = to_polars(n.values[0])
        for v in n.values[1:]:
            out = (out & to_polars(v)) if n.op == "and" else (out | to_polars(v))
        return out
    if isinstance(n, Compare):
        return _CMP[n.op](to_polars(n.left), to_polars(n.right))
    if isinstance(n, In):
        left = to_polars(n.left)
        if all(isinstance(v, Lit) for v in n.values):
            values = [v.value for v in n.values if isinstance(v, Lit)]
            out = left.is_in(values)
        else:
            out = pl.any_horizontal([left == to_polars(v) for v in n.values])
        out = pl.when(left.is_null()).then(None).otherwise(out)
        return ~out if n.negate else out
    if isinstance(n, IfElse):
        return pl.when(to_polars(n.cond)).then(to_polars(n.then)).otherwise(to_polars(n.other))
    if isinstance(n, Call):
        return _call(n)
    raise SchemaError(f"expression part {type(n).__name__} cannot be evaluated")


_BIN: dict[str, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "//": lambda a, b: a // b,
    "%": lambda a, b: a % b,
    "**": lambda a, b: a.pow(b),
}
_CMP: dict[str, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _int_arg(n: Node, fn: str) -> int:
    if isinstance(n, Lit) and isinstance(n.value, int) and not isinstance(n.value, bool):
        return n.value
    raise SchemaError(f"{fn}() takes a whole number written in the expression here")


def _str_arg(n: Node, fn: str) -> str:
    if isinstance(n, Lit) and isinstance(n.value, str):
        return n.value
    raise SchemaError(f"{fn}() takes a quoted text here")


def _between(unit: str) -> Callable[[pl.Expr, pl.Expr], pl.Expr]:
    def fn(a: pl.Expr, b: pl.Expr) -> pl.Expr:
        d = b - a
        return {
            "days": d.dt.total_days(),
            "hours": d.dt.total_hours(),
            "minutes": d.dt.total_minutes(),
            "seconds": d.dt.total_seconds(),
            "milliseconds": d.dt.total_milliseconds(),
        }[unit]

    return fn


def _to_date(values: pl.Series) -> pl.Series:
    """``date(x)``: ISO text is parsed (Polars no longer casts text to dates), anything else is cast."""
    if values.dtype == pl.Utf8:
        return values.str.to_date(strict=False)
    return values.cast(pl.Date, strict=False)


def _years_between(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    before = (b.dt.month().cast(pl.Int64) * 100 + b.dt.day()) < (a.dt.month().cast(pl.Int64) * 100 + a.dt.day())
    return b.dt.year().cast(pl.Int64) - a.dt.year().cast(pl.Int64) - before.cast(pl.Int64)


def _months_between(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    months = (b.dt.year().cast(pl.Int64) - a.dt.year()) * 12 + (b.dt.month().cast(pl.Int64) - a.dt.month())
    return months - (b.dt.day() < a.dt.day()).cast(pl.Int64)


def _temporal_literal(n: Node, fn: str) -> pl.Expr | None:
    if not (isinstance(n, Lit) and isinstance(n.value, str)):
        return None
    try:
        if fn == "date":
            return pl.lit(date.fromisoformat(n.value.strip()))
        value = datetime.fromisoformat(n.value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise SchemaError(f"{fn}({n.value!r}): not an ISO 8601 {fn}") from exc
    value = value if value.tzinfo else value.replace(tzinfo=ANCHOR.tzinfo)
    return pl.lit(value).cast(UTC_US)


def _slug(e: pl.Expr) -> pl.Expr:
    plain = e.str.normalize("NFKD").str.replace_all(r"\p{M}", "")
    return plain.str.to_lowercase().str.replace_all(r"[^a-z0-9]+", "-").str.strip_chars("-")


_UNARY: dict[str, Callable[[pl.Expr], pl.Expr]] = {
    "abs": lambda e: e.abs(),
    "floor": lambda e: e.floor(),
    "ceil": lambda e: e.ceil(),
    "sqrt": lambda e: e.sqrt(),
    "exp": lambda e: e.exp(),
    "log": lambda e: e.log(),
    "log10": lambda e: e.log10(),
    "is_null": lambda e: e.is_null(),
    "is_not_null": lambda e: e.is_not_null(),
    "lower": lambda e: e.str.to_lowercase(),
    "upper": lambda e: e.str.to_uppercase(),
    "title": lambda e: e.str.to_titlecase(),
    "trim": lambda e: e.str.strip_chars(),
    "length": lambda e: e.str.len_chars().cast(pl.Int64),
    "slug": _slug,
    "int": lambda e: e.cast(pl.Int64, strict=False),
    "float": lambda e: e.cast(pl.Float64, strict=False),
    "str": lambda e: e.cast(pl.Utf8),
    "date": lambda e: e.map_batches(_to_date, return_dtype=pl.Date),
    "datetime": lambda e: e.cast(UTC_US, strict=False),
    "year": lambda e: e.dt.year().cast(pl.Int64),
    "month": lambda e: e.dt.month().cast(pl.Int64),
    "day": lambda e: e.dt.day().cast(pl.Int64),
    "hour": lambda e: e.dt.hour().cast(pl.Int64),
    "minute": lambda e: e.dt.minute().cast(pl.Int64),
    "weekday": lambda e: e.dt.weekday().cast(pl.Int64),
    "day_of_year": lambda e: e.dt.ordinal_day().cast(pl.Int64),
    "weeks": lambda e: pl.duration(weeks=e),
    "days": lambda e: pl.duration(days=e),
    "hours": lambda e: pl.duration(hours=e),
    "minutes": lambda e: pl.duration(minutes=e),
    "seconds": lambda e: pl.duration(seconds=e),
    "milliseconds": lambda e: pl.duration(milliseconds=e),
}
_BINARY: dict[str, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    "pow": lambda a, b: a.pow(b),
    "nullif": lambda a, b: pl.when(a == b).then(None).otherwise(a),
    "years_between": _years_between,
    "months_between": _months_between,
    "days_between": _between("days"),
    "hours_between": _between("hours"),
    "minutes_between": _between("minutes"),
    "seconds_between": _between("seconds"),
    "milliseconds_between": _between("milliseconds"),
}


def _call(n: Call) -> pl.Expr:
    fn, args = n.fn, n.args
    if fn in ("date", "datetime"):
        lit = _temporal_literal(args[0], fn)
        if lit is not None:
            return lit
    if fn == "anchor":
        return pl.lit(ANCHOR).cast(UTC_US)
    if fn == "today":
        return pl.lit(ANCHOR.date())
    if fn == "pick":  # args: the uniform draw, then the literal values
        u, values = to_polars(args[0]), [to_polars(a) for a in args[1:]]
        chain: Any = pl.when(u < 1 / len(values)).then(values[0])
        for i, value in enumerate(values[1:-1], start=2):
            chain = chain.when(u < i / len(values)).then(value)
        out: pl.Expr = chain.otherwise(values[-1])
        return out
    if fn in _UNARY:
        return _UNARY[fn](to_polars(args[0]))
    if fn in _BINARY:
        return _BINARY[fn](to_polars(args[0]), to_polars(args[1]))
    ex = [to_polars(a) for a in args]
    if fn == "round":
        return ex[0].round(_int_arg(args[1], fn) if len(args) > 1 else 0)
    if fn == "clip":
        return pl.min_horizontal(pl.max_horizontal(ex[0], ex[1]), ex[2])
    if fn == "least":
        return pl.min_horizontal(ex)
    if fn == "greatest":
        return pl.max_horizontal(ex)
    if fn == "coalesce":
        return pl.coalesce(ex)
    if fn == "if_else":
        return pl.when(ex[0]).then(ex[1]).otherwise(ex[2])
    if fn == "concat":
        return pl.concat_str([e.cast(pl.Utf8) for e in ex])
    if fn == "format":
        template = _str_arg(args[0], fn)
        if template.count("{}") != len(ex) - 1:
            raise SchemaError(f"format(): {template!r} has {template.count('{}')} '{{}}' for {len(ex) - 1} values")
        return pl.format(template, *ex[1:])
    if fn == "substr":
        start = _int_arg(args[1], fn)
        length = _int_arg(args[2], fn) if len(args) > 2 else None
        return ex[0].str.slice(start, length)
    if fn == "replace":
        return ex[0].str.replace_all(_str_arg(args[1], fn), _str_arg(args[2], fn), literal=True)
    if fn in ("starts_with", "ends_with", "contains"):
        text = _str_arg(args[1], fn)
        if fn == "contains":
            return ex[0].str.contains(text, literal=True)
        return ex[0].str.starts_with(text) if fn == "starts_with" else ex[0].str.ends_with(text)
    if fn in ("lpad", "rpad"):
        width = _int_arg(args[1], fn)
        char = _str_arg(args[2], fn) if len(args) > 2 else " "
        if len(char) != 1:
            raise SchemaError(f"{fn}() pads with one character, not {char!r}")
        e = ex[0].cast(pl.Utf8)
        return e.str.pad_start(width, char) if fn == "lpad" else e.str.pad_end(width, char)
    raise SchemaError(f"unknown function '{fn}'")


def evaluate(node: Node, columns: dict[str, pa.Array], n: int, randoms: dict[int, np.ndarray]) -> pa.Array:
    """The expression over ``n`` rows whose columns are ``columns`` (Arrow arrays), as one Arrow array."""
    data: dict[str, pl.Series] = {k: pl.Series(k, v) for k, v in columns.items()}
    for i, values in randoms.items():
        data[random_column(i)] = pl.Series(random_column(i), values)
    data["__row"] = pl.Series("__row", np.zeros(n, dtype=np.int8))
    frame = pl.DataFrame(data)
    out = frame.select(to_polars(node).alias("__out")).get_column("__out")
    if len(out) != n:  # a constant: broadcast to the block
        out = out.extend_constant(out[0], n - 1) if len(out) == 1 else out
    return out.to_arrow()
