"""Column-pair trends: SDMetrics' CorrelationSimilarity and ContingencySimilarity over many pairs.

Each column is prepared once (numbers as float64, categories and binned numbers as integer codes shared by
both sides), so that scoring a pair is a couple of vectorised passes over its rows; a wide table is scored
on a seeded sample of at most ``max_pairs`` pairs (reported as such), so the cost grows linearly with rows
and columns. Formulas are in ``docs/quality.md``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import polars as pl

Kind = Literal["continuous", "discrete"]
Side = Literal["ref", "syn"]

CONTINGENCY_SUBSAMPLE = 50_000
DEFAULT_MAX_PAIRS = 2_000
BINCOUNT_MAX_CELLS = 1_000_000
# SDMetrics' QualityReport (0.32) defaults: a pair shows a trend worth reproducing when the reference's
# |Pearson r| exceeds 0.5 (two numeric columns) or its Cramér's V exceeds 0.3 (any other pair).
REAL_CORRELATION_THRESHOLD = 0.5
REAL_ASSOCIATION_THRESHOLD = 0.3


def max_pairs_setting() -> int:
    """The most column pairs scored per table or reference (``SDGA_METRICS_MAX_PAIRS``, default 2,000)."""
    raw = os.environ.get("SDGA_METRICS_MAX_PAIRS", "").strip()
    try:
        value = int(raw) if raw else DEFAULT_MAX_PAIRS
    except ValueError:
        value = DEFAULT_MAX_PAIRS
    return max(1, value)


@dataclass
class Column:
    name: str
    kind: Kind
    syn: pl.Series
    ref: pl.Series


def numeric(series: pl.Series) -> pl.Series:
    """Numbers as float64; dates and datetimes as epoch microseconds (durations as their count)."""
    dtype = series.dtype
    if dtype == pl.Date:
        return series.cast(pl.Datetime("us")).dt.epoch("us").cast(pl.Float64)
    if isinstance(dtype, pl.Datetime):
        return series.dt.epoch("us").cast(pl.Float64)
    if isinstance(dtype, pl.Duration):
        return series.dt.total_microseconds().cast(pl.Float64)
    return series.cast(pl.Float64, strict=False)


def as_floats(series: pl.Series) -> np.ndarray:
    return numeric(series).fill_null(np.nan).to_numpy()


# --- the two pair metrics --------------------------------------------------------------------------------
def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    mask = np.isfinite(x) & np.isfinite(y)
    if mask.sum() < 3:
        return float("nan")
    x, y = x[mask], y[mask]
    if x.std() == 0 or y.std() == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def correlation_similarity(real: tuple[np.ndarray, np.ndarray], syn: tuple[np.ndarray, np.ndarray]) -> float:
    """1 - |r_real - r_syn| / 2 with Pearson's r on pairwise-complete rows."""
    r_real, r_syn = _pearson(*real), _pearson(*syn)
    if np.isnan(r_real) or np.isnan(r_syn):
        return float("nan")
    return float(1.0 - abs(r_real - r_syn) / 2.0)


def _joint(a: np.ndarray, b: np.ndarray, kb: int, cells: int) -> tuple[np.ndarray, np.ndarray]:
    """Cells (a * kb + b) and their shares, sorted by cell."""
    joint = a.astype(np.int64) * kb + b.astype(np.int64)
    if cells <= BINCOUNT_MAX_CELLS:
        counts = np.bincount(joint, minlength=cells)
        keys = np.flatnonzero(counts)
        return keys, counts[keys] / joint.size
    keys, counts = np.unique(joint, return_counts=True)
    return keys, counts / joint.size


def contingency_codes(real: tuple[np.ndarray, np.ndarray], syn: tuple[np.ndarray, np.ndarray]) -> float:
    """1 - 0.5 * sum_(a,b) |P_real(a,b) - P_syn(a,b)| for non-negative integer codes shared by both sides."""
    if real[0].size == 0 or syn[0].size == 0:
        return float("nan")  # an empty side has no joint distribution (it would score 0.5)
    ka = int(max(real[0].max(), syn[0].max())) + 1
    kb = int(max(real[1].max(), syn[1].max())) + 1
    kp, p = _joint(real[0], real[1], kb, ka * kb)
    kq, q = _joint(syn[0], syn[1], kb, ka * kb)
    _, ip, iq = np.intersect1d(kp, kq, assume_unique=True, return_indices=True)
    only = p.sum() - p[ip].sum() + q.sum() - q[iq].sum()
    return float(1.0 - 0.5 * (np.abs(p[ip] - q[iq]).sum() + only))


