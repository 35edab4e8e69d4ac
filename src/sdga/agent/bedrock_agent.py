"""The ``bedrock-agent`` backend: the deployed Bedrock agent through ``invoke_agent``, answer streamed.

The agent runs the action-group Lambdas itself, so this side only streams the completion (and, with
``--trace``, the orchestration trace). When the answer names a generation id that this deployment's
history knows, the standard generation report is attached, so every backend ends with the same report.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sdga.agent.base import AgentBackendError, AgentResult, ChatSession
from sdga.errors import ConfigurationError, InvalidInputError, SdgaError

_ERROR_EVENTS = (
    "internalServerException", "validationException", "resourceNotFoundException", "serviceQuotaExceededException",
    "throttlingException", "accessDeniedException", "conflictException", "dependencyFailedException",
    "badGatewayException", "modelNotReadyException",
)  # fmt: skip
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


@dataclass
class AgentStream:
    """The parsed ``completion`` event stream of one ``invoke_agent`` call."""

    text: str = ""
    traces: list[dict[str, Any]] = field(default_factory=list)
    citations: list[dict[str, Any]] = field(default_factory=list)
    return_control: dict[str, Any] | None = None
    files: list[dict[str, Any]] = field(default_factory=list)


def parse_agent_stream(
    events: Iterable[dict[str, Any]],
    *,
    on_chunk: Callable[[str], None] | None = None,
    on_trace: Callable[[dict[str, Any]], None] | None = None,
) -> AgentStream:
    """Read the stream: ``chunk`` bytes form the answer, ``trace`` events are collected, errors raise.

    Works on botocore's EventStream and on a plain list of recorded events alike.
    """
    out = AgentStream()
    parts: list[str] = []
    try:
        for event in events:
            if "chunk" in event:
                chunk = event["chunk"]
                raw = chunk.get("bytes", b"")
                text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes | bytearray) else str(raw)
                parts.append(text)
                if on_chunk and text:
                    on_chunk(text)
                attribution = chunk.get("attribution") or {}
                out.citations.extend(attribution.get("citations") or [])
            elif "trace" in event:
                trace = event["trace"]
                out.traces.append(trace)
                if on_trace:
                    on_trace(trace)
            elif "returnControl" in event:
                out.return_control = event["returnControl"]
            elif "files" in event:
                out.files.extend((event["files"] or {}).get("files") or [])
            else:
                for name in _ERROR_EVENTS:
                    if name in event:
                        message = (event[name] or {}).get("message", name)
                        raise AgentBackendError(
                            f"Bedrock agent stream error ({name}): {message}", details={"event": name}
                        )
    except SdgaError:
        raise
    except Exception as exc:  # botocore EventStreamError and connection drops mid-stream
        from botocore.exceptions import BotoCoreError, ClientError

        if isinstance(exc, ClientError | BotoCoreError):
            raise AgentBackendError(f"Bedrock agent stream failed: {exc}") from exc
        raise
    out.text = "".join(parts)
    return out


def summarize_trace(trace: dict[str, Any]) -> str:
    """One readable line for a trace event (for ``--trace``)."""
    inner = trace.get("trace") or {}
    for kind, body in inner.items():
        if not isinstance(body, dict):
            continue
        for step, detail in body.items():
            if step == "rationale" and isinstance(detail, dict):
                return f"[{kind}] rationale: {' '.join(str(detail.get('text', '')).split())[:200]}"
            if step == "invocationInput" and isinstance(detail, dict):
                action = detail.get("actionGroupInvocationInput") or {}
                if action:
                    return f"[{kind}] calls {action.get('actionGroupName')} {action.get('verb') or ''} {action.get('apiPath', '')}".rstrip()
                kb = detail.get("knowledgeBaseLookupInput") or {}
                if kb:
                    return f"[{kind}] searches the knowledge base: {str(kb.get('text', ''))[:120]}"
            if step == "observation" and isinstance(detail, dict):
                return f"[{kind}] observation: {detail.get('type', '')}"
        return f"[{kind}] {', '.join(body)}"
    return "[trace]"


class BedrockAgentBackend:
    """``bedrock-agent-runtime.invoke_agent`` against SDGA_AGENT_ID / SDGA_AGENT_ALIAS_ID."""

    name = "bedrock-agent"

    def __init__(
        self,
        *,
        client: Any = None,
        agent_id: str | None = None,
        alias_id: str | None = None,
        trace: bool = False,
        on_chunk: Callable[[str], None] | None = None,
        on_trace: Callable[[dict[str, Any]], None] | None = None,
        service: Any = None,
        region: str | None = None,
    ) -> None:
        self.agent_id = agent_id or os.environ.get("SDGA_AGENT_ID") or ""
        self.alias_id = alias_id or os.environ.get("SDGA_AGENT_ALIAS_ID") or ""
        if not self.agent_id or not self.alias_id:
            raise ConfigurationError("the bedrock-agent backend needs SDGA_AGENT_ID and SDGA_AGENT_ALIAS_ID")
        self.trace, self.on_chunk, self.on_trace = trace, on_chunk, on_trace
        self.service = service
        self._client, self._region = client, region

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3  # lazy: only this backend needs it

            self._client = boto3.client(
                "bedrock-agent-runtime", region_name=self._region or os.environ.get("AWS_REGION")
            )
        return self._client

    def ask(self, prompt: str, *, session: ChatSession | None = None, plan_only: bool = False) -> AgentResult:
        if plan_only:
            raise InvalidInputError(
                "--plan-only is not available with the bedrock-agent backend (the deployed agent runs its actions "
                "itself); use --backend offline or bedrock"
            )
        from botocore.exceptions import BotoCoreError, ClientError

        session = session or ChatSession()
        try:
            response = self.client.invoke_agent(
                agentId=self.agent_id,
                agentAliasId=self.alias_id,
                sessionId=session.session_id,
                inputText=prompt,
                enableTrace=self.trace,
            )
        except ClientError as exc:
            err = exc.response.get("Error", {})
            raise AgentBackendError(
                f"invoke_agent failed ({err.get('Code', 'error')}): {err.get('Message', exc)}",
                details={"agent_id": self.agent_id, "code": err.get("Code")},
            ) from exc
        except BotoCoreError as exc:
            raise AgentBackendError(f"invoke_agent failed: {exc}") from exc
        stream = parse_agent_stream(response.get("completion", []), on_chunk=self.on_chunk, on_trace=self.on_trace)
        session.turns += 1
        result = AgentResult(prompt=prompt, backend=self.name, answer=stream.text, session_id=session.session_id)
        result.traces = stream.traces
        result.steps = [summarize_trace(t) for t in stream.traces]
        if stream.return_control is not None:
            result.steps.append("the agent asked to return control (not supported by this client)")
        self._attach_report(result, session)
        return result

    def _attach_report(self, result: AgentResult, session: ChatSession) -> None:
        """If the answer names a generation this deployment knows, attach its stored result."""
        match = _UUID.search(result.answer)
        if not match:
            return
        try:
            if self.service is None:
                from sdga.service import SyntheticDataService

                self.service = SyntheticDataService.from_env()
            result.response = self.service.status(match.group(0))
            session.last_generation_id = match.group(0)
        except (SdgaError, ImportError, OSError):
            result.steps.append(f"generation {match.group(0)} is not in this deployment's history")
