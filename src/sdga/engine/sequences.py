"""Rows that follow each other: each parent's rows as an ordered sequence, a series, a state machine or a tree.

When a table's volume follows a reference's cardinality, each parent's rows (its *group*) are contiguous.
Sequences run along a group: sensor readings at a regular interval, a session's events, an order's
status changes, a trace's spans. A group may straddle a block boundary, so a block computes the part of
each group it needs from the group's first row (and, for ordered times, to its last row), whichever block
that row lies in. To make that cheap and independent of blocks, the random draws of sequences are keyed
by **row number** (a keyed hash, :func:`row_uniforms`) rather than taken from a block's stream: any row's
draw can be computed alone. Everything is vectorised over the rows: group-wise cumulative sums for times,
a segmented scan (log2 of the longest group passes) for autocorrelated series, one step per position for
state machines (vectorised over all the parents of a block), one pass per tree level for trees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sdga.engine import rowbounds
from sdga.engine.dist import norm_cdf, norm_ppf, shape_continuous, shape_rows
from sdga.engine.graph import FieldRules, TreeSet
from sdga.engine.machines import simulate
from sdga.engine.plan import BLOCK_ROWS as BLOCK
from sdga.engine.plan import ChildCounts, GenerationPlan, TablePlan
from sdga.engine.rng import mix64, stream_key
from sdga.engine.temporal import duration_seconds
from sdga.errors import SchemaError
from sdga.models.schema import FieldSpec

NO_PARENT = np.uint64(2**64 - 1)  # a tree's root has no parent row
_INTEGRAL = frozenset({"date", "datetime", "timestamp", "integer", "decimal", "amount"})


def row_uniforms(key: int, rows: np.ndarray) -> np.ndarray:
    """U(0, 1) per row number: a keyed hash, so any row's draw is computed without its neighbours."""
    z = mix64(np.asarray(rows, dtype=np.uint64), key & ((1 << 64) - 1))
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


# --- groups ----------------------------------------------------------------------------------------------


def parent_rows_by_cardinality(plan: GenerationPlan, table: TablePlan, start: int, n: int) -> np.ndarray:
    """Parent row of each child row when the child's volume follows the children-per-parent counts."""
    cc = table.child_counts
    assert cc is not None
    end = start + n
    first = int(np.searchsorted(cc.block_starts, start, side="right") - 1)
    pieces: list[np.ndarray] = []
    b = max(first, 0)
    covered = int(cc.block_starts[b]) if len(cc.block_starts) else 0
    while covered < end and b < len(cc.block_totals):
        counts = cc.counts(plan.seed, b)
        parents = np.repeat(np.arange(b * BLOCK, b * BLOCK + len(counts), dtype=np.uint64), counts)
        pieces.append(parents)
        covered += len(parents)
        b += 1
    allp = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.uint64)
    offset = start - (int(cc.block_starts[max(first, 0)]) if len(cc.block_starts) else 0)
    return allp[offset : offset + n]


def _child_span(plan: GenerationPlan, cc: ChildCounts, parent: int) -> tuple[int, int]:
    """(first child row, number of children) of one parent."""
    pb = parent // BLOCK
    counts = cc.counts(plan.seed, pb)
    local = parent - pb * BLOCK
    return int(cc.block_starts[pb]) + int(counts[:local].sum()), int(counts[local])


@dataclass
class Layout:
    """Whole groups around a block: rows ``start .. start+len(parents)`` and each row's place in its group."""

    start: int
    parents: np.ndarray  # parent row of each row
    first: np.ndarray  # local index of each row's group start
    pos: np.ndarray  # position of each row in its group (0 = first)

    @property
    def rows(self) -> np.ndarray:
        return np.arange(self.start, self.start + len(self.parents), dtype=np.uint64)

    def own(self, start: int, n: int) -> slice:
        return slice(start - self.start, start - self.start + n)

    @property
    def last(self) -> np.ndarray:
        """Local index of each row's group end."""
        n = len(self.parents)
        ends = np.empty(n, dtype=bool)
        if n:
            ends[:-1] = self.parents[1:] != self.parents[:-1]
            ends[-1] = True
        idx = np.where(ends, np.arange(n), n)
        return np.minimum.accumulate(idx[::-1])[::-1]


