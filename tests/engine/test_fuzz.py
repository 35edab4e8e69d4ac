"""Robustness: any schema the models accept either generates or fails with an SdgaError, never a crash."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sdga.engine import iter_batches, plan_generation
from sdga.errors import SdgaError
from sdga.models import FIELD_TYPES, GenerateDataRequest

TYPES = [*sorted(FIELD_TYPES), "faker:name", "faker:nope", "Integer", "blob"]
VALUES = st.one_of(
    st.none(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(["2024-01-01", "-3y", "now", "12:30", "garbage", "", "2024-13-45"]),
)
CONSTRAINTS = st.fixed_dictionaries(
    {},
    optional={
        "min": VALUES,
        "max": VALUES,
        "unique": st.booleans(),
        "nullable": st.booleans(),
        "null_rate": st.floats(0, 1),
        "enum": st.lists(st.one_of(st.integers(-5, 5), st.text(max_size=3), st.booleans()), max_size=4),
        "weights": st.lists(st.floats(0, 5), max_size=4),
        "pattern": st.sampled_from([r"[a-c]{2}", r"\d?\d?", r"(a|b)+", r"(?=x)y", "[", r"\w{0,3}"]),
        "format": st.sampled_from(["%Y", "e164", "hex", "national", "%Q%", "spaced"]),
        "min_length": st.integers(0, 6),
        "max_length": st.integers(0, 6),
        "precision": st.integers(0, 8),
        "edge_cases": st.lists(st.sampled_from(["min", "max", "empty", "null", "unicode", "very_long"]), max_size=3),
        "distribution": st.fixed_dictionaries(
            {
                "kind": st.sampled_from(
                    ["uniform", "normal", "lognormal", "exponential", "zipf", "poisson", "empirical"]
                )
            },
            optional={
                "mean": st.floats(-100, 100),
                "std": st.floats(0, 50),
                "quantiles": st.lists(st.floats(-10, 10), min_size=2, max_size=4),
            },
        ),
    },
)


def _field(name: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"name": st.just(name), "type": st.sampled_from(TYPES), "constraints": CONSTRAINTS},
        optional={
            "items": st.just({"name": "i", "type": "word"}),
            "fields": st.just([{"name": "a", "type": "integer"}]),
            "references": st.sampled_from(["data.f0", "nope.x", "bad"]),
        },
    )


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fields=st.tuples(_field("f0"), _field("f1"), _field("f2")), volume=st.integers(1, 300))
def test_any_schema_generates_or_fails_cleanly(fields: tuple[dict[str, Any], ...], volume: int) -> None:
    try:
        request = GenerateDataRequest.model_validate({"volume": volume, "schema": {"fields": list(fields)}})
    except ValueError:
        event("refused by the models")
        return  # the models refused it (pydantic), which is the API's job
    try:
        plan = plan_generation(request)
        for t in plan.tables:
            rows = sum(b.num_rows for b in iter_batches(plan, t.name, batch_size=97))
            assert rows == t.volume
        event("generated")
    except SdgaError as exc:
        event(type(exc).__name__)
        assert exc.message and "\n" not in exc.message


NARROW = st.fixed_dictionaries(
    {},
    optional={
        "unique": st.booleans(),
        "nullable": st.booleans(),
        "edge_cases": st.lists(st.sampled_from(["min", "max", "empty", "null", "unicode", "whitespace"]), max_size=2),
        "max_length": st.integers(1, 40),
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    types=st.lists(
        st.sampled_from(sorted(set(FIELD_TYPES) - {"reference", "category", "pattern"})), min_size=1, max_size=4
    ),
    constraints=st.lists(NARROW, min_size=4, max_size=4),
    volume=st.integers(1, 200),
    locale=st.sampled_from(["en_US", "de_DE", "fr_FR", "pt_BR"]),
)
def test_plausible_schemas_mostly_generate(
    types: list[str], constraints: list[dict[str, Any]], volume: int, locale: str
) -> None:
    fields = [
        {"name": f"f{i}", "type": t, "constraints": c, "items": {"name": "i", "type": "word"}}
        if t == "array"
        else {"name": f"f{i}", "type": t, "constraints": c, "fields": [{"name": "a", "type": "city"}]}
        if t == "object"
        else {"name": f"f{i}", "type": t, "constraints": c}
        for i, (t, c) in enumerate(zip(types, constraints, strict=False))
    ]
    request = GenerateDataRequest.model_validate({"volume": volume, "locale": locale, "schema": {"fields": fields}})
    try:
        plan = plan_generation(request)
    except SdgaError as exc:
        event(type(exc).__name__)
        assert exc.message and "\n" not in exc.message
        return
    event("generated")
    t = plan.tables[0]
    batches = list(iter_batches(plan, t.name, batch_size=64))
    assert sum(b.num_rows for b in batches) == volume
    for f in fields:
        if f["constraints"].get("unique") and not f["constraints"].get("nullable"):
            values = [v for batch in batches for v in batch.column(f["name"]).to_pylist()]
            if "null" in f["constraints"].get("edge_cases", []):  # null edge cases: NULLs are not duplicates
                values = [v for v in values if v is not None]
            assert len({repr(v) for v in values}) == len(values), f
