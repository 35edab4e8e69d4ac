"""Stage 4, schema choice or composition: which template the request is about, a table composed from the
fields the user named, an earlier generation's schema, or a question instead of a guess.

A template fits when the request names one of its tables ("8k shipments" -> logistics.shipments, through
synonyms and typos), or its domain in so many words ("point of sale", "smart meter"), and the request's
subject is something the template knows. "Stock for my bakery" names no table of any template and a
domain ("bakery") none of them knows: that is asked about, with the closest templates as options,
instead of planning a bakery's stock as bank accounts.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from sdga.agent.planning.bindings import BOUND, bindings, template_editor
from sdga.agent.planning.editor import SchemaEditor, is_generic
from sdga.agent.planning.entities import Phrase
from sdga.agent.planning.model import ClarificationNeeded, Question, RefusalError
from sdga.agent.planning.state import PlanState
from sdga.agent.planning.text import snake, stem, words
from sdga.knowledge.corpus import TemplateEntry
from sdga.knowledge.retriever import MEMORY_GROUP, TemplateMatch

CORE_TYPES = {"user_profile", "transaction", "log_event"}
KB_STRONG = 7.5


@dataclass
class Candidate:
    name: str
    kb: float = 0.0
    entity: float = 0.0
    tags: float = 0.0
    bound: list[Phrase] = field(default_factory=list)
    tag_hit: bool = False
    match: TemplateMatch | None = None

    @property
    def total(self) -> float:
        return self.kb + self.entity + self.tags


def run(state: PlanState) -> None:
    explicit = _explicit_template(state)
    if state.previous is not None and not _is_fresh(state, explicit):
        _continue(state)
        return
    state.fresh = True
    if explicit:
        entry = state.ctx.templates[explicit]
        state.understood.append(f"template: {entry.name} (named in the request)")
        _use_template(state, entry)
        return
    ranked = rank(state)
    memory = _memory_choice(state, ranked)
    if memory is not None:
        _use_memory(state, memory)
        return
    best = ranked[0] if ranked else None
    verdict = _fit(state, best, ranked)
    if state.field_list:
        # The user spelled out the fields: the schema is theirs (template fields reused by exact name).
        _compose(state, best if verdict else None)
        return
    if not verdict and state.weak_field_list and state.subject is not None:
        # "1000 product reviews with a rating from 1 to 10 and a comment": no template, but the fields.
        if state.weak_field_span:
            state.text.consume(*state.weak_field_span)
        state.field_list = state.weak_field_list
        _compose(state, None)
        return
    if best is not None and verdict:
        entry = state.ctx.templates[best.name]
        runner = f"; runner-up {ranked[1].name}" if len(ranked) > 1 and ranked[1].total > 0 else ""
        why = _why(best)
        if verdict == "low":
            state.confidence = "low"
            state.warnings.append(
                f"low-confidence template choice: '{entry.name}' is only the closest match ({why}{runner}); "
                "name the tables or fields you need if it is not what you meant"
            )
            state.assumptions.append(f"template: {entry.name} (closest match, low confidence{runner})")
        else:
            state.confidence = "high" if verdict == "high" else "medium"
            state.assumptions.append(f"template: {entry.name} ({why}{runner})")
        _use_template(state, entry)
        return
    _ask(state, ranked)


# ------------------------------------------------------------------------------------------ ranking
def _domain_query(state: PlanState) -> str:
    """The words that describe the data: no URLs, numbers or generic request words."""
    lx = state.ctx.lexicon
    text = re.sub(r"\S+://\S+|-?\b\d+(?:\.\d+)?%?", " ", state.text.remaining())
    kept = [w for w in words(text) if w not in lx.request_words and w not in lx.breakers]
    return " ".join(kept)


def _kb_matches(state: PlanState, query: str) -> list[TemplateMatch]:
    """The knowledge base's ranking for the query (asked once per request)."""
    cache: dict[str, list[TemplateMatch]] = state.__dict__.setdefault("_kb", {})
    if query not in cache:
        cache[query] = state.ctx.retriever.rank_templates(query, k=12) if query.strip() else []
    return cache[query]


