"""The one place boto3 is imported (lazily): clients that honour the region and AWS_ENDPOINT_URL.

boto3 (>= 1.28) reads ``AWS_ENDPOINT_URL`` natively; the endpoint is still passed explicitly when it is
configured in :class:`~sdga.config.Settings` (e.g. from the YAML file) so the same code reaches AWS, moto
or LocalStack without code changes. Retries use botocore's "standard" mode; ``AWS_MAX_ATTEMPTS`` sets
how many attempts (default 3).
"""

from __future__ import annotations

import threading
from typing import Any

from sdga.config import Settings
from sdga.errors import ConfigurationError

_lock = threading.Lock()
_clients: dict[tuple[str, str | None, str | None], Any] = {}


def client(service: str, settings: Settings) -> Any:
    """A cached boto3 client for ``service`` (clients are thread-safe; sessions are not)."""
    key = (service, settings.aws_region, settings.aws_endpoint_url)
    with _lock:
        if key in _clients:
            return _clients[key]
        try:
            import boto3
            from botocore.config import Config
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ConfigurationError("AWS backends need boto3: pip install 'synthetic-data-agent[aws]'") from exc
        kwargs: dict[str, Any] = {"config": Config(retries={"mode": "standard"}, connect_timeout=5, read_timeout=60)}
        if settings.aws_region:
            kwargs["region_name"] = settings.aws_region
        if settings.aws_endpoint_url:
            kwargs["endpoint_url"] = settings.aws_endpoint_url
        _clients[key] = boto3.session.Session().client(service, **kwargs)
        return _clients[key]


def reset_clients() -> None:
    """Forget cached clients (tests switch endpoints between runs)."""
    with _lock:
        _clients.clear()


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError, else None (no botocore import needed by callers)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code is not None else None
    return None
