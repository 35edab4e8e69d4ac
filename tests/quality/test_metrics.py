"""calculate_quality_metrics: hand-computed values on tiny tables, numpy on generated data, engine output."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sdga.models import Schema
from sdga.quality import calculate_quality_metrics


def _schema(*fields: dict[str, Any]) -> Schema:
    return Schema.model_validate({"fields": list(fields)})


def test_hand_computed_scores_and_statistics() -> None:
    table = pa.table(
        {
            "id": [1, 2, 2, 4],
            "email": ["a@example.com", "not-an-email", None, "d@example.org"],
            "age": [17, 30, 45, None],
            "tier": ["gold", "silver", "gold", "platinum"],
        }
    )
    schema = _schema(
        {"name": "id", "type": "integer", "primary_key": True},
        {"name": "email", "type": "email", "constraints": {"unique": True}},
        {"name": "age", "type": "integer", "constraints": {"min": 18, "max": 99, "nullable": True}},
        {"name": "tier", "type": "category", "constraints": {"enum": ["gold", "silver"]}},
    )
    m = calculate_quality_metrics(table, schema=schema)
    # uniqueness: id 3 distinct / 4 present, email 3 / 3 present -> mean(0.75, 1.0)
    assert m.uniqueness_score == pytest.approx((0.75 + 1.0) / 2)
    # validity over 16 cells: id 4 ok; email 2 ok (bad format, null not allowed); age 2 ok + null allowed = 3;
    # tier 3 ok -> 12 / 16
    assert m.validity_score == pytest.approx(12 / 16)
    # completeness: 2 nulls in 16 cells
    assert m.completeness_score == pytest.approx(14 / 16)
    assert m.row_count == 4
    s = m.field_statistics
    assert (s["id"].null_count, s["id"].unique_count, s["id"].min_value, s["id"].max_value) == (0, 3, 1, 4)
    assert (s["email"].null_count, s["email"].unique_count) == (1, 3)
    assert s["email"].avg_length == pytest.approx((13 + 12 + 13) / 3)
    assert (s["tier"].min_value, s["tier"].max_value) == ("gold", "silver")
    d = m.distribution_analysis["age"]
    assert d.mean == pytest.approx(92 / 3) and d.median == pytest.approx(30)
    assert d.std_dev == pytest.approx(float(np.std([17, 30, 45], ddof=1)))
    assert "tier" not in m.distribution_analysis


def test_without_schema_uniqueness_is_distinct_rows() -> None:
    table = pa.table({"a": [1, 1, 2, 2, 3], "b": ["x", "x", "y", "z", "z"]})
    m = calculate_quality_metrics(table)
    assert m.uniqueness_score == pytest.approx(4 / 5)
    assert m.validity_score == 1.0 and m.completeness_score == 1.0


def test_without_schema_mostly_numeric_text_counts_stray_values_invalid() -> None:
    table = pa.table({"amount": [str(i) for i in range(19)] + ["n/a"]})
    assert calculate_quality_metrics(table).validity_score == pytest.approx(19 / 20)


def test_nan_counts_as_missing() -> None:
    m = calculate_quality_metrics(pa.table({"x": [1.0, float("nan"), None, 4.0]}))
    assert m.field_statistics["x"].null_count == 2
    assert m.completeness_score == pytest.approx(0.5)
    assert m.distribution_analysis["x"].mean == pytest.approx(2.5)


@pytest.mark.parametrize(
    ("field", "values", "valid"),
    [
        ({"type": "integer", "constraints": {"min": 0, "max": 10}}, [0, 10, 11, -1], 2),
        ({"type": "float", "constraints": {"min": 0.5}}, [0.5, 0.49, 3.0, 9.9], 3),
        ({"type": "integer"}, ["1", "2", "x", "3.5"], 2),
        (
            {"type": "uuid"},
            ["123e4567-e89b-12d3-a456-426614174000", "123", "", "ZZZe4567-e89b-12d3-a456-426614174000"],
            1,
        ),
        ({"type": "ipv4"}, ["192.0.2.1", "256.0.0.1", "10.0.0", "203.0.113.255"], 2),
        ({"type": "boolean"}, ["true", "no", "maybe", "1"], 3),
        (
            {"type": "pattern", "constraints": {"pattern": "MRN[0-9]{4}"}},
            ["MRN1234", "MRN12345", "mrn1234", "MRN0000"],
            2,
        ),
        ({"type": "string", "constraints": {"pattern": r"(\w)\1"}}, ["aa", "ab", "cc", "de"], 2),
        ({"type": "string", "constraints": {"min_length": 2, "max_length": 3}}, ["a", "ab", "abc", "abcd"], 2),
        (
            {"type": "date", "constraints": {"min": "2024-01-01", "max": "2024-12-31"}},
            ["2024-01-01", "2024-12-31", "2025-01-01", "bad"],
            2,
        ),
        (
            {"type": "date", "constraints": {"format": "%d/%m/%Y"}},
            ["31/12/2024", "2024-12-31", "01/01/2020", "32/01/2020"],
            2,
        ),
        (
            {"type": "datetime", "constraints": {"max": "2024-06-01T00:00:00"}},
            ["2024-05-31T23:59:59Z", "2024-06-01 00:00:01", "2024-01-01T10:00", "x"],
            2,
        ),
        ({"type": "integer", "constraints": {"enum": [1, 2]}}, [1, 2, 3, 2], 3),
        ({"type": "email", "constraints": {"nullable": True}}, ["a@example.com", None, "x@", None], 3),
    ],
)
def test_validity_per_constraint(field: dict[str, Any], values: list[Any], valid: int) -> None:
    table = pa.table({"v": values})
    m = calculate_quality_metrics(table, schema=_schema({"name": "v", **field}))
    assert m.validity_score == pytest.approx(valid / len(values))


def test_missing_schema_column_is_invalid() -> None:
    schema = _schema({"name": "a", "type": "integer"}, {"name": "b", "type": "integer"})
    m = calculate_quality_metrics(pa.table({"a": [1, 2]}), schema=schema)
    assert m.validity_score == pytest.approx(0.5)


def test_missing_schema_column_is_reported_per_field() -> None:
    # Validity 0.5 must be explainable from the output: the absent field is listed with every value invalid.
    from sdga.cli.quality import metrics_markdown
    from sdga.models import QualityMetricsResponse

    schema = _schema({"name": "a", "type": "integer"}, {"name": "b", "type": "integer"})
    m = calculate_quality_metrics(pa.table({"a": [1, 2]}), schema=schema)
    assert m.field_statistics["b"].invalid_count == 2 and m.field_statistics["b"].null_count == 2
    assert m.field_statistics["a"].invalid_count == 0
    assert m.completeness_score == 1.0  # completeness is about the data's own cells
    report = metrics_markdown(QualityMetricsResponse(metrics=m, analysis_time_ms=1.0), "data.csv")
    assert "| b | 2 | 0 | - | - | - | 2 |" in report


def test_statistics_match_numpy_on_generated_data() -> None:
    rng = np.random.default_rng(11)
    n = 50_000
    x = rng.normal(100, 15, n)
    x[rng.random(n) < 0.05] = np.nan
    k = rng.integers(0, 1000, n)
    words = rng.choice(np.array(["alpha", "be", "gamma", "delta"]), n)
    table = pa.table({"x": pa.array(x, from_pandas=True), "k": k, "w": words})
    m = calculate_quality_metrics(table)
    finite = x[np.isfinite(x)]
    dx = m.distribution_analysis["x"]
    assert dx.mean == pytest.approx(finite.mean(), rel=1e-9)
    assert dx.median == pytest.approx(np.median(finite), rel=1e-9)
    assert dx.std_dev == pytest.approx(finite.std(ddof=1), rel=1e-9)
    assert m.field_statistics["x"].null_count == int(np.isnan(x).sum())
    assert m.field_statistics["k"].unique_count == np.unique(k).size
    assert m.field_statistics["w"].avg_length == pytest.approx(np.char.str_len(words.astype(str)).mean())
    assert m.completeness_score == pytest.approx(1 - np.isnan(x).sum() / (3 * n))
    assert dx.distribution_type == "normal"
    assert m.distribution_analysis["k"].distribution_type == "uniform"


def test_multi_table_aggregates_and_checks_references(tmp_path: Path) -> None:
    users = pa.table({"id": [1, 2, 3], "email": ["a@example.com", "b@example.com", "c@example.com"]})
    orders = pa.table({"id": [10, 11, 12, 13], "user_id": [1, 2, 9, None], "total": [5.0, 6.0, 7.0, 8.0]})
    pq.write_table(users, tmp_path / "users.parquet")
    orders_csv = "id,user_id,total\n10,1,5.0\n11,2,6.0\n12,9,7.0\n13,,8.0\n"
    (tmp_path / "orders.csv").write_text(orders_csv)
    schema = Schema.model_validate(
        {
            "tables": [
                {
                    "name": "users",
                    "fields": [
                        {"name": "id", "type": "integer", "primary_key": True},
                        {"name": "email", "type": "email"},
                    ],
                },
                {
                    "name": "orders",
                    "fields": [
                        {"name": "id", "type": "integer", "primary_key": True},
                        {
                            "name": "user_id",
                            "type": "reference",
                            "references": "users.id",
                            "constraints": {"nullable": True},
                        },
                        {"name": "total", "type": "float"},
                    ],
                },
            ]
        }
    )
    m = calculate_quality_metrics(tmp_path, schema=schema)
    assert m.tables is not None and set(m.tables) == {"users", "orders"}
    # orders.user_id = 9 has no parent: 11 valid of 12 cells in orders, 6 of 6 in users
    assert m.tables["orders"].validity_score == pytest.approx(11 / 12)
    assert m.validity_score == pytest.approx(17 / 18)
    assert m.completeness_score == pytest.approx(17 / 18)
    assert m.row_count == 7
    assert "orders.total" in m.distribution_analysis and "users.email" in m.field_statistics
    assert orders.num_rows == 4


def test_nested_struct_columns_get_statistics() -> None:
    table = pa.table({"http": pa.array([{"status": 200, "path": "/a"}, {"status": 404, "path": "/bb"}])})
    m = calculate_quality_metrics(table)
    assert m.field_statistics["http.status"].max_value == 404
    assert m.field_statistics["http.path"].avg_length == pytest.approx(2.5)


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl", "json", "xml"])
def test_engine_output_is_valid_against_its_own_schema(tmp_path: Path, fmt: str) -> None:
    from sdga.engine.templates import get_template
    from sdga.generation import generate_to_path
    from sdga.models import GenerateDataRequest

    schema = get_template("user_profile")
    request = GenerateDataRequest.model_validate(
        {
            "data_type": "user_profile",
            "volume": 3000,
            "output_format": fmt,
            "seed": 5,
        }
    )
    out = tmp_path / f"users.{fmt}"
    generate_to_path(request, out)
    m = calculate_quality_metrics(out, schema=schema)
    assert m.row_count == 3000
    assert m.validity_score == pytest.approx(1.0), m.field_statistics
    assert m.uniqueness_score == pytest.approx(1.0)


def test_every_engine_type_is_valid_against_its_own_field() -> None:
    """Each generator's output passes the validity check of a field of that type (formats agree)."""
    from sdga.engine import iter_batches, plan_generation
    from sdga.engine.fields import REGISTRY
    from sdga.models import GenerateDataRequest

    skipped = {"object", "array", "reference", "category", "pattern", "json"}
    needs = {"phrase": {"format": "ticket_subject"}}  # types that cannot be generated without a constraint
    for name in sorted(set(REGISTRY) - skipped):
        document = {"fields": [{"name": "v", "type": name, "constraints": needs.get(name, {})}]}
        plan = plan_generation(GenerateDataRequest.model_validate({"schema": document, "volume": 500, "seed": 4}))
        table = pa.Table.from_batches(list(iter_batches(plan, plan.tables[0].name)))
        metrics = calculate_quality_metrics(table, schema=Schema.model_validate(document))
        assert metrics.validity_score == 1.0, (name, table["v"].to_pylist()[:3])


