"""``validate_schema``: everything that would make generation fail or surprise, found before generating.

Each finding carries a stable ``code`` (documented in ``docs/quality.md``) so that the UI, the agent and
tests can act on it without parsing messages. Errors make the schema invalid; warnings do not.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import numpy as np

from sdga.limits import Limits, check_schema
from sdga.models import (
    MAX_VOLUME,
    ComplianceRequirement,
    Correlation,
    DistributionKind,
    FieldSpec,
    Schema,
    Severity,
    TableSpec,
    ValidateSchemaResponse,
    ValidationMessage,
)
from sdga.validation import _engine
from sdga.validation.compliance import check_compliance, normalise_name

NUMERIC_TYPES = frozenset({"integer", "float", "decimal", "amount", "latitude", "longitude", "sequence", "http_status"})
DATE_TYPES = frozenset({"date", "datetime", "timestamp", "time"})
TEXT_TYPES = frozenset({"string", "text", "pattern", "sentence", "word", "category"})

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_IDENTIFIER_LENGTH = 63  # PostgreSQL truncates longer identifiers silently

# Words reserved in PostgreSQL, MySQL or standard SQL that writers would have to quote.
SQL_RESERVED = frozenset(
    """
    all analyze and any array as asc asymmetric authorization between binary both by case cast check collate
    column constraint create cross current_date current_role current_time current_timestamp current_user
    database default deferrable delete desc distinct do drop else end except exists false fetch for foreign
    freeze from full grant group having ilike in index initially inner insert intersect interval into is isnull
    join key keys lateral leading left like limit localtime localtimestamp natural not notnull null offset on
    only or order outer over overlaps partition placing primary range rank references regexp rename replace
    returning right row rows schema select session_user similar some symmetric table tablesample then to
    trailing trigger true union unique update usage user using values variadic verbose view when where window
    with
    """.split()  # noqa: SIM905 - a word list reads better than a 130-item literal
)

# Column names that announce a semantic type; a plain ``string`` with such a name is a missed opportunity.
NAME_TYPE_HINTS: tuple[tuple[str, str], ...] = (
    (r"(^|_)e_?mail(_address)?$", "email"),
    (r"(^|_)(phone|telephone|mobile|phone_number|cell_phone)$", "phone"),
    (r"^first_?name$", "first_name"),
    (r"^(last_?name|surname|family_name)$", "last_name"),
    (r"^(full_?name|customer_name|person_name)$", "full_name"),
    (r"^user_?name$|^login$", "username"),
    (r"(^|_)(uuid|guid)$", "uuid"),
    (r"(^|_)ip(_address|v4)?$", "ipv4"),
    (r"(^|_)(url|website|homepage)$", "url"),
    (r"(^|_)(city|town)$", "city"),
    (r"(^|_)country$", "country"),
    (r"(^|_)(zip|zip_code|postal_code|postcode)$", "postal_code"),
    (r"(^|_)(street_address|address)$", "address"),
    (r"(^|_)ssn$|social_security", "ssn"),
    (r"(^|_)(card_number|credit_card|cc_number|pan)$", "credit_card"),
    (r"(^|_)iban$", "iban"),
    (r"(^|_)(company|company_name|employer)$", "company"),
    (r"(^|_)(job_title|position|occupation)$", "job_title"),
    (r"(^|_)(created|updated|deleted|modified)_at$|_timestamp$", "datetime"),
    (r"(^|_)(date|dob|birth_?date|date_of_birth)$|_date$", "date"),
    (r"(^|_)(user_agent|useragent)$", "user_agent"),
    (r"(^|_)currency(_code)?$", "currency_code"),
    (r"(^|_)(password|passwd)$", "password_hash"),
)
UNIQUE_NAME_HINT = re.compile(r"^(e_?mail|email_address|username|user_name|login|ssn|iban|card_number)$")


def _message(
    out: list[ValidationMessage], code: str, field: str | None, message: str, severity: Severity = Severity.ERROR
) -> None:
    out.append(ValidationMessage(field=field, message=message, severity=severity, code=code))


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _snake(name: str) -> str:
    snake = normalise_name(name) or "field"
    return snake if snake[0].isalpha() or snake[0] == "_" else f"f_{snake}"


class _Checker:
    """Collects messages and suggestions for one schema."""

    def __init__(self, schema: Schema, volume: int | None, locale: str) -> None:
        self.schema = schema
        self.volume = volume
        self.locale = locale
        self.messages: list[ValidationMessage] = []
        self.suggestions: list[str] = []
        self.tables = schema.table_list()
        self.multi = bool(schema.tables)
        self.known_types = _engine.known_type_names()

    # --- helpers -----------------------------------------------------------------------------------
    def path(self, table: TableSpec, name: str) -> str:
        return f"{table.name}.{name}" if self.multi else name

    def error(self, code: str, field: str | None, message: str) -> None:
        _message(self.messages, code, field, message, Severity.ERROR)

    def warn(self, code: str, field: str | None, message: str) -> None:
        _message(self.messages, code, field, message, Severity.WARNING)

    def suggest(self, text: str) -> None:
        if text not in self.suggestions:
            self.suggestions.append(text)

    # --- names -------------------------------------------------------------------------------------
    def check_name(self, kind: str, name: str, where: str | None) -> None:
        if not IDENTIFIER.match(name):
            self.error(
                "name_invalid",
                where,
                f"{kind} name '{name}' is not a safe identifier (letters, digits and '_', not starting with a "
                f"digit); SQL, CSV headers and code generators break on it. Rename it to '{_snake(name)}'.",
            )
        elif len(name) > MAX_IDENTIFIER_LENGTH:
            self.warn(
                "name_too_long",
                where,
                f"{kind} name '{name}' is longer than {MAX_IDENTIFIER_LENGTH} characters: PostgreSQL cuts names at "
                "63 bytes and MySQL refuses names over 64 characters, so SQL output and the rds destination fail. "
                "Shorten it.",
            )
        if name.lower() in SQL_RESERVED:
            self.warn(
                "name_reserved",
                where,
                f"{kind} name '{name}' is an SQL reserved word; it must be quoted in every query. "
                f"Consider '{name.lower()}_value' or a more specific name.",
            )

    def check_duplicates(self, kind: str, names: Iterable[str], where: str | None) -> None:
        counts = Counter(n.lower() for n in names)
        for name, count in counts.items():
            if count > 1:
                self.error(
                    "name_duplicate", where, f"{kind} name '{name}' appears {count} times (names are case-insensitive)."
                )

    # --- fields ------------------------------------------------------------------------------------
    def check_type(self, spec: FieldSpec, where: str) -> bool:
        if _engine.is_known_type(spec.type):
            return True
        close = difflib.get_close_matches(spec.type, self.known_types, n=3, cutoff=0.6)
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        self.error(
            "type_unknown",
            where,
            f"unknown type '{spec.type}'.{hint} Types: the generator catalogue (`sdga types`) or 'faker:<method>'.",
        )
        return False

    def check_field(self, table: TableSpec, spec: FieldSpec, where: str, volume: int | None) -> None:
        self.check_name("field", spec.name, where)
        known = self.check_type(spec, where)
        c = spec.constraints
        t = spec.type

        # Bounds
        if c.min is not None or c.max is not None:
            if t in NUMERIC_TYPES:
                lo, hi = _as_number(c.min), _as_number(c.max)
                for label, raw, parsed in (("min", c.min, lo), ("max", c.max, hi)):
                    if raw is not None and parsed is None:
                        self.error("bound_invalid", where, f"{label} {raw!r} is not a number for type '{t}'.")
                if lo is not None and hi is not None and lo > hi:
                    self.error("min_gt_max", where, f"min {c.min} is greater than max {c.max}; swap them.")
                if t == "integer" and lo is not None and hi is not None and lo <= hi and math.floor(hi) < math.ceil(lo):
                    self.error("range_empty", where, f"no integer lies between min {c.min} and max {c.max}.")
            elif t in DATE_TYPES and t != "time":
                bounds: list[datetime | None] = []
                for raw in (c.min, c.max):
                    if raw is None:
                        bounds.append(None)
                        continue
                    parsed_d, problem = _engine.date_bound(raw, relative_to_now=c.relative_to_now, field=where)
                    if problem:
                        self.error("bound_invalid", where, problem)
                    bounds.append(parsed_d)
                lo_d, hi_d = bounds
                if lo_d is not None and hi_d is not None and lo_d > hi_d:
                    self.error("min_gt_max", where, f"min {c.min} is later than max {c.max}; swap them.")
            elif t in DATE_TYPES:
                pass
            elif known and c.enum is None:
                self.warn(
                    "constraint_not_applicable",
                    where,
                    f"min/max do not apply to type '{t}' and are ignored"
                    + ("; use min_length/max_length for text length." if t in TEXT_TYPES else "."),
                )

        # Lengths
        if c.min_length is not None and c.max_length is not None and c.min_length > c.max_length:
            self.error(
                "min_length_gt_max_length",
                where,
                f"min_length {c.min_length} is greater than max_length {c.max_length}.",
            )
        if (c.min_length is not None or c.max_length is not None) and t in NUMERIC_TYPES | {"boolean"}:
            self.warn("constraint_not_applicable", where, f"min_length/max_length do not apply to type '{t}'.")

        # Enum and weights
        if c.enum is not None:
            if len(c.enum) == 0:
                self.error("enum_empty", where, "enum is empty: no value can be generated. Remove it or list values.")
            dupes = [v for v, n in Counter(map(repr, c.enum)).items() if n > 1]
            if dupes:
                self.warn("enum_duplicate", where, f"enum lists {', '.join(dupes)} more than once.")
            if c.min is not None or c.max is not None:
                self.warn("constraint_not_applicable", where, "enum is set, so min/max are ignored.")
            if t == "boolean" and any(not isinstance(v, bool) for v in c.enum):
                self.error("enum_type_mismatch", where, "enum values of a boolean field must be true/false.")
            if t in NUMERIC_TYPES and any(_as_number(v) is None for v in c.enum):
                self.error("enum_type_mismatch", where, f"enum values of a '{t}' field must be numbers.")
        if c.weights is not None:
            if c.enum is None and t == "boolean":
                if len(c.weights) != 2:
                    self.error("enum_weights_mismatch", where, "boolean weights are [true, false]: give exactly 2.")
            elif c.enum is None:
                self.error("weights_without_enum", where, "weights are given but there is no enum to weight.")
            elif len(c.weights) != len(c.enum):
                self.error(
                    "enum_weights_mismatch",
                    where,
                    f"{len(c.weights)} weights for {len(c.enum)} enum values; give exactly one weight per value.",
                )
            if any((not math.isfinite(w)) or w < 0 for w in c.weights):
                self.error("weights_invalid", where, "weights must be finite and >= 0.")
            elif sum(c.weights) <= 0:
                self.error("weights_invalid", where, "weights sum to 0: at least one value needs a positive weight.")

        # Pattern
        if c.pattern is not None:
            problem = _engine.pattern_problem(c.pattern)
            if problem:
                self.error("pattern_invalid", where, f"pattern {c.pattern!r} {problem}.")
            if t in NUMERIC_TYPES | DATE_TYPES | {"boolean", "uuid"}:
                self.warn("constraint_not_applicable", where, f"pattern does not apply to type '{t}' and is ignored.")
        elif t == "pattern":
            self.error("pattern_missing", where, "type 'pattern' needs constraints.pattern (a regular expression).")

        # Nulls and keys
        if c.nullable and (spec.primary_key or c.unique):
            if spec.primary_key:
                self.error("nullable_key", where, "a primary key cannot be nullable; remove nullable.")
            else:
                self.warn(
                    "nullable_unique",
                    where,
                    "unique and nullable: nulls are not distinct values, so lookups by this key can miss rows.",
                )
        if c.null_rate is not None and c.null_rate > 0 and not c.nullable:
            self.warn(
                "null_rate_without_nullable", where, f"null_rate {c.null_rate} is ignored because nullable is false."
            )
        if c.nullable and c.null_rate == 1:
            self.warn("all_null", where, "null_rate 1 makes every value null.")

        # Edge cases that break the field's own constraints (allowed: they are boundary tests on purpose)
        if c.edge_cases:
            kinds = {e.value for e in c.edge_cases}
            breaking = []
            if "null" in kinds and not c.nullable:
                breaking.append("null on a non-nullable field")
            if kinds & {"empty", "whitespace", "very_long", "unicode", "special_chars"} and (
                c.pattern or c.enum or c.min_length or c.max_length or t in {"email", "uuid", "ipv4", "phone"}
            ):
                breaking.append("text edge cases against its format/pattern/enum/length")
            if breaking:
                self.warn(
                    "edge_case_conflict",
                    where,
                    f"edge cases inject values that break this field's constraints ({'; '.join(breaking)}); "
                    "quality metrics will count them as invalid.",
                )

        # Type-specific applicability
        if c.precision is not None and t not in {"float", "decimal", "amount", "latitude", "longitude"}:
            self.warn("constraint_not_applicable", where, f"precision applies to float/decimal/amount, not '{t}'.")
        if c.distribution is not None:
            self.check_distribution(spec, where)
        if c.format is not None and t in {"date", "datetime", "timestamp", "time"} and "%" not in c.format:
            self.warn(
                "format_invalid",
                where,
                f"format {c.format!r} has no strftime directive (e.g. '%Y-%m-%d'); values would be constant.",
            )
        if spec.cardinality is not None:
            if spec.references is None:
                self.warn("constraint_not_applicable", where, "cardinality applies to reference fields only.")
            elif spec.cardinality.max is not None and spec.cardinality.min > spec.cardinality.max:
                self.error("min_gt_max", where, f"cardinality min {spec.cardinality.min} > max {spec.cardinality.max}.")
        if t == "object" and not spec.fields:
            self.error("object_without_fields", where, "type 'object' needs nested 'fields'.")
        if t == "array" and spec.items is None:
            self.error("array_without_items", where, "type 'array' needs 'items' (the element field).")
        # 'json' encodes its nested 'fields' (an object) or 'items' (an array) as JSON text.
        if spec.fields and t not in {"object", "json"}:
            self.warn("constraint_not_applicable", where, f"nested 'fields' are ignored for type '{t}' (use 'object').")
        if spec.items is not None and t not in {"array", "json"}:
            self.warn("constraint_not_applicable", where, f"'items' is ignored for type '{t}' (use 'array').")
        if t == "reference" and not spec.references:
            self.error("reference_missing", where, "type 'reference' needs 'references': 'table.field'.")

        # Uniqueness capacity
        if (c.unique or spec.primary_key) and known and spec.type != "reference":
            capacity, problem = self.capacity(spec)
            if problem and c.unique:
                self.error("unique_unsupported", where, problem)
            elif capacity is not None and volume is not None and 0 < capacity < volume:
                self.error(
                    "unique_capacity",
                    where,
                    f"only {capacity:,} distinct values exist for this field but {volume:,} unique rows are requested; "
                    "widen the range/enum/pattern, lower the volume, or drop unique.",
                )
            elif capacity == 0 and volume:
                self.error("unique_capacity", where, "this field has no value to draw for a unique key.")

        # Nested fields
        if spec.fields:
            self.check_duplicates("field", (f.name for f in spec.fields), where)
            for child in spec.fields:
                self.check_field(table, child, f"{where}.{child.name}", None)
        if spec.items is not None:
            self.check_field(table, spec.items, f"{where}[]", None)

        self.suggest_for(spec, where)

    def capacity(self, spec: FieldSpec) -> tuple[int | None, str | None]:
        c = spec.constraints
        capacity, problem = _engine.unique_capacity(spec, self.locale)
        if problem:
            return None, problem
        if capacity is None and c.enum is not None:
            capacity = len({repr(v) for v in c.enum})
        if capacity is None and spec.type == "boolean":
            capacity = 2
        if capacity is None and spec.type == "integer":
            lo, hi = _as_number(c.min), _as_number(c.max)
            if lo is not None and hi is not None and hi >= lo:
                capacity = int(math.floor(hi) - math.ceil(lo) + 1)
        return capacity, None

    def check_distribution(self, spec: FieldSpec, where: str) -> None:
        d = spec.constraints.distribution
        assert d is not None
        if spec.type not in NUMERIC_TYPES | DATE_TYPES:
            self.warn(
                "constraint_not_applicable", where, f"a distribution applies to numbers and dates, not '{spec.type}'."
            )
            return
        if d.kind == DistributionKind.EMPIRICAL:
            if not d.quantiles:
                self.error("distribution_invalid", where, "an empirical distribution needs 'quantiles'.")
            elif any(b < a for a, b in zip(d.quantiles, d.quantiles[1:], strict=False)):
                self.error("distribution_invalid", where, "empirical quantiles must be non-decreasing.")
        if d.kind == DistributionKind.ZIPF and d.exponent is None:
            self.warn("distribution_incomplete", where, "zipf without 'exponent' uses the engine's default.")
        lo, hi = _as_number(spec.constraints.min), _as_number(spec.constraints.max)
        if (
            d.kind == DistributionKind.NORMAL
            and d.mean is not None
            and lo is not None
            and hi is not None
            and not lo <= d.mean <= hi
        ):
            self.warn(
                "distribution_outside_range",
                where,
                f"normal mean {d.mean} lies outside [{lo}, {hi}]; most values will be clipped to a bound.",
            )

    def suggest_for(self, spec: FieldSpec, where: str) -> None:
        norm = normalise_name(spec.name)
        if spec.type in ("string", "text"):
            for pattern, better in NAME_TYPE_HINTS:
                if re.search(pattern, norm):
                    self.suggest(
                        f"`{where}` is a plain `{spec.type}` but its name says {better}: use type `{better}` for realistic, safe values."
                    )
                    break
        if UNIQUE_NAME_HINT.match(norm) and not (spec.constraints.unique or spec.primary_key):
            self.suggest(f"`{where}` should be unique (constraints.unique: true).")
        if norm == "id" and not spec.primary_key:
            self.suggest(f"`{where}` should be the primary key (primary_key: true).")

    # --- tables, references, correlations -------------------------------------------------------------
    def run(self) -> None:
        if self.volume is not None:
            if self.volume > MAX_VOLUME:
                self.error("volume_too_large", None, f"volume {self.volume:,} exceeds the maximum {MAX_VOLUME:,}.")
            elif self.volume == 0:
                self.warn("volume_zero", None, "volume 0 generates no rows.")
        if self.multi:
            self.check_duplicates("table", (t.name for t in self.tables), None)
        fields_by_table: dict[str, dict[str, FieldSpec]] = {}
        for table in self.tables:
            if self.multi or self.schema.name:
                self.check_name("table", table.name, table.name)
            self.check_duplicates("field", (f.name for f in table.fields), table.name if self.multi else None)
            volume = table.volume if table.volume is not None else self.volume
            if table.volume == 0:
                self.warn("volume_zero", table.name, f"table '{table.name}' has volume 0 and generates no rows.")
            elif table.volume is not None and table.volume > MAX_VOLUME:
                self.error("volume_too_large", table.name, f"table volume {table.volume:,} exceeds {MAX_VOLUME:,}.")
            for spec in table.fields:
                self.check_field(table, spec, self.path(table, spec.name), volume)
            pks = [f.name for f in table.fields if f.primary_key]
            if self.multi and not pks:
                self.suggest(f"add a primary key to `{table.name}` (e.g. a `uuid` field with primary_key: true).")
            fields_by_table.setdefault(table.name, {f.name: f for f in table.fields})
            for corr in table.correlations:
                self.check_correlation(table, corr)
        if self.multi and self.schema.correlations:
            self.warn(
                "correlation_scope",
                None,
                "schema-level correlations are ignored in a multi-table schema; put them on the table.",
            )
        self.check_references(fields_by_table)

    def check_correlation(self, table: TableSpec, corr: Correlation) -> None:
        by_name = {f.name: f for f in table.fields}
        where = f"{table.name}.correlations" if self.multi else "correlations"
        ok = True
        for name in corr.fields:
            spec = by_name.get(name)
            if spec is None:
                self.error("correlation_field_missing", where, f"correlated field '{name}' is not in the table.")
                ok = False
            elif spec.constraints.unique or spec.primary_key:
                self.error(
                    "correlation_field_unique",
                    where,
                    f"correlated field '{name}' is unique; unique values are drawn without a distribution to correlate.",
                )
                ok = False
            elif not (
                (spec.type in NUMERIC_TYPES | DATE_TYPES and spec.constraints.enum is None)
                or spec.type == "boolean"
                or (spec.constraints.enum is not None and spec.type not in ("reference", "object", "array", "json"))
            ):
                self.error(
                    "correlation_field_not_numeric",
                    where,
                    f"correlated field '{name}' has type '{spec.type}'; only numeric, date, enum (category) and "
                    "boolean fields can be correlated.",
                )
                ok = False
        if len(set(corr.fields)) != len(corr.fields):
            self.error("correlation_invalid", where, "a field is listed twice in the correlation.")
            return
        n = len(corr.fields)
        if len(corr.matrix) != n or any(len(row) != n for row in corr.matrix):
            self.error("correlation_invalid", where, f"the correlation matrix must be {n}x{n} to match its fields.")
            return
        m = np.asarray(corr.matrix, dtype=float)
        if not np.all(np.isfinite(m)) or np.any(np.abs(m) > 1):
            self.error("correlation_invalid", where, "correlations must be finite numbers in [-1, 1].")
            return
        if not np.allclose(np.diag(m), 1.0):
            self.error("correlation_invalid", where, "the diagonal of a correlation matrix must be 1.")
            ok = False
        if not np.allclose(m, m.T, atol=1e-9):
            self.error("correlation_invalid", where, "the correlation matrix must be symmetric.")
            ok = False
        if ok and np.linalg.eigvalsh((m + m.T) / 2).min() < -1e-8:
            self.error(
                "correlation_not_psd",
                where,
                "the correlation matrix is not positive semi-definite: no data can have these correlations together.",
            )

    def check_references(self, fields_by_table: dict[str, dict[str, FieldSpec]]) -> None:
        edges: dict[str, set[str]] = {t: set() for t in fields_by_table}
        for table in self.tables:
            for spec in table.fields:
                if not spec.references:
                    continue
                where = self.path(table, spec.name)
                ref = spec.references
                if ref.count(".") != 1 or not all(ref.split(".")):
                    self.error("reference_invalid", where, f"references {ref!r} must be 'table.field'.")
                    continue
                ref_table, ref_field = ref.split(".")
                if ref_table not in fields_by_table:
                    close = difflib.get_close_matches(ref_table, list(fields_by_table), n=1)
                    hint = f" Did you mean '{close[0]}'?" if close else ""
                    self.error("reference_table_missing", where, f"references unknown table '{ref_table}'.{hint}")
                    continue
                parent = fields_by_table[ref_table].get(ref_field)
                if parent is None:
                    close = difflib.get_close_matches(ref_field, list(fields_by_table[ref_table]), n=1)
                    hint = f" Did you mean '{close[0]}'?" if close else ""
                    self.error(
                        "reference_field_missing", where, f"table '{ref_table}' has no field '{ref_field}'.{hint}"
                    )
                    continue
                if not (parent.primary_key or parent.constraints.unique):
                    self.error(
                        "reference_not_unique",
                        where,
                        f"'{ref}' is neither a primary key nor unique, so a child row could match several parents; "
                        f"mark it primary_key: true or constraints.unique: true.",
                    )
                if parent.constraints.nullable:
                    self.warn("reference_nullable_parent", where, f"'{ref}' is nullable; children may point at nulls.")
                if ref_table != table.name:  # a self reference (a manager, a parent span) is generated fine
                    edges[table.name].add(ref_table)
        for cycle in _cycles(edges):
            path = " -> ".join([*cycle, cycle[0]])
            self.error(
                "reference_cycle",
                cycle[0],
                f"tables reference each other in a cycle ({path}); no parents-first order exists. "
                "Break it by dropping one reference or moving it to a link table.",
            )


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Elementary cycles found by DFS (each reported once, self-references included)."""
    found: list[list[str]] = []
    seen_sets: set[frozenset[str]] = set()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt) :]
                key = frozenset(cycle)
                if key not in seen_sets:
                    seen_sets.add(key)
                    found.append(list(cycle))
            elif state.get(nxt) is None and nxt in edges:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if state.get(node) is None:
            visit(node)
    return found


