"""Constraints: bounds, nulls, enums and weights, patterns, formats, edge cases, distributions, copulas."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime

import numpy as np
import pytest
from tests.engine.conftest import field, generate

from sdga.engine.columns import SPECIAL_SAMPLES, UNICODE_SAMPLES
from sdga.models import GenerateDataRequest


def test_numeric_bounds_and_precision() -> None:
    t = generate(
        [
            field("i", "integer", min=-3, max=3),
            field("f", "float", min=1.5, max=2.5, precision=2),
            field("a", "amount", min=10, max=20),
            field("lat", "latitude", min=40, max=41),
        ],
        volume=3000,
    )
    i = t.column("i").to_pylist()
    assert min(i) == -3 and max(i) == 3
    f = t.column("f").to_pylist()
    assert all(1.5 <= v <= 2.5 and round(v, 2) == v for v in f)
    assert all(10 <= float(v) <= 20 for v in t.column("a").to_pylist())
    assert all(40 <= v <= 41 for v in t.column("lat").to_pylist())


def test_date_bounds_and_formats() -> None:
    t = generate(
        [
            field("d", "date", min="2020-02-01", max="2020-02-29"),
            field("fmt", "date", min="2020-01-01", max="2020-12-31", format="%d/%m/%Y"),
            field("dt", "datetime", min="2024-01-01T00:00:00Z", max="2024-01-02T00:00:00Z", format="%Y-%m-%d %H:%M"),
            field("t", "time", min="09:00", max="17:00"),
            field("tf", "time", format="%H:%M"),
        ],
        volume=500,
    )
    for r in t.to_pylist():
        assert date(2020, 2, 1) <= r["d"] <= date(2020, 2, 29)
        assert re.fullmatch(r"\d\d/\d\d/2020", r["fmt"])
        assert re.fullmatch(r"2024-01-0[12] \d\d:\d\d", r["dt"])
        assert 9 <= r["t"].hour <= 17
        assert re.fullmatch(r"\d\d:\d\d", r["tf"])


def test_nullable_default_and_explicit_rates() -> None:
    t = generate([field("a", "integer", nullable=True), field("b", "city", nullable=True, null_rate=0.5),
                  field("c", "integer")], volume=4000)  # fmt: skip
    assert 0.07 < t.column("a").null_count / 4000 < 0.13
    assert 0.45 < t.column("b").null_count / 4000 < 0.55
    assert t.column("c").null_count == 0
    assert t.schema.field("a").nullable and not t.schema.field("c").nullable


def test_enum_with_weights() -> None:
    spec = field("s", "category", enum=["active", "inactive", "suspended"], weights=[0.7, 0.2, 0.1])
    counts = Counter(generate([spec], volume=20000).column("s").to_pylist())
    assert abs(counts["active"] / 20000 - 0.7) < 0.02
    assert abs(counts["suspended"] / 20000 - 0.1) < 0.015
    ints = generate([field("n", "integer", enum=[1, 5, 9])], volume=300).column("n").to_pylist()
    assert set(ints) == {1, 5, 9}


def test_boolean_weights() -> None:
    vals = generate([field("b", "boolean", weights=[0.9, 0.1])], volume=5000).column("b").to_pylist()
    assert 0.87 < sum(vals) / 5000 < 0.93


@pytest.mark.parametrize(
    "pattern",
    [
        r"[A-Z]{3}-\d{4}",
        r"^(foo|ba[rz])_[a-f0-9]{2,6}$",
        r"\w{3}\s\d?",
        r"ORD-(19|20)\d\d-[0-9]{5}",
        r"[^0-9]{4}",
        r"a..c",
    ],
)
def test_pattern_values_match(pattern: str) -> None:
    for unique in (False, True):
        spec = field("p", "string", pattern=pattern, unique=unique)
        values = generate([spec], volume=400).column("p").to_pylist()
        assert all(re.fullmatch(pattern, v) for v in values), pattern
        if unique:
            assert len(set(values)) == 400


def test_string_lengths() -> None:
    values = generate([field("s", "string", min_length=3, max_length=5)], volume=500).column("s").to_pylist()
    assert {len(v) for v in values} == {3, 4, 5}
    text = generate([field("t", "text", max_length=40)], volume=100).column("t").to_pylist()
    assert all(len(v) <= 40 for v in text)


def test_phone_formats() -> None:
    t = generate([field("n", "phone"), field("i", "phone", format="international"), field("e", "phone", format="e164")],
                 volume=100, locale="en_GB")  # fmt: skip
    for r in t.to_pylist():
        assert r["n"].startswith("0") and r["i"].startswith("+44 ") and re.fullmatch(r"\+44\d{9,10}", r["e"])


def test_edge_cases_are_injected() -> None:
    spec = field("s", "string", edge_cases=["empty", "unicode", "special_chars", "very_long", "null"], edge_case_rate=0.2,
                 max_length=300)  # fmt: skip
    values = generate([spec, field("n", "integer", min=5, max=10**6, edge_cases=["min", "max"], edge_case_rate=0.1)],
                      volume=3000).to_pylist()  # fmt: skip
    s = [r["s"] for r in values]
    assert "" in s and None in s
    assert any(v in UNICODE_SAMPLES for v in s) and any(v in SPECIAL_SAMPLES for v in s)
    assert any(v is not None and len(v) == 300 for v in s)
    n = Counter(r["n"] for r in values)
    assert n[5] > 50 and n[10**6] > 50
    hits = sum(1 for v in s if v == "" or v is None or v in UNICODE_SAMPLES or v in SPECIAL_SAMPLES or len(v) == 300)
    assert 0.15 < hits / 3000 < 0.25


def test_edge_case_dates() -> None:
    spec = field("d", "date", min="2024-01-01", max="2024-12-31", edge_cases=["min", "max"], edge_case_rate=0.3)
    c = Counter(generate([spec], volume=1000).column("d").to_pylist())
    assert c[date(2024, 1, 1)] > 100 and c[date(2024, 12, 31)] > 100


@pytest.mark.parametrize(
    ("dist", "check"),
    [
        ({"kind": "normal", "mean": 50, "std": 5}, lambda x: abs(x.mean() - 50) < 0.5 and abs(x.std() - 5) < 0.5),
        ({"kind": "exponential", "mean": 10}, lambda x: abs(x.mean() - 10) < 1 and np.median(x) < x.mean()),
        ({"kind": "lognormal", "mean": 20}, lambda x: np.median(x) < x.mean() and abs(x.mean() - 20) < 2),
        ({"kind": "lognormal", "mean": 20, "std": 10}, lambda x: abs(x.mean() - 20) < 1 and abs(x.std() - 10) < 1.5),
        ({"kind": "empirical", "quantiles": [0, 1, 2, 50, 100]}, lambda x: abs(np.median(x) - 2) < 0.3),
        ({"kind": "zipf", "exponent": 2}, lambda x: (x == 0).mean() > 0.5),
        ({"kind": "poisson", "mean": 4}, lambda x: abs(x.mean() - 4) < 0.2 and (x == np.round(x)).all()),
    ],
)
def test_distributions(dist: dict[str, object], check: object) -> None:
    spec = field("x", "integer" if dist["kind"] in ("zipf", "poisson") else "float", min=0, max=100, distribution=dist)
    x = np.array(generate([spec], volume=20000).column("x").to_pylist(), dtype=float)
    assert x.min() >= 0 and x.max() <= 100
    assert check(x)  # type: ignore[operator]


def test_decimal_distribution_is_in_units() -> None:
    spec = field("a", "amount", min=0, max=1000, distribution={"kind": "normal", "mean": 200, "std": 20})
    x = np.array([float(v) for v in generate([spec], volume=5000).column("a").to_pylist()])
    assert abs(x.mean() - 200) < 2 and abs(x.std() - 20) < 2


def test_date_distribution() -> None:
    spec = field("d", "date", min="2020-01-01", max="2020-12-31", distribution={"kind": "normal"})
    days = np.array([d.toordinal() for d in generate([spec], volume=5000).column("d").to_pylist()])
    mid = datetime(2020, 7, 1).toordinal()
    assert abs(np.median(days) - mid) < 5 and days.std() < 100


def test_gaussian_copula_correlates_fields() -> None:
    body = {
        "volume": 20000,
        "schema": {
            "fields": [
                field("income", "float", min=0, max=200000, distribution={"kind": "lognormal", "mean": 50000}),
                field("spend", "amount", min=0, max=50000),
                field("age", "integer", min=18, max=90),
            ],
            "correlations": [{"fields": ["income", "spend", "age"],
                              "matrix": [[1, 0.8, 0.3], [0.8, 1, 0.0], [0.3, 0.0, 1]]}],
        },
    }  # fmt: skip
    from tests.engine.conftest import table

    from sdga.engine import plan_generation

    t = table(plan_generation(GenerateDataRequest.model_validate(body)))
    inc = np.array(t.column("income").to_pylist(), dtype=float)
    spend = np.array([float(v) for v in t.column("spend").to_pylist()])
    age = np.array(t.column("age").to_pylist(), dtype=float)

    def spearman(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.corrcoef(a.argsort().argsort(), b.argsort().argsort())[0, 1])

    assert 0.72 < spearman(inc, spend) < 0.86
    assert 0.22 < spearman(inc, age) < 0.37
    assert abs(spearman(spend, age)) < 0.05


def test_null_edge_case_on_a_not_nullable_field_injects_nulls_on_purpose() -> None:
    """Edge cases are negative tests: 'null' on a NOT NULL field is how a QA team checks that the system
    under test rejects it. The column carries the nulls (validation warns about the conflict)."""
    from sdga.engine import iter_batches, plan_generation
    from sdga.models import GenerateDataRequest

    field = {"name": "code", "type": "uuid",
             "constraints": {"nullable": False, "unique": True, "edge_cases": ["null"], "edge_case_rate": 0.2}}  # fmt: skip
    plan = plan_generation(
        GenerateDataRequest.model_validate({"volume": 500, "seed": 3, "schema": {"fields": [field]}})
    )
    values = [v for b in iter_batches(plan, plan.tables[0].name) for v in b.column("code").to_pylist()]
    present = [v for v in values if v is not None]
    assert 50 < values.count(None) < 150 and len(set(present)) == len(present)  # nulls injected, keys distinct
