"""Stage 2, refuse: what the agent will not do, said before anything is planned.

Real, identifiable people's data, copying or exporting production records, deleting or changing
existing data and other harmful asks are refused with the reason and what the agent can do instead.
Requests that are too vague to plan are asked about later, once the knowledge base has been consulted
(the schema-choice stage), so a question can offer concrete options.
"""

from __future__ import annotations

from sdga.agent.planning.model import RefusalError
from sdga.agent.planning.state import PlanState


def run(state: PlanState) -> None:
    # Both as typed and with misspellings corrected: "delte all users" is refused too, and a correction
    # can never turn a refusal cue into something harmless.
    for text in dict.fromkeys([state.raw_text, state.text.text]):
        check(state, text)


def check(state: PlanState, text: str) -> None:
    lx = state.ctx.lexicon
    # "real estate", "real-time", "production-like volumes" are not about real or production data.
    text = lx.refusal_neutral.sub(lambda m: " " * len(m.group(0)), text)
    for category in lx.refusals:
        for pattern in category.patterns:
            if pattern.search(text) and not (category.unless and category.unless.search(text)):
                raise RefusalError(category.message, reason=category.reason, instead=category.instead)
