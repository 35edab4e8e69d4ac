"""generate_to_path (engine → writers → response) and the markdown generation report."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sdga.errors import CapacityError, InvalidInputError, SchemaError
from sdga.generation import generate_to_path
from sdga.models import (
    DistributionAnalysis,
    DistributionType,
    FieldStatistics,
    GenerateDataRequest,
    GenerateDataResponse,
    GenerationStatus,
    QualityMetrics,
)
from sdga.pipeline import measure
from sdga.report import render_report


def _request(**kw: object) -> GenerateDataRequest:
    return GenerateDataRequest.model_validate({"data_type": "transaction", "volume": 300, "seed": 5, **kw})


def test_multi_table_template_to_directory(tmp_path: Path) -> None:
    ticks: list[tuple[str, int]] = []
    response = generate_to_path(
        _request(output_format="parquet"),
        tmp_path / "tx",
        batch_size=64,
        progress=lambda t, n: ticks.append((t, n)),
        metrics=True,
    )
    assert response.status == GenerationStatus.SUCCESS
    assert len(response.records_per_table) >= 2
    assert response.records_generated == sum(response.records_per_table.values())
    assert {Path(p).name for p in response.output_files} == {f"{t}.parquet" for t in response.records_per_table}
    for name, count in response.records_per_table.items():
        assert pq.read_table(tmp_path / "tx" / f"{name}.parquet").num_rows == count
        assert sum(n for t, n in ticks if t == name) == count
    assert response.seed == 5 and response.output_location == str(tmp_path / "tx")
    metrics = response.data_quality_metrics
    assert metrics is not None and metrics.tables is not None and set(metrics.tables) == set(response.records_per_table)


def test_metrics_sample_is_bounded_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(measure, "METRICS_SAMPLE_ROWS", 100)
    response = generate_to_path(
        GenerateDataRequest(data_type="user_profile", volume=1000, seed=1, output_format="csv"),
        tmp_path / "u.csv",
        batch_size=64,
        metrics=True,
    )
    assert response.data_quality_metrics is not None
    assert response.data_quality_metrics.row_count == 100
    assert any("first 100 rows" in w for w in response.warnings)


def test_no_metrics_by_default_and_warnings_copied(tmp_path: Path) -> None:
    response = generate_to_path(
        GenerateDataRequest(data_type="log_event", volume=50, output_format="jsonl"),
        tmp_path / "log.jsonl",
        warnings=["from the caller"],
    )
    assert response.data_quality_metrics is None and "from the caller" in response.warnings
    assert len((tmp_path / "log.jsonl").read_text().splitlines()) == 50


def test_a_metrics_failure_does_not_fail_a_written_generation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The data is already published when metrics run: a bug there is a warning, not a failed run."""
    import sdga.quality

    def broken(*_a: object, **_k: object) -> None:
        raise OverflowError("date value out of range")

    monkeypatch.setattr(sdga.quality, "calculate_quality_metrics", broken)
    response = generate_to_path(
        GenerateDataRequest(data_type="log_event", volume=20, output_format="jsonl"),
        tmp_path / "log.jsonl",
        metrics=True,
    )
    assert response.status == GenerationStatus.SUCCESS and response.data_quality_metrics is None
    assert any("quality metrics unavailable" in w and "date value out of range" in w for w in response.warnings)
    assert len((tmp_path / "log.jsonl").read_text().splitlines()) == 20


def test_unwritable_output_fails_before_generating(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InvalidInputError):
        generate_to_path(_request(output_format="csv"), blocker / "x")
    with pytest.raises(InvalidInputError, match="not a directory"):
        generate_to_path(_request(output_format="csv"), blocker)  # several tables need a directory
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_schema_errors_write_nothing(tmp_path: Path) -> None:
    capacity = {"fields": [{"name": "b", "type": "boolean", "constraints": {"unique": True}}]}
    with pytest.raises(CapacityError, match="b"):
        generate_to_path(GenerateDataRequest.model_validate({"schema": capacity, "volume": 3}), tmp_path / "x.csv")
    broken = {"fields": [{"name": "r", "type": "reference", "references": "nowhere.id"}]}
    with pytest.raises(SchemaError):
        generate_to_path(GenerateDataRequest.model_validate({"schema": broken, "volume": 3}), tmp_path / "y.csv")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------- report


def _response(**kw: object) -> GenerateDataResponse:
    base: dict[str, object] = {
        "generation_id": "7f1d1f0e-0000-4000-8000-000000000001",
        "status": "success",
        "records_generated": 1500,
        "output_location": "out/shop",
        "execution_time_ms": 1234.5,
        "records_per_table": {"users": 500, "orders": 1000},
        "output_files": ["out/shop/users.csv", "out/shop/orders.csv"],
        "seed": 9,
    }
    base.update(kw)
    return GenerateDataResponse.model_validate(base)


def test_report_has_the_spec_items() -> None:
    metrics = QualityMetrics(
        uniqueness_score=0.99,
        validity_score=1.0,
        completeness_score=0.95,
        row_count=1500,
        distribution_analysis={
            "age": DistributionAnalysis(mean=40.2, median=40, std_dev=12.1, distribution_type=DistributionType.NORMAL)
        },
        field_statistics={"note": FieldStatistics(null_count=3, unique_count=10, min_value="a|b\nc", max_value="z")},
    )
    text = render_report(
        _response(data_quality_metrics=metrics, warnings=["careful"], errors=["bad thing"]),
        _request(output_format="sql", sql_dialect="mysql", compliance_requirements=["GDPR"]),
    )
    for needle in (
        "7f1d1f0e-0000-4000-8000-000000000001",  # id
        "| Status | **success** |",
        "| Records generated | 1,500 |",
        "| Execution time | 1.23 s |",
        "| Output location | `out/shop` |",
        "| Uniqueness | 0.9900 (99.0%) |",
        "| Validity | 1.0000 (100.0%) |",
        "| Completeness | 0.9500 (95.0%) |",
        "| age | 40.2 | 40 | 12.1 | normal |",
        "| orders | 1,000 |",
        "- `out/shop/users.csv`",
        "| Output format | sql (mysql) |",
        "| Compliance | GDPR |",
        "## Errors",
        "- bad thing",
        "## Warnings",
        "- careful",
        "records/s",
    ):
        assert needle in text, needle
    assert "a\\|b c" in text  # a cell never breaks the table


def test_report_for_failure_without_request() -> None:
    text = render_report(
        _response(status="failed", records_generated=0, execution_time_ms=12, records_per_table={}, output_files=[])
    )
    assert "| Status | **failed** |" in text and "| Execution time | 12 ms |" in text
    assert "records/s" not in text and "## Quality metrics" not in text


def test_report_escapes_paths_with_pipes_and_backticks() -> None:
    """Paths are user input: a `|` must not split the table row, a backtick must not end the code span."""
    import re

    text = render_report(
        _response(output_location="out/a|b", report_location="r`x|.json", output_files=["out/a|b/users.csv"]),
        _request(),
    )
    rows = {line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| ")}
    for label in ("Output location", "Report"):
        cells = re.split(r"(?<!\\)\|", rows[label])
        assert len(cells) == 4, rows[label]
    assert "| Output location | `out/a\\|b` |" in text
    assert "| Report | ``r`x\\|.json`` |" in text
    assert "- `out/a|b/users.csv`" in text  # outside a table a pipe needs no escape
