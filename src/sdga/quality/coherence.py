"""The coherence check: a schema's declared relations, checked on any data set (generated or real).

Every rule a schema declares becomes a check over the data, computed with Polars joins and group-bys
(never a loop per row): derived fields equal their expression (``orders.total == sum(order_items.line_total)``,
``order_items.unit_price == product_id.price``), conditional fields are null (or ``otherwise``) where their
condition does not hold, ``after`` fields come at least ``lag.min`` after their base (and at most
``lag.max``), per-row bounds hold, references point at existing rows, ordered rows do not go back in time
within their parent, status changes follow the state machine and tree references stay within their group.
Each rule reports the rows it applies to, the rows that break it and a few of those rows.

Expressions are resolved by the engine's own dependency graph, so a rule means here exactly what it means
to the generator. Rules that draw random numbers (``uniform(...)``) state nothing checkable and are left
out. On a sample of the data (the first rows of each table) aggregates and reference integrity cannot be
judged and are reported as skipped; rows whose referenced row is not in the data are not counted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import polars as pl
import pyarrow as pa

from sdga.engine.expr import Col, Node, Random, transform, unparse, walk
from sdga.engine.expr_polars import to_polars
from sdga.engine.graph import Compiled, Relations, build_relations
from sdga.engine.temporal import duration_seconds
from sdga.errors import SdgaError
from sdga.models import CoherenceReport, CoherenceRule, FieldSpec, Schema, TableSpec
from sdga.models.schema import END_STATE

TIME_TYPES = {"date", "datetime", "timestamp"}
NUMBER_TYPES = {"integer", "float", "decimal", "amount", "latitude", "longitude", "sequence"}
EXAMPLES = 5
UTC_US = pl.Datetime("us", "UTC")


def check_coherence(
    tables: Mapping[str, pa.Table], schema: Schema, *, complete: bool = True, examples: int = EXAMPLES
) -> CoherenceReport | None:
    """Check ``schema``'s rules on ``tables`` ({name: Arrow table}); None when the schema declares none.

    ``complete`` says the tables are whole: with a sample, aggregates and reference integrity are skipped.
    """
    specs = schema.table_list(default_name=next(iter(tables), "data"))
    if not _declares_rules(specs):  # before reading any table: ``tables`` may read them on access
        return None
    if len(tables) == 1 and len(specs) == 1:
        tables = {specs[0].name: next(iter(tables.values()))}
    groups = {t.name: _group(t) for t in specs}
    try:
        rels = build_relations(specs, groups)
    except SdgaError as exc:
        return CoherenceReport(error=exc.message)
    data = _Data({t.name: t for t in specs}, tables, rels, complete)
    rules: list[CoherenceRule] = []
    for spec in specs:
        if spec.name not in tables:
            continue
        for f in spec.fields:
            for check in _checks(data, spec, f):
                rules.append(data.run(check, examples))
    checked = sum(r.checked for r in rules if r.skipped is None)
    broken = sum(r.violations for r in rules if r.skipped is None)
    score = 1.0 - broken / checked if checked else None
    return CoherenceReport(score=score, rules=rules)


def _declares_rules(specs: list[TableSpec]) -> bool:
    for t in specs:
        for f in t.fields:
            c = f.constraints
            if f.type == "reference" or any(
                x is not None for x in (f.expression, f.when, f.after, c.min_expr, c.max_expr, f.state_machine)
            ):
                return True
            if f.ordered:
                return True
    return False


def _group(t: TableSpec) -> str | None:
    if t.volume is not None:
        return None
    for f in t.fields:
        if f.type == "reference" and f.cardinality is not None and (f.references or "").split(".")[0] != t.name:
            return f.name
    return None


class _Check:
    """One rule to check: a boolean ``holds`` (null: the rule does not apply to the row) over a frame."""

    def __init__(self, table: str, field: str, kind: str, rule: str, columns: list[str]) -> None:
        self.table, self.field, self.kind, self.rule, self.columns = table, field, kind, rule, columns
        self.holds: pl.Series | None = None
        self.skipped: str | None = None


class _Data:
    """The data's columns, real and virtual (lookups and aggregates computed with joins), memoised."""

    def __init__(
        self, specs: dict[str, TableSpec], tables: Mapping[str, pa.Table], rels: dict[str, Relations], complete: bool
    ) -> None:
        self.specs = specs
        self.rels = rels
        self.complete = complete
        self.frames: dict[str, pl.DataFrame] = {}
        for name, table in tables.items():
            if name in specs:
                frame = pl.from_arrow(table)
                assert isinstance(frame, pl.DataFrame)
                self.frames[name] = frame
        self.memo: dict[tuple[str, str], pl.Series] = {}
        self.unmatched: dict[tuple[str, str], pl.Series] = {}

    def has(self, table: str) -> bool:
        return table in self.frames

    def field(self, table: str, name: str) -> FieldSpec | None:
        return next((f for f in self.specs[table].fields if f.name == name), None)

    def col(self, table: str, key: str) -> pl.Series:
        got = self.memo.get((table, key))
        if got is not None:
            return got
        frame = self.frames[table]
        rel = self.rels[table]
        n = frame.height
        if key in rel.lookups:
            lk = rel.lookups[key]
            ref = self.col(table, lk.ref)
            target = self._target(table, lk.ref)
            if not self.has(lk.parent) or target is None:
                raise _Unavailable(f"table '{lk.parent}' is not in the data")
            parent = pl.DataFrame(
                {
                    "k": self.col(lk.parent, target),
                    "v": self.col(lk.parent, lk.parent_key),
                    "u": self.unmatched_of(lk.parent, lk.parent_key),
                }
            ).unique("k", keep="first", maintain_order=True)
            joined = pl.DataFrame({"k": ref}).join(parent, on="k", how="left", maintain_order="left")
            out = joined.get_column("v").alias(key)
            miss = (ref.is_not_null() & joined.get_column("u").is_null()) | joined.get_column("u").fill_null(False)
            self.unmatched[(table, key)] = miss.alias(key)
        elif key in rel.aggregates:
            out = self._aggregate(table, key)
        elif key in rel.exprs:
            out = self.evaluate(table, rel.exprs[key]).alias(key)
        elif key in frame.columns:
            spec = self.field(table, key)
            out = _coerce(frame.get_column(key), spec)
        elif "." in key and key.replace(".", "_") in frame.columns:
            out = frame.get_column(key.replace(".", "_"))
        else:
            raise _Unavailable(f"column '{key}' is not in table '{table}'")
        if len(out) != n:
            raise _Unavailable(f"column '{key}' does not line up with table '{table}'")
        self.memo[(table, key)] = out
        return out

    def unmatched_of(self, table: str, key: str) -> pl.Series:
        """Rows whose value could not be looked up (their referenced row is not in the data)."""
        self.col(table, key)
        got = self.unmatched.get((table, key))
        return got if got is not None else pl.Series(key, [False] * self.frames[table].height)

    def _target(self, table: str, ref: str) -> str | None:
        f = self.field(table, ref)
        if f is None or not f.references or "." not in f.references:
            return None
        return f.references.split(".", 1)[1]

    def _aggregate(self, table: str, key: str) -> pl.Series:
        spec = self.rels[table].aggregates[key]
        if not self.complete:
            raise _Unavailable("the data is a sample: a parent's children may be missing from it")
        if not self.has(spec.child):
            raise _Unavailable(f"table '{spec.child}' is not in the data")
        target = self._target(spec.child, spec.via)
        assert target is not None
        frame: dict[str, pl.Series] = {"k": self.col(spec.child, spec.via)}
        if spec.column is not None:
            frame["v"] = self.col(spec.child, spec.column)
        children = pl.DataFrame(frame)
        if spec.where is not None:
            children = children.filter(self.col(spec.child, spec.where).fill_null(False))
        v = pl.col("v")
        agg = {"count": v.count() if spec.column else pl.len(), "sum": v.sum(), "min": v.min(), "max": v.max()}
        agg["mean"] = v.mean()
        reduced = children.drop_nulls("k").group_by("k").agg(agg[spec.fn].alias("r"))
        parents = pl.DataFrame({"k": self.col(table, target)})
        out = parents.join(reduced, on="k", how="left", maintain_order="left").get_column("r")
        if spec.fn in ("sum", "count"):
            out = out.fill_null(0)
        return out.alias(key)

    def evaluate(self, table: str, c: Compiled) -> pl.Series:
        node = _flattened(c.node, self.frames[table])
        cols = sorted({n.key for n in walk(node) if isinstance(n, Col)})
        frame = pl.DataFrame({k: self.col(table, k) for k in cols}) if cols else self.frames[table].select([])
        if not cols:
            frame = pl.DataFrame({"__row": pl.Series([0] * self.frames[table].height, dtype=pl.Int8)})
        out = frame.select(to_polars(node).alias("__out")).get_column("__out")
        if len(out) == 1 and frame.height != 1:
            out = pl.Series("__out", [out[0]] * frame.height, dtype=out.dtype)
        return out

    def unmatched_rows(self, table: str, c: Compiled | None) -> pl.Series:
        """Rows where an expression reads a referenced row that is not in the data."""
        n = self.frames[table].height
        miss = pl.Series("m", [False] * n)
        if c is None:
            return miss
        for key in c.columns:
            self.col(table, key)
            got = self.unmatched.get((table, key))
            if got is not None:
                miss = miss | got
        return miss

    def run(self, check: _Check, examples: int) -> CoherenceRule:
        out = CoherenceRule(rule=check.rule, table=check.table, field=check.field, kind=check.kind)
        if check.skipped is not None or check.holds is None:
            out.skipped = check.skipped or "not checkable"
            return out
        holds = check.holds
        out.checked = int(holds.is_not_null().sum())
        bad = holds.not_().fill_null(False)
        out.violations = int(bad.sum())
        if out.violations and examples:
            cols = {}
            for key in dict.fromkeys(check.columns):
                try:
                    cols[key] = self.col(check.table, key)
                except _Unavailable:
                    continue
            rows = pl.DataFrame(cols).filter(bad).head(examples)
            out.examples = [{k: _json(v) for k, v in row.items()} for row in rows.iter_rows(named=True)]
        return out


