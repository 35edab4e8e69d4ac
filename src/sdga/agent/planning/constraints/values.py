"""Allowed values and their shares: "status one of active, blocked or deleted", "priority: low, normal,
high", "sold or under offer only", "monthly billing only", "70% paid, rest pending or cancelled",
"1% chargebacks", "10% roaming", "priority urgent in 5%".

Values are found by what the schema's category fields can hold (their enum values, through plurals,
synonyms and typos), so a value list lands on the field that owns those values; a share for a value no
field has yet ("1% chargebacks") goes to the status field of the table the request is about.
"""

from __future__ import annotations

import re
from typing import Any

from sdga.agent.planning.model import ConflictError
from sdga.agent.planning.state import PlanState
from sdga.agent.planning.text import distance, stem, words

Pair = tuple[dict[str, Any], dict[str, Any]]
_FILL = {"the", "a", "an", "are", "is", "be", "as", "get", "gets", "got", "were", "was", "will", "being", "of",
         "them", "these", "those", "from", "with", "have", "has", "in", "status", "state", "marked", "set", "to"}  # fmt: skip
_VALUE_RE = r"[A-Za-z][\w-]*(?:\s+[A-Za-z][\w-]*){0,2}"


def _vwords(value: Any) -> list[str]:
    return [stem(w) for w in words(str(value).replace("_", " "))]


def value_match(state: PlanState, said: list[str], value: Any) -> bool:
    """Does the phrase ``said`` name the enum ``value``? (plurals, synonyms, one typo, fillers ignored)"""
    vw = _vwords(value)
    if [stem(w) for w in said] == vw:
        return True  # "in transit" for in_transit: fillers count when the value has them
    sw = [stem(w) for w in said if w not in _FILL]
    if not sw or not vw:
        return False
    if sw == vw:
        return True
    if len(sw) == 1 and len(vw) == 1 and min(len(sw[0]), len(vw[0])) >= 5 and distance(sw[0], vw[0], 1) <= 1:
        return True
    syn = state.ctx.lexicon.value_synonyms.get(" ".join(sw)) or state.ctx.lexicon.value_synonyms.get(sw[-1])
    if syn and len(sw) <= 2:
        return any(_vwords(s) == vw for s in syn)
    return False


def _categories(state: PlanState) -> list[Pair]:
    out: list[Pair] = []
    for tb in state.ed.tables:
        for f in tb["fields"]:
            if (f.get("type") == "category" or (f.get("constraints") or {}).get("enum")) and f.get("type") != "boolean":
                out.append((tb, f))
    return out


def _named_tables(state: PlanState) -> list[str]:
    out: list[str] = []
    for p in state.phrases:
        if p.words:
            t, s = state.ed.match_table(p.words)
            if t is not None and s >= 2.5 and t["name"] not in out:
                out.append(str(t["name"]))
    return out


def _pick(state: PlanState, pairs: list[Pair]) -> list[Pair]:
    """Among fields that could hold the values, those of one name: in a table the request names, the
    focus table, or a status-like field."""
    names = {str(f["name"]) for _, f in pairs}
    if len(names) <= 1:
        return pairs
    for scope in (_named_tables(state), [state.focus_table] if state.focus_table else []):
        inside = [(t, f) for t, f in pairs if t["name"] in scope]
        if inside and len({str(f["name"]) for _, f in inside}) == 1:
            return inside
    for status in state.ctx.lexicon.status_fields:
        hit = [(t, f) for t, f in pairs if f["name"] == status]
        if hit:
            return hit
    return []


def owners(state: PlanState, said: list[list[str]], enums: dict[int, list[Any]] | None = None) -> list[Pair]:
    """Category fields whose values include every phrase in ``said``."""
    found: list[Pair] = []
    for tb, f in _categories(state):
        enum = (enums or {}).get(id(f)) or (f.get("constraints") or {}).get("enum") or []
        if all(any(value_match(state, s, e) for e in enum) for s in said):
            found.append((tb, f))
    return _pick(state, found)


def _resolve_values(state: PlanState, f: dict[str, Any], said: list[list[str]], enum: list[Any]) -> list[Any]:
    out: list[Any] = []
    for s in said:
        exact = [e for e in enum if _vwords(e) in ([stem(w) for w in s], [stem(w) for w in s if w not in _FILL])]
        v = exact[0] if exact else next((e for e in enum if value_match(state, s, e)), None)
        out.append(v if v is not None else "_".join(w.lower() for w in s if w not in _FILL))
    return list(dict.fromkeys(out))


