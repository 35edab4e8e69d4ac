"""The ``openai`` backend: any OpenAI-compatible chat-completions server with tool calling.

Ollama, vLLM, LM Studio, llama.cpp's server, OpenAI itself: ``POST {base_url}/chat/completions`` with the
same five tools as the Bedrock backend (their JSON Schemas generated from the request models) as
``tools``. Each tool call is read, repaired and validated by :class:`~sdga.agent.toolbox.Toolbox` before
anything runs (:mod:`sdga.agent.repair`); an invalid call goes back to the model as the tool's error, and
when the model cannot produce a valid call within ``max_invalid`` tries the user gets a question instead
of a guess. Settings: ``SDGA_OPENAI_BASE_URL`` (default Ollama's ``http://localhost:11434/v1``),
``SDGA_OPENAI_MODEL`` (or ``--model-id``), ``SDGA_OPENAI_API_KEY`` (else ``OPENAI_API_KEY``; none needed
for a local server), ``SDGA_OPENAI_TIMEOUT_S``. Requests go through ``httpx`` (the ``openai`` extra).
"""

from __future__ import annotations

import json
import os
from typing import Any

from sdga.agent.base import (
    MAX_INVALID_TURNS,
    AgentBackendError,
    AgentResult,
    ChatSession,
    ask_after_invalid_calls,
    finish_model_turn,
)
from sdga.agent.toolbox import TOOL_GENERATE, Toolbox
from sdga.errors import ConfigurationError, SdgaError
from sdga.models import GenerateDataRequest

DEFAULT_BASE_URL = "http://localhost:11434/v1"
DEFAULT_MODEL = "llama3.1"
MAX_TURNS = 12
MAX_INVALID = MAX_INVALID_TURNS
MAX_SESSION_MESSAGES = 40


def tools() -> list[dict[str, Any]]:
    """The tools in the chat-completions shape (the same specs the Bedrock backend sends)."""
    from sdga.agent.converse import tool_specs

    return [
        {"type": "function", "function": {"name": s["toolSpec"]["name"], "description": s["toolSpec"]["description"],
                                          "parameters": s["toolSpec"]["inputSchema"]["json"]}}
        for s in tool_specs()
    ]  # fmt: skip


def _trim(messages: list[dict[str, Any]], limit: int = MAX_SESSION_MESSAGES) -> list[dict[str, Any]]:
    """Keep the conversation bounded; cut only before a user turn so tool-call pairs stay intact."""
    if len(messages) <= limit:
        return messages
    for i in range(len(messages) - limit, len(messages)):
        if messages[i].get("role") == "user":
            return messages[i:]
    return messages[-1:]


