"""Plumbing shared by the three action Lambdas: event dispatch, defensive parsing, errors, observability.

Each handler answers two kinds of events with the same service code:

* **Bedrock agent** action-group events (``messageVersion`` + ``apiPath``), routed by Powertools'
  ``BedrockAgentResolver``. Bedrock sends every body property as a string, so the Bedrock-facing bodies
  are flat scalars and the schema is one JSON-encoded string (parsed here: JSON, then YAML, then the
  ``{key=value}`` form some agents produce).
* **API Gateway HTTP API** (payload 2.0) events, routed by ``APIGatewayHttpResolver`` with the full
  nested request models.

Nothing escapes as an exception: a malformed event, a bad body or an internal error becomes a proper
response with a 4xx/5xx code and an :class:`~sdga.models.ErrorResponse` body.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import threading
from collections.abc import Callable
from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, BedrockAgentResolver, Response
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BeforeValidator

from sdga.errors import InvalidInputError, SdgaError
from sdga.models import ComplianceRequirement, ErrorResponse, GenerateDataResponse, QualityMetrics

NAMESPACE = "SyntheticDataAgent"
JSON = "application/json"

SERVICE_NAME = os.environ.get("POWERTOOLS_SERVICE_NAME", "synthetic-data-agent")
logger = Logger(service=SERVICE_NAME)
tracer = Tracer(service=SERVICE_NAME)
# The 'service' dimension is added from ``service`` on every metric (CloudWatch dashboards filter on it).
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", NAMESPACE), service=SERVICE_NAME)

_service_lock = threading.Lock()
_service: Any = None


def get_service() -> Any:
    """One service per Lambda container (created on first use, reused by warm invocations)."""
    global _service
    with _service_lock:
        if _service is None:
            from sdga.service import SyntheticDataService

            overrides: dict[str, Any] = {}
            if os.environ.get("AWS_LAMBDA_FUNCTION_NAME") and not os.environ.get("SDGA_BACKGROUND_MODE"):
                overrides["background_mode"] = "lambda"  # threads die with the invocation
            if os.environ.get("AWS_LAMBDA_FUNCTION_NAME") and not os.environ.get("SDGA_HOME"):
                overrides["home"] = "/tmp/sdga"  # the only writable place in Lambda
            parameter = os.environ.get("SDGA_API_KEY_PARAMETER")
            if parameter and not os.environ.get("SDGA_API_KEY"):
                overrides["api_key"] = read_api_key(parameter)
            _service = SyntheticDataService.from_env(**overrides)
        return _service


def read_api_key(parameter: str) -> str:
    """The API key from its SSM SecureString parameter, read once per container (cold start).

    Terraform keeps the key out of the function configuration, where anyone allowed to read the function would
    see it. A failure here fails the request (500) rather than serving without the key.
    """
    from aws_lambda_powertools.utilities import parameters

    value = parameters.get_parameter(parameter, decrypt=True, max_age=24 * 3600)
    if not value:
        raise RuntimeError(f"SSM parameter {parameter} holds no API key")
    return str(value)


def set_service(service: Any) -> None:
    """Use this service instance (tests, custom wiring)."""
    global _service
    with _service_lock:
        _service = service


# ------------------------------------------------------------------------------------- errors
def error_body(error: str, message: str, details: Any = None) -> str:
    return ErrorResponse(error=error, message=message, details=details).model_dump_json()


def _sdga_error(exc: SdgaError) -> Response[str]:
    if exc.code in ("schema_invalid", "unique_capacity_exceeded"):
        add_metric("SchemaValidationFailure", 1)
    if exc.code == "compliance_violation":
        issues = exc.details.get("compliance_issues") if isinstance(exc.details, dict) else None
        add_metric("ComplianceViolations", len(issues) if isinstance(issues, list) else 1)
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


def make_bedrock_app() -> BedrockAgentResolver:
    app = BedrockAgentResolver(enable_validation=True)
    install_error_handlers(app)
    return app


def make_http_app() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=False)
    install_error_handlers(app)
    return app


def typed(body: Any, status: int = 200) -> Response[Any]:
    """A response for a validated Bedrock route: Powertools checks ``body`` against the route's return type."""
    return Response(status_code=status, content_type=JSON, body=body)


