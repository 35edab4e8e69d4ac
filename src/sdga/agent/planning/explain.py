"""Stage 8, explanation: the runnable request, with what was understood, what was assumed (every default
said) and what to look at, plus the rows each table will get."""

from __future__ import annotations

from typing import Any

from sdga.agent.planning import counts
from sdga.agent.planning.model import EXAMPLES, NothingToChange, Plan, PlanningError
from sdga.agent.planning.schema_choice import CORE_TYPES
from sdga.agent.planning.state import PlanState
from sdga.models import GenerateDataRequest

DEFAULT_VOLUME = 1000


def build(state: PlanState) -> Plan:
    data: dict[str, Any] = state.request_data
    fresh = state.fresh
    if state.volume is not None:
        data["volume"] = state.volume
    elif fresh:
        data["volume"] = DEFAULT_VOLUME
        where = f" {state.focus_table}" if state.focus_table else ""
        state.assumptions.append(f"volume: {DEFAULT_VOLUME:,}{where} records (no number given)")
    dest = state.destination
    if state.output_format is not None:
        data["output_format"] = state.output_format
    elif fresh:
        sql = (dest and dest.get("type") == "rds") or state.dialect is not None
        data["output_format"] = "sql" if sql else "json"
        state.assumptions.append(f"format: {data['output_format']} (no format given)")
    if state.dialect is not None:
        data["sql_dialect"] = state.dialect
    if dest is not None:
        data["destination"] = dest
    elif fresh:
        state.assumptions.append("destination: a local directory (no destination given)")
    if state.seed is not None:
        data["seed"] = state.seed
    if state.compliance:
        data["compliance_requirements"] = list(dict.fromkeys([*(data.get("compliance_requirements") or []),
                                                              *state.compliance]))  # fmt: skip
    if state.locale is not None:
        data["locale"] = state.locale
    elif fresh:
        data["locale"] = "en_US"
        state.assumptions.append("locale: en_US (no country or language given)")
    data["schema"] = state.ed.result()
    if state.changed:
        data["data_type"] = state.template if state.template in CORE_TYPES else "custom"
    if not fresh and not (state.understood or state.changed or state.counts):
        text = state.text.text if len(state.text.text) <= 80 else state.text.text[:77] + "..."
        raise NothingToChange(
            f"I found nothing to change in '{text}'. Try e.g. 'make it 10k', 'as parquet', 'add a loyalty tier', "
            "'for the UK', 'also GDPR', 'remove the phone field'.",
            details={"examples": EXAMPLES},
        )
    try:
        request = GenerateDataRequest.model_validate(data)
    except Exception as exc:  # pydantic ValidationError: say it in the planner's words
        raise PlanningError(f"the plan is not a valid request: {exc}".splitlines()[0]) from exc
    history = [*(state.previous.history if state.previous and not fresh else []), " ".join(state.prompt.split())]
    if state.confidence == "low" and not any("low-confidence" in w for w in state.warnings):
        state.warnings.append("low-confidence template choice: check the plan's tables before running it")
    return Plan(
        request=request,
        prompt=" / ".join(history),
        template=state.template,
        assumptions=state.assumptions,
        understood=state.understood,
        warnings=state.warnings,
        confidence=state.confidence,
        reused_generation=state.reused,
        history=history,
        focus_table=state.focus_table,
        table_rows=counts.table_rows(state.ed, request.volume),
    )