def drop_machine(state: PlanState, f: dict[str, Any]) -> None:
    """Values or shares set by the user replace a template's state machine (its paths need all the values)
    and a template's derivation of the field (an expression or a condition would override them)."""
    if f.pop("state_machine", None) is not None:
        state.assumptions.append(f"{f['name']}: the template's sequence of states replaced by the values asked for")
    derived = [k for k in ("expression", "when", "otherwise") if f.pop(k, None) is not None]
    if derived:
        state.assumptions.append(f"{f['name']}: drawn from the values asked for instead of the template's rule")


def _narrow(state: PlanState, pairs: list[Pair], values: list[list[str]], originals: dict[int, list[Any]]) -> str:
    for _, f in pairs:
        drop_machine(state, f)
        c = state.ed.constraints(f)
        enum, weights = list(c.get("enum") or []), c.get("weights")
        pool = list(dict.fromkeys([*enum, *originals.get(id(f), [])]))
        keep = _resolve_values(state, f, values, pool)
        if weights and len(weights) == len(enum):
            w = {str(e): float(x) for e, x in zip(enum, weights, strict=True)}
            if all(str(k) in w for k in keep):
                c["weights"] = [w[str(k)] for k in keep]
            else:
                c.pop("weights", None)
        else:
            c.pop("weights", None)
        c["enum"] = keep
        if len(keep) == 1:
            c.pop("weights", None)
        f["type"] = "category" if f.get("type") not in {"integer", "float"} else f["type"]
        for key in ("pattern", "min", "max", "distribution", "unique"):
            c.pop(key, None)
    return ", ".join(str(v) for v in state.ed.constraints(pairs[0][1])["enum"])


def _split_values(text: str) -> list[list[str]]:
    parts = [p for p in re.split(r"\s*(?:,|/|\||\bor\b|\band\b|&)\s*", text) if p.strip()]
    return [words(p) for p in parts if words(p)]


def run(state: PlanState) -> bool:
    originals = _originals(state)
    changed = _explicit(state)
    changed |= _lists(state, originals)
    changed |= _shares(state, originals)
    return changed


def _originals(state: PlanState) -> dict[int, list[Any]]:
    """The values each category field can take: its own and, after a narrowing follow-up, the template's."""
    shipped: dict[tuple[str, str], list[Any]] = {}
    entry = state.ctx.templates.get(state.template or "")
    if entry is not None:
        for tb in entry.schema.get("tables") or [
            {"name": entry.schema.get("name"), "fields": entry.schema.get("fields")}
        ]:
            for f in tb.get("fields") or []:
                shipped[(str(tb.get("name")), str(f["name"]))] = list((f.get("constraints") or {}).get("enum") or [])
    return {
        id(f): list(dict.fromkeys([*(ed_c.get("enum") or []), *shipped.get((str(tb["name"]), str(f["name"])), [])]))
        for tb in state.ed.tables
        for f in tb["fields"]
        for ed_c in [f.get("constraints") or {}]
    }


def _explicit(state: PlanState) -> bool:
    """A field named with its values: "status one of a, b or c", "priority: low, normal, high"."""
    t, ed = state.text, state.ed
    changed = False
    values_re = r"(?P<values>[\w-]+(?:\s*(?:,|/|\|)\s*[\w-]+)*(?:\s*,?\s*(?:or|and|/)\s+[\w-]+)?)"
    for m in t.finditer(
        rf"\b(?P<field>(?:[a-z][\w-]*\s+){{0,2}}[a-z][\w-]*)\s*(?::|=|\s(?:is|are|must be|should be)?\s*(?:one of|either|"
        rf"limited to|restricted to|among|only|in|values?|set to|any of)\s*:?)\s*{values_re}(?P<only>\s+only)?"
    ):
        said = _split_values(m.group("values"))
        if not said or any(re.fullmatch(r"-?\d+(?:\.\d+)?", " ".join(s)) for s in said):
            continue
        from sdga.agent.planning.constraints.columns import _target_table

        local = _target_table(state, m.start())
        _cand, found = ed.resolve_suffix(m.group("field"), [local])
        if not found:
            _cand, found = ed.resolve_suffix(m.group("field"))
            # A field of another table counts only when it already holds these values.
            found = [(tb, f) for tb, f in found if all(any(value_match(state, s_, e) for e in
                     (f.get("constraints") or {}).get("enum") or []) for s_ in said)]  # fmt: skip
        if not found:
            found = _add_category(state, m.group("field"), m.start(), len(said))
        if len(said) < 2 and not m.group("only") and ":" not in m.group(0):
            continue
        found = [(tb, f) for tb, f in found if f.get("type") in {"category", "string", "word", "boolean"} or
                 (f.get("constraints") or {}).get("enum")]  # fmt: skip
        if not found:
            continue
        for _, f in found:
            drop_machine(state, f)
            c = ed.constraints(f)
            enum = list(c.get("enum") or [])
            c["enum"] = _resolve_values(state, f, said, enum)
            f["type"] = "category" if f.get("type") != "boolean" else "boolean"
            c.pop("weights", None)
            for key in ("pattern", "min", "max", "distribution", "unique", "max_length"):
                c.pop(key, None)
        t.consume(m.start(), m.end())
        names = ", ".join(sorted({str(f["name"]) for _, f in found}))
        state.understood.append(f"{names}: one of {', '.join(str(v) for v in ed.constraints(found[0][1])['enum'])}")
        changed = True
    return changed


