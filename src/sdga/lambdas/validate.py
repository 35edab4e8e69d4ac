"""Validate Lambda (512 MB, 60 s): action group ``schema-validation-actions``, the HTTP validate route and the
AgentCore gateway tool ``validate_schema``."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from sdga.errors import InvalidInputError
from sdga.lambdas.responses import ok, typed
from sdga.lambdas.runtime import add_metric, get_service, publish_metrics, tracer
from sdga.lambdas.sources import EventRouter
from sdga.lambdas.sources.agentcore import AgentCoreSource, Tool
from sdga.lambdas.sources.bedrock import BedrockAgentSource, make_bedrock_app
from sdga.lambdas.sources.http import HttpApiSource, json_body, make_http_app
from sdga.lambdas.values import OptionalLooseInt, parse_compliance, parse_structured
from sdga.models import ComplianceRequirement, ValidateSchemaRequest, ValidateSchemaResponse
from sdga.models.actions import ACTIONS, VALIDATE
from sdga.schema_io import to_model

ACTION_GROUP = "schema-validation-actions"
VALIDATE_PATH = "/api/v1/synthetic-data/validate-schema"


class BedrockValidateBody(BaseModel):
    """Flat request body for the agent: the schema as one JSON-encoded string."""

    schema_: str = Field(
        alias="schema",
        description='JSON-encoded schema object, e.g. {"fields": [{"name": "email", "type": "email", '
        '"constraints": {"unique": true}}]} or {"tables": [...]} for several related tables.',
    )
    compliance_requirements: str | None = Field(
        default=None,
        description="Comma-separated compliance regimes to check. Any of: "
        + ", ".join(c.value for c in ComplianceRequirement)
        + ".",
    )
    volume: OptionalLooseInt = Field(default=None, ge=0, description="Planned record count (checks unique capacity).")


def _validate(request: ValidateSchemaRequest) -> ValidateSchemaResponse:
    result: ValidateSchemaResponse = get_service().validate_schema(request)
    if not result.valid:
        add_metric("SchemaValidationFailure", 1)
    if result.compliance_issues:
        add_metric("ComplianceViolations", len(result.compliance_issues))
    return result


def bedrock_to_request(body: BedrockValidateBody) -> ValidateSchemaRequest:
    schema = parse_structured(body.schema_, "schema")
    if schema is None:
        raise InvalidInputError("schema is required: a JSON-encoded object with 'fields' or 'tables'")
    if isinstance(schema, dict) and isinstance(schema.get("schema"), dict):
        schema = schema["schema"]
    if isinstance(schema, list):
        schema = {"fields": schema}
    data: dict[str, Any] = {
        "schema": schema,
        "compliance_requirements": parse_compliance(body.compliance_requirements),
    }
    if body.volume is not None:
        data["volume"] = body.volume
    return to_model(ValidateSchemaRequest, data, what="validate request")


bedrock_app = make_bedrock_app()


@bedrock_app.post(
    VALIDATE_PATH,
    description="Validate a data schema before generating: types, constraints, references, unique capacity, "
    "and compliance checks (GDPR, HIPAA, PCI-DSS, SOC2, CCPA). Returns errors, suggestions and compliance issues.",
    operation_id="validateSchema",
    summary="Validate a schema",
)
def bedrock_validate(
    body: Annotated[BedrockValidateBody, Body(description="Schema (JSON-encoded) and compliance regimes.")],
) -> Annotated[ValidateSchemaResponse, Body(description="Validation result.")]:
    return typed(_validate(bedrock_to_request(body)))  # type: ignore[return-value]


http_app = make_http_app()


@http_app.post(VALIDATE_PATH)
def http_validate() -> Response[str]:
    request = to_model(ValidateSchemaRequest, json_body(http_app), what="validate request")
    return ok(_validate(request))


agentcore_tools = AgentCoreSource([Tool(ACTIONS[VALIDATE], _validate)])
events = EventRouter(agentcore_tools, HttpApiSource(http_app), fallback=BedrockAgentSource(bedrock_app))


@tracer.capture_lambda_handler
@publish_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Entry point (Terraform: ``sdga.lambdas.validate.handler``)."""
    return events(event, context)
