"""Evaluation of the dependency graph, one block at a time, pulling exactly the columns a block needs.

A block of a table is a pure function of ``(plan, table, block index)``. Its columns are computed on
demand, in dependency order, by :meth:`Run.column`:

* a plain field comes from its type's generator (as always);
* a derived field evaluates its expression as one Polars expression over the block's columns;
* a field with ``after``/``min_expr``/``max_expr`` draws between bounds of its own row;
* a **lookup** (``customer_id.signup_date``) maps each row to its parent row (the same parent row that
  the reference's key was rebuilt from) and gathers the parent's column **from the parent's blocks**,
  which are regenerated on demand: only that column and what it depends on, never the whole parent row;
* an **aggregate** (``sum(order_items.line_total)``) of a parent block generates its children's
  contributing column over the children's row range — contiguous when the child table's volume follows
  the reference's cardinality, so one parent block needs one or two child blocks — and reduces it per
  parent. Children picked at random (no cardinality) are reduced once over the whole child table.

Columns that other tables read (the plan marks them *shared*) are kept in a per-process LRU cache of
column blocks (:data:`CACHE_BYTES`), so a child table streaming through its rows regenerates each parent
block once per process rather than once per child block. The cache only saves time: whether a column
block comes from it or is computed again, its bytes are the same, so blocks can be made in any order, in
any process (workers, Spark executors).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sdga.engine import rowbounds, sequences, timeprofile
from sdga.engine.columns import finish_column, generate_column, rows_array
from sdga.engine.context import BlockContext, Draw
from sdga.engine.dist import norm_cdf, norm_ppf, shape_discrete
from sdga.engine.expr import Random, walk
from sdga.engine.fields import arrow_type
from sdga.engine.graph import AggSpec, Compiled, FieldRules, LookupSpec
from sdga.engine.plan import BLOCK_ROWS, GenerationPlan, TablePlan
from sdga.engine.rng import Permutation, block_rng, stream_key
from sdga.engine.sequences import NO_PARENT, parent_rows_by_cardinality, row_uniforms
from sdga.errors import SchemaError
from sdga.models.schema import Distribution, DistributionKind, FieldSpec

CACHE_BYTES = 256 * 1024 * 1024


class Evaluator:
    """Per-process state of one plan: the cache of shared column blocks (thread-safe)."""

    def __init__(self, plan: GenerationPlan, dry_rows: int | None = None) -> None:
        # ``dry_rows``: every block is cut to its first rows, and what other tables a block reads comes
        # from those tables' first rows (a dry run's view: every rule exercised, at little cost).
        self.plan = plan
        self.dry_rows = dry_rows
        self._cache: OrderedDict[tuple[str, str, int], pa.Array] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.whole: dict[tuple[str, str], pa.Array] = {}  # aggregates over a whole child table

    def block_len(self, table: TablePlan, block: int) -> int:
        left = max(0, table.volume - block * BLOCK_ROWS)
        return min(self.dry_rows, left) if self.dry_rows is not None else min(BLOCK_ROWS, left)

    def cached(self, key: tuple[str, str, int]) -> pa.Array | None:
        with self._lock:
            arr = self._cache.get(key)
            if arr is not None:
                self._cache.move_to_end(key)
            return arr

    def keep(self, key: tuple[str, str, int], arr: pa.Array) -> None:
        size = arr.nbytes
        if size > CACHE_BYTES // 4:
            return
        with self._lock:
            if key in self._cache:
                return
            self._cache[key] = arr
            self._bytes += size
            while self._bytes > CACHE_BYTES and self._cache:
                _k, old = self._cache.popitem(last=False)
                self._bytes -= old.nbytes

    def rows(self, table_name: str, block: int) -> pa.RecordBatch:
        table = self.plan.table(table_name)
        run = Run(self)
        arrays = [run.column(table_name, f.name, block) for f in table.fields]
        return pa.RecordBatch.from_arrays(arrays, schema=table.arrow_schema)


def evaluator(plan: GenerationPlan, dry_rows: int | None = None) -> Evaluator:
    """The plan's evaluator in this process (created on first use; never pickled with the plan)."""
    runtime = plan.runtime
    with _CREATE:
        ev = runtime.get(dry_rows)
        if ev is None:
            ev = runtime[dry_rows] = Evaluator(plan, dry_rows)
    assert isinstance(ev, Evaluator)
    return ev


