"""Fidelity and privacy of synthetic data against a reference, with SDMetrics' definitions.

Column shapes (KSComplement for numbers and dates, TVComplement for categories), column pair trends
(CorrelationSimilarity, ContingencySimilarity), their mean as the overall score, and privacy: exact-copy
share (hash semi-join) and distance to closest record (KD-tree on range-normalised columns, subsampled, so
never all pairs in memory) with SDMetrics' random baseline. Formulas are in ``docs/quality.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import NamedTuple

import numpy as np
import polars as pl
import pyarrow as pa

from sdga.errors import ConfigurationError, InvalidInputError
from sdga.models import FidelityReport, FieldSpec, Schema, TableSpec
from sdga.quality.io import analysis_errors, flatten_nested, read_data
from sdga.quality.pairs import (
    Column,
    Kind,
    max_pairs_setting,
    numeric,
    pair_scores,
    subsample,
)

DCR_SYNTHETIC_ROWS = 2_000
DCR_REFERENCE_ROWS = 20_000
DCR_MAX_COLUMNS = 100
DISCRETE_MAX_CATEGORIES = 50
ONE_HOT_MAX = 30
DISCRETE_TYPES = frozenset({"category", "boolean", "country", "country_code", "currency_code", "state", "log_level"})
CONTINUOUS_TYPES = frozenset(
    {"integer", "float", "decimal", "amount", "latitude", "longitude", "date", "datetime", "timestamp"}
)


def canonical_name(name: str) -> str:
    """The identifier a column name becomes in an inferred schema (``sepal length (cm)`` -> ``sepal_length_cm``)."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip())
    snake = re.sub(r"[^0-9a-zA-Z]+", "_", snake).strip("_").lower() or "field"
    return snake if not snake[0].isdigit() else f"f_{snake}"


class _PairCount:
    """Column pairs scored and pairs there are, over tables and references (at most ``cap`` each)."""

    def __init__(self, cap: int) -> None:
        self.cap, self.scored, self.total = cap, 0, 0

    def add(self, scored: int, total: int) -> None:
        self.scored += scored
        self.total += total


def _to_frames(data: str | Path | pa.Table | Mapping[str, pa.Table]) -> dict[str, pl.DataFrame]:
    if isinstance(data, pa.Table):
        tables: Mapping[str, pa.Table] = {"data": data}
    elif isinstance(data, Mapping):
        tables = data
    else:
        tables = read_data(data)
    out: dict[str, pl.DataFrame] = {}
    for name, table in tables.items():
        frame = pl.from_arrow(flatten_nested(table))
        assert isinstance(frame, pl.DataFrame)
        out[str(name)] = frame
    return out