class _Unavailable(Exception):
    """A rule cannot be checked on this data (a table or column missing, a sample)."""


def _flattened(node: Node, frame: pl.DataFrame) -> Node:
    """Parts of object fields written flat (``http.status`` or ``http_status`` columns in CSV) read as such."""

    def swap(n: Node) -> Node:
        if isinstance(n, Col) and n.struct_path and n.key not in frame.columns:
            for sep in (".", "_"):
                flat = sep.join((n.key, *n.struct_path))
                if flat in frame.columns:
                    return Col(flat)
        return n

    return transform(node, swap)


def _coerce(s: pl.Series, spec: FieldSpec | None) -> pl.Series:
    """A column of the data as its field's kind (dates and numbers read from text, instants in UTC)."""
    if spec is None:
        return s
    t = spec.type
    fmt = spec.constraints.format
    if t == "date":
        if s.dtype == pl.Utf8:
            return s.str.to_date(format=fmt, strict=False)
        if isinstance(s.dtype, pl.Datetime):
            return s.dt.date()
    elif t in ("datetime", "timestamp"):
        if s.dtype == pl.Utf8:
            s = s.str.to_datetime(format=fmt, strict=False, time_zone="UTC" if fmt is None else None)
        if isinstance(s.dtype, pl.Datetime):
            s = s.dt.replace_time_zone("UTC") if s.dtype.time_zone is None else s.dt.convert_time_zone("UTC")  # type: ignore[union-attr]
            return s.cast(UTC_US)
        if s.dtype == pl.Date:
            return s.cast(UTC_US)
    elif t in NUMBER_TYPES and s.dtype == pl.Utf8:
        return s.cast(pl.Float64, strict=False)
    return s


