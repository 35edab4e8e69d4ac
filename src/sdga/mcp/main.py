"""Start the MCP server from the command line (``sdga mcp``): settings, limits, logging, transport."""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
from pathlib import Path

from sdga.errors import ConfigurationError
from sdga.mcp import SDK_MISSING


def _limit(value: int | None, env: str, default: int) -> int:
    if value is not None:
        return value
    raw = os.environ.get(env, "").strip()
    if not raw:
        return default
    try:
        number = int(raw.replace("_", ""))
    except ValueError:
        raise ConfigurationError(f"{env} must be a whole number of bytes, got {raw!r}") from None
    if number < 4096:
        raise ConfigurationError(f"{env} must be at least 4096 bytes, got {number}")
    return number


def run(
    *,
    http: bool = False,
    host: str = "127.0.0.1",
    port: int = 8000,
    path: str = "/mcp",
    allow_roots: list[Path] | None = None,
    max_result_bytes: int | None = None,
    max_resource_bytes: int | None = None,
    verbose: bool = False,
) -> None:
    if importlib.util.find_spec("mcp") is None:
        raise ConfigurationError(SDK_MISSING)
    from sdga.config import load_settings
    from sdga.mcp.server import build_server, is_loopback, serve_http, serve_stdio
    from sdga.mcp.tools import Limits
    from sdga.service import SyntheticDataService

    # stdout is the wire on stdio: every log line goes to stderr.
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="sdga mcp: %(message)s")
    default = Limits()
    limits = Limits(
        max_result_bytes=_limit(max_result_bytes, "SDGA_MCP_MAX_RESULT_BYTES", default.max_result_bytes),
        max_resource_bytes=_limit(max_resource_bytes, "SDGA_MCP_MAX_RESOURCE_BYTES", default.max_resource_bytes),
    )
    settings = load_settings()
    if http:  # refuse a bad address before anything starts
        if not path.startswith("/"):
            raise ConfigurationError(f"--path must start with '/', got {path!r}")
        if not is_loopback(host) and not settings.api_key:
            raise ConfigurationError(
                f"refusing to serve MCP on {host} without a key: set SDGA_API_KEY (clients send "
                "'Authorization: Bearer <key>'), or listen on 127.0.0.1"
            )
    if allow_roots:
        roots = [*settings.allowed_roots, *(Path(p).expanduser().resolve() for p in allow_roots)]
        settings = load_settings(allowed_roots=roots)
    # The assistant chooses the paths, so they stay inside the configured roots (unlike the CLI's own).
    server = build_server(SyntheticDataService(settings, restrict_paths=True), limits=limits)
    if not http:
        import anyio

        with contextlib.suppress(KeyboardInterrupt):
            anyio.run(serve_stdio, server)
        return
    serve_http(
        server, host=host, port=port, path=path, api_key=settings.api_key, log_level="info" if verbose else "warning"
    )
