"""Fixtures for the MCP server tests: a scratch SDGA_HOME, a service in it, and an SDK client runner.

The tests talk to the server only through the official MCP SDK's own ``Client``: in process (fast, for the
details), and over real stdio and streamable-HTTP transports against ``sdga mcp`` subprocesses.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

if os.environ.get("SDGA_REQUIRE_SERVICES") != "1":  # CI installs the dev extras: there a missing SDK fails
    pytest.importorskip("mcp", reason="the MCP SDK is not installed: pip install -e '.[dev]'")


@pytest.fixture
def mcp_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    monkeypatch.setenv("SDGA_HOME", str(home))
    for var in ("SDGA_CONFIG", "SDGA_API_KEY", "SDGA_ALLOWED_ROOTS", "SDGA_STORAGE_BACKEND", "SDGA_HISTORY_BACKEND",
                "SDGA_MCP_MAX_RESULT_BYTES", "SDGA_MCP_MAX_RESOURCE_BYTES", "SDGA_KB_BACKEND"):  # fmt: skip
        monkeypatch.delenv(var, raising=False)
    from sdga.knowledge import retriever

    retriever._cache.clear()
    yield home
    retriever._cache.clear()


def make_service(home: Path, **settings: Any) -> Any:
    from sdga.config import load_settings
    from sdga.service import SyntheticDataService

    return SyntheticDataService(load_settings(home=str(home), **settings), restrict_paths=True)


@pytest.fixture
def service(mcp_home: Path) -> Any:
    return make_service(mcp_home, background_mode="off")


@pytest.fixture
def run_client() -> Callable[..., Any]:
    """``run_client(server_or_transport, scenario)``: open the SDK client, run ``await scenario(client)``."""
    import anyio
    from mcp import Client

    def run(target: Any, scenario: Callable[[Any], Awaitable[Any]], **options: Any) -> Any:
        async def main() -> Any:
            async with Client(target, **options) as client:
                return await scenario(client)

        return anyio.run(main)

    return run


@pytest.fixture
def moto_s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto in server mode on a free loopback port, with credentials and endpoint in the environment."""
    import socket

    from moto.server import ThreadedMotoServer

    from sdga.adapters.aws import reset_clients

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_DEFAULT_REGION", "us-east-1"), ("AWS_REGION", "us-east-1"),
                        ("AWS_ENDPOINT_URL", endpoint), ("AWS_MAX_ATTEMPTS", "1")):  # fmt: skip
        monkeypatch.setenv(name, value)
    reset_clients()
    try:
        yield endpoint
    finally:
        reset_clients()
        server.stop()
