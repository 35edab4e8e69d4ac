"""``calculate_quality_metrics``: uniqueness, validity, completeness, distributions and field statistics.

Everything is computed column-at-a-time with polars expressions (one parallel query per table for the
statistics, one for validity), never a Python loop per row. Definitions are in ``docs/quality.md``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from sdga.errors import InvalidInputError
from sdga.models import (
    DistributionAnalysis,
    FieldSpec,
    FieldStatistics,
    QualityMetrics,
    Schema,
    TableSpec,
)
from sdga.quality.distribution import SUBSAMPLE, classify
from sdga.quality.io import analysis_errors, flatten_nested, read_data

NUMERIC_DTYPES = (
    pl.Int8,
    pl.Int16,
    pl.Int32,
    pl.Int64,
    pl.UInt8,
    pl.UInt16,
    pl.UInt32,
    pl.UInt64,
    pl.Float32,
    pl.Float64,
)

# Formats the semantic generators produce; a value of the type must match. Kept permissive on purpose:
# validity measures "is this value of the declared kind", not "is it byte-identical to our generator".
FORMAT_PATTERNS: dict[str, str] = {
    "uuid": r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
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


# --- helpers ---------------------------------------------------------------------------------------------
def _json_safe(value: Any) -> Any:
    """Statistics values as JSON-friendly scalars (dates as ISO strings, NaN as None)."""
    if value is None:
        return None
    if isinstance(value, float):
        return None if not math.isfinite(value) else value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def _flatten(table: pa.Table) -> pa.Table:
    """Structs become ``parent.child`` columns so that nested fields get statistics too (maps: lists)."""
    return flatten_nested(table)


def _is_numeric(dtype: pl.DataType) -> bool:
    return dtype.is_numeric()


def _as_tables(data: str | Path | pa.Table | Mapping[str, pa.Table]) -> dict[str, pa.Table]:
    if isinstance(data, pa.Table):
        return {"data": data}
    if isinstance(data, Mapping):
        if not data:
            raise InvalidInputError("no tables to measure")
        return {str(k): v for k, v in data.items()}
    return read_data(data)


def _match_specs(tables: Mapping[str, Any], schema: Schema | None) -> dict[str, TableSpec | None]:
    """Pair each data table with its schema table: by name, or the only table with the only spec."""
    if schema is None:
        return dict.fromkeys(tables)
    specs = schema.table_list(default_name=next(iter(tables)))
    by_name = {s.name: s for s in specs}
    out: dict[str, TableSpec | None] = {name: by_name.get(name) for name in tables}
    if len(tables) == 1 and len(specs) == 1:
        out[next(iter(tables))] = specs[0]
    return out


# --- statistics ------------------------------------------------------------------------------------------
# Common-subexpression caching is off: the statistics query repeats `drop_nulls()` per column, and polars'
# expression cache is where its rare multi-threaded hangs have been reported; the cost of recomputing is small.
_NO_CACHE = pl.QueryOptFlags(comm_subexpr_elim=False, comm_subplan_elim=False)


def _select(df: pl.DataFrame, exprs: list[pl.Expr]) -> pl.DataFrame:
    return df.lazy().select(exprs).collect(optimizations=_NO_CACHE)


def _stat_exprs(name: str, dtype: pl.DataType) -> list[pl.Expr]:
    col = pl.col(name)
    exprs = [col.null_count().alias(f"{name}\x00nulls")]
    if dtype.is_float():
        exprs.append(col.is_nan().sum().alias(f"{name}\x00nans"))
    if isinstance(dtype, pl.List | pl.Array):
        exprs.append(col.list.len().mean().alias(f"{name}\x00avglen"))
        return exprs
    if dtype == pl.Null:
        return exprs
    exprs.append(col.drop_nulls().n_unique().alias(f"{name}\x00unique"))
    if isinstance(dtype, pl.Categorical | pl.Enum):
        col = col.cast(pl.String)
    if dtype != pl.Object:
        exprs.append(col.min().alias(f"{name}\x00min"))
        exprs.append(col.max().alias(f"{name}\x00max"))
    if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Categorical | pl.Enum):
        exprs.append(col.str.len_chars().mean().alias(f"{name}\x00avglen"))
    if _is_numeric(dtype):
        values = col.filter(col.is_not_nan()) if dtype.is_float() else col
        exprs.append(values.mean().alias(f"{name}\x00mean"))
        exprs.append(values.median().alias(f"{name}\x00median"))
        exprs.append(values.std().alias(f"{name}\x00std"))
    return exprs


def _statistics(
    df: pl.DataFrame, extra: list[pl.Expr] | None = None
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Every column statistic, plus the ``extra`` expressions (validity counts), in one parallel query."""
    exprs: list[pl.Expr] = []
    for name, dtype in df.schema.items():
        exprs.extend(_stat_exprs(name, dtype))
    exprs.extend(extra or [])
    row = _select(df, exprs).row(0, named=True) if exprs and df.width else {}
    stats: dict[str, dict[str, Any]] = {name: {} for name in df.columns}
    extras: dict[str, Any] = {}
    for key, value in row.items():
        if key.startswith(VALID_PREFIX):
            extras[key[len(VALID_PREFIX) :]] = value
            continue
        name, _, stat = key.rpartition("\x00")
        stats[name][stat] = value
    return stats, extras


