"""The ``offline`` backend: the deterministic planner plus the toolbox, no network and no model."""

from __future__ import annotations

from typing import Any

from sdga.agent.base import AgentResult, ChatSession
from sdga.agent.planning import OfflinePlanner
from sdga.agent.toolbox import Toolbox, ValidationFailedError
from sdga.errors import SdgaError
from sdga.models import ValidateSchemaResponse


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

    def ask(self, prompt: str, *, session: ChatSession | None = None, plan_only: bool = False) -> AgentResult:
        """Plan (a follow-up edits the session's plan), then run it unless ``plan_only``.

        Planning errors (refusals) propagate as :class:`~sdga.agent.planning.PlanningError`.
        """
        previous = session.plan if session else None
        plan = self.planner.plan(prompt, previous)
        if session is not None:
            session.plan = plan
            session.turns += 1
        result = AgentResult(
            prompt=prompt, backend=self.name, plan=plan, request=plan.request,
            session_id=session.session_id if session else None,
        )  # fmt: skip
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
