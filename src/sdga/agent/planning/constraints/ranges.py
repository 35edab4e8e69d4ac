"""Numeric and date ranges: "ages 18 to 65", "salaries between 30k and 95k", "3 to 5 bedrooms",
"a rating from 1 to 10", "prices up to 200", "longer than 2 km", "aged 65 and over", "adults only",
"born between 1950 and 2000". Bounds the user set are remembered so the consistency stage can name a
contradiction ("above 100 and below 10") instead of planning an empty range."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sdga.agent.planning.state import PlanState

NUM = r"-?\d+(?:\.\d+)?"
_WORDS3 = r"(?:[a-z][\w-]*\s+){0,2}[a-z][\w-]*"
_SEP = r"\s*(?:to|-|–|and|until|through|thru)\s*"
_MONEY = r"(?:[$€£]\s*)?"
_CURRENCY = r"(?:\s*(?:[$€£]|usd|eur|gbp|dollars?|euros?|pounds?)\b)?"
_UNIT = r"(?:\s*(?:kg|kgs|kilos?|km|kms|miles?|m|meters?|metres?|cm|mm|minutes?|mins?|hours?|hrs?|seconds?|secs?|" \
        r"days?|nights?|weeks?|months?|years?(?:\s+old)?|y/?o|yrs|gb|mb|kwh|%|percent|points?|stars?|bpm)\b)?"  # fmt: skip
OPS = {
    "over": "min", "above": "min", "more than": "min", "greater than": "min", "at least": "min", "min": "min",
    "minimum": "min", ">=": "min", ">": "min", "starting at": "min", "from": "min", "no less than": "min",
    "longer than": "min", "heavier than": "min", "older than": "min", "bigger than": "min", "larger than": "min",
    "higher than": "min", "exceeding": "min", "upwards of": "min", "not below": "min",
    "under": "max", "below": "max", "less than": "max", "at most": "max", "up to": "max", "max": "max",
    "maximum": "max", "<=": "max", "<": "max", "no more than": "max", "not above": "max", "shorter than": "max",
    "lighter than": "max", "younger than": "max", "smaller than": "max", "lower than": "max", "cheaper than": "max",
    "within": "max", "not exceeding": "max", "not over": "max",
}  # fmt: skip
_OP_RE = "|".join(sorted((re.escape(o) for o in OPS), key=len, reverse=True))
_NUMERIC = {"amount", "decimal", "float", "integer"}


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def _years_before(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def remember(state: PlanState, table: str, field: str, bound: str, value: Any, said: str) -> None:
    """Note a bound the user set (for the consistency check)."""
    bounds: dict[tuple[str, str], dict[str, tuple[Any, str]]] = state.__dict__.setdefault("user_bounds", {})
    bounds.setdefault((table, field), {})[bound] = (value, said)


def _field_phrase(state: PlanState, phrase: str) -> str:
    """A verb or adjective that names a field ("priced", "weighing", "aged") as that field's name."""
    vf = state.ctx.lexicon.verb_fields
    ws = phrase.lower().split()
    for w in ws:
        if w in vf:
            for cand in vf[w]:
                if state.ed.resolve(cand):
                    return cand
            return vf[w][0]
    return phrase


