"""The agentcore backend against recorded AgentCore request/response shapes.

``invoke_agent_runtime`` is checked with botocore's Stubber (the request against the service model, the
streamed body as recorded). ``invoke_harness`` answers an event stream, which the Stubber cannot hold, so
its recorded HTTP response (AWS event-stream frames) is served to the real client at ``before-send``: the
request is serialised and the stream decoded by botocore exactly as against AWS.
"""

from __future__ import annotations

import binascii
import io
import json
import struct
from typing import Any

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber

from sdga.agent import BACKENDS, get_backend
from sdga.agent.agentcore import AgentCoreBackend, parse_harness_stream, runtime_session_id, tool_name
from sdga.agent.base import AgentBackendError, ChatSession
from sdga.errors import ConfigurationError, InvalidInputError

HARNESS = "arn:aws:bedrock-agentcore:eu-west-1:123456789012:harness/sdga_agent-a1B2c3D4e5"
RUNTIME = "arn:aws:bedrock-agentcore:eu-west-1:123456789012:runtime/sdga_agent-Q1w2E3r4T5"
GEN_ID = "6c1e2f0a-4b7d-4e59-9a3c-2d8e7f6a5b41"
GENERATION = {
    "generation_id": GEN_ID, "status": "success", "records_generated": 5000,
    "output_location": "s3://qa-data/generations/" + GEN_ID + "/", "execution_time_ms": 2210.5,
    "errors": [], "warnings": [], "records_per_table": {"customers": 5000},
    "output_files": ["s3://qa-data/generations/" + GEN_ID + "/customers.csv"],
    "data_quality_metrics": {"uniqueness_score": 1.0, "validity_score": 1.0, "completeness_score": 0.98},
}  # fmt: skip
VALIDATION = {"valid": True, "errors": [], "suggestions": [], "compliance_issues": []}

# One harness turn as AgentCore streams it: the model validates, generates through the gateway, answers.
HARNESS_EVENTS: list[tuple[str, dict[str, Any]]] = [
    ("messageStart", {"role": "assistant"}),
    ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Validating the schema first."}}),
    ("contentBlockStop", {"contentBlockIndex": 0}),
    ("contentBlockStart", {"contentBlockIndex": 1, "start": {"toolUse": {
        "toolUseId": "tu-1", "name": "sdga-actions___validate_schema", "type": "tool_use"}}}),
    ("contentBlockDelta", {"contentBlockIndex": 1, "delta": {"toolUse": {"input": '{"schema": {"fields": '}}}),
    ("contentBlockDelta", {"contentBlockIndex": 1, "delta": {"toolUse": {"input": '[]}, "volume": 5000}'}}}),
    ("contentBlockStop", {"contentBlockIndex": 1}),
    ("messageStop", {"stopReason": "tool_use"}),
    ("messageStart", {"role": "user"}),
    ("contentBlockStart", {"contentBlockIndex": 0, "start": {"toolResult": {"toolUseId": "tu-1", "status": "success"}}}),
    ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"toolResult": [{"json": VALIDATION}]}}),
    ("contentBlockStop", {"contentBlockIndex": 0}),
    ("messageStop", {"stopReason": "end_turn"}),
    ("messageStart", {"role": "assistant"}),
    ("contentBlockStart", {"contentBlockIndex": 0, "start": {"toolUse": {
        "toolUseId": "tu-2", "name": "sdga-actions___generate_synthetic_data", "type": "tool_use"}}}),
    ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"toolUse": {
        "input": '{"data_type": "user_profile", "volume": 5000, "output_format": "csv"}'}}}),
    ("contentBlockStop", {"contentBlockIndex": 0}),
    ("messageStop", {"stopReason": "tool_use"}),
    ("messageStart", {"role": "user"}),
    ("contentBlockStart", {"contentBlockIndex": 0, "start": {"toolResult": {"toolUseId": "tu-2", "status": "success"}}}),
    ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"toolResult": [{"text": json.dumps(GENERATION)}]}}),
    ("contentBlockStop", {"contentBlockIndex": 0}),
    ("messageStop", {"stopReason": "end_turn"}),
    ("messageStart", {"role": "assistant"}),
    ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": f"Done: 5,000 customers (generation {GEN_ID})."}}),
    ("contentBlockStop", {"contentBlockIndex": 0}),
    ("messageStop", {"stopReason": "end_turn"}),
    ("metadata", {"usage": {"inputTokens": 4120, "outputTokens": 388, "totalTokens": 4508},
                  "metrics": {"latencyMs": 9120}}),
]  # fmt: skip


