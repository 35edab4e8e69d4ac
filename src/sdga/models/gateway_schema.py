"""JSON Schemas in the language of the Amazon Bedrock AgentCore gateway's tool definitions.

A gateway target's inline tool schema accepts a subset of JSON Schema: ``type``, ``description``,
``properties``, ``required`` and ``items`` only (no ``$ref``, unions or ``enum``). :func:`gateway_schema`
reduces a request model's schema (as pydantic writes it) to that subset. It is the one derivation used both by
the Lambda that answers the gateway and by the generator of the Terraform tool-schema files, so the schema the
gateway shows a model and the arguments the Lambda accepts cannot drift apart.
"""

from __future__ import annotations

from typing import Any

_SCALARS = ("string", "number", "integer", "boolean")


def gateway_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema (as pydantic writes it) in the gateway's subset: ``type``, ``description``,
    ``properties``, ``required`` and ``items`` only. References are inlined (a structure nested in
    itself — a field of an object field — is described rather than repeated), optional values lose their
    ``null`` branch, other unions become their widest type, and allowed values move into the description."""
    return _convert(schema, schema.get("$defs", {}), ())


def _convert(node: dict[str, Any], defs: dict[str, Any], stack: tuple[str, ...]) -> dict[str, Any]:
    own = str(node.get("description") or "").strip()
    if "$ref" in node:
        name = str(node["$ref"]).rsplit("/", 1)[-1]
        target = defs.get(name, {})
        if name in stack:
            kind = target.get("type") if target.get("type") in ("object", "array") else "object"
            what = own or str(target.get("description") or "").strip()
            title = str(target.get("title") or name)
            return {"type": kind, "description": f"{what} The same shape as the enclosing {title}.".strip()}
        resolved = _convert(target, defs, (*stack, name))
        return _describe(resolved, own) if own else resolved
    for key in ("anyOf", "oneOf", "allOf"):
        if key in node and "properties" in node:
            # An object whose combinator only says which properties are needed together ("a schema, or a
            # data_type that is a template"): the gateway cannot say that; the Lambda's model checks it.
            continue
        if key in node:
            branches = [b for b in node[key] if b.get("type") != "null"]
            if len(branches) == 1:
                single = _convert(branches[0], defs, stack)
                return _describe(single, own) if own else single
            converted = [_convert(b, defs, stack) for b in branches]
            kinds = {c["type"] for c in converted}
            if kinds <= set(_SCALARS):
                # The widest type: text for a number-or-date bound (the models read numbers written as text).
                kind = "string" if "string" in kinds else "number" if kinds & {"number", "integer"} else "boolean"
                description = own or ("A number or text." if kind == "string" else "")
                return {"type": kind, "description": description} if description else {"type": kind}
            first = next((c for c in converted if c["type"] not in _SCALARS), converted[0])
            return _describe(first, own) if own else first
    kind = node.get("type")
    if kind not in (*_SCALARS, "object", "array"):
        kind = "string"  # untyped values (any JSON) and bare enums are passed as text
    out: dict[str, Any] = {"type": kind}
    description = own
    if isinstance(node.get("enum"), list):
        values = ", ".join(str(v) for v in node["enum"])
        description = f"{description} Allowed values: {values}.".strip()
    if description:
        out["description"] = description
    if kind == "object":
        properties = node.get("properties") or {}
        if properties:
            out["properties"] = {name: _convert(prop, defs, stack) for name, prop in properties.items()}
            required = [r for r in node.get("required", []) if r in properties]
            if required:
                out["required"] = required
        elif isinstance(node.get("additionalProperties"), dict):
            out = _describe(out, "A map of names to values.")
    elif kind == "array":
        items = node.get("items")
        out["items"] = _convert(items, defs, stack) if isinstance(items, dict) and items else {"type": "string"}
    return out


def _describe(node: dict[str, Any], text: str) -> dict[str, Any]:
    """``node`` with ``text`` in front of its description (once)."""
    current = str(node.get("description") or "")
    if not current or current in text:
        joined = text
    elif text in current:
        joined = current
    else:
        joined = f"{text} {current}"
    return {**node, "description": joined}
