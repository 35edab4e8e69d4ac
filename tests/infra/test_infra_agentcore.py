"""agent_mode = "agentcore": gateway, one Lambda target per action, harness, memory, the knowledge base as a tool."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from infra_tf import MODULES, REPO, TERRAFORM, as_list, blocks, locals_of, statements, walk

AGENTCORE = MODULES / "agentcore"


def _one(rtype: str, name: str) -> dict[str, Any]:
    return next(b.body for b in blocks("resource", rtype) if b.module_dir == AGENTCORE and b.name == name)


def _root_call() -> dict[str, Any]:
    return next(b.body for b in blocks("module") if b.file.parent == TERRAFORM and b.name == "agentcore")


def test_agentcore_is_the_default_mode_and_the_other_modes_stay() -> None:
    variable = next(b for b in blocks("variable") if b.file.parent == TERRAFORM and b.name == "agent_mode")
    assert variable.body["default"] == "agentcore"
    for mode in ("agentcore", "bedrock-agent", "converse-api", "both"):
        assert f'"{mode}"' in variable.body["validation"][0]["condition"], mode
    assert _root_call()["count"] == "${local.create_agentcore ? 1 : 0}"


def test_tool_schemas_are_generated_from_the_request_models() -> None:
    openapi = pytest.importorskip("sdga.openapi")
    generated = openapi.agentcore_tool_schemas()
    assert set(generated) == {"generate", "validate", "metrics"}
    for target, tools in generated.items():
        path = TERRAFORM / "agentcore" / f"{target}.json"
        assert path.read_text(encoding="utf-8") == openapi.render(tools), (
            f"{path} is stale: python -m sdga.openapi --write"
        )
    names = {t["name"] for tools in generated.values() for t in tools}
    assert names == {"generate_synthetic_data", "get_generation_status", "validate_schema", "calculate_quality_metrics"}
    # The same names and input schemas as the MCP server's tools (one source of truth).
    from sdga.mcp.tools import TOOLS

    for tools in generated.values():
        for tool in tools:
            spec = next(t for t in TOOLS if t.name == tool["name"])
            assert set(tool["inputSchema"]["properties"]) == set(spec.input_schema()["properties"]), tool["name"]


def test_tool_schemas_use_only_what_the_gateway_accepts() -> None:
    allowed = {"type", "description", "properties", "required", "items"}
    for path in sorted((TERRAFORM / "agentcore").glob("*.json")):
        for tool in json.loads(path.read_text(encoding="utf-8")):
            assert re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", tool["name"]) and "___" not in tool["name"]
            for node in walk(tool["inputSchema"]):
                if isinstance(node, dict) and "type" in node and isinstance(node["type"], str):
                    assert set(node) <= allowed, (path.name, tool["name"], set(node) - allowed)
                    assert node["type"] in {"string", "number", "integer", "boolean", "object", "array"}


def test_gateway_schema_inlines_references_and_drops_null_branches() -> None:
    from sdga.models.gateway_schema import gateway_schema

    schema = {
        "type": "object",
        "properties": {"a": {"anyOf": [{"$ref": "#/$defs/A"}, {"type": "null"}], "description": "an A"}},
        "required": ["a"],
        "$defs": {"A": {"type": "object", "properties": {"k": {"type": "string", "enum": ["x", "y"]}}}},
    }
    out = gateway_schema(schema)
    assert out["properties"]["a"]["type"] == "object" and out["properties"]["a"]["description"] == "an A"
    assert out["properties"]["a"]["properties"]["k"] == {"type": "string", "description": "Allowed values: x, y."}


def test_one_lambda_target_per_action_through_the_gateway_role() -> None:
    target = _one("aws_bedrockagentcore_gateway_target", "lambda")
    assert target["for_each"] == "${var.lambda_targets}"
    lam = target["target_configuration"][0]["mcp"][0]["lambda"][0]
    assert lam["lambda_arn"] == "${each.value.function_arn}"
    assert "s3" in lam["tool_schema"][0]
    assert "gateway_iam_role" in target["credential_provider_configuration"][0]
    call = _root_call()["lambda_targets"]
    assert '["generate", "validate", "metrics"]' in call and "module.lambda[key].function_arn" in call
    gateway_policy = next(
        b for b in blocks("data", "aws_iam_policy_document") if b.module_dir == AGENTCORE and b.name == "gateway"
    )
    invoke = next(s for s in statements(gateway_policy) if s.get("sid") == "InvokeActionLambdas")
    assert invoke["actions"] == ["lambda:InvokeFunction"]


def test_gateway_authorisation_encryption_and_jwt_refusal() -> None:
    gateway = _one("aws_bedrockagentcore_gateway", "this")
    assert gateway["protocol_type"] == "MCP" and gateway["kms_key_arn"] == "${var.kms_key_arn}"
    assert _root_call()["kms_key_arn"] == "${module.kms.s3_key_arn}"
    check = gateway["lifecycle"][0]["precondition"][0]["condition"]
    for values, allowed in (
        (
            {
                "authorizer_type": "AWS_IAM",
                "jwt_discovery_url": None,
                "jwt_allowed_audience": [],
                "jwt_allowed_clients": [],
            },
            True,
        ),
        (
            {
                "authorizer_type": "CUSTOM_JWT",
                "jwt_discovery_url": None,
                "jwt_allowed_audience": ["a"],
                "jwt_allowed_clients": [],
            },
            False,
        ),
        (
            {
                "authorizer_type": "CUSTOM_JWT",
                "jwt_discovery_url": "https://x/.well-known/openid-configuration",
                "jwt_allowed_audience": [],
                "jwt_allowed_clients": [],
            },
            False,
        ),
        (
            {
                "authorizer_type": "CUSTOM_JWT",
                "jwt_discovery_url": "https://x/.well-known/openid-configuration",
                "jwt_allowed_audience": [],
                "jwt_allowed_clients": ["c"],
            },
            True,
        ),
    ):
        assert _holds(check, values) is allowed, values
    key_policy = next(
        b for b in blocks("data", "aws_iam_policy_document") if b.module_dir == MODULES / "kms" and b.name == "s3"
    )
    via = [
        c["values"]
        for s in statements(key_policy)
        for c in as_list(s.get("condition"))
        if c["variable"] == "kms:ViaService"
    ]
    assert ["bedrock-agentcore.${local.region}.amazonaws.com"] in via


def test_harness_runs_the_repository_prompt_with_the_gateway_and_memory() -> None:
    harness = _one("aws_bedrockagentcore_harness", "this")
    assert harness["model"][0]["bedrock_model_config"][0]["model_id"] == "${var.model_id}"
    assert _root_call()["model_id"] == "${local.agent_model_id}"
    assert harness["system_prompt"][0]["text"] == "${local.instruction}"
    assert locals_of(AGENTCORE / "main.tf")["instruction"] == "${trimspace(file(var.instruction_path))}"
    assert _root_call()["instruction_path"] == "${local.instruction_path}"
    tool = harness["tool"][0]
    assert tool["type"] == "agentcore_gateway"
    assert (
        tool["config"][0]["agentcore_gateway"][0]["gateway_arn"] == "${aws_bedrockagentcore_gateway.this.gateway_arn}"
    )
    assert harness["allowed_tools"] == ["@" + tool["name"]], "only the gateway's tools, no shell or file tools"
    assert harness["memory"][0]["agentcore_memory_configuration"][0]["arn"] == "${aws_bedrockagentcore_memory.this.arn}"


def test_memory_strategies_replace_the_session_memory() -> None:
    memory = _one("aws_bedrockagentcore_memory", "this")
    assert memory["encryption_key_arn"] == "${var.kms_key_arn}"
    strategies = locals_of(AGENTCORE / "main.tf")["memory_strategies"]
    assert {s["type"] for s in strategies.values()} == {"SEMANTIC", "SUMMARIZATION", "USER_PREFERENCE"}
    for name, strategy in strategies.items():
        assert re.fullmatch(r"[a-zA-Z][a-zA-Z0-9_]{0,47}", name)
        assert all("{actorId}" in ns for ns in strategy["namespaces"])


def test_knowledge_base_is_a_tool_signed_by_the_gateway() -> None:
    target = _one("aws_bedrockagentcore_gateway_target", "knowledge_base")
    assert target["count"] == "${var.enable_knowledge_base_tool ? 1 : 0}"
    assert target["credential_provider_configuration"][0]["gateway_iam_role"][0]["service"] == "bedrock"
    api = locals_of(AGENTCORE / "main.tf")["knowledge_base_api"]
    assert "bedrock-agent-runtime.${local.region}.amazonaws.com" in api
    assert "/knowledgebases/${var.knowledge_base_id}/retrieve" in api and "search_knowledge_base" in api
    assert _root_call()["enable_knowledge_base_tool"] == "${local.create_kb}"


def _holds(condition: str, values: dict[str, Any]) -> bool:
    from test_infra_terraform import _holds as holds

    return holds(condition, values)


def test_outputs_hand_the_harness_to_the_cli() -> None:
    outputs = {b.name: b.body for b in blocks("output") if b.file.parent == TERRAFORM}
    assert outputs["agentcore_harness_arn"]["value"] == "${one(module.agentcore[*].harness_arn)}"
    assert "SDGA_AGENTCORE_HARNESS_ARN" in outputs["agentcore_harness_arn"]["description"]
    agent = (REPO / "src" / "sdga" / "agent" / "agentcore.py").read_text(encoding="utf-8")
    assert "SDGA_AGENTCORE_HARNESS_ARN" in agent


def test_architecture_has_a_picture_per_agent_mode_and_says_why_the_harness() -> None:
    text = (REPO / "Infrastructure" / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    section = text[text.index("## Agent modes") : text.index("## Components and why")]
    for mode in ("agentcore", "bedrock-agent", "converse-api"):
        heading = section.index(f"### `{mode}`")
        assert "```mermaid" in section[heading : heading + 400], mode
    assert "harness" in section and "runtime" in section  # the choice and its reason
    assert "sdga ask --backend agentcore" in (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
