"""validate_schema: every rule with a schema that trips it and a corrected schema that does not."""

from __future__ import annotations

from typing import Any

import pytest

from sdga.models import Schema, Severity
from sdga.validation import validate_schema


def _field(name: str = "f", type_: str = "string", **kw: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, **kw}


def _single(*fields: dict[str, Any], **extra: Any) -> Schema:
    return Schema.model_validate({"fields": list(fields), **extra})


def _multi(*tables: dict[str, Any]) -> Schema:
    return Schema.model_validate({"tables": list(tables)})


def _codes(schema: Schema, **kw: Any) -> dict[str, Severity]:
    result = validate_schema(schema, **kw)
    return {m.code or "": m.severity for m in result.errors}


USERS = {"name": "users", "fields": [_field("id", "uuid", primary_key=True), _field("email", "email")]}

# (code, severity, failing schema, passing schema, validate kwargs)
CASES: list[tuple[str, Severity, Schema, Schema, dict[str, Any]]] = [
    ("name_invalid", Severity.ERROR, _single(_field("first name")), _single(_field("first_name")), {}),
    ("name_invalid", Severity.ERROR, _single(_field("2fa")), _single(_field("f_2fa")), {}),
    ("name_too_long", Severity.WARNING, _single(_field("x" * 64)), _single(_field("x" * 63)), {}),
    ("name_reserved", Severity.WARNING, _single(_field("select")), _single(_field("selection")), {}),
    ("name_duplicate", Severity.ERROR, _single(_field("a"), _field("A")), _single(_field("a"), _field("b")), {}),
    (
        "name_duplicate",
        Severity.ERROR,
        _multi(USERS, USERS),
        _multi(USERS, {**USERS, "name": "admins"}),
        {},
    ),
    ("type_unknown", Severity.ERROR, _single(_field("a", "integr")), _single(_field("a", "integer")), {}),
    (
        "min_gt_max",
        Severity.ERROR,
        _single(_field("age", "integer", constraints={"min": 65, "max": 18})),
        _single(_field("age", "integer", constraints={"min": 18, "max": 65})),
        {},
    ),
    (
        "min_gt_max",
        Severity.ERROR,
        _single(_field("d", "date", constraints={"min": "2024-12-31", "max": "2024-01-01"})),
        _single(_field("d", "date", constraints={"min": "2024-01-01", "max": "2024-12-31"})),
        {},
    ),
    (
        "range_empty",
        Severity.ERROR,
        _single(_field("n", "integer", constraints={"min": 1.2, "max": 1.8})),
        _single(_field("n", "integer", constraints={"min": 1, "max": 2})),
        {},
    ),
    (
        "bound_invalid",
        Severity.ERROR,
        _single(_field("d", "date", constraints={"min": "yesterday"})),
        _single(_field("d", "date", constraints={"min": "2024-01-01"})),
        {},
    ),
    (
        "bound_invalid",
        Severity.ERROR,
        _single(_field("n", "float", constraints={"max": "ten"})),
        _single(_field("n", "float", constraints={"max": 10})),
        {},
    ),
    (
        "min_length_gt_max_length",
        Severity.ERROR,
        _single(_field("s", constraints={"min_length": 9, "max_length": 3})),
        _single(_field("s", constraints={"min_length": 3, "max_length": 9})),
        {},
    ),
    (
        "enum_empty",
        Severity.ERROR,
        _single(_field("c", "category", constraints={"enum": []})),
        _single(_field("c", "category", constraints={"enum": ["a"]})),
        {},
    ),
    (
        "enum_weights_mismatch",
        Severity.ERROR,
        _single(_field("c", "category", constraints={"enum": ["a", "b"], "weights": [1, 2, 3]})),
        _single(_field("c", "category", constraints={"enum": ["a", "b"], "weights": [1, 2]})),
        {},
    ),
    (
        "weights_invalid",
        Severity.ERROR,
        _single(_field("c", "category", constraints={"enum": ["a", "b"], "weights": [-1, 2]})),
        _single(_field("c", "category", constraints={"enum": ["a", "b"], "weights": [1, 2]})),
        {},
    ),
    (
        "weights_invalid",
        Severity.ERROR,
        _single(_field("c", "category", constraints={"enum": ["a", "b"], "weights": [0, 0]})),
        _single(_field("c", "category", constraints={"enum": ["a", "b"], "weights": [0, 1]})),
        {},
    ),
    (
        "weights_without_enum",
        Severity.ERROR,
        _single(_field("c", "string", constraints={"weights": [1, 2]})),
        _single(_field("c", "boolean", constraints={"weights": [1, 2]})),
        {},
    ),
    (
        "enum_duplicate",
        Severity.WARNING,
        _single(_field("c", "category", constraints={"enum": ["a", "a"]})),
        _single(_field("c", "category", constraints={"enum": ["a", "b"]})),
        {},
    ),
    (
        "enum_type_mismatch",
        Severity.ERROR,
        _single(_field("n", "integer", constraints={"enum": [1, "two"]})),
        _single(_field("n", "integer", constraints={"enum": [1, 2]})),
        {},
    ),
    (
        "unique_capacity",
        Severity.ERROR,
        _single(_field("n", "integer", constraints={"min": 1, "max": 10, "unique": True})),
        _single(_field("n", "integer", constraints={"min": 1, "max": 1000, "unique": True})),
        {"volume": 100},
    ),
    (
        "unique_capacity",
        Severity.ERROR,
        _single(_field("c", "category", constraints={"enum": ["a", "b"], "unique": True})),
        _single(_field("c", "category", constraints={"enum": ["a", "b", "c"], "unique": True})),
        {"volume": 3},
    ),
    (
        "pattern_invalid",
        Severity.ERROR,
        _single(_field("p", "pattern", constraints={"pattern": "[A-Z"})),
        _single(_field("p", "pattern", constraints={"pattern": "[A-Z]{3}"})),
        {},
    ),
    (
        "pattern_invalid",
        Severity.ERROR,
        _single(_field("p", "pattern", constraints={"pattern": r"(?<=a)b"})),
        _single(_field("p", "pattern", constraints={"pattern": "ab"})),
        {},
    ),
    ("pattern_missing", Severity.ERROR, _single(_field("p", "pattern")), _single(_field("p", "string")), {}),
    (
        "nullable_key",
        Severity.ERROR,
        _single(_field("id", "uuid", primary_key=True, constraints={"nullable": True})),
        _single(_field("id", "uuid", primary_key=True)),
        {},
    ),
    (
        "nullable_unique",
        Severity.WARNING,
        _single(_field("e", "email", constraints={"nullable": True, "unique": True})),
        _single(_field("e", "email", constraints={"unique": True})),
        {},
    ),
    (
        "null_rate_without_nullable",
        Severity.WARNING,
        _single(_field("s", constraints={"null_rate": 0.2})),
        _single(_field("s", constraints={"null_rate": 0.2, "nullable": True})),
        {},
    ),
    (
        "constraint_not_applicable",
        Severity.WARNING,
        _single(_field("e", "email", constraints={"min": 1, "max": 5})),
        _single(_field("e", "email")),
        {},
    ),
    (
        "constraint_not_applicable",
        Severity.WARNING,
        _single(_field("n", "integer", constraints={"precision": 2})),
        _single(_field("n", "float", constraints={"precision": 2})),
        {},
    ),
    (
        "constraint_not_applicable",
        Severity.WARNING,
        _single(_field("n", "integer", constraints={"pattern": "[0-9]+"})),
        _single(_field("n", "string", constraints={"pattern": "[0-9]+"})),
        {},
    ),
    (
        "format_invalid",
        Severity.WARNING,
        _single(_field("d", "date", constraints={"format": "YYYY-MM-DD"})),
        _single(_field("d", "date", constraints={"format": "%Y-%m-%d"})),
        {},
    ),
    (
        "distribution_invalid",
        Severity.ERROR,
        _single(_field("x", "float", constraints={"distribution": {"kind": "empirical", "quantiles": [3, 1, 2]}})),
        _single(_field("x", "float", constraints={"distribution": {"kind": "empirical", "quantiles": [1, 2, 3]}})),
        {},
    ),
    (
        "distribution_outside_range",
        Severity.WARNING,
        _single(
            _field("x", "float", constraints={"min": 0, "max": 10, "distribution": {"kind": "normal", "mean": 50}})
        ),
        _single(_field("x", "float", constraints={"min": 0, "max": 10, "distribution": {"kind": "normal", "mean": 5}})),
        {},
    ),
    (
        "object_without_fields",
        Severity.ERROR,
        _single(_field("o", "object")),
        _single(_field("o", "object", fields=[_field("a", "integer")])),
        {},
    ),
    (
        "array_without_items",
        Severity.ERROR,
        _single(_field("a", "array")),
        _single(_field("a", "array", items=_field("item", "integer"))),
        {},
    ),
    ("reference_missing", Severity.ERROR, _single(_field("r", "reference")), _single(_field("r", "uuid")), {}),
    (
        "reference_invalid",
        Severity.ERROR,
        _multi(USERS, {"name": "orders", "fields": [_field("user_id", "reference", references="users")]}),
        _multi(USERS, {"name": "orders", "fields": [_field("user_id", "reference", references="users.id")]}),
        {},
    ),
    (
        "reference_table_missing",
        Severity.ERROR,
        _multi(USERS, {"name": "orders", "fields": [_field("user_id", "reference", references="user.id")]}),
        _multi(USERS, {"name": "orders", "fields": [_field("user_id", "reference", references="users.id")]}),
        {},
    ),
    (
        "reference_field_missing",
        Severity.ERROR,
        _multi(USERS, {"name": "orders", "fields": [_field("user_id", "reference", references="users.uid")]}),
        _multi(USERS, {"name": "orders", "fields": [_field("user_id", "reference", references="users.id")]}),
        {},
    ),
    (
        "reference_not_unique",
        Severity.ERROR,
        _multi(USERS, {"name": "orders", "fields": [_field("email", "reference", references="users.email")]}),
        _multi(USERS, {"name": "orders", "fields": [_field("user_id", "reference", references="users.id")]}),
        {},
    ),
    (
        "reference_cycle",
        Severity.ERROR,
        _multi(
            {
                "name": "a",
                "fields": [_field("id", "uuid", primary_key=True), _field("b_id", "reference", references="b.id")],
            },
            {
                "name": "b",
                "fields": [_field("id", "uuid", primary_key=True), _field("a_id", "reference", references="a.id")],
            },
        ),
        _multi(
            {"name": "a", "fields": [_field("id", "uuid", primary_key=True)]},
            {
                "name": "b",
                "fields": [_field("id", "uuid", primary_key=True), _field("a_id", "reference", references="a.id")],
            },
        ),
        {},
    ),
    (
        "correlation_field_missing",
        Severity.ERROR,
        _single(
            _field("x", "float"),
            _field("y", "float"),
            correlations=[{"fields": ["x", "z"], "matrix": [[1, 0.5], [0.5, 1]]}],
        ),
        _single(
            _field("x", "float"),
            _field("y", "float"),
            correlations=[{"fields": ["x", "y"], "matrix": [[1, 0.5], [0.5, 1]]}],
        ),
        {},
    ),
    (
        "correlation_field_not_numeric",
        Severity.ERROR,
        _single(
            _field("x", "float"),
            _field("y", "email"),
            correlations=[{"fields": ["x", "y"], "matrix": [[1, 0.5], [0.5, 1]]}],
        ),
        _single(
            _field("x", "float"),
            _field("y", "integer"),
            correlations=[{"fields": ["x", "y"], "matrix": [[1, 0.5], [0.5, 1]]}],
        ),
        {},
    ),
    (
        "correlation_field_unique",
        Severity.ERROR,
        _single(
            _field("x", "float"),
            _field("y", "integer", constraints={"unique": True}),
            correlations=[{"fields": ["x", "y"], "matrix": [[1, 0.5], [0.5, 1]]}],
        ),
        _single(
            _field("x", "float"),
            _field("y", "integer"),
            correlations=[{"fields": ["x", "y"], "matrix": [[1, 0.5], [0.5, 1]]}],
        ),
        {},
    ),
    (
        "correlation_invalid",
        Severity.ERROR,
        _single(
            _field("x", "float"),
            _field("y", "float"),
            correlations=[{"fields": ["x", "y"], "matrix": [[1, 0.5], [0.4, 1]]}],
        ),
        _single(
            _field("x", "float"),
            _field("y", "float"),
            correlations=[{"fields": ["x", "y"], "matrix": [[1, 0.4], [0.4, 1]]}],
        ),
        {},
    ),
    (
        "correlation_not_psd",
        Severity.ERROR,
        _single(
            _field("x", "float"),
            _field("y", "float"),
            _field("z", "float"),
            correlations=[{"fields": ["x", "y", "z"], "matrix": [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]}],
        ),
        _single(
            _field("x", "float"),
            _field("y", "float"),
            _field("z", "float"),
            correlations=[{"fields": ["x", "y", "z"], "matrix": [[1, 0.5, 0.2], [0.5, 1, 0.3], [0.2, 0.3, 1]]}],
        ),
        {},
    ),
    (
        "unique_unsupported",
        Severity.ERROR,
        _single(_field("note", "text", constraints={"unique": True})),
        _single(_field("note", "string", constraints={"unique": True})),
        {},
    ),
    (
        "edge_case_conflict",
        Severity.WARNING,
        _single(_field("e", "email", constraints={"edge_cases": ["null", "empty"]})),
        _single(_field("e", "email", constraints={"edge_cases": ["null"], "nullable": True})),
        {},
    ),
    ("volume_too_large", Severity.ERROR, _single(_field("a")), _single(_field("a")), {"volume": 2_000_000_000}),
    ("volume_zero", Severity.WARNING, _single(_field("a")), _single(_field("a")), {"volume": 0}),
]


