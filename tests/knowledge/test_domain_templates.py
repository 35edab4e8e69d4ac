"""Every domain template generates: small volume, all tables, keys intact, values valid and safe."""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from sdga.engine.templates import get_template, list_templates
from sdga.generation import generate_to_path
from sdga.models import ComplianceRequirement, GenerateDataRequest, GenerationStatus, OutputFormat
from sdga.quality import calculate_quality_metrics
from sdga.validation import validate_schema

DOMAINS = ("ecommerce", "healthcare", "finance", "banking", "observability", "iot", "hr", "saas")
SAFE_EMAIL = (".test", ".example", ".invalid", "example.com", "example.net", "example.org")


def test_engine_lists_the_domain_templates() -> None:
    names = {t.name for t in list_templates()}
    assert set(DOMAINS) <= names


@pytest.mark.parametrize("domain", DOMAINS)
def test_domain_template_generates(domain: str, tmp_path: Path) -> None:
    schema = get_template(domain)
    checked = validate_schema(schema, list(ComplianceRequirement), volume=40)
    assert checked.valid, checked.errors
    request = GenerateDataRequest(
        data_type="custom", volume=40, schema=schema, output_format=OutputFormat.PARQUET, seed=7
    )
    response = generate_to_path(request, tmp_path / domain)
    assert response.status == GenerationStatus.SUCCESS, response.errors
    tables = {Path(f).stem: pq.read_table(f) for f in response.output_files if f.endswith(".parquet")}
    assert set(tables) == {t.name for t in schema.table_list()}
    assert all(t.num_rows > 0 for t in tables.values())
    for spec in schema.table_list():
        for f in spec.fields:
            col = tables[spec.name].column(f.name)
            if f.type == "reference" and f.references:
                parent, key = f.references.split(".")
                keys = set(tables[parent].column(key).to_pylist())
                assert set(col.drop_null().to_pylist()) <= keys, f"{spec.name}.{f.name} breaks referential integrity"
            if f.constraints.unique:
                assert pc.count_distinct(col).as_py() == len(col.drop_null()), f"{spec.name}.{f.name} not unique"
            if f.type == "email":
                assert all(str(v).endswith(SAFE_EMAIL) for v in col.drop_null().to_pylist())
            if f.type == "ssn":
                assert all(900 <= int(str(v)[:3]) <= 999 for v in col.drop_null().to_pylist())
            if f.constraints.enum and f.type == "category":
                assert set(col.drop_null().to_pylist()) <= set(f.constraints.enum)
    metrics = calculate_quality_metrics(tables, schema=schema)
    assert metrics.validity_score >= 0.99 and metrics.completeness_score > 0.75  # some columns are nullable on purpose
