"""Generate Lambda (1024 MB, 300 s): action group ``data-generation-actions`` and the HTTP generate routes.

Bedrock operations: ``generateSyntheticData`` (POST /api/v1/synthetic-data/generate) and
``getGenerationStatus`` (GET /api/v1/synthetic-data/status/{generation_id}). HTTP API routes: generate,
status, download (a pre-signed S3 URL; Lambda responses cannot stream) and history. AgentCore gateway
tools: ``generate_synthetic_data`` and ``get_generation_status``. Large requests are handed to an
asynchronous invocation of this same function (event key ``sdga_job``) and polled by status.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from sdga.errors import InvalidInputError, SdgaError
from sdga.lambdas import emr as handoff
from sdga.lambdas.responses import ok, typed
from sdga.lambdas.results import record_generation_metrics, summarize_generation
from sdga.lambdas.runtime import JSON, add_metric, get_service, logger, publish_metrics, tracer
from sdga.lambdas.sources import EventRouter
from sdga.lambdas.sources.agentcore import AgentCoreSource, Tool
from sdga.lambdas.sources.bedrock import BedrockAgentSource, make_bedrock_app
from sdga.lambdas.sources.http import HttpApiSource, json_body, make_http_app
from sdga.lambdas.sources.jobs import JobSource
from sdga.lambdas.values import LooseInt, OptionalLooseInt, parse_compliance, parse_structured
from sdga.models import (
    SUPPORTED_LOCALES,
    ComplianceRequirement,
    DataType,
    DestinationType,
    GenerateDataRequest,
    GenerateDataResponse,
    GenerationStatus,
    OutputFormat,
    SqlDialect,
)
from sdga.models.actions import ACTIONS, GENERATE, STATUS, GenerationStatusRequest
from sdga.schema_io import to_model

ACTION_GROUP = "data-generation-actions"
GENERATE_PATH = "/api/v1/synthetic-data/generate"
STATUS_PATH = "/api/v1/synthetic-data/status/<generation_id>"


def _values(enum: Any) -> str:
    return ", ".join(e.value for e in enum)


class BedrockGenerateBody(BaseModel):
    """Flat request body for the agent: scalars, and the schema as one JSON-encoded string."""

    data_type: str = Field(
        default="custom",
        description=f"Kind of data. One of: {_values(DataType)}. Use 'custom' with a schema; the others "
        "have built-in templates and need no schema.",
    )
    volume: LooseInt = Field(default=1000, ge=1, description="Number of records to generate (per table).")
    schema_: str | None = Field(
        default=None,
        alias="schema",
        description='JSON-encoded schema object, e.g. {"name": "users", "fields": [{"name": "id", "type": "uuid", '
        '"constraints": {"unique": true}}, {"name": "email", "type": "email"}]}. Field types include string, '
        "integer, float, date, datetime, email, phone, address, uuid, boolean, category, reference. Constraints: "
        'min, max, format, nullable, unique, enum. Multi-table: {"tables": [{"name": ..., "fields": [...]}]}.',
    )
    compliance_requirements: str | None = Field(
        default=None,
        description=f"Comma-separated compliance regimes to enforce. Any of: {_values(ComplianceRequirement)}.",
    )
    output_format: str = Field(default="json", description=f"File format. One of: {_values(OutputFormat)}.")
    destination_type: str | None = Field(
        default=None,
        description=f"Where the data goes. One of: {_values(DestinationType)}. Default: the deployment's store (S3).",
    )
    destination_location: str | None = Field(
        default=None, description="s3: s3://bucket/prefix; rds: SQLAlchemy URL of the test database."
    )
    if_exists: str | None = Field(default=None, description="rds only. One of: fail, replace, append.")
    seed: OptionalLooseInt = Field(default=None, ge=0, description="Random seed: the same seed gives the same data.")
    locale: str | None = Field(
        default=None, description=f"Locale of names/addresses. One of: {', '.join(SUPPORTED_LOCALES)}."
    )
    sql_dialect: str | None = Field(default=None, description=f"For output_format sql. One of: {_values(SqlDialect)}.")
    allow_compliance_violations: bool = Field(
        default=False, description="Generate even if compliance checks report errors (they become warnings)."
    )


class GenerationSummary(BaseModel):
    """What the agent gets back: status, counts, location and quality scores (never the data itself)."""

    generation_id: str = Field(description="UUID of the generation; use it to poll status.")
    status: str = Field(description="pending, running, success, partial or failed.")
    records_generated: int = Field(default=0, description="Records written.")
    records_per_table: dict[str, int] = Field(default_factory=dict, description="Records per table.")
    output_location: str | None = Field(default=None, description="Where the data is (S3 URI, path or database).")
    report_location: str | None = Field(default=None, description="The markdown generation report.")
    execution_time_ms: float = Field(default=0, description="Wall time in milliseconds.")
    data_quality_metrics: dict[str, float] | None = Field(
        default=None, description="uniqueness_score, validity_score, completeness_score (0..1)."
    )
    errors: list[str] = Field(default_factory=list, description="Problems (first five).")
    warnings: list[str] = Field(default_factory=list, description="Warnings (first five).")
    seed: int | None = Field(default=None, description="The effective seed.")
    next_step: str | None = Field(default=None, description="What to do next (e.g. poll status).")
    data_sample: dict[str, list[dict[str, Any]]] | None = Field(
        default=None, description="inline destination only: the first rows of each table."
    )


_LOCALES = {locale.lower(): locale for locale in SUPPORTED_LOCALES}


def bedrock_to_request(body: BedrockGenerateBody) -> GenerateDataRequest:
    """The flat Bedrock body as the full request model (schema parsed defensively)."""
    data: dict[str, Any] = {
        # "User Profile", "user-profile" -> user_profile; ".CSV" -> csv
        "data_type": re.sub(r"[\s-]+", "_", body.data_type.strip().lower()),
        "volume": body.volume,
        "output_format": body.output_format.strip().lower().lstrip("."),
        "compliance_requirements": parse_compliance(body.compliance_requirements),
        "allow_compliance_violations": body.allow_compliance_violations,
    }
    schema = parse_structured(body.schema_, "schema")
    if schema is not None:
        if isinstance(schema, dict) and isinstance(schema.get("schema"), dict):
            schema = schema["schema"]
        if isinstance(schema, list):  # a bare list of fields
            schema = {"fields": schema}
        data["schema"] = schema
    destination: dict[str, Any] = {}
    if body.destination_type:
        destination["type"] = body.destination_type.strip().lower()
    else:
        destination["type"] = "s3" if get_service().settings.storage_backend == "s3" else "local"
    if body.destination_location:
        destination["location"] = body.destination_location.strip()
    if body.if_exists:
        destination["if_exists"] = body.if_exists.strip().lower()
    data["destination"] = destination
    if body.seed is not None:
        data["seed"] = body.seed
    if body.locale and body.locale.strip():  # "de-de" -> de_DE
        data["locale"] = _LOCALES.get(body.locale.strip().replace("-", "_").lower(), body.locale.strip())
    if body.sql_dialect and body.sql_dialect.strip():
        data["sql_dialect"] = body.sql_dialect.strip().lower()
    return to_model(GenerateDataRequest, data, what="generate request")


def _run(request: GenerateDataRequest) -> GenerateDataResponse:
    try:
        response: GenerateDataResponse = handoff.service().generate(request)
    except SdgaError as exc:
        if exc.code not in ("schema_invalid", "unique_capacity_exceeded", "compliance_violation", "invalid_input"):
            add_metric("GenerationFailure", 1)
        raise
    record_generation_metrics(response)
    return response


# ----------------------------------------------------------------------------------------- Bedrock
bedrock_app = make_bedrock_app()


@bedrock_app.post(
    GENERATE_PATH,
    description="Generate realistic, compliant synthetic test data. The schema is validated first; large "
    "volumes run in the background (poll getGenerationStatus). Returns the location and a quality summary.",
    operation_id="generateSyntheticData",
    summary="Generate synthetic data",
)
def bedrock_generate(
    body: Annotated[BedrockGenerateBody, Body(description="Generation request (flat; schema JSON-encoded).")],
) -> Annotated[GenerationSummary, Body(description="Result summary.")]:
    response = _run(bedrock_to_request(body))
    code = 202 if response.status in (GenerationStatus.PENDING, GenerationStatus.RUNNING) else 200
    return typed(GenerationSummary.model_validate(summarize_generation(response)), code)  # type: ignore[return-value]


@bedrock_app.get(
    STATUS_PATH,
    description="Status of a generation started earlier: pending, running, success, partial or failed, with "
    "records generated, output location and quality scores.",
    operation_id="getGenerationStatus",
    summary="Generation status",
)
def bedrock_status(
    generation_id: Annotated[str, Path(description="The generation_id (UUID) returned by generateSyntheticData.")],
) -> Annotated[GenerationSummary, Body(description="Status summary.")]:
    return typed(GenerationSummary.model_validate(summarize_generation(handoff.status(generation_id))))  # type: ignore[return-value]


# -------------------------------------------------------------------------------------- HTTP API
http_app = make_http_app()


@http_app.post(GENERATE_PATH)
def http_generate() -> Response[str]:
    request = to_model(GenerateDataRequest, json_body(http_app), what="generate request")
    response = _run(request)
    code = 202 if response.status in (GenerationStatus.PENDING, GenerationStatus.RUNNING) else 200
    return ok(response, code)


@http_app.get(STATUS_PATH)
def http_status(generation_id: str) -> Response[str]:
    return ok(handoff.status(generation_id))


@http_app.get("/api/v1/synthetic-data/download/<generation_id>")
def http_download(generation_id: str) -> Response[Any]:
    """Results a client can fetch directly (S3): a redirect to a pre-signed URL (one file) or a list of
    them (several); other results are returned in the response, within Lambda's size limit."""
    service = handoff.service()
    status = service.status(generation_id)
    if status.status not in (GenerationStatus.SUCCESS, GenerationStatus.PARTIAL):
        service.download(generation_id)  # raises the right not-ready / not-found error
    files = list(status.output_files)
    urls = [service.destinations.files(f).url(f) for f in files]
    if files and all(urls):
        links = [{"name": f.rsplit("/", 1)[-1], "url": u} for f, u in zip(files, urls, strict=True)]
        if len(links) == 1:
            return Response(status_code=302, content_type=JSON, body="", headers={"Location": links[0]["url"]})
        return ok({"generation_id": status.generation_id, "files": links})
    stream = service.download(generation_id)
    parts: list[bytes] = []
    size = 0
    for chunk in stream.chunks:  # Lambda responses are capped at 6 MB (base64 adds a third)
        size += len(chunk)
        if size > 4_000_000:
            raise InvalidInputError("result too large to return through Lambda; store results in S3 to download them")
        parts.append(chunk)
    data = b"".join(parts)
    return Response(
        status_code=200,
        # octet-stream keeps Powertools from JSON-encoding a .json file's bytes; it base64-encodes them instead
        content_type="application/octet-stream",
        body=data,
        headers={"Content-Disposition": f'attachment; filename="{stream.filename}"'},
        compress=False,
    )


