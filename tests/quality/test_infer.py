"""infer_schema: semantic types, no copied personal values, relationships, and the infer -> generate ->
metrics round trip on real public data sets shipped inside scikit-learn and statsmodels."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from sdga.engine import iter_batches, plan_generation
from sdga.models import GenerateDataRequest, Schema
from sdga.quality import calculate_quality_metrics, compare_to_reference, infer_schema, schema_document
from sdga.validation import validate_schema

RNG = np.random.default_rng(3)


def _people(n: int = 400) -> pa.Table:
    first = np.array(["Maria", "John", "Aiko", "Lars", "Fatima", "Pedro", "Chen", "Olga"])
    last = np.array(["Garcia", "Smith", "Tanaka", "Berg", "Khan", "Silva", "Wei", "Ivanova"])
    f, la = RNG.choice(first, n), RNG.choice(last, n)
    return pa.table(
        {
            "customer_id": np.arange(1, n + 1),
            "Full Name": [f"{a} {b}" for a, b in zip(f, la, strict=True)],
            "email": [f"{a.lower()}.{b.lower()}{i}@realmail.com" for i, (a, b) in enumerate(zip(f, la, strict=True))],
            "phone": [f"+1 (415) 555-{1000 + i:04d}" for i in range(n)],
            "ssn": [f"{100 + i % 600:03d}-{10 + i % 89:02d}-{1000 + i:04d}" for i in range(n)],
            "signup": pa.array(np.datetime64("2023-01-01") + RNG.integers(0, 700, n).astype("timedelta64[D]")),
            "plan": RNG.choice(["free", "pro", "team"], n, p=[0.6, 0.3, 0.1]),
            "active": RNG.random(n) < 0.8,
            "monthly_spend": pa.array(
                np.where(RNG.random(n) < 0.1, np.nan, np.round(RNG.lognormal(3, 0.5, n), 2)), from_pandas=True
            ),
            "session_uuid": [f"{i:08x}-1111-4111-8111-{i:012x}" for i in range(n)],
            "ip": [f"10.{i % 250}.{i % 7}.{i % 200 + 1}" for i in range(n)],
        }
    )


def test_semantic_types_and_constraints() -> None:
    schema = infer_schema(_people(), name="customers")
    by_name = {f.name: f for f in schema.fields or []}
    assert schema.name == "customers"
    assert by_name["customer_id"].type == "sequence" and by_name["customer_id"].primary_key
    assert by_name["full_name"].type == "full_name"
    assert by_name["full_name"].description == "inferred from column 'Full Name'"
    assert by_name["email"].type == "email" and by_name["email"].constraints.unique
    assert by_name["phone"].type == "phone"
    assert by_name["ssn"].type == "ssn"
    assert by_name["signup"].type == "date" and by_name["signup"].constraints.min is not None
    plan = by_name["plan"]
    assert plan.type == "category" and plan.constraints.enum == ["free", "pro", "team"]
    assert plan.constraints.weights is not None and plan.constraints.weights[0] > 0.5
    assert by_name["active"].type == "boolean" and by_name["active"].constraints.weights is not None
    spend = by_name["monthly_spend"]
    assert spend.type == "float" and spend.constraints.nullable and spend.constraints.precision == 2
    assert spend.constraints.null_rate == pytest.approx(0.1, abs=0.05)
    assert spend.constraints.distribution is not None and spend.constraints.distribution.kind == "empirical"
    assert by_name["session_uuid"].type == "uuid"
    assert by_name["ip"].type == "ipv4"


def test_personal_values_are_never_copied() -> None:
    table = _people()
    text = json.dumps(schema_document(infer_schema(table)))
    for column in ("Full Name", "email", "phone", "ssn", "ip", "session_uuid"):
        for value in table[column].to_pylist()[:50]:
            assert value not in text, (column, value)
    for first in ("Maria", "Garcia", "realmail"):
        assert first not in text


def test_generated_pii_is_safe_and_valid() -> None:
    schema = infer_schema(_people(), name="customers")
    request = GenerateDataRequest.model_validate({"schema": schema_document(schema), "volume": 500, "seed": 1})
    plan = plan_generation(request)
    data = pa.Table.from_batches(list(iter_batches(plan, plan.tables[0].name)))
    assert all(
        e.split("@")[1].endswith((".example", ".test", "example.com", "example.net", "example.org"))
        for e in data["email"].to_pylist()
    )
    assert all(int(s[:3]) >= 900 for s in data["ssn"].to_pylist())
    metrics = calculate_quality_metrics(data, schema=schema)
    assert metrics.validity_score == pytest.approx(1.0)


def test_correlations_are_kept_through_the_copula() -> None:
    n = 3000
    x = RNG.normal(50, 10, n)
    table = pa.table({"x": x, "y": 2 * x + RNG.normal(0, 5, n), "z": RNG.uniform(0, 1, n)})
    schema = infer_schema(table)
    assert schema.correlations and set(schema.correlations[0].fields) == {"x", "y", "z"}
    request = GenerateDataRequest.model_validate({"schema": schema_document(schema), "volume": 5000, "seed": 2})
    plan = plan_generation(request)
    data = pa.Table.from_batches(list(iter_batches(plan, plan.tables[0].name)))
    r = np.corrcoef(data["x"].to_numpy(), data["y"].to_numpy())[0, 1]
    assert r == pytest.approx(np.corrcoef(x, table["y"].to_numpy())[0, 1], abs=0.05)
    report = compare_to_reference(data, table)
    assert report.column_pair_trends is not None and report.column_pair_trends > 0.95


def test_directory_of_tables_gets_references(tmp_path: Path) -> None:
    users = pa.table({"user_id": np.arange(1, 201), "country": RNG.choice(["DE", "FR", "US"], 200)})
    orders = pa.table(
        {
            "order_id": np.arange(1, 1001),
            "user_id": RNG.integers(1, 201, 1000),
            "total": np.round(RNG.gamma(2, 20, 1000), 2),
        }
    )
    pacsv.write_csv(users, tmp_path / "users.csv")
    pacsv.write_csv(orders, tmp_path / "orders.csv")
    schema = infer_schema(tmp_path)
    tables = {t.name: t for t in schema.tables or []}
    fk = next(f for f in tables["orders"].fields if f.name == "user_id")
    assert fk.type == "reference" and fk.references == "users.user_id"
    assert fk.cardinality is not None and fk.cardinality.mean == pytest.approx(5.0, abs=0.01)
    assert tables["users"].volume == 200
    assert validate_schema(Schema.model_validate(schema_document(schema))).valid


def _datasets() -> list[tuple[str, pa.Table]]:
    from sklearn.datasets import load_diabetes, load_iris, load_wine
    from statsmodels.datasets import fair, grunfeld

    frames = [
        ("sklearn iris", load_iris(as_frame=True).frame),
        ("sklearn wine", load_wine(as_frame=True).frame),
        ("sklearn diabetes", load_diabetes(as_frame=True, scaled=False).frame),
        ("statsmodels fair", fair.load_pandas().data),
        ("statsmodels grunfeld", grunfeld.load_pandas().data),
    ]
    return [(name, pa.Table.from_pandas(df, preserve_index=False)) for name, df in frames]


@pytest.mark.parametrize(("name", "real"), _datasets(), ids=lambda v: v if isinstance(v, str) else "")
def test_round_trip_on_real_public_data(tmp_path: Path, name: str, real: pa.Table) -> None:
    """infer -> (file) -> generate -> metrics with --reference: column shapes >= 0.85, no row copied."""
    sample = tmp_path / "sample.csv"
    pacsv.write_csv(real, sample)
    schema = infer_schema(sample)
    document = schema_document(schema)
    assert validate_schema(Schema.model_validate(document), volume=3000).valid
    request = GenerateDataRequest.model_validate({"schema": document, "volume": 3000, "seed": 11})
    plan = plan_generation(request)
    synthetic = pa.Table.from_batches(list(iter_batches(plan, plan.tables[0].name)))
    metrics = calculate_quality_metrics(synthetic, schema=schema, reference=sample)
    assert metrics.validity_score == pytest.approx(1.0)
    fidelity = metrics.fidelity
    assert fidelity is not None and fidelity.column_shapes is not None
    assert len(fidelity.column_scores) == real.num_columns
    assert fidelity.column_shapes >= 0.85, (name, fidelity.column_scores)
    # Pair trends count only the pairs with a trend in the real data (|r| > 0.5, Cramér's V > 0.3).
    assert fidelity.column_pair_trends is not None and fidelity.column_pair_trends >= 0.55
    # No more copies than chance gives: data of a small discrete space (statsmodels' fair: 9 columns of a few
    # values each) repeats rows by itself, so the bound is what one half of the real rows "copies" of the other.
    order = np.random.default_rng(0).permutation(real.num_rows)
    half = real.num_rows // 2
    holdout = compare_to_reference(real.take(order[:half]), real.take(order[half:])).exact_copy_rate or 0.0
    assert fidelity.exact_copy_rate is not None and fidelity.exact_copy_rate < max(0.05, holdout)


def test_date_and_datetime_shapes_are_learned() -> None:
    n = 3000
    days = np.datetime64("2020-01-01") + np.minimum(RNG.exponential(200, n), 1500).astype(int).astype("timedelta64[D]")
    seconds = RNG.gamma(2, 3600 * 24, n).astype(int).astype("timedelta64[s]")
    stamps = (np.datetime64("2024-01-01T00:00:00") + seconds).astype("datetime64[us]")
    real = pa.table({"d": pa.array(days), "ts": pa.array(stamps, pa.timestamp("us", tz="UTC"))})
    schema = infer_schema(real)
    assert all(f.constraints.distribution is not None for f in schema.fields or [])
    plan = plan_generation(
        GenerateDataRequest.model_validate({"schema": schema_document(schema), "volume": 5000, "seed": 3})
    )
    synthetic = pa.Table.from_batches(list(iter_batches(plan, plan.tables[0].name)))
    scores = compare_to_reference(synthetic, real).column_scores
    assert scores["d"] > 0.95 and scores["ts"] > 0.95, scores


def test_small_sample_of_distinct_integers_is_not_copied_as_an_enum() -> None:
    # 16 yearly totals, each seen once: an enum would copy every raw value and drop the correlations.
    rng = np.random.default_rng(5)
    base = np.sort(rng.integers(60_000, 71_000, 16))
    sample = pa.table(
        {"total": base, "gnp": base * 8 + rng.integers(0, 500, 16), "rating": [1] * 3 + [3] * 9 + [5] * 4}
    )
    schema = infer_schema(sample)
    by_name = {f.name: f for f in schema.fields}
    for name in ("total", "gnp"):
        c = by_name[name].constraints
        assert c.enum is None and c.distribution is not None, name
        assert not set(c.distribution.quantiles or []) & set(sample[name].to_pylist())
    # Repeated values with gaps stay an enum; in the copula with the numbers, in the order of their values.
    assert by_name["rating"].constraints.enum == [1, 3, 5]
    assert by_name["rating"].constraints.weights == [3 / 16, 9 / 16, 4 / 16]
    assert schema.correlations and schema.correlations[0].fields == ["total", "gnp", "rating"]


def test_distinct_countries_in_a_sample_are_not_a_unique_key() -> None:
    # One row per country (as in country-level data sets) must not make a 195-value domain unique:
    # generating more rows than the sample would then be refused.
    from sdga.engine import plan_generation
    from sdga.models import GenerateDataRequest

    countries = ["Germany", "France", "Spain", "Italy", "Portugal", "Austria", "Belgium", "Netherlands",
                 "Denmark", "Sweden", "Norway", "Finland", "Poland", "Ireland", "Greece", "Hungary", "Romania",
                 "Bulgaria", "Croatia", "Slovenia", "Slovakia", "Estonia", "Latvia", "Lithuania", "Luxembourg"]  # fmt: skip
    sample = pa.table({"country": countries, "gdp": [float(i * 7 % 23) for i in range(len(countries))]})
    schema = infer_schema(sample)
    country = next(f for f in schema.fields or [] if f.name == "country")
    assert country.type == "country" and not country.constraints.unique
    request = GenerateDataRequest.model_validate(
        {"volume": 1000, "schema": schema.model_dump(mode="json", by_alias=True, exclude_none=True)}
    )
    assert plan_generation(request).tables[0].volume == 1000  # no capacity error
