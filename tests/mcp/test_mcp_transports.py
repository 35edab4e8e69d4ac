"""``sdga mcp`` as assistants run it: a subprocess over stdio, and a real streamable-HTTP server on a free port.

Both are driven by the official SDK client: list the tools, call every one, send bad arguments, read a
result's resource link back. stdio uses the initialize handshake desktop hosts use today; HTTP negotiates
the newest protocol revision, behind a bearer key.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sdga.models import ErrorResponse, GenerateDataResponse

TOOLS = {"generate_synthetic_data", "validate_schema", "calculate_quality_metrics", "plan_request",
         "list_templates", "list_field_types", "get_generation_status"}  # fmt: skip
SCHEMA = {"name": "customers", "fields": [
    {"name": "id", "type": "uuid", "constraints": {"unique": True}},
    {"name": "email", "type": "email", "constraints": {"unique": True}},
    {"name": "country", "type": "country_code"},
    {"name": "age", "type": "integer", "constraints": {"min": 18, "max": 80}},
]}  # fmt: skip


async def exercise(client: Any) -> dict[str, Any]:
    """Everything an assistant does with the server, in one connection; returns what to assert on."""
    seen: dict[str, Any] = {"tools": {t.name for t in (await client.list_tools()).tools}, "progress": []}

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        seen["progress"].append(message)

    gen = await client.call_tool(
        "generate_synthetic_data",
        {"schema": SCHEMA, "volume": 400, "output_format": "csv", "seed": 11},
        progress_callback=on_progress,
    )
    gid = gen.structured_content["generation_id"]
    link = next(b for b in gen.content if b.type == "resource_link" and b.name.endswith(".csv"))
    seen["generate"] = gen
    seen["csv"] = (await client.read_resource(link.uri)).contents[0].text
    seen["calls"] = {
        "validate_schema": await client.call_tool(
            "validate_schema", {"schema": SCHEMA, "compliance_requirements": ["GDPR"], "volume": 400}
        ),
        "calculate_quality_metrics": await client.call_tool("calculate_quality_metrics", {"generation_id": gid}),
        "plan_request": await client.call_tool("plan_request", {"prompt": "300 UK employees as JSON lines"}),
        "list_templates": await client.call_tool("list_templates", {}),
        "list_field_types": await client.call_tool("list_field_types", {}),
        "get_generation_status": await client.call_tool("get_generation_status", {"generation_id": gid}),
    }
    seen["bad"] = [
        await client.call_tool("generate_synthetic_data", {"volume": -3, "data_type": "user_profile"}),
        await client.call_tool("validate_schema", {"schema": {"fields": []}}),
        await client.call_tool("calculate_quality_metrics", {}),
        await client.call_tool("list_templates", {"name": "no_such_template"}),
    ]
    return seen


def check(seen: dict[str, Any]) -> None:
    assert seen["tools"] == TOOLS
    gen = seen["generate"]
    response = GenerateDataResponse.model_validate(gen.structured_content)
    assert not gen.is_error and response.status.value == "success" and response.records_generated == 400
    lines = seen["csv"].splitlines()
    assert lines[0] == '"id","email","country","age"' and len(lines) == 401
    assert any("rows written" in (m or "") for m in seen["progress"])
    for name, result in seen["calls"].items():
        assert not result.is_error, (name, result.content)
        assert result.structured_content and result.content[0].type == "text" and result.content[0].text, name
    assert seen["calls"]["calculate_quality_metrics"].structured_content["metrics"]["row_count"] == 400
    assert seen["calls"]["plan_request"].structured_content["request"]["output_format"] == "jsonl"
    codes = [ErrorResponse.model_validate(r.structured_content).error for r in seen["bad"] if r.is_error]
    assert codes == ["invalid_input", "invalid_input", "invalid_input", "not_found"]


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SDGA_")}
    env.update({"SDGA_HOME": str(home), "SDGA_BACKGROUND_MODE": "off", **extra})
    return env


def test_stdio_subprocess(tmp_path: Path, run_client: Any) -> None:
    from mcp import StdioServerParameters

    params = StdioServerParameters(
        command=sys.executable, args=["-m", "sdga", "mcp"], env=_env(tmp_path / "home"), cwd=str(tmp_path)
    )
    check(run_client(params, exercise, mode="legacy"))


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """``sdga mcp --http --port 0`` with a key; yields its URL (announced on stderr) and the key."""
    key = "k-" + os.urandom(12).hex()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sdga", "mcp", "--http", "--host", "127.0.0.1", "--port", "0"],
        env=_env(tmp_path / "home", SDGA_API_KEY=key, SDGA_MAX_BODY_BYTES="200000"),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()  # the server announces its address once it listens
        assert "streamable HTTP at http://127.0.0.1:" in line, line + proc.stderr.read()
        yield line.rsplit(" ", 1)[-1].strip(), key
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_streamable_http_server(http_server: tuple[str, str], run_client: Any) -> None:
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    url, key = http_server
    refused = httpx2.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, timeout=10)
    assert refused.status_code == 401 and ErrorResponse.model_validate(refused.json()).error == "unauthorized"
    wrong = httpx2.post(url, json={}, headers={"Authorization": "Bearer nope"}, timeout=10)
    assert wrong.status_code == 401
    other_header = httpx2.post(url, json={}, headers={"X-API-Key": key}, timeout=10)
    assert other_header.status_code != 401  # past the key check (the MCP layer then judges the body)
    huge = httpx2.post(url, content=b"{" + b" " * 300_000 + b"}", headers={"X-API-Key": key}, timeout=10)
    assert huge.status_code == 413 and ErrorResponse.model_validate(huge.json()).error == "request_too_large"

    async def scenario(client: Any) -> dict[str, Any]:
        seen = await exercise(client)
        seen["protocol"] = client.protocol_version
        return seen

    async def with_key() -> Any:
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
            from mcp import Client

            async with Client(streamable_http_client(url, http_client=http)) as client:
                return await scenario(client)

    import anyio

    seen = anyio.run(with_key)
    check(seen)
    assert seen["protocol"] >= "2026"  # the newest revision, negotiated


def test_mcp_command_without_the_sdk_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from sdga.cli import app

    monkeypatch.setitem(sys.modules, "mcp", None)  # as if the extra were not installed
    result = CliRunner().invoke(app, ["mcp"])
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "pip install 'synthetic-data-agent[mcp]'" in lines[0]


def test_http_on_a_public_address_needs_a_key(mcp_home: Path) -> None:
    from sdga.cli import app

    result = CliRunner().invoke(app, ["mcp", "--http", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code != 0 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: refusing") and "SDGA_API_KEY" in lines[0]


def test_tool_definitions_are_plain_json() -> None:
    from sdga.mcp.tools import tool_definitions

    assert json.loads(json.dumps(tool_definitions()))[0]["inputSchema"]["type"] == "object"