def layout(plan: GenerationPlan, table: TablePlan, start: int, n: int, *, to_end: bool) -> Layout:
    """The groups of rows ``start .. start+n``, from the first row of the first group (and to the end of the
    last one with ``to_end``)."""
    cc = table.child_counts
    assert cc is not None
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Layout(start, np.zeros(0, dtype=np.uint64), empty, empty)
    edge = parent_rows_by_cardinality(plan, table, start, 1)
    xs = _child_span(plan, cc, int(edge[0]))[0]
    xe = start + n
    if to_end:
        last_parent = parent_rows_by_cardinality(plan, table, start + n - 1, 1)
        a, k = _child_span(plan, cc, int(last_parent[0]))
        xe = max(xe, a + k)
    parents = parent_rows_by_cardinality(plan, table, xs, xe - xs)
    m = len(parents)
    starts = np.ones(m, dtype=bool)
    starts[1:] = parents[1:] != parents[:-1]
    idx = np.arange(m, dtype=np.int64)
    first = np.maximum.accumulate(np.where(starts, idx, 0))
    return Layout(xs, parents, first, idx - first)


def _layout_for(run: Any, table: TablePlan, start: int, n: int, *, to_end: bool) -> Layout:
    if run.ev.dry_rows is not None:
        # A dry run's rows stand alone: one group per parent among them, no rows beyond.
        parents = parent_rows_by_cardinality(run.plan, table, start, n)
        m = len(parents)
        starts = np.ones(m, dtype=bool)
        starts[1:] = parents[1:] != parents[:-1]
        idx = np.arange(m, dtype=np.int64)
        first = np.maximum.accumulate(np.where(starts, idx, 0)) if m else idx
        return Layout(start, parents, first, idx - first)
    return layout(run.plan, table, start, n, to_end=to_end)


