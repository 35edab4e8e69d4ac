"""The three action Lambdas as Amazon Bedrock AgentCore gateway targets, with the gateway's recorded shapes:
the tool's arguments are the whole event, the tool name (``<target>___<tool>``) is in the Lambda context's
client context, and the answer is an MCP tool result — ``isError`` with an ErrorResponse when the
arguments are bad, never an exception."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sdga.config import Settings
from sdga.lambdas import generate, metrics, runtime, validate
from sdga.models import GenerateDataResponse, QualityMetricsResponse, ValidateSchemaResponse
from sdga.models.actions import ACTIONS
from sdga.openapi import AGENTCORE_DIR
from sdga.service import SyntheticDataService

SCHEMA = {
    "name": "customers",
    "fields": [
        {"name": "id", "type": "uuid", "constraints": {"unique": True}},
        {"name": "email", "type": "email", "constraints": {"unique": True}},
        {"name": "age", "type": "integer", "constraints": {"min": 18, "max": 90}},
    ],
}


class ClientContext:
    """What the Lambda runtime puts in ``context.client_context`` for a gateway invocation."""

    def __init__(self, tool: str, target: str) -> None:
        self.client = None
        self.env = None
        self.custom = {
            "bedrockAgentCoreGatewayId": "sdga-gateway-4kq1pz0c3a",
            "bedrockAgentCoreTargetId": "QXJ8W2ZJ1L",
            "bedrockAgentCoreMessageVersion": "1.0",
            "bedrockAgentCoreToolName": f"{target}___{tool}",
            "bedrockAgentCoreAwsRequestId": "0f4d6e0e-3b0c-4c5e-9d0a-3f5a3c1e2b7d",
            "bedrockAgentCoreMcpMessageId": "7",
        }


class GatewayContext:
    function_name = "sdga-generate"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:sdga-generate"
    aws_request_id = "req-ac-1"

    def __init__(self, tool: str, target: str = "sdga-generate-target") -> None:
        self.client_context = ClientContext(tool, target)


@pytest.fixture(autouse=True)
def service(tmp_path: Path) -> Iterator[SyntheticDataService]:
    svc = SyntheticDataService(Settings(home=tmp_path, background_threshold=0))
    runtime.set_service(svc)
    yield svc
    runtime.set_service(None)


def call(module: Any, tool: str, arguments: Any, target: str = "sdga-target") -> tuple[bool, dict[str, Any]]:
    """Invoke the handler as the gateway does; check the MCP tool result; return (isError, parsed JSON)."""
    result = module.handler(arguments, GatewayContext(tool, target))
    json.dumps(result)  # the gateway parses the whole answer as JSON
    assert set(result) == {"content", "isError"} and isinstance(result["isError"], bool)
    [content] = result["content"]
    assert content["type"] == "text" and isinstance(content["text"], str)
    return result["isError"], json.loads(content["text"])


def test_generate_then_status_through_the_gateway() -> None:
    error, body = call(
        generate,
        "generate_synthetic_data",
        {"data_type": "custom", "volume": 40, "schema": SCHEMA, "output_format": "csv", "seed": 9},
        target="sdga-generate",
    )
    assert not error, body
    response = GenerateDataResponse.model_validate(body)  # the result is the response model itself
    assert response.status == "success" and response.records_generated == 40 and response.seed == 9
    assert response.data_quality_metrics is not None and response.data_quality_metrics.validity_score == 1.0
    error, status = call(generate, "get_generation_status", {"generation_id": response.generation_id})
    assert not error and status["status"] == "success" and status["generation_id"] == response.generation_id


def test_a_schema_sent_as_a_json_string_is_read(service: SyntheticDataService) -> None:
    error, body = call(generate, "generate_synthetic_data", {"volume": "15", "schema": json.dumps(SCHEMA)})
    assert not error, body
    assert body["records_generated"] == 15


@pytest.mark.parametrize(
    ("arguments", "code", "needle"),
    [
        ({"volume": "lots", "schema": SCHEMA}, "invalid_input", "volume"),
        ({"volume": 10, "schema": SCHEMA, "colour": "red"}, "invalid_input", "colour"),
        ({"volume": 10}, "invalid_input", "schema"),  # custom data needs a schema
        ({"volume": 10, "schema": {"fields": [{"name": "x", "type": "no_such_type"}]}}, "schema_invalid", "x"),
        ({"volume": 10, "schema": SCHEMA, "engine": "hadoop"}, "invalid_input", "unknown engine"),
        ({"volume": 10, "schema": "{not json"}, "invalid_input", "schema"),
        (["not", "an", "object"], "invalid_input", "JSON object"),
        # Gateway arguments are never a job event, even if they look like one.
        ({"sdga_job": {"generation_id": "3f1e0c1a-0000-4000-8000-00000000000a"}}, "invalid_input", "sdga_job"),
    ],
    ids=["bad-number", "unknown-argument", "no-schema", "bad-type", "unknown-engine", "bad-json", "list", "job"],
)
def test_bad_generate_arguments_are_a_structured_error_result(arguments: Any, code: str, needle: str) -> None:
    error, body = call(generate, "generate_synthetic_data", arguments)
    assert error, body
    assert body["error"] == code and needle in json.dumps(body), body
    assert set(body) >= {"error", "message", "timestamp"}


def test_status_of_an_unknown_generation_is_an_error_result() -> None:
    error, body = call(generate, "get_generation_status", {"generation_id": "3f1e0c1a-0000-4000-8000-00000000000b"})
    assert error and body["error"] == "not_found"
    error, body = call(generate, "get_generation_status", {"generation_id": "../../etc"})
    assert error and body["error"] == "invalid_input"


def test_a_tool_another_function_serves_is_refused_with_the_tools_offered() -> None:
    error, body = call(validate, "generate_synthetic_data", {"volume": 10, "schema": SCHEMA})
    assert error and body["error"] == "not_found" and "validate_schema" in body["message"]
    error, body = call(generate, "delete_everything", {})
    assert error and "generate_synthetic_data, get_generation_status" in body["message"]


def test_validate_schema_through_the_gateway() -> None:
    error, body = call(
        validate,
        "validate_schema",
        {"schema": {"fields": [{"name": "ssn", "type": "ssn"}]}, "compliance_requirements": ["HIPAA"], "volume": 10},
        target="sdga-validate",
    )
    assert not error, body
    checked = ValidateSchemaResponse.model_validate(body)
    assert checked.valid in (True, False) and checked.compliance_issues  # an SSN under HIPAA is flagged
    error, body = call(validate, "validate_schema", {"compliance_requirements": ["HIPAA"]})
    assert error and body["error"] == "invalid_input" and "schema" in body["message"]
    error, body = call(validate, "validate_schema", {"schema": SCHEMA, "compliance_requirements": ["NOPE"]})
    assert error and body["error"] == "invalid_input"


def test_quality_metrics_through_the_gateway() -> None:
    _, generated = call(
        generate, "generate_synthetic_data", {"volume": 60, "schema": SCHEMA, "output_format": "parquet"}
    )
    error, body = call(
        metrics, "calculate_quality_metrics", {"generation_id": generated["generation_id"]}, target="sdga-metrics"
    )
    assert not error, body
    measured = QualityMetricsResponse.model_validate(body)
    assert measured.generation_id == generated["generation_id"] and measured.metrics.validity_score == 1.0
    error, body = call(metrics, "calculate_quality_metrics", {})
    assert error and body["error"] == "invalid_input"
    error, body = call(metrics, "calculate_quality_metrics", {"data_location": "/etc/passwd"})
    assert error and body["error"] in ("invalid_input", "not_found")


def test_large_results_fit_the_cap_and_say_so(service: SyntheticDataService) -> None:
    wide = {"name": "wide", "fields": [{"name": f"text_{i}", "type": "sentence"} for i in range(40)]}
    error, body = call(
        generate, "generate_synthetic_data", {"volume": 1000, "schema": wide, "destination": {"type": "inline"}}
    )
    assert not error
    assert "truncated" in body and body["status"] == "success" and body["records_generated"] == 1000


def test_without_the_gateway_context_an_event_is_not_a_tool_call() -> None:
    """The same arguments without the client context are not the gateway's: a Bedrock 4xx, nothing run."""
    result = generate.handler({"volume": 10, "schema": SCHEMA}, None)
    assert result["response"]["httpStatusCode"] == 400