def _kind(ref: pl.Series, type_hint: str | None) -> Kind | None:
    if type_hint is not None:
        if type_hint in DISCRETE_TYPES:
            return "discrete"
        if type_hint in CONTINUOUS_TYPES:
            return "continuous"
        return None
    dtype = ref.dtype
    distinct = ref.drop_nulls().n_unique()
    if dtype == pl.Boolean or isinstance(dtype, pl.Categorical | pl.Enum):
        return "discrete"
    if dtype.is_numeric():
        return "discrete" if dtype.is_integer() and distinct <= 10 else "continuous"
    if dtype.is_temporal():
        return "continuous"
    if dtype == pl.String:
        # Few distinct values: a category. Many: ids, names, free text; SDMetrics ignores those too.
        return "discrete" if distinct <= DISCRETE_MAX_CATEGORIES and distinct <= max(2, ref.len() // 2) else None
    return None


def _pair_columns(syn: pl.DataFrame, ref: pl.DataFrame, types: Mapping[str, str]) -> list[Column]:
    syn_names = set(syn.columns)
    syn_by_canon = {canonical_name(c): c for c in syn_names}
    columns: list[Column] = []
    for rc in ref.columns:
        sc = rc if rc in syn_names else syn_by_canon.get(canonical_name(rc))
        if sc is None:
            continue
        kind = _kind(ref.get_column(rc), types.get(sc) or types.get(canonical_name(rc)))
        if kind is not None:
            columns.append(Column(sc, kind, syn.get_column(sc), ref.get_column(rc)))
    return columns


# --- single-column metrics ------------------------------------------------------------------------------
def ks_complement(real: np.ndarray, synthetic: np.ndarray) -> float:
    """1 - sup |F_real - F_syn| (two-sample Kolmogorov-Smirnov statistic), NaN dropped."""
    a = np.sort(real[np.isfinite(real)])
    b = np.sort(synthetic[np.isfinite(synthetic)])
    if a.size == 0 or b.size == 0:
        return float("nan")
    grid = np.concatenate([a, b])
    fa = np.searchsorted(a, grid, side="right") / a.size
    fb = np.searchsorted(b, grid, side="right") / b.size
    return float(1.0 - np.max(np.abs(fa - fb)))


def _frequencies(series: pl.Series) -> dict[str, float]:
    counts = series.drop_nulls().cast(pl.String).value_counts()
    total = counts["count"].sum()
    if not total:
        return {}
    return dict(zip(counts[counts.columns[0]].to_list(), (counts["count"] / total).to_list(), strict=True))


def tv_complement(real: pl.Series, synthetic: pl.Series) -> float:
    """1 - 0.5 * sum_c |p_syn(c) - p_real(c)| over the union of categories, NaN dropped."""
    p, q = _frequencies(real), _frequencies(synthetic)
    if not p or not q:
        return float("nan")
    keys = set(p) | set(q)
    return float(1.0 - 0.5 * sum(abs(p.get(k, 0.0) - q.get(k, 0.0)) for k in keys))


# --- privacy ---------------------------------------------------------------------------------------------
def exact_copy_rate(syn: pl.DataFrame, ref: pl.DataFrame, columns: list[tuple[str, str]]) -> float:
    """Share of synthetic rows equal to some reference row on ``columns`` (pairs syn_name, ref_name)."""
    if syn.height == 0 or not columns:
        return 0.0
    keys = [f"c{i}" for i in range(len(columns))]

    syn_types, ref_types = syn.schema, ref.schema

    def text(frame: pl.DataFrame, name: str, key: str) -> pl.Expr:
        dtype = (syn_types if frame is syn else ref_types)[name]
        col = pl.col(name)
        if isinstance(dtype, pl.Duration):
            col = col.dt.total_microseconds()
        elif isinstance(dtype, pl.List | pl.Array | pl.Struct) or dtype in (pl.Binary, pl.Object):
            col = col.hash()
        return col.cast(pl.String).alias(key)

    # Rows compared by a 64-bit hash of their text (a false match needs a hash collision): one key column
    # however many columns the rows have.
    s = syn.select([text(syn, sc, k) for (sc, _), k in zip(columns, keys, strict=True)]).hash_rows(seed=0)
    r = ref.select([text(ref, rc, k) for (_, rc), k in zip(columns, keys, strict=True)]).hash_rows(seed=0)
    copies = int(s.is_in(r.unique().implode()).sum())
    return copies / syn.height


def _features(
    columns: list[Column],
    ref_idx: np.ndarray | None,
    syn_idx: np.ndarray | None,
    rng: np.random.Generator,
    n_random: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reference, synthetic and random rows as range-normalised numbers (+ a null indicator) and
    half-weighted one-hot categories; ranges and categories come from the whole reference.

    With the L1 metric, sum / n_columns approximates SDMetrics' mean per-column distance: numbers
    contribute min(|x - y| / range, 1) (synthetic values are clipped to the reference range), a category
    mismatch contributes 1 (two one-hot cells of 0.5), a null against a value contributes 1.
    """
    parts: dict[str, list[np.ndarray]] = {"ref": [], "syn": [], "random": []}

    def take(series: pl.Series, idx: np.ndarray | None) -> pl.Series:
        return series if idx is None else series.gather(idx)

    for col in columns:
        ref_values = col.ref
        if col.kind == "continuous":
            r = numeric(ref_values).fill_null(np.nan).to_numpy()
            finite = r[np.isfinite(r)]
            lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
            span = hi - lo if hi > lo else 1.0
            null_rate = 1.0 - finite.size / max(1, r.size)
            x_rand = rng.uniform(lo, hi, n_random)
            x_rand[rng.random(n_random) < null_rate] = np.nan
            for which, x in (
                ("ref", r if ref_idx is None else r[ref_idx]),
                ("syn", numeric(take(col.syn, syn_idx)).fill_null(np.nan).to_numpy()),
                ("random", x_rand),
            ):
                is_null = ~np.isfinite(x)
                parts[which].append(np.clip((np.where(is_null, lo, x) - lo) / span, 0.0, 1.0)[:, None])
                parts[which].append(is_null.astype(float)[:, None])
        else:
            top = _frequencies(ref_values)
            cats = sorted(top, key=lambda k: (-top[k], k))[:ONE_HOT_MAX]
            n_cats = len(cats)
            # Uniform over the observed categories (and null when the reference has nulls).
            choices = n_cats + (1 if ref_values.null_count() else 0)
            rand_codes = rng.integers(0, max(1, choices), n_random)
            rand_codes = np.where(rand_codes == n_cats, n_cats + 1, rand_codes)
            for which, series in (
                ("ref", take(ref_values, ref_idx)),
                ("syn", take(col.syn, syn_idx)),
                ("random", None),
            ):
                if series is None:
                    codes = rand_codes
                else:
                    # Null gets its own cell (n_cats + 1), as in the random rows: replace_strict would send it
                    # to the default, the cell of categories beyond the top ONE_HOT_MAX.
                    text = series.cast(pl.String)
                    codes = text.replace_strict(
                        cats, list(range(n_cats)), default=n_cats, return_dtype=pl.Int64
                    ).to_numpy()
                    codes = np.where(text.is_null().to_numpy(), n_cats + 1, codes)
                onehot = np.zeros((codes.shape[0], n_cats + 2))
                onehot[np.arange(codes.shape[0]), codes] = 0.5
                parts[which].append(onehot)
    ref, syn, rand = (np.hstack(parts[w]) if parts[w] else np.zeros((0, 0)) for w in ("ref", "syn", "random"))
    return ref, syn, rand


def _dcr(query: np.ndarray, reference: np.ndarray, n_columns: int) -> np.ndarray:
    try:
        from scipy.spatial import cKDTree
    except ImportError as exc:  # pragma: no cover - scipy ships with the analysis extra
        raise ConfigurationError(
            "distance to closest record needs scipy: pip install 'synthetic-data-agent[analysis]'"
        ) from exc
    tree = cKDTree(reference)
    distances, _ = tree.query(query, k=1, p=1, workers=-1)
    return np.asarray(distances) / max(1, n_columns)


# --- report ----------------------------------------------------------------------------------------------
def _table_report(
    syn: pl.DataFrame, ref: pl.DataFrame, types: Mapping[str, str], prefix: str, seed: int, counter: _PairCount
) -> tuple[dict[str, float], dict[str, float], float | None, float | None, float | None]:
    columns = _pair_columns(syn, ref, types)
    column_scores: dict[str, float] = {}
    for col in columns:
        if col.kind == "continuous":
            score = ks_complement(
                numeric(col.ref).fill_null(np.nan).to_numpy(), numeric(col.syn).fill_null(np.nan).to_numpy()
            )
        else:
            score = tv_complement(col.ref, col.syn)
        if np.isnan(score) and syn.height and col.syn.drop_nulls().len() == 0 and col.ref.drop_nulls().len():
            # Only nulls where the reference has values: none of its distribution is reproduced.
            score = 0.0
        if not np.isnan(score):
            column_scores[prefix + col.name] = score

    trends, scored, total = pair_scores(columns, None, ref.height, syn.height, prefix, seed, counter.cap)
    counter.add(scored, total)

    copy_cols = [(c.name, c.ref.name) for c in columns] or [(c, c) for c in syn.columns if c in set(ref.columns)]
    copies = exact_copy_rate(syn, ref, copy_cols) if copy_cols else None

    dcr_median = protection = None
    if columns and syn.height and ref.height:
        rng = np.random.default_rng(seed)
        s_idx = subsample(syn.height, DCR_SYNTHETIC_ROWS, seed + 2)
        r_idx = subsample(ref.height, DCR_REFERENCE_ROWS, seed + 3)
        # A wide table: the distance over a seeded sample of its columns (memory follows rows x columns).
        picked = subsample(len(columns), DCR_MAX_COLUMNS, seed + 4)
        dcr_columns = columns if picked is None else [columns[i] for i in picked]
        n_query = syn.height if s_idx is None else s_idx.size
        ref_feat, syn_feat, rand_feat = _features(dcr_columns, r_idx, s_idx, rng, n_query)
        columns = dcr_columns
        d_syn = _dcr(syn_feat, ref_feat, len(columns))
        d_rand = _dcr(rand_feat, ref_feat, len(columns))
        dcr_median = float(np.median(d_syn))
        rand_median = float(np.median(d_rand))
        protection = None if rand_median == 0 else float(min(dcr_median / rand_median, 1.0))
    return column_scores, trends, copies, dcr_median, protection


def _children_per_parent(child: pl.Series, parent_keys: pl.Series) -> np.ndarray:
    """How many child rows point at each parent key (parents without children count 0)."""
    keys = parent_keys.drop_nulls().unique()
    child = child.drop_nulls()
    if child.dtype != keys.dtype:
        child, keys = child.cast(pl.String), keys.cast(pl.String)
    counts = child.filter(child.is_in(keys.implode())).value_counts()["count"].to_numpy().astype(np.float64)
    return np.concatenate([counts, np.zeros(max(0, keys.len() - counts.size))])


class _Link(NamedTuple):
    """One reference present on both sides: the child table, its field, the parent and its key."""

    table: TableSpec
    field: FieldSpec
    parent: str
    key: str
    syn_child: pl.DataFrame
    ref_child: pl.DataFrame
    syn_parent: pl.DataFrame
    ref_parent: pl.DataFrame


def _links(syn: Mapping[str, pl.DataFrame], ref: Mapping[str, pl.DataFrame], schema: Schema) -> Iterator[_Link]:
    """The schema's references whose four tables and two columns exist in both the data and the reference."""
    for table in schema.table_list():
        for f in table.fields:
            if not f.references or f.references.count(".") != 1:
                continue
            parent, key = f.references.split(".")
            s_child, r_child, s_parent, r_parent = (
                syn.get(table.name), ref.get(table.name), syn.get(parent), ref.get(parent)
            )  # fmt: skip
            if s_child is None or r_child is None or s_parent is None or r_parent is None:
                continue
            if f.name not in s_child.columns or f.name not in r_child.columns:
                continue
            if key not in s_parent.columns or key not in r_parent.columns:
                continue
            yield _Link(table, f, parent, key, s_child, r_child, s_parent, r_parent)


def _cardinality_scores(
    syn: Mapping[str, pl.DataFrame], ref: Mapping[str, pl.DataFrame], schema: Schema
) -> dict[str, float]:
    """SDMetrics' CardinalityShapeSimilarity: KS complement of children-per-parent counts, per reference."""
    scores: dict[str, float] = {}
    for link in _links(syn, ref, schema):
        score = ks_complement(
            _children_per_parent(link.ref_child.get_column(link.field.name), link.ref_parent.get_column(link.key)),
            _children_per_parent(link.syn_child.get_column(link.field.name), link.syn_parent.get_column(link.key)),
        )
        if not np.isnan(score):
            scores[f"{link.table.name}.{link.field.name}->{link.field.references}"] = score
    return scores


def _intertable_scores(
    syn: Mapping[str, pl.DataFrame],
    ref: Mapping[str, pl.DataFrame],
    schema: Schema,
    types_by_table: Mapping[str, Mapping[str, str]],
    seed: int,
    counter: _PairCount,
) -> dict[str, float]:
    """SDMetrics' InterTableTrends: column pair trends between a parent's columns and its children's,
    over the rows joined through each reference (both sides joined the same way)."""
    scores: dict[str, float] = {}
    for link in _links(syn, ref, schema):
        table, f, parent, key = link.table, link.field, link.parent, link.key
        s_child, r_child, s_parent, r_parent = link.syn_child, link.ref_child, link.syn_parent, link.ref_parent
        joined = []
        for child, par in ((s_child, s_parent), (r_child, r_parent)):
            c = child.rename({n: f"{table.name}.{n}" for n in child.columns})
            p = par.rename({n: f"{parent}.{n}" for n in par.columns})
            left, right = c.get_column(f"{table.name}.{f.name}"), p.get_column(f"{parent}.{key}")
            if left.dtype != right.dtype:
                c = c.with_columns(left.cast(pl.String))
                p = p.with_columns(right.cast(pl.String))
            joined.append(c.join(p, left_on=f"{table.name}.{f.name}", right_on=f"{parent}.{key}", how="inner"))
        s_join, r_join = joined
        if not s_join.height or not r_join.height:
            continue
        types = {f"{table.name}.{n}": t for n, t in (types_by_table.get(table.name) or {}).items()}
        types |= {f"{parent}.{n}": t for n, t in (types_by_table.get(parent) or {}).items()}
        # Keys say nothing about trends (SDMetrics leaves id columns out): the join key, references and
        # primary keys of both tables.
        keys = {f"{table.name}.{g.name}" for g in table.fields if g.references or g.primary_key}
        keys |= {f"{parent}.{key}"} | {
            f"{parent}.{g.name}"
            for t in schema.table_list()
            if t.name == parent
            for g in t.fields
            if g.references or g.primary_key
        }
        columns = [c for c in _pair_columns(s_join, r_join, types) if c.name not in keys]
        parent_cols = [c for c in columns if c.name.startswith(f"{parent}.")]
        child_cols = [c for c in columns if c.name.startswith(f"{table.name}.")]
        found, scored, total = pair_scores(parent_cols, child_cols, r_join.height, s_join.height, "", seed, counter.cap)
        scores |= found
        counter.add(scored, total)
    return scores


_KEY_NAME = re.compile(r"(^|_)id$", re.IGNORECASE)


def _relations_of(frames: Mapping[str, pl.DataFrame]) -> Schema | None:
    """Keys and references read from the reference tables themselves (no schema given): a table's key is
    its first non-null, unique ``id``/``*_id`` column; another table's ``*_id`` column whose values all
    occur in that key references it. Only what cardinality and inter-table trends need."""
    keys: dict[str, tuple[str, pl.Series]] = {}
    for name, frame in frames.items():
        for col in frame.columns:
            series = frame.get_column(col)
            if _KEY_NAME.search(col) and series.null_count() == 0 and series.n_unique() == frame.height > 0:
                keys[name] = (col, series)
                break
    tables: list[dict[str, object]] = []
    for name, frame in frames.items():
        fields: list[dict[str, object]] = []
        own = keys.get(name)
        if own is not None:
            fields.append({"name": own[0], "type": "string", "primary_key": True})
        for col in frame.columns:
            if (own is not None and col == own[0]) or not _KEY_NAME.search(col):
                continue
            child = frame.get_column(col).drop_nulls().unique()
            for parent, (pk, values) in keys.items():
                if parent == name or not child.len() or child.dtype != values.dtype:
                    continue
                if child.is_in(values.implode()).all():
                    fields.append({"name": col, "type": "reference", "references": f"{parent}.{pk}"})
                    break
        if fields:
            tables.append({"name": name, "fields": fields})
    if not any(f.get("references") for t in tables for f in t["fields"]):  # type: ignore[attr-defined]
        return None
    try:
        return Schema.model_validate({"tables": tables})
    except ValueError:  # names the schema model does not accept: no relation scores, as before
        return None


def compare_to_reference(
    synthetic: str | Path | pa.Table | Mapping[str, pa.Table],
    reference: str | Path | pa.Table | Mapping[str, pa.Table],
    *,
    schema: Schema | None = None,
    seed: int = 0,
    max_pairs: int | None = None,
) -> FidelityReport:
    """SDMetrics-style fidelity and privacy of ``synthetic`` against ``reference`` (files, dirs or tables).

    Tables are paired by name (or the only table with the only table); columns by name or by the
    identifier an inferred schema gives them. ID-like and free-text columns are ignored, as SDMetrics
    ignores id and PII sdtypes. Column pairs (within a table, and across each reference) beyond
    ``max_pairs`` (default ``SDGA_METRICS_MAX_PAIRS``, 2,000) are scored on a sample drawn with ``seed``;
    the report says how many pairs it scored of how many.
    """
    with analysis_errors("compare with the reference"):
        cap = max_pairs if max_pairs is not None else max_pairs_setting()
        if cap < 1:
            raise InvalidInputError(f"max_pairs must be at least 1, not {cap}")
        return _compare(_to_frames(synthetic), _to_frames(reference), schema, seed, _PairCount(cap))


def _compare(
    syn_frames: dict[str, pl.DataFrame],
    ref_frames: dict[str, pl.DataFrame],
    schema: Schema | None,
    seed: int,
    counter: _PairCount,
) -> FidelityReport:
    if len(syn_frames) == 1 and len(ref_frames) == 1:
        pairs = [(next(iter(syn_frames)), next(iter(ref_frames)))]
    else:
        pairs = [(name, name) for name in syn_frames if name in ref_frames]
    if not pairs:
        raise InvalidInputError(
            f"no table of the reference ({', '.join(ref_frames)}) matches the data ({', '.join(syn_frames)})"
        )
    types_by_table: dict[str, dict[str, str]] = {}
    if schema is not None:
        for table in schema.table_list(default_name=pairs[0][0]):
            types_by_table[table.name] = {
                f.name: ("category" if f.constraints.enum is not None and f.type not in CONTINUOUS_TYPES else f.type)
                for f in table.fields
            }
    multi = len(pairs) > 1
    column_scores: dict[str, float] = {}
    pair_scores: dict[str, float] = {}
    copies: list[tuple[float, int]] = []
    dcrs: list[float] = []
    protections: list[float] = []
    for syn_name, ref_name in pairs:
        types = types_by_table.get(syn_name) or (
            next(iter(types_by_table.values())) if len(types_by_table) == 1 else {}
        )
        cs, ps, cp, dcr, prot = _table_report(
            syn_frames[syn_name], ref_frames[ref_name], types, f"{syn_name}." if multi else "", seed, counter
        )
        column_scores.update(cs)
        pair_scores.update(ps)
        if cp is not None:
            copies.append((cp, syn_frames[syn_name].height))
        if dcr is not None:
            dcrs.append(dcr)
        if prot is not None:
            protections.append(prot)
    # References come from the schema, or (none given) from the reference tables' own keys.
    relations = schema if schema is not None else (_relations_of(ref_frames) if multi else None)
    cardinality_scores = _cardinality_scores(syn_frames, ref_frames, relations) if relations and multi else {}
    intertable_scores = (
        _intertable_scores(syn_frames, ref_frames, relations, types_by_table, seed, counter)
        if relations and multi
        else {}
    )
    shapes = float(np.mean(list(column_scores.values()))) if column_scores else None
    trends = float(np.mean(list(pair_scores.values()))) if pair_scores else None
    cardinality = float(np.mean(list(cardinality_scores.values()))) if cardinality_scores else None
    intertable = float(np.mean(list(intertable_scores.values()))) if intertable_scores else None
    parts = [x for x in (shapes, trends, cardinality, intertable) if x is not None]
    total_rows = sum(n for _, n in copies)
    return FidelityReport(
        column_shapes=shapes,
        column_pair_trends=trends,
        overall_score=float(np.mean(parts)) if parts else None,
        column_scores=column_scores,
        pair_scores=pair_scores,
        cardinality=cardinality,
        cardinality_scores=cardinality_scores,
        intertable_trends=intertable,
        intertable_scores=intertable_scores,
        exact_copy_rate=(sum(c * n for c, n in copies) / total_rows) if total_rows else None,
        dcr_median=float(np.mean(dcrs)) if dcrs else None,
        dcr_baseline_protection=float(np.mean(protections)) if protections else None,
        pairs_scored=counter.scored,
        pairs_total=counter.total,
        pairs_sampled=counter.scored < counter.total,
    )
