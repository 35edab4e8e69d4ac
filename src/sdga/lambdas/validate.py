"""Validate Lambda (512 MB, 60 s): action group ``schema-validation-actions`` and the HTTP validate route."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from sdga.errors import InvalidInputError
from sdga.lambdas._common import (
    OptionalLooseInt,
    add_metric,
    dispatch,
    get_service,
    make_bedrock_app,
    make_http_app,
    ok,
    parse_compliance,
    parse_structured,
    publish_metrics,
    tracer,
    typed,
)
from sdga.lambdas.generate import _json_body_of
from sdga.models import ComplianceRequirement, ValidateSchemaRequest, ValidateSchemaResponse
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
    request = to_model(ValidateSchemaRequest, _json_body_of(http_app), what="validate request")
    return ok(_validate(request))


@tracer.capture_lambda_handler
@publish_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Entry point (Terraform: ``sdga.lambdas.validate.handler``)."""
    return dispatch(event, context, bedrock_app, http_app)
