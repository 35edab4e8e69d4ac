"""The MCP server: the tools, resources and prompts of this package on the official MCP SDK.

Built on the SDK's low-level ``Server`` so that what goes on the wire is exactly ours: the input schemas are
the request models' JSON Schemas (not ones re-derived from Python signatures), the output schemas are the
response models', and every failure is a tool error carrying the same ErrorResponse body as the HTTP API.
The work runs in a worker thread, so a long generation never stalls the connection (pings, other calls).

Two transports: stdio (a desktop assistant starts ``sdga mcp`` and talks over its stdin/stdout) and
streamable HTTP (``sdga mcp --http``), optionally behind a bearer key (``SDGA_API_KEY``).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import secrets
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import anyio
import anyio.from_thread
import anyio.lowlevel
import anyio.to_thread
from mcp import MCPError
from mcp.server import Server, ServerRequestContext
from mcp.types import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    BlobResourceContents,
    CallToolRequestParams,
    CallToolResult,
    CompleteRequestParams,
    CompleteResult,
    Completion,
    GetPromptRequestParams,
    GetPromptResult,
    ListPromptsResult,
    ListResourcesResult,
    ListResourceTemplatesResult,
    ListToolsResult,
    PaginatedRequestParams,
    Prompt,
    PromptArgument,
    PromptMessage,
    ReadResourceRequestParams,
    ReadResourceResult,
    Resource,
    ResourceLink,
    ResourceTemplate,
    TextContent,
    TextResourceContents,
    Tool,
    ToolAnnotations,
)

from sdga import __version__
from sdga.errors import SdgaError
from sdga.mcp import prompts as prm
from sdga.mcp import resources as res
from sdga.mcp.tools import TOOLS, TOOLS_BY_NAME, Limits, ToolOutcome, ToolRunner

log = logging.getLogger("sdga.mcp")

INSTRUCTIONS = """\
Realistic, compliant synthetic test data. Personal data is always fake by construction (reserved e-mail
domains, fictional phone ranges, never-issued SSNs, test card numbers); places are real and agree.
- From plain English: plan_request drafts a complete request (nothing is generated); review it, then pass its
  `request` to generate_synthetic_data.
- From a schema: validate_schema first (types, constraints, unique capacity, GDPR/HIPAA/PCI-DSS/SOC2/CCPA),
  then generate_synthetic_data. list_templates and list_field_types show what a schema can use.
