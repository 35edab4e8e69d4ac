"""Stage 7, consistency check: a request that contradicts itself is named, not planned.

"A price above 100 and below 10", "aged over 60 and under 30", "80% paid and 40% refunded" (checked
where the shares are read) or a value list that leaves a field nothing to hold stop with a
:class:`ConflictError` that quotes both sides.
"""

from __future__ import annotations

from typing import Any

from sdga.agent.planning.model import ConflictError
from sdga.agent.planning.state import PlanState


def _num(v: Any) -> str:
    return str(int(v)) if isinstance(v, int | float) and float(v).is_integer() else str(v)


def run(state: PlanState) -> None:
    bounds: dict[tuple[str, str], dict[str, tuple[Any, str]]] = state.__dict__.get("user_bounds", {})
    for (table, field), b in bounds.items():
        if "min" in b and "max" in b:
            (lo, said_lo), (hi, said_hi) = b["min"], b["max"]
            if isinstance(lo, int | float) and isinstance(hi, int | float) and lo > hi:
                where = f"{table}.{field}" if table else field
                raise ConflictError(
                    f"the request contradicts itself: {where} must be at least {_num(lo)} ('{said_lo.strip()}') and "
                    f"at most {_num(hi)} ('{said_hi.strip()}'); no value can be both. Which bound did you mean?",
                    details={"field": where, "min": lo, "max": hi},
                )
    if state.editor is None:
        return
    for tb in state.ed.tables:
        for f in tb["fields"]:
            c = f.get("constraints") or {}
            if "enum" in c and not c["enum"]:
                raise ConflictError(f"the request leaves {tb['name']}.{f['name']} no value it may take")
