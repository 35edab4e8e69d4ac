"""Golden output: the engine's bytes for fixed requests must not change unless a change is meant.

Every generator, every template and every locale is covered: each column of each case is serialised as an
Arrow IPC stream and hashed, and the digests are compared with the ones recorded in
``golden_digests.json``. A refactoring of the engine must leave them all unchanged; a deliberate change of
output (a new template field, a better generator) regenerates the file and says so in its commit::

    python tests/engine/test_golden_output.py --update

The bytes also depend on the libraries that make them (Faker's word lists, NumPy's random streams, the
Arrow serialisation), so the digests are compared only under the library versions they were recorded
with; under other versions the test is skipped and says which versions to use or to record anew.
"""

from __future__ import annotations

import hashlib
import json
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

if __name__ == "__main__":  # run as a script: make the repository importable as in the test run
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sdga.engine import BLOCK_ROWS, GenerationPlan, iter_batches, plan_generation
from sdga.engine.generate import generate_rows
from sdga.engine.templates import list_templates
from sdga.models import GenerateDataRequest
from sdga.models.generation import SUPPORTED_LOCALES

GOLDEN = Path(__file__).with_name("golden_digests.json")
LIBRARIES = ("faker", "numpy", "pyarrow")
TEMPLATE_ROWS = 2000
SEED = 20240229


def _f(name: str, type_: str, **constraints: Any) -> dict[str, Any]:
    extra = {k: constraints.pop(k) for k in ("fields", "items", "references", "cardinality") if k in constraints}
    return {"name": name, "type": type_, "constraints": constraints, **extra}


_EDGES = ["min", "max", "null"]
_TEXT_EDGES = ["empty", "very_long", "unicode", "whitespace", "special_chars", "null"]