def _dense_codes(*arrays: np.ndarray) -> list[np.ndarray]:
    """Arbitrary values (missing included) as integer codes shared by all the arrays."""
    joined = pl.Series(np.concatenate([np.asarray(a, dtype=object) for a in arrays])).cast(pl.String)
    codes = joined.fill_null("\x00null").rank("dense").cast(pl.Int64).to_numpy() - 1
    out, start = [], 0
    for a in arrays:
        out.append(codes[start : start + len(a)])
        start += len(a)
    return out


def contingency_similarity(real: tuple[np.ndarray, np.ndarray], syn: tuple[np.ndarray, np.ndarray]) -> float:
    """1 - 0.5 * sum_(a,b) |P_real(a,b) - P_syn(a,b)| over the union of cells (missing is a category)."""
    if real[0].size == 0 or syn[0].size == 0:
        return float("nan")
    ra, sa = _dense_codes(real[0], syn[0])
    rb, sb = _dense_codes(real[1], syn[1])
    return contingency_codes((ra, rb), (sa, sb))


# --- prepared columns ------------------------------------------------------------------------------------
def subsample(frame_len: int, size: int, seed: int) -> np.ndarray | None:
    if frame_len <= size:
        return None
    return np.sort(np.random.default_rng(seed).choice(frame_len, size, replace=False))


@dataclass
class _Prepared:
    """One column's values as the pair metrics use them, computed on first use."""

    column: Column
    ref_idx: np.ndarray | None
    syn_idx: np.ndarray | None
    floats: dict[Side, np.ndarray] = field(default_factory=dict)
    z: dict[Side, np.ndarray | None] = field(default_factory=dict)
    codes: dict[Side, np.ndarray] = field(default_factory=dict)

    def values(self, side: Side) -> np.ndarray:
        if side not in self.floats:
            self.floats[side] = as_floats(self.column.ref if side == "ref" else self.column.syn)
        return self.floats[side]

    def standardised(self, side: Side) -> np.ndarray | None:
        """(x - mean) / std when the column has no missing value and varies; None otherwise."""
        if side not in self.z:
            x = self.values(side)
            std = float(x.std()) if x.size else 0.0
            self.z[side] = (x - x.mean()) / std if x.size >= 3 and std > 0 and np.isfinite(x).all() else None
        return self.z[side]

    def discrete(self, side: Side) -> np.ndarray:
        """Integer codes on the contingency subsample: categories (missing its own code) or number bins."""
        if side not in self.codes:
            col = self.column
            if col.kind == "continuous":
                self.codes["ref"], self.codes["syn"] = _bin_codes(self.values("ref"), self.values("syn"))
            else:
                ref, syn = col.ref.cast(pl.String), col.syn.cast(pl.String)
                joined = pl.concat([ref, syn]).fill_null("\x00null")
                codes = joined.rank("dense").cast(pl.Int64).to_numpy() - 1
                self.codes["ref"], self.codes["syn"] = codes[: ref.len()], codes[ref.len() :]
            for s, idx in (("ref", self.ref_idx), ("syn", self.syn_idx)):
                if idx is not None:
                    self.codes[s] = self.codes[s][idx]  # type: ignore[index]
        return self.codes[side]


def _bin_codes(ref: np.ndarray, syn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Numbers in 10 equal-width bins, each side over its own range, as SDMetrics' ColumnPairTrends cuts
    them (``np.histogram_bin_edges`` then ``np.digitize`` with every edge: the maximum and missing values
    share code 11)."""

    def codes(values: np.ndarray) -> np.ndarray:
        finite = values[np.isfinite(values)]
        edges = np.histogram_bin_edges(finite) if finite.size else np.linspace(0.0, 1.0, 11)
        return np.digitize(values, edges).astype(np.int64)

    return codes(ref), codes(syn)


def cramers_v(a: np.ndarray, b: np.ndarray) -> float:
    """Cramér's V of two code columns (Pearson's chi-square, no continuity correction; NaN when either
    has fewer than two values), as ``scipy.stats.contingency.association(method="cramer")``."""
    if a.size == 0:
        return float("nan")
    _, ia = np.unique(a, return_inverse=True)
    _, ib = np.unique(b, return_inverse=True)
    ka, kb = int(ia.max()) + 1, int(ib.max()) + 1
    if min(ka, kb) < 2:
        return float("nan")
    table = np.bincount(ia * kb + ib, minlength=ka * kb).reshape(ka, kb).astype(np.float64)
    n = table.sum()
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    chi2 = float(((table - expected) ** 2 / expected).sum())
    return float(np.sqrt(chi2 / (n * (min(ka, kb) - 1))))


def _correlations(a: _Prepared, b: _Prepared) -> tuple[float, float]:
    """Pearson's r of the pair on the reference and on the synthetic data (NaN when undefined)."""
    rs: list[float] = []
    for side in ("ref", "syn"):
        za, zb = a.standardised(side), b.standardised(side)  # type: ignore[arg-type]
        if za is not None and zb is not None:
            rs.append(float(np.clip(np.mean(za * zb), -1.0, 1.0)))
        else:
            rs.append(_pearson(a.values(side), b.values(side)))  # type: ignore[arg-type]
    return rs[0], rs[1]


