"""Amazon Bedrock AgentCore gateway calls: the Lambda as an MCP tool target.

The gateway invokes the Lambda with the tool's arguments as the event (a plain JSON object, no envelope)
and names the tool in the client context, ``context.client_context.custom["bedrockAgentCoreToolName"]``,
as ``<target name>___<tool name>``; the prefix is stripped here. The answer is an MCP tool result the
gateway passes on: ``{"content": [{"type": "text", "text": <JSON>}], "isError": false}``, the JSON being
the action's response model; a refused or failed call is ``isError: true`` with an
:class:`~sdga.models.ErrorResponse` as its text, never an exception.

Tools are the :data:`sdga.models.actions.ACTIONS` (names and argument models shared with the MCP server);
:meth:`AgentCoreSource.tool_schema` gives the gateway target's inline tool schema, derived from the same
request models and reduced to what the gateway's schema language has (type, description, properties,
required, items).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from sdga.errors import InvalidInputError, SdgaError
from sdga.lambdas.responses import count_refusal, error_body
from sdga.lambdas.results import fit_agent_body
from sdga.lambdas.runtime import logger
from sdga.lambdas.sources import Answer
from sdga.lambdas.values import parse_structured
from sdga.models.actions import Action
from sdga.models.gateway_schema import gateway_schema
from sdga.schema_io import to_model

TOOL_NAME_KEY = "bedrockAgentCoreToolName"
TARGET_SEPARATOR = "___"
# A tool result the model reads whole: larger results keep their top-level keys and lose detail (lists
# and long texts cut, with a note); the full result stays available through status and download.
MAX_RESULT_BYTES = 100_000


@dataclass(frozen=True)
class Tool:
    """An action offered through the gateway, and what runs it (request model in, response model out)."""

    action: Action
    run: Callable[[Any], BaseModel]

    @property
    def name(self) -> str:
        return self.action.name


def client_context_custom(context: Any) -> dict[str, Any]:
    """The client context's ``custom`` map of a Lambda context (empty when there is none)."""
    client_context = getattr(context, "client_context", None)
    custom = getattr(client_context, "custom", None)
    if custom is None and isinstance(client_context, dict):
        custom = client_context.get("custom")
    return custom if isinstance(custom, dict) else {}


def tool_name_of(context: Any) -> str | None:
    """The tool the gateway called, its target prefix stripped; None for a call that is not the gateway's."""
    value = client_context_custom(context).get(TOOL_NAME_KEY)
    if not isinstance(value, str) or not value.strip():
        return None
    name = value.strip()
    return name.split(TARGET_SEPARATOR, 1)[1] if TARGET_SEPARATOR in name else name


class AgentCoreSource:
    name = "agentcore-gateway"

    def __init__(self, tools: Sequence[Tool], *, max_result_bytes: int = MAX_RESULT_BYTES) -> None:
        self.tools = {t.name: t for t in tools}
        self.max_result_bytes = max_result_bytes

    @staticmethod
    def matches(event: Any, context: Any) -> bool:
        return tool_name_of(context) is not None

    def handle(self, event: Any, context: Any) -> Answer:
        name = tool_name_of(context) or ""
        custom = client_context_custom(context)
        logger.info(
            "agentcore tool call",
            extra={
                "tool": name,
                "gateway": custom.get("bedrockAgentCoreGatewayId"),
                "target": custom.get("bedrockAgentCoreTargetId"),
            },
        )
        tool = self.tools.get(name)
        if tool is None:
            offered = ", ".join(sorted(self.tools))
            return self._error(
                "not_found", f"unknown tool {name!r}: this function offers {offered}", {"tool": name, "tools": offered}
            )
        try:
            request = to_model(
                tool.action.request, self._arguments(event, tool.action.request), what=f"{name} arguments"
            )
            result = tool.run(request)
        except SdgaError as exc:
            count_refusal(exc)
            logger.info("tool call refused", extra={"tool": name, "error": exc.code, "error_message": exc.message})
            return self._result(exc.to_response().model_dump_json(), is_error=True)
        except Exception as exc:
            logger.exception("tool call failed")
            return self._error("internal_error", f"unexpected error: {type(exc).__name__}: {exc}")
        return self._result(result.model_dump_json(by_alias=True), is_error=False)

    @staticmethod
    def _arguments(event: Any, model: type[BaseModel]) -> dict[str, Any]:
        """The event as the request model's arguments. Models sometimes send a nested object (the schema)
        as a JSON-encoded string: such strings are decoded like Bedrock's."""
        if isinstance(event, str):
            event = parse_structured(event, "arguments")
        if event is None:
            event = {}
        if not isinstance(event, dict):
            raise InvalidInputError(f"tool arguments must be a JSON object, got {type(event).__name__}")
        structured = _structured_fields(model)
        return {
            key: parse_structured(value, key) if key in structured and _looks_encoded(value) else value
            for key, value in event.items()
        }

    def _error(self, code: str, message: str, details: Any = None) -> Answer:
        return self._result(error_body(code, message, details), is_error=True)

    def _result(self, body: str, *, is_error: bool) -> Answer:
        text = fit_agent_body(body, self.max_result_bytes)
        return {"content": [{"type": "text", "text": text}], "isError": is_error}

    def tool_schema(self) -> list[dict[str, Any]]:
        """The gateway target's inline tool schema: one definition per tool, from the request models."""
        return [
            {
                "name": t.name,
                "description": t.action.description,
                "inputSchema": gateway_schema(t.action.input_schema()),
            }
            for t in self.tools.values()
        ]


def _looks_encoded(value: Any) -> bool:
    """A string holding a JSON object or list (else the request model judges the value as it is)."""
    return isinstance(value, str) and value.strip()[:1] in ("{", "[", '"')


@functools.cache
def _structured_fields(model: type[BaseModel]) -> frozenset[str]:
    """Argument names (aliases included) whose values are objects or lists."""
    schema = model.model_json_schema(by_alias=True, mode="validation")
    defs = schema.get("$defs", {})

    def kind(node: dict[str, Any]) -> Any:
        if "$ref" in node:
            return defs.get(str(node["$ref"]).rsplit("/", 1)[-1], {}).get("type")
        return node.get("type")

    return frozenset(
        name
        for name, prop in schema.get("properties", {}).items()
        if any(kind(b) in ("object", "array") for b in prop.get("anyOf", [prop]))
    )
