"""What every agent backend shares: the result shape, the chat session and the markdown report."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from sdga.agent.planning import Plan, Question
from sdga.errors import SdgaError
from sdga.models import (
    GenerateDataRequest,
    GenerateDataResponse,
    GenerationStatus,
    Severity,
    ValidateSchemaResponse,
)

BACKENDS = ("offline", "bedrock", "bedrock-agent", "agentcore", "openai")


def max_prompt_chars() -> int:
    """The longest request accepted (``SDGA_MAX_PROMPT_CHARS``, default 4,000 characters, as every door)."""
    from sdga.limits import current_limits

    return current_limits().max_prompt_chars


class AgentBackendError(SdgaError):
    """The language-model backend failed (throttled, denied, unreachable, or it broke the protocol)."""

    code = "agent_backend_failed"
    http_status = 502


@dataclass
class ChatSession:
    """Short-term memory of one conversation: the current plan, the model messages, the agent session."""

    session_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    plan: Plan | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    turns: int = 0
    last_generation_id: str | None = None
    #: The request a question was asked about and the question; the next message answers it.
    pending: tuple[str, Question] | None = None


@dataclass
class AgentResult:
    """The outcome of one request: the plan, what the actions said, the answer and the report."""

    prompt: str
    backend: str
    plan: Plan | None = None
    request: GenerateDataRequest | None = None
    validation: ValidateSchemaResponse | None = None
    response: GenerateDataResponse | None = None
    answer: str = ""
    steps: list[str] = field(default_factory=list)
    error: dict[str, Any] | None = None
    traces: list[dict[str, Any]] = field(default_factory=list)
    session_id: str | None = None
    #: Asked instead of guessing; the request is then None.
    question: Question | None = None

    @property
    def ok(self) -> bool:
        """True when data was generated (success or partial) or a plan-only run produced a request."""
        if self.error or self.question is not None:
            return False
        if self.response is not None:
            return self.response.status in (GenerationStatus.SUCCESS, GenerationStatus.PARTIAL)
        return self.request is not None or bool(self.answer)

    def report(self) -> str:
        """The markdown report every backend returns (plan, validation, generation report)."""
        return render_agent_report(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "prompt": self.prompt,
            "backend": self.backend,
            "session_id": self.session_id,
            "ok": self.ok,
            "plan": self.plan.to_dict() if self.plan else None,
            "request": self.request.model_dump(mode="json", by_alias=True, exclude_none=True) if self.request else None,
            "validation": self.validation.model_dump(mode="json") if self.validation else None,
            "response": self.response.model_dump(mode="json", by_alias=True, exclude_none=True)
            if self.response
            else None,
            "answer": self.answer,
            "question": self.question.to_dict() if self.question else None,
            "steps": self.steps,
            "error": self.error,
            "report": self.report(),
        }


#: Consecutive model turns whose every tool call was invalid input, after which the user is asked instead.
MAX_INVALID_TURNS = 2


def ask_after_invalid_calls(result: AgentResult, notes: list[str], invalid: int) -> None:
    """The model could not produce a valid call: ask the user rather than guess (nothing was run)."""
    result.question = Question(
        "The model could not turn the request into a valid one (its tool calls failed validation), "
        "so nothing was run. Could you say it more precisely: what rows, how many, which fields?",
        options=[
            "name the domain and a count, e.g. '5k orders for an online shop'",
            "list the fields, e.g. '500 records with fields name, email and signup date'",
        ],
        reason="invalid_tool_call",
    )
    result.answer = result.question.render()
    notes.append(f"stopped after {invalid} invalid tool calls; asked instead")


def finish_model_turn(
    result: AgentResult, session: ChatSession, messages: list[dict[str, Any]], record: Any, notes: list[str]
) -> AgentResult:
    """Close a model-driven turn: keep only complete exchanges as short-term memory (a dangling tool call
    would be rejected by the model later) and copy what the tools recorded into the result."""
    clean = bool(messages) and messages[-1].get("role") == "assistant" and result.error is None
    clean = clean and result.question is None
    session.messages = messages if clean else list(session.messages)
    session.turns += 1
    result.steps = [*record.steps, *notes]
    result.request = result.request or record.request
    result.validation = record.validation
    result.response = record.response
    if result.response is not None:
        session.last_generation_id = result.response.generation_id
    return result


class AgentBackend(Protocol):
    """One way of turning a request into validated, generated data and a report."""

    name: str

    def ask(self, prompt: str, *, session: ChatSession | None = None, plan_only: bool = False) -> AgentResult: ...


def _validation_section(v: ValidateSchemaResponse) -> list[str]:
    lines = ["## Validation", ""]
    errors = [e for e in v.errors if e.severity == Severity.ERROR]
    warnings = [e for e in v.errors if e.severity != Severity.ERROR]
    lines.append(
        f"- Schema: **{'valid' if v.valid else 'invalid'}** ({len(errors)} errors, {len(warnings)} warnings, "
        f"{len(v.compliance_issues)} compliance issues)"
    )
    for e in errors + warnings:
        where = f"`{e.field}`: " if e.field else ""
        lines.append(f"- {e.severity.value}: {where}{e.message}")
    if v.compliance_issues:
        lines += ["", "| Field | Requirement | Issue | Severity | Fix |", "|---|---|---|---|---|"]
        for c in v.compliance_issues:
            fix, issue = (c.fix or "").replace("|", "/"), c.issue.replace("|", "/")
            lines.append(f"| `{c.field}` | {c.requirement} | {issue} | {c.severity.value} | {fix} |")
    if v.suggestions:
        lines += ["", "Suggestions:"] + [f"- {s}" for s in v.suggestions]
    return lines


def render_agent_report(result: AgentResult) -> str:
    """Plan explanation + validation + the generation report (``sdga.report.render_report``)."""
    lines = ["# Synthetic data agent", "", f"> {result.prompt}", ""]
    if result.plan is not None:
        lines += ["## Plan", "", result.plan.explain(), ""]
    if result.question is not None:
        lines += ["## Question", "", result.question.text, ""]
        lines += [f"{i}. {o}" for i, o in enumerate(result.question.options, 1)] + [""]
    elif result.answer:
        lines += ["## Answer", "", result.answer.strip(), ""]
    if result.validation is not None:
        lines += [*_validation_section(result.validation), ""]
    if result.error:
        lines += ["## Error", "", f"**{result.error.get('error')}**: {result.error.get('message')}", ""]
    if result.response is not None:
        from sdga.report import render_report

        # Nest the generation report under this one: its headings go one level down.
        embedded = render_report(result.response, request=result.request).strip().splitlines()
        lines += [("#" + ln if ln.startswith("#") else ln) for ln in embedded] + [""]
    elif result.request is not None and not result.error:
        lines += ["## Request (not run)", "", "```json", _json(result.request), "```", ""]
    if result.steps:
        lines += ["## Steps", ""] + [f"{i}. {s}" for i, s in enumerate(result.steps, 1)]
    return "\n".join(lines).rstrip() + "\n"


def _json(request: GenerateDataRequest) -> str:
    return request.model_dump_json(by_alias=True, exclude_none=True, indent=2)
