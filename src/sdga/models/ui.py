"""Shapes the web UI reads: the field-type catalogue, a schema's preview rows, the charted quality report.

They are ordinary API models (in the OpenAPI document like every other), so a script can use the same
preview or report the page shows.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field as PydField

from sdga.models.common import ComplianceRequirement, StrictModel
from sdga.models.metrics import QualityMetrics
from sdga.models.schema import Schema

MAX_PREVIEW_ROWS = 100


class FieldTypeInfo(StrictModel):
    """One field type a schema can use, with an example value."""

    name: str
    category: str
    description: str
    arrow_type: str = PydField(description="The column type it produces ('depends on the field' for some).")
    unique: bool = PydField(description="Whether the type can be asked for unique values.")
    example: str | None = None


class PreviewRequest(StrictModel):
    """The first rows of a schema, generated in memory (nothing stored, nothing recorded)."""

    schema_: Schema = PydField(alias="schema")
    rows: int = PydField(default=25, ge=1, le=MAX_PREVIEW_ROWS, description="Rows per table.")
    volume: int | None = PydField(
        default=None, ge=1, description="The volume the run will use (capacities and child counts follow it)."
    )
    seed: int | None = PydField(
        default=None, ge=0, le=2**63 - 1, description="Same schema and seed, same rows; also the run's first rows."
    )
    locale: str = "en_US"
    compliance_requirements: list[ComplianceRequirement] = PydField(default_factory=list)


class PreviewTable(StrictModel):
    name: str
    columns: list[str]
    rows: list[dict[str, Any]]


class PreviewResponse(StrictModel):
    seed: int = PydField(description="The seed used (send it again for the same rows).")
    tables: list[PreviewTable]
    warnings: list[str] = PydField(default_factory=list)
    elapsed_ms: float


class ChartSpec(StrictModel):
    """One chart of a quality report: a Vega-Lite specification with its data inlined."""

    id: str
    title: str
    kind: str = PydField(description="histogram, bars, heatmap, scores or overlay.")
    table: str | None = None
    column: str | None = None
    spec: dict[str, Any] = PydField(description="Vega-Lite v6 specification (data inlined).")


class QualityReport(StrictModel):
    """The quality metrics with charts: per-column distributions, correlations and, given a reference,
    real-vs-synthetic overlays and the fidelity scores."""

    title: str
    generation_id: str | None = None
    source: str | None = None
    reference: str | None = None
    metrics: QualityMetrics
    charts: list[ChartSpec] = PydField(default_factory=list)
    analysis_time_ms: float = 0.0


class UploadResponse(StrictModel):
    """A file stored for later use as ``data_location`` or ``reference_location``."""

    location: str
    filename: str
    size: int