def set_range(state: PlanState, phrase: str, lo: float, hi: float, said: str) -> bool:
    ed = state.ed
    if lo > hi:
        lo, hi = hi, lo
    from sdga.agent.planning.editor import phrase_tokens

    tokens = phrase_tokens(phrase)
    found = ed.resolve(phrase)
    if not found and tokens == ["age"]:
        # No age column: bound the date of birth instead (age a..b <=> born between today-b-1y and today-a).
        found = [(t, f) for t, f in ed.resolve("birth date") + ed.resolve("date of birth") if f.get("type") == "date"]
        found = list({id(f): (t, f) for t, f in found}.values())
        if found:
            today = state.ctx.today
            oldest = _years_before(today, int(hi) + 1) + timedelta(days=1)
            youngest = _years_before(today, int(lo))
            for t, fld in found:
                c = ed.constraints(fld)
                c["min"], c["max"] = oldest.isoformat(), youngest.isoformat()
                c.pop("relative_to_now", None)
                remember(state, str(t["name"]), "age", "min", lo, said)
                remember(state, str(t["name"]), "age", "max", hi, said)
            names = ", ".join(sorted({str(f["name"]) for _, f in found}))
            state.understood.append(f"age {int(lo)}–{int(hi)}: {names} between {oldest} and {youngest}")
            return True
    if not found:
        return False
    found = [(t, f) for t, f in found if not (f.get("primary_key") or f.get("type") in {"uuid", "reference"})]
    if not found:
        return False
    for t, fld in found:
        c = ed.constraints(fld)
        ftype = fld.get("type")
        years = all(float(v).is_integer() and 1800 <= v <= 2200 for v in (lo, hi))
        if ftype in {"date", "datetime", "timestamp"}:
            if not years:
                continue
            start, end = f"{int(lo)}-01-01", f"{int(hi)}-12-31"
            c["min"], c["max"] = (start, end) if ftype == "date" else (f"{start}T00:00:00", f"{end}T23:59:59")
            c.pop("relative_to_now", None)
            continue
        if ftype == "category" or ftype not in _NUMERIC | {"sequence"}:
            # A 1-to-10 score is a number, not a category.
            whole = float(lo).is_integer() and float(hi).is_integer()
            fld["type"] = "integer" if whole else "float"
            for key in ("enum", "weights", "pattern", "max_length", "min_length"):
                c.pop(key, None)
        is_int = fld.get("type") in {"integer", "sequence"}
        c["min"], c["max"] = (int(lo), int(hi)) if is_int else (lo, hi)
        dist = c.get("distribution")
        if isinstance(dist, dict) and dist.get("kind") in {"normal", "lognormal"}:
            # A fitted shape would mostly fall outside the new bounds: keep a bell shape, re-centred.
            if dist.get("kind") == "normal":
                dist["mean"] = (lo + hi) / 2
                dist["std"] = (hi - lo) / 4 or 1.0
            else:
                c.pop("distribution")
        remember(state, str(t["name"]), str(fld["name"]), "min", lo, said)
        remember(state, str(t["name"]), str(fld["name"]), "max", hi, said)
    names = ", ".join(sorted({str(f["name"]) for _, f in found}))
    state.understood.append(f"{names}: {_num(lo)} to {_num(hi)}")
    return True


def _max_age(state: PlanState) -> float:
    found = state.ed.resolve("age")
    if found:
        mx = state.ed.constraints(found[0][1]).get("max")
        if isinstance(mx, int | float) and mx > 18:
            return float(mx)
    return 90.0


def _add_field(state: PlanState, phrase: str, lo: float, hi: float, start: int) -> bool:
    """A range for a field the schema lacks but the lexicon knows ("a satisfaction score 1-5"): add it."""
    from sdga.agent.planning.constraints.columns import _add, _target_table

    spec, known = state.ctx.lexicon.field_from_phrase(phrase)
    if not known or spec["type"] in {"string", "sentence", "full_name", "company", "email", "phone", "address"}:
        return False
    table = _target_table(state, start)
    _add(state, table, phrase, None)
    return set_range(state, spec["name"].replace("_", " "), lo, hi, phrase)


