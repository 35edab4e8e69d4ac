"""The expression language of derived fields, conditions and per-row bounds: parsed, never executed.

Expressions use Python's syntax (``quantity * unit_price``, ``'vip' if total > 1000 else 'regular'``,
``status in ('cancelled', 'returned')``) read by Python's own parser, but only a small, safe subset of it
is accepted: literals, names, dotted names (a struct's part, a referenced row's field, a child table's
field inside an aggregate), arithmetic, comparisons, ``and``/``or``/``not``, conditional expressions,
``in`` over a literal list and calls of the functions in :data:`FUNCTIONS`. Nothing is ever evaluated by
Python: the tree is turned into a Polars expression over a whole block (see
:mod:`sdga.engine.expr_polars`). Names are resolved against the schema by :mod:`sdga.engine.graph`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from sdga.errors import SchemaError


@dataclass(frozen=True)
class Node:
    """Base of the expression tree."""


@dataclass(frozen=True)
class Lit(Node):
    value: Any


@dataclass(frozen=True)
class Name(Node):
    """A (dotted) name as written: ``('customer_id', 'signup_date')``. Resolved later into a column key."""

    path: tuple[str, ...]


@dataclass(frozen=True)
class Col(Node):
    """A resolved column of the evaluated block: a field, a struct part or a virtual (lookup/aggregate) key."""

    key: str
    struct_path: tuple[str, ...] = ()


@dataclass(frozen=True)
class Call(Node):
    fn: str
    args: tuple[Node, ...]
    kwargs: tuple[tuple[str, Node], ...] = ()


@dataclass(frozen=True)
class BinOp(Node):
    op: str  # + - * / // % **
    left: Node
    right: Node


@dataclass(frozen=True)
class Unary(Node):
    op: str  # - + not
    operand: Node


@dataclass(frozen=True)
class BoolOp(Node):
    op: str  # and or
    values: tuple[Node, ...]


@dataclass(frozen=True)
class Compare(Node):
    op: str  # == != < <= > >=
    left: Node
    right: Node


@dataclass(frozen=True)
class In(Node):
    left: Node
    values: tuple[Node, ...]
    negate: bool = False


@dataclass(frozen=True)
class IfElse(Node):
    cond: Node
    then: Node
    other: Node


@dataclass(frozen=True)
class Random(Node):
    """A random draw (``uniform``, ``normal``, ``chance``), numbered within its expression."""

    kind: str
    args: tuple[float, ...]
    index: int


# Function name -> (fewest arguments, most arguments or None for any number). Aggregates take a child
# table's field (``sum(order_items.line_total)``) or a child table (``count(orders)``).
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    # numbers
    "abs": (1, 1), "round": (1, 2), "floor": (1, 1), "ceil": (1, 1), "sqrt": (1, 1), "exp": (1, 1),
    "log": (1, 1), "log10": (1, 1), "pow": (2, 2), "clip": (3, 3), "least": (2, None), "greatest": (2, None),
    # nulls and choices
    "coalesce": (2, None), "is_null": (1, 1), "is_not_null": (1, 1), "if_else": (3, 3), "nullif": (2, 2),
    # text
    "lower": (1, 1), "upper": (1, 1), "title": (1, 1), "trim": (1, 1), "length": (1, 1), "concat": (1, None),
    "substr": (2, 3), "replace": (3, 3), "starts_with": (2, 2), "ends_with": (2, 2), "contains": (2, 2),
    "lpad": (2, 3), "rpad": (2, 3), "format": (1, None), "slug": (1, 1),
    # conversions
    "int": (1, 1), "float": (1, 1), "str": (1, 1), "date": (1, 1), "datetime": (1, 1),
    # time
    "year": (1, 1), "month": (1, 1), "day": (1, 1), "hour": (1, 1), "minute": (1, 1), "weekday": (1, 1),
    "day_of_year": (1, 1), "years_between": (2, 2), "months_between": (2, 2), "days_between": (2, 2),
    "hours_between": (2, 2), "minutes_between": (2, 2), "seconds_between": (2, 2), "milliseconds_between": (2, 2),
    "weeks": (1, 1), "days": (1, 1), "hours": (1, 1), "minutes": (1, 1), "seconds": (1, 1),
    "milliseconds": (1, 1), "anchor": (0, 0), "today": (0, 0),
    # randomness (deterministic per field, block and row)
    "uniform": (2, 2), "normal": (2, 2), "chance": (1, 1), "pick": (1, None),
}  # fmt: skip
#: ``min``/``max`` with one argument are aggregates; with two or more they are ``least``/``greatest``.
AGGREGATES = frozenset({"sum", "count", "min", "max", "mean", "avg"})
RANDOM = frozenset({"uniform", "normal", "chance"})
CONSTANT_NAMES = {"null": None, "none": None, "true": True, "false": False}

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**"}
_CMPOPS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
MAX_DEPTH = 60


@dataclass
class Parsed:
    """An expression's tree plus what it names (before resolution against the schema)."""

    text: str
    node: Node
    names: list[tuple[str, ...]] = field(default_factory=list)