def _add_category(state: PlanState, phrase: str, start: int, n_values: int) -> list[Pair]:
    """A field named with its values that the schema lacks ("status one of a, b or c"): add it."""
    from sdga.agent.planning.constraints.columns import _add, _target_table

    last = words(phrase)[-2:]
    if n_values < 2 or not last or state.ctx.lexicon.category_values(" ".join(last)) is None:
        return []
    if state.ed.match_table(last)[1] >= 2.5:
        return []
    table = _target_table(state, start)
    spec = _add(state, table, " ".join(last), None)
    return [(table, spec)]


def _mentions(state: PlanState, originals: dict[int, list[Any]]) -> list[tuple[int, int, Pair, Any]]:
    """Every place the text names a value some category field can hold: (start, end, field, value)."""
    rest = state.text.remaining()
    low = rest.lower()
    out: list[tuple[int, int, Pair, Any]] = []
    for tb, f in _categories(state):
        for value in originals.get(id(f)) or (f.get("constraints") or {}).get("enum") or []:
            vw = [w for w in words(str(value).replace("_", " "))]
            if not vw or vw[0][: max(3, len(vw[0]) - 3)] not in low:
                continue  # cheap test first: most values are not in the text at all
            body = r"\s+(?:the\s+|a\s+)?".join(re.escape(w) + r"\w{0,3}" for w in vw)
            for m in re.finditer(rf"(?<![\w-])(?:{body})(?![\w-])", low):
                if value_match(state, words(m.group(0)), value):
                    out.append((m.start(), m.end(), (tb, f), value))
    return out


def _lists(state: PlanState, originals: dict[int, list[Any]]) -> bool:
    """Values listed without naming their field ("pending, shipped or delivered", "sold or under offer
    only") narrow the field that has them all; "monthly billing only" narrows to one."""
    t = state.text
    rest = t.remaining()
    mentions = sorted(_mentions(state, originals), key=lambda x: (x[0], -x[1]))
    changed = False
    by_field: dict[str, list[tuple[int, int, Pair, Any]]] = {}
    for m in mentions:
        by_field.setdefault(f"{m[2][0]['name']}.{m[2][1]['name']}", []).append(m)
    groups: list[tuple[int, int, list[tuple[int, int, Pair, Any]]]] = []
    for ms in by_field.values():
        run_: list[tuple[int, int, Pair, Any]] = []
        for m in ms:
            if run_ and re.fullmatch(r"\s*(?:,|/|\||or|and|&|,\s*or|,\s*and|nor)\s*", rest[run_[-1][1] : m[0]]):
                if m[3] != run_[-1][3]:
                    run_.append(m)
                continue
            if len(run_) >= 2 or (run_ and _only(rest, run_[0][0], run_[-1][1])):
                groups.append((run_[0][0], run_[-1][1], run_))
            run_ = [m]
        if len(run_) >= 2 or (run_ and _only(rest, run_[0][0], run_[-1][1])):
            groups.append((run_[0][0], run_[-1][1], run_))
    groups.sort(key=lambda g: (g[0], -(g[1] - g[0])))
    taken: list[tuple[int, int]] = []
    for start, end, ms in groups:
        if any(s < end and start < e for s, e in taken):
            continue
        if _share_before(rest, start) or re.match(r"\s*in\s+\d", rest[end:]):
            continue  # "5% cancelled", "urgent in 5%": a share, read below
        said = [words(rest[m[0] : m[1]]) for m in ms]
        pairs = _pick(state, list({id(m[2][1]): m[2] for m in ms}.values()))
        same_name = [p for p in owners(state, said, originals)]
        pairs = same_name or pairs
        if not pairs:
            continue
        if re.search(r"\b(?:rest|remainder|others?)\s*(?:are|is|as|:)?\s*$", rest[:start], re.IGNORECASE):
            continue  # "the rest pending or cancelled": part of a share
        listed = _narrow(state, pairs, said, originals)
        only_end = _only(rest, start, end)
        t.consume(start, max(end, only_end))
        taken.append((start, end))
        state.understood.append(f"{pairs[0][1]['name']}: one of {listed}")
        changed = True
    return changed


