"""One source of truth: every MCP tool's schemas are its request/response models' own JSON Schemas.

Checked on what the SDK client actually receives from ``tools/list``, not only on the definitions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sdga.mcp.models import (
    GenerationStatusRequest,
    ListFieldTypesRequest,
    ListFieldTypesResponse,
    ListTemplatesRequest,
    ListTemplatesResponse,
    PlanRequest,
    PlanResponse,
)
from sdga.mcp.tools import TOOLS, tool_definitions
from sdga.models import (
    GenerateDataRequest,
    GenerateDataResponse,
    QualityMetricsRequest,
    QualityMetricsResponse,
    ValidateSchemaRequest,
    ValidateSchemaResponse,
)

EXPECTED = {
    "generate_synthetic_data": (GenerateDataRequest, GenerateDataResponse),
    "validate_schema": (ValidateSchemaRequest, ValidateSchemaResponse),
    "calculate_quality_metrics": (QualityMetricsRequest, QualityMetricsResponse),
    "plan_request": (PlanRequest, PlanResponse),
    "list_templates": (ListTemplatesRequest, ListTemplatesResponse),
    "list_field_types": (ListFieldTypesRequest, ListFieldTypesResponse),
    "get_generation_status": (GenerationStatusRequest, GenerateDataResponse),
}
ROOT = Path(__file__).resolve().parents[2]


def test_tools_listed_by_the_server_carry_the_models_schemas(service: Any, run_client: Any) -> None:
    from sdga.mcp.server import build_server

    async def scenario(client: Any) -> Any:
        return (await client.list_tools()).tools

    tools = run_client(build_server(service), scenario)
    assert [t.name for t in tools] == list(EXPECTED)
    for tool in tools:
        request_model, response_model = EXPECTED[tool.name]
        assert tool.input_schema == request_model.model_json_schema(by_alias=True, mode="validation"), tool.name
        assert tool.output_schema == response_model.model_json_schema(by_alias=True, mode="serialization")
        assert tool.description and tool.title and tool.input_schema["type"] == "object"
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint is (tool.name != "generate_synthetic_data")
    assert [d["name"] for d in tool_definitions()] == [t.name for t in TOOLS]


@pytest.mark.parametrize("name", ["GenerateDataRequest", "ValidateSchemaRequest", "QualityMetricsRequest"])
def test_the_action_inputs_are_the_http_apis_request_bodies(name: str) -> None:
    """The OpenAPI document's request bodies and the MCP tools' inputs are the same model: same fields."""
    doc = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    schemas = doc["components"]["schemas"]
    component = schemas.get(name) or schemas[f"{name}-Input"]
    model = {m.__name__: m for m in (GenerateDataRequest, ValidateSchemaRequest, QualityMetricsRequest)}[name]
    mcp = model.model_json_schema(by_alias=True, mode="validation")
    assert set(component["properties"]) == set(mcp["properties"])
    assert set(component.get("required", [])) == set(mcp.get("required", []))
