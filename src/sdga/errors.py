"""Errors that every door turns into the same structured answer.

Raise a subclass of :class:`SdgaError` anywhere in the core; the CLI prints ``message`` on one line and
exits non-zero, the HTTP API answers ``http_status`` with an :class:`~sdga.models.ErrorResponse`, and the
Lambda handlers answer Bedrock with the same status code and body.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from sdga.models.common import ErrorResponse


class SdgaError(Exception):
    """Base error: a stable ``code``, a readable ``message`` and structured ``details``."""

    code = "error"
    http_status = 400

    def __init__(self, message: str, *, details: dict[str, Any] | list[Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_response(self) -> ErrorResponse:
        return ErrorResponse(error=self.code, message=self.message, details=self.details)


class InvalidInputError(SdgaError):
    """The request or file could not be read or does not match the models."""

    code = "invalid_input"
    http_status = 422


class SchemaError(SdgaError):
    """The schema is readable but cannot be generated (unknown type, min > max, bad reference, ...)."""

    code = "schema_invalid"
    http_status = 422


class CapacityError(SchemaError):
    """A unique field's domain cannot hold the requested number of distinct values."""

    code = "unique_capacity_exceeded"


class ComplianceError(SdgaError):
    """The schema violates a requested compliance regime and no override was given."""

    code = "compliance_violation"
    http_status = 422


class NotFoundError(SdgaError):
    code = "not_found"
    http_status = 404


class NotReadyError(SdgaError):
    """The generation exists but has not finished (download/metrics asked too early)."""

    code = "not_ready"
    http_status = 409


class GenerationFailedError(SdgaError):
    """Generation started but did not complete; the history record says ``failed`` with the reason."""

    code = "generation_failed"
    http_status = 500


class DestinationError(SdgaError):
    """Writing to the destination failed; nothing partial was left visible."""

    code = "destination_failed"
    http_status = 502


class DestinationExistsError(DestinationError):
    """The destination already holds what the request would create (``if_exists: fail``): a conflict the
    caller resolves (another name, ``replace`` or ``append``), not a failure of the destination."""

    code = "destination_exists"
    http_status = 409


class ConfigurationError(SdgaError):
    code = "configuration_error"
    http_status = 500


class LimitExceededError(SdgaError):
    """A request exceeds a configured limit of this deployment; ``details`` name the limit and the value."""

    code = "limit_exceeded"
    http_status = 422

    def __init__(self, message: str, *, limit: str, maximum: int, actual: int | None, **extra: Any) -> None:
        details: dict[str, Any] = {"limit": limit, "maximum": maximum, "setting": f"SDGA_{limit.upper()}"}
        if actual is not None:
            details["actual"] = actual
        details.update(extra)
        super().__init__(message, details=details)


class ChildrenPerParentError(LimitExceededError):
    """A reference's cardinality asks for more children per parent row than the deployment allows."""

    code = "children_per_parent_exceeded"


class RequestTooLargeError(LimitExceededError):
    """The request body is larger than ``SDGA_MAX_BODY_BYTES`` (HTTP 413)."""

    code = "request_too_large"
    http_status = 413


class DeploymentBusyError(LimitExceededError):
    """Pending and running generations already hold the deployment's row budget (HTTP 429, retry later)."""

    code = "deployment_busy"
    http_status = 429


class GenerationStoppedError(SdgaError):
    """A running generation was stopped: its time limit passed, or the process is shutting down."""

    code = "generation_stopped"
    http_status = 503


def pydantic_details(exc: ValidationError) -> list[dict[str, Any]]:
    """Compact, JSON-safe list of pydantic errors: location, message, type."""
    return [
        {
            "loc": ".".join(str(p) for p in err.get("loc", ())),
            "msg": err.get("msg", ""),
            "type": err.get("type"),
        }
        for err in exc.errors(include_url=False, include_context=False, include_input=False)
    ]


def from_validation_error(exc: ValidationError, what: str = "request") -> InvalidInputError:
    """Turn a pydantic ValidationError into one readable InvalidInputError."""
    details = pydantic_details(exc)
    first = details[0] if details else {"loc": "", "msg": str(exc)}
    where = f" at '{first['loc']}'" if first["loc"] else ""
    more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
    return InvalidInputError(f"invalid {what}{where}: {first['msg']}{more}", details=details)
