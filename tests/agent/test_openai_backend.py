"""The OpenAI-compatible backend against a stub server that speaks /v1/chat/completions with tool calls.

The stub is a real HTTP server on 127.0.0.1 (no model): each request is recorded and answered with the
next scripted assistant message, so the tests see exactly what a client of Ollama, vLLM or LM Studio
would send and receive.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sdga.agent import get_backend
from sdga.agent.base import AgentBackendError, ChatSession
from sdga.agent.repair import parse_arguments, repair
from sdga.cli import app


class Stub:
    """Scripted chat-completions server: ``replies`` are assistant messages (or (status, body) pairs)."""

    def __init__(self) -> None:
        self.replies: list[Any] = []
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
                stub.requests.append({"path": self.path, **body})
                stub.headers.append(dict(self.headers))
                reply = stub.replies.pop(0) if stub.replies else {"role": "assistant", "content": "done"}
                status, payload = reply if isinstance(reply, tuple) else (200, _completion(reply))
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _completion(message: dict[str, Any]) -> dict[str, Any]:
    finish = "tool_calls" if message.get("tool_calls") else "stop"
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "stub",
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}  # fmt: skip


def _call(name: str, arguments: Any, call_id: str = "call_1") -> dict[str, Any]:
    args = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {"role": "assistant", "content": None,
            "tool_calls": [{"id": call_id, "type": "function", "function": {"name": name, "arguments": args}}]}  # fmt: skip


@pytest.fixture
def stub() -> Iterator[Stub]:
    s = Stub()
    yield s
    s.close()


def _backend(stub: Stub, service: Any) -> Any:
    return get_backend("openai", base_url=stub.url, model_id="qwen2.5", api_key="sk-test", service=service)


def test_tool_calls_run_through_the_toolbox(stub: Stub, service: Any) -> None:
    request = {"data_type": "user_profile", "volume": 30, "output_format": "json", "seed": 5}
    stub.replies = [
        _call("validate_schema", {"schema": {"fields": [{"name": "email", "type": "email"}]}}, "c1"),
        _call("generate_synthetic_data", request, "c2"),
        {"role": "assistant", "content": "30 user profiles are ready."},
    ]
    session = ChatSession()
    result = _backend(stub, service).ask("30 user profiles", session=session)
    assert result.ok and result.answer == "30 user profiles are ready."
    assert result.response is not None and result.response.records_generated == 30
    assert service.status(result.response.generation_id).records_generated == 30
    first = stub.requests[0]
    assert first["path"] == "/v1/chat/completions" and first["model"] == "qwen2.5" and first["tool_choice"] == "auto"
    assert {t["function"]["name"] for t in first["tools"]} >= {"generate_synthetic_data", "validate_schema"}
    assert first["messages"][0]["role"] == "system" and first["messages"][-1] == {
        "role": "user",
        "content": "30 user profiles",
    }
    assert stub.headers[0].get("Authorization") == "Bearer sk-test"
    # The tool results go back as role "tool" messages tied to their call ids.
    tool_msgs = [m for m in stub.requests[2]["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in tool_msgs] == ["c1", "c2"]
    assert json.loads(tool_msgs[1]["content"])["records_generated"] == 30
    assert session.messages[-1]["role"] == "assistant" and len(session.messages) == 6


def test_a_sloppy_tool_call_is_repaired_before_it_runs(stub: Stub, service: Any) -> None:
    # Single quotes, a trailing comma, "1.5k" for the volume, a capitalised format, the schema as a string.
    sloppy = ("{'volume': '1.5k', 'output_format': 'CSV', 'schema': '{\"fields\": [{\"name\": \"email\", "
              "\"type\": \"email\"}]}', 'compliance_requirements': 'gdpr',}")  # fmt: skip
    stub.replies = [_call("generate_synthetic_data", sloppy), {"role": "assistant", "content": "ok"}]
    result = _backend(stub, service).ask("1.5k emails as csv, GDPR", plan_only=False)
    assert result.response is not None and result.response.records_generated == 1500
    assert result.request is not None and result.request.output_format.value == "csv"
    assert [c.value for c in result.request.compliance_requirements] == ["GDPR"]
    assert any("repaired" in s for s in result.steps)


def test_an_invalid_call_is_never_run_and_becomes_a_question(stub: Stub, service: Any, tmp_path: Path) -> None:
    bad = {"volume": -3, "output_format": "pdf", "schema": {"fields": []}}
    stub.replies = [_call("generate_synthetic_data", bad, "c1"), _call("generate_synthetic_data", bad, "c2")]
    result = _backend(stub, service).ask("some data")
    assert result.question is not None and result.question.reason == "invalid_tool_call"
    assert result.response is None and not result.ok
    assert not service.settings.data_dir.exists() or not any(service.settings.data_dir.iterdir())
    # The first failure went back to the model with the validation error, so it could correct itself.
    error = json.loads(next(m for m in stub.requests[1]["messages"] if m["role"] == "tool")["content"])
    assert error["status"] == "error" and error["error"] == "invalid_input"


def test_plan_only_stops_at_the_generate_call(stub: Stub, service: Any) -> None:
    stub.replies = [_call("generate_synthetic_data", {"data_type": "transaction", "volume": 100})]
    result = _backend(stub, service).ask("100 transactions", plan_only=True)
    assert result.request is not None and result.request.volume == 100 and result.response is None
    assert "planned (not run: plan only)" in result.steps and len(stub.requests) == 1


def test_server_errors_are_backend_errors(stub: Stub, service: Any) -> None:
    stub.replies = [(500, {"error": {"message": "model not loaded"}})]
    with pytest.raises(AgentBackendError, match="answered 500"):
        _backend(stub, service).ask("10 users")
    unreachable = get_backend("openai", base_url="http://127.0.0.1:9/v1", service=service, timeout_s=2)
    with pytest.raises(AgentBackendError, match="did not answer"):
        unreachable.ask("10 users")


def test_cli_ask_with_the_openai_backend(stub: Stub, sdga_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDGA_OPENAI_BASE_URL", stub.url)
    monkeypatch.setenv("SDGA_OPENAI_MODEL", "llama3.1")
    stub.replies = [_call("generate_synthetic_data", {"data_type": "log_event", "volume": 5})]
    out = CliRunner().invoke(app, ["ask", "5 log events", "--backend", "openai", "--plan-only", "--json"])
    assert out.exit_code == 0, out.output
    plan = json.loads(out.stdout)
    assert plan["backend"] == "openai" and plan["request"]["volume"] == 5 and plan["question"] is None
    assert stub.requests[0]["model"] == "llama3.1"


def test_repair_reads_what_models_send() -> None:
    assert parse_arguments('```json\n{"volume": 5}\n```')[0] == {"volume": 5}
    assert parse_arguments("Sure! {'volume': 5, 'ok': True,}")[0] == {"volume": 5, "ok": True}
    assert parse_arguments("not json")[0] is None and parse_arguments(["a"])[0] is None
    fixed, notes = repair("generate_synthetic_data", {"fields": [{"name": "a", "type": "uuid"}], "volume": "10k",
                                                       "output_format": "NDJSON", "seed": "7"})  # fmt: skip
    assert fixed == {"schema": {"fields": [{"name": "a", "type": "uuid"}]}, "volume": 10000, "output_format": "jsonl",
                     "seed": 7}  # fmt: skip
    assert len(notes) == 5
    assert repair("search_knowledge_base", {"query": "x"}) == ({"query": "x"}, [])
