"""The ``bedrock`` backend: a tool-use loop on the Bedrock Converse API with the actions as tools.

The model sees the agent instruction as the system prompt and five tools: the three actions
(``validate_schema``, ``generate_synthetic_data``, ``calculate_quality_metrics``) with JSON Schemas taken
from the request models, plus generation status and knowledge-base search. Each ``toolUse`` is executed by
the :class:`~sdga.agent.toolbox.Toolbox` (which validates before it generates); results go back as
``toolResult`` JSON objects, failures with ``status: "error"`` and the standard error body, so the model
can correct itself. The loop is bounded by ``max_turns``.

Default model: Claude Sonnet 4.5 through the US cross-region inference profile
(``us.anthropic.claude-sonnet-4-5-20250929-v1:0``). The spec's Claude 3 Sonnet is end-of-life on
Bedrock; Sonnet 4.5 is a current Claude model with strong tool use, and recent Claude models are served
on demand only through an inference profile, hence the ``us.`` prefix (use ``eu.``/``apac.`` elsewhere,
via ``SDGA_MODEL_ID``).
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from importlib import resources
from typing import Any

from sdga.agent.base import (
    MAX_INVALID_TURNS,
    AgentBackendError,
    AgentResult,
    ChatSession,
    ask_after_invalid_calls,
    finish_model_turn,
)
from sdga.agent.toolbox import (
    TOOL_GENERATE,
    TOOL_METRICS,
    TOOL_SEARCH,
    TOOL_STATUS,
    TOOL_VALIDATE,
    Toolbox,
)
from sdga.config import DEFAULT_MODEL_ID
from sdga.errors import SdgaError
from sdga.models import GenerateDataRequest, QualityMetricsRequest, ValidateSchemaRequest

MAX_TURNS = 12
MAX_INVALID = MAX_INVALID_TURNS
MAX_SESSION_MESSAGES = 40


@lru_cache(maxsize=1)
def instruction() -> str:
    """The agent instruction (the same file Terraform gives the Bedrock agent)."""
    return (resources.files("sdga.agent") / "instruction.md").read_text(encoding="utf-8").strip()


def _schema(model: Any) -> dict[str, Any]:
    schema: dict[str, Any] = model.model_json_schema(by_alias=True, mode="validation")
    return schema


def tool_specs() -> list[dict[str, Any]]:
    """Converse ``toolSpec`` entries; the input schemas are generated from the request models."""
    specs = [
        (
            TOOL_VALIDATE,
            "Validate a schema before generating: field types, constraints, unique capacity for the volume and "
            "compliance checks (GDPR, HIPAA, PCI-DSS, SOC2, CCPA). Returns valid, errors, suggestions and "
            "compliance_issues. Always call this before generate_synthetic_data.",
            _schema(ValidateSchemaRequest),
        ),
        (
            TOOL_GENERATE,
            "Generate synthetic data from a schema (or a template data_type) and write it to the destination. "
            "Validates first and refuses invalid schemas. Returns generation_id, status, records_generated, "
            "output_location, data_quality_metrics, execution_time_ms, errors and warnings.",
            _schema(GenerateDataRequest),
        ),
        (
            TOOL_METRICS,
            "Calculate quality metrics (uniqueness, validity, completeness, distributions, per-field statistics) "
            "for a generation_id or a data_location.",
            _schema(QualityMetricsRequest),
        ),
        (
            TOOL_STATUS,
            "Status and result of an earlier generation by generation_id.",
            {
                "type": "object",
                "properties": {"generation_id": {"type": "string", "description": "The generation's UUID."}},
                "required": ["generation_id"],
            },
        ),
        (
            TOOL_SEARCH,
            "Search the knowledge base: domain templates (runnable schemas), generation patterns, compliance "
            "rules, edge-case guidance and schemas of earlier successful generations.",
            {
                "type": "object",
                "properties": {
                    "query": {"type": "string", "description": "What to look for, in plain words."},
                    "k": {"type": "integer", "description": "Number of results (default 4).", "minimum": 1},
                },
                "required": ["query"],
            },
        ),
    ]
    return [{"toolSpec": {"name": n, "description": d, "inputSchema": {"json": s}}} for n, d, s in specs]


def _text_of(message: dict[str, Any]) -> str:
    return "\n".join(b["text"] for b in message.get("content", []) if isinstance(b, dict) and "text" in b).strip()


def trim_messages(messages: list[dict[str, Any]], limit: int = MAX_SESSION_MESSAGES) -> list[dict[str, Any]]:
    """Keep the conversation bounded; cut only before a user *text* turn so tool pairs stay intact."""
    if len(messages) <= limit:
        return messages
    for i in range(len(messages) - limit, len(messages)):
        m = messages[i]
        if m.get("role") == "user" and any("text" in b for b in m.get("content", [])):
            return messages[i:]
    return messages[-1:]


class ConverseBackend:
    """Bedrock Converse tool-use loop (boto3 ``bedrock-runtime``, created lazily)."""

    name = "bedrock"

    def __init__(
        self,
        *,
        client: Any = None,
        model_id: str | None = None,
        service: Any = None,
        max_turns: int = MAX_TURNS,
        remember: bool = True,
        region: str | None = None,
        background: bool | None = False,
    ) -> None:
        self.background = background
        self.model_id = model_id or os.environ.get("SDGA_MODEL_ID") or DEFAULT_MODEL_ID
        self.max_turns = max_turns
        self.service = service
        self.remember = remember
        self._client = client
        self._region = region

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3  # lazy: only this backend needs it

            self._client = boto3.client("bedrock-runtime", region_name=self._region or os.environ.get("AWS_REGION"))
        return self._client

    def _converse(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response: dict[str, Any] = self.client.converse(
                modelId=self.model_id,
                messages=messages,
                system=[{"text": instruction()}],
                toolConfig={"tools": tool_specs(), "toolChoice": {"auto": {}}},
                inferenceConfig={"maxTokens": 4096, "temperature": 0.0},
            )
        except ClientError as exc:
            err = exc.response.get("Error", {})
            raise AgentBackendError(
                f"Bedrock Converse failed ({err.get('Code', 'error')}): {err.get('Message', exc)}",
                details={"model_id": self.model_id, "code": err.get("Code")},
            ) from exc
        except BotoCoreError as exc:
            raise AgentBackendError(f"Bedrock Converse failed: {exc}", details={"model_id": self.model_id}) from exc
        return response

    def ask(self, prompt: str, *, session: ChatSession | None = None, plan_only: bool = False) -> AgentResult:
        """Run the loop until the model ends its turn (or ``max_turns``); plan-only stops at the generate call."""
        session = session or ChatSession()
        toolbox = Toolbox(self.service, remember=self.remember, prompt=prompt, background=self.background)
        result = AgentResult(prompt=prompt, backend=self.name, session_id=session.session_id)
        messages = trim_messages([*session.messages, {"role": "user", "content": [{"text": prompt}]}])
        notes: list[str] = []
        invalid = 0
        for _turn in range(self.max_turns):
            response = self._converse(messages)
            message = response.get("output", {}).get("message")
            if not isinstance(message, dict) or message.get("role") != "assistant":
                raise AgentBackendError("Bedrock Converse returned no assistant message")
            stop = response.get("stopReason")
            if stop != "tool_use":
                messages.append(message)
                result.answer = _text_of(message)
                if stop == "max_tokens":
                    notes.append("the model hit its output token limit; the answer may be cut short")
                elif stop in {"guardrail_intervened", "content_filtered"}:
                    notes.append(f"the model's answer was stopped by Bedrock ({stop.replace('_', ' ')})")
                    if not result.answer.strip():
                        result.answer = (
                            "Bedrock blocked the answer to this request; rephrase it as a test-data request."
                        )
                break
            uses = [b["toolUse"] for b in message.get("content", []) if isinstance(b, dict) and b.get("toolUse")]
            planned = next((u for u in uses if plan_only and u.get("name") == TOOL_GENERATE), None)
            if planned is not None:
                # Plan only: capture the request the model would run and stop before anything is generated.
                try:
                    from sdga.agent.repair import parse_arguments, repair

                    parsed, _notes = parse_arguments(planned.get("input") or {})
                    fixed, _more = repair(TOOL_GENERATE, parsed or {})
                    result.request = GenerateDataRequest.model_validate(fixed)
                except ValueError as exc:  # the model's request is not valid: tell it, as a real run would
                    body = {"error": "invalid_input", "message": " ".join(str(exc).split())[:800]}
                    toolbox.record.steps.append(f"{TOOL_GENERATE}: error {body['message']}")
                    failed = {"toolResult": {"toolUseId": planned.get("toolUseId", ""), "content": [{"json": body}],
                                             "status": "error"}}  # fmt: skip
                    results = [failed if u is planned else self._run_tool(toolbox, u) for u in uses]
                    messages += [message, {"role": "user", "content": results}]
                    continue
                result.answer = _text_of(message)
                notes.append("planned (not run: plan only)")
                break
            messages.append(message)
            outcomes = [self._run_tool(toolbox, u) for u in uses]
            messages.append({"role": "user", "content": outcomes})
            rejected = [r for r in outcomes if _invalid_input(r)]
            invalid = invalid + len(rejected) if rejected and len(rejected) == len(outcomes) else 0
            if invalid >= MAX_INVALID:
                # The model cannot produce a valid call: ask the user rather than guess; nothing was run.
                ask_after_invalid_calls(result, notes, invalid)
                break
        else:
            notes.append(f"stopped after {self.max_turns} model turns without a final answer")
            result.error = {"error": "agent_turn_limit", "message": "the agent did not finish within the turn limit"}
        return finish_model_turn(result, session, messages, toolbox.record, notes)

    def _run_tool(self, toolbox: Toolbox, use: dict[str, Any]) -> dict[str, Any]:
        """One toolUse -> one toolResult (errors reported back to the model, never raised)."""
        tool_id = use.get("toolUseId", "")
        try:
            output = toolbox.call(str(use.get("name")), use.get("input"))
            return {"toolResult": {"toolUseId": tool_id, "content": [{"json": output}], "status": "success"}}
        except SdgaError as exc:
            body = exc.to_response().model_dump(mode="json")
            toolbox.record.steps.append(f"{use.get('name')}: error {exc.code}: {exc.message}")
            return {"toolResult": {"toolUseId": tool_id, "content": [{"json": body}], "status": "error"}}
        except (TypeError, ValueError, json.JSONDecodeError) as exc:
            toolbox.record.steps.append(f"{use.get('name')}: error {exc}")
            body = {"error": "invalid_input", "message": str(exc)}
            return {"toolResult": {"toolUseId": tool_id, "content": [{"json": body}], "status": "error"}}


def _invalid_input(tool_result: dict[str, Any]) -> bool:
    """A toolResult that reports invalid input (the model's call did not validate)."""
    body = tool_result.get("toolResult") or {}
    if body.get("status") != "error":
        return False
    content = body.get("content") or [{}]
    error = (content[0].get("json") or {}).get("error") if isinstance(content[0], dict) else None
    return error in {"invalid_input", "schema_invalid"}