def test_sample_columns_match_an_inferred_schema() -> None:
    from sdga.quality import infer_schema

    rng = np.random.default_rng(5)
    sample = pa.table({"First Name": rng.choice(["Ann", "Bo"], 200), "Order Total": rng.gamma(2.0, 10.0, 200)})
    schema = infer_schema(sample)
    assert {f.name for f in schema.fields or []} == {"first_name", "order_total"}
    m = calculate_quality_metrics(sample, schema=schema)
    assert m.validity_score == pytest.approx(1.0)
    assert m.field_statistics["Order Total"].invalid_count == 0


ODD_COLUMNS = {
    "list": pa.array([[1], [2, 3], None] * 4),
    "struct": pa.array([{"a": 1}, {"a": 2}, None] * 4),
    "binary": pa.array([b"x", b"y", None] * 4),
    "duration": pa.array([timedelta(days=1), timedelta(hours=2), None] * 4),
    "dictionary": pa.array(["a", "b", None] * 4).dictionary_encode(),
    "all_null": pa.array([None] * 12),
    "constant_date": pa.array([date(2024, 1, 1)] * 12),
}


@pytest.mark.parametrize("column", sorted(ODD_COLUMNS))
@pytest.mark.parametrize("declared", ["integer", "email", "date", "array", "boolean", "category"])
def test_odd_column_types_never_crash(column: str, declared: str) -> None:
    from sdga.quality import compare_to_reference, infer_schema

    table = pa.table({"v": ODD_COLUMNS[column], "k": list(range(12))})
    constraints: dict[str, Any] = {"enum": ["a", "b"]} if declared == "category" else {"min_length": 1}
    field: dict[str, Any] = {"name": "v", "type": declared, "constraints": constraints}
    if declared == "array":
        field["items"] = {"name": "item", "type": "integer"}
    m = calculate_quality_metrics(table, schema=_schema(field, {"name": "k", "type": "integer"}))
    assert 0.0 <= m.validity_score <= 1.0
    assert compare_to_reference(table, table).overall_score in (None, 1.0)
    assert infer_schema(table).fields


