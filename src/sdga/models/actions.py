"""The actions agents call, by name, with the models their arguments and results are.

Every agent-facing door offers these under the same names — the MCP server's tools, the Amazon Bedrock
AgentCore gateway's Lambda targets, the Converse agent's tools — so a model that knows one door knows
them all. Their argument and result schemas are the request and response models themselves (the same
ones the OpenAPI documents are generated from): there is no second definition to drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from sdga.models.common import GenerationId, StrictModel
from sdga.models.generation import GenerateDataRequest, GenerateDataResponse
from sdga.models.metrics import QualityMetricsRequest, QualityMetricsResponse
from sdga.models.validation import ValidateSchemaRequest, ValidateSchemaResponse

GENERATE = "generate_synthetic_data"
VALIDATE = "validate_schema"
METRICS = "calculate_quality_metrics"
STATUS = "get_generation_status"


class GenerationStatusRequest(StrictModel):
    generation_id: GenerationId


@dataclass(frozen=True)
class Action:
    """One action: its name, a title and description for people and models, and its models."""

    name: str
    title: str
    description: str
    request: type[BaseModel]
    response: type[BaseModel]

    def input_schema(self) -> dict[str, Any]:
        """The JSON Schema of the arguments: the request model's own (aliases, e.g. ``schema``)."""
        schema: dict[str, Any] = self.request.model_json_schema(by_alias=True, mode="validation")
        return schema

    def output_schema(self) -> dict[str, Any]:
        """The JSON Schema of the result: the response model's serialisation schema."""
        schema: dict[str, Any] = self.response.model_json_schema(by_alias=True, mode="serialization")
        return schema


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action(
            GENERATE,
            "Generate synthetic data",
            "Generate realistic, safe synthetic test data from a schema or a template (data_type) and write it to "
            "the destination. The schema is validated first, including the compliance regimes asked for; invalid "
            "requests are refused with the reasons. Personal data is never real (reserved e-mail domains, "
            "fictional phone ranges, never-issued SSNs, test card numbers). Returns generation_id, status, records, "
            "output location, quality metrics and warnings. Large requests run in the background: poll "
            f"{STATUS}.",
            GenerateDataRequest,
            GenerateDataResponse,
        ),
        Action(
            VALIDATE,
            "Validate a schema",
            "Check a schema before generating: field types, constraints, references between tables, whether unique "
            "fields can hold the planned volume, and compliance checks (GDPR, HIPAA, PCI-DSS, SOC2, CCPA). Returns "
            "valid, errors with their fields, suggestions and compliance issues with fixes. Nothing is generated.",
            ValidateSchemaRequest,
            ValidateSchemaResponse,
        ),
        Action(
            METRICS,
            "Calculate quality metrics",
            "Measure generated data: uniqueness, validity against the schema, completeness, distributions and "
            "per-field statistics, and fidelity and privacy scores against a reference data set when "
            "reference_location is given. Measures a generation by generation_id or files at data_location.",
            QualityMetricsRequest,
            QualityMetricsResponse,
        ),
        Action(
            STATUS,
            "Generation status",
            "Status and result of an earlier generation by generation_id: pending, running (with records so far), "
            "success, partial or failed with the reason.",
            GenerationStatusRequest,
            GenerateDataResponse,
        ),
    )
}

__all__ = ["ACTIONS", "GENERATE", "METRICS", "STATUS", "VALIDATE", "Action", "GenerationStatusRequest"]