@http_app.get("/api/v1/synthetic-data/history")
def http_history(
    limit: Annotated[int, Query()] = 50,
    status: Annotated[str | None, Query()] = None,
) -> Response[str]:
    params = http_app.current_event.query_string_parameters or {}
    try:
        limit = int(params.get("limit", limit))
    except ValueError as exc:
        raise InvalidInputError("limit must be an integer") from exc
    st = params.get("status", status)
    if st and st not in {s.value for s in GenerationStatus}:
        raise InvalidInputError(f"unknown status {st!r}")
    return ok(handoff.service().history(limit=max(1, min(limit, 1000)), status=st or None))


# --------------------------------------------------------------------------------- AgentCore gateway
def _status(request: GenerationStatusRequest) -> GenerateDataResponse:
    response: GenerateDataResponse = handoff.status(request.generation_id)
    return response


agentcore_tools = AgentCoreSource([Tool(ACTIONS[GENERATE], _run), Tool(ACTIONS[STATUS], _status)])


# --------------------------------------------------------------------------------- async job events
def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """A pending generation handed to this function by an asynchronous invocation of itself."""
    gid = str(job.get("generation_id", ""))
    try:
        request = to_model(GenerateDataRequest, job.get("request"), what="job request")
        response = get_service().run_job(gid, request)
        record_generation_metrics(response)
        return {"generation_id": gid, "status": response.status.value}
    except SdgaError as exc:
        add_metric("GenerationFailure", 1)
        logger.warning("background job failed", extra={"generation_id": gid, "error": exc.message})
        return {"generation_id": gid, "status": "failed", "error": exc.message}


events = EventRouter(
    agentcore_tools, JobSource(run_job), HttpApiSource(http_app), fallback=BedrockAgentSource(bedrock_app)
)


@tracer.capture_lambda_handler
@publish_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Entry point (Terraform: ``sdga.lambdas.generate.handler``)."""
    return events(event, context)


__all__ = ["ACTION_GROUP", "BedrockGenerateBody", "agentcore_tools", "bedrock_app", "handler", "http_app", "run_job"]