class _Reader:
    def __init__(self, text: str, where: str) -> None:
        self.text = text
        self.where = where
        self.names: list[tuple[str, ...]] = []
        self.randoms = 0

    def fail(self, message: str) -> SchemaError:
        return SchemaError(
            f"field '{self.where}': {message} in expression {self.text!r}",
            details={"field": self.where, "expression": self.text},
        )

    def read(self, n: ast.AST, depth: int = 0) -> Node:
        if depth > MAX_DEPTH:
            raise self.fail("the expression is nested too deeply")
        d = depth + 1
        if isinstance(n, ast.Constant):
            if isinstance(n.value, bool | int | float | str) or n.value is None:
                return Lit(n.value)
            raise self.fail(f"unsupported literal {n.value!r}")
        if isinstance(n, ast.Name | ast.Attribute):
            path = self.dotted(n)
            if len(path) == 1 and path[0].lower() in CONSTANT_NAMES:
                return Lit(CONSTANT_NAMES[path[0].lower()])
            self.names.append(path)
            return Name(path)
        if isinstance(n, ast.BinOp):
            op = _BINOPS.get(type(n.op))
            if op is None:
                raise self.fail(f"unsupported operator {type(n.op).__name__}")
            return BinOp(op, self.read(n.left, d), self.read(n.right, d))
        if isinstance(n, ast.UnaryOp):
            if isinstance(n.op, ast.USub):
                return Unary("-", self.read(n.operand, d))
            if isinstance(n.op, ast.UAdd):
                return self.read(n.operand, d)
            if isinstance(n.op, ast.Not):
                return Unary("not", self.read(n.operand, d))
            raise self.fail("unsupported operator ~ (use not)")
        if isinstance(n, ast.BoolOp):
            return BoolOp("and" if isinstance(n.op, ast.And) else "or", tuple(self.read(v, d) for v in n.values))
        if isinstance(n, ast.Compare):
            return self.compare(n, d)
        if isinstance(n, ast.IfExp):
            return IfElse(self.read(n.test, d), self.read(n.body, d), self.read(n.orelse, d))
        if isinstance(n, ast.Call):
            return self.call(n, d)
        if isinstance(n, ast.List | ast.Tuple | ast.Set):
            raise self.fail("a list is only allowed after `in`")
        raise self.fail(f"unsupported syntax ({type(n).__name__})")

    def dotted(self, n: ast.AST) -> tuple[str, ...]:
        parts: list[str] = []
        while isinstance(n, ast.Attribute):
            parts.append(n.attr)
            n = n.value
        if not isinstance(n, ast.Name):
            raise self.fail("only names can be followed by '.field'")
        parts.append(n.id)
        return tuple(reversed(parts))

    def compare(self, n: ast.Compare, d: int) -> Node:
        terms: list[Node] = []
        left = self.read(n.left, d)
        for op, right_ast in zip(n.ops, n.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                if not isinstance(right_ast, ast.List | ast.Tuple | ast.Set):
                    raise self.fail("`in` needs a literal list, e.g. status in ('paid', 'shipped')")
                values = tuple(self.read(v, d) for v in right_ast.elts)
                if not values:
                    raise self.fail("`in` needs at least one value")
                terms.append(In(left, values, isinstance(op, ast.NotIn)))
                left = Lit(None)  # a chain after `in` makes no sense; refused below
                if len(n.ops) > 1:
                    raise self.fail("`in` cannot be chained with other comparisons")
                continue
            sym = _CMPOPS.get(type(op))
            if sym is None:
                raise self.fail(f"unsupported comparison {type(op).__name__} (use ==, !=, <, <=, >, >=, in)")
            right = self.read(right_ast, d)
            terms.append(Compare(sym, left, right))
            left = right
        return terms[0] if len(terms) == 1 else BoolOp("and", tuple(terms))

    def call(self, n: ast.Call, d: int) -> Node:
        if not isinstance(n.func, ast.Name):
            raise self.fail("only functions can be called (e.g. round(x, 2))")
        fn = n.func.id.lower()
        if fn in AGGREGATES and len(n.args) == 1:
            return self.aggregate(fn, n, d)
        if fn in ("min", "max"):
            fn = "least" if fn == "min" else "greatest"
        if fn not in FUNCTIONS:
            known = ", ".join(sorted({*FUNCTIONS, *AGGREGATES}))
            raise self.fail(f"unknown function '{n.func.id}' (known: {known})")
        if n.keywords:
            raise self.fail(f"{fn}() takes no keyword arguments")
        lo, hi = FUNCTIONS[fn]
        if len(n.args) < lo or (hi is not None and len(n.args) > hi):
            want = f"{lo}" if lo == hi else f"{lo} to {hi}" if hi is not None else f"at least {lo}"
            raise self.fail(f"{fn}() takes {want} argument(s), {len(n.args)} given")
        if fn == "pick":  # one of the literal values, each equally likely (repeat a value to weight it)
            values = [a.value for a in n.args if isinstance(a, ast.Constant) and isinstance(a.value, str | int | float)]
            if len(values) != len(n.args) or any(isinstance(v, bool) for v in values):
                raise self.fail("pick() takes literal values, e.g. pick('red', 'green', 'blue')")
            self.randoms += 1
            draw = Random("uniform", (0.0, 1.0), self.randoms - 1)
            return Call("pick", (draw, *(Lit(v) for v in values)))
        if fn in RANDOM:
            consts = [self.number(a, fn) for a in n.args]
            self.randoms += 1
            return Random(fn, tuple(consts), self.randoms - 1)
        return Call(fn, tuple(self.read(a, d) for a in n.args))

    def number(self, a: ast.AST, fn: str) -> float:
        neg = isinstance(a, ast.UnaryOp) and isinstance(a.op, ast.USub)
        inner = a.operand if isinstance(a, ast.UnaryOp) and isinstance(a.op, ast.USub | ast.UAdd) else a
        if (
            isinstance(inner, ast.Constant)
            and isinstance(inner.value, int | float)
            and not isinstance(inner.value, bool)
        ):
            return -float(inner.value) if neg else float(inner.value)
        raise self.fail(f"{fn}() takes numbers written in the expression")

    def aggregate(self, fn: str, n: ast.Call, d: int) -> Node:
        fn = "mean" if fn == "avg" else fn
        arg = n.args[0]
        if not isinstance(arg, ast.Name | ast.Attribute):
            raise self.fail(f"{fn}() of children takes 'child_table.field' (or a child table for count)")
        path = self.dotted(arg)
        kwargs: list[tuple[str, Node]] = []
        for kw in n.keywords:
            if kw.arg not in ("by", "where"):
                raise self.fail(f"{fn}() takes the keyword arguments by= and where=, not {kw.arg}=")
            if not (isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str)):
                raise self.fail(f"{fn}(..., {kw.arg}=...) takes a quoted string")
            kwargs.append((kw.arg, Lit(kw.value.value)))
        return Call(fn, (Name(path),), tuple(kwargs))


