"""Stage 3b, entities: the noun phrases of a request, the counts in front of them and any field list.

"8k shipments with tracking events from 5 warehouses" gives three phrases: *shipments* (count 8000),
*tracking events*, *warehouses* (count 5, after "from"). Phrases end at prepositions, conjunctions,
request words ("generate", "please") and punctuation. Which table (or field) each phrase names is
decided once a schema is chosen (the counts stage); here the phrases are only found, together with the
request's subject (what the data is about) and an explicit list of fields, if the user gave one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sdga.agent.planning.state import PlanState
from sdga.agent.planning.text import Text, Token, stem, tokenize

_RANGE_SEP = {"to", "-", "–", "and", "through", "thru", "until", "or"}


@dataclass
class Phrase:
    """A noun phrase and what stands around it."""

    words: list[str]
    start: int
    end: int
    count: float | None = None
    count_span: tuple[int, int] | None = None
    low: float | None = None
    before: str = ""  # the function word before the count or phrase: from, for, across, with, per, of, ...
    after: str = ""  # the function word after the phrase: each, per, of, with, ...
    unit_count: bool = False  # the number is a measure ("15 minute readings"), not a count
    generic: bool = False  # only generic nouns ("rows", "records", "data")
    each: bool = False  # "each", "per" or "every" stands between the previous phrase and this one's count

    @property
    def stems(self) -> list[str]:
        return [stem(w) for w in self.words]

    @property
    def core(self) -> list[str]:
        """The words without generic ones at the end ("hotel reservation data" -> hotel reservation)."""
        from sdga.agent.planning.editor import is_generic

        ws = list(self.words)
        while len(ws) > 1 and is_generic(ws[-1]):
            ws.pop()
        return ws

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass
class FieldItem:
    """One item of a field list: "species (dog, cat, rabbit)", "rating 1-10"."""

    phrase: str
    enum: list[str] = field(default_factory=list)
    low: float | None = None
    high: float | None = None


def run(state: PlanState) -> None:
    lx = state.ctx.lexicon
    _field_list(state)
    state.phrases = phrases(state.text, state)
    state.subject = _subject(state)
    text = state.text.text.lower()
    state.has_intent = bool(
        any(p.count is not None and not p.unit_count for p in state.phrases)
        or re.search(r"\b(?:generate|create|make|produce|give me|i need|need|want|build|fake|mock|synthetic|"
                     r"populate|dataset|data ?set|test ?data|records?|rows?|sample|simulate|dummy|fixtures?)\b", text)
    )  # fmt: skip
    del lx


_ADJECTIVES = frozenset(
    {
        "new",
        "random",
        "realistic",
        "synthetic",
        "fake",
        "dummy",
        "test",
        "sample",
        "unique",
        "more",
        "additional",
        "extra",
        "different",
        "fictional",
        "fictitious",
        "distinct",
        "mock",
        "made-up",
    }
)
_ANAPHORA = frozenset({"them", "these", "those", "it", "ones"})


def _subject(state: PlanState) -> Phrase | None:
    """What the data is about: the first counted noun phrase ("1000 product reviews"), else the first one
    naming a table of some template, else the first noun phrase."""
    from sdga.agent.planning.bindings import binds_anywhere

    content = [p for p in state.phrases if p.words and not p.generic and not p.unit_count and p.words != ["them"]]
    counted = [p for p in content if p.count is not None and p.low is None and not p.each]
    if counted:
        return counted[0]
    for p in content:
        if binds_anywhere(state, p):
            return p
    return content[0] if content else None


def phrases(t: Text, state: PlanState) -> list[Phrase]:
    """The noun phrases of the unconsumed text, with the counts and function words around them.

    A number with no noun after it ("make it 500", "patients, 1500") gives a phrase without words (a bare
    count); "500 of them" gives the phrase *them*.
    """
    from sdga.agent.planning.editor import is_generic

    lx = state.ctx.lexicon
    toks = tokenize(t.remaining())
    out: list[Phrase] = []
    cur: list[Token] = []
    pending: tuple[float | None, float | None, tuple[int, int] | None, str] = (None, None, None, "")
    last_fn = ""

    each = False

    def emit(ws: list[str], start: int, end: int, after: str) -> None:
        nonlocal each
        count, low, span, before = pending
        unit = count is not None and bool(ws) and (ws[0] in lx.units or stem(ws[0]) in lx.units)
        generic = bool(ws) and all(is_generic(w) for w in ws)
        out.append(Phrase(ws, start, end, count, span, low, before or last_fn, after, unit, generic, each))
        each = False

    def close(after: str) -> None:
        nonlocal cur, pending
        if cur:
            emit([c.low for c in cur], cur[0].start, cur[-1].end, after)
            pending = (None, None, None, "")
        cur = []

    def is_word(k: int) -> bool:
        return k < len(toks) and toks[k].kind == "word"

    def content(k: int) -> bool:
        return is_word(k) and not ({toks[k].low} & (lx.breakers | lx.request_words | lx.participles))

    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.kind == "number":
            close(tok.low)
            if tok.text.endswith("%"):
                i += 1
                continue
            fn = last_fn
            value = float(tok.text)
            j = i + 1
            if j + 1 < len(toks) and toks[j].low in _RANGE_SEP and toks[j + 1].kind == "number" \
                    and not toks[j + 1].text.endswith("%"):  # fmt: skip
                pending = (float(toks[j + 1].text), value, (tok.start, toks[j + 1].end), fn)
                i = j + 2
            else:
                pending = (value, None, (tok.start, tok.end), fn)
                i = j
            if is_word(i) and toks[i].low == "of" and is_word(i + 1) and toks[i + 1].low in _ANAPHORA:
                emit(["them"], toks[i + 1].start, toks[i + 1].end, "")
                pending = (None, None, None, "")
                i += 2
                continue
            if is_word(i) and toks[i].low == "of" and is_word(i + 1) and toks[i + 1].low in {"the", "all"}:
                i += 2
            k = i
            while is_word(k) and toks[k].low in _ADJECTIVES and k < i + 2:
                k += 1
            if content(k):
                i = k
                continue  # the phrase that follows takes the count
            emit([], tok.start, pending[2][1] if pending[2] else tok.end, toks[i].low if i < len(toks) else "")
            pending = (None, None, None, "")
            continue
        if tok.kind == "punct":
            close(tok.text)
            if tok.text not in {"-", "/", "'", "(", ")"}:
                last_fn = tok.text
            if tok.text in {";", "."}:
                each = False
            i += 1
            continue
        low = tok.low
        if low in {"each", "per", "every"}:
            each = True
        # An unknown -ing word is a verb ("devices sending readings"); known ones ("tracking") are nouns.
        verb = low.endswith("ing") and len(low) > 5 and stem(low) not in state.ctx.known_words
        if low in lx.breakers or low in lx.request_words or low in lx.participles or verb:
            close(low)
            # "each with 1-3 opportunities", "per account": keep the most telling word.
            if not (low in {"the", "a", "an", "some", "all", "any", "our", "my", "their", "its", "with"}
                    and last_fn in {"each", "per", "every"}):  # fmt: skip
                last_fn = low
            i += 1
            continue
        cur.append(tok)
        i += 1
    close("")
    return out


# ------------------------------------------------------------------------------------ field lists
_LIST_LEAD = (
    r"\b(?:with|having|containing|including|include|includes|only)\s+(?:only\s+|just\s+)?(?:the\s+)?"
    r"(?:following\s+)?(?:fields|columns|attributes|properties|cols)\s*:?\s*"
)
_STOP = r"(?=$|[.]|;\s*\d|\s+(?:as|into|to|saved|formatted|where|then|in (?:csv|json|parquet|xml|sql))\s)"


def _split_items(text: str) -> list[str]:
    """Split a list on commas, semicolons, "and", "&", "+" (not inside parentheses)."""
    items, depth, cur = [], 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and ch in ",;+&":
            items.append(cur)
            cur = ""
        else:
            cur += ch
    items.append(cur)
    out: list[str] = []
    for item in items:
        parts = re.split(r"\s+and\s+(?![^()]*\))", item) if "(" not in item else [item]
        out += [p.strip(" .:-") for p in parts if p.strip(" .:-")]
    return [re.sub(r"^(?:and|or|a|an|the)\s+", "", o, flags=re.IGNORECASE) for o in out]


def parse_item(item: str) -> FieldItem:
    """An item's name and what it says about its values: "(a, b, c)", "1-10", "from 1 to 10"."""
    fi = FieldItem(item)
    m = re.search(r"\(([^)]*)\)", item)
    if m:
        values = [v.strip() for v in re.split(r"\s*(?:,|/|\bor\b|\band\b)\s*", m.group(1)) if v.strip()]
        if len(values) >= 2 and not any(re.fullmatch(r"-?\d+(?:\.\d+)?", v) for v in values):
            fi.enum = values
        item = (item[: m.start()] + item[m.end() :]).strip()
    m = re.search(r"(?:\bfrom\s+|\bbetween\s+)?(-?\d+(?:\.\d+)?)\s*(?:-|to|and|–)\s*(-?\d+(?:\.\d+)?)\s*$", item)
    if m:
        fi.low, fi.high = float(m.group(1)), float(m.group(2))
        item = item[: m.start()].strip()
    item = re.sub(r"\b(?:imdb|[a-z]+)-style\s+", "", item)
    fi.phrase = item.strip(" -:")
    return fi