ALLOWED_KEYS = {"type", "description", "properties", "required", "items"}
ALLOWED_TYPES = {"string", "number", "integer", "boolean", "object", "array"}


def _check_gateway_schema(node: dict[str, Any], path: str) -> None:
    assert set(node) <= ALLOWED_KEYS, (path, set(node) - ALLOWED_KEYS)
    assert node["type"] in ALLOWED_TYPES, path
    for name, child in (node.get("properties") or {}).items():
        _check_gateway_schema(child, f"{path}.{name}")
    if node["type"] == "array":
        _check_gateway_schema(node["items"], f"{path}[]")
    assert set(node.get("required", [])) <= set(node.get("properties") or {}), path


@pytest.mark.parametrize(
    ("module", "tools"),
    [
        (generate, ["generate_synthetic_data", "get_generation_status"]),
        (validate, ["validate_schema"]),
        (metrics, ["calculate_quality_metrics"]),
    ],
    ids=["generate", "validate", "metrics"],
)
def test_each_functions_gateway_tool_schema_comes_from_the_request_models(module: Any, tools: list[str]) -> None:
    schema = module.agentcore_tools.tool_schema()
    assert [t["name"] for t in schema] == tools
    for tool in schema:
        action = ACTIONS[tool["name"]]
        assert tool["description"] == action.description
        _check_gateway_schema(tool["inputSchema"], tool["name"])
        # Every argument of the request model, and nothing else, under the model's own (alias) names.
        assert set(tool["inputSchema"]["properties"]) == set(action.input_schema()["properties"])
    # The Terraform files the gateway target is deployed with hold exactly what this function answers to.
    target = module.__name__.rsplit(".", 1)[-1]
    committed = json.loads((Path(__file__).resolve().parents[2] / AGENTCORE_DIR / f"{target}.json").read_text())
    assert committed == schema, f"{AGENTCORE_DIR}/{target}.json is stale: python -m sdga.openapi --write"


def test_the_mcp_server_offers_the_same_tools_with_the_same_arguments() -> None:
    from sdga.mcp.tools import TOOLS_BY_NAME

    for module in (generate, validate, metrics):
        for tool in module.agentcore_tools.tools.values():
            assert TOOLS_BY_NAME[tool.name].input_model is tool.action.request
            assert TOOLS_BY_NAME[tool.name].output_model is tool.action.response


def test_recursive_schema_parts_are_described_not_repeated() -> None:
    schema = generate.agentcore_tools.tool_schema()[0]["inputSchema"]
    field = schema["properties"]["schema"]["properties"]["fields"]["items"]
    nested = field["properties"]["fields"]["items"]
    assert nested["type"] == "object" and "same shape" in nested["description"] and "properties" not in nested
    bound = field["properties"]["constraints"]["properties"]["min"]
    assert bound["type"] == "string"  # a number or a date: text, which the models read either way