def run(state: PlanState) -> bool:
    t, ed = state.text, state.ed
    changed = False
    # "<field> between 1 and 10", "<field> from 1 to 10", "<field> 800-2400"
    for m in t.finditer(
        rf"\b(?P<field>{_WORDS3})\s+(?:(?:between|from|ranging from|in the range(?: of)?|range|of|is|are|"
        rf"must be|should be|priced|weighing)\s+)?{_MONEY}(?P<lo>{NUM}){_CURRENCY}{_UNIT}{_SEP}{_MONEY}(?P<hi>{NUM})"
        rf"{_CURRENCY}(?P<after>\s*(?:years?(?:\s+old)?|y/?o|yrs)\b)?{_UNIT}"
    ):
        lo, hi = float(m.group("lo")), float(m.group("hi"))
        phrase = _field_phrase(
            state, re.sub(r"\b(?:between|from|ranging|range|with|a|an|the)\b", " ", m.group("field"))
        )
        phrase = " ".join(phrase.split())
        if phrase and ed.match_table(phrase.split())[1] >= 2.5 and not ed.resolve(phrase.split()[-1]):
            continue  # "400 hotel reservations of 1 to 14 nights": the range is about the words after it
        cand, found = ed.resolve_suffix(phrase)
        if re.search(r"\b(?:born|birth|birthdays?)\b", m.group("field"), re.I):
            cand = ed.resolve_suffix("date of birth")[0] or ed.resolve_suffix("birth date")[0] or cand
            if not cand:
                continue
        elif m.group("after") or re.search(r"\b(?:aged?|ages)\b", m.group("field"), re.I):
            cand = "age"
        elif not found:
            words = phrase.split()
            if words and _add_field(state, " ".join(words[-2:]) if len(words) > 1 else words[0], lo, hi, m.start()):
                t.consume(m.start(), m.end())
                changed = True
            continue
        if set_range(state, cand, lo, hi, m.group(0)):
            t.consume(m.start(), m.end())
            changed = True
        elif cand == "age":
            t.consume(m.start(), m.end())
            spec = {"name": "age", "type": "integer", "constraints": {"min": int(min(lo, hi)), "max": int(max(lo, hi))}}
            from sdga.agent.planning.constraints.columns import _target_table

            ed.add(_target_table(state, m.start()), spec)
            state.understood.append(f"age: {int(min(lo, hi))} to {int(max(lo, hi))} (added an age field)")
            changed = True
    # "3 to 5 bedrooms", "1 to 14 nights", "rating 1-10" written the other way round
    for m in t.finditer(rf"(?<![\w.%-])(?P<lo>{NUM}){_SEP}(?P<hi>{NUM})\s+(?P<field>{_WORDS3})"):
        cand, found = ed.resolve_prefix(m.group("field"))
        if not found or ed.match_table(cand.split())[1] >= 2.5:
            continue
        if set_range(state, cand, float(m.group("lo")), float(m.group("hi")), m.group(0)):
            t.consume(m.start(), m.end())
            changed = True
    for m in t.finditer(r"\b(?:adults?(?:\s+only)?|over\s+18s?|18\s*\+|of age)\b"):
        if set_range(state, "age", 18, _max_age(state), m.group(0)):
            t.consume(m.start(), m.end())
            changed = True
    # "aged 65 and over", "65+ years old", "aged 70 or older", "under 30 years old"
    for m in t.finditer(
        rf"\b(?:aged?|ages)\s+(?P<v>{NUM})\s*(?:\+|and (?:over|above|older|up)|or (?:over|older|more))"
    ):
        if set_range(state, "age", float(m.group("v")), _max_age(state), m.group(0)):
            t.consume(m.start(), m.end())
            changed = True
    changed |= _bounds(state)
    return changed


def _bounds(state: PlanState) -> bool:
    t, ed = state.text, state.ed
    changed = False
    for m in t.finditer(
        rf"\b(?P<field>{_WORDS3})\s+(?:(?:of|is|are|must be|should be|that are|which are|being|priced|aged|costing)\s+)?"
        rf"(?P<op>{_OP_RE})\s*{_MONEY}(?P<v>{NUM})\b{_CURRENCY}{_UNIT}"
    ):
        field_text = m.group("field")
        op_word = m.group("op").lower()
        # "longer than 2 km": the comparison names the field; "aged over 60" too.
        phrase = _field_phrase(state, f"{field_text} {op_word.split()[0]}")
        if phrase == f"{field_text} {op_word.split()[0]}":
            phrase = _field_phrase(state, field_text)
        _cand, found = ed.resolve_suffix(phrase)
        found = [(tb, f) for tb, f in found if f.get("type") in _NUMERIC]
        start = m.start()
        in_currency = re.search(r"[$€£]|usd|eur|gbp|dollar|euro|pound", m.group(0), re.I) is not None
        names_table = ed.match_table(field_text.split())[1] >= 2.5
        if not found and re.search(r"\b(?:aged?|ages|older|younger)\b", f"{field_text} {op_word}"):
            found_age = _age_bound(state, OPS[op_word], float(m.group("v")), m.group(0))
            if found_age:
                t.consume(start, m.end())
                changed = True
                _chain(state, m.end(), "age", None)
            continue
        if not found and (in_currency or names_table):  # "transactions above $1,000", "orders over 250 EUR"
            found, start = _money_fields(state), m.start("op")
        if not found:
            continue
        _apply_bound(state, found, OPS[op_word], float(m.group("v")), m.group(0))
        t.consume(start, m.end())
        changed = True
        _chain(state, m.end(), None, found)
    return changed