def _known(state: PlanState, item: str) -> bool:
    return state.ctx.lexicon.field_from_phrase(parse_item(item).phrase)[1]


def _field_list(state: PlanState) -> None:
    t = state.text
    rest = t.remaining()  # consumed words (format, destination, ...) are blanks here
    # "with fields a, b and c", "columns: a, b, c"
    for pattern in (rf"{_LIST_LEAD}(?P<list>.+?){_STOP}", rf"\b(?:fields|columns|cols)\s*:\s*(?P<list>.+?){_STOP}"):
        for m in re.finditer(pattern, rest, re.IGNORECASE):
            body = re.split(r"\s{3,}", m.group("list"))[0]
            items = _split_items(body)
            if items:
                t.consume(m.start(), m.start("list") + len(body))
                state.field_list = items
                return
    # "volcanoes: name, country, latitude", "with name, email and signup date": most items known field words.
    for m in re.finditer(
        r"(?:(?P<lead>\bwith|[a-z)]\s*:)\s+)(?P<list>[a-z][\w ()/-]*(?:\s*,\s*[a-z][\w ()/-]*)+"
        r"(?:,?\s+and\s+[a-z][\w ()/-]*)?)",
        rest,
        re.IGNORECASE,
    ):
        raw = re.split(r"\s{3,}|\s+(?:as|into|saved|where|to (?=\S+/))\s*", m.group("list"))[0]
        raw = re.sub(r"\s+-\s*\d.*$", "", raw).rstrip()
        items = _split_items(raw)
        known = sum(_known(state, i) for i in items)
        if len(items) >= 3 and known >= 0.66 * len(items):
            t.consume(m.start("list"), m.start("list") + len(raw))
            state.field_list = items
            return
    # "with a rating from 1 to 10 and a comment": two or more field words; a schema only when no template fits.
    for m in re.finditer(
        r"\bwith\s+(?P<list>(?:an?\s+)?[a-z][\w -]*?(?:\s*,\s*|\s+and\s+)(?:an?\s+)?[a-z][\w -]*)"
        r"(?=$|[.;]|\s{2,}|\s+(?:as|into|to|for|in)\s)",
        rest,
        re.IGNORECASE,
    ):
        body = re.sub(r"\b(\d+(?:\.\d+)?)\s+and\s+(\d+(?:\.\d+)?)\b", r"\1 to \2", m.group("list"))
        items = _split_items(body)
        if len(items) >= 2 and all(_known(state, i) for i in items):
            state.weak_field_list = items
            state.weak_field_span = (m.start("list"), m.end("list"))
            break
    # Clauses that are each a field ("name; email; phone; signup date" from a pasted list).
    clauses = [(c.start(), c.end(), c.group(0).strip()) for c in re.finditer(r"[^;]+", rest)]
    run_: list[tuple[int, int, str]] = []
    best: list[tuple[int, int, str]] = []
    for start, end, clause in clauses:
        bare = re.sub(r"\([^)]*\)", "", clause)
        fieldish = (
            bool(clause) and len(clause.split()) <= 5 and not re.search(r"\d|%|:", bare) and _known(state, clause)
        )
        if fieldish or (run_ and re.search(r"\([^)]*,[^)]*\)", clause) and len(clause.split()) <= 8):
            run_.append((start, end, clause))
            best = list(run_) if len(run_) > len(best) else best
        else:
            run_ = []
    if len(best) >= 3:
        for start, end, _ in best:
            t.consume(start, end)
        state.field_list = [c for _, _, c in best]
        named = re.search(r"\b(?:table|entity|name)\s*:\s*([a-z][\w ]*?)\s*(?:;|$)", rest, re.IGNORECASE)
        if named:
            state.field_table_name = named.group(1).strip()
            t.consume(named.start(), named.end())
