"""The ``agentcore`` backend: the agent deployed on Amazon Bedrock AgentCore, through its data-plane API.

AgentCore can host the agent two ways, and this backend talks to either (boto3 client ``bedrock-agentcore``):

* **Harness** (``SDGA_AGENTCORE_HARNESS_ARN``): AgentCore runs the model loop itself, with the actions as
  gateway tools. ``invoke_harness`` sends the user's message and streams events back: text deltas form the
  answer, tool-use blocks become the steps, and a tool result that is a generation response becomes the
  result's response (so the usual report follows without a second call).
* **Runtime** (``SDGA_AGENTCORE_RUNTIME_ARN``): our own agent in a container. ``invoke_agent_runtime`` posts
  ``{"prompt", "session_id", "plan_only"}``; the answer is JSON (``AgentResult.to_dict()``'s shape:
  ``answer``, ``request``, ``response``, ``steps``, ``error``), or server-sent events whose ``data:`` lines are
  text chunks (a string, or ``{"text": ...}``) ending with ``{"result": {...}}`` in that same shape.

The conversation is kept by AgentCore (memory), keyed by the runtime session id, so each turn sends only the
new message. ``SDGA_AGENTCORE_QUALIFIER`` names an endpoint other than the default, and
``SDGA_AGENTCORE_USER_ID`` the user (the memory's actor). One invocation is never retried: a timed-out turn
may still have generated data.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from sdga.agent.base import AgentBackendError, AgentResult, ChatSession
from sdga.errors import ConfigurationError, InvalidInputError, SdgaError
from sdga.models import GenerateDataRequest, GenerateDataResponse

_STREAM_ERRORS = ("internalServerException", "validationException", "runtimeClientError", "throttlingException",
                  "accessDeniedException", "serviceQuotaExceededException", "resourceNotFoundException")  # fmt: skip
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
_SESSION_CHARS = re.compile(r"[^a-zA-Z0-9_-]")
_ARN = re.compile(r"^arn:aws[a-z-]*:bedrock-agentcore:(?P<region>[a-z0-9-]+):\d{12}:(?P<kind>harness|runtime)/\S+$")
DEFAULT_TIMEOUT_S = 900


def runtime_session_id(session: ChatSession) -> str:
    """AgentCore's session id: 33 to 100 characters of ``[a-zA-Z0-9_-]``, stable for one chat session."""
    sid = _SESSION_CHARS.sub("-", session.session_id).lstrip("-_")
    if len(sid) < 33:
        sid = f"sdga-session-{sid}".ljust(33, "0")
    return sid[:100]


def tool_name(name: str) -> str:
    """A gateway tool is named ``<target>___<tool>``: the tool part (the action's name)."""
    return name.rsplit("___", 1)[-1]


@dataclass
class HarnessStream:
    """The parsed event stream of one ``invoke_harness`` call."""

    text: str = ""
    steps: list[str] = field(default_factory=list)
    traces: list[dict[str, Any]] = field(default_factory=list)
    tool_results: list[Any] = field(default_factory=list)
    stop_reason: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)


def _arguments(raw: str) -> str:
    """A short view of a tool call's arguments (the model's JSON), for the steps."""
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    keys = ("prompt", "data_type", "volume", "output_format", "generation_id", "data_location", "name")
    shown = [f"{k}={data[k]}" for k in keys if data.get(k) not in (None, "")]
    if "schema" in data:
        shown.append("schema")
    return f" ({', '.join(shown)})" if shown else ""