@pytest.mark.parametrize(
    ("code", "severity", "bad", "good", "kwargs"),
    CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)],
)
def test_rule_fails_then_passes(
    code: str, severity: Severity, bad: Schema, good: Schema, kwargs: dict[str, Any]
) -> None:
    bad_codes = _codes(bad, **kwargs)
    assert bad_codes.get(code) == severity, bad_codes
    good_kwargs = dict(kwargs)
    if code.startswith("volume"):
        good_kwargs["volume"] = 10
    assert code not in _codes(good, **good_kwargs)
    assert validate_schema(bad, **kwargs).valid is (severity == Severity.WARNING)


def test_unknown_type_suggests_the_closest_type() -> None:
    result = validate_schema(_single(_field("when", "dattime")))
    message = next(m for m in result.errors if m.code == "type_unknown")
    assert "Did you mean 'datetime'" in message.message
    assert message.field == "when"


def test_multi_table_messages_name_the_table() -> None:
    schema = _multi(USERS, {"name": "orders", "fields": [_field("total", "float", constraints={"min": 5, "max": 1})]})
    message = next(m for m in validate_schema(schema).errors if m.code == "min_gt_max")
    assert message.field == "orders.total"


def test_nested_fields_are_checked_with_their_path() -> None:
    schema = _single(_field("address", "object", fields=[_field("zip", "integer", constraints={"min": 9, "max": 1})]))
    message = next(m for m in validate_schema(schema).errors if m.code == "min_gt_max")
    assert message.field == "address.zip"


