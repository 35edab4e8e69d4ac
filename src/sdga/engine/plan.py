"""Planning: resolve the template, check every field and constraint up front, order tables parents-first.

Everything that can be wrong with a request is found here, before a single row is written: unknown
types, impossible bounds, unique fields whose domain is too small for the volume (CapacityError naming
the field and its capacity), dangling references and reference cycles. What only generating can show
is found by the preflight (:mod:`sdga.engine.preflight`), which generates a few rows of every table.
This module never imports the generator: the generator reads plans.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa

from sdga.engine import children, timeprofile
from sdga.engine.children import ChildCounts, table_machine
from sdga.engine.columns import name_field
from sdga.engine.dist import cholesky_factor
from sdga.engine.fields import arrow_type, faker_method, is_known_type, lookup, unique_capacity, uses_enum
from sdga.engine.fields.bounds import temporal_range
from sdga.engine.geo.rows import COUNTRY_TYPES, check_country_enum, country_mix_field
from sdga.engine.graph import Relations, build_relations, may_be_null, nullable_column
from sdga.engine.patterns import compile_pattern
from sdga.engine.rng import BLOCK_ROWS
from sdga.engine.safety import FAKER_SAFE_EQUIVALENTS, FAKER_UNRESERVED_IDENTIFIERS, real_identifier_kind
from sdga.engine.vocab import faker_for
from sdga.errors import CapacityError, SchemaError
from sdga.models.common import DataType
from sdga.models.generation import GenerateDataRequest
from sdga.models.schema import (
    FAKER_TYPE_PREFIX,
    Correlation,
    EdgeCase,
    FieldSpec,
    TableSpec,
)

DEFAULT_SEED = 42
_NUMERIC = {"integer", "float", "decimal", "amount", "latitude", "longitude", "date", "datetime", "timestamp", "time"}
_KEY_TYPES = {"uuid", "sequence"}


@dataclass(frozen=True)
class ForeignKey:
    column: str
    ref_table: str
    ref_column: str


@dataclass
class CopulaPlan:
    fields: list[str]
    factor: np.ndarray


@dataclass
class TablePlan:
    name: str
    volume: int
    fields: list[FieldSpec]
    arrow_schema: pa.Schema
    primary_key: list[str]
    foreign_keys: list[ForeignKey]
    description: str | None = None
    copulas: list[CopulaPlan] = field(default_factory=list)
    child_counts: ChildCounts | None = None
    relations: Relations = field(default_factory=lambda: Relations(""))

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def blocks(self) -> int:
        return (self.volume + BLOCK_ROWS - 1) // BLOCK_ROWS


@dataclass
class GenerationPlan:
    request: GenerateDataRequest
    seed: int
    locale: str
    tables: list[TablePlan]
    warnings: list[str] = field(default_factory=list)
    #: Per-process working state of the generator (its cache of column blocks); never pickled.
    runtime: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["runtime"] = {}
        return state

    def table(self, name: str) -> TablePlan:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(name)

    @property
    def total_records(self) -> int:
        return sum(t.volume for t in self.tables)


def _walk(fields: list[FieldSpec], prefix: str = "") -> list[tuple[str, FieldSpec, bool]]:
    """Every field with its dotted path and whether it sits inside an array (no row of its own)."""
    out: list[tuple[str, FieldSpec, bool]] = []

    def visit(f: FieldSpec, path: str, in_array: bool) -> None:
        out.append((path, f, in_array))
        for sub in f.fields or []:
            visit(sub, f"{path}.{sub.name}", in_array)
        if f.items is not None:
            visit(f.items, f"{path}[]", True)

    for f in fields:
        visit(f, prefix + f.name, False)
    return out


def _check_names(table: TableSpec) -> None:
    def check(fields: list[FieldSpec], where: str) -> None:
        seen: set[str] = set()
        for f in fields:
            if f.name in seen:
                raise SchemaError(f"{where} has two fields named '{f.name}'", details={"field": f.name})
            seen.add(f.name)
            if f.fields:
                check(f.fields, f"field '{f.name}'")

    check(table.fields, f"table '{table.name}'")


def _check_field(table: str, path: str, f: FieldSpec, in_array: bool, locale: str) -> None:
    where = f"{table}.{path}"
    if not is_known_type(f.type):
        raise SchemaError(
            f"field '{where}': unknown type '{f.type}' (see `sdga types`)",
            details={"field": where, "type": f.type},
        )
    if f.type.startswith("faker:"):
        faker_method(f, locale)
    if f.type in COUNTRY_TYPES and not in_array and "." not in path:
        check_country_enum(f, where)
    if f.constraints.distinct_items and f.type != "array":
        raise SchemaError(f"field '{where}': distinct_items applies to arrays only")
    c = f.constraints
    if c.unique and in_array:
        raise SchemaError(f"field '{where}': unique is not supported inside an array")
    if c.unique and [e for e in c.edge_cases if e != EdgeCase.NULL]:
        raise SchemaError(f"field '{where}': a unique field cannot inject edge cases (they would repeat values)")
    if c.weights is not None and not (c.enum or f.type in ("boolean",)):
        raise SchemaError(f"field '{where}': weights need enum values to weigh")
    if c.min_length is not None and c.max_length is not None and c.min_length > c.max_length:
        raise SchemaError(f"field '{where}': min_length is greater than max_length")
    if f.type == "reference" and not f.references:
        raise SchemaError(f"field '{where}': a reference needs `references: table.field`")
    if f.type != "reference" and f.references:
        raise SchemaError(f"field '{where}': `references` is only valid on type reference")
    if f.type == "reference" and (path.count(".") or in_array):
        raise SchemaError(f"field '{where}': references are supported on top-level fields only")
    rules = (f.expression, f.when, f.otherwise, f.after, f.lag, c.min_expr, c.max_expr)
    if (path.count(".") or in_array) and any(r is not None for r in rules):
        raise SchemaError(
            f"field '{where}': expressions, conditions and per-row bounds apply to top-level fields only",
            details={"field": where},
        )
    timeprofile.check_field(f, where, _static_span(f, where) if timeprofile.active(f) else None)
    if c.distribution and f.type not in _NUMERIC:
        raise SchemaError(f"field '{where}': distributions apply to numeric and date fields, not {f.type}")
    try:
        arrow_type(f)  # raises for missing enum/fields/items
        if f.constraints.pattern or f.type == "pattern":
            compile_pattern(f.constraints.pattern or "")
    except SchemaError as exc:
        raise name_field(exc, where) from exc


def _static_span(f: FieldSpec, where: str) -> tuple[datetime, datetime] | None:
    if f.type not in timeprofile.TIME_TYPES:
        return None
    default = {"date": ("-10y", "anchor"), "datetime": ("-1y", "anchor"), "timestamp": ("-30d", "anchor")}[f.type]
    try:
        return temporal_range(f, *default)
    except SchemaError as exc:
        raise name_field(exc, where) from exc


def _parse_ref(table: str, f: FieldSpec) -> tuple[str, str]:
    ref = (f.references or "").strip()
    if ref.count(".") != 1 or not all(ref.split(".")):
        raise SchemaError(f"field '{table}.{f.name}': references must look like 'table.field', got '{ref}'")
    t, c = ref.split(".")
    return t, c


def _order(tables: list[TableSpec]) -> list[TableSpec]:
    """Parents before children (Kahn's algorithm); SchemaError naming a cycle."""
    by_name = {t.name: t for t in tables}
    deps: dict[str, set[str]] = {t.name: set() for t in tables}
    for t in tables:
        for f in t.fields:
            if f.type == "reference":
                rt, _ = _parse_ref(t.name, f)
                if rt not in by_name:
                    raise SchemaError(
                        f"field '{t.name}.{f.name}' references table '{rt}', which is not in the schema",
                        details={"field": f"{t.name}.{f.name}", "references": f.references},
                    )
                if rt != t.name:
                    deps[t.name].add(rt)
    ordered: list[TableSpec] = []
    done: set[str] = set()
    while len(ordered) < len(tables):
        ready = [t for t in tables if t.name not in done and deps[t.name] <= done]
        if not ready:
            cycle = sorted(n for n in deps if n not in done)
            raise SchemaError(f"tables reference each other in a cycle: {', '.join(cycle)}", details={"tables": cycle})
        for t in ready:
            ordered.append(t)
            done.add(t.name)
    return ordered


def _safe_faker_types(f: FieldSpec, where: str, warnings: list[str]) -> FieldSpec:
    """Route ``faker:<method>`` types that could emit real identifiers to the safe built-in generator."""
    update: dict[str, Any] = {}
    if f.type.startswith(FAKER_TYPE_PREFIX):
        method = f.type[len(FAKER_TYPE_PREFIX) :]
        safe = FAKER_SAFE_EQUIVALENTS.get(method)
        if safe is not None:
            update["type"] = safe
            warnings.append(
                f"field '{where}': {f.type} could produce real identifiers; generated with the safe "
                f"built-in type '{safe}' instead (reserved ranges only)"
            )
        elif method in FAKER_UNRESERVED_IDENTIFIERS:
            warnings.append(
                f"field '{where}': {f.type} emits identifiers with no range reserved for tests; "
                "a generated value may be a real person's or company's number"
            )
    if f.fields:
        update["fields"] = [_safe_faker_types(c, f"{where}.{c.name}", warnings) for c in f.fields]
    if f.items is not None:
        update["items"] = _safe_faker_types(f.items, f"{where}[]", warnings)
    return f.model_copy(update=update) if update else f


# Real-looking government identifiers are refused, not just warned about: scanners and DLP tools flag them
# wherever the data goes. Card numbers cannot come out of a pattern at all (the generator replaces every
# Luhn-valid 13-19 digit value, see sdga.engine.fields.text), so a pattern shaped like one is fine.
# E-mails, IPs and phone numbers stay warnings.
_REFUSED_PATTERN_KINDS = {"ssn": "US Social Security numbers"}


def _pattern_identifier_kind(pattern: str, samples: int = 256) -> str | None:
    """The real identifier a regex pattern can produce (``\\d{3}-\\d{2}-\\d{4}`` gives SSNs), judged on a sample."""
    values = compile_pattern(pattern).random(np.random.default_rng(0), samples).to_pylist()
    kinds = [real_identifier_kind(v) for v in values if v is not None]
    found = [k for k in kinds if k is not None and k != "credit_card"]  # never generated: see above
    return max(set(found), key=found.count) if found else None


def _normalise(f: FieldSpec) -> FieldSpec:
    """Primary keys are unique and never null."""
    if f.primary_key and not f.constraints.unique:
        return f.model_copy(
            update={"constraints": f.constraints.model_copy(update={"unique": True, "nullable": False})}
        )
    return f


def _needs_groups(t: TableSpec) -> bool:
    """Rows that must be grouped by parent even when the table has its own volume: trees and series."""
    return any(f.tree or f.series is not None for f in t.fields)


def _group_reference(t: TableSpec) -> str | None:
    """The reference whose cardinality sets the table's volume (each parent's rows are then contiguous).

    A table with its own volume is grouped too when its trees or series need it; the children per parent
    are then fitted to that volume exactly."""
    if t.volume is not None and not _needs_groups(t):
        return None
    for f in t.fields:
        if f.type == "reference" and f.cardinality is not None and (f.references or "").split(".")[0] != t.name:
            return f.name
    return None


def _primary_key(t: TableSpec) -> list[str]:
    explicit = [f.name for f in t.fields if f.primary_key]
    if explicit:
        return explicit
    for f in t.fields:
        if f.name.lower() == "id" and (f.constraints.unique or f.type in _KEY_TYPES) and not f.constraints.nullable:
            return [f.name]
    return []


def _arrow_field(f: FieldSpec, typ: pa.DataType) -> pa.Field:
    c = f.constraints
    nullable = c.nullable or (c.null_rate or 0) > 0 or EdgeCase.NULL in c.edge_cases
    meta = {"sdga_type": f.type}
    if f.references:
        meta["sdga_references"] = f.references
    return pa.field(f.name, typ, nullable=nullable, metadata=meta)


def default_table_name(request: GenerateDataRequest) -> str:
    return request.data_type.value if request.data_type != DataType.CUSTOM else "data"


def build_plan(request: GenerateDataRequest) -> GenerationPlan:
    """Check the request and lay out how every table will be generated (see module docstring).

    :func:`sdga.engine.plan_generation` is this followed by the preflight dry run; use that one.
    """
    from sdga.engine.templates import get_template

    locale = request.locale
    faker_for(locale)  # validates the locale
    seed = request.seed if request.seed is not None else DEFAULT_SEED
    schema = request.schema_ if request.schema_ is not None else get_template(request.data_type.value)
    specs = schema.table_list(default_name=default_table_name(request))
    names = [t.name for t in specs]
    if len(set(names)) != len(names):
        raise SchemaError("two tables share a name", details={"tables": names})
    warnings: list[str] = []
    specs = [
        t.model_copy(update={"fields": [_safe_faker_types(f, f"{t.name}.{f.name}", warnings) for f in t.fields]})
        for t in specs
    ]

    for t in specs:
        _check_names(t)
        for path, f, in_array in _walk(t.fields):
            _check_field(t.name, path, f, in_array, locale)
        try:
            country_mix_field(t.fields)  # one country per row: two country fields must not disagree
        except SchemaError as exc:
            raise name_field(exc, t.name) from exc

    groups = {t.name: _group_reference(t) for t in specs}
    relations = build_relations(specs, groups)
    plans: dict[str, TablePlan] = {}
    nullable: dict[tuple[str, str], bool] = {}

    def field_nullable(table: str, name: str) -> bool:
        return nullable.get((table, name), True)

    for spec in _order(specs):
        rel = relations[spec.name]
        fields = [_normalise(f) for f in spec.fields]
        arrow_fields: list[pa.Field] = []
        fks: list[ForeignKey] = []
        child_counts: ChildCounts | None = None
        empty_parents: list[tuple[FieldSpec, str]] = []
        for f in fields:
            if f.type == "reference":
                rt, rc = _parse_ref(spec.name, f)
                parent_fields = fields if rt == spec.name else plans[rt].fields
                target = next((p for p in parent_fields if p.name == rc), None)
                if target is None:
                    raise SchemaError(
                        f"field '{spec.name}.{f.name}' references '{rt}.{rc}', which does not exist",
                        details={"field": f"{spec.name}.{f.name}", "references": f.references},
                    )
                td = lookup(target)
                keyish = target.constraints.unique or target.type in _KEY_TYPES
                if not keyish or not td.row_addressable or uses_enum(target):
                    raise SchemaError(
                        f"field '{spec.name}.{f.name}' references '{rt}.{rc}', which is not a key: the target must be "
                        "unique or a primary key of type uuid, sequence, integer, pattern, date/datetime",
                        details={"field": f"{spec.name}.{f.name}", "references": f.references},
                    )
                if target.constraints.nullable or target.constraints.edge_cases:
                    raise SchemaError(f"field '{spec.name}.{f.name}' references '{rt}.{rc}', which may be null")
                arrow_fields.append(_arrow_field(f, arrow_type(target)))
                if f.tree:  # a tree's roots have no parent
                    arrow_fields[-1] = arrow_fields[-1].with_nullable(True)
                fks.append(ForeignKey(f.name, rt, rc))
                if rt != spec.name and plans[rt].volume == 0:
                    empty_parents.append((f, rt))  # an error only if this table gets rows (checked below)
                grouped = spec.volume is None or (_needs_groups(spec) and table_machine(seed, spec) is None)
                if f.cardinality is not None and grouped and rt != spec.name:
                    if child_counts is not None:
                        raise SchemaError(f"table '{spec.name}': only one reference may set the volume by cardinality")
                    child_counts = children.child_counts(
                        seed,
                        spec.name,
                        f,
                        f.cardinality,
                        plans[rt].name,
                        plans[rt].volume,
                        plans[rt].blocks,
                        table_machine(seed, spec),
                        target=spec.volume,
                    )
            else:
                arrow_fields.append(_arrow_field(f, arrow_type(f)))
            rules = rel.rules.get(f.name)
            if rules is not None and not arrow_fields[-1].nullable:

                def col_nullable(key: str, table: str = spec.name) -> bool:
                    return nullable_column(relations, table, key, field_nullable)

                maybe = rules.when is not None and (
                    rules.otherwise is None or may_be_null(rules.otherwise, col_nullable)
                )
                maybe |= any(may_be_null(c, col_nullable) for c in (rules.expression, rules.after) if c is not None)
                if maybe:
                    arrow_fields[-1] = arrow_fields[-1].with_nullable(True)
            nullable[(spec.name, f.name)] = arrow_fields[-1].nullable
        if spec.volume is not None:
            volume = spec.volume
        elif child_counts is not None:
            volume = int(child_counts.block_totals.sum())
        else:
            volume = request.volume
        if volume > 2**40:
            raise SchemaError(f"table '{spec.name}': volume {volume} is too large")
        if volume and empty_parents:  # (children counted from an empty parent are none: that is fine)
            f, rt = empty_parents[0]
            raise SchemaError(
                f"field '{spec.name}.{f.name}' references '{rt}', which has no rows",
                details={"field": f"{spec.name}.{f.name}", "references": f.references},
            )

        copulas = []
        for corr in [*spec.correlations]:
            copulas.append(_copula(spec.name, fields, corr))

        for path, f, in_array in _walk(fields):
            if f.constraints.unique and not in_array:
                try:
                    cap = unique_capacity(f, locale)
                except SchemaError as exc:
                    raise name_field(exc, f"{spec.name}.{path}") from exc
                if cap is not None and cap < volume:
                    raise CapacityError(
                        f"field '{spec.name}.{path}' is unique but its domain holds only {cap:,} distinct values; "
                        f"{volume:,} rows were requested (widen min/max, the pattern or the enum, or lower the volume)",
                        details={"field": f"{spec.name}.{path}", "capacity": cap, "volume": volume},
                    )
            if f.constraints.pattern and f.type in ("pattern", "string"):
                kind = _pattern_identifier_kind(f.constraints.pattern)
                if kind in _REFUSED_PATTERN_KINDS:
                    raise SchemaError(
                        f"field '{spec.name}.{path}': its pattern produces values shaped like real "
                        f"{_REFUSED_PATTERN_KINDS[kind]}; use type '{kind}' (values from the ranges reserved "
                        "for tests), or a pattern inside them (SSNs: area 9xx, group 01-49, e.g. "
                        r"'9\d{2}-[0-4][1-9]-\d{4}')",
                        details={"field": f"{spec.name}.{path}", "pattern": f.constraints.pattern, "kind": kind},
                    )
                if kind is not None:
                    warnings.append(
                        f"field '{spec.name}.{path}': its pattern produces values shaped like a real {kind} "
                        f"(outside the reserved ranges); use type '{kind}' for safe values"
                    )
            if f.type.startswith("faker:") and volume > 100_000:
                warnings.append(f"field '{spec.name}.{path}' uses the slow per-row Faker path ({f.type})")

        plans[spec.name] = TablePlan(
            name=spec.name,
            volume=volume,
            fields=fields,
            arrow_schema=pa.schema(arrow_fields),
            primary_key=_primary_key(spec),
            foreign_keys=fks,
            description=spec.description,
            copulas=copulas,
            child_counts=child_counts,
            relations=rel,
        )

    ordered = [plans[t.name] for t in _order(specs)]
    return GenerationPlan(request=request, seed=seed, locale=locale, tables=ordered, warnings=warnings)


def _copula(table: str, fields: list[FieldSpec], corr: Correlation) -> CopulaPlan:
    n = len(corr.fields)
    if len(corr.matrix) != n or any(len(row) != n for row in corr.matrix):
        raise SchemaError(f"table '{table}': the correlation matrix must be {n}x{n} to match its fields")
    by_name = {f.name: f for f in fields}
    for name in corr.fields:
        f = by_name.get(name)
        if f is None:
            raise SchemaError(f"table '{table}': correlation names unknown field '{name}'")
        # Numbers and dates through their inverse CDF; a category, an enum or a boolean through its
        # cumulative weights in the listed order (so the copula also ties categories to numbers).
        discrete = f.type in ("category", "boolean") or uses_enum(f)
        if (f.type not in _NUMERIC and not discrete) or f.constraints.unique:
            raise SchemaError(
                f"field '{table}.{name}': correlations apply to non-unique numeric, date, category, enum or "
                f"boolean fields, not {f.type}"
            )
    if len(set(corr.fields)) != len(corr.fields):
        raise SchemaError(f"table '{table}': a correlation lists a field twice")
    return CopulaPlan(fields=list(corr.fields), factor=cholesky_factor(corr.matrix, corr.fields))


def describe_plan(plan: GenerationPlan) -> dict[str, Any]:
    """A JSON-friendly summary (tables, volumes, keys) for reports and logs."""
    return {
        "seed": plan.seed,
        "locale": plan.locale,
        "tables": [
            {
                "name": t.name,
                "volume": t.volume,
                "columns": [f.name for f in t.fields],
                "primary_key": t.primary_key,
                "foreign_keys": [fk.__dict__ for fk in t.foreign_keys],
            }
            for t in plan.tables
        ],
    }
