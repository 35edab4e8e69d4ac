"""The HTTP API and its web UI: thin routes over :class:`~sdga.service.SyntheticDataService`.

Every error, whatever raised it, leaves as an :class:`~sdga.models.ErrorResponse` (``error``, ``message``,
``details``, ``timestamp``). When ``SDGA_API_KEY`` is set, every ``/api/*`` route needs the ``X-API-Key``
header (compared in constant time); the UI and ``/healthz`` stay open.
"""

from __future__ import annotations

import copy
import logging
import secrets
import threading
from collections import OrderedDict
from datetime import UTC
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from sdga import __version__
from sdga.errors import SdgaError
from sdga.limits import BodySizeLimit, check_prompt
from sdga.models import (
    ComplianceRequirement,
    ErrorResponse,
    GenerateDataRequest,
    GenerateDataResponse,
    GenerationId,
    GenerationStatus,
    IsoDateTime,
    OutputFormat,
    QualityMetricsRequest,
    QualityMetricsResponse,
    Schema,
    ValidateSchemaRequest,
    ValidateSchemaResponse,
)
from sdga.service import SyntheticDataService

log = logging.getLogger("sdga.api")

API = "/api/v1"
SESSION_ID_PATTERN = r"^[0-9a-zA-Z._:-]+$"
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": text}
    for code, text in (
        (400, "The body is not UTF-8 JSON (or nests too deeply to parse)"),
        (401, "Missing or wrong X-API-Key"),
        (404, "Not found"),
        (409, "Not finished yet"),
        (413, "Request body larger than SDGA_MAX_BODY_BYTES"),
        (422, "Invalid request, or beyond a limit of the deployment (details name the limit)"),
        (429, "The deployment's rows in flight are at SDGA_MAX_ACTIVE_RECORDS: retry later"),
        (500, "Internal error"),
        (502, "Destination failed"),
        (503, "Stopped: the time limit passed or the server is shutting down"),
    )
}


class HistoryEntry(BaseModel):
    generation_id: str
    created_at: str
    status: GenerationStatus
    data_type: str | None = None
    name: str | None = Field(default=None, description="What was generated: the schema's name or tables.")
    volume: int | None = None
    output_format: str | None = None
    destination_type: str | None = None
    records_generated: int = 0
    execution_time_ms: float = 0.0
    output_location: str | None = None
    errors: list[str] = Field(default_factory=list)


class TemplateEntry(BaseModel):
    name: str
    description: str | None = None
    data_type: str | None = None
    domain: str | None = None


class Health(BaseModel):
    status: str
    version: str


class AskRequest(BaseModel):
    """A plain-English request for the agent (``SDGA_LLM_BACKEND``; ``offline`` needs no model)."""

    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(
        min_length=1,
        description="What data you need, in plain English (at most SDGA_MAX_PROMPT_CHARS characters, default 4,000).",
    )
    session_id: str | None = Field(
        default=None,
        min_length=2,
        max_length=100,
        # Bedrock's InvokeAgent sessionId rule: the id is passed on as it is, so nothing else is accepted.
        pattern=SESSION_ID_PATTERN,
        description="Continue a conversation (follow-up edits): letters, digits and . _ : -",
    )
    plan_only: bool = Field(default=False, description="Only plan and validate; do not generate.")


class AgentQuestion(BaseModel):
    """Asked instead of a guess; answer in the same session (an option's number, a template, the fields)."""

    text: str
    options: list[str] = Field(default_factory=list)
    reason: str = "unclear"


class AgentPlan(BaseModel):
    """What the agent read from the request and what it assumed, shown before anything runs."""

    understood: list[str] = Field(default_factory=list)
    assumed: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    template: str | None = None
    confidence: str = "high"
    tables: dict[str, str] = Field(default_factory=dict)