def ok(body: Any, status: int = 200) -> Response[str]:
    """A JSON response from a model or plain data."""
    text = body.model_dump_json(by_alias=True) if hasattr(body, "model_dump_json") else json.dumps(body, default=str)
    return Response(status_code=status, content_type=JSON, body=text)


# ----------------------------------------------------------------------- defensive value parsing
_TOKEN = re.compile(r"\s*([{}\[\],=:])\s*|\s*([^{}\[\],=]+?)\s*(?=[{}\[\],=]|$)")


def _scalar(text: str) -> Any:
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("null", "none"):
        return None
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d*\.\d+(e-?\d+)?", low):
        return float(text)
    return text


def parse_key_value(text: str) -> Any:
    """Parse the Java ``toString`` style ``{name=id, constraints={unique=true}, tags=[a, b]}``."""
    tokens: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"unexpected character at {pos}")
        tokens.append(m.group(1) or m.group(2))
        pos = m.end()
    index = 0

    def value() -> Any:
        nonlocal index
        if index >= len(tokens):
            raise ValueError("unexpected end")
        tok = tokens[index]
        if tok == "{":
            index += 1
            out: dict[str, Any] = {}
            while tokens[index] != "}":
                key = tokens[index]
                if tokens[index + 1] not in ("=", ":"):
                    raise ValueError(f"expected '=' after {key!r}")
                index += 2
                out[key] = value()
                if tokens[index] == ",":
                    index += 1
            index += 1
            return out
        if tok == "[":
            index += 1
            items: list[Any] = []
            while tokens[index] != "]":
                items.append(value())
                if tokens[index] == ",":
                    index += 1
            index += 1
            return items
        index += 1
        return _scalar(tok)

    try:
        result = value()
    except IndexError as exc:
        raise ValueError("unbalanced brackets") from exc
    if index != len(tokens):
        raise ValueError("trailing text")
    return result


def parse_structured(value: Any, what: str, *, _depth: int = 0) -> Any:
    """A JSON-encoded (or YAML, or ``{key=value}``) object or list from a Bedrock string property."""
    if value is None or isinstance(value, dict | list):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        pass
    else:
        if isinstance(data, str) and _depth < 3:  # JSON encoded twice (or thrice) by an eager agent
            return parse_structured(data, what, _depth=_depth + 1)
        return data
    if text.startswith(("{", "[")) and "=" in text:
        try:
            return parse_key_value(text)
        except ValueError:
            pass
    try:
        import yaml

        data = yaml.safe_load(text)
        if isinstance(data, dict | list):
            return data
    except Exception:
        pass
    raise InvalidInputError(
        f'{what} must be a JSON-encoded object (e.g. {{"fields": [{{"name": "id", "type": "uuid"}}]}}); '
        "it could not be parsed as JSON, YAML or key=value text",
        details={"field": what},
    )


def parse_list(value: Any, what: str) -> list[str]:
    """``"GDPR, HIPAA"``, ``'["GDPR","HIPAA"]'`` or ``"[GDPR, HIPAA]"`` → ``["GDPR", "HIPAA"]``."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value).strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            data = json.loads(text)
            if isinstance(data, list):
                return [str(v).strip() for v in data if str(v).strip()]
        except ValueError:
            text = text[1:-1] if text.endswith("]") else text[1:]
    return [p.strip().strip("'\"") for p in re.split(r"[,;]", text) if p.strip().strip("'\"")]


def loose_int(value: Any) -> Any:
    """``"1,000"``, ``"1 000"``, ``"2e2"`` or ``"150.0"`` as an int; anything else unchanged for pydantic to judge.

    Agents fill numbers the way people write them; a fractional or non-finite number is left as it is, so
    validation still refuses it.
    """
    if not isinstance(value, str):
        return value
    text = value.strip()
    if re.fullmatch(r"[+-]?\d{1,3}(?:([, ])\d{3})(?:\1\d{3})*", text):
        return int(re.sub(r"[, ]", "", text))
    if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?", text, flags=re.IGNORECASE):
        try:
            number = float(text)
        except (OverflowError, ValueError):
            return value
        if math.isfinite(number) and number.is_integer() and abs(number) < 2**63:
            return int(number)
    return value


LooseInt = Annotated[int, BeforeValidator(loose_int)]
OptionalLooseInt = Annotated[int | None, BeforeValidator(loose_int)]

_COMPLIANCE_KEYS = {re.sub(r"[^A-Z0-9]", "", c.value): c.value for c in ComplianceRequirement}


def parse_compliance(value: Any) -> list[str]:
    """Compliance regimes however an agent spells them: ``"gdpr, pci dss; SOC 2"`` → GDPR, PCI-DSS, SOC2.

    Unknown names are passed on (upper-cased) so that validation names them in its error.
    """
    names = [_COMPLIANCE_KEYS.get(re.sub(r"[^A-Z0-9]", "", c.upper()), c.upper()) for c in parse_list(value, "x")]
    return list(dict.fromkeys(names))


# ------------------------------------------------------------------------------- observability
def publish_metrics(func: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Flush the EMF metrics after each invocation, and only when some were recorded (no empty warnings)."""

    @functools.wraps(func)
    def wrapper(event: Any, context: Any) -> dict[str, Any]:
        try:
            return func(event, context)
        finally:
            if metrics.metric_set:
                metrics.flush_metrics()

    return wrapper


