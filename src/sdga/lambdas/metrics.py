"""Metrics Lambda (512 MB, 120 s): action group ``quality-metrics-actions``, the HTTP metrics route and the
AgentCore gateway tool ``calculate_quality_metrics``."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from sdga.lambdas.responses import ok, typed
from sdga.lambdas.results import quality_metrics
from sdga.lambdas.runtime import get_service, publish_metrics, tracer
from sdga.lambdas.sources import EventRouter
from sdga.lambdas.sources.agentcore import AgentCoreSource, Tool
from sdga.lambdas.sources.bedrock import BedrockAgentSource, make_bedrock_app
from sdga.lambdas.sources.http import HttpApiSource, json_body, make_http_app
from sdga.lambdas.values import parse_structured
from sdga.models import QualityMetricsRequest, QualityMetricsResponse
from sdga.models.actions import ACTIONS, METRICS
from sdga.schema_io import to_model

ACTION_GROUP = "quality-metrics-actions"
METRICS_PATH = "/api/v1/synthetic-data/quality-metrics"
MAX_FIELDS = 40


class BedrockMetricsBody(BaseModel):
    """Flat request body for the agent: which data to measure."""

    generation_id: str | None = Field(default=None, description="UUID of a generation to measure.")
    data_location: str | None = Field(
        default=None, description="Or: an S3 URI (s3://bucket/prefix) of data files (csv, json, jsonl, parquet)."
    )
    reference_location: str | None = Field(
        default=None, description="Optional S3 URI of real/reference data to compare fidelity against."
    )
    schema_: str | None = Field(
        default=None, alias="schema", description="Optional JSON-encoded schema to check validity against."
    )


def bedrock_to_request(body: BedrockMetricsBody) -> QualityMetricsRequest:
    data: dict[str, Any] = {
        k: v.strip()
        for k, v in {
            "generation_id": body.generation_id,
            "data_location": body.data_location,
            "reference_location": body.reference_location,
        }.items()
        if v and v.strip()
    }
    schema = parse_structured(body.schema_, "schema")
    if schema is not None:
        data["schema"] = {"fields": schema} if isinstance(schema, list) else schema
    return to_model(QualityMetricsRequest, data, what="quality-metrics request")


def _measure(request: QualityMetricsRequest) -> QualityMetricsResponse:
    result: QualityMetricsResponse = get_service().quality_metrics(request)
    quality_metrics(result.metrics)
    return result


def small(result: QualityMetricsResponse) -> dict[str, Any]:
    """The metrics for an agent: scores, distributions and at most MAX_FIELDS field statistics."""
    data = result.model_dump(mode="json", by_alias=True, exclude_none=True)
    metrics_data = data.get("metrics", {})
    stats = metrics_data.get("field_statistics", {})
    if len(stats) > MAX_FIELDS:
        metrics_data["field_statistics"] = dict(list(stats.items())[:MAX_FIELDS])
        metrics_data["field_statistics_truncated"] = len(stats) - MAX_FIELDS
    # One entry per numeric field: as unbounded as the statistics, so capped the same way.
    distributions = metrics_data.get("distribution_analysis") or {}
    if len(distributions) > MAX_FIELDS:
        metrics_data["distribution_analysis"] = dict(list(distributions.items())[:MAX_FIELDS])
        metrics_data["distribution_analysis_truncated"] = len(distributions) - MAX_FIELDS
    for table in (metrics_data.get("tables") or {}).values():
        table.pop("field_statistics", None)
        table.pop("distribution_analysis", None)
    return data


bedrock_app = make_bedrock_app()


@bedrock_app.post(
    METRICS_PATH,
    description="Calculate quality metrics of generated data (by generation_id) or of data at an S3 location: "
    "uniqueness, validity and completeness scores (0..1), distribution analysis and per-field statistics.",
    operation_id="calculateQualityMetrics",
    summary="Quality metrics",
)
def bedrock_metrics(
    body: Annotated[BedrockMetricsBody, Body(description="Give generation_id or data_location.")],
) -> Annotated[dict[str, Any], Body(description="Quality metrics.")]:
    return typed(small(_measure(bedrock_to_request(body))))  # type: ignore[return-value]


http_app = make_http_app()


@http_app.post(METRICS_PATH)
def http_metrics() -> Response[str]:
    request = to_model(QualityMetricsRequest, json_body(http_app), what="quality-metrics request")
    return ok(_measure(request))


agentcore_tools = AgentCoreSource([Tool(ACTIONS[METRICS], _measure)])
events = EventRouter(agentcore_tools, HttpApiSource(http_app), fallback=BedrockAgentSource(bedrock_app))


@tracer.capture_lambda_handler
@publish_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Entry point (Terraform: ``sdga.lambdas.metrics.handler``)."""
    return events(event, context)
