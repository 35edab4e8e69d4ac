"""invoke_agent: the stream parser on a recorded event stream (real botocore EventStream decoding)."""

from __future__ import annotations

import base64
import binascii
import json
import struct
from typing import Any

import boto3
import pytest
from botocore.eventstream import EventStream
from botocore.parsers import EventStreamJSONParser
from botocore.stub import Stubber

from sdga.agent import get_backend
from sdga.agent.base import AgentBackendError, ChatSession
from sdga.agent.bedrock_agent import BedrockAgentBackend, parse_agent_stream, summarize_trace
from sdga.errors import ConfigurationError, InvalidInputError

GEN_ID = "3f2b8c1e-6a4d-4e2f-9b7a-0c1d2e3f4a5b"

# Recorded from an agent turn: a rationale, the action-group call, the observation, then the answer.
RECORDED = [
    ("trace", {"agentId": "AGENT12345", "agentAliasId": "ALIAS12345", "sessionId": "s-1", "agentVersion": "1",
               "trace": {"orchestrationTrace": {"rationale": {"traceId": "t-0", "text": "Validate the schema first."}}}}),
    ("trace", {"agentId": "AGENT12345", "agentAliasId": "ALIAS12345", "sessionId": "s-1", "agentVersion": "1",
               "trace": {"orchestrationTrace": {"invocationInput": {"traceId": "t-1", "invocationType": "ACTION_GROUP",
                         "actionGroupInvocationInput": {"actionGroupName": "data-generation-actions", "verb": "post",
                                                        "apiPath": "/api/v1/synthetic-data/generate"}}}}}),
    ("trace", {"agentId": "AGENT12345", "agentAliasId": "ALIAS12345", "sessionId": "s-1", "agentVersion": "1",
               "trace": {"orchestrationTrace": {"observation": {"traceId": "t-2", "type": "ACTION_GROUP"}}}}),
    ("chunk", {"bytes": base64.b64encode(f"Generated 500 user profiles (generation {GEN_ID}). ".encode()).decode()}),
    ("chunk", {"bytes": base64.b64encode(b"Validity 1.0, uniqueness 1.0.").decode()}),
]  # fmt: skip


def _message(event_type: str, payload: dict[str, Any], message_type: str = "event") -> bytes:
    """Encode one AWS event-stream message (prelude, string headers, JSON payload, CRCs)."""
    headers = b""
    for name, value in (
        (":event-type", event_type),
        (":content-type", "application/json"),
        (":message-type", message_type),
    ):
        if message_type == "exception" and name == ":event-type":
            name = ":exception-type"
        headers += bytes([len(name)]) + name.encode() + b"\x07" + struct.pack(">H", len(value)) + value.encode()
    body = json.dumps(payload).encode()
    total = 12 + len(headers) + len(body) + 4
    prelude = struct.pack(">II", total, len(headers))
    prelude += struct.pack(">I", binascii.crc32(prelude) & 0xFFFFFFFF)
    message = prelude + headers + body
    return message + struct.pack(">I", binascii.crc32(message) & 0xFFFFFFFF)


class _Raw:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self) -> Any:
        yield from (self.data[i : i + 37] for i in range(0, len(self.data), 37))  # odd chunking on purpose

    def close(self) -> None:
        pass


def _event_stream(messages: list[bytes]) -> EventStream:
    client = boto3.client("bedrock-agent-runtime", region_name="us-east-1")
    shape = client.meta.service_model.operation_model("InvokeAgent").output_shape.members["completion"]
    return EventStream(_Raw(b"".join(messages)), shape, EventStreamJSONParser(), "InvokeAgent")


class _FakeAgentClient:
    """Stands in for bedrock-agent-runtime: records the call, answers with the recorded stream."""

    def __init__(self, messages: list[bytes]) -> None:
        self.messages = messages
        self.calls: list[dict[str, Any]] = []

    def invoke_agent(self, **params: Any) -> dict[str, Any]:
        self.calls.append(params)
        return {
            "completion": _event_stream(self.messages),
            "contentType": "application/json",
            "sessionId": params["sessionId"],
        }