def test_self_reference_is_no_cycle_but_two_tables_referencing_each_other_are() -> None:
    # The engine generates self references (an employee's manager, a span's parent span in a tree).
    schema = _multi(
        {
            "name": "employees",
            "fields": [
                _field("id", "uuid", primary_key=True),
                _field("manager_id", "reference", references="employees.id"),
            ],
        }
    )
    assert "reference_cycle" not in _codes(schema)
    result = validate_schema(schema)
    assert result.valid, result.errors
    pair = _multi(
        {
            "name": "a",
            "fields": [_field("id", "uuid", primary_key=True), _field("b_id", "reference", references="b.id")],
        },
        {
            "name": "b",
            "fields": [_field("id", "uuid", primary_key=True), _field("a_id", "reference", references="a.id")],
        },
    )
    assert _codes(pair)["reference_cycle"] == Severity.ERROR


def test_concrete_suggestions() -> None:
    schema = _single(_field("email", "string"), _field("id", "integer"))
    suggestions = validate_schema(schema).suggestions
    assert "`email` should be unique (constraints.unique: true)." in suggestions
    assert any("`email` is a plain `string`" in s and "type `email`" in s for s in suggestions)
    assert "`id` should be the primary key (primary_key: true)." in suggestions


def test_hipaa_dob_suggestion_and_year_format_passes() -> None:
    dob = _single(_field("dob", "date", constraints={"min": "1950-01-01", "max": "2005-12-31"}))
    result = validate_schema(dob, ["HIPAA"])
    assert result.valid  # a synthetic date generator is a warning, not an error
    assert any("`dob` is a HIPAA identifier: generalise to year" in s for s in result.suggestions)
    year_only = _single(_field("dob", "date", constraints={"format": "%Y"}))
    assert validate_schema(year_only, ["HIPAA"]).compliance_issues == []