#: One column per built-in type and per option that takes another code path (non-unique: the table spans
#: two blocks, so the second block's streams are covered too).
EVERY_TYPE: list[dict[str, Any]] = [
    _f("integer", "integer"),
    _f("integer_bounded", "integer", min=-50, max=50, edge_cases=_EDGES, edge_case_rate=0.05),
    _f("integer_normal", "integer", min=0, max=200, distribution={"kind": "normal", "mean": 90, "std": 20}),
    _f("integer_zipf", "integer", min=1, max=1000, distribution={"kind": "zipf", "exponent": 1.3}),
    _f("integer_poisson", "integer", min=0, max=30, distribution={"kind": "poisson", "mean": 4}),
    _f("integer_enum", "integer", enum=[1, 2, 3, 5, 8], weights=[5, 4, 3, 2, 1]),
    _f("float", "float"),
    _f("float_precision", "float", min=-1, max=1, precision=2, null_rate=0.1, nullable=True),
    _f("float_lognormal", "float", min=0, max=5000, distribution={"kind": "lognormal", "mean": 4, "std": 1}),
    _f("float_exponential", "float", min=0, max=100, distribution={"kind": "exponential", "mean": 10}),
    _f("float_empirical", "float", min=0, max=10, distribution={"kind": "empirical", "quantiles": [0, 1, 2, 4, 10]}),
    _f("float_edges", "float", min=0.5, max=9.5, edge_cases=_EDGES, edge_case_rate=0.05),
    _f("decimal", "decimal"),
    _f(
        "decimal_normal",
        "decimal",
        min=0,
        max=1000,
        precision=3,
        distribution={"kind": "normal", "mean": 500, "std": 90},
    ),
    _f("decimal_edges", "decimal", min="0.05", max="99.95", edge_cases=_EDGES, edge_case_rate=0.05),
    _f("amount", "amount"),
    _f("sequence", "sequence", min=100),
    _f("boolean", "boolean"),
    _f("boolean_weighted", "boolean", weights=[9, 1]),
    _f("latitude", "latitude"),
    _f("longitude", "longitude", min=-10, max=10, precision=3, edge_cases=["min", "max"]),
    _f("category", "category", enum=["a", "b", "c"]),
    _f("category_weighted", "category", enum=["x", "y", "z"], weights=[0.7, 0.2, 0.1]),
    _f("category_numbers", "category", enum=[1.5, 2.5]),
    _f("http_method", "http_method"),
    _f("http_status", "http_status"),
    _f("log_level", "log_level"),
    _f("company", "company"),
    _f("job_title", "job_title"),
    _f("country", "country"),
    _f("country_code", "country_code"),
    _f("city", "city"),
    _f("timezone", "timezone"),
    _f("isin", "isin"),
    _f("hostname", "hostname"),
    _f("hostname_pod", "hostname", format="pod"),
    _f("product_category", "product_category"),
    _f("product_name", "product_name"),
    _f("review", "review"),
    _f("log_message", "log_message"),
    _f("phrase", "phrase", format="ticket_subject"),
    _f("sex", "sex"),
    _f(
        "tags_distinct",
        "array",
        min_length=0,
        max_length=4,
        distinct_items=True,
        items=_f("t", "category", enum=["a", "b", "c"]),
    ),
    _f("state", "state"),
    _f("currency_code", "currency_code"),
    _f("word", "word"),
    _f("word_enum", "word", enum=["alpha", "beta"]),
    _f("user_agent", "user_agent"),
    _f("color", "color"),
    _f("color_hex", "color", format="hex"),
    _f("string", "string"),
    _f("string_lengths", "string", min_length=3, max_length=5, edge_cases=_TEXT_EDGES, edge_case_rate=0.1),
    _f("string_pattern", "string", pattern=r"[a-f]{4}-\d{2}"),
    _f("pattern", "pattern", pattern=r"(ORD|INV)-[0-9]{6}[A-Z]?"),
    _f("sentence", "sentence"),
    _f("text", "text", max_length=120),
    _f("password_hash", "password_hash"),
    _f("uuid", "uuid"),
    _f("first_name", "first_name"),
    _f("last_name", "last_name"),
    _f("full_name", "full_name"),
    _f("email", "email"),
    _f("username", "username"),
    _f("phone", "phone"),
    _f("phone_international", "phone", format="international"),
    _f("phone_e164", "phone", format="e164"),
    _f("ssn", "ssn"),
    _f("credit_card", "credit_card"),
    _f("credit_card_spaced", "credit_card", format="spaced"),
    _f("iban", "iban"),
    _f("ipv4", "ipv4"),
    _f("ipv6", "ipv6"),
    _f("mac_address", "mac_address"),
    _f("domain", "domain"),
    _f("url", "url"),
    _f("postal_code", "postal_code"),
    _f("street_address", "street_address"),
    _f("address", "address"),
    _f("date", "date"),
    _f("date_bounded", "date", min="2020-02-01", max="2020-03-31", edge_cases=_EDGES, edge_case_rate=0.05),
    _f("date_formatted", "date", min="-2y", max="anchor", format="%d/%m/%Y"),
    _f("date_normal", "date", min="2000-01-01", max="2010-12-31", distribution={"kind": "normal"}),
    _f("datetime", "datetime"),
    _f("datetime_formatted", "datetime", format="%Y-%m-%d %H:%M"),
    _f("timestamp", "timestamp", edge_cases=_EDGES, edge_case_rate=0.05),
    _f("time", "time"),
    _f("time_formatted", "time", min="08:00", max="18:30", format="%H.%M"),
    _f("object", "object", fields=[_f("city", "city"), _f("zip", "postal_code"), _f("n", "integer", min=1, max=9)]),
    _f("array", "array", items=_f("tag", "word"), min_length=0, max_length=4),
    _f("array_of_objects", "array", items=_f("line", "object", fields=[_f("sku", "pattern", pattern="[A-Z]{3}")])),
    _f("json", "json"),
    _f("json_fields", "json", fields=[_f("ip", "ipv4"), _f("ok", "boolean"), _f("at", "timestamp")]),
    _f("json_items", "json", items=_f("v", "float", precision=1), max_length=3),
    _f("faker", "faker:license_plate"),
    _f("faker_words", "faker:words"),
]

#: Unique variants: the large domains in a table of 1,500 rows, every one of them in a table of 2 rows.
UNIQUE_TYPES: list[dict[str, Any]] = [
    {**_f(c["name"], c["type"], **{**c["constraints"], "unique": True}), **{k: v for k, v in c.items() if k in ("fields", "items")}}
    for c in EVERY_TYPE
    if c["type"]
    in (
        "integer", "float", "decimal", "amount", "boolean", "category", "http_method", "http_status",
        "log_level", "company", "country_code", "currency_code", "word", "color", "string", "pattern",
        "password_hash", "uuid", "first_name", "last_name", "full_name", "email", "username", "phone", "ssn",
        "credit_card", "iban", "ipv4", "ipv6", "mac_address", "domain", "url", "postal_code", "street_address",
        "address", "date", "datetime", "timestamp", "time", "sequence", "latitude", "longitude",
    )
    and not c["constraints"].get("edge_cases")
    and not c["constraints"].get("distribution")
    and not c["constraints"].get("null_rate")
]  # fmt: skip
#: Domains of fewer than 1,500 values in some locale (enums, fixed lists, word lists).
SMALL_DOMAINS = {
    "integer_enum", "boolean", "boolean_weighted", "category", "category_weighted", "category_numbers",
    "http_method", "http_status", "log_level", "country_code", "currency_code", "word", "word_enum", "color",
    "first_name", "last_name", "credit_card", "credit_card_spaced", "ipv4", "date_formatted",
}  # fmt: skip

