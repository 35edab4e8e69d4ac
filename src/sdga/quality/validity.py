"""Validity: does each value meet its schema field's type, range, enum, pattern, format and length?

One boolean polars expression per field (summed into a count of valid values), evaluated in the same
query as the column statistics; without a schema, text columns that are mostly numbers count their
strays as invalid. Definitions are in ``docs/quality.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import polars as pl

from sdga.models import FieldSpec

# Formats the semantic generators produce; a value of the type must match. Kept permissive on purpose:
# validity measures "is this value of the declared kind", not "is it byte-identical to our generator".
FORMAT_PATTERNS: dict[str, str] = {
    "uuid": r"^[0-9a-fA-F]{8}(-?)[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$",
    "email": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    "phone": r"^\+?[0-9(][0-9 ()./x\-]{5,}[0-9]( ?(x|ext\.?) ?[0-9]+)?$",
    "ipv4": r"^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$",
    "ipv6": r"^[0-9a-fA-F:]*:[0-9a-fA-F:.]*$",
    "mac_address": r"^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$",
    "url": r"^[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s]+$",
    "ssn": r"^[0-9]{3}-?[0-9]{2}-?[0-9]{4}$",
    "credit_card": r"^[0-9](?:[ \-]?[0-9]){11,18}$",
    "iban": r"^[A-Z]{2}[0-9]{2} ?[A-Z0-9 ]{10,34}$",
    "country_code": r"^[A-Z]{2,3}$",
    "currency_code": r"^[A-Z]{3}$",
    "time": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$",
    "domain": r"^[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9\-]+)+$",
}
INTEGER_TYPES = frozenset({"integer", "sequence", "http_status"})
FLOAT_TYPES = frozenset({"float", "decimal", "amount", "latitude", "longitude"})
DATE_TYPES = frozenset({"date", "datetime", "timestamp"})
TRUE_WORDS = ["true", "t", "yes", "y", "1"]
FALSE_WORDS = ["false", "f", "no", "n", "0"]


# --- validity --------------------------------------------------------------------------------------------
def _to_number(name: str, dtype: pl.DataType) -> pl.Expr:
    col = pl.col(name)
    if dtype.is_numeric():
        return col.cast(pl.Float64)
    if dtype == pl.Boolean:
        return col.cast(pl.Float64)
    return col.cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False)


def _to_datetime(name: str, dtype: pl.DataType, fmt: str | None) -> pl.Expr:
    col = pl.col(name)
    if dtype == pl.Date:
        return col.cast(pl.Datetime("us"))
    if isinstance(dtype, pl.Datetime):
        return (
            col.dt.replace_time_zone(None).cast(pl.Datetime("us")) if dtype.time_zone else col.cast(pl.Datetime("us"))
        )
    text = col.cast(pl.String).str.strip_chars()
    if fmt:
        return text.str.strptime(pl.Datetime("us"), fmt, strict=False)
    # ISO 8601 with or without time, 'T' or ' ', optional fraction and offset.
    cleaned = text.str.replace(r"(Z|[+-][0-9]{2}:?[0-9]{2})$", "").str.replace("T", " ")
    return pl.coalesce(
        cleaned.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S%.f", strict=False),
        cleaned.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M", strict=False),
        cleaned.str.strptime(pl.Date, "%Y-%m-%d", strict=False).cast(pl.Datetime("us")),
    )


def _bound_datetime(value: Any) -> datetime | None:
    """A schema bound (ISO or the engine's relative forms like '-1d', 'now') as naive UTC."""
    if value is None:
        return None
    from sdga.validation._engine import date_bound

    parsed, _ = date_bound(value, relative_to_now=False, field="bound")
    return parsed


def _bound_number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _regex_ok(pattern: str) -> bool:
    """Whether polars' (Rust) regex engine accepts the pattern; look-arounds and back-references it does not."""
    try:
        pl.select(pl.lit("x").str.contains(pattern))
    except Exception:
        return False
    return True


def _pattern_valid(df: pl.DataFrame, name: str, pattern: str) -> pl.Expr:
    anchored = f"^(?:{pattern})$"
    text = pl.col(name).cast(pl.String)
    if _regex_ok(anchored):
        return text.str.contains(anchored)
    # Python's re on the distinct values only: the cost follows cardinality, not row count.
    try:
        compiled = re.compile(anchored)
    except re.error:
        return pl.lit(False)
    distinct = df.get_column(name).cast(pl.String).drop_nulls().unique().to_list()
    matching = [v for v in distinct if compiled.match(v)]
    return text.is_in(matching)


def null_allowed(spec: FieldSpec) -> bool:
    """Whether a null is a valid value: a nullable field, a conditional one (``when`` without
    ``otherwise``), which is null by design where its condition does not hold, or a tree's parent
    reference, null at the roots."""
    return spec.constraints.nullable or (spec.when is not None and spec.otherwise is None) or bool(spec.tree)


def _field_valid(df: pl.DataFrame, spec: FieldSpec) -> pl.Expr:
    """Boolean expression: the value meets type, range, enum, pattern, format, length and nullability."""
    name, t, c = spec.name, spec.type, spec.constraints
    dtype = df.schema[name]
    col = pl.col(name)
    if isinstance(dtype, pl.Categorical | pl.Enum):
        col, dtype = col.cast(pl.String), pl.String()
    checks: list[pl.Expr] = []
    missing = col.is_null()
    if dtype.is_float():
        missing = missing | col.is_nan()
    nested = isinstance(dtype, pl.List | pl.Array | pl.Struct | pl.Duration) or dtype in (pl.Binary, pl.Object)
    if nested or t in ("object", "json"):
        # A nested value where a scalar is declared is invalid; object/json values are checked for presence only.
        ok = pl.lit(t in ("object", "json", "array"))
        return pl.when(missing).then(pl.lit(null_allowed(spec))).otherwise(ok)
    if dtype == pl.Null:
        return pl.lit(null_allowed(spec))
    is_text = dtype in (pl.String,) or isinstance(dtype, pl.Categorical | pl.Enum)

    if c.enum is not None:
        enum = list(c.enum)
        if dtype == pl.Boolean and all(isinstance(v, bool) for v in enum):
            checks.append(col.is_in(enum))
        elif dtype.is_numeric() and all(_bound_number(v) is not None for v in enum):
            checks.append(col.cast(pl.Float64).is_in([float(v) for v in enum]))
        else:
            words = [str(v).lower() if isinstance(v, bool) else str(v) for v in enum]
            text = col.cast(pl.String)
            checks.append(
                text.is_in(words) | text.str.to_lowercase().is_in([w for w in words if w in ("true", "false")])
            )
    elif t in INTEGER_TYPES or t in FLOAT_TYPES:
        number = _to_number(name, dtype)
        ok = number.is_not_null() & number.is_finite()
        if t in INTEGER_TYPES:
            ok = ok & (number == number.floor())
        lo, hi = _bound_number(c.min), _bound_number(c.max)
        if lo is not None:
            ok = ok & (number >= lo)
        if hi is not None:
            ok = ok & (number <= hi)
        checks.append(ok)
    elif t in DATE_TYPES:
        parsed = _to_datetime(name, dtype, c.format if is_text else None)
        ok = parsed.is_not_null()
        lo_d, hi_d = _bound_datetime(c.min), _bound_datetime(c.max)
        if lo_d is not None and not c.relative_to_now:
            ok = ok & (parsed >= lo_d)
        if hi_d is not None and not c.relative_to_now:
            # A date-only upper bound includes the whole day.
            upper = (  # the day's last microsecond (no overflow for a bound of 9999-12-31)
                hi_d.replace(hour=23, minute=59, second=59, microsecond=999999)
                if isinstance(c.max, str) and len(c.max.strip()) == 10
                else hi_d
            )
            ok = ok & (parsed <= upper)
        checks.append(ok)
    elif t == "boolean":
        if dtype == pl.Boolean:
            checks.append(col.is_not_null())
        elif dtype.is_numeric():
            checks.append(col.cast(pl.Float64).is_in([0.0, 1.0]))
        else:
            checks.append(col.cast(pl.String).str.to_lowercase().str.strip_chars().is_in(TRUE_WORDS + FALSE_WORDS))
    elif t == "time" and dtype == pl.Time:
        checks.append(col.is_not_null())
    elif t in FORMAT_PATTERNS and (is_text or t in ("credit_card",)):
        checks.append(col.cast(pl.String).str.strip_chars().str.contains(FORMAT_PATTERNS[t]))
    elif t in FORMAT_PATTERNS and not is_text:
        checks.append(pl.lit(False))
    if c.pattern is not None and c.enum is None:
        checks.append(_pattern_valid(df, name, c.pattern))
    if (c.min_length is not None or c.max_length is not None) and is_text:
        length = col.str.len_chars()
        if c.min_length is not None:
            checks.append(length >= c.min_length)
        if c.max_length is not None:
            checks.append(length <= c.max_length)

    value_ok = pl.lit(True)
    for check in checks:
        value_ok = value_ok & check.fill_null(False)
    return pl.when(missing).then(pl.lit(null_allowed(spec))).otherwise(value_ok)


VALID_PREFIX = "\x01valid\x00"


def match_fields(fields: list[FieldSpec], columns: list[str]) -> tuple[dict[str, FieldSpec], list[str]]:
    """The schema's leaf fields keyed by the column that holds them, and the fields no column holds.

    Columns named differently from the schema (``First Name`` vs the inferred ``first_name``) still match.
    """
    from sdga.quality.fidelity import canonical_name

    present = set(columns)
    by_identifier = {canonical_name(c): c for c in columns}
    matched: dict[str, FieldSpec] = {}
    missing: list[str] = []
    for field in _leaf_fields(fields, present):
        if field.name not in present and field.name in by_identifier:
            field = field.model_copy(update={"name": by_identifier[field.name]})
        if field.name in present:
            matched[field.name] = field
        else:
            missing.append(field.name)
    return matched, missing


def valid_count(df: pl.DataFrame, field: FieldSpec, parent_keys: Callable[[str, str], pl.Series | None]) -> pl.Expr:
    """How many values of ``field`` (a column of ``df``) are valid, aliased ``VALID_PREFIX + column``.

    A reference must also name an existing key: ``parent_keys(table, field)`` gives the distinct keys.
    """
    if field.type == "array":
        return _array_valid(df, field).cast(pl.UInt32).sum().alias(VALID_PREFIX + field.name)
    expr = _field_valid(df, field)
    if field.references and "." in field.references:
        ref_table, ref_field = field.references.split(".", 1)
        keys = parent_keys(ref_table, ref_field)
        if keys is not None:
            child = pl.col(field.name)
            if keys.dtype != df.schema[field.name]:
                keys = keys.cast(pl.String)
                child = child.cast(pl.String)
            expr = expr & (child.is_null() | child.is_in(keys.implode()))
    return expr.cast(pl.UInt32).sum().alias(VALID_PREFIX + field.name)


def _leaf_fields(fields: list[FieldSpec], columns: set[str], prefix: str = "") -> list[FieldSpec]:
    """Schema fields as the flattened data has them: an object's children become ``parent.child``."""
    out: list[FieldSpec] = []
    for f in fields:
        name = prefix + f.name
        if f.type == "object" and f.fields and name not in columns:
            out.extend(_leaf_fields(f.fields, columns, name + "."))
        else:
            out.append(f if not prefix else f.model_copy(update={"name": name}))
    return out


def _array_valid(df: pl.DataFrame, spec: FieldSpec) -> pl.Expr:
    """A list column (or its JSON text in CSV): length within bounds, enum items within the enum."""
    c = spec.constraints
    col = pl.col(spec.name)
    dtype = df.schema[spec.name]
    if isinstance(dtype, pl.List):
        ok = pl.lit(True)
        length = col.list.len()
        if c.min_length is not None:
            ok = ok & (length >= c.min_length)
        if c.max_length is not None:
            ok = ok & (length <= c.max_length)
        enum = spec.items.constraints.enum if spec.items is not None else None
        if enum is not None:
            ok = ok & col.list.eval(pl.element().cast(pl.String).is_in([str(v) for v in enum])).list.all()
    elif dtype == pl.String:
        text = col.str.strip_chars()
        ok = text.str.starts_with("[") | (text == "")  # XML writes an empty list as an empty element
    else:
        ok = pl.lit(False)
    return pl.when(col.is_null()).then(pl.lit(null_allowed(spec))).otherwise(ok.fill_null(False))


def validity_without_schema(
    df: pl.DataFrame, select: Callable[[pl.DataFrame, list[pl.Expr]], pl.DataFrame]
) -> tuple[int, int]:
    """Without a schema: text columns that are >= 90 % numbers count their non-numbers as invalid."""
    n = df.height
    checked = n * df.width
    text_cols = [c for c, d in df.schema.items() if d == pl.String]
    if not text_cols:
        return checked, checked
    # Only columns whose first values are mostly numbers can be "numbers with strays": skip the rest cheaply.
    head = df.select(text_cols).head(1000)
    text_cols = [
        c
        for c in text_cols
        if head.get_column(c).drop_nulls().len()
        and head.get_column(c).drop_nulls().str.strip_chars().cast(pl.Float64, strict=False).is_not_null().mean() >= 0.5  # type: ignore[operator]
    ]
    if not text_cols:
        return checked, checked
    exprs = []
    for c in text_cols:
        parsed = pl.col(c).str.strip_chars().cast(pl.Float64, strict=False).is_not_null().sum()
        exprs += [parsed.alias(f"{c}\x00p"), pl.col(c).is_not_null().sum().alias(f"{c}\x00n")]
    row = select(df, exprs).row(0, named=True)
    invalid = 0
    for c in text_cols:
        parsed_n, present = row[f"{c}\x00p"], row[f"{c}\x00n"]
        if present and 0.9 <= parsed_n / present < 1.0:
            invalid += present - parsed_n
    return checked - invalid, checked