def add_metric(name: str, value: float, unit: MetricUnit = MetricUnit.Count) -> None:
    try:
        metrics.add_metric(name=name, unit=unit, value=value)
    except Exception:  # metrics must never break a request
        logger.debug("metric %s not recorded", name, exc_info=True)


def record_generation_metrics(response: GenerateDataResponse) -> None:
    """The CloudWatch metrics SPEC.md asks for, from one generation's result."""
    status = str(response.status.value)
    if status in ("pending", "running"):
        return
    if status == "failed":
        add_metric("GenerationFailure", 1)
        return
    add_metric("GenerationSuccess", 1)
    add_metric("RecordsGenerated", response.records_generated)
    if response.records_generated:
        add_metric(
            "GenerationTimePer1kRecordsMs",
            response.execution_time_ms * 1000 / response.records_generated,
            MetricUnit.Milliseconds,
        )
    quality_metrics(response.data_quality_metrics)


def quality_metrics(m: QualityMetrics | None) -> None:
    if m is not None:
        add_metric("UniquenessScore", m.uniqueness_score, MetricUnit.NoUnit)
        add_metric("ValidityScore", m.validity_score, MetricUnit.NoUnit)


def summarize_generation(response: GenerateDataResponse, *, inline_rows: int = 10) -> dict[str, Any]:
    """A small result for an agent: location and summary, never the data set itself."""
    m = response.data_quality_metrics
    out: dict[str, Any] = {
        "generation_id": response.generation_id,
        "status": response.status.value,
        "records_generated": response.records_generated,
        "records_per_table": response.records_per_table,
        "output_location": response.output_location,
        "report_location": response.report_location,
        "execution_time_ms": round(response.execution_time_ms, 1),
        "data_quality_metrics": None
        if m is None
        else {
            "uniqueness_score": round(m.uniqueness_score, 4),
            "validity_score": round(m.validity_score, 4),
            "completeness_score": round(m.completeness_score, 4),
        },
        "errors": response.errors[:5],
        "warnings": response.warnings[:5],
        "seed": response.seed,
    }
    if response.data:
        out["data_sample"] = {name: rows[:inline_rows] for name, rows in response.data.items()}
    if response.status.value in ("pending", "running"):
        out["next_step"] = f"poll the status operation with generation_id {response.generation_id}"
    return out


# ------------------------------------------------------------------------------ agent body size
# Bedrock refuses an action group's Lambda response larger than 25 KB (the agent then fails the whole turn),
# so the body gets at most this much and the rest of the envelope stays well under the limit.
MAX_AGENT_BODY_BYTES = 20_000
_SHRINK_STEPS = ((50, 2000), (20, 500), (10, 200), (5, 100), (2, 60), (1, 40))
TRUNCATED_NOTE = "response shortened to fit the agent's size limit; the HTTP API returns it in full"