def parse(text: str, where: str) -> Parsed:
    """Read ``text`` into a tree; SchemaError naming ``where`` (table.field) when it is not in the subset."""
    src = text.strip()
    if not src:
        raise SchemaError(f"field '{where}': empty expression", details={"field": where})
    try:
        tree = ast.parse(src, mode="eval")
    except SyntaxError as exc:
        raise SchemaError(
            f"field '{where}': cannot read expression {src!r}: {exc.msg}"
            + (f" (at character {exc.offset})" if exc.offset else ""),
            details={"field": where, "expression": src},
        ) from None
    except (ValueError, RecursionError, MemoryError):
        raise SchemaError(f"field '{where}': cannot read expression {src!r}", details={"field": where}) from None
    reader = _Reader(src, where)
    node = reader.read(tree.body)
    return Parsed(src, node, reader.names)


def walk(node: Node) -> list[Node]:
    """Every node of the tree, parents before children."""
    out: list[Node] = []
    stack = [node]
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(reversed(children(n)))
    return out


def children(n: Node) -> list[Node]:
    if isinstance(n, Call):
        return [*n.args, *(v for _k, v in n.kwargs)]
    if isinstance(n, BinOp):
        return [n.left, n.right]
    if isinstance(n, Unary):
        return [n.operand]
    if isinstance(n, BoolOp):
        return list(n.values)
    if isinstance(n, Compare):
        return [n.left, n.right]
    if isinstance(n, In):
        return [n.left, *n.values]
    if isinstance(n, IfElse):
        return [n.cond, n.then, n.other]
    return []