# --- pairs -----------------------------------------------------------------------------------------------
def _unrank(k: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """The k-th pair (i < j) of m items in lexicographic order, vectorised."""
    before = lambda i: i * (2 * m - i - 1) // 2  # noqa: E731 - pairs whose first item is below i
    i = np.floor(((2 * m - 1) - np.sqrt((2.0 * m - 1) ** 2 - 8.0 * k)) / 2).astype(np.int64)
    i = np.clip(i, 0, m - 2)
    i = np.where(before(i) > k, i - 1, i)
    i = np.where(before(i + 1) <= k, i + 1, i)
    return i, k - before(i) + i + 1


def choose_pairs(
    left: Sequence[Column], right: Sequence[Column] | None, cap: int, seed: int
) -> tuple[list[tuple[int, int]], int]:
    """Index pairs to score and how many there are in all: every pair of ``left`` (``right`` None) or
    every left x right pair, or a seeded sample of ``cap`` of them (in their natural order) when more."""
    m = len(left)
    total = m * (m - 1) // 2 if right is None else m * len(right)
    if total <= cap:
        ks = np.arange(total, dtype=np.int64)
    else:
        ks = np.sort(np.random.default_rng(seed).choice(total, cap, replace=False)).astype(np.int64)
    if right is None:
        i, j = _unrank(ks, m) if m > 1 else (ks, ks)
    else:
        i, j = np.divmod(ks, len(right)) if right else (ks, ks)
    return list(zip(i.tolist(), j.tolist(), strict=True)), total


def pair_scores(
    left: Sequence[Column],
    right: Sequence[Column] | None,
    ref_rows: int,
    syn_rows: int,
    prefix: str,
    seed: int,
    cap: int,
) -> tuple[dict[str, float], int, int]:
    """SDMetrics' ColumnPairTrends over the pairs of ``left`` (or ``left`` x ``right``): correlation
    similarity for two numeric columns, contingency similarity otherwise. As in SDMetrics' QualityReport,
    a pair counts only when the reference shows a trend: |Pearson r| > 0.5, or Cramér's V > 0.3.
    Returns the scores of the pairs that count, the pairs examined and the pairs there are."""
    pairs, total = choose_pairs(left, right, cap, seed)
    ref_idx = subsample(ref_rows, CONTINGENCY_SUBSAMPLE, seed)
    syn_idx = subsample(syn_rows, CONTINGENCY_SUBSAMPLE, seed + 1)
    lp = [_Prepared(c, ref_idx, syn_idx) for c in left]
    rp = lp if right is None else [_Prepared(c, ref_idx, syn_idx) for c in right]
    scores: dict[str, float] = {}
    for i, j in pairs:
        a, b = lp[i], rp[j]
        if a.column.kind == "continuous" and b.column.kind == "continuous":
            r_real, r_syn = _correlations(a, b)
            if np.isnan(r_real) or abs(r_real) <= REAL_CORRELATION_THRESHOLD or np.isnan(r_syn):
                continue
            score = 1.0 - abs(r_real - r_syn) / 2.0
        else:
            ref_a, ref_b = a.discrete("ref"), b.discrete("ref")
            association = cramers_v(ref_a, ref_b)
            if np.isnan(association) or association <= REAL_ASSOCIATION_THRESHOLD:
                continue
            score = contingency_codes((ref_a, ref_b), (a.discrete("syn"), b.discrete("syn")))
        if not np.isnan(score):
            scores[f"{prefix}{a.column.name}|{b.column.name}"] = float(score)
    return scores, len(pairs), total