def _chain(state: PlanState, end: int, age: str | None, found: Any) -> None:
    """ "above 100 and below 10": a second bound right after the first is on the same field."""
    rest = state.text.remaining()
    m = re.match(rf"\s*(?:,|and|but|or)?\s*(?:also\s+)?(?P<op>{_OP_RE})\s*{_MONEY}(?P<v>{NUM})\b{_CURRENCY}{_UNIT}",
                 rest[end:], re.IGNORECASE)  # fmt: skip
    if not m:
        return
    op, value = OPS[m.group("op").lower()], float(m.group("v"))
    if age is not None:
        _age_bound(state, op, value, m.group(0))
    else:
        _apply_bound(state, found, op, value, m.group(0))
    state.text.consume(end + m.start(), end + m.end())


def _age_bound(state: PlanState, bound: str, value: float, said: str) -> bool:
    found = state.ed.resolve("age")
    if found:
        _apply_bound(state, found, bound, value, said)
        return True
    current = state.__dict__.get("user_bounds", {})
    lo = next((v[0] for (_, f), b in current.items() if f == "age" for k, v in b.items() if k == "min"), None)
    hi = next((v[0] for (_, f), b in current.items() if f == "age" for k, v in b.items() if k == "max"), None)
    lo = value if bound == "min" else (lo if lo is not None else 0)
    hi = value if bound == "max" else (hi if hi is not None else _max_age(state))
    if lo > hi:
        remember(state, "", "age", bound, value, said)
        return True
    return set_range(state, "age", lo, hi, said)


def _apply_bound(state: PlanState, found: list[Any], bound: str, value: float, said: str) -> None:
    ed = state.ed
    for tb, fld in found:
        c = ed.constraints(fld)
        if fld.get("type") in {"date", "datetime"}:
            continue
        c[bound] = int(value) if fld.get("type") == "integer" else value
        remember(state, str(tb["name"]), str(fld["name"]), bound, value, said)
        lo, hi = c.get("min"), c.get("max")
        if isinstance(lo, int | float) and isinstance(hi, int | float) and lo > hi:
            # The template's other bound gives way (the user's bound stands): widen it.
            user = state.__dict__.get("user_bounds", {}).get((str(tb["name"]), str(fld["name"])), {})
            other = "max" if bound == "min" else "min"
            if other not in user:
                if bound == "min":
                    c["max"] = c["min"] * 10 if c["min"] > 0 else c["min"] + 100
                else:
                    c["min"] = 0 if c["max"] > 0 else c["max"] - 100
        dist = c.get("distribution")
        if isinstance(dist, dict) and dist.get("kind") == "normal":
            c.pop("distribution")
    names = ", ".join(sorted({str(f["name"]) for _, f in found}))
    state.understood.append(f"{names}: {bound} {_num(value)}")


def _money_fields(state: PlanState) -> list[Any]:
    """The money field a bound in a currency means: in the tables the text names (else all), the amount
    fields, the one named amount/total first."""
    ed = state.ed
    named = [tb for tb in ed.tables if any(ed.match_table(p.words)[0] is tb for p in state.phrases if p.words)]
    for table in named or ed.tables:
        money = [f for f in table["fields"] if f.get("type") in {"amount", "decimal"}]
        money = money or [f for f in table["fields"] if f.get("type") == "float" and re.search(
            r"amount|total|price|balance|value|cost|fare", str(f.get("name")))]  # fmt: skip
        if money:
            best = next((f for f in money if re.search(r"amount|total", str(f.get("name")))), money[0])
            return [(table, best)]
    return []