# --- validity --------------------------------------------------------------------------------------------
def _to_number(name: str, dtype: pl.DataType) -> pl.Expr:
    col = pl.col(name)
    if _is_numeric(dtype):
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
        return pl.when(missing).then(pl.lit(c.nullable)).otherwise(ok)
    if dtype == pl.Null:
        return pl.lit(c.nullable)
    is_text = dtype in (pl.String,) or isinstance(dtype, pl.Categorical | pl.Enum)

    if c.enum is not None:
        enum = list(c.enum)
        if dtype == pl.Boolean and all(isinstance(v, bool) for v in enum):
            checks.append(col.is_in(enum))
        elif _is_numeric(dtype) and all(_bound_number(v) is not None for v in enum):
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
        elif _is_numeric(dtype):
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
    return pl.when(missing).then(pl.lit(c.nullable)).otherwise(value_ok)


VALID_PREFIX = "\x01valid\x00"


def _validity_exprs(
    df: pl.DataFrame, spec: TableSpec, parents: Mapping[str, pl.DataFrame]
) -> tuple[list[pl.Expr], dict[str, int]]:
    """Per schema field, an expression counting valid values (aliased ``VALID_PREFIX + column``), and the
    fields that have no column at all (every value invalid)."""
    from sdga.quality.fidelity import canonical_name

    n = df.height
    # Columns named differently from the schema (``First Name`` vs the inferred ``first_name``) still match.
    by_identifier = {canonical_name(c): c for c in df.columns}
    exprs: list[pl.Expr] = []
    missing: dict[str, int] = {}
    for field in _leaf_fields(spec.fields, set(df.columns)):
        if field.name not in df.columns and field.name in by_identifier:
            field = field.model_copy(update={"name": by_identifier[field.name]})
        if field.name not in df.columns:
            missing[field.name] = n
            continue
        if field.type == "array":
            exprs.append(_array_valid(df, field).cast(pl.UInt32).sum().alias(VALID_PREFIX + field.name))
            continue
        expr = _field_valid(df, field)
        if field.references and "." in field.references:
            ref_table, ref_field = field.references.split(".", 1)
            parent = parents.get(ref_table)
            if parent is not None and ref_field in parent.columns:
                keys = parent.get_column(ref_field).drop_nulls().unique()
                child = pl.col(field.name)
                if keys.dtype != df.schema[field.name]:
                    keys = keys.cast(pl.String)
                    child = child.cast(pl.String)
                expr = expr & (child.is_null() | child.is_in(keys.implode()))
        exprs.append(expr.cast(pl.UInt32).sum().alias(VALID_PREFIX + field.name))
    return exprs, missing


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
    return pl.when(col.is_null()).then(pl.lit(c.nullable)).otherwise(ok.fill_null(False))


