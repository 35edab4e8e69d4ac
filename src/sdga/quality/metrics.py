"""``calculate_quality_metrics``: uniqueness, validity, completeness, distributions and field statistics.

Everything is computed with polars expressions, one parallel query per group of columns (statistics and
validity counts together), never a Python loop per row; a table is read group by group, so the cost grows
linearly with rows and columns. Definitions are in ``docs/quality.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
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
    FieldStatistics,
    QualityMetrics,
    Schema,
    TableSpec,
)
from sdga.quality.distribution import SUBSAMPLE, classify
from sdga.quality.io import TableSource, analysis_errors, flatten_nested, open_data
from sdga.quality.validity import VALID_PREFIX, match_fields, valid_count, validity_without_schema

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


# Columns measured per query: few enough that planning stays linear, small enough that memory follows them.
CHUNK_COLUMNS = 128
CHUNK_BYTES = 64 * 1024 * 1024


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


def _as_sources(data: str | Path | pa.Table | Mapping[str, pa.Table]) -> dict[str, TableSource]:
    if isinstance(data, pa.Table):
        return {"data": TableSource(data)}
    if isinstance(data, Mapping):
        if not data:
            raise InvalidInputError("no tables to measure")
        return {str(k): TableSource(v) for k, v in data.items()}
    return open_data(data)


class _Tables(Mapping[str, pa.Table]):
    """The sources as whole Arrow tables, each read only when asked for (coherence rules, a reference)."""

    def __init__(self, sources: Mapping[str, TableSource]) -> None:
        self._sources = sources

    def __getitem__(self, key: str) -> pa.Table:
        return self._sources[key].table()

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)


# Errors that only say the engine could not generate such data: the declaration still describes data that
# can be measured (a back-reference pattern is checked by Python's re; a unique key needs no capacity).
GENERATION_ONLY = frozenset({"unique_capacity", "unique_unsupported", "volume_too_large", "generation_refused"})


def _about_generating(code: str | None, message: str) -> bool:
    return code in GENERATION_ONLY or (code == "pattern_invalid" and "generable" in message)


def require_valid_schema(schema: Schema) -> None:
    """Refuse a schema that ``validate_schema`` finds errors in: validity measured against a contradictory
    or unknown declaration would be a number without meaning (an unknown type scored every value invalid)."""
    from sdga.models import Severity
    from sdga.validation import validate_schema

    result = validate_schema(schema)
    errors = [m for m in result.errors if m.severity == Severity.ERROR and not _about_generating(m.code, m.message)]
    if not errors:
        return
    first = errors[0]
    where = f"{first.field}: " if first.field else ""
    more = f" (and {len(errors) - 1} more; `sdga validate` lists them)" if len(errors) > 1 else ""
    raise InvalidInputError(f"invalid schema: {where}{first.message}{more}")


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
    if dtype.is_numeric():
        values = col.filter(col.is_not_nan()) if dtype.is_float() else col
        exprs.append(values.mean().alias(f"{name}\x00mean"))
        exprs.append(values.median().alias(f"{name}\x00median"))
        exprs.append(values.std().alias(f"{name}\x00std"))
    return exprs


def _statistics(df: pl.DataFrame, extra: list[pl.Expr]) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Every column statistic of ``df``, plus the ``extra`` expressions (validity counts), in one query."""
    exprs: list[pl.Expr] = []
    for name, dtype in df.schema.items():
        exprs.extend(_stat_exprs(name, dtype))
    exprs.extend(extra)
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


def _chunks(source: TableSource) -> Iterator[list[str]]:
    """Top-level columns in groups of at most CHUNK_COLUMNS and about CHUNK_BYTES (at least one column):
    the cost of a query grows faster than its expressions, and memory follows the columns at hand."""
    group: list[str] = []
    size = 0
    for name in source.column_names:
        nbytes = source.nbytes(name)
        if group and (len(group) >= CHUNK_COLUMNS or size + nbytes > CHUNK_BYTES):
            yield group
            group, size = [], 0
        group.append(name)
        size += nbytes
    if group:
        yield group


# --- uniqueness ------------------------------------------------------------------------------------------
def _key_uniqueness(source: TableSource, spec: TableSpec, stats: Mapping[str, Mapping[str, Any]]) -> float | None:
    """Mean share of distinct values over the declared keys (a composite key as one), None without keys."""
    n = source.num_rows
    columns = set(stats)
    scores: list[float] = []
    pk = [f.name for f in spec.fields if f.primary_key and f.name in columns]
    if len(pk) > 1:
        frame = pl.from_arrow(source.read(pk), rechunk=False)
        assert isinstance(frame, pl.DataFrame)
        scores.append(frame.select(pl.struct(pk).n_unique()).item() / n)
    for f in spec.fields:
        if f.name not in columns or (len(pk) > 1 and f.name in pk):
            continue
        if f.constraints.unique or f.primary_key:
            present = n - int(stats[f.name].get("nulls", 0))
            unique = stats[f.name].get("unique")
            if present and unique is not None:
                scores.append(min(1.0, unique / present))
    return float(np.mean(scores)) if scores else None


