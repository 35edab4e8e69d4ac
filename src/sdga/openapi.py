"""OpenAPI documents generated from the code, so they cannot drift from the handlers.

* One document per Bedrock action group (an action group calls exactly one Lambda), written to
  ``Infrastructure/terraform/openapi/<action-group>.json`` for Terraform. Powertools generates them
  from the routes; they are then post-processed to Bedrock's rules: ``openapi: 3.0.0``, a description
  and an operationId on every operation, a description on every parameter, no ``requestBody`` on GET,
  and no ``enum`` anywhere (allowed values are folded into the description).
* The HTTP API's document (FastAPI) is written to ``docs/openapi.json``.
* The MCP tool schemas of the AgentCore gateway's Lambda targets (one file per target:
  ``Infrastructure/terraform/agentcore/<target>.json``), from the same tool definitions as ``sdga mcp``.
  The gateway accepts a subset of JSON Schema (type, description, properties, required, items): the
  models' schemas are reduced by :func:`sdga.models.gateway_schema.gateway_schema`, as the Lambda does.

``python -m sdga.openapi --write`` regenerates all of them; ``--check`` fails when any is stale.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path
from typing import Any

from sdga import __version__

ROOT = Path(__file__).resolve().parents[2]
BEDROCK_DIR = Path("Infrastructure/terraform/openapi")
HTTP_DOC = Path("docs/openapi.json")
AGENTCORE_DIR = Path("Infrastructure/terraform/agentcore")
# Gateway target -> the tools its Lambda answers (the target names the Terraform agentcore module uses).
AGENTCORE_TARGETS = {
    "generate": ("generate_synthetic_data", "get_generation_status"),
    "validate": ("validate_schema",),
    "metrics": ("calculate_quality_metrics",),
}
ACTION_GROUPS = {
    "data-generation-actions": ("sdga.lambdas.generate", "Generate synthetic test data and poll its status."),
    "schema-validation-actions": ("sdga.lambdas.validate", "Validate data schemas with compliance checks."),
    "quality-metrics-actions": ("sdga.lambdas.metrics", "Calculate quality metrics of generated data."),
}
_HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "ErrorResponse",
    "description": "Every error has this shape.",
    "properties": {
        "error": {"type": "string", "description": "Stable machine-readable error code, e.g. schema_invalid."},
        "message": {"type": "string", "description": "What went wrong and how to fix it."},
        "details": {"type": "object", "nullable": True, "description": "Structured detail (fields, limits)."},
        "timestamp": {"type": "string", "format": "date-time", "description": "When it happened (UTC)."},
    },
    "required": ["error", "message"],
}
_ERROR_CODES = {
    "400": "Malformed event or request.",
    "404": "Unknown generation or operation.",
    "422": "Invalid request: the message says which field and why.",
    "500": "Internal error.",
}


def _fold_enums(node: Any) -> Any:
    """Remove every ``enum``, moving the allowed values into the description."""
    if isinstance(node, list):
        return [_fold_enums(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _fold_enums(v) for k, v in node.items() if k != "enum"}
    if "enum" in node and isinstance(node["enum"], list):
        values = ", ".join(str(v) for v in node["enum"])
        desc = str(out.get("description", "")).rstrip()
        if values not in desc:
            out["description"] = f"{desc} Allowed values: {values}.".strip()
    return out


def _simplify_nullable(node: Any) -> Any:
    """``{"anyOf": [X], "nullable": true}`` → ``X + nullable`` (single-branch anyOf that 3.1→3.0 leaves)."""
    if isinstance(node, list):
        return [_simplify_nullable(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _simplify_nullable(v) for k, v in node.items()}
    any_of = out.get("anyOf")
    if isinstance(any_of, list) and len(any_of) == 1 and isinstance(any_of[0], dict) and "$ref" not in any_of[0]:
        merged = {**any_of[0], **{k: v for k, v in out.items() if k != "anyOf"}}
        return merged
    return out


def bedrock_postprocess(doc: dict[str, Any], *, title: str, description: str) -> dict[str, Any]:
    """Apply Bedrock's OpenAPI rules to a Powertools-generated document."""
    doc = copy.deepcopy(doc)
    doc["openapi"] = "3.0.0"
    doc.pop("servers", None)
    doc["info"] = {"title": title, "version": __version__, "description": description}
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if method not in _HTTP_METHODS:
                continue
            op.setdefault("description", op.get("summary") or f"{method.upper()} {path}")
            if not op.get("operationId"):
                raise ValueError(f"{method.upper()} {path} has no operationId")
            if method in ("get", "delete"):
                op.pop("requestBody", None)
            for param in op.get("parameters", []):
                param.setdefault("description", param.get("schema", {}).get("description") or param["name"])
            responses = op.setdefault("responses", {})
            for code, text in _ERROR_CODES.items():
                responses[code] = {
                    "description": text,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
                }
            for response in responses.values():
                response.setdefault("description", "Response")
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        schemas.pop(unused, None)
    schemas["ErrorResponse"] = _ERROR_SCHEMA
    doc = _fold_enums(_simplify_nullable(doc))
    return doc


