"""What planning produces: a :class:`Plan` (a runnable request and the reasoning behind it), a
:class:`Question` when the request cannot be planned without a guess, or a refusal.

Outcomes other than a plan are exceptions, so a caller that only knows :class:`PlanningError` still
stops safely: :class:`RefusalError` (the agent will not do this), :class:`ConflictError` (the request
contradicts itself) and :class:`ClarificationNeeded` (one short question with concrete options).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sdga.errors import InvalidInputError
from sdga.models import GenerateDataRequest

EXAMPLES = [
    "Generate 5,000 GDPR-compliant user profiles for a German shop as CSV, ages 18 to 65, 10% without phone",
    "10k e-commerce orders with order items as parquet",
    "2 million application log events as JSON lines to s3://my-bucket/logs/",
    "500 records with fields name, email and signup date",
]


class PlanningError(InvalidInputError):
    """The request could not be turned into a plan; the message says why and what would work."""

    code = "request_not_understood"


class RefusalError(PlanningError):
    """The agent will not do this (real people's data, production records, deleting data, ...)."""

    code = "request_refused"

    def __init__(self, message: str, *, reason: str, instead: str = "", details: dict[str, Any] | None = None):
        full = f"{message} {instead}".strip()
        super().__init__(full, details={"reason": reason, "instead": instead, **(details or {})})
        self.reason = reason
        self.instead = instead


class NothingToChange(PlanningError):
    """A follow-up that changes nothing in the plan it follows."""


class ConflictError(PlanningError):
    """The request contradicts itself ("a price above 100 and below 10"); the message names the conflict."""

    code = "contradictory_constraints"


@dataclass
class Question:
    """One short question with two or three concrete options, asked instead of a wrong guess."""

    text: str
    options: list[str] = field(default_factory=list)
    reason: str = "unclear"
    #: What each option means to the planner: a template name, or None for "tell me the fields".
    choices: list[str | None] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "options": list(self.options), "reason": self.reason}

    def render(self) -> str:
        lines = [self.text]
        lines += [f"  {i}. {o}" for i, o in enumerate(self.options, 1)]
        return "\n".join(lines)


class ClarificationNeeded(PlanningError):
    """The planner needs an answer before it can plan without guessing."""

    code = "question"

    def __init__(
        self, question: Question, *, understood: list[str] | None = None, assumptions: list[str] | None = None
    ) -> None:
        super().__init__(question.render(), details={"question": question.to_dict(), "examples": EXAMPLES})
        self.question = question
        self.understood = list(understood or [])
        self.assumptions = list(assumptions or [])


@dataclass
class Plan:
    """A runnable request plus the reasoning a reviewer needs to trust it."""

    request: GenerateDataRequest
    prompt: str
    template: str | None = None
    assumptions: list[str] = field(default_factory=list)
    understood: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    confidence: str = "high"
    reused_generation: str | None = None
    history: list[str] = field(default_factory=list)
    focus_table: str | None = None
    table_rows: dict[str, str] = field(default_factory=dict)

    def request_json(self) -> dict[str, Any]:
        """The request as JSON-ready data (aliases used: ``schema``)."""
        return self.request.model_dump(mode="json", by_alias=True, exclude_none=True)

    def to_dict(self) -> dict[str, Any]:
        return {
            "prompt": self.prompt,
            "template": self.template,
            "confidence": self.confidence,
            "understood": self.understood,
            "assumed": self.assumptions,
            "warnings": self.warnings,
            "question": None,
            "tables": self.table_rows,
            "reused_generation": self.reused_generation,
            "request": self.request_json(),
        }

    def explain(self) -> str:
        """Markdown: what was read from the request, what was assumed and what to look at."""
        lines = ["**Understood**"] + [f"- {u}" for u in self.understood or ["(nothing specific)"]]
        if self.assumptions:
            lines += ["", "**Assumed**"] + [f"- {a}" for a in self.assumptions]
        if self.warnings:
            lines += ["", "**Warnings**"] + [f"- {w}" for w in self.warnings]
        if self.table_rows and len(self.table_rows) > 1:
            rows = ", ".join(f"{t}: {n}" for t, n in self.table_rows.items())
            lines += ["", f"**Rows**: {rows}"]
        return "\n".join(lines)
