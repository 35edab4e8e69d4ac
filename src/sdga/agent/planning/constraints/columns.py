"""Fields named by the user: an explicit field list, columns added by name or by kind, removals, unique."""

from __future__ import annotations

import copy
import re
from typing import Any

from sdga.agent.planning.editor import SchemaEditor
from sdga.agent.planning.entities import parse_item
from sdga.agent.planning.state import PlanState
from sdga.agent.planning.text import snake

_WORDS3 = r"(?:[a-z][\w-]*\s+){0,2}[a-z][\w-]*"
_NOT_A_FIELD = re.compile(
    r"(?:fields?|columns?|data|records?|rows?|edge cases?|nulls?|them|it|more|\d+.*|the same|some|that|this|these|"
    r"those|gdpr|hipaa|pci|soc2|ccpa|seed.*|unique.*|only|all|everything|any|each|every|other)$",
    re.IGNORECASE,
)


def _detail(spec: dict[str, Any]) -> str:
    c = spec.get("constraints") or {}
    if spec["type"] == "category" and c.get("enum"):
        return "one of " + ", ".join(str(e) for e in c["enum"])
    if c.get("min") is not None and c.get("max") is not None and spec["type"] in {"integer", "float", "amount"}:
        return f"{spec['type']} {c['min']}..{c['max']}"
    return str(spec["type"])


def apply_field_list(state: PlanState, items: list[str], source: SchemaEditor | None) -> None:
    """The schema is exactly the listed fields; a template field with the same name is reused as it is."""
    fields: list[dict[str, Any]] = []
    for raw in items:
        item = parse_item(raw)
        spec: dict[str, Any] | None = None
        if source is not None:
            score, found = source.score(item.phrase)
            if found and score >= 3.0:
                spec = copy.deepcopy(found[0][1])
                spec.pop("primary_key", None)
        if spec is None:
            spec, known = state.ctx.lexicon.field_from_phrase(item.phrase)
            if not known and not item.enum and item.low is None:
                state.assumptions.append(f"field '{spec['name']}': not a known kind of value, generated as short text")
        c = spec.setdefault("constraints", {})
        if item.enum:
            spec["type"] = "category"
            for key in ("min", "max", "pattern", "distribution", "unique", "weights", "max_length"):
                c.pop(key, None)
            c["enum"] = item.enum
        if item.low is not None and item.high is not None:
            lo, hi = sorted((item.low, item.high))
            if spec["type"] not in {"integer", "float", "amount", "decimal"}:
                whole = lo.is_integer() and hi.is_integer()
                spec["type"] = "integer" if whole else "float"
                for key in ("enum", "weights", "pattern", "max_length"):
                    c.pop(key, None)
            is_int = spec["type"] == "integer"
            c["min"], c["max"] = (int(lo), int(hi)) if is_int else (lo, hi)
            c.pop("distribution", None)
        if not c:
            spec.pop("constraints")
        if spec["name"] not in {f["name"] for f in fields}:
            fields.append(spec)
    state.understood.append("fields: " + ", ".join(f"{f['name']} ({_detail(f)})" for f in fields))
    table = state.ed.tables[0]
    table["fields"] = fields


def _target_table(state: PlanState, start: int, named: str | None = None) -> dict[str, Any]:
    """The table a field added at ``start`` belongs to: one named right there, the last table named before
    it, else the table the request is about."""
    ed = state.ed
    if named:
        table, strength = ed.match_table(named.split())
        if table is not None and strength >= 2.5:
            return table
    best: dict[str, Any] | None = None
    for p in state.phrases:
        if p.start >= start or not p.words:
            continue
        table, strength = ed.match_table(p.words)
        if table is not None and strength >= 2.5:
            best = table
    if best is not None:
        return best
    if state.focus_table and ed.table_named(state.focus_table) is not None:
        return ed.table_named(state.focus_table) or ed.tables[0]
    return ed.root()


def _add(state: PlanState, table: dict[str, Any], phrase: str, kind: str | None) -> dict[str, Any]:
    spec, known = state.ctx.lexicon.field_from_phrase(phrase)
    if kind in {"flag", "boolean", "bool", "yes/no"}:
        spec = {"name": phrase if "_" in phrase else snake(phrase), "type": "boolean"}
    elif kind in {"date"}:
        spec = {"name": snake(phrase), "type": "date", "constraints": {"min": "2020-01-01", "max": "2025-12-31"}}
    elif not known and state.ctx.lexicon.category_values(phrase) is None:
        state.assumptions.append(f"field '{spec['name']}': not a known kind of value, generated as short text")
    state.ed.add(table, spec)
    where = f"{table['name']}." if len(state.ed.tables) > 1 or not state.ed.single else ""
    state.understood.append(f"added {where}{spec['name']} ({_detail(spec)})")
    return spec


def explicit_additions(state: PlanState) -> bool:
    """ "with a has_pet column", "an is_vip boolean", "a credit_limit between ...": columns named outright."""
    t, ed = state.text, state.ed
    changed = False
    rx = (
        r"\b(?:with|add|adding|plus|include|including|and|also|an?|new)\s+(?:an?\s+|the\s+)?(?:new\s+|extra\s+|"
        r"additional\s+)?(?P<name>[a-z][a-z0-9]*(?:_[a-z0-9]+)+|[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2}?)"
        r"(?:\s+(?P<kind>column|field|attribute|flag|boolean|bool|property|col))?"
        r"(?=\s|$|[,.;:])"
    )
    for m in t.finditer(rx):
        name, kind = m.group("name"), m.group("kind")
        if "_" not in name and not kind:
            continue
        if _NOT_A_FIELD.match(name) or re.match(r"(?:fields?|columns?)\b", name):
            continue
        if ed.resolve(name) and ed.score(name)[0] >= 3.0:
            continue
        table = _target_table(state, m.start())
        phrase = f"{name} flag" if kind == "flag" and "_" not in name else name
        _add(state, table, phrase, kind)
        if "_" in name:
            table["fields"][-1]["name"] = name
        # Not consumed: "a churn_reason column, 30% null" still tells the null reader which field.
        changed = True
    return changed


