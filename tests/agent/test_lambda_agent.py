"""The agent Lambda behind API Gateway (HTTP API, payload 2.0) with the Converse loop stubbed."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from sdga.agent.converse import ConverseBackend
from sdga.lambdas import agent as agent_lambda
from sdga.lambdas.runtime import set_service


class _Context:
    aws_request_id = "req-1"
    function_name = "sdga-agent"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:sdga-agent"


def _event(body: Any, *, raw: bool = False, b64: bool = False) -> dict[str, Any]:
    text = body if raw else json.dumps(body)
    if b64:
        text = base64.b64encode(text.encode()).decode()
    return {
        "version": "2.0",
        "routeKey": "POST /api/v1/agent/ask",
        "rawPath": "/api/v1/agent/ask",
        "rawQueryString": "",
        "headers": {"content-type": "application/json", "host": "api.example.com"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "api.example.com",
            "domainPrefix": "api",
            "http": {
                "method": "POST",
                "path": "/api/v1/agent/ask",
                "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.10",
                "userAgent": "pytest",
            },
            "requestId": "r-1",
            "routeKey": "POST /api/v1/agent/ask",
            "stage": "$default",
            "time": "26/Nov/2026:07:00:00 +0000",
            "timeEpoch": 1795676400000,
        },
        "body": text,
        "isBase64Encoded": b64,
    }


def _reply(content: list[dict[str, Any]], stop: str) -> dict[str, Any]:
    return {"output": {"message": {"role": "assistant", "content": content}}, "stopReason": stop,
            "usage": {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15}, "metrics": {"latencyMs": 100}}  # fmt: skip


@pytest.fixture
def stubbed(service: Any) -> Iterator[tuple[Stubber, Any]]:
    client = boto3.client("bedrock-runtime", region_name="us-east-1")
    stub = Stubber(client)
    set_service(service)
    agent_lambda.set_backend(ConverseBackend(client=client, service=service))
    agent_lambda._sessions.clear()
    with stub:
        yield stub, client
    agent_lambda.set_backend(None)
    set_service(None)


def test_ask_runs_the_converse_loop_and_keeps_the_session(stubbed: tuple[Stubber, Any], service: Any) -> None:
    stub, client = stubbed
    sent: list[int] = []
    client.meta.events.register(
        "provide-client-params.bedrock-runtime.Converse", lambda params, **_: sent.append(len(params["messages"]))
    )
    request = {"data_type": "user_profile", "volume": 25, "output_format": "json", "seed": 3}
    use = {"toolUse": {"toolUseId": "u1", "name": "generate_synthetic_data", "input": request}}
    stub.add_response("converse", _reply([{"text": "Generating."}, use], "tool_use"), {"modelId": ANY, "messages": ANY,
                      "system": ANY, "toolConfig": ANY, "inferenceConfig": ANY})  # fmt: skip
    stub.add_response("converse", _reply([{"text": "25 user profiles are ready."}], "end_turn"))
    stub.add_response("converse", _reply([{"text": "They are JSON."}], "end_turn"))

    out = agent_lambda.handler(_event({"prompt": "25 user profiles", "session_id": "sess-1"}), _Context())
    assert out["statusCode"] == 200, out
    body = json.loads(out["body"])
    assert body["session_id"] == "sess-1" and body["ok"] is True and body["status"] == "success"
    assert body["answer"] == "25 user profiles are ready." and body["backend"] == "bedrock"
    assert body["generation_id"] in body["report"] and "## Validation" in body["report"]
    assert service.status(body["generation_id"]).records_generated == 25

    # Same session: the second call carries the first exchange (short-term memory).
    out = agent_lambda.handler(_event({"prompt": "what format?", "session_id": "sess-1"}, b64=True), _Context())
    assert json.loads(out["body"])["answer"] == "They are JSON."
    assert sent == [1, 3, 5]
    stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("body", "raw", "message"),
    [
        ({"session_id": "x1"}, False, "'prompt' is required"),
        ({"prompt": "x" * 5000}, False, "the limit is 4,000"),
        ({"prompt": "ok", "session_id": 5}, False, "session_id"),
        ("not json {", True, "not valid JSON"),
        ("", True, "empty"),
    ],
)
def test_bad_requests_get_422_with_the_error_body(
    stubbed: tuple[Stubber, Any], body: Any, raw: bool, message: str
) -> None:
    out = agent_lambda.handler(_event(body, raw=raw), _Context())
    assert out["statusCode"] in (400, 422)
    err = json.loads(out["body"])
    assert err["error"] == ("limit_exceeded" if "limit" in message else "invalid_input") and message in err["message"]


def test_backend_failure_is_a_502(stubbed: tuple[Stubber, Any]) -> None:
    stub, _ = stubbed
    stub.add_client_error("converse", service_error_code="AccessDeniedException", http_status_code=403)
    out = agent_lambda.handler(_event({"prompt": "10 users"}), _Context())
    assert out["statusCode"] == 502 and json.loads(out["body"])["error"] == "agent_backend_failed"


def test_offline_backend_in_lambda(sdga_home: Any, service: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDGA_LLM_BACKEND", "offline")
    set_service(service)
    agent_lambda.set_backend(None)
    try:
        out = agent_lambda.handler(_event({"prompt": "12 patients as json", "plan_only": True}), _Context())
        body = json.loads(out["body"])
        assert out["statusCode"] == 200 and body["backend"] == "offline" and body["request"]["volume"] == 12
        assert body["status"] is None  # plan only: nothing generated
    finally:
        agent_lambda.set_backend(None)
        set_service(None)