def rank(state: PlanState) -> list[Candidate]:
    """Templates scored by the knowledge base, the tables the request names and the domain phrases it uses."""
    ctx = state.ctx
    query = _domain_query(state)
    matches = _kb_matches(state, query)
    kb = {m.template: m for m in matches}
    top = max((m.score for m in matches if not m.template.startswith(MEMORY_GROUP)), default=0.0)
    text_stems = [stem(w) for w in words(state.text.remaining())]
    joined = " " + " ".join(text_stems) + " "
    content = [p for p in state.phrases if p.words and not p.generic]
    phrase_stems = {stem(w) for p in content for w in p.words}
    out: list[Candidate] = []
    for name in ctx.templates:
        c = Candidate(name, match=kb.get(name))
        if c.match is not None and top > 0:
            c.kb = 3.0 * c.match.score / top
        for p in content:
            bound = bindings(state, p)
            strength = bound.get(name, 0.0)
            subject = p is state.subject
            if strength >= BOUND:
                # A word many templates have a table for ("users", "customers") says little on its own.
                df = sum(1 for v in bound.values() if v >= BOUND)
                c.bound.append(p)
                c.entity += _evidence(strength) * (2.0 if subject else 1.0) / df**0.5
            elif strength > 0:
                c.entity += 0.3
            elif subject and any(v >= BOUND for v in bound.values()):
                c.entity -= 2.0  # other templates have a table for what the request is about; this one not

        entry = ctx.templates[name]
        name_words = {stem(w) for w in [*words(name), *words(entry.domain)]}
        if name_words & phrase_stems:
            c.tags += 1.5
            c.tag_hit = True
        singles = 0
        for phrase in dict.fromkeys(tuple(p) for p in ctx.tag_phrases[name]):
            if f" {' '.join(phrase)} " not in joined:
                continue
            if len(phrase) > 1:
                c.tags += 2.0
                c.tag_hit = True
            elif phrase[0] not in name_words and singles < 2:
                c.tags += 1.0
                singles += 1
        if c.total > 0:
            out.append(c)
    out.sort(key=lambda c: (-c.total, c.name))
    # Fields the request names ("price and stock") that a leading template has: a little more evidence.
    others = [p for p in content if p is not state.subject]
    if others:
        for c in out[:6]:
            ed = template_editor(state, c.name)
            c.entity += 0.5 * min(sum(1 for p in others if ed.score(p.text)[0] >= 1.9), 4)
        out.sort(key=lambda c: (-c.total, c.name))
    return out


def _evidence(strength: float) -> float:
    """How much a table match says: the table's own name most, its head noun less, a synonym least."""
    return 3.0 if strength >= 3.9 else 2.0 if strength >= 3.0 else 1.5


def _why(c: Candidate) -> str:
    if c.bound:
        named = ", ".join(dict.fromkeys(p.text for p in c.bound))
        return f"the request names its tables: {named}"
    if c.tag_hit:
        return "the request names its domain"
    return f"best knowledge-base match, score {c.match.score:.1f}" if c.match else "closest match"


def _unknown(state: PlanState, ws: list[str]) -> list[str]:
    """Words no template or lexicon entry is about (values of a category do not count: "bakery" is a
    retail department, not a domain the templates model)."""
    known = state.ctx.domain_words
    return [w for w in ws if len(w) >= 3 and w.isalpha() and stem(w) not in known and w not in known]


def _fit(state: PlanState, best: Candidate | None, ranked: list[Candidate]) -> str:
    """'high', 'medium', 'low' or '' (no template fits without a guess)."""
    if best is None:
        return ""
    vocab = state.ctx.vocab[best.name]
    subject = state.subject
    core = [w for w in (subject.core if subject else []) if not is_generic(w)]
    subject_bound = subject is not None and subject in best.bound
    subject_known = not core or all(stem(w) in vocab for w in core)
    subject_unknown = bool(_unknown(state, core))
    others = [w for p in state.phrases if p is not subject and p.words and not p.unit_count for w in p.core]
    unknown_mods = _unknown(state, others)
    margin = best.total - (ranked[1].total if len(ranked) > 1 else 0.0)
    strength = bindings(state, subject).get(best.name, 0.0) if subject is not None else 0.0
    if unknown_mods and (not subject_bound or strength < 3.9) and not best.tag_hit:
        return ""  # "stock for my bakery": a domain no template models, matched only loosely
    if best.bound and (subject_bound or subject_known or (not subject_unknown and not unknown_mods)):
        return "high" if margin >= 1.0 or subject_bound else "medium"
    if best.tag_hit and subject_known and not unknown_mods:
        return "medium"
    kb_score = best.match.score if best.match else 0.0
    if kb_score >= KB_STRONG and subject_known and not subject_unknown and not unknown_mods:
        return "low"
    return ""