def _result_value(parts: list[Any]) -> Any:
    """A tool result's content: its JSON block, or its text parsed as JSON when it is JSON."""
    for part in parts:
        if isinstance(part, dict) and "json" in part:
            return part["json"]
    text = "".join(p.get("text", "") for p in parts if isinstance(p, dict))
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_harness_stream(
    events: Iterable[dict[str, Any]],
    *,
    on_chunk: Callable[[str], None] | None = None,
    on_trace: Callable[[dict[str, Any]], None] | None = None,
) -> HarnessStream:
    """Read the stream: assistant text is the answer, tool blocks are steps, errors raise.

    Works on botocore's EventStream and on a plain list of recorded events alike.
    """
    out = HarnessStream()
    texts: list[str] = []
    blocks: dict[int, dict[str, Any]] = {}
    role = "assistant"

    def trace(summary: str, detail: dict[str, Any]) -> None:
        event = {"summary": summary, "trace": {"agentcore": detail}}
        out.traces.append(event)
        out.steps.append(summary)
        if on_trace:
            on_trace(event)

    try:
        for event in events:
            if "messageStart" in event:
                role = event["messageStart"].get("role") or "assistant"
                if role == "assistant" and texts and not texts[-1].endswith("\n"):
                    texts.append("\n\n")
            elif "contentBlockStart" in event:
                body = event["contentBlockStart"]
                start = body.get("start") or {}
                if "toolUse" in start:
                    use = start["toolUse"]
                    blocks[body["contentBlockIndex"]] = {"kind": "use", "name": use.get("name", "?"), "input": ""}
                elif "toolResult" in start:
                    res = start["toolResult"]
                    blocks[body["contentBlockIndex"]] = {"kind": "result", "status": res.get("status"), "parts": []}
            elif "contentBlockDelta" in event:
                body = event["contentBlockDelta"]
                delta = body.get("delta") or {}
                block = blocks.get(body.get("contentBlockIndex", -1))
                if "text" in delta:
                    if block is not None and block["kind"] == "result":
                        block["parts"].append({"text": delta["text"]})
                    elif role == "assistant":  # the user's own turn is not part of the answer
                        texts.append(delta["text"])
                        if on_chunk:
                            on_chunk(delta["text"])
                elif "toolUse" in delta and block is not None:
                    block["input"] += delta["toolUse"].get("input", "")
                elif "toolResult" in delta and block is not None:
                    block["parts"].extend(delta["toolResult"] or [])
            elif "contentBlockStop" in event:
                block = blocks.pop(event["contentBlockStop"].get("contentBlockIndex", -1), None)
                if block is None:
                    continue
                if block["kind"] == "use":
                    target, _, tool = block["name"].rpartition("___")
                    trace(
                        f"calls {tool}{_arguments(block['input'])}",
                        {"invocationInput": {"actionGroupInvocationInput": {
                            "actionGroupName": target or "gateway", "verb": "", "apiPath": tool}}},
                    )  # fmt: skip
                else:
                    value = _result_value(block["parts"])
                    out.tool_results.append(value)
                    failed = block["status"] == "error" or (isinstance(value, dict) and "error" in value)
                    if failed:
                        message = value.get("message") if isinstance(value, dict) else str(value)[:200]
                        trace(f"tool error: {message}", {"observation": {"type": f"TOOL_ERROR {message}"}})
            elif "messageStop" in event:
                out.stop_reason = event["messageStop"].get("stopReason")
            elif "metadata" in event:
                out.usage = dict(event["metadata"].get("usage") or {})
            elif "hookEvent" in event:
                hook = event["hookEvent"]
                trace(f"hook {hook.get('name')}: {hook.get('decision') or hook.get('type')}", {"hook": hook})
            else:
                for name in _STREAM_ERRORS:
                    if name in event:
                        message = (event[name] or {}).get("message", name)
                        raise AgentBackendError(f"AgentCore stream error ({name}): {message}", details={"event": name})
    except SdgaError:
        raise
    except Exception as exc:  # botocore EventStreamError and connection drops mid-stream
        from botocore.exceptions import BotoCoreError, ClientError

        if isinstance(exc, ClientError | BotoCoreError):
            raise AgentBackendError(f"AgentCore stream failed: {exc}") from exc
        raise
    out.text = "".join(texts).strip()
    if out.stop_reason not in (None, "end_turn", "stop_sequence"):
        out.steps.append(f"the agent stopped: {out.stop_reason}")
    return out


@dataclass
class RuntimeReply:
    text: str = ""
    result: dict[str, Any] | None = None


def _sse_lines(body: Any) -> Iterator[bytes]:
    if hasattr(body, "iter_lines"):
        yield from body.iter_lines()
    else:
        yield from bytes(body).splitlines()


def _text_of(data: Any) -> str:
    if isinstance(data, str):
        return data
    if isinstance(data, dict):
        for key in ("text", "delta", "chunk", "content", "data"):
            if isinstance(data.get(key), str):
                return str(data[key])
        inner = data.get("event")
        if isinstance(inner, dict):  # {"event": {"contentBlockDelta": {"delta": {"text": ...}}}}
            delta = (inner.get("contentBlockDelta") or {}).get("delta") or {}
            return str(delta.get("text") or "")
    return ""