def additions(state: PlanState) -> bool:
    """ "add a loyalty tier", "with a premium flag", "include a signup date": fields added by what they are."""
    t, ed = state.text, state.ed
    changed = False
    for m in t.finditer(
        r"\b(?:add|adding|plus|also include|include|including|with an? (?:extra|additional|new))\s+"
        r"(?:an?\s+|the\s+|some\s+)?(?:new\s+|extra\s+|additional\s+)?"
        r"(?P<name>[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2}?)(?:\s+(?P<kind>field|column|attribute|flag))?"
        r"(?:\s+(?:to|on|for)\s+(?:the\s+)?(?P<table>[a-z_]+))?(?=$|[,.;]|\s+(?:and|with|to|for|as|in|of|then)\b)"
    ):
        phrase = m.group("name")
        if _NOT_A_FIELD.match(phrase):
            continue
        if ed.resolve(phrase):
            t.consume(m.start(), m.end())
            state.assumptions.append(f"'{phrase}': already in the schema, left as it is")
            continue
        table = _target_table(state, m.start(), m.group("table"))
        _add(state, table, phrase, "flag" if m.group("kind") == "flag" else None)
        t.consume(m.start(), m.end())
        changed = True
    # "with a loyalty tier", "and a signup date": only known kinds of value count.
    for m in t.finditer(
        r"\b(?:with|and)\s+an?\s+(?P<name>[a-z][\w-]*(?:\s+[a-z][\w-]*)?)(?=$|[,.;]|\s+(?:and|with|as|in|for|to)\b)"
    ):
        phrase = m.group("name")
        spec, known = state.ctx.lexicon.field_from_phrase(phrase)
        if not known or spec["type"] in {"string", "sentence"} or _NOT_A_FIELD.match(phrase):
            continue
        t.consume(m.start(), m.end())
        if ed.resolve(phrase):
            continue
        if ed.match_table(phrase.split())[1] >= 2.5:
            continue
        _add(state, _target_table(state, m.start()), phrase, None)
        changed = True
    return changed


def removals(state: PlanState) -> bool:
    t, ed = state.text, state.ed
    changed = False
    for m in t.finditer(
        r"\b(?P<verb>remove|drop|delete|exclude|omit|skip|without|no|minus|except|leave out|get rid of)\s+"
        r"(?:the\s+|any\s+|all\s+|a\s+)?(?P<names>[a-z][\w-]*(?:(?:\s+|\s*,\s*|\s+and\s+|\s+or\s+)[a-z][\w-]*){0,5})"
    ):
        names = m.group("names")
        parts = [p for p in re.split(r"\s*,\s*|\s+and\s+|\s+or\s+", names) if p]
        removed: list[str] = []
        used_end = m.start("names")
        for part in parts:
            part = re.sub(r"\s+(?:fields?|columns?|numbers?|data|values?|details|info|attribute)$", "", part)
            _cand, found = ed.resolve_prefix(part)
            if not found:
                verb = m.group("verb").lower()
                explicit = verb in {"remove", "drop", "delete", "exclude", "omit"}
                if part == parts[0] and explicit and not ed.match_table(part.split())[0]:
                    state.assumptions.append(f"'{part}': no such field to remove")
                    t.consume(m.start(), m.end("names"))
                break
            for tbl, f in found:
                if ed.remove(tbl, f):
                    removed.append(str(f["name"]))
                else:
                    state.assumptions.append(f"'{f['name']}': kept (a key or the only field)")
            used_end = m.start("names") + names.find(part) + len(part)
        if removed or used_end > m.start("names"):
            t.consume(m.start(), used_end)
        if removed:
            state.understood.append("removed " + ", ".join(sorted(set(removed))))
            changed = True
    return changed


def uniques(state: PlanState) -> bool:
    t, ed = state.text, state.ed
    changed = False
    for pattern, where in (
        (rf"\b(?:unique|distinct|no duplicate|no repeated|deduplicated)\s+(?P<field>{_WORDS3})", "prefix"),
        (rf"\b(?P<field>{_WORDS3})\s+(?:must be|should be|are|is|have to be|all)\s+unique\b", "suffix"),
    ):
        for m in t.finditer(pattern):
            phrase = m.group("field")
            parts = [p for p in re.split(r"\s+and\s+|\s*,\s*", phrase) if p] if where == "prefix" else [phrase]
            hit: list[tuple[dict[str, Any], dict[str, Any]]] = []
            for part in parts:
                _cand, found = ed.resolve_prefix(part) if where == "prefix" else ed.resolve_suffix(part)
                hit += found
            if not hit:
                continue
            for _, fld in hit:
                c = ed.constraints(fld)
                c["unique"] = True
                c.pop("null_rate", None) if not c.get("nullable") else None
            t.consume(m.start(), m.end())
            state.understood.append(f"{', '.join(sorted({str(f['name']) for _, f in hit}))}: unique")
            changed = True
    # "and emails" right after a unique list: "unique usernames and emails"
    return changed