# ----------------------------------------------------------------------------------------- memory
def _memory_choice(state: PlanState, ranked: list[Candidate]) -> TemplateMatch | None:
    """An earlier generation's schema, when it explains words of the request no template knows."""
    query = _domain_query(state)
    if not query.strip():
        return None
    matches = _kb_matches(state, query)
    mem = [m for m in matches if m.memory_hit is not None]
    if not mem:
        return None
    unknown = {stem(w) for w in _unknown(state, words(query))}
    for m in mem:
        hit = m.memory_hit
        assert hit is not None
        if not isinstance(hit.document.metadata.get("schema"), dict):
            continue
        doc_words = {stem(w) for w in words(hit.document.title + " " + hit.document.text)}
        if unknown and unknown & doc_words:
            return m
    return None


def _use_memory(state: PlanState, match: TemplateMatch) -> None:
    hit = match.memory_hit
    assert hit is not None
    gen_id = str(hit.document.metadata.get("generation_id"))
    state.assumptions.append(
        f"schema: reused from earlier generation {gen_id[:8]} ({hit.document.title.split(': ', 1)[-1]!r}), "
        "the closest remembered request"
    )
    template = None if match.template.startswith(MEMORY_GROUP) else match.template
    data_type = template if template in CORE_TYPES else "custom"
    state.template, state.reused = template, gen_id
    state.request_data = {"data_type": data_type, "schema": copy.deepcopy(hit.document.metadata["schema"])}
    state.editor = SchemaEditor(copy.deepcopy(state.request_data["schema"]))


# -------------------------------------------------------------------------------------- templates
def _explicit_template(state: PlanState) -> str | None:
    names = "|".join(sorted((re.escape(n) for n in state.ctx.templates), key=len, reverse=True))
    if not names:
        return None
    for m in state.text.finditer(
        rf"\b(?:template|domain)\s*[:=]?\s*[\"']?({names})\b|\b(?:the\s+)?({names})[\"']?\s+template\b"
    ):
        state.text.consume(m.start(), m.end())
        return (m.group(1) or m.group(2)).lower()
    return None


def _use_template(state: PlanState, entry: TemplateEntry) -> None:
    data_type = entry.name if entry.name in CORE_TYPES else "custom"
    state.template = entry.name
    state.request_data = {"data_type": data_type, "schema": copy.deepcopy(entry.schema)}
    state.editor = SchemaEditor(copy.deepcopy(entry.schema))
    state.fixed_tables = {str(t["name"]) for t in state.editor.tables if t.get("volume") is not None}


def _compose(state: PlanState, fit: Candidate | None) -> None:
    """A table from the user's field list, named after what they asked for."""
    name = _custom_table_name(state)
    state.template = None
    state.request_data = {"data_type": "custom", "schema": {"name": name, "fields": []}}
    state.editor = SchemaEditor({"name": name, "fields": []})
    source = template_editor(state, fit.name) if fit is not None else None
    from sdga.agent.planning.constraints.columns import apply_field_list

    apply_field_list(state, state.field_list or [], source)
    state.changed = True


def _custom_table_name(state: PlanState) -> str:
    if state.field_table_name:
        return snake(state.field_table_name)
    m = re.search(r"\b(?!(?:a|an|the|one|this|that|my|our|single|new|sql|database|db)\b)([a-z][a-z0-9_]*)\s+table\b",
                  state.text.text, re.IGNORECASE)  # fmt: skip
    if m:
        return snake(m.group(1))
    subject = state.subject
    if subject is not None:
        core = [w for w in subject.core if not is_generic(w)]
        if core:
            return snake(" ".join(core[-3:]))
    return "records"


# -------------------------------------------------------------------------------------- follow-ups
def _is_fresh(state: PlanState, explicit: str | None) -> bool:
    prev = state.previous
    assert prev is not None
    if explicit is not None:
        return explicit != prev.template
    if state.field_list:
        return True
    schema = (
        prev.request.schema_.model_dump(mode="json", by_alias=True, exclude_none=True) if prev.request.schema_ else {}
    )
    ed = SchemaEditor(copy.deepcopy(schema))
    content = [p for p in state.phrases if p.words and not p.generic and not p.unit_count]
    if any(ed.match_table(p.words)[1] >= BOUND for p in content):
        return False
    if any(ed.resolve(" ".join(p.core)) for p in content):
        return False
    if not state.has_intent or not content:
        return False
    ranked = rank(state)
    best = ranked[0] if ranked else None
    return best is not None and best.name != prev.template and bool(best.bound) and bool(_fit(state, best, ranked))