def _validity_without_schema(df: pl.DataFrame) -> tuple[int, int]:
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
    row = _select(df, exprs).row(0, named=True)
    invalid = 0
    for c in text_cols:
        parsed_n, present = row[f"{c}\x00p"], row[f"{c}\x00n"]
        if present and 0.9 <= parsed_n / present < 1.0:
            invalid += present - parsed_n
    return checked - invalid, checked


# --- uniqueness ------------------------------------------------------------------------------------------
def _uniqueness(df: pl.DataFrame, spec: TableSpec | None, stats: Mapping[str, Mapping[str, Any]]) -> float:
    n = df.height
    if n == 0:
        return 1.0
    scores: list[float] = []
    if spec is not None:
        pk = [f.name for f in spec.fields if f.primary_key and f.name in df.columns]
        if len(pk) > 1:
            scores.append(df.select(pl.struct(pk).n_unique()).item() / n)
        for f in spec.fields:
            if f.name not in df.columns or (len(pk) > 1 and f.name in pk):
                continue
            if f.constraints.unique or f.primary_key:
                present = n - int(stats[f.name].get("nulls", 0))
                unique = stats[f.name].get("unique")
                if present and unique is not None:
                    scores.append(min(1.0, unique / present))
    if scores:
        return float(np.mean(scores))
    # No declared keys: the whole row is the key, so the score is the share of distinct rows. A column
    # that is already distinct and complete makes every row distinct without hashing the rows.
    if any(s.get("unique") == n and not s.get("nulls") for s in stats.values()):
        return 1.0
    hashable = [c for c, d in df.schema.items() if not isinstance(d, pl.List | pl.Array | pl.Object)]
    if not hashable:
        return 1.0
    distinct = df.select(pl.struct(hashable).n_unique()).item()
    return float(distinct) / n


# --- per table and aggregate -----------------------------------------------------------------------------
def _distribution_sample(series: pl.Series, seed: int) -> np.ndarray:
    """The values the distribution test sees: a seeded subsample as float64 (never a full copy)."""
    present = series.drop_nulls()
    if present.dtype.is_float():
        present = present.filter(present.is_finite())
    if present.len() > SUBSAMPLE:
        present = present.sample(SUBSAMPLE, with_replacement=False, seed=seed)
    return present.cast(pl.Float64).to_numpy()


def _table_metrics(
    table: pa.Table, spec: TableSpec | None, parents: Mapping[str, pl.DataFrame], seed: int = 0
) -> tuple[QualityMetrics, int, int]:
    flat = _flatten(table)
    df = pl.from_arrow(flat, rechunk=False)
    assert isinstance(df, pl.DataFrame)
    n = df.height
    validity_exprs, missing = _validity_exprs(df, spec, parents) if spec is not None and n else ([], {})
    stats, valid_counts = _statistics(df, validity_exprs)

    field_statistics: dict[str, FieldStatistics] = {}
    distribution: dict[str, DistributionAnalysis] = {}
    missing_total = 0
    for name, dtype in df.schema.items():
        s = stats[name]
        nulls = int(s.get("nulls", 0)) + int(s.get("nans", 0) or 0)
        missing_total += nulls
        avg = s.get("avglen")
        field_statistics[name] = FieldStatistics(
            null_count=nulls,
            unique_count=int(s.get("unique", 0) or 0),
            min_value=_json_safe(s.get("min")),
            max_value=_json_safe(s.get("max")),
            avg_length=float(avg) if avg is not None else None,
        )
        if _is_numeric(dtype) and dtype != pl.Boolean:
            values = _distribution_sample(df.get_column(name), seed)
            distribution[name] = DistributionAnalysis(
                mean=_json_safe(_maybe_float(s.get("mean"))),
                median=_json_safe(_maybe_float(s.get("median"))),
                std_dev=_json_safe(_maybe_float(s.get("std"))),
                distribution_type=classify(values, seed=seed) if values.size else None,
            )

    cells = n * df.width
    if spec is None:
        valid, checked = _validity_without_schema(df) if n else (0, 0)
        invalid: dict[str, int] = {}
    else:
        invalid = {name: n - int(ok) for name, ok in valid_counts.items()} | missing
        checked = len(invalid) * n
        valid = checked - sum(invalid.values())
    for name, count in invalid.items():
        if name in field_statistics:
            field_statistics[name].invalid_count = count
        else:
            # A schema field with no column: listed (every value missing and invalid) so that the validity
            # score can be explained from the output.
            field_statistics[name] = FieldStatistics(null_count=count, invalid_count=count)
    metrics = QualityMetrics(
        uniqueness_score=_clip(_uniqueness(df, spec, stats)),
        validity_score=_clip(valid / checked) if checked else 1.0,
        completeness_score=_clip(1.0 - missing_total / cells) if cells else 1.0,
        distribution_analysis=distribution,
        field_statistics=field_statistics,
        row_count=n,
    )
    return metrics, cells, checked


