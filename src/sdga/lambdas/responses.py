"""Responses of the Powertools resolvers: JSON bodies, and every error as an :class:`~sdga.models.ErrorResponse`.

Nothing escapes a resolver as an exception: a refused request (any :class:`~sdga.errors.SdgaError`), a
body that does not match its model, an unknown route and an internal error all become a response with
the right 4xx/5xx code and an ErrorResponse body.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from sdga.errors import SdgaError
from sdga.lambdas.runtime import JSON, add_metric, logger
from sdga.models import ErrorResponse


def error_body(error: str, message: str, details: Any = None) -> str:
    return ErrorResponse(error=error, message=message, details=details).model_dump_json()


def count_refusal(exc: SdgaError) -> None:
    """The CloudWatch metrics of a refused request (invalid schemas, compliance violations)."""
    if exc.code in ("schema_invalid", "unique_capacity_exceeded"):
        add_metric("SchemaValidationFailure", 1)
    if exc.code == "compliance_violation":
        issues = exc.details.get("compliance_issues") if isinstance(exc.details, dict) else None
        add_metric("ComplianceViolations", len(issues) if isinstance(issues, list) else 1)


def _sdga_error(exc: SdgaError) -> Response[str]:
    count_refusal(exc)
    logger.info("request refused", extra={"error": exc.code, "error_message": exc.message})
    return Response(status_code=exc.http_status, content_type=JSON, body=exc.to_response().model_dump_json())


def _validation_error(exc: RequestValidationError) -> Response[str]:
    details = [
        {"loc": ".".join(str(p) for p in e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
        for e in exc.errors()
    ]
    first = details[0] if details else {"loc": "", "msg": "invalid request"}
    message = f"invalid request at '{first['loc']}': {first['msg'] or first.get('type')}"
    return Response(status_code=422, content_type=JSON, body=error_body("invalid_input", message, details))


def _unexpected(exc: Exception) -> Response[str]:
    logger.exception("unhandled error")
    return Response(
        status_code=500,
        content_type=JSON,
        body=error_body("internal_error", f"unexpected error: {type(exc).__name__}: {exc}"),
    )


def _service_error(exc: ServiceError) -> Response[str]:
    """Powertools' own errors (unknown route → 404, wrong method → 405 ...), in ErrorResponse shape."""
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return Response(status_code=exc.status_code, content_type=JSON, body=error_body(code, str(exc.msg)))


def install_error_handlers(app: Any) -> None:
    app.exception_handler(SdgaError)(_sdga_error)
    app.exception_handler(ServiceError)(_service_error)
    app.exception_handler(RequestValidationError)(_validation_error)
    app.exception_handler(Exception)(_unexpected)


def typed(body: Any, status: int = 200) -> Response[Any]:
    """A response for a validated Bedrock route: Powertools checks ``body`` against the route's return type."""
    return Response(status_code=status, content_type=JSON, body=body)


def ok(body: Any, status: int = 200) -> Response[str]:
    """A JSON response from a model or plain data."""
    text = body.model_dump_json(by_alias=True) if hasattr(body, "model_dump_json") else json.dumps(body, default=str)
    return Response(status_code=status, content_type=JSON, body=text)