def parse_runtime_response(
    body: Any, content_type: str, *, on_chunk: Callable[[str], None] | None = None
) -> RuntimeReply:
    """The runtime's reply: JSON, server-sent events, or plain text (see the module docstring)."""
    reply = RuntimeReply()
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind == "text/event-stream":
        parts: list[str] = []
        for line in _sse_lines(body):
            if not line.startswith(b"data:"):
                continue
            raw = line[5:].strip().decode("utf-8", errors="replace")
            try:
                data: Any = json.loads(raw)
            except ValueError:
                data = raw
            if isinstance(data, dict) and "error" in data:
                error = data["error"]
                message = error.get("message") if isinstance(error, dict) else str(error)
                raise AgentBackendError(f"the AgentCore runtime reported an error: {message}", details={"error": error})
            if isinstance(data, dict) and isinstance(data.get("result"), dict):
                reply.result = data["result"]
                continue
            text = _text_of(data)
            if text:
                parts.append(text)
                if on_chunk:
                    on_chunk(text)
        reply.text = "".join(parts).strip()
        return reply
    raw_bytes = body.read() if hasattr(body, "read") else bytes(body)
    text = raw_bytes.decode("utf-8", errors="replace")
    if kind.endswith("json"):
        try:
            data = json.loads(text)
        except ValueError:
            raise AgentBackendError(
                "the AgentCore runtime answered invalid JSON", details={"body": text[:500]}
            ) from None
        if isinstance(data, dict) and ("answer" in data or "response" in data or "request" in data):
            reply.result = data
            return reply
        if isinstance(data, dict) and "error" in data and len(data) <= 4:
            error = data["error"]
            message = data.get("message") or (error.get("message") if isinstance(error, dict) else str(error))
            raise AgentBackendError(f"the AgentCore runtime reported an error: {message}", details=data)
        reply.text = _text_of(data) or json.dumps(data, ensure_ascii=False)
    else:
        reply.text = text.strip()
    if reply.text and on_chunk:
        on_chunk(reply.text)
    return reply