def _only(rest: str, start: int, end: int) -> int:
    """The end of an "only" attached to a value mention (before or after it), else 0."""
    after = re.match(r"(?:\s+[a-z][\w-]*){0,2}?\s+only\b", rest[end:], re.IGNORECASE)
    if after:
        return end + after.end()
    if re.search(r"\bonly\s+(?:the\s+)?$", rest[:start], re.IGNORECASE):
        return end
    return 0


def _share_before(rest: str, start: int) -> bool:
    return (
        re.search(r"\d\s*%\s*(?:of\s+(?:them|the\s+\w+)\s+)?(?:(?:are|is|as|get|from|with)\s+)?$", rest[:start])
        is not None
    )


def _shares(state: PlanState, originals: dict[int, list[Any]]) -> bool:
    """ "5% cancelled", "20% of them premium", "urgent in 5%", "10% roaming": a share for one value."""
    t, ed = state.text, state.ed
    shares: dict[int, tuple[Pair, dict[str, float], list[Any]]] = {}
    rest_values: dict[int, list[list[str]]] = {}
    pct = r"(?P<p>\d+(?:\.\d+)?)\s*%"
    lead = r"(?:\s+(?:of\s+(?:them|these|those|all|the\s+[a-z]+(?:\s+[a-z]+)?)|are|is|as|get|gets|got|were|will\s+be|be|from|with|marked|set\s+to|have|has|in|status|to\s+be)){0,3}"
    for m in t.finditer(rf"{pct}{lead}\s+(?P<v>{_VALUE_RE})"):
        said_all = words(m.group("v"))
        hit = None
        for n in range(min(3, len(said_all)), 0, -1):
            said = said_all[:n]
            pairs = owners(state, [said], originals)
            if pairs:
                hit = (pairs, said)
                break
        if hit is None:
            boolean = _boolean_share(state, said_all[:2], float(m.group("p")) / 100.0)
            if boolean:
                t.consume(m.start(), m.end())
                continue
            new = _new_value(state, said_all[:1])
            if new is None:
                continue
            hit = new
        pairs, said = hit
        f = pairs[0][1]
        enum = originals.get(id(f)) or ed.constraints(f).get("enum") or []
        value = _resolve_values(state, f, [said], list(enum))[0]
        entry = shares.setdefault(id(f), (pairs[0], {}, []))
        entry[1][str(value)] = float(m.group("p")) / 100.0
        end = m.start("v") + len(" ".join(said_all[: len(said)])) if said else m.end()
        t.consume(m.start(), max(end, m.start("v") + len(m.group("v").split()[0])))
        after = t.remaining()[m.end() :]
        r = re.match(r"\s*(?:,|and|;)?\s*(?:the\s+)?(?:rest|remainder|others?)\s*(?:are|is|as|:)?\s*"
                     rf"(?P<v>{_VALUE_RE}(?:\s*(?:,|or|and|/)\s*{_VALUE_RE})*)", after, re.IGNORECASE)  # fmt: skip
        if r:
            vals = [s for s in _split_values(r.group("v")) if any(value_match(state, s, e) for e in enum)]
            if vals:
                rest_values[id(f)] = vals
                t.consume(m.end() + r.start(), m.end() + r.end())
    # "urgent in 5%", "status withdrawn in 10%"
    for m in t.finditer(rf"(?P<v>{_VALUE_RE})\s+in\s+{pct}(?:\s+of\s+(?:them|the\s+\w+|cases|rows))?"):
        said_all = words(m.group("v"))
        for n in range(1, min(3, len(said_all)) + 1):
            said = said_all[-n:]
            pairs = owners(state, [said], originals)
            if pairs:
                f = pairs[0][1]
                enum = originals.get(id(f)) or ed.constraints(f).get("enum") or []
                value = _resolve_values(state, f, [said], list(enum))[0]
                shares.setdefault(id(f), (pairs[0], {}, []))[1][str(value)] = float(m.group("p")) / 100.0
                t.consume(m.end("v") - len(" ".join(said)), m.end())
                break
    for key, ((_tb, f), fixed, _) in shares.items():
        total = sum(fixed.values())
        if total > 1.0 + 1e-9:
            raise ConflictError(
                f"the shares given for {f['name']} add up to more than 100% "
                f"({', '.join(f'{v} {s:.0%}' for v, s in fixed.items())})"
            )
        drop_machine(state, f)
        c = ed.constraints(f)
        enum = list(c.get("enum") or [])
        pool = list(dict.fromkeys([*enum, *originals.get(id(f), [])]))
        for v in fixed:
            if v not in [str(e) for e in enum]:
                enum.append(next((e for e in pool if str(e) == v), v))
        if key in rest_values:
            named = _resolve_values(state, f, rest_values[key], pool)
            enum = [e for e in enum if str(e) in fixed or e in named] + [e for e in named if e not in enum]
        elif abs(total - 1.0) < 1e-9:
            enum = [e for e in enum if str(e) in fixed]
        old = c.get("weights") if c.get("weights") and len(c["weights"]) == len(c.get("enum") or []) else None
        base = {str(e): float(old[i]) if old else 1.0 for i, e in enumerate(c.get("enum") or [])}
        others = [str(e) for e in enum if str(e) not in fixed]
        free = max(0.0, 1.0 - total)
        denom = sum(base.get(v, 1.0) for v in others) or 1.0
        c["enum"] = enum
        c["weights"] = [fixed[str(e)] if str(e) in fixed else free * base.get(str(e), 1.0) / denom for e in enum]
        f["type"] = "category" if f.get("type") not in {"boolean"} else f["type"]
        for k in ("pattern", "min", "max", "distribution", "unique"):
            c.pop(k, None)
        parts = ", ".join(f"{v} {s:.1%}".replace(".0%", "%") for v, s in fixed.items())
        rest = " (the other values share the rest)" if others else ""
        state.understood.append(f"{f['name']}: {parts}{rest}")
    return bool(shares)