def _frame(event_type: str, payload: dict[str, Any], message_type: str = "event") -> bytes:
    """One AWS event-stream message: prelude, string headers, JSON payload, CRCs."""
    headers = b""
    type_header = ":exception-type" if message_type == "exception" else ":event-type"
    for name, value in ((type_header, event_type), (":content-type", "application/json"),
                        (":message-type", message_type)):  # fmt: skip
        headers += bytes([len(name)]) + name.encode() + b"\x07" + struct.pack(">H", len(value)) + value.encode()
    body = json.dumps(payload).encode()
    prelude = struct.pack(">II", 12 + len(headers) + len(body) + 4, len(headers))
    prelude += struct.pack(">I", binascii.crc32(prelude) & 0xFFFFFFFF)
    message = prelude + headers + body
    return message + struct.pack(">I", binascii.crc32(message) & 0xFFFFFFFF)


class _Raw:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Any:
        yield from (self.data[i : i + 53] for i in range(0, len(self.data), 53))  # uneven chunks on purpose

    def read(self, *_: Any, **__: Any) -> bytes:
        return self.data

    def close(self) -> None:
        pass


def _client() -> Any:
    return boto3.client(
        "bedrock-agentcore", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def _recorded(client: Any, frames: list[bytes], status: int = 200) -> list[Any]:
    """Serve ``frames`` as the HTTP response of the next call; returns the list the sent requests go to."""
    from botocore.awsrequest import AWSResponse

    sent: list[Any] = []

    def respond(request: Any, **_: Any) -> AWSResponse:
        sent.append(request)
        headers = {"Content-Type": "application/vnd.amazon.eventstream",
                   "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id": request.headers.get(
                       "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id", b"").decode()}  # fmt: skip
        return AWSResponse(request.url, status, headers, _Raw(b"".join(frames)))

    client.meta.events.register("before-send.bedrock-agentcore.InvokeHarness", respond)
    return sent


@pytest.fixture
def agentcore_env(sdga_home: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("SDGA_AGENTCORE_HARNESS_ARN", "SDGA_AGENTCORE_RUNTIME_ARN", "SDGA_AGENTCORE_QUALIFIER",
                "SDGA_AGENTCORE_USER_ID"):  # fmt: skip
        monkeypatch.delenv(var, raising=False)


# -------------------------------------------------------------------------------------------- harness
def test_harness_turn_is_streamed_and_the_generation_is_its_result(agentcore_env: None) -> None:
    client = _client()
    sent = _recorded(client, [_frame(kind, body) for kind, body in HARNESS_EVENTS])
    chunks: list[str] = []
    traces: list[dict[str, Any]] = []
    backend = get_backend("agentcore", client=client, harness_arn=HARNESS, on_chunk=chunks.append,
                          on_trace=traces.append, user_id="qa-team")  # fmt: skip
    session = ChatSession(session_id="follow-ups")
    result = backend.ask("5k customers as CSV", session=session)

    (request,) = sent
    assert request.method == "POST" and request.url.split("?")[0].endswith("/harnesses/invoke")
    assert "harnessArn=arn%3Aaws%3Abedrock-agentcore" in request.url
    sid = request.headers["X-Amzn-Bedrock-AgentCore-Runtime-Session-Id"].decode()
    assert sid == runtime_session_id(session) and len(sid) >= 33
    assert request.headers["X-Amzn-Bedrock-AgentCore-Runtime-User-Id"] == b"qa-team"
    body = json.loads(request.body)
    assert body["messages"] == [{"role": "user", "content": [{"text": "5k customers as CSV"}]}]
    assert body["actorId"] == "qa-team"

    assert result.answer == f"Validating the schema first.\n\nDone: 5,000 customers (generation {GEN_ID})."
    assert "".join(chunks) == "Validating the schema first." + f"Done: 5,000 customers (generation {GEN_ID})."
    assert result.steps[:2] == ["calls validate_schema (volume=5000, schema)",
                                "calls generate_synthetic_data (data_type=user_profile, volume=5000, output_format=csv)"]  # fmt: skip
    assert [t["summary"] for t in traces] == result.steps
    assert result.response is not None and result.response.generation_id == GEN_ID and result.ok
    assert session.last_generation_id == GEN_ID and session.turns == 1
    report = result.report()
    assert GEN_ID in report and "5,000" in report


def test_harness_errors_are_structured(agentcore_env: None) -> None:
    client = _client()
    _recorded(client, [_frame("messageStart", {"role": "assistant"}),
                       _frame("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Let me"}}),
                       _frame("validationException", {"message": "Model input too long", "reason": "x"},
                              "exception")])  # fmt: skip
    backend = AgentCoreBackend(client=client, harness_arn=HARNESS)
    with pytest.raises(AgentBackendError, match="Model input too long"):
        backend.ask("anything")

    stubbed = _client()
    with Stubber(stubbed) as stubber:
        stubber.add_client_error("invoke_harness", "AccessDeniedException", "not authorized to invoke", 403,
                                 expected_params={"harnessArn": HARNESS, "runtimeSessionId": ANY,
                                                  "messages": ANY})  # fmt: skip
        with pytest.raises(AgentBackendError) as caught:
            AgentCoreBackend(client=stubbed, harness_arn=HARNESS).ask("anything")
    assert caught.value.code == "agent_backend_failed" and "AccessDeniedException" in caught.value.message
    with pytest.raises(InvalidInputError, match="plan-only"):
        AgentCoreBackend(client=_client(), harness_arn=HARNESS).ask("1k rows", plan_only=True)