class AgentCoreBackend:
    """``bedrock-agentcore`` ``invoke_harness`` / ``invoke_agent_runtime`` against the deployed agent."""

    name = "agentcore"

    def __init__(
        self,
        *,
        client: Any = None,
        harness_arn: str | None = None,
        runtime_arn: str | None = None,
        qualifier: str | None = None,
        user_id: str | None = None,
        trace: bool = False,
        on_chunk: Callable[[str], None] | None = None,
        on_trace: Callable[[dict[str, Any]], None] | None = None,
        service: Any = None,
        region: str | None = None,
        timeout_s: int | None = None,
    ) -> None:
        if harness_arn or runtime_arn:  # given explicitly: the environment is not consulted
            harness, runtime = harness_arn or "", runtime_arn or ""
        else:
            harness = os.environ.get("SDGA_AGENTCORE_HARNESS_ARN") or ""
            runtime = os.environ.get("SDGA_AGENTCORE_RUNTIME_ARN") or ""
        if bool(harness) == bool(runtime):
            raise ConfigurationError(
                "the agentcore backend needs exactly one of SDGA_AGENTCORE_HARNESS_ARN (the AgentCore harness) "
                "and SDGA_AGENTCORE_RUNTIME_ARN (an agent runtime)" + (" (both are set)" if harness else "")
            )
        self.arn = (harness or runtime).strip()
        match = _ARN.match(self.arn)
        if match is None or match.group("kind") != ("harness" if harness else "runtime"):
            raise ConfigurationError(
                f"{self.arn[:120]!r} is not an AgentCore {'harness' if harness else 'runtime'} ARN "
                f"(arn:aws:bedrock-agentcore:<region>:<account>:{'harness' if harness else 'runtime'}/<id>)"
            )
        self.mode = "harness" if harness else "runtime"
        self.qualifier = qualifier or os.environ.get("SDGA_AGENTCORE_QUALIFIER") or None
        self.user_id = user_id or os.environ.get("SDGA_AGENTCORE_USER_ID") or None
        self.trace, self.on_chunk = trace, on_chunk
        self.on_trace = on_trace
        self.service = service
        self._client = client
        self._region = region or os.environ.get("AWS_REGION") or match.group("region")
        self._timeout = timeout_s or int(os.environ.get("SDGA_AGENTCORE_TIMEOUT_S") or DEFAULT_TIMEOUT_S)

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3  # lazy: only this backend needs it
            from botocore.config import Config

            # An agent turn can run for minutes; and it is never retried, since it may have generated data.
            config = Config(read_timeout=self._timeout, connect_timeout=10, retries={"total_max_attempts": 1})
            self._client = boto3.client("bedrock-agentcore", region_name=self._region, config=config)
        return self._client

    def ask(self, prompt: str, *, session: ChatSession | None = None, plan_only: bool = False) -> AgentResult:
        text = " ".join((prompt or "").split())
        if not text:
            raise InvalidInputError("the request is empty: describe the data you need")
        if plan_only and self.mode == "harness":
            raise InvalidInputError(
                "--plan-only is not available with an AgentCore harness (the model runs the tools itself); "
                "use --backend offline or bedrock to plan without generating"
            )
        session = session or ChatSession()
        sid = runtime_session_id(session)
        result = AgentResult(prompt=text, backend=self.name, session_id=session.session_id)
        if self.mode == "harness":
            self._ask_harness(text, sid, result)
        else:
            self._ask_runtime(text, sid, plan_only, result)
        session.turns += 1
        self._attach_report(result, session)
        return result

    # ---------------------------------------------------------------------------------------- calls
    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response: dict[str, Any] = getattr(self.client, operation)(**params)
        except ClientError as exc:
            err = exc.response.get("Error", {})
            raise AgentBackendError(
                f"{operation} failed ({err.get('Code', 'error')}): {err.get('Message', exc)}",
                details={"arn": self.arn, "code": err.get("Code")},
            ) from exc
        except BotoCoreError as exc:
            raise AgentBackendError(f"{operation} failed: {exc}", details={"arn": self.arn}) from exc
        return response

    def _ask_harness(self, text: str, sid: str, result: AgentResult) -> None:
        params: dict[str, Any] = {
            "harnessArn": self.arn,
            "runtimeSessionId": sid,
            "messages": [{"role": "user", "content": [{"text": text}]}],
        }
        if self.qualifier:
            params["qualifier"] = self.qualifier
        if self.user_id:
            params["runtimeUserId"] = self.user_id
            params["actorId"] = self.user_id
        response = self._call("invoke_harness", **params)
        stream = parse_harness_stream(response.get("stream", []), on_chunk=self.on_chunk, on_trace=self.on_trace)
        result.answer, result.steps, result.traces = stream.text, stream.steps, stream.traces
        for value in reversed(stream.tool_results):
            response_model = _generation(value)
            if response_model is not None:
                result.response = response_model
                break

    def _ask_runtime(self, text: str, sid: str, plan_only: bool, result: AgentResult) -> None:
        payload = {"prompt": text, "session_id": sid, "plan_only": plan_only}
        params: dict[str, Any] = {
            "agentRuntimeArn": self.arn,
            "runtimeSessionId": sid,
            "payload": json.dumps(payload).encode("utf-8"),
            "contentType": "application/json",
            "accept": "application/json, text/event-stream",
        }
        if self.qualifier:
            params["qualifier"] = self.qualifier
        if self.user_id:
            params["runtimeUserId"] = self.user_id
        response = self._call("invoke_agent_runtime", **params)
        status = response.get("statusCode", 200)
        body = response.get("response")
        if body is None:
            raise AgentBackendError("invoke_agent_runtime returned no body", details={"status": status})
        try:
            reply = parse_runtime_response(body, response.get("contentType", ""), on_chunk=self.on_chunk)
        finally:
            if hasattr(body, "close"):
                body.close()
        if isinstance(status, int) and status >= 400:
            raise AgentBackendError(f"the AgentCore runtime answered HTTP {status}: {reply.text[:300]}")
        result.answer = reply.text
        if reply.result is not None:
            self._apply_result(reply.result, result)

    @staticmethod
    def _apply_result(data: dict[str, Any], result: AgentResult) -> None:
        """Fill the result from the runtime's ``AgentResult.to_dict()``-shaped answer (unknown keys ignored)."""
        if isinstance(data.get("answer"), str) and data["answer"].strip():
            result.answer = data["answer"].strip()
        try:
            if isinstance(data.get("request"), dict):
                result.request = GenerateDataRequest.model_validate(data["request"])
            if isinstance(data.get("response"), dict):
                result.response = GenerateDataResponse.model_validate(data["response"])
        except ValidationError as exc:
            raise AgentBackendError(
                "the AgentCore runtime answered a request/response that does not match the models",
                details={"errors": exc.errors(include_url=False, include_input=False)[:5]},
            ) from None
        if isinstance(data.get("steps"), list):
            result.steps = [str(s) for s in data["steps"]]
        if isinstance(data.get("error"), dict):
            result.error = data["error"]

    def _attach_report(self, result: AgentResult, session: ChatSession) -> None:
        """Without a generation in the answer's data, look up an id the answer names in this deployment."""
        if result.response is not None:
            session.last_generation_id = result.response.generation_id
            return
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


def _generation(value: Any) -> GenerateDataResponse | None:
    """A tool result that is a generation response (possibly wrapped in ``body``), else None."""
    if isinstance(value, dict) and isinstance(value.get("body"), str):
        try:
            value = json.loads(value["body"])
        except ValueError:
            return None
    if not isinstance(value, dict) or "generation_id" not in value or "status" not in value:
        return None
    try:
        return GenerateDataResponse.model_validate(value)
    except ValidationError:
        return None