def validate_schema(
    schema: Schema,
    compliance_requirements: Iterable[ComplianceRequirement | str] = (),
    *,
    volume: int | None = None,
    locale: str = "en_US",
    limits: Limits | None = None,
) -> ValidateSchemaResponse:
    """Check ``schema`` (and optionally compliance regimes) without generating anything.

    ``valid`` is False when any error-severity message or compliance issue is found; warnings and
    suggestions never make a schema invalid. A schema beyond a limit of the deployment (``limits``,
    default: the configured ones) is refused first with :class:`~sdga.errors.LimitExceededError`.
    """
    check_schema(schema, volume=volume, limits=limits, estimate_rows=False)
    checker = _Checker(schema, volume, locale)
    checker.run()
    if not any(m.severity == Severity.ERROR for m in checker.messages):
        refusal, plan_warnings, details = _engine.plan_problems(schema, volume, locale)
        if refusal:
            # Rules (expressions, conditions, bounds, lookups, aggregates) are checked by the engine's own
            # graph; its error names the field and the unknown name or the cycle's path.
            code = "rule_cycle" if "cycle" in details else "rule_unknown_name" if "unknown" in details else None
            if code is None and "expression" in details:
                code = "rule_invalid"
            field = details.get("field")
            if isinstance(field, str) and not checker.multi and "." in field:
                field = field.split(".", 1)[1]  # a single-table schema names fields without their table
            checker.error(code or "generation_refused", field if isinstance(field, str) else None, refusal)
        for warning in plan_warnings:
            checker.warn("generation_warning", None, warning)
    issues = check_compliance(schema, compliance_requirements)
    for issue in issues:
        if issue.severity == Severity.ERROR and issue.fix:
            checker.suggest(f"`{issue.field}` is a {issue.requirement} identifier ({issue.rule_id}): {issue.fix}")
        elif issue.rule_id and issue.rule_id.endswith(("SH-03", "ART4-DOB")):
            checker.suggest(
                f"`{issue.field}` is a {issue.requirement} identifier: generalise to year (format '%Y') "
                "or keep the synthetic date generator."
            )
    valid = not any(m.severity == Severity.ERROR for m in checker.messages) and not any(
        i.severity == Severity.ERROR for i in issues
    )
    return ValidateSchemaResponse(
        valid=valid, errors=checker.messages, suggestions=checker.suggestions, compliance_issues=issues
    )