def _continue(state: PlanState) -> None:
    prev = state.previous
    assert prev is not None
    state.fresh = False
    state.request_data = prev.request.model_dump(mode="json", by_alias=True, exclude_none=True)
    state.template, state.reused, state.confidence = prev.template, prev.reused_generation, prev.confidence
    state.focus_table = prev.focus_table
    state.editor = SchemaEditor(copy.deepcopy(state.request_data.get("schema") or {}))
    entry = state.ctx.templates.get(prev.template or "")
    if entry is not None:
        shipped = entry.schema.get("tables") or []
        state.fixed_tables = {str(t["name"]) for t in shipped if t.get("volume") is not None}


# ------------------------------------------------------------------------------------- questions
def _examples(state: PlanState, c: Candidate) -> str:
    entry = state.ctx.templates[c.name]
    tables = [str(t.get("name")) for t in entry.schema.get("tables") or [{"name": entry.schema.get("name")}]]
    return f"the {entry.name} template ({', '.join(tables)})"


def _ask(state: PlanState, ranked: list[Candidate]) -> None:
    ctx = state.ctx
    subject = state.subject
    core = [w for w in (subject.core if subject else []) if not is_generic(w)]
    text = state.text.text
    lowered = text.lower()
    counted = any(p.count is not None for p in state.phrases)
    off = [cue for cue in ctx.lexicon.off_topic if re.search(rf"\b{re.escape(cue)}\b", lowered)]
    if off and not state.has_intent and not state.field_list and not counted:
        _refuse_off_topic(state)
    if not core:
        content = [p for p in state.phrases if p.words]
        if not content and not state.has_intent and not re.search(r"\d", text):
            _gibberish(state, ranked)
        question = Question(
            "What kind of data do you need? Name what the rows are, or list the fields.",
            options=[
                "user profiles (names, e-mails, addresses, birth dates), e.g. '1,000 user profiles as csv'",
                "e-commerce customers, orders and products, e.g. '5k orders for an online shop'",
                "your own fields, e.g. '500 records with fields name, email and signup date'",
            ],
            choices=["user_profile", "ecommerce", None],
            reason="too_vague",
        )
        raise ClarificationNeeded(question, understood=state.understood, assumptions=state.assumptions)
    what = " ".join(core)
    if all(stem(w) not in ctx.known_words for w in core) and not state.has_intent and _looks_like_gibberish(core):
        _gibberish(state, ranked)
    close = [c for c in ranked[:2] if c.total >= 1.0]
    options = [_examples(state, c) for c in close]
    count = next((int(p.count) for p in state.phrases if p.count is not None and not p.unit_count), 100)
    options.append(f"your own fields, e.g. '{count} {what} with fields name, ... and ...'")
    said = " ".join(state.prompt.split())
    said = said if len(said) <= 60 else said[:57].rstrip() + "..."
    examples = ", ".join(n for n in ("ecommerce", "healthcare", "logistics", "retail_pos") if n in ctx.templates)
    question = Question(
        f"I have no template for '{said}' and you named no fields, so I would have to guess. Which do you "
        f"mean? Or list the fields, e.g. '{count} {what} with fields name, price and date'. (`sdga templates` "
        f"lists all {len(ctx.templates)} domains, e.g. {examples}.)",
        options=options,
        choices=[*(c.name for c in close), None],
        reason="no_template",
    )
    raise ClarificationNeeded(question, understood=state.understood, assumptions=state.assumptions)


def _looks_like_gibberish(core: list[str]) -> bool:
    vowels = sum(1 for w in core for ch in w if ch in "aeiou")
    letters = sum(len(w) for w in core)
    return letters == 0 or vowels / letters < 0.2 or all(len(w) <= 4 for w in core)


def _gibberish(state: PlanState, ranked: list[Candidate]) -> None:
    del ranked
    question = Question(
        f"I could not tell what data you need from '{state.prompt.strip()[:80]}'. What should the rows be?",
        options=[
            "a domain, e.g. '2,000 patients for a clinic' or '10k orders for an online shop'",
            "your own fields, e.g. '500 records with fields name, email and signup date'",
        ],
        reason="not_understood",
    )
    raise ClarificationNeeded(question, understood=state.understood, assumptions=state.assumptions)


def _refuse_off_topic(state: PlanState) -> None:
    known = ", ".join(sorted(state.ctx.templates))
    raise RefusalError(
        f"I can only plan synthetic test data, and I could not tell what data you need from "
        f"'{state.prompt.strip()[:80]}'.",
        reason="off_topic",
        instead=f"Name a domain ({known}) or list the fields, e.g. 'with fields name, email and signup date'.",
        details={"known_templates": sorted(state.ctx.templates)},
    )
