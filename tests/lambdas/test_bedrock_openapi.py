"""The OpenAPI documents Terraform and the docs use: generated from code, valid, Bedrock-compliant, current."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from sdga.openapi import ACTION_GROUPS, BEDROCK_DIR, HTTP_DOC, ROOT, bedrock_documents, expected_files, main

METHODS = ("get", "put", "post", "delete", "patch")


def _walk(node: Any) -> Any:
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


@pytest.fixture(scope="module")
def docs() -> dict[str, dict[str, Any]]:
    return bedrock_documents()


def test_one_document_per_action_group(docs: dict[str, dict[str, Any]]) -> None:
    assert set(docs) == {"data-generation-actions", "schema-validation-actions", "quality-metrics-actions"}
    ops = {
        g: sorted(op["operationId"] for item in d["paths"].values() for m, op in item.items() if m in METHODS)
        for g, d in docs.items()
    }
    assert ops == {
        "data-generation-actions": ["generateSyntheticData", "getGenerationStatus"],
        "schema-validation-actions": ["validateSchema"],
        "quality-metrics-actions": ["calculateQualityMetrics"],
    }


@pytest.mark.parametrize("group", sorted(ACTION_GROUPS))
def test_bedrock_rules(docs: dict[str, dict[str, Any]], group: str) -> None:
    doc = docs[group]
    validate(doc)
    assert doc["openapi"] == "3.0.0"
    assert not any("enum" in node for node in _walk(doc))
    ids = []
    for path, item in doc["paths"].items():
        assert path.startswith("/")
        for method, op in item.items():
            if method not in METHODS:
                continue
            assert op["description"].strip() and op["operationId"]
            assert len(f"{method}__{group}__{op['operationId']}") <= 64  # Anthropic tool-name limit
            ids.append(op["operationId"])
            if method == "get":
                assert "requestBody" not in op
            for param in op.get("parameters", []):
                assert param["description"].strip()
            for response in op["responses"].values():
                assert response["content"]["application/json"]["schema"]
    assert len(ids) == len(set(ids)) <= 11
    # bodies are flat: every request property is a scalar (Bedrock sends each as a string)
    for item in doc["paths"].values():
        body = item.get("post", {}).get("requestBody")
        if body:
            ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
            props = doc["components"]["schemas"][ref]["properties"]
            assert all(p.get("type") in ("string", "integer", "boolean", "number") for p in props.values())


def test_allowed_values_are_described_not_enumerated(docs: dict[str, dict[str, Any]]) -> None:
    body = docs["data-generation-actions"]["components"]["schemas"]["BedrockGenerateBody"]["properties"]
    assert "parquet" in body["output_format"]["description"]
    assert "PCI-DSS" in body["compliance_requirements"]["description"]


def test_committed_documents_are_current() -> None:
    stale = [
        str(p.relative_to(ROOT))
        for p, text in expected_files().items()
        if not p.exists() or p.read_text(encoding="utf-8") != text
    ]
    assert not stale, f"stale OpenAPI documents {stale}: run `python -m sdga.openapi --write`"
    assert main(["--check"]) == 0


def test_http_api_document() -> None:
    doc = json.loads((ROOT / HTTP_DOC).read_text())
    validate(doc)
    paths = set(doc["paths"])
    assert {
        "/api/v1/synthetic-data/generate",
        "/api/v1/synthetic-data/status/{generation_id}",
        "/api/v1/synthetic-data/download/{generation_id}",
        "/api/v1/synthetic-data/validate-schema",
        "/api/v1/synthetic-data/quality-metrics",
        "/api/v1/synthetic-data/history",
    } <= paths
    assert (ROOT / BEDROCK_DIR).is_dir()


def test_check_mode_detects_staleness(tmp_path: Path) -> None:
    assert main(["--write", "--root", str(tmp_path)]) == 0
    target = tmp_path / BEDROCK_DIR / "quality-metrics-actions.json"
    target.write_text(target.read_text().replace("3.0.0", "3.0.3"))
    assert main(["--check", "--root", str(tmp_path)]) == 1
