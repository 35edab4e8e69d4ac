"""The ``offline`` backend: the deterministic planner plus the toolbox, no network and no model.

A request the planner cannot plan without a guess comes back as a question turn (``result.question``);
the conversation remembers it, and the next message is read as the answer: an option's number ("2"), a
template's name, a list of fields, or a new request altogether.
"""

from __future__ import annotations

import re
from typing import Any

from sdga.agent.base import AgentResult, ChatSession
from sdga.agent.planning import ClarificationNeeded, OfflinePlanner, Plan, PlanningError, Question
from sdga.agent.toolbox import Toolbox, ValidationFailedError
from sdga.errors import SdgaError
from sdga.models import ValidateSchemaResponse

_ORDINALS = {"first": 1, "second": 2, "third": 3, "1st": 1, "2nd": 2, "3rd": 3, "one": 1, "two": 2, "three": 3}


def answer_to(pending: tuple[str, Question], reply: str, templates: set[str]) -> str | None:
    """The request a reply to a question completes, or None when the reply is a request of its own."""
    prompt, question = pending
    text = reply.strip().rstrip(".!")
    low = text.lower()
    m = re.fullmatch(r"(?:option\s+|number\s+|no\.?\s*|#)?(\d)|(?:the\s+)?(first|second|third|1st|2nd|3rd)(?:\s+one)?",
                     low)  # fmt: skip
    if m:
        index = int(m.group(1)) if m.group(1) else _ORDINALS[m.group(2)]
        if 1 <= index <= len(question.choices):
            choice = question.choices[index - 1]
            return f"{prompt} (the {choice} template)" if choice else None
        return None
    named = next((t for t in sorted(templates, key=len, reverse=True) if re.search(rf"\b{re.escape(t)}\b", low)), None)
    if named and len(low.split()) <= 4:
        return f"{prompt} (the {named} template)"
    if "," in text and not re.search(r"\d", text) and len(text.split()) <= 30:
        return f"{prompt} with fields {text}"
    if re.match(r"(?:with\s+)?(?:fields|columns)\b", low):
        return f"{prompt} {text}"
    return None


class OfflineBackend:
    """Plan with :class:`OfflinePlanner`, then validate -> generate -> measure through the service."""

    name = "offline"

    def __init__(
        self, planner: OfflinePlanner | None = None, *, service: Any = None, remember: bool = True, progress: Any = None
    ) -> None:
        self.planner = planner or OfflinePlanner()
        self.service = service
        self.remember = remember
        self.progress = progress

    def plan(self, prompt: str, session: ChatSession | None = None) -> Plan:
        """A plan for ``prompt`` (a follow-up of the session's plan, or the answer to its open question)."""
        previous = session.plan if session else None
        pending = session.pending if session else None
        if pending is not None:
            session.pending = None  # type: ignore[union-attr]
            completed = answer_to(pending, prompt, set(self.planner.templates))
            if completed is not None:
                try:
                    return self.planner.plan(completed, None)
                except PlanningError:
                    pass
        try:
            return self.planner.plan(prompt, previous)
        except ClarificationNeeded as exc:
            if session is not None:
                session.pending = (prompt, exc.question)
            raise

    def ask(self, prompt: str, *, session: ChatSession | None = None, plan_only: bool = False) -> AgentResult:
        """Plan (a follow-up edits the session's plan), then run it unless ``plan_only``.

        A question comes back as the result's ``question``; refusals and conflicts propagate as
        :class:`~sdga.agent.planning.PlanningError`.
        """
        sid = session.session_id if session else None
        try:
            plan = self.plan(prompt, session)
        except ClarificationNeeded as exc:
            if session is not None:
                session.turns += 1
            return AgentResult(
                prompt=prompt, backend=self.name, session_id=sid, question=exc.question,
                answer=exc.question.render(), steps=["asked a question instead of guessing"],
            )  # fmt: skip
        if session is not None:
            session.plan = plan
            session.turns += 1
        result = AgentResult(prompt=prompt, backend=self.name, plan=plan, request=plan.request, session_id=sid)
        if plan_only:
            result.steps.append("planned (not run: plan only)")
            return result
        return self.run(result, session)

    def run(self, result: AgentResult, session: ChatSession | None = None) -> AgentResult:
        """Execute the result's plan: validate first, generate only a valid schema, report either way."""
        assert result.plan is not None
        toolbox = Toolbox(
            self.service, remember=self.remember, prompt=result.plan.prompt, template=result.plan.template
        )
        try:
            toolbox.generate(result.plan.request, progress=self.progress)
        except ValidationFailedError as exc:
            result.error = exc.to_response().model_dump(mode="json", exclude={"details"})
        except SdgaError as exc:
            result.error = exc.to_response().model_dump(mode="json", exclude={"details"})
        result.validation = toolbox.record.validation
        result.response = toolbox.record.response
        result.steps.extend(toolbox.record.steps)
        if session is not None and result.response is not None:
            session.last_generation_id = result.response.generation_id
        return result


def validation_failed(result: AgentResult) -> bool:
    """True when the run stopped because validation said no (the CLI's exit code 1)."""
    v: ValidateSchemaResponse | None = result.validation
    return (
        result.response is None
        and bool(result.error)
        and v is not None
        and (not v.valid or (result.error is not None and result.error.get("error") == "schema_invalid"))
    )
