"""API Gateway HTTP API events (payload 2.0), routed by Powertools' ``APIGatewayHttpResolver`` with the full
nested request models. The API key (``SDGA_API_KEY``) is checked by a middleware before any route runs;
Bedrock and AgentCore calls are authorised by IAM instead."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from sdga.errors import InvalidInputError
from sdga.lambdas.responses import error_body, install_error_handlers
from sdga.lambdas.runtime import JSON, get_service, logger
from sdga.lambdas.sources import Answer, Middleware, Next, with_middlewares
from sdga.lambdas.values import parse_structured
from sdga.limits import RequestTooLargeError


def make_http_app() -> APIGatewayHttpResolver:
    """A resolver for one function's HTTP routes (bodies are read by the routes, see :func:`json_body`)."""
    app = APIGatewayHttpResolver(enable_validation=False)
    install_error_handlers(app)
    return app


def json_body(app: APIGatewayHttpResolver) -> Any:
    """The JSON body of the current HTTP API event (base64 handled); errors are InvalidInputError."""
    event = app.current_event
    raw = event.body
    if raw is None or raw == "":
        raise InvalidInputError("request body is empty; send a JSON object")
    check_body_size(raw, event.is_base64_encoded)
    if event.is_base64_encoded:
        try:
            raw = base64.b64decode(raw).decode("utf-8")
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidInputError("request body is not valid base64 UTF-8 text") from exc
    return parse_structured(raw, "request body")


def check_body_size(raw: str, base64_encoded: bool | None) -> None:
    """413 (RequestTooLargeError) for a body over SDGA_MAX_BODY_BYTES, before it is decoded or parsed."""
    limit = get_service().settings.max_body_bytes
    size = len(raw) * 3 // 4 if base64_encoded else len(raw.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise RequestTooLargeError(
            f"the request body is {size:,} bytes; this deployment accepts at most {limit:,} bytes "
            "(SDGA_MAX_BODY_BYTES)",
            limit="max_body_bytes",
            maximum=limit,
            actual=size,
        )


def require_api_key(event: dict[str, Any], context: Any, next_: Next) -> Answer:
    """401 unless the ``x-api-key`` header matches SDGA_API_KEY (when one is set)."""
    expected = get_service().settings.api_key
    if expected:
        headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
        if not secrets.compare_digest(headers.get("x-api-key", "").encode(), str(expected).encode()):
            return {
                "statusCode": 401,
                "headers": {"Content-Type": JSON},
                "body": error_body("unauthorized", "missing or wrong X-API-Key header"),
            }
    return next_(event, context)


class HttpApiSource:
    """API Gateway HTTP API (payload 2.0) events."""

    name = "http-api"

    def __init__(self, app: APIGatewayHttpResolver, middlewares: Sequence[Middleware] = (require_api_key,)) -> None:
        self.app = app
        self._handle = with_middlewares(self._resolve, middlewares)

    @staticmethod
    def matches(event: Any, context: Any) -> bool:
        return (
            isinstance(event, dict)
            and isinstance(event.get("requestContext"), dict)
            and isinstance(event["requestContext"].get("http"), dict)
        )

    def handle(self, event: Any, context: Any) -> Answer:
        return self._handle(event, context)

    def _resolve(self, event: dict[str, Any], context: Any) -> Answer:
        logger.info(
            "http request",
            extra={"path": event.get("rawPath"), "method": event["requestContext"]["http"].get("method")},
        )
        try:
            result: Answer = self.app.resolve(event, context)
        except Exception as exc:  # the resolver could not even read the event
            return {"statusCode": 400, "headers": {"Content-Type": JSON}, "body": error_body("invalid_event", str(exc))}
        return result
