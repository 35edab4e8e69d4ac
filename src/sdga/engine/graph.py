"""One dependency graph per request: fields, lookups into referenced rows and aggregates of children.

Every expression of a schema (``expression``, ``when``, ``otherwise``, ``after``, ``min_expr``,
``max_expr``, ``series.anomaly``) is parsed and its names resolved here, at planning time:

* ``quantity`` — a field of the same row; ``http.status`` — a part of an object field;
* ``customer_id.signup_date`` — a field of the row that the reference ``customer_id`` points at (the
  parent table's name works too when one reference leads there: ``customers.signup_date``); hops chain
  (``order_id.customer_id.country_code``);
* ``sum(order_items.line_total)``, ``count(orders)``, ``max(orders.order_date, by='customer_id')`` —
  aggregates of the rows that reference this one.

Lookups and aggregates become *virtual columns* of their table (keyed by their text), so that the whole
request is one graph over ``table.column`` nodes. A cycle is refused with its path
(``orders.total -> order_items.line_total -> orders.total``), an unknown name with the field that uses it
and the closest known name. This module only plans; :mod:`sdga.engine.evaluate` computes.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field

from sdga.engine.expr import BinOp, Call, Col, Lit, Name, Node, Random, is_aggregate, parse, transform, walk
from sdga.engine.fields import uses_enum
from sdga.errors import SchemaError
from sdga.models.schema import END_STATE, FieldSpec, Lag, Series, StateMachine, TableSpec

TIME_TYPES = frozenset({"date", "datetime", "timestamp"})
NUMBER_TYPES = frozenset({"integer", "float", "decimal", "amount"})
_NOT_DERIVABLE = frozenset({"object", "array", "json", "reference"})


@dataclass(frozen=True)
class Compiled:
    """An expression resolved against its table: the tree (names replaced by columns) and what it reads."""

    text: str
    node: Node
    columns: frozenset[str]  # column keys of the same table (fields and virtual columns)
    randoms: int = 0


@dataclass(frozen=True)
class LookupSpec:
    """A virtual column: ``parent_key`` of the row the reference ``ref`` points at."""

    key: str
    ref: str
    parent: str
    parent_key: str
    tree: bool = False  # through a tree reference: an earlier row of the same table


@dataclass(frozen=True)
class AggSpec:
    """A virtual column: ``fn`` of ``column`` over the rows of ``child`` whose ``via`` points at this row."""

    key: str
    fn: str
    child: str
    via: str
    column: str | None
    where: str | None


@dataclass
class FieldRules:
    """What makes a field depend on others (every part optional)."""

    name: str
    expression: Compiled | None = None
    when: Compiled | None = None
    otherwise: Compiled | None = None
    after: Compiled | None = None
    min_expr: Compiled | None = None
    max_expr: Compiled | None = None
    anomaly: Compiled | None = None
    lag: Lag | None = None
    ordered: bool = False
    series: Series | None = None
    machine: StateMachine | None = None

    def compiled(self) -> list[Compiled]:
        parts = (self.expression, self.when, self.otherwise, self.after, self.min_expr, self.max_expr, self.anomaly)
        return [c for c in parts if c is not None]

    @property
    def deps(self) -> set[str]:
        out: set[str] = set()
        for c in self.compiled():
            out |= c.columns
        return out

    @property
    def row_bounded(self) -> bool:
        """Drawn between per-row bounds (after, min_expr, max_expr) rather than by the type alone."""
        return self.after is not None or self.min_expr is not None or self.max_expr is not None


@dataclass(frozen=True)
class TreeSet:
    """Columns that read their own values at the parent row of a tree (a span starts after its parent span).

    They are computed together, level by level down each tree, in ``order`` (their dependency order once the
    reads of the parent row are set aside).
    """

    ref: str
    order: tuple[str, ...]


@dataclass
class Relations:
    """The graph's view of one table: rules per field and the virtual columns the table computes."""

    table: str
    rules: dict[str, FieldRules] = field(default_factory=dict)
    lookups: dict[str, LookupSpec] = field(default_factory=dict)
    aggregates: dict[str, AggSpec] = field(default_factory=dict)
    exprs: dict[str, Compiled] = field(default_factory=dict)
    shared: set[str] = field(default_factory=set)  # columns other tables read: worth caching per block
    group: str | None = None  # the reference whose cardinality makes each parent's rows contiguous
    trees: dict[str, TreeSet] = field(default_factory=dict)  # column -> the tree-recursive set it belongs to

    def deps(self, key: str) -> set[str]:
        """Same-table columns that ``key`` needs first."""
        if key in self.rules:
            return self.rules[key].deps
        if key in self.lookups:
            return {self.lookups[key].ref}
        if key in self.exprs:
            return set(self.exprs[key].columns)
        return set()

    @property
    def active(self) -> bool:
        return bool(self.rules or self.lookups or self.aggregates or self.exprs or self.shared)