RELATIONS: list[dict[str, Any]] = [
    {"name": "parent", "volume": 300, "fields": [_f("id", "sequence", unique=True), _f("code", "pattern", pattern="P[0-9]{5}", unique=True)]},
    {"name": "child", "fields": [
        _f("id", "uuid"),
        _f("parent_id", "reference", references="parent.id", cardinality={"distribution": "poisson", "mean": 3, "max": 9}),
        _f("parent_code", "reference", references="parent.code"),
        _f("x", "integer", min=0, max=100),
        _f("y", "float", min=0, max=1),
    ]},
    {"name": "zipf_child", "volume": 1000, "fields": [
        _f("parent_id", "reference", references="parent.id", cardinality={"distribution": "zipf"}),
    ]},
]  # fmt: skip
CORRELATED = {"fields": ["x", "y"], "matrix": [[1.0, 0.8], [0.8, 1.0]]}


def _column_digests(batch: pa.RecordBatch | pa.Table) -> dict[str, str]:
    table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
    out = {}
    for name in table.column_names:
        col = table.select([name]).combine_chunks()
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, col.schema) as writer:
            writer.write_table(col)
        out[name] = hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()[:16]
    return out


def _whole(plan: GenerationPlan) -> dict[str, dict[str, str]]:
    return {
        t.name: _column_digests(pa.Table.from_batches(list(iter_batches(plan, t.name)), schema=t.arrow_schema))
        for t in plan.tables
    }


def _request(body: dict[str, Any]) -> GenerateDataRequest:
    return GenerateDataRequest.model_validate({"seed": SEED, **body})


def case_names() -> list[str]:
    names = [f"template:{t.name}" for t in list_templates()]
    names += [f"types:{loc}" for loc in SUPPORTED_LOCALES]
    names += ["unique:en_US", "unique:de_DE", "relations"]
    return names


def compute(case: str) -> dict[str, dict[str, str]]:
    kind, _, arg = case.partition(":")
    if kind == "template":
        from sdga.engine.templates import get_template

        schema = get_template(arg).model_dump(mode="json", by_alias=True, exclude_none=True)
        return _whole(plan_generation(_request({"schema": schema, "volume": TEMPLATE_ROWS})))
    if kind == "types":
        plan = plan_generation(
            _request({"schema": {"name": "t", "fields": EVERY_TYPE}, "volume": BLOCK_ROWS + 500, "locale": arg})
        )
        return {
            "block0": _column_digests(generate_rows(plan, "t", 0, 1500)),
            "block1": _column_digests(generate_rows(plan, "t", 1, 500)),
        }
    if kind == "unique":
        tables = [
            {"name": "u", "volume": 1500, "fields": [c for c in UNIQUE_TYPES if c["name"] not in SMALL_DOMAINS]},
            {"name": "s", "volume": 2, "fields": UNIQUE_TYPES},
        ]
        return _whole(plan_generation(_request({"schema": {"tables": tables}, "locale": arg})))
    if kind == "relations":
        tables = [dict(t) for t in RELATIONS]
        tables[1]["correlations"] = [CORRELATED]
        return _whole(plan_generation(_request({"schema": {"tables": tables}, "volume": 400})))
    raise KeyError(case)


def _versions() -> dict[str, str]:
    return {lib: version(lib) for lib in LIBRARIES}


def _recorded() -> dict[str, Any]:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.mark.parametrize("case", case_names())
def test_output_is_byte_identical_to_the_recorded_digests(case: str) -> None:
    recorded = _recorded()
    if recorded["versions"] != _versions():
        pytest.skip(
            f"digests were recorded with {recorded['versions']}, this environment has {_versions()}; "
            "record them anew (see the module docstring) before relying on this check"
        )
    assert case in recorded["cases"], f"no digests recorded for {case}; record them (see the module docstring)"
    expected, got = recorded["cases"][case], compute(case)
    changed = [
        f"{part}.{column}"
        for part in sorted(set(expected) | set(got))
        for column in sorted(set(expected.get(part, {})) | set(got.get(part, {})))
        if expected.get(part, {}).get(column) != got.get(part, {}).get(column)
    ]
    assert not changed, f"{case}: output changed in {changed}"


def test_every_registered_type_is_covered() -> None:
    """A new type must join the golden schema (so that its output is pinned too)."""
    from sdga.validation._engine import known_type_names

    covered = {c["type"] for c in EVERY_TYPE} | {"reference"}
    missing = sorted(n for n in set(known_type_names()) - covered if not n.startswith("faker:"))
    assert not missing, f"add these types to EVERY_TYPE: {missing}"


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        raise SystemExit("usage: python tests/engine/test_golden_output.py --update")
    data = {"versions": _versions(), "cases": {case: compute(case) for case in case_names()}}
    GOLDEN.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"recorded {len(data['cases'])} cases in {GOLDEN}")
