"""generate_synthetic_data: request and response (SPEC.md, action 1)."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import ConfigDict, StrictBool, model_validator
from pydantic import Field as PydField

from sdga.models.common import (
    ComplianceRequirement,
    DataType,
    DestinationType,
    GenerationStatus,
    OutputFormat,
    SqlDialect,
    StrictModel,
)
from sdga.models.metrics import QualityMetrics
from sdga.models.schema import Schema

MAX_VOLUME = 1_000_000_000
SUPPORTED_LOCALES: tuple[str, ...] = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pt_BR")


class Destination(StrictModel):
    type: DestinationType = DestinationType.LOCAL
    location: str | None = PydField(
        default=None,
        description=(
            "local: file or directory path; s3: s3://bucket/prefix; rds: SQLAlchemy URL "
            "(postgresql+psycopg://... or mysql+pymysql://...); inline: unused."
        ),
    )
    if_exists: Literal["fail", "replace", "append"] = PydField(
        default="fail",
        description=(
            "What to do when the destination already holds data. rds: per table (fail, replace, append). "
            "s3 with a location: 'fail' refuses a prefix that holds objects, 'replace' overwrites them."
        ),
    )


class GenerateDataRequest(StrictModel):
    """A generation: a template (``data_type``) or your own ``schema``; ``custom``, the default, needs a schema."""

    model_config = ConfigDict(
        **StrictModel.model_config,
        json_schema_extra={
            "anyOf": [
                {"required": ["schema"], "properties": {"schema": {"type": "object"}}},
                {
                    "required": ["data_type"],
                    "properties": {"data_type": {"enum": ["user_profile", "transaction", "log_event"]}},
                },
            ]
        },
    )

    data_type: DataType = DataType.CUSTOM
    volume: int = PydField(default=1000, ge=1, le=MAX_VOLUME, description="Records (per table by default).")
    schema_: Schema | None = PydField(
        default=None,
        alias="schema",
        description="Omit to use the template for data_type (user_profile, transaction, log_event).",
    )
    compliance_requirements: list[ComplianceRequirement] = PydField(default_factory=list)
    output_format: OutputFormat = OutputFormat.JSON
    destination: Destination = PydField(default_factory=Destination)
    # --- extensions -------------------------------------------------------------------------------
    seed: int | None = PydField(default=None, ge=0, le=2**63 - 1, description="Same seed, same bytes.")
    locale: str = PydField(default="en_US", description=f"One of {', '.join(SUPPORTED_LOCALES)}.")
    sql_dialect: SqlDialect = SqlDialect.POSTGRESQL
    allow_compliance_violations: StrictBool = PydField(
        default=False,
        description="Generate even when compliance checks report errors (recorded as warnings).",
    )
    engine: str | None = PydField(
        default=None,
        min_length=1,
        max_length=40,
        pattern=r"^[A-Za-z][A-Za-z0-9_-]*$",
        description=(
            "How the rows are produced: 'local' (this machine, in-process or worker processes). Default: the "
            "deployment's engine (SDGA_ENGINE, normally 'local'). Any engine gives the same rows for one seed."
        ),
    )

    @model_validator(mode="after")
    def _schema_or_template(self) -> GenerateDataRequest:
        if self.schema_ is None and self.data_type == DataType.CUSTOM:
            raise ValueError("data_type 'custom' needs a schema; or pick user_profile, transaction, log_event")
        return self


class GenerateDataResponse(StrictModel):
    generation_id: str = PydField(default_factory=lambda: str(uuid.uuid4()))
    status: GenerationStatus
    records_generated: int = 0
    output_location: str | None = None
    data_quality_metrics: QualityMetrics | None = None
    execution_time_ms: float = 0.0
    errors: list[str] = PydField(default_factory=list)
    warnings: list[str] = PydField(default_factory=list)
    # --- extensions -------------------------------------------------------------------------------
    records_per_table: dict[str, int] = PydField(default_factory=dict)
    output_files: list[str] = PydField(default_factory=list)
    seed: int | None = None
    report_location: str | None = None
    data: dict[str, list[dict[str, Any]]] | None = PydField(
        default=None, description="inline destination only: the rows, truncated past the size limit."
    )
