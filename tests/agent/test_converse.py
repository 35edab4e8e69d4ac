"""The Converse tool-use loop against botocore's Stubber with recorded request/response shapes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from sdga.agent import get_backend
from sdga.agent.base import AgentBackendError, ChatSession
from sdga.agent.converse import DEFAULT_MODEL_ID, ConverseBackend, instruction, tool_specs, trim_messages

SCHEMA = {
    "name": "customers",
    "fields": [
        {"name": "id", "type": "uuid", "primary_key": True},
        {"name": "email", "type": "email", "constraints": {"unique": True}},
        {"name": "age", "type": "integer", "constraints": {"min": 18, "max": 65}},
    ],
}


def _client() -> Any:
    return boto3.client("bedrock-runtime", region_name="us-east-1")


def _reply(content: list[dict[str, Any]], stop: str) -> dict[str, Any]:
    """A Converse response exactly as the service shapes it."""
    return {
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": stop,
        "usage": {"inputTokens": 812, "outputTokens": 95, "totalTokens": 907},
        "metrics": {"latencyMs": 1432},
    }


def _tool(tool_id: str, name: str, data: dict[str, Any], text: str | None = None) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"text": text}] if text else []
    return [*blocks, {"toolUse": {"toolUseId": tool_id, "name": name, "input": data}}]


def _expected() -> dict[str, Any]:
    return {
        "modelId": DEFAULT_MODEL_ID,
        "messages": ANY,
        "system": [{"text": instruction()}],
        "toolConfig": {"tools": tool_specs(), "toolChoice": {"auto": {}}},
        "inferenceConfig": {"maxTokens": 4096, "temperature": 0.0},
    }


def _capture(client: Any) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    def hook(params: dict[str, Any], **_: Any) -> None:
        import copy

        sent.append(copy.deepcopy(params))

    client.meta.events.register("provide-client-params.bedrock-runtime.Converse", hook)
    return sent


def test_tools_come_from_the_models() -> None:
    specs = {s["toolSpec"]["name"]: s["toolSpec"] for s in tool_specs()}
    assert {"validate_schema", "generate_synthetic_data", "calculate_quality_metrics"} <= set(specs)
    gen = specs["generate_synthetic_data"]["inputSchema"]["json"]
    assert "schema" in gen["properties"] and "volume" in gen["properties"]
    assert 40 <= len(instruction()) <= 8000  # Bedrock's limit for an agent instruction


def test_multi_step_conversation_with_a_tool_error(service: Any, tmp_path: Path) -> None:
    client = _client()
    sent = _capture(client)
    out = tmp_path / "out"
    good = {"data_type": "custom", "volume": 50, "schema": SCHEMA, "output_format": "csv", "seed": 5,
            "destination": {"type": "local", "location": str(out)}}  # fmt: skip
    stub = Stubber(client)
    stub.add_response(
        "converse",
        _reply(_tool("t1", "validate_schema", {"schema": SCHEMA}, "Validating first."), "tool_use"),
        _expected(),
    )
    stub.add_response(
        "converse", _reply(_tool("t2", "generate_synthetic_data", {**good, "volume": -5}), "tool_use"), _expected()
    )
    stub.add_response("converse", _reply(_tool("t3", "generate_synthetic_data", good), "tool_use"), _expected())
    stub.add_response("converse", _reply([{"text": "Done: 50 customers written as CSV."}], "end_turn"), _expected())
    backend = ConverseBackend(client=client, service=service)
    session = ChatSession()
    with stub:
        result = backend.ask("50 customers aged 18-65 as CSV", session=session)
    stub.assert_no_pending_responses()

    # The tool error went back to the model as an error toolResult with the standard error body.
    error_result = sent[2]["messages"][-1]["content"][0]["toolResult"]
    assert error_result["toolUseId"] == "t2" and error_result["status"] == "error"
    assert error_result["content"][0]["json"]["error"] == "invalid_input"
    # Validation results come back as a JSON object, never a bare list.
    ok_result = sent[1]["messages"][-1]["content"][0]["toolResult"]
    assert ok_result["status"] == "success" and ok_result["content"][0]["json"]["valid"] is True
    # The generation really ran (validated first) and the report is the standard one.
    assert result.response is not None and result.response.status.value == "success"
    assert result.response.records_generated == 50
    assert (out / "customers.csv").exists() or any(out.rglob("*.csv"))
    assert result.answer == "Done: 50 customers written as CSV."
    steps = " | ".join(result.steps)
    assert steps.index("validate_schema") < steps.index("generate_synthetic_data: success")
    assert "error invalid_input" in steps
    report = result.report()
    assert result.response.generation_id in report and "Validation" in report
    # Short-term memory: the whole exchange is kept for the next turn (user, assistant, tool results, answer).
    assert [m["role"] for m in session.messages] == [
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
        "assistant",
    ]


def test_generate_refuses_an_invalid_schema(service: Any) -> None:
    client = _client()
    sent = _capture(client)
    bad = {"data_type": "custom", "volume": 10,
           "schema": {"fields": [{"name": "n", "type": "integer", "constraints": {"min": 10, "max": 1}}]}}  # fmt: skip
    stub = Stubber(client)
    stub.add_response("converse", _reply(_tool("g1", "generate_synthetic_data", bad), "tool_use"), _expected())
    stub.add_response("converse", _reply([{"text": "min is above max; fix it."}], "end_turn"), _expected())
    with stub:
        result = ConverseBackend(client=client, service=service).ask("10 numbers")
    tool_result = sent[1]["messages"][-1]["content"][0]["toolResult"]
    assert tool_result["status"] == "error" and tool_result["content"][0]["json"]["error"] == "schema_invalid"
    assert result.response is None and result.validation is not None and not result.validation.valid


def test_plan_only_stops_before_generating(service: Any) -> None:
    client = _client()
    stub = Stubber(client)
    req = {"data_type": "user_profile", "volume": 10, "output_format": "json"}
    stub.add_response(
        "converse", _reply(_tool("p1", "generate_synthetic_data", req, "Here is the plan."), "tool_use"), _expected()
    )
    session = ChatSession()
    with stub:
        result = ConverseBackend(client=client, service=service).ask("10 users", plan_only=True, session=session)
    assert result.request is not None and result.request.volume == 10 and result.response is None
    assert not service.history(limit=5)
    assert session.messages == []  # an unfinished exchange is not kept


def test_turn_limit_and_backend_errors(service: Any) -> None:
    client = _client()
    stub = Stubber(client)
    for i in range(2):
        stub.add_response(
            "converse", _reply(_tool(f"s{i}", "search_knowledge_base", {"query": "iot"}), "tool_use"), _expected()
        )
    with stub:
        result = ConverseBackend(client=client, service=service, max_turns=2).ask("loop forever")
    assert result.error and result.error["error"] == "agent_turn_limit"
    stub = Stubber(client)
    stub.add_client_error(
        "converse", service_error_code="ThrottlingException", service_message="Too many requests", http_status_code=429
    )
    with stub, pytest.raises(AgentBackendError, match="ThrottlingException"):
        ConverseBackend(client=client, service=service).ask("hello")


def test_session_trimming_keeps_tool_pairs() -> None:
    msgs: list[dict[str, Any]] = []
    for i in range(30):
        msgs.append({"role": "user", "content": [{"text": f"q{i}"}]})
        msgs.append({"role": "assistant", "content": [{"toolUse": {"toolUseId": str(i), "name": "x", "input": {}}}]})
        msgs.append({"role": "user", "content": [{"toolResult": {"toolUseId": str(i), "content": [{"json": {}}]}}]})
        msgs.append({"role": "assistant", "content": [{"text": "a"}]})
    kept = trim_messages(msgs, limit=10)
    assert len(kept) <= 10 and "text" in kept[0]["content"][0] and kept[0]["role"] == "user"


def test_model_id_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDGA_MODEL_ID", "eu.anthropic.claude-sonnet-4-5-20250929-v1:0")
    backend = get_backend("bedrock", client=_client())
    assert isinstance(backend, ConverseBackend) and backend.model_id.startswith("eu.")


def test_plan_only_with_an_invalid_request_goes_back_to_the_model(service: Any) -> None:
    """A request the models refuse is a tool error the model can correct, not a crash of the loop."""
    client = _client()
    sent = _capture(client)
    stub = Stubber(client)
    bad = {"data_type": "user_profile", "volume": -5}
    good = {"data_type": "user_profile", "volume": 5, "output_format": "csv"}
    stub.add_response("converse", _reply(_tool("b1", "generate_synthetic_data", bad), "tool_use"), _expected())
    stub.add_response(
        "converse", _reply(_tool("g1", "generate_synthetic_data", good, "Fixed."), "tool_use"), _expected()
    )
    with stub:
        result = ConverseBackend(client=client, service=service).ask("5 users as csv", plan_only=True)
    assert result.request is not None and result.request.volume == 5
    tool_result = sent[1]["messages"][-1]["content"][0]["toolResult"]
    assert tool_result["toolUseId"] == "b1" and tool_result["status"] == "error"
    assert "volume" in tool_result["content"][0]["json"]["message"]
    assert not service.history(limit=5)


def test_a_guardrail_stop_is_explained(service: Any) -> None:
    client = _client()
    stub = Stubber(client)
    stub.add_response("converse", _reply([{"text": ""}], "guardrail_intervened"), _expected())
    with stub:
        result = ConverseBackend(client=client, service=service).ask("something blocked")
    assert "blocked" in result.answer and any("guardrail intervened" in s for s in result.steps)


def test_twice_invalid_tool_calls_become_a_question(service: Any) -> None:
    """Bedrock too: an invalid call goes back to the model; twice invalid, the user is asked; nothing runs."""
    import boto3
    from botocore.stub import Stubber

    client = boto3.client("bedrock-runtime", region_name="us-east-1")
    stub = Stubber(client)
    bad = {"toolUse": {"toolUseId": "t1", "name": "generate_synthetic_data", "input": {"volume": -1}}}
    for _ in range(2):
        stub.add_response("converse", {"output": {"message": {"role": "assistant", "content": [bad]}},
                                       "stopReason": "tool_use", "usage": {"inputTokens": 1, "outputTokens": 1,
                                       "totalTokens": 2}, "metrics": {"latencyMs": 1}})  # fmt: skip
    with stub:
        result = ConverseBackend(client=client, service=service).ask("some data")
    assert result.question is not None and result.question.reason == "invalid_tool_call"
    assert result.response is None and not result.ok
    stub.assert_no_pending_responses()