def _combine_hash(previous: pl.Series | None, df: pl.DataFrame) -> pl.Series | None:
    """A 64-bit hash of each row over the columns seen so far (nested columns left out, as before)."""
    hashable = [c for c, d in df.schema.items() if not isinstance(d, pl.List | pl.Array | pl.Object)]
    if not hashable:
        return previous
    current = df.select(hashable).hash_rows(seed=0)
    if previous is None:
        return current
    return pl.DataFrame({"a": previous, "b": current}).hash_rows(seed=0)


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
    source: TableSource,
    spec: TableSpec | None,
    parent_keys: Callable[[str, str], pl.Series | None],
    seed: int = 0,
) -> tuple[QualityMetrics, int, int]:
    """One table, a group of columns at a time (see :func:`_chunks`): statistics, validity counts and
    distributions of each group in one query, the row hash carried from group to group."""
    n = source.num_rows
    flat_names = flatten_nested(source.schema.empty_table()).column_names
    matched, missing_fields = match_fields(spec.fields, flat_names) if spec is not None and n else ({}, [])
    needs_row_hash = n > 0 and (
        spec is None or not any(f.primary_key or f.constraints.unique for f in spec.fields if f.name in flat_names)
    )
    stats: dict[str, dict[str, Any]] = {}
    valid_counts: dict[str, Any] = {}
    field_statistics: dict[str, FieldStatistics] = {}
    distribution: dict[str, DistributionAnalysis] = {}
    missing_total = 0
    valid_plain = checked_plain = 0
    row_hash: pl.Series | None = None
    for chunk in _chunks(source):
        df = source.frame(chunk)
        extra = [valid_count(df, matched[c], parent_keys) for c in df.columns if c in matched]
        chunk_stats, chunk_valid = _statistics(df, extra)
        stats |= chunk_stats
        valid_counts |= chunk_valid
        if spec is None and n:
            v, c = validity_without_schema(df, _select)
            valid_plain, checked_plain = valid_plain + v, checked_plain + c
        if needs_row_hash:
            row_hash = _combine_hash(row_hash, df)
        for name, dtype in df.schema.items():
            s = chunk_stats[name]
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
            if dtype.is_numeric() and dtype != pl.Boolean:
                values = _distribution_sample(df.get_column(name), seed)
                distribution[name] = DistributionAnalysis(
                    mean=_json_safe(_maybe_float(s.get("mean"))),
                    median=_json_safe(_maybe_float(s.get("median"))),
                    std_dev=_json_safe(_maybe_float(s.get("std"))),
                    distribution_type=classify(values, seed=seed) if values.size else None,
                )
        del df

    cells = n * len(flat_names)
    if spec is None:
        valid, checked = valid_plain, checked_plain
        invalid: dict[str, int] = {}
    else:
        invalid = {name: n - int(ok) for name, ok in valid_counts.items()} | dict.fromkeys(missing_fields, n)
        checked = len(invalid) * n
        valid = checked - sum(invalid.values())
    for name, count in invalid.items():
        if name in field_statistics:
            field_statistics[name].invalid_count = count
        else:
            # A schema field with no column: listed (every value missing and invalid) so that the validity
            # score can be explained from the output.
            field_statistics[name] = FieldStatistics(null_count=count, invalid_count=count)
    uniqueness = 1.0
    if n:
        keyed = _key_uniqueness(source, spec, stats) if spec is not None else None
        if keyed is not None:
            uniqueness = keyed
        elif any(s.get("unique") == n and not s.get("nulls") for s in stats.values()):
            # A column that is already distinct and complete makes every row distinct.
            uniqueness = 1.0
        elif row_hash is not None:
            # No declared keys: the whole row is the key; the share of distinct rows by a 64-bit row hash.
            uniqueness = row_hash.n_unique() / n
    metrics = QualityMetrics(
        uniqueness_score=_clip(uniqueness),
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
    max_pairs: int | None = None,
    check_schema: bool = True,
) -> QualityMetrics:
    """Quality metrics of a data set (file, directory, Arrow table or ``{table: pa.Table}``).

    With several tables the per-table metrics go to ``tables`` and the top-level scores are averages
    weighted by cells (validity: by checked cells); statistics are keyed ``table.field``. With a
    ``reference`` the SDMetrics-style fidelity and privacy report is attached as ``fidelity`` (at most
    ``max_pairs`` column pairs scored, a seeded sample beyond). With a schema that declares relations, they
    are checked on the data (``coherence``); a schema with errors is refused (InvalidInputError, as
    ``validate_schema`` reports them); ``complete=False`` says the data is a sample, so that
    aggregates and reference integrity are not judged on it. A Parquet file is read a few columns at a
    time, never whole, unless a reference or the schema's relations need whole tables.
    """
    if schema is not None and check_schema:
        require_valid_schema(schema)
    sources = _as_sources(data)
    with analysis_errors("compute quality metrics"):
        result = _calculate(sources, schema, reference, max_pairs)
        if schema is not None:
            from sdga.quality.coherence import check_coherence

            result.coherence = check_coherence(_Tables(sources), schema, complete=complete)
        return result


def _calculate(
    sources: dict[str, TableSource],
    schema: Schema | None,
    reference: str | Path | pa.Table | Mapping[str, pa.Table] | None,
    max_pairs: int | None,
) -> QualityMetrics:
    specs = _match_specs(sources, schema)
    keys: dict[tuple[str, str], pl.Series | None] = {}

    def parent_keys(table: str, field: str) -> pl.Series | None:
        """The distinct values of a referenced key (read once, only that column)."""
        if (table, field) not in keys:
            source = sources.get(table) if len(sources) > 1 else None
            found = None
            if source is not None and field in source.column_names:
                found = pl.Series(source.read([field]).column(0)).drop_nulls().unique()
            keys[(table, field)] = found
        return keys[(table, field)]

    per_table: dict[str, tuple[QualityMetrics, int, int]] = {
        name: _table_metrics(source, specs[name], parent_keys) for name, source in sources.items()
    }
    result = next(iter(per_table.values()))[0] if len(per_table) == 1 else _aggregate(per_table)
    if reference is not None:
        from sdga.quality.fidelity import compare_to_reference

        result.fidelity = compare_to_reference(_Tables(sources), reference, schema=schema, max_pairs=max_pairs)
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