def _shrink(value: Any, items: int, chars: int, depth: int = 0) -> Any:
    """``value`` with lists cut to ``items``, long strings cut to ``chars`` and, below the top level,
    name-to-structure maps (per-field statistics, per-table samples) cut to ``items`` entries."""
    if isinstance(value, str):
        return value if len(value) <= chars else value[: max(chars - 1, 0)] + "…"
    if isinstance(value, list):
        return [_shrink(v, items, chars, depth + 1) for v in value[:items]]
    if isinstance(value, dict):
        entries = list(value.items())
        if depth > 0 and len(entries) > items and all(isinstance(v, dict | list) for _, v in entries):
            entries = entries[:items]
        return {k: _shrink(v, items, chars, depth + 1) for k, v in entries}
    return value


def fit_agent_body(body: str, limit: int = MAX_AGENT_BODY_BYTES) -> str:
    """A JSON body for a Bedrock agent that is at most ``limit`` bytes, shortened step by step if needed.

    The top-level keys stay (the agent's OpenAPI response schema names them); an ErrorResponse says in its
    message that its details were shortened, any other body gets a ``truncated`` note.
    """
    if len(body.encode()) <= limit:
        return body
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return json.dumps({"truncated": TRUNCATED_NOTE, "text": body[: limit // 4]})
    is_error = {"error", "message"} <= set(data)

    def mark(shrunk: dict[str, Any]) -> str:
        if is_error:
            shrunk["message"] = f"{shrunk.get('message', '')} (details shortened to fit the agent's size limit)"
        else:
            shrunk["truncated"] = TRUNCATED_NOTE
        return json.dumps(shrunk, default=str)

    for items, chars in _SHRINK_STEPS:
        text = mark(_shrink(data, items, chars))
        if len(text.encode()) <= limit:
            return text
    # Last resort: the top-level scalars only (ids, status, counts, scores, the error code and message),
    # and fewer of them until the body fits.
    scalars = [(k, _shrink(v, 1, 200)) for k, v in data.items() if not isinstance(v, dict | list)]
    keep = len(scalars)
    while True:
        text = mark(dict(scalars[:keep]))
        if keep == 0 or len(text.encode()) <= limit:
            return text
        keep //= 2


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


# ---------------------------------------------------------------------------------- dispatch
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


def _check_api_key(event: dict[str, Any]) -> dict[str, Any] | None:
    """HTTP API events need ``x-api-key`` when SDGA_API_KEY is set (Bedrock events come through IAM)."""
    import secrets

    expected = get_service().settings.api_key
    if not expected:
        return None
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    if secrets.compare_digest(headers.get("x-api-key", "").encode(), str(expected).encode()):
        return None
    return {
        "statusCode": 401,
        "headers": {"Content-Type": JSON},
        "body": error_body("unauthorized", "missing or wrong X-API-Key header"),
    }


def is_bedrock_event(event: Any) -> bool:
    return isinstance(event, dict) and ("messageVersion" in event or "actionGroup" in event or "agent" in event)


def is_http_event(event: Any) -> bool:
    return (
        isinstance(event, dict)
        and isinstance(event.get("requestContext"), dict)
        and isinstance(event["requestContext"].get("http"), dict)
    )


def dispatch(
    event: Any,
    context: Any,
    bedrock_app: BedrockAgentResolver,
    http_app: APIGatewayHttpResolver | None,
    extra: Callable[[dict[str, Any], Any], dict[str, Any] | None] | None = None,
) -> dict[str, Any]:
    """Route an event to the right resolver; a malformed event gets a proper 4xx response."""
    if context is not None and hasattr(context, "aws_request_id"):
        logger.append_keys(request_id=context.aws_request_id)
    if extra is not None and isinstance(event, dict):
        handled = extra(event, context)
        if handled is not None:
            return handled
    if is_http_event(event) and http_app is not None:
        denied = _check_api_key(event)
        if denied is not None:
            return denied
        logger.info(
            "http request",
            extra={"path": event.get("rawPath"), "method": event["requestContext"]["http"].get("method")},
        )
        try:
            return http_app.resolve(event, context)
        except Exception as exc:  # the resolver could not even read the event
            return {"statusCode": 400, "headers": {"Content-Type": JSON}, "body": error_body("invalid_event", str(exc))}
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
        result = bedrock_app.resolve(_normalise_bedrock_event(event), context)
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
