"""Named edge cases on the fields they concern: "emoji in comments" (unicode in the comment text),
"malformed phone numbers", "boundary values on price and stock", "SQL injection strings in the name
fields", "very long strings in the subject", "with edge cases", "for security testing"."""

from __future__ import annotations

import re
from typing import Any

from sdga.agent.planning.state import PlanState
from sdga.agent.planning.text import words

NUMERIC_TYPES = frozenset({"integer", "float", "decimal", "amount", "date", "datetime", "timestamp"})
TEXT_TYPES = frozenset({"string", "text", "sentence", "full_name", "first_name", "last_name", "company", "address",
                        "street_address", "city", "username", "word", "email", "phone", "url", "pattern", "job_title",
                        "postal_code", "state", "country", "phrase", "review", "product_name",
                        "log_message"})  # fmt: skip
_TARGET = r"(?:\s+(?:in|on|for|of|into|across|within)\s+(?:the\s+|all\s+|every\s+|their\s+|each\s+)?(?P<after>[a-z][\w-]*(?:\s+(?!and\b|with\b|as\b|for\b)[a-z][\w-]*){0,2}))?"


def _family(fld: dict[str, Any]) -> str:
    t = str(fld.get("type"))
    return "numeric" if t in NUMERIC_TYPES else "text" if t in TEXT_TYPES else "other"


def _eligible(fld: dict[str, Any]) -> bool:
    c = fld.get("constraints") or {}
    return not (fld.get("primary_key") or fld.get("type") in {"reference", "uuid", "sequence", "boolean", "category"}
                or c.get("unique") or c.get("enum"))  # fmt: skip


def _targets(state: PlanState, phrase: str | None, family: str = "any") -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The fields a phrase names ("comments", "name fields", "price and stock"); all fields for None."""
    ed = state.ed
    if not phrase:
        return [(t, f) for t in ed.tables for f in t["fields"] if _eligible(f)]
    phrase = re.sub(r"\s+(?:fields?|columns?|values?|strings?|data)$", "", phrase.strip())
    out: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for part in [p for p in re.split(r"\s*,\s*|\s+and\s+|\s*/\s*", phrase) if p]:
        _cand, found = ed.resolve_prefix(part)
        if not found:
            table, strength = ed.match_table(words(part))
            if table is not None and strength >= 1.5:
                found = [(table, f) for f in table["fields"] if _eligible(f) and family in {"any", _family(f)}]
                if family == "text":  # "emoji in comments": the comment text, not every string of the table
                    found = [
                        x for x in found if x[1].get("type") in {"text", "sentence", "string", "phrase", "review"}
                    ] or found
        out += [(t, f) for t, f in found if _eligible(f)]
    return out


def run(state: PlanState) -> bool:
    lx = state.ctx.lexicon
    t = state.text
    if not lx.edge_any.search(t.masked()):
        return False
    security = bool(lx.edge_security.search(t.remaining()))
    rate = lx.edge_rate
    m_rate = re.search(
        r"(?P<p>\d+(?:\.\d+)?)\s*%\s+(?:of\s+(?:the\s+)?rows?\s+)?(?:with\s+)?(?:edge|corner|nasty|boundary)",
        t.text,
        re.I,
    )
    if m_rate:
        rate = float(m_rate.group("p")) / 100.0
        t.consume(m_rate.start(), m_rate.start("p") + len(m_rate.group("p")) + 1)
    touched: dict[str, list[str]] = {}
    for ph in lx.edge_phrases:
        rx = re.compile(rf"(?:(?P<before>[a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+with\s+)?(?:{ph.pattern.pattern})"
                        rf"(?:\s+(?P<noun>[a-z][\w-]*(?:\s+[a-z][\w-]*)?))?{_TARGET}", re.IGNORECASE)  # fmt: skip
        for m in t.finditer(rx):
            kinds = list(ph.kinds)
            target = m.group("after")
            noun = m.group("noun")
            # "malformed phone numbers": the edge phrase is an adjective of the field it concerns.
            fam = "any" if kinds == ["default"] else ph.family
            if not target and noun and _targets(state, noun, fam):
                target = noun
            if not target and m.group("before") and _targets(state, m.group("before"), fam):
                target = m.group("before")
            fields = _targets(state, target, fam) if target else _targets(state, None)
            if target and not fields:
                fields = _targets(state, None)
                target = None
            applied = False
            for table, fld in fields:
                fam = _family(fld)
                if kinds == ["default"]:
                    ks = (
                        lx.edge_defaults["numeric"]
                        if fam == "numeric"
                        else (lx.edge_defaults["security_text" if security else "text"] if fam == "text" else [])
                    )
                elif (ph.family == "text" and fam != "text") or (ph.family == "numeric" and fam != "numeric"):
                    continue
                else:
                    ks = kinds
                if not ks:
                    continue
                c = state.ed.constraints(fld)
                c["edge_cases"] = list(dict.fromkeys([*(c.get("edge_cases") or []), *ks]))
                c.setdefault("edge_case_rate", rate)
                c["edge_case_rate"] = max(float(c["edge_case_rate"]), rate) if m_rate is None else rate
                touched.setdefault(", ".join(ks), []).append(f"{table['name']}.{fld['name']}")
                applied = True
            if applied or not target:
                t.consume(m.start(), m.end())
    for said, names in touched.items():
        where = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        state.understood.append(f"edge cases ({said}) in {where} ({rate:.0%} of rows)")
    return bool(touched)