def test_tool_errors_in_the_stream_become_steps() -> None:
    events = [
        {"messageStart": {"role": "user"}},
        {"contentBlockDelta": {"contentBlockIndex": 9, "delta": {"text": "(the user's own words)"}}},
        {"contentBlockStart": {"contentBlockIndex": 0, "start": {"toolResult": {"toolUseId": "t", "status": "error"}}}},
        {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"toolResult": [{"json": {
            "error": "schema_invalid", "message": "min > max for age"}}]}}},
        {"contentBlockStop": {"contentBlockIndex": 0}},
        {"messageStart": {"role": "assistant"}},
        {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": "The schema needs a fix."}}},
        {"messageStop": {"stopReason": "max_tokens"}},
    ]  # fmt: skip
    out = parse_harness_stream(events)
    assert out.text == "The schema needs a fix."
    assert out.steps == ["tool error: min > max for age", "the agent stopped: max_tokens"]
    assert tool_name("sdga-actions___calculate_quality_metrics") == "calculate_quality_metrics"


# -------------------------------------------------------------------------------------------- runtime
def _body(data: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(data), len(data))


def _expected(sid: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"agentRuntimeArn": RUNTIME, "runtimeSessionId": sid, "payload": json.dumps(payload).encode(),
            "contentType": "application/json", "accept": "application/json, text/event-stream"}  # fmt: skip


def test_runtime_streamed_answer_with_a_final_result(agentcore_env: None) -> None:
    session = ChatSession(session_id="0123456789abcdef0123456789abcdef")
    sid = runtime_session_id(session)
    sse = (
        b'data: "Planning 5,000 customers"\n\n'
        b'data: {"text": " and generating them."}\n\n'
        b": keep-alive\n\n"
        + b"data: " + json.dumps({"result": {"answer": "Generated 5,000 customers.", "response": GENERATION,
                                             "steps": ["validate_schema: valid", "generate_synthetic_data: success"],
                                             "error": None}}).encode() + b"\n\n"
    )  # fmt: skip
    client = _client()
    chunks: list[str] = []
    with Stubber(client) as stubber:
        stubber.add_response(
            "invoke_agent_runtime",
            {"response": _body(sse), "contentType": "text/event-stream", "runtimeSessionId": sid, "statusCode": 200},
            _expected(sid, {"prompt": "5k customers", "session_id": sid, "plan_only": False}),
        )
        result = AgentCoreBackend(client=client, runtime_arn=RUNTIME, on_chunk=chunks.append).ask(
            "5k   customers", session=session
        )
        stubber.assert_no_pending_responses()
    assert chunks == ["Planning 5,000 customers", " and generating them."]
    assert result.answer == "Generated 5,000 customers." and result.response is not None
    assert result.response.records_generated == 5000 and result.steps[-1] == "generate_synthetic_data: success"
    assert result.ok and session.last_generation_id == GEN_ID