def test_parser_on_a_recorded_binary_stream() -> None:
    chunks: list[str] = []
    traces: list[dict[str, Any]] = []
    out = parse_agent_stream(
        _event_stream([_message(kind, body) for kind, body in RECORDED]), on_chunk=chunks.append, on_trace=traces.append
    )
    assert out.text == f"Generated 500 user profiles (generation {GEN_ID}). Validity 1.0, uniqueness 1.0."
    assert len(chunks) == 2 and len(out.traces) == 3 == len(traces)
    lines = [summarize_trace(t) for t in out.traces]
    assert lines[0] == "[orchestrationTrace] rationale: Validate the schema first."
    assert "calls data-generation-actions post /api/v1/synthetic-data/generate" in lines[1]
    assert lines[2] == "[orchestrationTrace] observation: ACTION_GROUP"


def test_parser_on_a_recorded_list_and_error_events() -> None:
    events = [{"chunk": {"bytes": b"partial "}}, {"throttlingException": {"message": "Rate exceeded"}}]
    with pytest.raises(AgentBackendError, match="throttlingException"):
        parse_agent_stream(events)
    assert parse_agent_stream([{"chunk": {"bytes": b"ok"}}, {"returnControl": {"invocationId": "i"}}]).return_control


def test_exception_inside_the_binary_stream_is_structured() -> None:
    stream = _event_stream([_message("chunk", {"bytes": base64.b64encode(b"x").decode()}),
                            _message("dependencyFailedException", {"message": "Lambda failed"}, "exception")])  # fmt: skip
    with pytest.raises(AgentBackendError, match="Lambda failed"):
        parse_agent_stream(stream)


def test_backend_streams_the_answer_and_attaches_the_report(service: Any) -> None:
    from sdga.models import GenerateDataRequest

    done = service.generate(GenerateDataRequest(data_type="user_profile", volume=20, seed=1), background=False)
    recorded = [(k, b) for k, b in RECORDED if k != "chunk"] + [
        ("chunk", {"bytes": base64.b64encode(f"Done: generation {done.generation_id}.".encode()).decode()})
    ]
    client = _FakeAgentClient([_message(k, b) for k, b in recorded])
    printed: list[str] = []
    backend = get_backend("bedrock-agent", client=client, agent_id="AGENT12345", alias_id="ALIAS12345", trace=True,
                          on_chunk=printed.append, service=service)  # fmt: skip
    session = ChatSession(session_id="session-42")
    result = backend.ask("20 user profiles", session=session)
    assert client.calls == [{"agentId": "AGENT12345", "agentAliasId": "ALIAS12345", "sessionId": "session-42",
                             "inputText": "20 user profiles", "enableTrace": True}]  # fmt: skip
    assert printed == [f"Done: generation {done.generation_id}."]
    assert result.response is not None and result.response.generation_id == done.generation_id
    assert done.generation_id in result.report() and "Answer" in result.report()
    assert len(result.steps) == 3 and session.last_generation_id == done.generation_id


def test_configuration_and_plan_only() -> None:
    with pytest.raises(ConfigurationError):
        BedrockAgentBackend(client=object(), agent_id="", alias_id="")
    backend = BedrockAgentBackend(client=object(), agent_id="A", alias_id="B")
    with pytest.raises(InvalidInputError):
        backend.ask("x", plan_only=True)


def test_client_errors_become_backend_errors() -> None:
    client = boto3.client("bedrock-agent-runtime", region_name="us-east-1")
    stub = Stubber(client)
    stub.add_client_error("invoke_agent", service_error_code="AccessDeniedException", http_status_code=403)
    with stub, pytest.raises(AgentBackendError, match="AccessDeniedException"):
        BedrockAgentBackend(client=client, agent_id="AGENT12345", alias_id="ALIAS12345").ask("hello")