def _fail(where: str, message: str, **details: object) -> SchemaError:
    return SchemaError(f"field '{where}': {message}", details={"field": where, **details})


class _Graph:
    def __init__(self, specs: list[TableSpec], groups: dict[str, str | None]) -> None:
        self.specs = {t.name: t for t in specs}
        self.fields = {t.name: {f.name: f for f in t.fields} for t in specs}
        self.rels = {t.name: Relations(t.name, group=groups.get(t.name)) for t in specs}
        self.edges: dict[tuple[str, str], set[tuple[str, str]]] = {}

    # --- names -----------------------------------------------------------------------------------------
    def refs_to(self, table: str, parent: str) -> list[str]:
        return [
            f.name
            for f in self.specs[table].fields
            if f.type == "reference" and (f.references or "").split(".")[0] == parent
        ]

    def unknown(self, table: str, name: str, where: str) -> SchemaError:
        known = [*self.fields[table], *self.specs]
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return _fail(where, f"unknown field '{name}' in table '{table}'{hint}", unknown=name)

    def resolve(self, table: str, path: tuple[str, ...], where: str) -> Col:
        """The column key (and struct path) that a dotted name means in ``table``."""
        head, rest = path[0], path[1:]
        fields = self.fields[table]
        f = fields.get(head)
        if f is None and head in self.specs and head != table and rest:
            refs = self.refs_to(table, head)
            if len(refs) == 1:
                f = fields[refs[0]]
            elif len(refs) > 1:
                raise _fail(
                    where,
                    f"table '{table}' has {len(refs)} references to '{head}' ({', '.join(refs)}): "
                    f"write {refs[0]}.{'.'.join(rest)}",
                    unknown=head,
                )
            else:
                raise _fail(where, f"table '{table}' has no reference to '{head}'", unknown=head)
        if f is None:
            raise self.unknown(table, head, where)
        if not rest:
            return Col(f.name)
        if f.type == "reference":
            parent = (f.references or "").split(".")[0]
            if parent not in self.specs:
                raise _fail(where, f"'{f.name}' references table '{parent}', which is not in the schema")
            inner = self.resolve(parent, rest, where)
            key = f"{f.name}.{inner.key}"
            if key not in self.rels[table].lookups:
                self.rels[table].lookups[key] = LookupSpec(key, f.name, parent, inner.key, tree=f.tree)
                self.edge((table, key), (table, f.name))
                self.edge((table, key), (parent, inner.key))
                self.rels[parent].shared.add(inner.key)
            return Col(key, inner.struct_path)
        if f.type == "object":
            spec: FieldSpec | None = f
            for part in rest:
                sub = {c.name: c for c in (spec.fields or [])} if spec is not None else {}
                spec = sub.get(part)
                if spec is None:
                    raise _fail(where, f"object '{f.name}' has no field '{part}'", unknown=".".join(path))
            return Col(f.name, rest)
        raise _fail(
            where, f"'{'.'.join(path)}': '{head}' is neither a reference nor an object field", unknown=".".join(path)
        )

    def aggregate(self, table: str, call: Call, where: str) -> Col:
        arg = call.args[0]
        assert isinstance(arg, Name)
        child, rest = arg.path[0], arg.path[1:]
        if child not in self.specs:
            close = difflib.get_close_matches(child, list(self.specs), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise _fail(where, f"{call.fn}() names unknown table '{child}'{hint}", unknown=child)
        kw = {k: v.value for k, v in call.kwargs if isinstance(v, Lit)}
        refs = self.refs_to(child, table)
        via = kw.get("by")
        if via is not None:
            if via not in refs:
                raise _fail(
                    where, f"{call.fn}(..., by='{via}'): '{child}.{via}' is not a reference to '{table}'", unknown=via
                )
        elif len(refs) == 1:
            via = refs[0]
        elif not refs:
            raise _fail(where, f"{call.fn}(): table '{child}' has no reference to '{table}'", unknown=child)
        else:
            raise _fail(where, f"{call.fn}(): '{child}' references '{table}' {len(refs)} times; add by='{refs[0]}'")
        column: str | None = None
        if rest:
            inner = self.resolve(child, rest, where)
            if inner.struct_path:
                raise _fail(where, f"{call.fn}() cannot aggregate a part of an object field")
            column = inner.key
        elif call.fn != "count":
            raise _fail(where, f"{call.fn}() needs a field of '{child}', e.g. {call.fn}({child}.amount)")
        where_key: str | None = None
        if "where" in kw:
            text = str(kw["where"])
            where_key = f"where:{text}"
            if where_key not in self.rels[child].exprs:
                compiled = self.compile(child, text, where)
                self.rels[child].exprs[where_key] = compiled
                for c in compiled.columns:
                    self.edge((child, where_key), (child, c))
        key = f"{call.fn}({'.'.join(arg.path)}, by={via}" + (f", where={kw['where']!r}" if where_key else "") + ")"
        if key not in self.rels[table].aggregates:
            self.rels[table].aggregates[key] = AggSpec(key, call.fn, child, via, column, where_key)
            for part in (column, where_key, via):
                if part is not None:
                    self.edge((table, key), (child, part))
                    self.rels[child].shared.add(part)
        return Col(key)

    def compile(self, table: str, text: str, where: str) -> Compiled:
        parsed = parse(text, where)
        columns: set[str] = set()

        def swap(n: Node) -> Node:
            if isinstance(n, Name):
                col = self.resolve(table, n.path, where)
                columns.add(col.key)
                return col
            if is_aggregate(n):
                assert isinstance(n, Call)
                col = self.aggregate(table, n, where)
                columns.add(col.key)
                return col
            return n

        node = transform(parsed.node, swap)
        randoms = sum(1 for n in walk(node) if isinstance(n, Random))
        return Compiled(parsed.text, node, frozenset(columns), randoms)

    def edge(self, a: tuple[str, str], b: tuple[str, str]) -> None:
        self.edges.setdefault(a, set()).add(b)

    # --- fields ----------------------------------------------------------------------------------------
    def field_rules(self, table: str, f: FieldSpec) -> None:
        where = f"{table}.{f.name}"
        r = FieldRules(f.name, lag=f.lag, ordered=f.ordered, series=f.series, machine=f.state_machine)
        c = f.constraints
        for attr, text in (
            ("expression", f.expression),
            ("when", f.when),
            ("otherwise", f.otherwise),
            ("after", f.after),
            ("min_expr", c.min_expr),
            ("max_expr", c.max_expr),
            ("anomaly", f.series.anomaly if f.series else None),
        ):
            if text is not None:
                setattr(r, attr, self.compile(table, text, where))
        self.check(table, f, r, where)
        if r.compiled() or r.lag or r.ordered or r.series or r.machine:
            self.rels[table].rules[f.name] = r
            for dep in r.deps:
                self.edge((table, f.name), (table, dep))

    def check(self, table: str, f: FieldSpec, r: FieldRules, where: str) -> None:
        t = f.type
        derived = r.expression is not None
        if derived and (t in _NOT_DERIVABLE or t.startswith("faker:")):
            raise _fail(where, f"a field of type {t} cannot have an expression")
        if derived and (f.constraints.unique or f.primary_key):
            raise _fail(where, "a derived field cannot be unique (its values follow other fields)")
        if derived and (r.row_bounded or r.ordered or r.series or r.machine or f.lag):
            raise _fail(where, "an expression gives the value itself: drop after/lag/min_expr/max_expr/ordered/series")
        if r.otherwise is not None and r.when is None:
            raise _fail(where, "`otherwise` needs `when`")
        if (r.after is not None or f.lag is not None or f.ordered) and t not in TIME_TYPES:
            raise _fail(where, f"after/lag/ordered apply to date, datetime and timestamp fields, not {t}")
        if f.lag is not None and r.after is None and not f.ordered:
            raise _fail(where, "`lag` needs `after` (or `ordered: true`)")
        if f.lag is not None and (f.lag.gap_rate or f.lag.gap) and not f.ordered:
            raise _fail(where, "lag gaps (gap_rate, gap) apply to ordered rows (`ordered: true`)")
        if (r.min_expr or r.max_expr) and t not in TIME_TYPES | NUMBER_TYPES:
            raise _fail(where, f"min_expr/max_expr apply to numeric, date and time fields, not {t}")
        if (r.row_bounded or f.ordered or f.series) and (f.constraints.unique or uses_enum(f)):
            raise _fail(where, "per-row bounds, `ordered` and `series` do not combine with unique or enum")
        if f.series is not None and t not in NUMBER_TYPES:
            raise _fail(where, f"`series` applies to numeric fields, not {t}")
        if f.series is not None and r.row_bounded:
            raise _fail(where, "`series` does not combine with per-row bounds")
        group = self.rels[table].group
        if (f.series is not None or f.state_machine is not None) and group is None:
            raise _fail(
                where,
                "series and state machines run over each parent's rows: the table's volume must follow a "
                "reference's cardinality (omit the table's volume, give the reference a cardinality)",
            )
        if f.ordered:
            self.check_ordered(table, f, r, group, where)
        if f.state_machine is not None:
            self.check_machine(f, f.state_machine, where)
        if f.tree:
            ref_table = (f.references or "").split(".")[0]
            if t != "reference" or ref_table != table:
                raise _fail(where, "`tree` applies to a reference to the same table")
            if group is None:
                raise _fail(where, "a tree needs the table's rows grouped by a parent (a reference with cardinality)")
            if f.cardinality is not None:
                raise _fail(where, "a tree reference takes no cardinality (each row has one parent row)")

    def check_ordered(self, table: str, f: FieldSpec, r: FieldRules, group: str | None, where: str) -> None:
        if r.min_expr is not None or r.max_expr is not None:
            raise _fail(where, "an ordered field takes no min_expr/max_expr (its order decides its values)")
        if group is None:
            if r.after is not None:
                raise _fail(
                    where,
                    "`after` of an ordered field names the parent's time: give the table a reference with a "
                    "cardinality (one sequence per parent), or drop `after` for one sequence over the table",
                )
            return
        if r.after is not None:
            # The first row of each parent comes after it: it must be the same for all rows of a parent.
            lookups = self.rels[table].lookups
            foreign = sorted(k for k in r.after.columns if not (k in lookups and lookups[k].ref == group))
            if foreign:
                raise _fail(
                    where,
                    f"`after` of an ordered field must come from the parent through '{group}' "
                    f"(e.g. {group}.created_at), not '{foreign[0]}'",
                    unknown=foreign[0],
                )

    def check_machine(self, f: FieldSpec, m: StateMachine, where: str) -> None:
        if not f.constraints.enum:
            raise _fail(where, "a state machine needs a category field with an enum of its states")
        states = {str(v) for v in f.constraints.enum}
        named = set(m.initial) | set(m.transitions) | {s for nxt in m.transitions.values() for s in nxt}
        unknown = sorted(named - states - {END_STATE})
        if unknown:
            raise _fail(where, f"state machine names '{unknown[0]}', which is not in the enum", unknown=unknown[0])
        if END_STATE in m.initial or END_STATE in m.transitions:
            raise _fail(where, f"'{END_STATE}' can only be a next state")
        for state, weights in [("initial", m.initial), *m.transitions.items()]:
            if any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
                raise _fail(where, f"state machine weights of '{state}' must be non-negative and not all zero")

    # --- the graph ---------------------------------------------------------------------------------------
    def check_cycles(self) -> None:
        """Depth-first search; the first cycle found is reported as a path of table.column names."""
        state: dict[tuple[str, str], int] = {}
        for start in sorted(self.edges):
            if state.get(start):
                continue
            stack: list[tuple[tuple[str, str], list[tuple[str, str]]]] = [(start, self.successors(start))]
            path = [start]
            state[start] = 1
            while stack:
                node, todo = stack[-1]
                if not todo:
                    stack.pop()
                    path.pop()
                    state[node] = 2
                    continue
                nxt = todo.pop(0)
                if state.get(nxt) == 1:
                    loop = path[path.index(nxt) :]
                    # Start the path at a field of the schema rather than at a lookup or an aggregate.
                    first = next((i for i, (t, k) in enumerate(loop) if k in self.fields[t]), 0)
                    loop = loop[first:] + loop[:first]
                    names = [f"{t}.{k}" for t, k in [*loop, loop[0]]]
                    raise SchemaError(
                        f"fields depend on each other in a cycle: {' -> '.join(names)}",
                        details={"field": names[0], "cycle": names},
                    )
                if not state.get(nxt):
                    state[nxt] = 1
                    path.append(nxt)
                    stack.append((nxt, self.successors(nxt)))

    def successors(self, node: tuple[str, str]) -> list[tuple[str, str]]:
        # A lookup through a tree reference reads an earlier row of the same table: it is evaluated level by
        # level down the tree, so its edge back into the table closes no cycle.
        return sorted(n for n in self.edges.get(node, ()) if not self.tree_edge(node, n))

    def tree_sets(self) -> None:
        """Find the columns that recur through tree lookups (strongly connected with a tree edge)."""
        for table, rel in self.rels.items():
            nodes = {k for (t, k) in self.edges if t == table} | {k for (t, k) in self.tree_targets(table)}
            local = {k: sorted(b for (tb, b) in self.edges.get((table, k), ()) if tb == table) for k in nodes}
            for component in _components(local):
                inner = [(a, b) for a in component for b in local.get(a, []) if b in component]
                tree = [(a, b) for a, b in inner if self.tree_edge((table, a), (table, b))]
                if not tree:
                    continue
                refs = {rel.lookups[a].ref for a, _b in tree}
                if len(refs) > 1:
                    raise _fail(
                        f"{table}.{sorted(component)[0]}", f"columns recur through several trees: {sorted(refs)}"
                    )
                bad = sorted(k for k in component if k in rel.aggregates)
                if bad:
                    raise _fail(f"{table}.{bad[0]}", "an aggregate cannot read its own tree")
                order = _topological(
                    component,
                    {
                        a: [
                            b for b in local.get(a, []) if b in component and not self.tree_edge((table, a), (table, b))
                        ]
                        for a in component
                    },
                )
                ts = TreeSet(refs.pop(), tuple(order))
                for k in component:
                    rel.trees[k] = ts

    def tree_targets(self, table: str) -> set[tuple[str, str]]:
        return {b for (t, _k), targets in self.edges.items() if t == table for b in targets if b[0] == table}

    def tree_edge(self, a: tuple[str, str], b: tuple[str, str]) -> bool:
        lk = self.rels[a[0]].lookups.get(a[1])
        return lk is not None and lk.tree and a[0] == b[0] and b[1] == lk.parent_key


def build_relations(specs: list[TableSpec], groups: dict[str, str | None]) -> dict[str, Relations]:
    """Resolve every rule of every table and check the graph; SchemaError naming the field otherwise."""
    g = _Graph(specs, groups)
    for t in specs:
        for f in t.fields:
            g.field_rules(t.name, f)
    g.check_cycles()
    g.tree_sets()
    return g.rels


#: Functions that can give null on values that are not (failed conversions, a match of nullif, no children).
_NULLABLE_FUNCTIONS = frozenset({"nullif", "int", "float", "date", "datetime", "min", "max", "mean"})


def may_be_null(c: Compiled, nullable: Callable[[str], bool]) -> bool:
    """Whether an expression can give null (conservative): a null literal, a nullable input, a null-giving step."""
    for n in walk(c.node):
        if isinstance(n, Lit) and n.value is None:
            return True
        if isinstance(n, Col) and (n.struct_path or nullable(n.key)):
            return True
        if isinstance(n, Call) and n.fn in _NULLABLE_FUNCTIONS:
            return True
        if isinstance(n, BinOp) and n.op in ("//", "%"):
            return True
    return False


def nullable_column(
    rels: dict[str, Relations], table: str, key: str, field_nullable: Callable[[str, str], bool]
) -> bool:
    """Whether a column (field or virtual) can hold null; ``field_nullable(table, field)`` for plain fields."""
    rel = rels[table]
    if key in rel.lookups:
        lk = rel.lookups[key]
        return field_nullable(table, lk.ref) or nullable_column(rels, lk.parent, lk.parent_key, field_nullable)
    if key in rel.aggregates:
        return rel.aggregates[key].fn not in ("sum", "count")
    if key in rel.exprs:
        return may_be_null(rel.exprs[key], lambda k: nullable_column(rels, table, k, field_nullable))
    return field_nullable(table, key)


def _components(graph: dict[str, list[str]]) -> list[set[str]]:
    """Strongly connected components (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on: set[str] = set()
    stack: list[str] = []
    out: list[set[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = len(index)
                stack.append(v)
                on.add(v)
            succ = graph.get(v, [])
            if i < len(succ):
                work.append((v, i + 1))
                w = succ[i]
                if w not in index:
                    work.append((w, 0))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            if low[v] == index[v]:
                comp: set[str] = set()
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.add(w)
                    if w == v:
                        break
                out.append(comp)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
    return out


def _topological(nodes: set[str], deps: dict[str, list[str]]) -> list[str]:
    """``nodes`` with each after what it depends on (``deps`` is acyclic), ties by name."""
    done: list[str] = []
    seen: set[str] = set()

    def visit(n: str) -> None:
        if n in seen:
            return
        seen.add(n)
        for d in sorted(deps.get(n, [])):
            visit(d)
        done.append(n)

    for n in sorted(nodes):
        visit(n)
    return done