def affine_scan(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``x[i] = a[i] * x[i-1] + b[i]`` for all i (``a`` is 0 where a group starts), by parallel doubling."""
    a = a.astype(np.float64, copy=True)
    x = b.astype(np.float64, copy=True)
    d = 1
    while d < len(x) and a[d:].any():
        x[d:] = x[d:] + a[d:] * x[:-d]
        a[d:] = a[d:] * a[:-d]
        d *= 2
    return x


# --- what each kind of sequential field is -------------------------------------------------------------------


def is_sequential(table: TablePlan, rules: FieldRules) -> bool:
    return bool(rules.ordered or rules.series is not None or rules.machine is not None)


def values(run: Any, st: Any, f: FieldSpec, rules: FieldRules, typ: pa.DataType) -> pa.Array:
    """A sequential field's values for one block (before edge cases, nulls and ``when``)."""
    if rules.machine is not None:
        return _machine_values(run, st, f)
    if rules.series is not None:
        return _series_values(run, st, f, rules, typ)
    return _ordered_values(run, st, f, rules, typ)


def _key(run: Any, st: Any, f: FieldSpec, stream: str) -> int:
    return stream_key(run.plan.seed, st.table.name, f.name, stream)


def _ordered_values(run: Any, st: Any, f: FieldSpec, rules: FieldRules, typ: pa.DataType) -> pa.Array:
    table = st.table
    s_lo, s_hi = rowbounds.static_bounds(f)
    integral = f.type in _INTEGRAL
    if table.relations.group is None:
        # One sequence over the whole table: row i lies in the i-th of `volume` equal slots of [min, max].
        span = (s_hi - s_lo + (1.0 if integral else 0.0)) / max(table.volume, 1)
        u = row_uniforms(_key(run, st, f, "slot"), st.rows)
        x = s_lo + (st.rows.astype(np.float64) + u) * span
        x = np.clip(np.floor(x) if integral else x, s_lo, s_hi)
        return rowbounds.to_arrow(x, f, typ)
    lay = _layout_for(run, table, st.start, st.n, to_end=True)
    rows = lay.rows
    lag_lo, lag_hi, law = rowbounds.lag_plan(f, f.lag)
    if lag_hi is None and (law is None or law.kind.value == "uniform"):
        raise SchemaError(f"field '{table.name}.{f.name}': an ordered field's lag needs a max (or a mean)")
    n = len(rows)
    lags = shape_rows(
        row_uniforms(_key(run, st, f, "lag"), rows),
        np.full(n, lag_lo),
        np.full(n, lag_hi if lag_hi is not None else np.inf),
        law,
        0.0,
    )
    lag = f.lag
    if lag is not None and lag.gap_rate > 0:
        unit = rowbounds.axis_unit(f) or 1.0
        gap = duration_seconds(lag.gap, f.name) / unit if lag.gap is not None else (lag_hi or lag_lo) * 10
        hit = row_uniforms(_key(run, st, f, "gap"), rows) < lag.gap_rate
        lags = lags + np.where(hit, row_uniforms(_key(run, st, f, "gap_size"), rows) * gap, 0.0)
    cs = np.cumsum(lags)
    offsets = cs - cs[lay.first] + lags[lay.first]
    own = lay.own(st.start, st.n)
    total = offsets[lay.last][own]
    offsets = offsets[own]
    if rules.after is not None:
        base = run.bound_axis(st, f, rules.after, upper=False)
    else:
        # Without `after`, each parent's sequence starts at a point of the field's range (its distribution).
        first_rows = rows[lay.first][own]
        u = row_uniforms(_key(run, st, f, "start"), first_rows)
        base = shape_continuous(u, s_lo, s_hi, f.constraints.distribution)
        if integral:
            base = np.floor(base)
    if f.constraints.min is not None:
        base = np.fmax(base, s_lo)
    # A sequence that would run past the field's max is compressed to end there (its order is kept). The
    # first row stays at least lag.min after `after` (the promise of order): only what lies beyond shrinks.
    lead = lag_lo if rules.after is not None else 0.0
    room = np.maximum(s_hi - base - lead, 0.0)
    excess = total - lead
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(base + total > s_hi, np.where(excess > 0, room / excess, 0.0), 1.0)
    x = base + lead + (offsets - lead) * scale
    if integral:
        x = np.floor(x)
    return rowbounds.to_arrow(x, f, typ)


def _series_values(run: Any, st: Any, f: FieldSpec, rules: FieldRules, typ: pa.DataType) -> pa.Array:
    series = rules.series
    assert series is not None
    lay = _layout_for(run, st.table, st.start, st.n, to_end=False)
    rows = lay.rows
    phi = float(series.autocorrelation)
    e = norm_ppf(row_uniforms(_key(run, st, f, "series"), rows))
    head = lay.pos == 0
    a = np.where(head, 0.0, phi)
    b = np.where(head, e, e * math.sqrt(1.0 - phi * phi))
    own = lay.own(st.start, st.n)
    z = affine_scan(a, b)[own]
    if rules.anomaly is not None:
        cond = run.evaluate(st, rules.anomaly, f.name)
        hit = pc.fill_null(cond, False).to_numpy(zero_copy_only=False).astype(bool)
        side = np.where(row_uniforms(_key(run, st, f, "anomaly_side"), st.rows) < 0.5, -1.0, 1.0)
        size = 4.0 + 2.0 * row_uniforms(_key(run, st, f, "anomaly_size"), st.rows)
        z = np.where(hit, side * size, z)
    u = np.clip(norm_cdf(z), 1e-12, 1 - 1e-12)
    x = rowbounds.draw(f, u, None, None, None, None)
    if series.drift:
        scale = 10.0 ** (rowbounds.precision(f, 2) or 0) if f.type in ("decimal", "amount") else 1.0
        lo, hi = rowbounds.static_bounds(f)
        x = x + series.drift * scale * lay.pos[own]
        x = np.clip(np.round(x) if f.type in _INTEGRAL else x, lo, hi)
        p = rowbounds.precision(f, None)
        if p is not None and f.type not in _INTEGRAL:
            x = np.round(x, p)
    return rowbounds.to_arrow(x, f, typ)


# --- state machines ------------------------------------------------------------------------------------------


def _machine_values(run: Any, st: Any, f: FieldSpec) -> pa.Array:
    table = st.table
    cc = table.child_counts
    assert cc is not None and cc.machine is not None
    machine = cc.machine
    states = pa.array(list(machine.states), pa.string())
    lay_parents = parent_rows_by_cardinality(run.plan, table, st.start, st.n)
    if len(lay_parents) == 0:
        return states.take(pa.array(np.zeros(0, dtype=np.int64)))
    pieces: list[np.ndarray] = []
    first_block = int(lay_parents[0]) // BLOCK
    last_block = int(lay_parents[-1]) // BLOCK
    for pb in range(first_block, last_block + 1):
        pieces.append(_machine_block(cc, run.plan.seed, pb))
    flat = np.concatenate(pieces) if len(pieces) > 1 else pieces[0]
    base = int(cc.block_starts[first_block])
    if run.ev.dry_rows is not None:
        return states.take(pa.array(flat[: st.n].astype(np.int64)))
    return states.take(pa.array(flat[st.start - base : st.start - base + st.n].astype(np.int64)))


def _machine_block(cc: ChildCounts, seed: int, pb: int) -> np.ndarray:
    """Every child's state for the children of parent block ``pb``, in child order."""
    assert cc.machine is not None
    counts = cc.counts(seed, pb)
    _lengths, path = simulate(cc.machine, pb, len(counts), cc.high)
    take = np.arange(path.shape[1])[None, :] < counts[:, None]
    return path[take]


# --- trees ----------------------------------------------------------------------------------------------------


def tree_parents(run: Any, st: Any, ref: str) -> np.ndarray:
    """Each row's parent row in a tree over its group: an earlier row of the group, uniformly (a random
    recursive tree); the first row of a group is the root (:data:`NO_PARENT`)."""
    lay = _layout_for(run, st.table, st.start, st.n, to_end=False)
    return _tree_parents(run, st, ref, lay)[lay.own(st.start, st.n)]


def _tree_parents(run: Any, st: Any, ref: str, lay: Layout) -> np.ndarray:
    rows = lay.rows
    u = row_uniforms(stream_key(run.plan.seed, st.table.name, ref, "tree"), rows)
    parent = rows[lay.first] + np.floor(u * lay.pos).astype(np.uint64)
    return np.where(lay.pos == 0, NO_PARENT, parent)


def tree_lookup(run: Any, st: Any, key: str, ref: str, parent_key: str) -> pa.Array:
    """A column of the parent row in the tree (null for roots), for a column that does not recur."""
    rows = run.parent_rows(st, ref)
    root = rows == NO_PARENT
    values = run.gather(st.table.name, parent_key, np.where(root, np.uint64(st.start), rows))
    if root.any():
        values = pc.if_else(pa.array(root), pa.scalar(None, values.type), values)
    return values


def tree_columns(run: Any, st: Any, ts: TreeSet) -> dict[str, pa.Array]:
    """The columns of a tree-recursive set for one block, computed level by level down each tree.

    A row's values may read its parent row's (``parent_span_id.started_at``), which lies earlier in the
    same group: the whole groups up to the block's end are computed, roots first, then their children, and
    so on (one vectorised pass per level), then cut to the block.
    """
    table = st.table
    lay = _layout_for(run, table, st.start, st.n, to_end=False)
    n = len(lay.parents)
    parent = _tree_parents(run, st, ts.ref, lay)
    root = parent == NO_PARENT
    local = np.where(root, 0, parent.astype(np.int64) - lay.start)
    depth = np.where(root, 0, -1)
    level = 0
    while (depth < 0).any():
        ready = (depth < 0) & (depth[local] == level)
        depth[ready] = level + 1
        level += 1
    rel = table.relations
    members = set(ts.order)
    current: dict[str, pa.Array] = {}
    outside: dict[str, pa.Array] = {}

    def read(key: str) -> pa.Array:
        if key in members:
            return current[key]
        got = outside.get(key)
        if got is None:
            got = outside[key] = run.range_column(table.name, key, lay.start, n)
        return got

    rows = lay.rows
    for lvl in range(int(depth.max()) + 1 if n else 0):
        at = pa.array(depth == lvl)
        for key in ts.order:
            lk = rel.lookups.get(key)
            if lk is not None and lk.tree:
                # The parent rows of this level's rows are on earlier levels: their values are final.
                src = current.get(lk.parent_key) if lk.parent_key in members else read(lk.parent_key)
                if src is None:  # level 0: roots only, which have no parent
                    names = table.arrow_schema.names
                    typ = table.arrow_schema.field(lk.parent_key).type if lk.parent_key in names else pa.null()
                    current[key] = pa.nulls(n, typ)
                    continue
                fresh = src.take(pa.array(local))
                current[key] = pc.if_else(pa.array(root), pa.scalar(None, fresh.type), fresh)
                continue
            fresh = run.member_values(st, key, read, rows)
            prev = current.get(key)
            if prev is not None and prev.type != fresh.type:
                prev = prev.cast(fresh.type)
            current[key] = fresh if prev is None else pc.if_else(at, fresh, prev)
    own = lay.own(st.start, st.n)
    return {k: v.slice(own.start, st.n) for k, v in current.items()}
