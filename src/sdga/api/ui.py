"""The web UI's page and the routes only it needs (field types, preview, cancel, a run's request).

The page is served with what its controls list (options, field types, templates) already inside it, as a
JSON data block, so no control is ever painted empty while a request is in flight. Everything the page
loads comes from this app: no CDN, no inline script (the Content-Security-Policy forbids both).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.params import Depends
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from sdga.errors import InvalidInputError
from sdga.models import (
    FieldTypeInfo,
    GenerateDataRequest,
    GenerateDataResponse,
    PreviewRequest,
    PreviewResponse,
    QualityMetricsRequest,
    QualityReport,
    UploadResponse,
)
from sdga.pipeline.uploads import UPLOAD_MAX_BYTES
from sdga.service import SyntheticDataService

API = "/api/v1"
BOOTSTRAP_MARK = "<!--bootstrap-->"


def register_ui(
    app: FastAPI, svc: SyntheticDataService, secured: list[Depends], options: Callable[[], BaseModel]
) -> None:
    """Add the UI's routes and its static files to ``app``."""

    @app.get(f"{API}/types", response_model=list[FieldTypeInfo], tags=["meta"], summary="Field types, with examples")
    def field_types() -> list[FieldTypeInfo]:
        return [FieldTypeInfo.model_validate(t) for t in svc.field_types()]

    @app.post(
        f"{API}/synthetic-data/preview",
        response_model=PreviewResponse,
        dependencies=secured,
        tags=["synthetic-data"],
        summary="The first rows of a schema, generated in memory (same seed, same rows; nothing stored)",
    )
    async def preview(body: PreviewRequest) -> PreviewResponse:
        return await run_in_threadpool(svc.preview, body)

    @app.post(
        f"{API}/synthetic-data/cancel/{{generation_id}}",
        response_model=GenerateDataResponse,
        response_model_by_alias=True,
        dependencies=secured,
        tags=["synthetic-data"],
        summary="Cancel a pending or running generation (recorded as failed; nothing is published)",
    )
    async def cancel(generation_id: str) -> GenerateDataResponse:
        return await run_in_threadpool(svc.cancel, generation_id)

    @app.get(
        f"{API}/synthetic-data/request/{{generation_id}}",
        response_model=GenerateDataRequest,
        response_model_by_alias=True,
        response_model_exclude_none=True,
        dependencies=secured,
        tags=["synthetic-data"],
        summary="The request a generation was made from (to run it again or edit it)",
    )
    async def generation_request(generation_id: str) -> GenerateDataRequest:
        return await run_in_threadpool(svc.request_of, generation_id)

    @app.post(
        f"{API}/synthetic-data/quality-report",
        response_model=QualityReport,
        dependencies=secured,
        tags=["synthetic-data"],
        summary="Quality metrics with charts (Vega-Lite): distributions, correlations, real vs synthetic",
    )
    async def quality_report(body: QualityMetricsRequest) -> QualityReport:
        return await run_in_threadpool(svc.quality_report, body)

    @app.post(
        f"{API}/synthetic-data/quality-report.html",
        dependencies=secured,
        tags=["synthetic-data"],
        summary="The quality report as one self-contained HTML file (opens offline)",
        response_class=HTMLResponse,
        responses={200: {"content": {"text/html": {}}, "description": "The report"}},
    )
    async def quality_report_html(body: QualityMetricsRequest) -> HTMLResponse:
        from sdga.report.html import render_html

        report = await run_in_threadpool(svc.quality_report, body)
        text = await run_in_threadpool(render_html, report)
        name = f"quality-report-{(report.generation_id or 'data')[:8]}.html"
        return HTMLResponse(text, headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @app.post(
        f"{API}/uploads",
        response_model=UploadResponse,
        dependencies=secured,
        tags=["synthetic-data"],
        summary="Upload a data file (the body) to measure or to use as a reference; answers its location",
        openapi_extra={
            "requestBody": {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}
        },
    )
    async def upload(request: Request, filename: Annotated[str, Query(min_length=1, max_length=200)]) -> UploadResponse:
        declared = int(request.headers.get("content-length") or 0)
        if declared > UPLOAD_MAX_BYTES:
            raise InvalidInputError(f"the file is larger than {UPLOAD_MAX_BYTES // 2**20} MiB")
        content = await request.body()
        return await run_in_threadpool(svc.save_upload, filename, content)

    static_dir = resources.files("sdga.api") / "static"
    app.mount("/static", StaticFiles(directory=str(static_dir)), name="static")
    page: dict[str, str] = {}

    def render_index() -> str:
        if "html" not in page:
            data: dict[str, Any] = {
                "options": options().model_dump(mode="json"),
                "types": [FieldTypeInfo.model_validate(t).model_dump(mode="json") for t in svc.field_types()],
                "templates": svc.templates(),
            }
            # "</" never appears inside the data block, so nothing in it can close the element.
            blob = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
            block = f'<script type="application/json" id="bootstrap">{blob}</script>'
            html = (static_dir / "index.html").read_text(encoding="utf-8")
            page["html"] = html.replace(BOOTSTRAP_MARK, block)
        return page["html"]

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    async def index() -> HTMLResponse:
        return HTMLResponse(await run_in_threadpool(render_index))

    @app.get("/ui", include_in_schema=False)
    def ui() -> RedirectResponse:
        return RedirectResponse("/")
