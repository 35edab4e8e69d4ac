"""Time windows and shapes: "orders from the last 30 days", "over the past 2 hours", "in the last
quarter"; "amounts skewed, mostly small" (a long-tailed distribution), "normally distributed ages"."""

from __future__ import annotations

import re
from typing import Any

from sdga.agent.planning.editor import phrase_tokens
from sdga.agent.planning.state import PlanState

_UNITS = {"minute": "m", "min": "m", "hour": "h", "day": "d", "week": "w", "month": "mo", "year": "y", "quarter": "mo"}
_SKEW = re.compile(
    r"\b(?:(?P<f1>[a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:are\s+|is\s+)?)?(?:skewed|right[- ]skewed|long[- ]tail(?:ed)?|"
    r"heavy[- ]tail(?:ed)?|mostly small|mostly low|power[- ]law|pareto|log[- ]?normal(?:ly distributed)?)"
    r"(?:\s*(?:-|,)?\s*(?:mostly small|with a long tail|a few (?:large|big) ones))?"
    r"(?:\s+(?:in\s+|on\s+|for\s+)?(?P<f2>[a-z][\w-]*(?:\s+[a-z][\w-]*)?))?",
    re.IGNORECASE,
)


def run(state: PlanState) -> bool:
    return _recent(state) | _skew(state)


def _recent(state: PlanState) -> bool:
    t, ed = state.text, state.ed
    for m in t.finditer(
        r"\b(?:in|from|over|during|within|for|of)?\s*(?:the\s+)?(?:last|past|previous|recent)\s+(?P<n>\d+)?\s*"
        r"(?P<unit>minutes?|mins?|hours?|days?|weeks?|months?|quarters?|years?)\b"
    ):
        said = int(m.group("n") or 1)
        word = m.group("unit").lower().rstrip("s")
        unit = _UNITS[word]
        n = said * 3 if word == "quarter" else said
        touched = []
        words = set(phrase_tokens(t.text))
        named = [tb for tb in ed.tables if set(phrase_tokens(str(tb["name"]).replace("_", " "))) <= words]
        named = named or [tb for tb in ed.tables if ed.match_table(list(phrase_tokens(t.text)))[0] is tb]
        for table in named or ed.tables:
            for fld in table["fields"]:
                name = str(fld["name"]).lower()
                if fld.get("type") not in {"datetime", "timestamp", "date"} or re.search(
                    r"birth|dob|born|expir|due|end|until|estimated|planned|scheduled|valid", name
                ):
                    continue
                c = ed.constraints(fld)
                c["min"], c["max"], c["relative_to_now"] = f"-{n}{unit}", "now", True
                c.pop("distribution", None)
                touched.append(f"{table['name']}.{fld['name']}" if len(ed.tables) > 1 else str(fld["name"]))
        if touched:
            t.consume(m.start(), m.end())
            state.understood.append(f"time range: the last {said} {m.group('unit')} up to now ({', '.join(touched)})")
            return True
    return False


def _money(state: PlanState, phrase: str | None) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    ed = state.ed
    if phrase:
        found = [
            (t, f)
            for t, f in ed.resolve_prefix(phrase)[1]
            if f.get("type") in {"amount", "float", "integer", "decimal"}
        ]
        if found:
            return found
    scope = (
        [ed.table_named(state.focus_table)] if state.focus_table and ed.table_named(state.focus_table) else ed.tables
    )
    for table in scope:
        if table is None:
            continue
        money = [f for f in table["fields"] if f.get("type") in {"amount", "decimal"}]
        money = money or [f for f in table["fields"] if f.get("type") == "float" and re.search(
            r"amount|total|price|value|cost|fare|spend", str(f.get("name")))]  # fmt: skip
        if money:
            best = next((f for f in money if re.search(r"amount|total", str(f.get("name")))), money[0])
            return [(table, best)]
    return []


def _skew(state: PlanState) -> bool:
    t, ed = state.text, state.ed
    for m in t.finditer(_SKEW):
        fields = _money(state, m.group("f1")) or _money(state, m.group("f2"))
        if not fields:
            continue
        for _, fld in fields:
            c = ed.constraints(fld)
            lo = float(c["min"]) if isinstance(c.get("min"), int | float) else 0.0
            hi = float(c["max"]) if isinstance(c.get("max"), int | float) else lo + 1000.0
            span = hi - lo
            c["distribution"] = {"kind": "lognormal", "mean": round(lo + span * 0.08, 2), "std": round(span * 0.12, 2)}
        t.consume(m.start(), m.end())
        names = ", ".join(sorted({str(f["name"]) for _, f in fields}))
        state.understood.append(f"{names}: skewed (log-normal, mostly small values with a long tail)")
        return True
    return False
