"""Missing values: "10% without phone", "15% missing phone numbers", "humidity missing in 20%",
"20% of emails are null", "a churn_reason column, 30% null", "email optional"."""

from __future__ import annotations

import re

from sdga.agent.planning.model import ConflictError
from sdga.agent.planning.state import PlanState

_NEG = (r"(?:without|with no|with missing|missing|lacking|have no|has no|having no|with empty|with blank|with null|"
        r"null|empty|blank|no|not having|w/o)")  # fmt: skip
_FIELD3 = r"(?P<field>[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2})"
_P = r"(?P<p>\d+(?:\.\d+)?)\s*%"


def _apply(state: PlanState, phrase: str, rate: float, *, suffix: bool = False) -> bool:
    ed = state.ed
    _cand, found = ed.resolve_suffix(phrase) if suffix else ed.resolve_prefix(phrase)
    if not found:
        state.assumptions.append(f"'{phrase}': no such field, null rate ignored")
        return False
    for _, fld in found:
        c = ed.constraints(fld)
        c["nullable"] = rate > 0
        c["null_rate"] = rate
        if rate > 0 and fld.get("type") != "uuid":
            c.pop("unique", None)
    names = ", ".join(sorted({str(f["name"]) for _, f in found}))
    pct = f"{rate:.0%}" if rate * 100 == int(rate * 100) else f"{rate:.1%}"
    state.understood.append(f"{names}: {pct} null")
    return True


def _rate(p: str) -> float:
    rate = float(p) / 100.0
    if not 0 <= rate <= 1:
        raise ConflictError(f"a share of missing values must be between 0% and 100%, got {p}%")
    return rate


def run(state: PlanState) -> bool:
    t = state.text
    changed = False
    patterns = [
        (rf"{_P}\s+(?:of\s+(?:the\s+)?(?:[a-z]+\s+){{0,2}}?(?:(?:have|has|with|are|is)\s+)?)?{_NEG}\s+"
         rf"(?:an?\s+|the\s+|their\s+|any\s+)?{_FIELD3}", False),
        (rf"(?:with\s+)?{_P}\s+(?:null|missing|empty|blank|nulls in|missing in|empty in)\s+(?:the\s+)?{_FIELD3}", False),
        (rf"{_P}\s+of\s+(?:the\s+)?{_FIELD3}\s+(?:are|is|being|left)\s+(?:null|missing|empty|blank|unset)", True),
        (rf"{_FIELD3}\s+(?:is\s+|are\s+)?(?:missing|empty|null|blank|unset)\s+(?:in|for)\s+{_P}", True),
        (rf"{_FIELD3}\s+(?:null|missing|empty)\s+(?:rate|share|ratio)\s+(?:of\s+)?{_P}", True),
        (rf"{_FIELD3}\s*(?:,|:|-|with|at)?\s*{_P}\s+(?:nulls?|missing|empty|blank)\b", True),
    ]  # fmt: skip
    for pattern, suffix in patterns:
        for m in t.finditer(pattern):
            rate = _rate(m.group("p"))
            phrase = re.sub(r"\s+(?:fields?|columns?|values?|numbers?)$", "", m.group("field"))
            if _apply(state, phrase, rate, suffix=suffix):
                t.consume(m.start(), m.end())
                changed = True
    for m in t.finditer(rf"{_FIELD3}\s+(?:is\s+|are\s+)?(?:optional|nullable|sometimes missing|sometimes empty)\b"):
        cand, found = state.ed.resolve_suffix(m.group("field"))
        if found:
            t.consume(m.start(), m.end())
            changed |= _apply(state, cand, 0.1, suffix=True)
    return changed