class OpenAIBackend:
    """A tool-calling loop on ``/chat/completions`` (httpx, created lazily)."""

    name = "openai"

    def __init__(
        self,
        *,
        client: Any = None,
        model_id: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        service: Any = None,
        max_turns: int = MAX_TURNS,
        remember: bool = True,
        background: bool | None = False,
        timeout_s: float | None = None,
    ) -> None:
        self.base_url = (base_url or os.environ.get("SDGA_OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.model_id = model_id or os.environ.get("SDGA_OPENAI_MODEL") or DEFAULT_MODEL
        self.api_key = api_key or os.environ.get("SDGA_OPENAI_API_KEY") or os.environ.get("OPENAI_API_KEY")
        self.timeout_s = float(timeout_s or os.environ.get("SDGA_OPENAI_TIMEOUT_S") or 120)
        self.max_turns = max_turns
        self.service = service
        self.remember = remember
        self.background = background
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            try:
                import httpx
            except ImportError as exc:  # pragma: no cover - depends on the installed extras
                raise ConfigurationError(
                    "the openai backend needs httpx: pip install 'synthetic-data-agent[openai]'"
                ) from exc
            headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
            self._client = httpx.Client(base_url=self.base_url, headers=headers, timeout=self.timeout_s)
        return self._client

    def _complete(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        from sdga.agent.converse import instruction

        body = {
            "model": self.model_id,
            "messages": [{"role": "system", "content": instruction()}, *messages],
            "tools": tools(),
            "tool_choice": "auto",
            "temperature": 0,
        }
        try:
            response = self.client.post("/chat/completions", json=body)
        except Exception as exc:  # httpx.HTTPError and connection errors: the server is not reachable
            raise AgentBackendError(
                f"the OpenAI-compatible server at {self.base_url} did not answer ({type(exc).__name__}); "
                "is it running? (SDGA_OPENAI_BASE_URL)",
                details={"base_url": self.base_url, "model": self.model_id},
            ) from exc
        if response.status_code >= 400:
            text = response.text[:300].replace("\n", " ")
            raise AgentBackendError(
                f"the OpenAI-compatible server answered {response.status_code}: {text}",
                details={"base_url": self.base_url, "model": self.model_id, "status": response.status_code},
            )
        try:
            data: dict[str, Any] = response.json()
            message = data["choices"][0]["message"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise AgentBackendError("the OpenAI-compatible server's answer is not a chat completion") from exc
        if not isinstance(message, dict):
            raise AgentBackendError("the OpenAI-compatible server's answer has no message")
        return data

    def ask(self, prompt: str, *, session: ChatSession | None = None, plan_only: bool = False) -> AgentResult:
        """Run the loop until the model answers without a tool call (or ``max_turns``)."""
        session = session or ChatSession()
        toolbox = Toolbox(self.service, remember=self.remember, prompt=prompt, background=self.background)
        result = AgentResult(prompt=prompt, backend=self.name, session_id=session.session_id)
        messages = _trim([*session.messages, {"role": "user", "content": prompt}])
        notes: list[str] = []
        invalid = 0
        for _turn in range(self.max_turns):
            data = self._complete(messages)
            choice = data["choices"][0]
            message = {k: v for k, v in choice["message"].items() if k in {"role", "content", "tool_calls"}}
            message["role"] = "assistant"
            calls = [c for c in message.get("tool_calls") or [] if isinstance(c, dict)]
            if not calls:
                messages.append(message)
                result.answer = str(message.get("content") or "").strip()
                if choice.get("finish_reason") == "length":
                    notes.append("the model hit its output token limit; the answer may be cut short")
                break
            messages.append(message)
            stop = False
            for call in calls:
                outcome, ok, request = self._run_call(toolbox, call, plan_only)
                messages.append({"role": "tool", "tool_call_id": str(call.get("id") or ""), "content": outcome})
                invalid = 0 if ok else invalid + 1
                if request is not None:  # plan only: the validated request, nothing generated
                    result.request = request
                    notes.append("planned (not run: plan only)")
                    stop = True
            if stop:
                break
            if invalid >= MAX_INVALID:
                ask_after_invalid_calls(result, notes, invalid)
                break
        else:
            notes.append(f"stopped after {self.max_turns} model turns without a final answer")
            result.error = {"error": "agent_turn_limit", "message": "the agent did not finish within the turn limit"}
        return finish_model_turn(result, session, messages, toolbox.record, notes)

    def _run_call(
        self, toolbox: Toolbox, call: dict[str, Any], plan_only: bool
    ) -> tuple[str, bool, GenerateDataRequest | None]:
        """One tool call -> (the tool message's content, whether the call was valid, a plan-only request)."""
        fn = call.get("function") or {}
        name = str(fn.get("name") or "")
        raw = fn.get("arguments")
        try:
            if plan_only and name == TOOL_GENERATE:
                from sdga.agent.repair import parse_arguments, repair

                parsed, notes = parse_arguments(raw)
                if parsed is None:
                    raise SdgaError("arguments are not a JSON object")
                fixed, more = repair(name, parsed)
                request = GenerateDataRequest.model_validate(fixed)
                for note in [*notes, *more]:
                    toolbox.record.steps.append(f"{name}: repaired input ({note})")
                return json.dumps({"status": "planned", "message": "not run (plan only)"}), True, request
            output = toolbox.call(name, raw)
            return json.dumps(output, default=str), True, None
        except SdgaError as exc:
            body = exc.to_response().model_dump(mode="json")
            toolbox.record.steps.append(f"{name}: error {exc.code}: {exc.message}")
            invalid = exc.code in {"invalid_input", "schema_invalid"} or exc.http_status == 422
            return json.dumps({"status": "error", **body}, default=str), not invalid, None
        except (TypeError, ValueError) as exc:
            message = " ".join(str(exc).split())[:800]
            toolbox.record.steps.append(f"{name}: error invalid_input: {message}")
            return json.dumps({"status": "error", "error": "invalid_input", "message": message}), False, None
