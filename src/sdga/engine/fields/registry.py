"""The one table of field types: every family module registers its types here; the engine looks them up.

A type is a :class:`TypeDef`: its Arrow type (per field), a vectorised generator, how many distinct
values it can produce (its unique capacity) and whether a unique value depends on the row alone (so that
a reference can rebuild the parent's key from the parent's row number). Families register at import:
``import sdga.engine.fields`` fills the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from sdga.engine.context import Draw
from sdga.engine.fields.choice import enum_arrow, take
from sdga.engine.geo.rows import COUNTRY_TYPES
from sdga.engine.vocab import vocabulary, vocabulary_size
from sdga.errors import SchemaError
from sdga.models.schema import FieldSpec

Generator = Callable[[Draw], pa.Array]
#: The column dispatcher, handed to generators of nested types to build their parts.
ColumnBuilder = Callable[[Draw], pa.Array]
NestedGenerator = Callable[[Draw, ColumnBuilder], pa.Array]
Capacity = Callable[[FieldSpec, str], "int | None"]


@dataclass(frozen=True)
class TypeDef:
    name: str
    description: str
    category: str
    arrow: Callable[[FieldSpec], pa.DataType]
    generate: Generator | None  # None for types built from other fields: see ``nested``
    capacity: Capacity | None = None  # None: unique not supported; returning None: unbounded
    row_addressable: bool = False  # a unique value depends on the row index alone (valid FK target)
    example: str = ""
    nested: NestedGenerator | None = None  # set for types built from other fields (object, array, json)


REGISTRY: dict[str, TypeDef] = {}
#: Types named by a prefix and a free suffix (``faker:<method>``), after the built-in ones in the catalogue.
PREFIXED: dict[str, TypeDef] = {}


def _arrow_fn(arrow: pa.DataType | Callable[[FieldSpec], pa.DataType]) -> Callable[[FieldSpec], pa.DataType]:
    if callable(arrow):
        return arrow
    fixed: pa.DataType = arrow

    def arrow_fn(_f: FieldSpec) -> pa.DataType:
        return fixed

    return arrow_fn


def register(
    name: str,
    description: str,
    category: str,
    arrow: pa.DataType | Callable[[FieldSpec], pa.DataType],
    capacity: Capacity | None = None,
    *,
    row_addressable: bool = False,
    example: str = "",
) -> Callable[[Generator], Generator]:
    """Decorator: register ``fn`` as the generator of type ``name``."""

    def deco(fn: Generator) -> Generator:
        REGISTRY[name] = TypeDef(name, description, category, _arrow_fn(arrow), fn, capacity, row_addressable, example)
        return fn

    return deco


def register_nested(
    name: str, description: str, category: str, arrow: Callable[[FieldSpec], pa.DataType], *, example: str = ""
) -> Callable[[NestedGenerator], NestedGenerator]:
    """Decorator: register a type built from other fields; its generator receives the column dispatcher."""

    def deco(fn: NestedGenerator) -> NestedGenerator:
        REGISTRY[name] = TypeDef(name, description, category, arrow, None, None, False, example, nested=fn)
        return fn

    return deco


def register_prefixed(prefix: str, typedef: TypeDef) -> None:
    PREFIXED[prefix] = typedef


def const_cap(value: int) -> Capacity:
    return lambda _f, _l: value


def vocab_cap(kind: str) -> Capacity:
    return lambda _f, locale: vocabulary_size(locale, kind)


def register_vocabulary(name: str, kind: str, desc: str, category: str, example: str) -> None:
    """A type that picks one entry of the locale's word list ``kind``."""

    @register(name, desc, category, pa.string(), vocab_cap(kind), example=example)
    def gen(d: Draw) -> pa.Array:
        values = vocabulary(d.ctx.locale, kind)
        return take(values, d.index(len(values)))


# --- the catalogue ----------------------------------------------------------------------------------------


def lookup(f: FieldSpec) -> TypeDef:
    for prefix, prefixed in PREFIXED.items():
        if f.type.startswith(prefix):
            return prefixed
    td = REGISTRY.get(f.type)
    if td is None:
        raise SchemaError(
            f"field '{f.name}': unknown type '{f.type}'",
            details={"field": f.name, "type": f.type, "known": sorted(REGISTRY)},
        )
    return td


def is_known_type(name: str) -> bool:
    """True for every built-in type name and for ``faker:<method>``."""
    n = name.strip().lower()
    return n in REGISTRY or any(n.startswith(p) and len(n) > len(p) for p in PREFIXED)


#: Types whose ``enum`` is not a list to draw values from but the mix of a per-row context: the countries
#: the table's rows live in, the product categories its products belong to.
CONTEXT_ENUM_TYPES = (*COUNTRY_TYPES, "product_category", "sex")  # their generators read the enum themselves


def uses_enum(f: FieldSpec) -> bool:
    """A non-category field with ``enum`` draws from the enum (its type shapes nothing else).

    A country field's enum instead spreads the table's rows over those countries (every place field of a
    row follows its country), unless the field is unique.
    """
    if f.type in CONTEXT_ENUM_TYPES and not f.constraints.unique:
        return False
    return bool(f.constraints.enum) and f.type not in ("category", "reference", "object", "array", "json")


def arrow_type(f: FieldSpec) -> pa.DataType:
    """The Arrow type of a field's column."""
    if uses_enum(f):
        return enum_arrow(f.constraints.enum or [])
    return lookup(f).arrow(f)


def unique_capacity(field: FieldSpec, locale: str) -> int | None:
    """How many distinct values the field's domain holds (None = practically unbounded).

    Raises SchemaError when the type cannot produce unique values at all.
    """
    if uses_enum(field):
        return len(field.constraints.enum or [])
    td = lookup(field)
    if td.capacity is None:
        raise SchemaError(f"field '{field.name}': type {field.type} cannot be unique")
    return td.capacity(field, locale)


def describe_types() -> list[dict[str, Any]]:
    """The catalogue for `sdga types`, the API and the agent: name, category, description, example."""
    out = []
    for td in [*sorted(REGISTRY.values(), key=lambda t: (t.category, t.name)), *PREFIXED.values()]:
        try:
            arrow = str(td.arrow(FieldSpec(name="x", type="string")))
        except SchemaError:
            arrow = "depends on the field"
        if td.name in ("object", "array", "reference", "category"):
            arrow = "depends on the field"
        out.append(
            {
                "name": td.name,
                "category": td.category,
                "description": td.description,
                "arrow_type": arrow,
                "unique": td.capacity is not None,
                "example": td.example,
            }
        )
    return out