def bedrock_documents() -> dict[str, dict[str, Any]]:
    """Every action group's document, post-processed and validated."""
    import importlib

    from openapi_spec_validator import validate

    docs: dict[str, dict[str, Any]] = {}
    for group, (module_name, description) in ACTION_GROUPS.items():
        module = importlib.import_module(module_name)
        raw = json.loads(module.bedrock_app.get_openapi_json_schema(title=group, version=__version__))
        doc = bedrock_postprocess(raw, title=group, description=description)
        validate(doc)
        docs[group] = doc
    return docs


def http_document() -> dict[str, Any]:
    """The FastAPI document of the HTTP API (built with an in-memory service; no files touched)."""
    import tempfile

    from sdga.api import create_app
    from sdga.config import Settings
    from sdga.service import SyntheticDataService

    with tempfile.TemporaryDirectory() as home:
        app = create_app(SyntheticDataService(Settings(home=Path(home))))
        return app.openapi()


def agentcore_tool_schemas() -> dict[str, list[dict[str, Any]]]:
    """Per gateway target, its tools as the gateway's Lambda tool schema: name, description, inputSchema.

    The same actions and the same reduction to the gateway's schema language as the Lambda that answers them
    (:mod:`sdga.models.gateway_schema`), so the files cannot disagree with what the function accepts.
    """
    from sdga.models.actions import ACTIONS
    from sdga.models.gateway_schema import gateway_schema

    return {
        target: [
            {
                "name": ACTIONS[name].name,
                "description": ACTIONS[name].description,
                "inputSchema": gateway_schema(ACTIONS[name].input_schema()),
            }
            for name in names
        ]
        for target, names in AGENTCORE_TARGETS.items()
    }


def render(doc: Any) -> str:
    return json.dumps(doc, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def expected_files(root: Path = ROOT) -> dict[Path, str]:
    files = {root / BEDROCK_DIR / f"{group}.json": render(doc) for group, doc in bedrock_documents().items()}
    files[root / HTTP_DOC] = render(http_document())
    for target, tools in agentcore_tool_schemas().items():
        files[root / AGENTCORE_DIR / f"{target}.json"] = render(tools)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sdga.openapi", description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="Write the documents into the repository.")
    mode.add_argument("--check", action="store_true", help="Exit 1 when a committed document is stale.")
    parser.add_argument("--root", type=Path, default=ROOT, help="Repository root.")
    args = parser.parse_args(argv)
    files = expected_files(args.root)
    if args.write:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(path.relative_to(args.root))
        return 0
    if args.check:
        stale = [p for p, text in files.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
        for p in stale:
            print(f"stale: {p.relative_to(args.root)} (run: python -m sdga.openapi --write)", file=sys.stderr)
        return 1 if stale else 0
    for group, doc in bedrock_documents().items():
        print(f"# {group}\n{render(doc)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
