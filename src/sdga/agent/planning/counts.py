"""Stage 5, entities and counts: every count binds to the table the user named.

"8k shipments" sizes *shipments* (through typos and synonyms: "400 staff" -> employees), "from 5
warehouses" sizes *warehouses*, "1 to 5 orders each" becomes the children-per-parent cardinality of
orders, "across 8 regions" (no table) sizes nothing, and a bare number ("make it 500", "patients, 1500")
sizes the table the request (or the conversation) is about. A count for a child table is met exactly,
with its parents sized to keep the template's usual ratio unless a second count gives them.
"""

from __future__ import annotations

import re
from typing import Any

from sdga.agent.planning.editor import SchemaEditor, cardinality_mean
from sdga.agent.planning.entities import Phrase, phrases
from sdga.agent.planning.model import ConflictError, PlanningError
from sdga.agent.planning.state import PlanState
from sdga.models import MAX_VOLUME

BOUND = 2.5


def _fmt(n: float) -> str:
    return f"{int(n):,}"


def _ratio(x: float) -> str:
    return f"{round(x):,}" if x >= 100 else f"{x:.3g}"


def _check(value: float, phrase: str = "") -> int:
    if value < 0:
        raise ConflictError(f"a negative count is an error: {_fmt(value)} {phrase}".strip())
    if value < 1:
        raise PlanningError("the number of records must be at least 1")
    if value > MAX_VOLUME:
        raise PlanningError(f"{_fmt(value)} records is more than the limit of {_fmt(MAX_VOLUME)} per request")
    return int(value)


def _table_of(ed: SchemaEditor, p: Phrase) -> tuple[dict[str, Any] | None, float]:
    return ed.match_table(p.words)


def bind_named(state: PlanState) -> None:
    """Counts and ranges in front of a table's name (before the constraints read the text)."""
    ed = state.ed
    ps = state.phrases
    last_table: str | None = None
    for i, p in enumerate(ps):
        if not p.words or p.words == ["them"]:
            continue
        target = p
        if p.generic and p.after == "of" and i + 1 < len(ps):
            target = ps[i + 1]  # "100k rows of bid requests"
        table, strength = _table_of(ed, target)
        if table is None or strength < BOUND:
            continue
        name = str(table["name"])
        if p.count is None or (p.unit_count and strength < 3.0):
            last_table = name
            if state.focus_table is None and target is state.subject:
                state.focus_table = name
            continue
        assert p.count_span is not None
        if p.low is not None:
            per = _per_parent(ed, ps, i, last_table)
            if per is not None:
                _cardinality(state, name, per, p.low, p.count)
                state.text.consume(*p.count_span)
                continue
            if p.before == "between" or p.low < p.count:
                state.assumptions.append(f"{_fmt(p.count)} {name}: the upper end of {_fmt(p.low)}-{_fmt(p.count)}")
        elif p.after in {"per", "each"} or p.before in {"each", "per"} or p.each:
            per = _per_parent(ed, ps, i, last_table)
            if per is not None:
                _cardinality(state, name, per, p.count, p.count)
                state.text.consume(*p.count_span)
                continue
        state.counts.append((name, _check(p.count, name)))
        state.text.consume(*p.count_span)
        last_table = name
        if state.focus_table is None or (state.fresh and len(state.counts) == 1):
            state.focus_table = name


def _per_parent(ed: SchemaEditor, ps: list[Phrase], i: int, last_table: str | None) -> str | None:
    """The parent of "N to M <children> each/per <parent>": the phrase after "per", else the last table named."""
    p = ps[i]
    if p.after == "per" and i + 1 < len(ps):
        parent, strength = ed.match_table(ps[i + 1].words)
        if parent is not None and strength >= BOUND:
            ps[i + 1].count = None
            return str(parent["name"])
    if p.after in {"each", "per"} or p.before in {"each", "per", "every"} or p.each:
        return last_table
    return None


def _cardinality(state: PlanState, child: str, parent: str, lo: float, hi: float) -> None:
    """Children per parent on the reference from ``child`` (or a table linking both) to ``parent``."""
    ed = state.ed
    c, pt = ed.table_named(child), ed.table_named(parent)
    if c is None or pt is None or child == parent:
        return
    ref = ed.reference_to(c, pt)
    holder = c
    if ref is None:  # "students enrolled in 3 to 6 courses each": enrolments links students and courses
        for t in ed.tables:
            r = ed.reference_to(t, pt)
            if r is not None and ed.reference_to(t, c) is not None:
                ref, holder = r, t
                break
    if ref is None:
        chain, _ = ed.chain_to_root(child)
        if parent in chain:  # a grandchild: the count is per parent row over the whole chain
            ref = next((f for f in ed.references(c) if f.get("cardinality")), None)
    if ref is None:
        state.warnings.append(f"'{child} per {parent}': {child} does not follow {parent}, ignored")
        return
    lo_i, hi_i = int(lo), int(hi)
    if lo_i < 0 or hi_i < lo_i:
        raise ConflictError(f"{lo_i} to {hi_i} {child} per {parent} is not a valid range")
    ref["cardinality"] = {"distribution": "uniform", "min": lo_i, "max": hi_i}
    holder.pop("volume", None)
    what = f"{lo_i}" if lo_i == hi_i else f"{lo_i} to {hi_i}"
    via = "" if holder is c else f" (through {holder['name']})"
    state.understood.append(f"{what} {child} per {parent}{via}")
    state.changed = True


# ------------------------------------------------------------------------------------ bare counts
_YEAR_BEFORE = re.compile(r"\b(?:in|since|from|year|until|before|after|of|by)\s*$", re.IGNORECASE)


