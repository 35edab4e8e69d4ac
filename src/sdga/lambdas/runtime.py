"""What every Lambda of this package shares at run time: the service, logging, tracing and metrics.

One service per Lambda container (created on first use, reused by warm invocations); Powertools' logger,
tracer and CloudWatch EMF metrics named after ``POWERTOOLS_SERVICE_NAME``.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

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
