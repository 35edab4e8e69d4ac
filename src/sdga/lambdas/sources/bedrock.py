"""Bedrock agent action-group events (``messageVersion`` + ``apiPath``), routed by Powertools' ``BedrockAgentResolver``.

Bedrock sends every body property as a string, so the Bedrock-facing bodies are flat scalars and the
schema is one JSON-encoded string (see :mod:`sdga.lambdas.values`). An event whose shape is wrong gets a
Bedrock response with a 4xx code and an ErrorResponse body, never an exception; every body is shortened
to fit what the agent accepts (:func:`sdga.lambdas.results.fit_agent_body`).
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import BedrockAgentResolver

from sdga.lambdas.responses import error_body, install_error_handlers
from sdga.lambdas.results import fit_agent_body
from sdga.lambdas.runtime import JSON, logger


def make_bedrock_app() -> BedrockAgentResolver:
    """A resolver for one action group's routes, with bodies validated against their models."""
    app = BedrockAgentResolver(enable_validation=True)
    install_error_handlers(app)
    return app


def _fit_bedrock_response(result: dict[str, Any]) -> None:
    """Shorten every body of a Bedrock response in place (see :func:`fit_agent_body`)."""
    bodies = result.get("response", {}).get("responseBody")
    if not isinstance(bodies, dict):
        return
    for media in bodies.values():
        if isinstance(media, dict) and isinstance(media.get("body"), str):
            before = len(media["body"])
            media["body"] = fit_agent_body(media["body"])
            if len(media["body"]) != before:
                logger.warning("agent response shortened", extra={"bytes_before": before})


def _bedrock_error(event: Any, status: int, message: str, details: Any = None) -> dict[str, Any]:
    src = event if isinstance(event, dict) else {}

    def text(key: str) -> str:
        value = src.get(key)
        return value if isinstance(value, str) else ""

    return {
        "messageVersion": "1.0",
        "response": {
            "actionGroup": text("actionGroup"),
            "apiPath": text("apiPath"),
            "httpMethod": text("httpMethod"),
            "httpStatusCode": status,
            "responseBody": {JSON: {"body": error_body("invalid_event", message, details)}},
        },
        "sessionAttributes": src.get("sessionAttributes") if isinstance(src.get("sessionAttributes"), dict) else {},
        "promptSessionAttributes": src.get("promptSessionAttributes")
        if isinstance(src.get("promptSessionAttributes"), dict)
        else {},
    }


def _check_bedrock_event(event: dict[str, Any]) -> str | None:
    """What is wrong with a Bedrock event's shape, or None."""
    for key in ("actionGroup", "apiPath", "httpMethod"):
        if not isinstance(event.get(key), str) or not event[key]:
            return f"'{key}' is missing or not a string"
    if event.get("messageVersion") != "1.0":
        return "messageVersion must be '1.0'"
    params = event.get("parameters")
    if params is not None:
        if not isinstance(params, list):
            return "'parameters' must be a list"
        for p in params:
            if not isinstance(p, dict) or not isinstance(p.get("name"), str) or "value" not in p:
                return "every parameter needs 'name' and 'value'"
    body = event.get("requestBody")
    if body is not None:
        content = body.get("content") if isinstance(body, dict) else None
        if not isinstance(content, dict) or not content:
            return "'requestBody.content' must be an object"
        for media in content.values():
            props = media.get("properties") if isinstance(media, dict) else None
            if not isinstance(props, list):
                return "'requestBody.content.<type>.properties' must be a list"
            for p in props:
                if not isinstance(p, dict) or not isinstance(p.get("name"), str) or "value" not in p:
                    return "every body property needs 'name' and 'value'"
    return None


_ABSENT = frozenset({"", "null", "none", "undefined", "nil"})


def _is_absent(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in _ABSENT)


def _normalise_bedrock_event(event: dict[str, Any]) -> dict[str, Any]:
    event = dict(event)
    event["parameters"] = [
        {**p, "value": p["value"] if isinstance(p["value"], str) else json.dumps(p["value"])}
        for p in event.get("parameters") or []
    ]
    body = event.get("requestBody")
    if body:
        content = body["content"]
        props = next(iter(content.values()))["properties"]
        # Agents fill optional properties they know nothing about with "" or "null": that means "not given",
        # so the property's default applies instead of a validation error.
        given = [p for p in props if not _is_absent(p["value"])]
        if JSON not in content or len(given) != len(props):
            event["requestBody"] = {"content": {JSON: {"properties": given}}}
    event.setdefault("sessionAttributes", {})
    event.setdefault("promptSessionAttributes", {})
    event.setdefault("agent", {"name": "", "id": "", "alias": "", "version": ""})
    event.setdefault("inputText", "")
    event.setdefault("sessionId", "")
    return event


class BedrockAgentSource:
    """Bedrock agent action-group events: the fallback source, so an unrecognised event gets a Bedrock 4xx."""

    name = "bedrock-agent"

    def __init__(self, app: BedrockAgentResolver) -> None:
        self.app = app

    @staticmethod
    def matches(event: Any, context: Any) -> bool:
        return isinstance(event, dict) and ("messageVersion" in event or "actionGroup" in event or "agent" in event)

    def handle(self, event: Any, context: Any) -> dict[str, Any]:
        if not isinstance(event, dict):
            return _bedrock_error(event, 400, f"event must be a JSON object, got {type(event).__name__}")
        problem = _check_bedrock_event(event)
        if problem:
            logger.warning("malformed event", extra={"problem": problem})
            return _bedrock_error(event, 400, f"malformed Bedrock agent event: {problem}")
        logger.info(
            "bedrock request",
            extra={"action_group": event["actionGroup"], "api_path": event["apiPath"], "method": event["httpMethod"]},
        )
        try:
            result = self.app.resolve(_normalise_bedrock_event(event), context)
        except Exception as exc:
            logger.exception("bedrock resolver failed")
            return _bedrock_error(event, 400, f"could not handle the event: {type(exc).__name__}: {exc}")
        response = result.get("response", {})
        if isinstance(response.get("httpStatusCode"), int):
            response["httpStatusCode"] = int(response["httpStatusCode"])  # plain int, not HTTPStatus
        _fit_bedrock_response(result)
        result.setdefault("sessionAttributes", event.get("sessionAttributes") or {})
        result.setdefault("promptSessionAttributes", event.get("promptSessionAttributes") or {})
        return result