def bind_bare(state: PlanState) -> None:
    """A number with no table after it ("make it 500", "patients, 1500", "5,000 rows", "600 of them")."""
    ed = state.ed
    candidates: list[tuple[int, Phrase]] = []
    for p in phrases(state.text, state):
        if p.count is None or p.unit_count or p.count_span is None:
            continue
        start = p.count_span[0]
        before = state.text.text[max(0, start - 30) : start]
        if _YEAR_BEFORE.search(before) and 1900 <= p.count <= 2100:
            continue
        if p.words and p.words != ["them"] and not p.generic:
            continue  # a number in front of something that is no table ("8 regions")
        priority = 0 if p.words else 1
        if re.search(r"\b(?:make it|it|generate|create|give me|need|want|total|volume|of)\s*$", before, re.I):
            priority = 0
        candidates.append((priority, p))
    if not candidates:
        return
    candidates.sort(key=lambda x: (x[0], x[1].start))
    for _prio, q in candidates:
        if q.after == "per" and not q.words:
            _bare_per(state, q)
    candidates = [c for c in candidates if not (c[1].after == "per" and not c[1].words)]
    if not candidates:
        return
    p = candidates[0][1]
    assert p.count is not None and p.count_span is not None
    target = state.focus_table if state.focus_table and ed.table_named(state.focus_table) else None
    if target is None and state.subject is not None:
        table, strength = ed.match_table(state.subject.words)
        target = str(table["name"]) if table is not None and strength >= BOUND else None
    if target is None:
        target = str(ed.root()["name"])
    if p.low is not None and p.low < p.count:
        state.assumptions.append(f"{_fmt(p.count)} {target}: the upper end of {_fmt(p.low)}-{_fmt(p.count)}")
    state.counts.append((target, _check(p.count, target)))
    state.text.consume(*p.count_span)
    state.focus_table = state.focus_table or target


def _bare_per(state: PlanState, p: Phrase) -> None:
    """'96 per meter' after 'meter readings': children per parent for the table the request is about."""
    ed = state.ed
    assert p.count is not None and p.count_span is not None
    rest = state.text.remaining()[p.count_span[1] :]
    import re as _re

    m = _re.match(r"\s*per\s+(?:each\s+)?([a-z][\w-]*(?:\s+[a-z][\w-]*)?)", rest, _re.IGNORECASE)
    if not m:
        return
    parent, strength = ed.match_table(m.group(1).split())
    if parent is None or strength < BOUND:
        return
    child = None
    for q in state.phrases:
        t, s = ed.match_table(q.words) if q.words else (None, 0.0)
        if (
            t is not None
            and s >= BOUND
            and t is not parent
            and str(parent["name"]) in ed.chain_to_root(str(t["name"]))[0]
        ):
            child = str(t["name"])
            break
    if child is None:
        return
    _cardinality(state, child, str(parent["name"]), p.count, p.count)
    state.text.consume(p.count_span[0], p.count_span[1] + m.end())


# ----------------------------------------------------------------------------------------- volumes
def apply(state: PlanState) -> None:
    """Volumes from the counts. The first count decides the request's volume: a count for a child table
    is met exactly (its ``volume`` set) with its root sized to keep the usual ratio; later counts set
    their own tables' rows. A table the template sizes itself (a timetable of flights, a store list) takes
    its count as its own volume and leaves the request's volume alone."""
    ed = state.ed
    if not state.counts:
        return
    seen: dict[str, int] = {}
    for name, value in state.counts:
        seen.setdefault(name, value)
    by_name = {str(t["name"]): t for t in ed.tables}
    fixed = {n for n in state.fixed_tables if n in by_name}
    items = list(seen.items())
    volume: int | None = None
    for i, (target, value) in enumerate(items):
        chain, factor = ed.chain_to_root(target)
        root = chain[-1]
        if target in fixed or (root != target and root in fixed):
            by_name[target]["volume"] = value
            state.understood.append(f"{target}: {_fmt(value)} rows")
        elif root == target:
            if volume is None:
                volume = value
                by_name[target].pop("volume", None)
                state.understood.append(f"volume: {_fmt(value)} {target}")
            elif value == volume:
                by_name[target].pop("volume", None)  # the root its child was sized over
            else:
                by_name[target]["volume"] = value
                state.understood.append(f"{target}: {_fmt(value)} rows")
        else:
            by_name[target]["volume"] = value
            given = seen.get(root) if root in seen and items.index((root, seen[root])) > i else None
            if volume is None:
                volume = given if given is not None else max(1, round(value / factor))
                how = "given" if given is not None else "sized to keep the usual ratio"
                state.understood.append(
                    f"volume: {_fmt(value)} {target} exactly, over {_fmt(volume)} {root} ({how}; about "
                    f"{_ratio(value / volume)} {target} each)"
                )
            else:
                state.understood.append(f"{target}: {_fmt(value)} rows")
    if volume is not None:
        state.volume = volume


def table_rows(ed: SchemaEditor, volume: int) -> dict[str, str]:
    """Rows per table as the plan will produce them: exact, or about so many (children per parent)."""
    out: dict[str, str] = {}
    by_name = {str(t["name"]): t for t in ed.tables}

    def rows(name: str, depth: int = 0) -> tuple[float, bool]:
        t = by_name[name]
        if t.get("volume") is not None:
            return float(t["volume"]), True
        ref = next((f for f in ed.references(t) if f.get("cardinality")), None)
        parent = ed.parent_name(ref) if ref is not None else None
        if ref is None or parent not in by_name or depth > 8:
            return float(volume), True
        n, _ = rows(parent, depth + 1)
        card = ref["cardinality"]
        exact = card.get("min") is not None and card.get("min") == card.get("max")
        return n * cardinality_mean(card), exact

    for name in by_name:
        n, exact = rows(name)
        out[name] = f"{round(n):,}" if exact else f"~{round(n):,}"
    return out