def _maybe_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _clip(x: float) -> float:
    return float(min(1.0, max(0.0, x)))


def calculate_quality_metrics(
    data: str | Path | pa.Table | Mapping[str, pa.Table],
    *,
    schema: Schema | None = None,
    reference: str | Path | pa.Table | Mapping[str, pa.Table] | None = None,
    complete: bool = True,
) -> QualityMetrics:
    """Quality metrics of a data set (file, directory, Arrow table or ``{table: pa.Table}``).

    With several tables the per-table metrics go to ``tables`` and the top-level scores are averages
    weighted by cells (validity: by checked cells); statistics are keyed ``table.field``. With a
    ``reference`` the SDMetrics-style fidelity and privacy report is attached as ``fidelity``. With a
    schema that declares relations, they are checked on the data (``coherence``); ``complete=False`` says
    the data is a sample, so that aggregates and reference integrity are not judged on it.
    """
    tables = _as_tables(data)
    with analysis_errors("compute quality metrics"):
        result = _calculate(tables, schema, reference)
        if schema is not None:
            from sdga.quality.coherence import check_coherence

            result.coherence = check_coherence(tables, schema, complete=complete)
        return result


def _calculate(
    tables: dict[str, pa.Table],
    schema: Schema | None,
    reference: str | Path | pa.Table | Mapping[str, pa.Table] | None,
) -> QualityMetrics:
    specs = _match_specs(tables, schema)
    parents: dict[str, pl.DataFrame] = {}
    if schema is not None and len(tables) > 1:
        parents = {}
        for name, table in tables.items():
            frame = pl.from_arrow(_flatten(table), rechunk=False)
            assert isinstance(frame, pl.DataFrame)
            parents[name] = frame
    per_table: dict[str, tuple[QualityMetrics, int, int]] = {
        name: _table_metrics(table, specs[name], parents) for name, table in tables.items()
    }
    result = next(iter(per_table.values()))[0] if len(per_table) == 1 else _aggregate(per_table)
    if reference is not None:
        from sdga.quality.fidelity import compare_to_reference

        result.fidelity = compare_to_reference(tables, reference, schema=schema)
    return result


def _aggregate(per_table: Mapping[str, tuple[QualityMetrics, int, int]]) -> QualityMetrics:
    cells = {k: v[1] for k, v in per_table.items()}
    checked = {k: v[2] for k, v in per_table.items()}

    def weighted(attr: str, weights: Mapping[str, int]) -> float:
        total = sum(weights.values())
        if total == 0:
            return 1.0
        return _clip(sum(getattr(per_table[k][0], attr) * w for k, w in weights.items()) / total)

    field_statistics: dict[str, FieldStatistics] = {}
    distribution: dict[str, DistributionAnalysis] = {}
    for table, (m, _, _) in per_table.items():
        field_statistics.update({f"{table}.{k}": v for k, v in m.field_statistics.items()})
        distribution.update({f"{table}.{k}": v for k, v in m.distribution_analysis.items()})
    return QualityMetrics(
        uniqueness_score=weighted("uniqueness_score", cells),
        validity_score=weighted("validity_score", checked),
        completeness_score=weighted("completeness_score", cells),
        distribution_analysis=distribution,
        field_statistics=field_statistics,
        row_count=sum(m.row_count or 0 for m, _, _ in per_table.values()),
        tables={k: v[0] for k, v in per_table.items()},
    )
