"""Agent Lambda: ``POST /api/v1/agent/ask`` (API Gateway HTTP API, payload 2.0), the fallback path.

Body ``{"prompt": "...", "session_id": "...", "plan_only": false}``. The request runs through the
Converse tool-use loop by default (``SDGA_LLM_BACKEND`` may choose ``offline`` or ``bedrock-agent``);
the answer carries the model's text, the markdown report, the generation result and the session id.
Sessions live in the warm container (short-term memory) and are bounded. Large generations are handed
to an asynchronous invocation of this same function (the ``sdga_job`` event), like the generate Lambda.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import threading
from collections import OrderedDict
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from sdga.agent import AgentBackend, ChatSession, get_backend
from sdga.errors import InvalidInputError
from sdga.lambdas.generate import run_job
from sdga.lambdas.responses import ok
from sdga.lambdas.runtime import add_metric, get_service, logger, publish_metrics, tracer
from sdga.lambdas.sources import EventRouter
from sdga.lambdas.sources.bedrock import BedrockAgentSource, make_bedrock_app
from sdga.lambdas.sources.http import HttpApiSource, check_body_size, make_http_app
from sdga.lambdas.sources.jobs import JobSource
from sdga.limits import check_prompt

ASK_PATH = "/api/v1/agent/ask"
MAX_SESSIONS = 256
_SESSION_ID = re.compile(r"[0-9a-zA-Z._:-]{2,100}")

_lock = threading.Lock()
_sessions: OrderedDict[str, ChatSession] = OrderedDict()
_backend: AgentBackend | None = None


def set_backend(backend: AgentBackend | None) -> None:
    """Use this backend (tests, custom wiring); None resets to the configured one."""
    global _backend
    with _lock:
        _backend = backend


def _get_backend() -> AgentBackend:
    global _backend
    with _lock:
        if _backend is None:
            name = os.environ.get("SDGA_LLM_BACKEND") or "bedrock"  # Lambda default: the Converse loop
            options: dict[str, Any] = {"service": get_service()}
            if name == "bedrock":
                options["background"] = None  # big volumes continue asynchronously; poll by status
            _backend = get_backend(name, **options)
        return _backend


def _session(session_id: str | None) -> ChatSession:
    with _lock:
        if session_id and session_id in _sessions:
            _sessions.move_to_end(session_id)
            return _sessions[session_id]
        session = ChatSession(session_id=session_id) if session_id else ChatSession()
        _sessions[session.session_id] = session
        while len(_sessions) > MAX_SESSIONS:
            _sessions.popitem(last=False)
        return session


def _body() -> Any:
    """The JSON body of the current event (base64 handled), as readable InvalidInputErrors."""
    event = http_app.current_event
    raw = event.body
    if not raw:
        raise InvalidInputError('request body is empty; send {"prompt": "...", "session_id": "..."}')
    check_body_size(raw, event.is_base64_encoded)
    if event.is_base64_encoded:
        try:
            raw = base64.b64decode(raw, validate=True).decode("utf-8")
        except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
            raise InvalidInputError("request body is not valid base64 UTF-8 text") from exc
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(
            f"request body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from exc


def _parse(body: Any) -> tuple[str, str | None, bool]:
    if not isinstance(body, dict):
        raise InvalidInputError('send a JSON object: {"prompt": "...", "session_id": "..."}')
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise InvalidInputError("'prompt' is required: describe the data you need in plain English")
    check_prompt(prompt, get_service().limits)
    session_id = body.get("session_id")
    if session_id is not None and (not isinstance(session_id, str) or not _SESSION_ID.fullmatch(session_id)):
        # Bedrock's InvokeAgent sessionId rule: the id is passed on as it is.
        raise InvalidInputError("'session_id' must be 2 to 100 letters, digits or . _ : -")
    plan_only = body.get("plan_only", False)
    if not isinstance(plan_only, bool):
        raise InvalidInputError("'plan_only' must be true or false")
    return prompt.strip(), session_id, plan_only


http_app = make_http_app()
bedrock_app = make_bedrock_app()  # no action group calls this function; kept so dispatch can answer politely


@http_app.post(ASK_PATH)
def http_ask() -> Response[str]:
    prompt, session_id, plan_only = _parse(_body())
    session = _session(session_id)
    backend = _get_backend()
    logger.info("agent request", extra={"backend": backend.name, "session_id": session.session_id})
    result = backend.ask(prompt, session=session, plan_only=plan_only)
    if result.response is not None:
        add_metric("GenerationSuccess" if result.ok else "GenerationFailure", 1)
    body = {
        "session_id": session.session_id,
        "backend": result.backend,
        "ok": result.ok,
        "answer": result.answer,
        "report": result.report(),
        "generation_id": result.response.generation_id if result.response else None,
        "status": result.response.status.value if result.response else None,
        "output_location": result.response.output_location if result.response else None,
        "request": result.request.model_dump(mode="json", by_alias=True, exclude_none=True) if result.request else None,
        "question": result.question.to_dict() if result.question else None,
        "steps": result.steps,
        "error": result.error,
    }
    return ok(body)


events = EventRouter(JobSource(run_job), HttpApiSource(http_app), fallback=BedrockAgentSource(bedrock_app))


@tracer.capture_lambda_handler
@publish_metrics  # like the other handlers: flush only when something was recorded (no warning per plan)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Entry point (Terraform: ``sdga.lambdas.agent.handler``)."""
    return events(event, context)


__all__ = ["ASK_PATH", "handler", "http_app", "set_backend"]