def test_compliance_errors_make_the_schema_invalid_and_name_the_fix() -> None:
    result = validate_schema(_single(_field("ssn", "string")), ["HIPAA"])
    assert not result.valid
    assert result.errors == [] or all(m.severity == Severity.WARNING for m in result.errors)
    issue = result.compliance_issues[0]
    assert (issue.field, issue.requirement, issue.rule_id) == ("ssn", "HIPAA", "HIPAA-SH-07")
    assert any("`ssn`" in s and "synthetic `ssn` type" in s for s in result.suggestions)


def test_every_template_validates_cleanly() -> None:
    from sdga.engine.templates import get_template, list_templates

    for info in list_templates():
        result = validate_schema(get_template(info.name), volume=1000)
        errors = [m for m in result.errors if m.severity == Severity.ERROR]
        assert result.valid, (info.name, errors)


def test_the_engine_plan_is_the_safety_net() -> None:
    schema = _single(_field("a", "string"))
    result = validate_schema(schema, locale="xx_XX")
    assert [m.code for m in result.errors] == ["generation_refused"]
    assert "unsupported locale" in result.errors[0].message
    assert validate_schema(schema, locale="de_DE").valid


def test_slow_faker_path_is_a_warning() -> None:
    result = validate_schema(_single(_field("bs", "faker:bs")), volume=200_000)
    assert result.valid
    assert any(m.code == "generation_warning" for m in result.errors)


