"""calculate_quality_metrics: request and response (SPEC.md, action 3)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, model_validator
from pydantic import Field as PydField

from sdga.models.common import GenerationId, StrictModel
from sdga.models.schema import Schema


class DistributionType(StrEnum):
    NORMAL = "normal"
    UNIFORM = "uniform"
    SKEWED = "skewed"
    BIMODAL = "bimodal"


class DistributionAnalysis(StrictModel):
    mean: float | None = None
    median: float | None = None
    std_dev: float | None = None
    distribution_type: DistributionType | None = None


class FieldStatistics(StrictModel):
    null_count: int = 0
    unique_count: int = 0
    min_value: Any | None = None
    max_value: Any | None = None
    avg_length: float | None = None
    invalid_count: int | None = PydField(
        default=None, description="Values breaking a constraint of the schema (only when a schema is given)."
    )


class FidelityReport(StrictModel):
    """SDMetrics-compatible fidelity and privacy scores against a reference data set."""

    column_shapes: float | None = None
    column_pair_trends: float | None = None
    overall_score: float | None = None
    column_scores: dict[str, float] = PydField(default_factory=dict)
    pair_scores: dict[str, float] = PydField(
        default_factory=dict,
        description="Pairs with a trend in the reference (|Pearson r| > 0.5, else Cramér's V > 0.3), as SDMetrics "
        "counts them, and their scores; column_pair_trends is their mean.",
    )
    cardinality: float | None = PydField(
        default=None, description="Multi-table: mean KS complement of children-per-parent counts per reference."
    )
    cardinality_scores: dict[str, float] = PydField(default_factory=dict)
    intertable_trends: float | None = PydField(
        default=None,
        description="Multi-table: mean pair trend between a parent's columns and its children's, joined by reference.",
    )
    intertable_scores: dict[str, float] = PydField(default_factory=dict)
    exact_copy_rate: float | None = PydField(
        default=None, description="Share of synthetic rows identical to some reference row."
    )
    dcr_median: float | None = PydField(default=None, description="Median distance to closest record.")
    dcr_baseline_protection: float | None = None
    pairs_scored: int = PydField(
        default=0, description="Column pairs examined (within tables and across references) for the pair trends."
    )
    pairs_total: int = PydField(default=0, description="Column pairs there are; more than pairs_scored when sampled.")
    pairs_sampled: bool = PydField(
        default=False,
        description="True when the pairs were a seeded sample (at most SDGA_METRICS_MAX_PAIRS per table or "
        "reference), not all of them.",
    )


class CoherenceRule(StrictModel):
    """One declared rule checked on the data: how many rows it applies to, how many break it, examples."""

    rule: str = PydField(description='The rule, e.g. "orders.total == sum(order_items.line_total)".')
    table: str
    field: str
    kind: str = PydField(
        description="expression, when, after, min_expr, max_expr, reference, ordered, state_machine or tree."
    )
    checked: int = PydField(default=0, description="Rows the rule applies to.")
    violations: int = 0
    examples: list[dict[str, Any]] = PydField(default_factory=list, description="Some breaking rows (fields involved).")
    skipped: str | None = PydField(default=None, description="Why the rule could not be checked on this data.")


class CoherenceReport(StrictModel):
    """The schema's relations (derived fields, conditions, time order, bounds, references, sequences) on the data."""

    score: float | None = PydField(default=None, ge=0, le=1, description="Share of rule checks that hold.")
    rules: list[CoherenceRule] = PydField(default_factory=list)
    error: str | None = PydField(default=None, description="Why no rule could be checked (e.g. a bad rule).")


class QualityMetrics(StrictModel):
    uniqueness_score: float = PydField(ge=0, le=1)
    validity_score: float = PydField(ge=0, le=1)
    completeness_score: float = PydField(ge=0, le=1)
    distribution_analysis: dict[str, DistributionAnalysis] = PydField(default_factory=dict)
    field_statistics: dict[str, FieldStatistics] = PydField(default_factory=dict)
    row_count: int | None = None
    tables: dict[str, QualityMetrics] | None = PydField(
        default=None, description="Per-table metrics for multi-table data; the top level aggregates them."
    )
    fidelity: FidelityReport | None = None
    coherence: CoherenceReport | None = PydField(
        default=None, description="Declared rules of the schema checked on the data, with violations per rule."
    )


class QualityMetricsRequest(StrictModel):
    """Measure a generation (``generation_id``) or files (``data_location``): at least one of them."""

    model_config = ConfigDict(
        **StrictModel.model_config,
        json_schema_extra={
            "anyOf": [
                {"required": ["generation_id"], "properties": {"generation_id": {"type": "string"}}},
                {"required": ["data_location"], "properties": {"data_location": {"type": "string"}}},
            ]
        },
    )

    generation_id: GenerationId | None = None
    data_location: str | None = PydField(default=None, min_length=1)
    schema_: Schema | None = PydField(default=None, alias="schema")
    reference_location: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> QualityMetricsRequest:
        if not self.generation_id and not self.data_location:
            raise ValueError("give a generation_id or a data_location")
        return self


class QualityMetricsResponse(StrictModel):
    generation_id: str | None = None
    metrics: QualityMetrics
    analysis_time_ms: float


QualityMetrics.model_rebuild()