_CREATE = threading.Lock()


@dataclass
class _State:
    """One block of one table while a run computes it."""

    table: TablePlan
    block: int
    start: int
    n: int
    ctx: BlockContext
    values: dict[str, pa.Array] = field(default_factory=dict)
    parents: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def rows(self) -> np.ndarray:
        return rows_array(self.start, self.n)


class Run:
    """One top-level request for a block: the blocks of every table it touches, computed once each."""

    def __init__(self, ev: Evaluator) -> None:
        self.ev = ev
        self.plan = ev.plan
        self.states: dict[tuple[str, int], _State] = {}

    # --- blocks ------------------------------------------------------------------------------------------
    def state(self, table_name: str, block: int) -> _State:
        key = (table_name, block)
        st = self.states.get(key)
        if st is not None:
            return st
        plan = self.plan
        table = plan.table(table_name)
        n = self.ev.block_len(table, block)
        start = block * BLOCK_ROWS
        ctx = BlockContext(
            plan.seed, table.name, plan.locale, block, start, n, volume=table.volume,
            fields=table.fields,  # row contexts (the rows' places, products) read their settings from them
        )  # fmt: skip
        for i, cop in enumerate(table.copulas):
            eps = block_rng(stream_key(plan.seed, table.name, "__copula__", i), block).standard_normal(
                (n, len(cop.fields))
            )
            u = norm_cdf(eps @ cop.factor.T)
            for j, name in enumerate(cop.fields):
                ctx.copula[name] = np.clip(u[:, j], 1e-12, 1 - 1e-12)
        st = _State(table, block, start, n, ctx)

        def resolve(d: Draw) -> pa.Array:
            return self.reference_values(st, d)

        ctx.reference = resolve
        self.states[key] = st
        return st

    def column(self, table_name: str, key: str, block: int) -> pa.Array:
        """The final values of one column (a field or a virtual column) of one block."""
        st = self.state(table_name, block)
        got = st.values.get(key)
        if got is not None:
            return got
        rel = st.table.relations
        shared = key in rel.shared
        arr = self.ev.cached((table_name, key, block)) if shared else None
        if arr is None and key in rel.trees:
            for k, v in sequences.tree_columns(self, st, rel.trees[key]).items():
                st.values.setdefault(k, v)
            arr = st.values[key]
        if arr is None:
            if key in rel.lookups:
                arr = self.lookup(st, rel.lookups[key])
            elif key in rel.aggregates:
                arr = self.aggregate(st, rel.aggregates[key])
            elif key in rel.exprs:
                arr = self.evaluate(st, rel.exprs[key], key)
            else:
                arr = self.field(st, key)
            if shared:
                self.ev.keep((table_name, key, block), arr)
        st.values[key] = arr
        return arr

    def range_column(self, table_name: str, key: str, start: int, length: int) -> pa.Array:
        """Column values for rows ``start .. start+length`` of a table, from the blocks that hold them."""
        if length <= 0:
            return self.column(table_name, key, 0).slice(0, 0)
        if self.ev.dry_rows is not None:
            arr = self.column(table_name, key, 0)
            if len(arr) == 0:
                return arr
            return arr.take(pa.array(np.arange(start, start + length) % len(arr)))
        first, last = start // BLOCK_ROWS, (start + length - 1) // BLOCK_ROWS
        parts = [self.column(table_name, key, b) for b in range(first, last + 1)]
        whole = parts[0] if len(parts) == 1 else pa.concat_arrays(parts)
        return whole.slice(start - first * BLOCK_ROWS, length)

    # --- fields ------------------------------------------------------------------------------------------
    def field(self, st: _State, name: str) -> pa.Array:
        table = st.table
        f = table.field(name)
        typ = table.arrow_schema.field(name).type
        d = Draw(st.ctx, f, f.name, st.n, st.rows)
        rules = table.relations.rules.get(name)
        if rules is None:
            return generate_column(d, typ)
        if rules.expression is not None:
            arr = finish_column(d, self.fit(self.evaluate(st, rules.expression, name, d), f, typ))
        elif sequences.is_sequential(table, rules):
            arr = finish_column(d, sequences.values(self, st, f, rules, typ))
        elif rules.row_bounded:
            arr = finish_column(d, self.bounded(st, f, rules, d, typ))
        else:
            arr = generate_column(d, typ)
        if rules.when is not None:
            arr = self.conditional(st, f, rules, d, arr, typ)
        return arr

    def bounded(self, st: _State, f: FieldSpec, rules: FieldRules, d: Draw, typ: pa.DataType) -> pa.Array:
        def axis(c: Compiled | None, upper: bool | None) -> np.ndarray | None:
            return None if c is None else self.bound_axis(st, f, c, upper=upper)

        base, lo, hi = axis(rules.after, None), axis(rules.min_expr, False), axis(rules.max_expr, True)
        if timeprofile.active(f):  # the profile's weights between each row's bounds (a uniform lag)
            first, last = rowbounds.row_range(f, st.n, base, f.lag, lo, hi)
            first, last = np.ceil(first - 1e-9), np.floor(last + 1e-9)
            x = timeprofile.draw(d, first, np.maximum(first, last))
            if base is not None:
                x = np.where(np.isnan(base), np.nan, x)
        else:
            x = rowbounds.draw(f, d.uniforms(), base, f.lag, lo, hi)
        return rowbounds.to_arrow(x, f, typ)

    def conditional(
        self, st: _State, f: FieldSpec, rules: FieldRules, d: Draw, arr: pa.Array, typ: pa.DataType
    ) -> pa.Array:
        assert rules.when is not None
        cond = self.evaluate(st, rules.when, f.name, d)
        if not pa.types.is_boolean(cond.type):
            raise SchemaError(
                f"field '{st.table.name}.{f.name}': `when` must be a condition (true/false), got {cond.type}",
                details={"field": f"{st.table.name}.{f.name}"},
            )
        holds = pc.fill_null(cond, False)
        if rules.otherwise is not None:
            other = self.fit(self.evaluate(st, rules.otherwise, f.name, d), f, typ)
        else:
            other = pa.nulls(len(arr), typ)
        return pc.if_else(holds, arr, other)

    def evaluate(self, st: _State, c: Compiled, name: str, d: Draw | None = None) -> pa.Array:
        """An expression over the block (its columns computed first)."""
        columns = {k: self.column(st.table.name, k, st.block) for k in sorted(c.columns)}
        randoms: dict[int, np.ndarray] = {}
        if c.randoms:
            draw = d if d is not None else Draw(st.ctx, FieldSpec(name=name, type="string"), name, st.n, st.rows)
            for node in walk(c.node):
                if isinstance(node, Random):
                    u = draw.rng(f"random:{c.text}:{node.index}").random(st.n)
                    randoms[node.index] = _random_values(node, u)
        return self.evaluate_over(st.table.name, c, name, columns, st.n, randoms)

    def evaluate_over(
        self, table: str, c: Compiled, name: str, columns: dict[str, pa.Array], n: int, randoms: dict[int, np.ndarray]
    ) -> pa.Array:
        """An expression over given columns of ``n`` rows."""
        import polars as pl  # imported on first use: plain generation never pays its import time

        from sdga.engine.expr_polars import evaluate as evaluate_expr

        where = f"{table}.{name}"
        try:
            return evaluate_expr(c.node, columns, n, randoms)
        except SchemaError as exc:
            raise SchemaError(f"field '{where}': {exc.message} in {c.text!r}", details={"field": where}) from exc
        except (pl.exceptions.PolarsError, pa.ArrowException, ValueError, TypeError, OverflowError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SchemaError(
                f"field '{where}': cannot evaluate {c.text!r}: {first}",
                details={"field": where, "expression": c.text},
            ) from exc

    def bound_axis(self, st: _State, f: FieldSpec, c: Compiled, *, upper: bool | None) -> np.ndarray:
        """A bound expression over the block, on the field's axis (see :mod:`sdga.engine.rowbounds`)."""
        arr = self.evaluate(st, c, f.name)
        try:
            return rowbounds.to_axis(arr, f, upper=upper)
        except SchemaError as exc:
            where = f"{st.table.name}.{f.name}"
            raise SchemaError(f"field '{where}': {c.text!r}: {exc.message}", details={"field": where}) from exc

    def member_values(self, st: _State, key: str, read: object, rows: np.ndarray) -> pa.Array:
        """A column of a tree-recursive set over rows that span blocks (its inputs given by ``read``).

        Its draws are keyed by row number, so a row's value does not depend on the block computing it.
        """
        table = st.table
        rel = table.relations
        fetch = read  # callable: column key -> values over ``rows``

        def ev(c: Compiled, name: str) -> pa.Array:
            cols = {k: fetch(k) for k in sorted(c.columns)}  # type: ignore[operator]
            randoms: dict[int, np.ndarray] = {}
            for node in walk(c.node):
                if isinstance(node, Random):
                    key_r = stream_key(self.plan.seed, table.name, name, f"random:{c.text}:{node.index}")
                    randoms[node.index] = _random_values(node, row_uniforms(key_r, rows))
            return self.evaluate_over(table.name, c, name, cols, len(rows), randoms)

        if key in rel.exprs:
            return ev(rel.exprs[key], key)
        f = table.field(key)
        typ = table.arrow_schema.field(key).type
        rules = rel.rules[key]
        if rules.expression is not None:
            arr = self.fit(ev(rules.expression, key), f, typ)
        else:

            def axis(c: Compiled | None, upper: bool) -> np.ndarray | None:
                return None if c is None else rowbounds.to_axis(ev(c, key), f, upper=upper)

            u = row_uniforms(stream_key(self.plan.seed, table.name, key, "tree"), rows)
            x = rowbounds.draw(
                f, u, axis(rules.after, False), f.lag, axis(rules.min_expr, False), axis(rules.max_expr, True)
            )
            arr = rowbounds.to_arrow(x, f, typ)
        if rules.when is not None:
            holds = pc.fill_null(ev(rules.when, key), False)
            other = self.fit(ev(rules.otherwise, key), f, typ) if rules.otherwise else pa.nulls(len(arr), typ)
            arr = pc.if_else(holds, arr, other)
        return arr

    def fit(self, arr: pa.Array, f: FieldSpec, typ: pa.DataType) -> pa.Array:
        """An expression's result as the field's Arrow type (rounded to its precision)."""
        try:
            if pa.types.is_string_view(arr.type) or pa.types.is_large_string(arr.type):
                arr = arr.cast(pa.string())
            if pa.types.is_decimal(typ) and not pa.types.is_decimal(arr.type):
                arr = pc.round(arr.cast(pa.float64()), typ.scale)
            elif pa.types.is_decimal(typ) and pa.types.is_decimal(arr.type) and arr.type.scale > typ.scale:
                arr = pc.round(arr, typ.scale)
            elif pa.types.is_integer(typ) and pa.types.is_floating(arr.type):
                arr = pc.round(arr)
            elif pa.types.is_floating(typ) and f.constraints.precision is not None:
                arr = pc.round(arr.cast(pa.float64()), f.constraints.precision)
            elif pa.types.is_string(typ) and f.constraints.format and pa.types.is_temporal(arr.type):
                return pc.strftime(arr, format=f.constraints.format, locale="C")
            return arr if arr.type == typ else arr.cast(typ)
        except (pa.ArrowException, ValueError) as exc:
            raise SchemaError(
                f"field '{f.name}': its expression gives {arr.type}, which does not fit type {f.type} ({exc})",
                details={"field": f.name},
            ) from exc

    # --- references and lookups --------------------------------------------------------------------------
    def parent_rows(self, st: _State, ref: str) -> np.ndarray:
        """The parent row of each row of the block for reference ``ref`` (the rows its keys come from)."""
        got = st.parents.get(ref)
        if got is not None:
            return got
        table = st.table
        f = table.field(ref)
        fk = next(fk for fk in table.foreign_keys if fk.column == ref)
        parent = table if fk.ref_table == table.name else self.plan.table(fk.ref_table)
        cc = table.child_counts
        if cc is not None and cc.column == ref:
            rows = parent_rows_by_cardinality(self.plan, table, st.start, st.n)
        elif f.tree:
            rows = sequences.tree_parents(self, st, ref)
        else:
            rows = _parent_rows_sampled(Draw(st.ctx, f, f.name, st.n, st.rows), parent.volume)
        st.parents[ref] = rows
        return rows

    def reference_values(self, st: _State, d: Draw) -> pa.Array:
        table = st.table
        fk = next(fk for fk in table.foreign_keys if fk.column == d.spec.name)
        parent = table if fk.ref_table == table.name else self.plan.table(fk.ref_table)
        target = parent.field(fk.ref_column)
        if parent.volume == 0:
            raise SchemaError(f"field '{table.name}.{d.spec.name}': the referenced table '{parent.name}' has no rows")
        parents = self.parent_rows(st, d.spec.name)
        root = parents == NO_PARENT
        rows = np.where(root, np.uint64(0), parents)
        pctx = BlockContext(self.plan.seed, parent.name, self.plan.locale, -1, 0, len(rows), volume=parent.volume)
        keys = generate_column(Draw(pctx, target, target.name, len(rows), rows), arrow_type(target))
        if root.any():  # a tree's roots point at no row
            keys = pc.if_else(pa.array(root), pa.scalar(None, keys.type), keys)
        return keys

    def gather(self, table_name: str, key: str, rows: np.ndarray) -> pa.Array:
        """``table.key`` at the given rows (uint64), from the blocks that hold them."""
        if self.ev.dry_rows is not None:
            base = self.column(table_name, key, 0)
            if len(base) == 0:
                return pa.nulls(len(rows), base.type)
            return base.take(pa.array((rows % np.uint64(len(base))).astype(np.int64)))
        blocks = rows // np.uint64(BLOCK_ROWS)
        local = (rows % np.uint64(BLOCK_ROWS)).astype(np.int64)
        wanted = np.unique(blocks)
        parts = [self.column(table_name, key, int(b)) for b in wanted]
        if len(parts) == 1:
            return parts[0].take(pa.array(local))
        offsets = np.concatenate([[0], np.cumsum([len(p) for p in parts])[:-1]]).astype(np.int64)
        idx = offsets[np.searchsorted(wanted, blocks)] + local
        return pa.concat_arrays(parts).take(pa.array(idx))

    def lookup(self, st: _State, lk: LookupSpec) -> pa.Array:
        if lk.tree:
            return sequences.tree_lookup(self, st, lk.key, lk.ref, lk.parent_key)
        rows = self.parent_rows(st, lk.ref)
        values = self.gather(lk.parent, lk.parent_key, rows)
        ref = self.column(st.table.name, lk.ref, st.block)
        if ref.null_count:
            values = pc.if_else(pc.is_valid(ref), values, pa.scalar(None, values.type))
        return values

    # --- aggregates --------------------------------------------------------------------------------------
    def aggregate(self, st: _State, spec: AggSpec) -> pa.Array:
        child = self.plan.table(spec.child)
        cc = child.child_counts
        if cc is not None and cc.column == spec.via and cc.parent == st.table.name and child.name != st.table.name:
            counts = cc.counts(self.plan.seed, st.block)[: st.n] if st.n else np.zeros(0, np.int64)
            start = int(cc.block_starts[st.block]) if self.ev.dry_rows is None and len(cc.block_starts) else 0
            total = int(counts.sum())
            groups = np.repeat(np.arange(st.n, dtype=np.int64), counts)
            values, keep = self.contributions(spec, lambda key: self.range_column(spec.child, key, start, total))
            return reduce_groups(spec.fn, groups, values, keep, st.n)
        whole = self.whole_aggregate(spec, st.table)
        return whole.slice(st.start, st.n) if self.ev.dry_rows is None else whole.slice(0, st.n)

    def contributions(self, spec: AggSpec, read: object) -> tuple[pa.Array | None, np.ndarray]:
        """The child column an aggregate reduces, and which child rows count (linked, matching `where`)."""
        fetch = read  # a callable: column key -> values over the child rows in question
        ref = fetch(spec.via)  # type: ignore[operator]
        keep = pc.is_valid(ref).to_numpy(zero_copy_only=False)
        if spec.where is not None:
            cond = fetch(spec.where)  # type: ignore[operator]
            keep &= pc.fill_null(cond, False).to_numpy(zero_copy_only=False)
        values = fetch(spec.column) if spec.column is not None else None  # type: ignore[operator]
        return values, keep

    def whole_aggregate(self, spec: AggSpec, parent: TablePlan) -> pa.Array:
        """An aggregate whose children are spread over the whole child table: one pass, kept per process."""
        key = (parent.name, spec.key)
        got = self.ev.whole.get(key)
        if got is not None:
            return got
        child = self.plan.table(spec.child)
        n_parent = self.ev.block_len(parent, 0) if self.ev.dry_rows is not None else parent.volume
        blocks = 1 if self.ev.dry_rows is not None else child.blocks
        groups_parts, value_parts, keep_parts = [], [], []
        for b in range(blocks):
            st = self.state(child.name, b)
            rows = self.parent_rows(st, spec.via)
            rows = np.where(rows == NO_PARENT, np.uint64(0), rows)  # roots: left out by the null reference
            groups_parts.append((rows % np.uint64(max(n_parent, 1))).astype(np.int64))
            values, keep = self.contributions(spec, lambda k, b=b: self.column(child.name, k, b))
            if values is not None:
                value_parts.append(values)
            keep_parts.append(keep)
            if self.ev.dry_rows is None:
                self.states.pop((child.name, b), None)  # a pass over the whole table keeps nothing
        groups = np.concatenate(groups_parts) if groups_parts else np.zeros(0, np.int64)
        values_all = pa.concat_arrays(value_parts) if value_parts else None
        keep_all = np.concatenate(keep_parts) if keep_parts else np.zeros(0, bool)
        out = reduce_groups(spec.fn, groups, values_all, keep_all, n_parent)
        self.ev.whole[key] = out
        return out


def reduce_groups(fn: str, groups: np.ndarray, values: pa.Array | None, keep: np.ndarray, n: int) -> pa.Array:
    """``fn`` of ``values`` per group ``0 .. n-1`` (rows where ``keep`` is false left out).

    No rows: ``sum`` and ``count`` give 0, ``min``/``max``/``mean`` give null (as SQL's, except ``sum``,
    which is a total: an order with no lines totals 0).
    """
    import polars as pl

    data: dict[str, object] = {"g": groups}
    if values is not None:
        data["v"] = pl.Series("v", values)
    frame = pl.DataFrame(data).filter(pl.Series(keep)) if len(groups) else pl.DataFrame(data)
    if fn == "count":
        agg = pl.len() if values is None else pl.col("v").count()
    else:
        v = pl.col("v")
        agg = {"sum": v.sum(), "min": v.min(), "max": v.max(), "mean": v.mean()}[fn]
    reduced = frame.group_by("g").agg(agg.alias("r"))
    pos = np.full(n, -1, dtype=np.int64)
    pos[reduced.get_column("g").to_numpy()] = np.arange(reduced.height)
    result = reduced.get_column("r").to_arrow()
    if pa.types.is_string_view(result.type) or pa.types.is_large_string(result.type):
        result = result.cast(pa.string())
    out = result.take(pa.array(pos, mask=pos < 0))
    if fn in ("sum", "count"):
        out = pc.fill_null(out, pa.scalar(0, out.type)) if len(out) else out
    return out


def _random_values(node: Random, u: np.ndarray) -> np.ndarray:
    a = node.args
    if node.kind == "uniform":
        return a[0] + u * (a[1] - a[0])
    if node.kind == "normal":
        return a[0] + a[1] * norm_ppf(u)
    return u < a[0]


def _parent_rows_sampled(d: Draw, parent_volume: int) -> np.ndarray:
    f = d.spec
    card = f.cardinality
    rng = d.rng("parent")
    if card is not None and card.distribution == DistributionKind.ZIPF and parent_volume > 1:
        rank = shape_discrete(rng.random(d.n), 0, parent_volume - 1, Distribution(kind=DistributionKind.ZIPF))
        return Permutation(parent_volume, d.key("popular") & ((1 << 64) - 1))(rank.astype(np.uint64))
    return rng.integers(0, parent_volume, d.n, dtype=np.uint64)