def test_json_type_uses_its_nested_fields_and_items() -> None:
    """The engine encodes a json field's 'fields' (object) or 'items' (array): no 'ignored' warning."""
    as_object = _field("meta", "json", fields=[_field("k", "string"), _field("n", "integer")])
    as_array = _field("tags", "json", items=_field("tag", "word"))
    assert "constraint_not_applicable" not in _codes(_single(as_object, as_array))
    assert _codes(_single(_field("meta", "string", fields=[_field("k", "string")])))["constraint_not_applicable"]


def test_long_names_warn_for_both_sql_databases() -> None:
    long_name = "x" * 70
    message = next(m for m in validate_schema(_single(_field(long_name, "string"))).errors if m.code == "name_too_long")
    assert "PostgreSQL" in message.message and "MySQL" in message.message


def test_rules_with_unknown_names_or_cycles_are_reported_on_their_field() -> None:
    unknown = _single(_field("qty", "integer"), {"name": "total", "type": "integer", "expression": "qty * price"})
    message = next(m for m in validate_schema(unknown).errors if m.code == "rule_unknown_name")
    assert message.field == "total" and "unknown field 'price'" in message.message
    cycle = _multi(
        {"name": "orders", "fields": [
            _field("id", "uuid", primary_key=True),
            {"name": "total", "type": "amount", "expression": "sum(lines.amount)"},
        ]},
        {"name": "lines", "fields": [
            _field("order_id", "reference", references="orders.id", cardinality={"min": 1, "max": 3}),
            {"name": "amount", "type": "amount", "expression": "order_id.total / 2"},
        ]},
    )  # fmt: skip
    message = next(m for m in validate_schema(cycle).errors if m.code == "rule_cycle")
    assert message.field in ("orders.total", "lines.amount")
    path = message.message.split("cycle: ", 1)[1].split(" -> ")
    assert path[0] == path[-1] == message.field and {"orders.total", "lines.amount"} <= set(path)
    bad = _single(_field("a", "integer"), {"name": "b", "type": "integer", "when": "a >"})
    assert {m.code for m in validate_schema(bad).errors} == {"rule_invalid"}