- Results carry structured content and a short summary; generated files and reports come back as resource
  links (sdga://generations/...), never inlined in full. Large requests run in the background: poll
  get_generation_status with the generation_id.
- calculate_quality_metrics measures a generation or files, and against reference data gives fidelity and
  privacy scores.
"""
PROGRESS_INTERVAL_S = 0.5


def _annotations(spec: Any) -> ToolAnnotations:
    return ToolAnnotations(
        title=spec.title,
        read_only_hint=spec.read_only,
        destructive_hint=spec.destructive,
        idempotent_hint=spec.idempotent,
        open_world_hint=spec.open_world,
    )


def _tools() -> list[Tool]:
    return [
        Tool(
            name=t.name,
            title=t.title,
            description=t.description,
            input_schema=t.input_schema(),
            output_schema=t.output_schema(),
            annotations=_annotations(t),
        )
        for t in TOOLS
    ]


def error_body(exc: SdgaError) -> dict[str, Any]:
    """The ErrorResponse every door answers, as JSON data."""
    body: dict[str, Any] = exc.to_response().model_dump(mode="json")
    return body


def error_result(exc: SdgaError, max_bytes: int) -> CallToolResult:
    """A tool error: the ErrorResponse as structured content, and as text for clients that read only text."""
    body = error_body(exc)
    text = json.dumps(body, ensure_ascii=False, default=str)
    if len(text) > max_bytes:  # huge details (e.g. a full validation report) never go past the cap
        body["details"] = {"truncated": True, "size": len(text)}
        text = json.dumps(body, ensure_ascii=False, default=str)
    return CallToolResult(
        content=[TextContent(type="text", text=f"{body['error']}: {body['message']}\n{text}")],
        structured_content=body,
        is_error=True,
    )


def _link(link: res.Link) -> ResourceLink:
    return ResourceLink(
        type="resource_link",
        uri=link.uri,
        name=link.name,
        description=link.description,
        mime_type=link.mime_type,
        size=link.size,
    )


def outcome_result(outcome: ToolOutcome) -> CallToolResult:
    content: list[Any] = [TextContent(type="text", text=outcome.summary)]
    content += [_link(link) for link in outcome.links]
    return CallToolResult(content=content, structured_content=outcome.structured)


class _Progress:
    """Bridges the service's progress callback (a worker thread) to MCP progress notifications, throttled."""

    def __init__(self, ctx: ServerRequestContext[Any], token: Any) -> None:
        self.ctx, self.token = ctx, token
        self.rows = 0
        self.last = 0.0
        self.lock = threading.Lock()

    def __call__(self, table: str, rows: int) -> None:
        with self.lock:
            self.rows += rows
            now = time.monotonic()
            if now - self.last < PROGRESS_INTERVAL_S:
                return
            self.last = now
            done = self.rows
        try:
            anyio.from_thread.run(
                self.ctx.session.report_progress, float(done), None, f"{done:,} rows written ({table})",
                token=self.token,
            )  # fmt: skip
        except Exception:  # progress is best effort: a closed connection must not fail the generation
            log.debug("progress notification failed", exc_info=True)


def build_server(service: Any = None, *, limits: Limits | None = None) -> Server[Any]:
    """An MCP server over ``service`` (default: one configured from the environment, paths confined)."""
    if service is None:
        from sdga.config import load_settings
        from sdga.service import SyntheticDataService

        service = SyntheticDataService(load_settings(), restrict_paths=True)
    runner = ToolRunner(service, limits)
    limits = runner.limits
    tools = _tools()

    async def list_tools(ctx: ServerRequestContext[Any], params: PaginatedRequestParams | None) -> ListToolsResult:
        return ListToolsResult(tools=tools)

    async def call_tool(ctx: ServerRequestContext[Any], params: CallToolRequestParams) -> CallToolResult:
        progress = _Progress(ctx, anyio.lowlevel.current_token())
        try:
            outcome = await anyio.to_thread.run_sync(runner.call, params.name, params.arguments, progress)
        except SdgaError as exc:
            log.info("tool %s refused: %s", params.name, exc.message)
            return error_result(exc, limits.max_result_bytes)
        except Exception as exc:  # a bug: say so without a traceback on the wire; the log has it
            log.exception("tool %s failed unexpectedly", params.name)
            failure = _InternalError(
                f"unexpected {type(exc).__name__} in {params.name}; the server log has the details"
            )
            return error_result(failure, limits.max_result_bytes)
        return outcome_result(outcome)

    async def list_resources(
        ctx: ServerRequestContext[Any], params: PaginatedRequestParams | None
    ) -> ListResourcesResult:
        fixed = await anyio.to_thread.run_sync(res.fixed_resources, service)
        return ListResourcesResult(
            resources=[
                Resource(uri=r.uri, name=r.name, title=r.title, description=r.description, mime_type=r.mime_type)
                for r in fixed
            ]
        )

    async def list_templates(
        ctx: ServerRequestContext[Any], params: PaginatedRequestParams | None
    ) -> ListResourceTemplatesResult:
        return ListResourceTemplatesResult(
            resource_templates=[
                ResourceTemplate(
                    uri_template=p.uri_template,
                    name=p.name,
                    title=p.title,
                    description=p.description,
                    mime_type=p.mime_type,
                )
                for p in res.PATTERNS
            ]
        )

    async def read_resource(ctx: ServerRequestContext[Any], params: ReadResourceRequestParams) -> ReadResourceResult:
        uri = str(params.uri)
        try:
            content = await anyio.to_thread.run_sync(res.read, service, uri, limits.max_resource_bytes)
        except SdgaError as exc:
            code = INTERNAL_ERROR if exc.http_status >= 500 else INVALID_PARAMS
            raise MCPError(code=code, message=exc.message, data={"uri": uri, **error_body(exc)}) from None
        except Exception as exc:
            log.exception("reading %s failed unexpectedly", uri)
            raise MCPError(INTERNAL_ERROR, f"unexpected {type(exc).__name__} reading {uri}", {"uri": uri}) from None
        if content.data is not None:
            import base64

            blob = base64.b64encode(content.data).decode("ascii")
            return ReadResourceResult(contents=[BlobResourceContents(uri=uri, mime_type=content.mime_type, blob=blob)])
        return ReadResourceResult(
            contents=[TextResourceContents(uri=uri, mime_type=content.mime_type, text=content.text or "")]
        )

    async def list_prompts(ctx: ServerRequestContext[Any], params: PaginatedRequestParams | None) -> ListPromptsResult:
        return ListPromptsResult(
            prompts=[
                Prompt(
                    name=p.name,
                    title=p.title,
                    description=p.description,
                    arguments=[
                        PromptArgument(name=a.name, description=a.description, required=a.required) for a in p.arguments
                    ],
                )
                for p in prm.PROMPTS
            ]
        )

    async def get_prompt(ctx: ServerRequestContext[Any], params: GetPromptRequestParams) -> GetPromptResult:
        try:
            description, text = prm.render(params.name, params.arguments)
        except SdgaError as exc:
            raise MCPError(INVALID_PARAMS, exc.message, error_body(exc)) from None
        return GetPromptResult(
            description=description,
            messages=[PromptMessage(role="user", content=TextContent(type="text", text=text))],
        )

    async def complete(ctx: ServerRequestContext[Any], params: CompleteRequestParams) -> CompleteResult:
        ref = params.ref.name if params.ref.type == "ref/prompt" else str(params.ref.uri)
        values = await anyio.to_thread.run_sync(
            prm.completions, service, ref, params.argument.name, params.argument.value
        )
        return CompleteResult(completion=Completion(values=values[:100], total=len(values), has_more=False))

    def input_schema(name: str) -> dict[str, Any] | None:
        spec = TOOLS_BY_NAME.get(name)
        return spec.input_schema() if spec else None

    return Server(
        "sdga",
        version=__version__,
        title="Synthetic data agent",
        description="Realistic, compliant synthetic test data: generate, validate, measure, plan.",
        instructions=INSTRUCTIONS,
        get_tool_input_schema=input_schema,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_list_resource_templates=list_templates,
        on_read_resource=read_resource,
        on_list_prompts=list_prompts,
        on_get_prompt=get_prompt,
        on_completion=complete,
    )


# ------------------------------------------------------------------------------------------ transports
async def serve_stdio(server: Server[Any]) -> None:
    """Serve one client over this process's stdin/stdout until it closes them."""
    from mcp.server.stdio import stdio_server

    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class BearerKey:
    """ASGI guard: every HTTP request needs ``Authorization: Bearer <key>`` (or ``X-API-Key: <key>``)."""

    def __init__(self, app: Any, key: str) -> None:
        self.app, self.key = app, key.encode("utf-8")

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            auth = headers.get(b"authorization", b"")
            given = auth[7:].strip() if auth[:7].lower() == b"bearer " else headers.get(b"x-api-key", b"")
            if not secrets.compare_digest(given, self.key):
                body = json.dumps(
                    error_body(_Unauthorized("missing or wrong key: send Authorization: Bearer <SDGA_API_KEY>"))
                ).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"www-authenticate", b'Bearer realm="sdga"'),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


class _InternalError(SdgaError):
    code = "internal_error"
    http_status = 500


class _Unauthorized(SdgaError):
    code = "unauthorized"
    http_status = 401


def bind(host: str, port: int) -> socket.socket:
    """A listening socket (port 0 picks a free one), so the address can be announced before serving."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        raise OSError(exc.errno, f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def serve_http(
    server: Server[Any],
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    path: str = "/mcp",
    api_key: str | None = None,
    announce: Callable[[str], None] | None = None,
    log_level: str = "warning",
) -> None:
    """Serve streamable HTTP at ``http://host:port/path`` until interrupted."""
    import uvicorn

    from sdga.limits import BodySizeLimit, current_limits

    app: Any = server.streamable_http_app(streamable_http_path=path, host=host)
    if api_key:
        app = BearerKey(app, api_key)
    app = BodySizeLimit(app, current_limits().max_body_bytes)  # before the key check reads anything
    sock = bind(host, port)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{bound}{path}"
    (announce or (lambda u: print(f"sdga mcp: streamable HTTP at {u}", file=sys.stderr, flush=True)))(url)
    config = uvicorn.Config(app, log_level=log_level, lifespan="on", timeout_graceful_shutdown=5)
    uvicorn.Server(config).run(sockets=[sock])