def is_aggregate(n: Node) -> bool:
    """An aggregate of children (``sum(order_items.line_total)``): its argument names another table."""
    return isinstance(n, Call) and n.fn in AGGREGATES and len(n.args) == 1 and isinstance(n.args[0], Name)


def transform(n: Node, fn: Any) -> Node:
    """Rebuild the tree bottom-up, replacing each node by ``fn(node)`` (which returns it or a new one).

    An aggregate's argument is left as written (it names a child table, not a field of this one).
    """
    if is_aggregate(n):
        pass
    elif isinstance(n, Call):
        n = Call(n.fn, tuple(transform(a, fn) for a in n.args), n.kwargs)
    elif isinstance(n, BinOp):
        n = BinOp(n.op, transform(n.left, fn), transform(n.right, fn))
    elif isinstance(n, Unary):
        n = Unary(n.op, transform(n.operand, fn))
    elif isinstance(n, BoolOp):
        n = BoolOp(n.op, tuple(transform(v, fn) for v in n.values))
    elif isinstance(n, Compare):
        n = Compare(n.op, transform(n.left, fn), transform(n.right, fn))
    elif isinstance(n, In):
        n = In(transform(n.left, fn), tuple(transform(v, fn) for v in n.values), n.negate)
    elif isinstance(n, IfElse):
        n = IfElse(transform(n.cond, fn), transform(n.then, fn), transform(n.other, fn))
    result: Node = fn(n)
    return result


def unparse(n: Node) -> str:
    """The expression as text (for rule names and error messages)."""
    if isinstance(n, Lit):
        return "null" if n.value is None else repr(n.value)
    if isinstance(n, Name):
        return ".".join(n.path)
    if isinstance(n, Col):
        return ".".join((n.key, *n.struct_path))
    if isinstance(n, Random):
        return f"{n.kind}({', '.join(f'{a:g}' for a in n.args)})"
    if isinstance(n, Call) and n.fn == "pick":  # the draw is implicit
        return f"pick({', '.join(unparse(a) for a in n.args[1:])})"
    if isinstance(n, Call):
        parts = [unparse(a) for a in n.args] + [f"{k}={unparse(v)}" for k, v in n.kwargs]
        return f"{n.fn}({', '.join(parts)})"
    if isinstance(n, BinOp):
        return f"({unparse(n.left)} {n.op} {unparse(n.right)})"
    if isinstance(n, Unary):
        return f"(not {unparse(n.operand)})" if n.op == "not" else f"(-{unparse(n.operand)})"
    if isinstance(n, BoolOp):
        return "(" + f" {n.op} ".join(unparse(v) for v in n.values) + ")"
    if isinstance(n, Compare):
        return f"{unparse(n.left)} {n.op} {unparse(n.right)}"
    if isinstance(n, In):
        vals = ", ".join(unparse(v) for v in n.values)
        return f"{unparse(n.left)} {'not in' if n.negate else 'in'} ({vals})"
    if isinstance(n, IfElse):
        return f"({unparse(n.then)} if {unparse(n.cond)} else {unparse(n.other)})"
    return "?"