def _numeric(s: pl.Series) -> bool:
    return s.dtype.is_numeric() or isinstance(s.dtype, pl.Decimal)


def _equal(value: pl.Series, expected: pl.Series, spec: FieldSpec) -> pl.Series:
    """``value == expected`` for one field (numbers within half a unit of the field's last decimal)."""
    if _numeric(value) and _numeric(expected):
        v, e = value.cast(pl.Float64), expected.cast(pl.Float64)
        p = spec.constraints.precision
        if spec.type in ("decimal", "amount"):
            p = 2 if p is None else p
        tol = 0.5 if spec.type == "integer" else (0.5 * 10.0**-p if p is not None else 0.0)
        return (v - e).abs() <= (e.abs() * 1e-9 + tol + 1e-9)
    if value.dtype != expected.dtype:
        try:
            expected = expected.cast(value.dtype)
        except pl.exceptions.PolarsError:
            return value.cast(pl.Utf8) == expected.cast(pl.Utf8)
    return value == expected


def _random(c: Compiled | None) -> bool:
    return c is not None and any(isinstance(n, Random) for n in walk(c.node))


def _checks(data: _Data, spec: TableSpec, f: FieldSpec) -> list[_Check]:
    table = spec.name
    rel = data.rels[table]
    r = rel.rules.get(f.name)
    out: list[_Check] = []
    keys = [k.name for k in spec.fields if k.primary_key][:1]

    def add(kind: str, rule: str, c: list[Compiled | None], fn: Any) -> None:
        cols = [*keys, f.name, *sorted({k for x in c if x is not None for k in x.columns})]
        check = _Check(table, f.name, kind, rule, cols)
        try:
            holds: pl.Series = fn()
            miss = pl.Series([False] * data.frames[table].height)
            for x in c:
                miss = miss | data.unmatched_rows(table, x)
            if miss.any():  # rows whose referenced row is not in the data say nothing about the rule
                holds = (
                    pl.DataFrame({"h": holds, "m": miss})
                    .select(pl.when(pl.col("m")).then(None).otherwise(pl.col("h")))
                    .to_series()
                )
            check.holds = holds
        except _Unavailable as exc:
            check.skipped = str(exc)
        except (pl.exceptions.PolarsError, SdgaError, TypeError, ValueError) as exc:
            check.skipped = f"cannot be evaluated on this data: {str(exc).splitlines()[0] if str(exc) else exc}"
        out.append(check)

    def value() -> pl.Series:
        return data.col(table, f.name)

    if f.type == "reference" and f.references and not f.tree:
        parent, target = [*f.references.split(".", 1), ""][:2]

        def exists() -> pl.Series:
            if not data.complete:
                raise _Unavailable("the data is a sample: referenced rows may be missing from it")
            if not data.has(parent):
                raise _Unavailable(f"table '{parent}' is not in the data")
            keys_p = data.col(parent, target)
            frame = pl.DataFrame({"v": value()})
            return frame.select(
                pl.when(pl.col("v").is_null()).then(None).otherwise(pl.col("v").is_in(keys_p.implode()))
            ).to_series()

        add("reference", f"{table}.{f.name} exists in {f.references}", [], exists)
    if f.tree and rel.group is not None:
        group = rel.group
        target = (f.references or ".").split(".", 1)[1]

        def same_group() -> pl.Series:
            frame = pl.DataFrame({"k": data.col(table, target), "g": data.col(table, group)}).unique("k", keep="first")
            mine = pl.DataFrame({"p": value(), "g0": data.col(table, group)})
            j = mine.join(frame, left_on="p", right_on="k", how="left", maintain_order="left")
            return j.select(
                pl.when(pl.col("p").is_null()).then(None).otherwise(pl.col("g") == pl.col("g0"))
            ).to_series()

        add("tree", f"{table}.{f.name} points at a row of the same {group}", [], same_group)
    if r is None:
        return out
    if r.expression is not None and not _random(r.expression) and not _random(r.when) and not _random(r.otherwise):
        text = f"{table}.{f.name} == {r.expression.text}"
        if r.when is not None:
            text += f" if {r.when.text} else {r.otherwise.text if r.otherwise else 'null'}"

        def derived() -> pl.Series:
            assert r is not None and r.expression is not None
            expected = data.evaluate(table, r.expression)
            if r.when is not None:
                cond = data.evaluate(table, r.when).fill_null(False)
                other = data.evaluate(table, r.otherwise) if r.otherwise else pl.Series([None] * len(cond))
                expected = (
                    pl.DataFrame({"c": cond, "e": expected, "o": other.cast(expected.dtype, strict=False)})
                    .select(pl.when(pl.col("c")).then(pl.col("e")).otherwise(pl.col("o")))
                    .to_series()
                )
            v = value()
            eq = _equal(v, expected, f)
            return (
                pl.DataFrame({"v": v, "eq": eq})
                .select(pl.when(pl.col("v").is_null()).then(None).otherwise(pl.col("eq").fill_null(False)))
                .to_series()
            )

        add("expression", text, [r.expression, r.when, r.otherwise], derived)
    elif r.when is not None and not _random(r.when) and not _random(r.otherwise):
        target_text = f"== {r.otherwise.text}" if r.otherwise is not None else "is null"

        def conditional() -> pl.Series:
            assert r is not None and r.when is not None
            cond = data.evaluate(table, r.when).fill_null(False)
            v = value()
            if r.otherwise is None:
                ok = v.is_null()
            else:
                ok = _equal(v, data.evaluate(table, r.otherwise), f).fill_null(v.is_null())
            return (
                pl.DataFrame({"c": cond, "ok": ok})
                .select(pl.when(pl.col("c")).then(None).otherwise(pl.col("ok")))
                .to_series()
            )

        add("when", f"{table}.{f.name} {target_text} unless {r.when.text}", [r.when, r.otherwise], conditional)
    after = r.after
    if after is not None and not _random(after):
        lag_min = r.lag.min if r.lag else "0s"
        lag_max = r.lag.max if r.lag and not r.ordered else None
        lo = duration_seconds(lag_min, f.name)
        lo_text = f" + {lag_min}" if lo else ""
        add("after", f"{table}.{f.name} >= {after.text}{lo_text}", [after],
            lambda: _compare(value(), data.evaluate(table, after), lo, ">="))  # fmt: skip
        if lag_max is not None:
            hi = duration_seconds(lag_max, f.name)
            add("after", f"{table}.{f.name} <= {after.text} + {lag_max}", [after],
                lambda: _compare(value(), data.evaluate(table, after), hi, "<="))  # fmt: skip
    bounds: list[tuple[str, Compiled | None, str]] = [("min_expr", r.min_expr, ">="), ("max_expr", r.max_expr, "<=")]
    for kind, c, op in bounds:
        if c is not None and not _random(c):
            add(kind, f"{table}.{f.name} {op} {c.text}", [c],
                lambda c=c, op=op: _compare(value(), data.evaluate(table, c), 0.0, op))  # fmt: skip
    if r.ordered:
        by = rel.group
        where = f" within each {by}" if by else ""
        add(
            "ordered",
            f"{table}.{f.name} never goes back in time{where}",
            [],
            lambda: _ordered(value(), data, table, by),
        )
    if r.machine is not None and rel.group is not None:
        add("state_machine", f"{table}.{f.name} follows its state machine within each {rel.group}", [],
            lambda: _transitions(value(), data.col(table, rel.group), r.machine))  # type: ignore[arg-type]  # fmt: skip
    return out