def test_runtime_json_answer_plan_only_and_errors(agentcore_env: None) -> None:
    session = ChatSession(session_id="s-1")
    sid = runtime_session_id(session)
    request = {"data_type": "user_profile", "volume": 300, "output_format": "parquet"}
    client = _client()
    with Stubber(client) as stubber:
        stubber.add_response(
            "invoke_agent_runtime",
            {"response": _body(json.dumps({"answer": "Here is the plan.", "request": request, "steps": []}).encode()),
             "contentType": "application/json", "runtimeSessionId": sid, "statusCode": 200},
            {**_expected(sid, {"prompt": "300 users", "session_id": sid, "plan_only": True}), "qualifier": "prod"},
        )  # fmt: skip
        stubber.add_response(
            "invoke_agent_runtime",
            {"response": _body(b'data: {"error": {"message": "model throttled"}}\n\n'),
             "contentType": "text/event-stream", "runtimeSessionId": sid, "statusCode": 200},
            {**_expected(sid, {"prompt": "again", "session_id": sid, "plan_only": False}), "qualifier": "prod"},
        )  # fmt: skip
        stubber.add_client_error("invoke_agent_runtime", "RuntimeClientError", "container exited", 424)
        backend = AgentCoreBackend(client=client, runtime_arn=RUNTIME, qualifier="prod")
        planned = backend.ask("300 users", session=session, plan_only=True)
        with pytest.raises(AgentBackendError, match="model throttled"):
            backend.ask("again", session=session)
        with pytest.raises(AgentBackendError, match="RuntimeClientError"):
            backend.ask("once more", session=session)
    assert planned.request is not None and planned.request.volume == 300 and planned.response is None
    assert planned.ok and "Request (not run)" in planned.report()


def test_configuration_and_registry(agentcore_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "agentcore" in BACKENDS
    with pytest.raises(ConfigurationError, match="exactly one"):
        get_backend("agentcore")
    monkeypatch.setenv("SDGA_AGENTCORE_RUNTIME_ARN", RUNTIME)
    monkeypatch.setenv("SDGA_AGENTCORE_HARNESS_ARN", HARNESS)
    with pytest.raises(ConfigurationError, match="both are set"):
        get_backend("agentcore")
    monkeypatch.delenv("SDGA_AGENTCORE_HARNESS_ARN")
    backend = get_backend("agentcore", trace=True, model_id="ignored")
    assert isinstance(backend, AgentCoreBackend) and backend.mode == "runtime" and backend._region == "eu-west-1"
    with pytest.raises(ConfigurationError, match="not an AgentCore harness ARN"):
        AgentCoreBackend(harness_arn=RUNTIME)
    ids = {runtime_session_id(ChatSession(session_id=s)) for s in ("a", "x:y.z", "f" * 32, "g" * 200)}
    assert all(33 <= len(i) <= 100 and i.replace("-", "").replace("_", "").isalnum() for i in ids)
    assert runtime_session_id(ChatSession(session_id="a")) == runtime_session_id(ChatSession(session_id="a"))


def test_sdga_ask_backend_agentcore(agentcore_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line end to end: `sdga ask --backend agentcore` with the client answered by the Stubber."""
    from typer.testing import CliRunner

    from sdga.cli import app

    monkeypatch.setenv("SDGA_AGENTCORE_RUNTIME_ARN", RUNTIME)
    client = _client()
    real = boto3.client
    monkeypatch.setattr(boto3, "client", lambda name, **kw: client if name == "bedrock-agentcore" else real(name, **kw))
    body = json.dumps({"answer": f"Generated 5,000 customers ({GEN_ID}).", "response": GENERATION}).encode()
    with Stubber(client) as stubber:
        stubber.add_response(
            "invoke_agent_runtime",
            {"response": _body(body), "contentType": "application/json", "runtimeSessionId": "s" * 40},
            {"agentRuntimeArn": RUNTIME, "runtimeSessionId": ANY, "payload": ANY, "contentType": "application/json",
             "accept": ANY},
        )  # fmt: skip
        result = CliRunner().invoke(app, ["ask", "--backend", "agentcore", "5k customers as CSV", "--json"])
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["backend"] == "agentcore" and out["response"]["generation_id"] == GEN_ID and out["ok"]