def test_date_bound_at_the_end_of_the_calendar_is_measured() -> None:
    """A max of 9999-12-31 used to overflow ('the whole last day' was computed by adding a day)."""
    table = pa.table({"d": [date(2020, 1, 1), date(9999, 12, 31), date(1999, 5, 5)]})
    schema = _schema({"name": "d", "type": "date", "constraints": {"min": "2000-01-01", "max": "9999-12-31"}})
    m = calculate_quality_metrics(table, schema=schema)
    assert m.validity_score == pytest.approx(2 / 3)  # 1999-05-05 is below the minimum


def test_a_conditional_field_is_valid_when_null_where_its_condition_fails() -> None:
    """``when`` without ``otherwise`` is null by design where the condition does not hold; a null in a plain
    non-nullable field is still invalid."""
    schema = Schema.model_validate(
        {
            "fields": [
                {"name": "kind", "type": "category", "constraints": {"enum": ["card", "cash"]}},
                {"name": "card_number", "type": "string", "when": "kind == 'card'"},
                {"name": "note", "type": "string"},
            ]
        }
    )
    data = pa.table(
        {
            "kind": ["card", "cash", "cash", "card"],
            "card_number": ["4242", None, None, "4000"],
            "note": ["a", "b", "c", "d"],
        }
    )
    assert calculate_quality_metrics(data, schema=schema).validity_score == 1.0
    broken = data.set_column(2, "note", pa.array(["a", None, "c", "d"]))
    metrics = calculate_quality_metrics(broken, schema=schema)
    assert metrics.validity_score < 1.0 and metrics.field_statistics["note"].invalid_count == 1