def _compare(value: pl.Series, base: pl.Series, offset_s: float, op: str) -> pl.Series:
    """``value >= base + offset`` (or ``<=``): instants compared in UTC (a date is its midnight), numbers as floats."""
    frame = pl.DataFrame({"v": value, "b": base})
    temporal = [t == pl.Date or isinstance(t, pl.Datetime) for t in frame.schema.values()]
    if all(temporal):
        v = pl.col("v").cast(UTC_US)
        b = pl.col("b").cast(UTC_US) + pl.duration(microseconds=round(offset_s * 1e6))
        test = v >= b if op == ">=" else v <= b
    else:
        v = pl.col("v").cast(pl.Float64)
        b = pl.col("b").cast(pl.Float64) + offset_s
        slack = b.abs() * 1e-12 + 1e-9
        test = v >= b - slack if op == ">=" else v <= b + slack
    return frame.select(pl.when(pl.col("v").is_null() | pl.col("b").is_null()).then(None).otherwise(test)).to_series()


def _ordered(value: pl.Series, data: _Data, table: str, group: str | None) -> pl.Series:
    frame = pl.DataFrame({"v": value})
    if group is None:
        prev = pl.col("v").shift(1)
    else:
        frame = frame.with_columns(data.col(table, group).alias("g"))
        prev = pl.col("v").shift(1).over("g")
    return frame.select(
        pl.when(prev.is_null() | pl.col("v").is_null()).then(None).otherwise(pl.col("v") >= prev)
    ).to_series()


def _transitions(value: pl.Series, group: pl.Series, machine: Any) -> pl.Series:
    allowed = {(a, b) for a, nxt in machine.transitions.items() for b, w in nxt.items() if b != END_STATE and w > 0}
    starts = {s for s, w in machine.initial.items() if w > 0}
    frame = pl.DataFrame({"v": value.cast(pl.Utf8), "g": group})
    frame = frame.with_columns(pl.col("v").shift(1).over("g").alias("p"), pl.int_range(pl.len()).over("g").alias("i"))
    pairs = pl.DataFrame(
        {"p": [a for a, _ in allowed], "v": [b for _, b in allowed], "ok": [True] * len(allowed)},
        schema={"p": pl.Utf8, "v": pl.Utf8, "ok": pl.Boolean},
    )
    joined = frame.join(pairs, on=["p", "v"], how="left", maintain_order="left")
    return joined.select(
        pl.when(pl.col("v").is_null())
        .then(None)
        .when(pl.col("i") == 0)
        .then(pl.col("v").is_in(sorted(starts)))
        .otherwise(pl.col("ok").fill_null(False))
    ).to_series()


def _json(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v) for v in value]
    return value


__all__ = ["check_coherence", "unparse"]