def _boolean_share(state: PlanState, said: list[str], share: float) -> bool:
    """ "10% roaming", "5% flagged": a share of true for a yes/no field named by the word."""
    if not said:
        return False
    target = stem(said[0])
    for tb, f in ((t, f) for t in state.ed.tables for f in t["fields"] if f.get("type") == "boolean"):
        name_words = [stem(w) for w in words(str(f["name"]).replace("_", " ")) if w not in {"is", "has", "was"}]
        if target in name_words or any(
            min(len(target), len(w)) >= 5 and distance(target, w, 1) <= 1 for w in name_words
        ):
            drop_machine(state, f)
            c = state.ed.constraints(f)
            c["enum"], c["weights"] = [True, False], [share, 1.0 - share]
            state.understood.append(f"{tb['name']}.{f['name']}: true in {share:.1%}".replace(".0%", "%"))
            return True
    return False


def _new_value(state: PlanState, said: list[str]) -> tuple[list[Pair], list[str]] | None:
    """A share for a value no field has yet ("1% chargebacks"): the status field of the focus table."""
    lx = state.ctx.lexicon
    if not said or said[0] in lx.breakers or said[0] in lx.request_words or said[0] in lx.units:
        return None
    if state.ed.resolve(said[0]) or state.ed.match_table(said)[1] >= 2.5:
        return None
    tables = [state.focus_table, *_named_tables(state)] if state.focus_table else _named_tables(state)
    for name in [*tables, *(str(t["name"]) for t in state.ed.tables)]:
        tb = state.ed.table_named(name)
        if tb is None:
            continue
        for status in lx.status_fields:
            f = next(
                (f for f in tb["fields"] if f["name"] == status and (f.get("constraints") or {}).get("enum")), None
            )
            if f is not None:
                syn = lx.value_synonyms.get(stem(said[0]))
                value = syn[0] if syn else stem(said[0])
                return [(tb, f)], [value]
    return None