class AskResponse(BaseModel):
    session_id: str
    backend: str
    ok: bool
    answer: str = ""
    report: str = ""
    generation_id: str | None = None
    status: str | None = None
    output_location: str | None = None
    request: dict[str, Any] | None = None
    question: AgentQuestion | None = None
    plan: AgentPlan | None = None
    steps: list[str] = Field(default_factory=list)
    error: dict[str, Any] | None = None


class Options(BaseModel):
    """What the UI offers: formats, compliance regimes, destinations this deployment accepts."""

    output_formats: list[str]
    compliance_requirements: list[str]
    destinations: list[str]
    max_volume: int
    background_threshold: int
    api_key_required: bool


TEMPLATE_NAME_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


def _error(status: int, body: ErrorResponse) -> JSONResponse:
    return JSONResponse(status_code=status, content=body.model_dump(mode="json"))


def create_app(service: SyntheticDataService | None = None) -> FastAPI:
    """The FastAPI application (``service`` defaults to one configured from the environment)."""
    svc = service or SyntheticDataService.from_env()
    app = FastAPI(
        title="synthetic-data-agent",
        version=__version__,
        description=(
            "Realistic, compliant synthetic test data: generate, validate a schema with compliance checks, "
            "measure quality. Errors always use the ErrorResponse shape."
        ),
        responses=_ERRORS,
    )
    app.state.service = svc
    app.add_middleware(BodySizeLimit, max_bytes=svc.settings.max_body_bytes)

    @app.middleware("http")
    async def _security_headers(request: Request, call_next: Any) -> Any:
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if not request.url.path.startswith(("/api/", "/docs", "/redoc", "/openapi.json")):
            # The UI loads nothing from elsewhere: no CDN, no inline script.
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
            )
            response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    # ------------------------------------------------------------------------------ error handlers
    @app.exception_handler(SdgaError)
    async def _sdga_error(_request: Request, exc: SdgaError) -> JSONResponse:
        return _error(exc.http_status, exc.to_response())

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {
                "loc": ".".join(str(p) for p in err.get("loc", ())),
                "msg": str(err.get("msg", "")),
                "type": str(err.get("type", "")),
            }
            for err in exc.errors()
        ]
        first = details[0] if details else {"loc": "", "msg": "invalid request"}
        where = f" at '{first['loc']}'" if first["loc"] else ""
        more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
        return _error(
            422,
            ErrorResponse(
                error="invalid_input", message=f"invalid request{where}: {first['msg']}{more}", details=details
            ),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {400: "invalid_input", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed"}.get(
            exc.status_code, "http_error"
        )
        message = str(exc.detail)
        if exc.status_code == 400 and message == "There was an error parsing the body":
            # FastAPI's words for a body that is not UTF-8 or nests too deep for the JSON parser.
            message = "the request body could not be parsed: send UTF-8 JSON (not nested too deeply)"
        response = _error(exc.status_code, ErrorResponse(error=code, message=message))
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return _error(
            500, ErrorResponse(error="internal_error", message=f"unexpected error: {type(exc).__name__}: {exc}")
        )

    # ----------------------------------------------------------------------------------- security
    def require_key(request: Request) -> None:
        expected = svc.settings.api_key
        if not expected:
            return
        given = request.headers.get("x-api-key", "")
        if not secrets.compare_digest(given.encode(), expected.encode()):
            raise StarletteHTTPException(status_code=401, detail="missing or wrong X-API-Key header")

    secured = [Depends(require_key)]

    # -------------------------------------------------------------------------------------- routes
    @app.get("/healthz", response_model=Health, tags=["meta"])
    def healthz() -> Health:
        return Health(status="ok", version=__version__)

    # Uptime checks and `curl -I` use HEAD; Starlette strips the body (a route of its own keeps the
    # OpenAPI operation ids unique).
    app.add_api_route("/healthz", healthz, methods=["HEAD"], include_in_schema=False)

    @app.post(
        f"{API}/synthetic-data/generate",
        response_model=GenerateDataResponse,
        response_model_by_alias=True,
        dependencies=secured,
        tags=["synthetic-data"],
        summary="Generate synthetic data (validates the schema first)",
        responses={202: {"model": GenerateDataResponse, "description": "Accepted: running in the background"}},
    )
    async def generate(body: GenerateDataRequest) -> JSONResponse:
        result = await run_in_threadpool(svc.generate, body)
        content = result.model_dump(mode="json", by_alias=True)
        if result.status in (GenerationStatus.PENDING, GenerationStatus.RUNNING):
            location = f"{API}/synthetic-data/status/{result.generation_id}"
            return JSONResponse(status_code=202, content=content, headers={"Location": location})
        return JSONResponse(status_code=200, content=content)

    @app.get(
        f"{API}/synthetic-data/status/{{generation_id}}",
        response_model=GenerateDataResponse,
        dependencies=secured,
        tags=["synthetic-data"],
        summary="Status and result of a generation",
    )
    async def status(generation_id: Annotated[GenerationId, Path()]) -> GenerateDataResponse:
        return await run_in_threadpool(svc.status, generation_id)

    @app.get(
        f"{API}/synthetic-data/download/{{generation_id}}",
        dependencies=secured,
        tags=["synthetic-data"],
        summary="Download the generated file (a zip when there are several), streamed",
        response_class=StreamingResponse,
        responses={200: {"content": {"application/octet-stream": {}}, "description": "The file"}},
    )
    async def download(generation_id: Annotated[GenerationId, Path()]) -> StreamingResponse:
        stream = await run_in_threadpool(svc.download, generation_id)
        # Pull the first chunk now so that a missing object is a clean 404 rather than a broken stream.
        first = await run_in_threadpool(next, stream.chunks, b"")

        def body() -> Any:
            if first:
                yield first
            yield from stream.chunks

        headers = {"Content-Disposition": f'attachment; filename="{stream.filename}"'}
        if stream.size is not None:
            headers["Content-Length"] = str(stream.size)
        return StreamingResponse(body(), media_type=stream.media_type, headers=headers)

    @app.get(
        f"{API}/synthetic-data/report/{{generation_id}}",
        dependencies=secured,
        tags=["synthetic-data"],
        summary="The markdown generation report",
        response_class=PlainTextResponse,
        responses={200: {"content": {"text/markdown": {}}, "description": "Markdown"}},
    )
    async def report(generation_id: Annotated[GenerationId, Path()]) -> PlainTextResponse:
        text = await run_in_threadpool(svc.report, generation_id)
        return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")

    @app.post(
        f"{API}/synthetic-data/validate-schema",
        response_model=ValidateSchemaResponse,
        dependencies=secured,
        tags=["synthetic-data"],
        summary="Validate a schema and check it against compliance regimes",
    )
    async def validate_schema(body: ValidateSchemaRequest) -> ValidateSchemaResponse:
        return await run_in_threadpool(svc.validate_schema, body)

    @app.post(
        f"{API}/synthetic-data/quality-metrics",
        response_model=QualityMetricsResponse,
        dependencies=secured,
        tags=["synthetic-data"],
        summary="Quality metrics of a generation or of data at a location",
    )
    async def quality_metrics(body: QualityMetricsRequest) -> QualityMetricsResponse:
        return await run_in_threadpool(svc.quality_metrics, body)

    @app.get(
        f"{API}/synthetic-data/history",
        response_model=list[HistoryEntry],
        dependencies=secured,
        tags=["synthetic-data"],
        summary="Recent generations, newest first",
    )
    async def history(
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
        status: Annotated[GenerationStatus | None, Query()] = None,
        since: Annotated[
            IsoDateTime | None,
            Query(description="Only generations created at or after this time (ISO 8601; no offset: UTC)."),
        ] = None,
    ) -> list[HistoryEntry]:
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        rows = await run_in_threadpool(svc.history, limit=limit, status=status, since=since)
        return [HistoryEntry.model_validate(r) for r in rows]

    @app.get(f"{API}/templates", response_model=list[TemplateEntry], dependencies=secured, tags=["templates"])
    async def templates() -> list[TemplateEntry]:
        rows = await run_in_threadpool(svc.templates)
        return [TemplateEntry.model_validate(r) for r in rows]

    @app.get(
        f"{API}/templates/{{name}}",
        response_model=Schema,
        response_model_by_alias=True,
        response_model_exclude_none=True,
        dependencies=secured,
        tags=["templates"],
    )
    async def template(
        name: Annotated[str, Path(pattern=TEMPLATE_NAME_PATTERN, description="A template's name (sdga templates).")],
    ) -> Schema:
        return await run_in_threadpool(svc.template, name)

    sessions: OrderedDict[str, Any] = OrderedDict()
    agent_lock = threading.Lock()
    agent: dict[str, Any] = {}

    def ask_agent(body: AskRequest) -> AskResponse:
        from sdga.agent import ChatSession, get_backend

        check_prompt(body.prompt, svc.limits)
        with agent_lock:
            if "backend" not in agent:
                agent["backend"] = get_backend(None, service=svc)
            backend = agent["backend"]
            if body.session_id and body.session_id in sessions:
                sessions.move_to_end(body.session_id)
                session = sessions[body.session_id]
            else:
                session = ChatSession(session_id=body.session_id) if body.session_id else ChatSession()
                sessions[session.session_id] = session
                while len(sessions) > 256:
                    sessions.popitem(last=False)
        result = backend.ask(body.prompt.strip(), session=session, plan_only=body.plan_only)
        response = result.response
        return AskResponse(
            session_id=session.session_id,
            backend=result.backend,
            ok=result.ok,
            answer=result.answer,
            report=result.report(),
            generation_id=response.generation_id if response else None,
            status=response.status.value if response else None,
            output_location=response.output_location if response else None,
            request=result.request.model_dump(mode="json", by_alias=True, exclude_none=True)
            if result.request
            else None,
            question=AgentQuestion.model_validate(result.question.to_dict()) if result.question else None,
            plan=AgentPlan(
                understood=list(result.plan.understood),
                assumed=list(result.plan.assumptions),
                warnings=list(result.plan.warnings),
                template=result.plan.template,
                confidence=result.plan.confidence,
                tables=dict(result.plan.table_rows),
            )
            if result.plan
            else None,
            steps=list(result.steps),
            error=result.error,
        )

    @app.post(
        "/api/v1/agent/ask",
        response_model=AskResponse,
        dependencies=secured,
        tags=["agent"],
        summary="Ask the agent in plain English (plans, validates, generates, reports)",
    )
    async def ask(body: AskRequest) -> AskResponse:
        return await run_in_threadpool(ask_agent, body)

    @app.get(f"{API}/options", response_model=Options, tags=["meta"])
    def options() -> Options:
        s = svc.settings
        return Options(
            output_formats=[f.value for f in OutputFormat],
            compliance_requirements=[c.value for c in ComplianceRequirement],
            destinations=list(s.allowed_destinations),
            max_volume=s.max_volume,
            background_threshold=s.background_threshold,
            api_key_required=bool(s.api_key),
        )

    # ------------------------------------------------------------------------------------- web UI
    from sdga.api.ui import register_ui

    register_ui(app, svc, secured, options)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _errors_as_json(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _errors_as_json(doc: dict[str, Any]) -> dict[str, Any]:
    """Every 4xx/5xx answer is an ErrorResponse in JSON, also on routes that answer a file, text or HTML
    (FastAPI documents a route's own media type for its error responses too)."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
    for path in doc.get("paths", {}).values():
        for operation in path.values():
            for code, response in (operation.get("responses") or {}).items():
                if str(code)[:1] in ("4", "5"):
                    response["content"] = copy.deepcopy(error)
    return doc
