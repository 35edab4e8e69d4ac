"""The planner's vocabulary, read from the data files beside this module (``data/*.yaml``).

Synonyms, domain and field words, category values, edge-case phrases, refusal cues and locale cues are
data, so they can grow without touching the parsing code. Every field type the lexicon produces is
compliance-safe (e-mails on reserved domains, fictional phone numbers, test card numbers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from sdga.agent.planning.text import snake, stem, words

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc,valid-type]
    """YAML 1.2 booleans only: the word lists hold "on", "off", "no" and "yes" as words, not booleans."""


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"] for k, v in _Base.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _load(name: str) -> dict[str, Any]:
    text = (resources.files("sdga.agent.planning") / "data" / name).read_text(encoding="utf-8")
    data = yaml.load(text, Loader=_Loader)
    return data if isinstance(data, dict) else {}


def _strs(items: Any) -> frozenset[str]:
    """A word list as strings (YAML reads a bare ``null`` as None)."""
    return frozenset("null" if x is None else str(x).lower() for x in items or [])


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{pattern})(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class FieldRule:
    pattern: re.Pattern[str]
    type: str
    constraints: dict[str, Any]


@dataclass(frozen=True)
class Category:
    pattern: re.Pattern[str]
    values: list[str]
    weights: list[float] | None


@dataclass(frozen=True)
class EdgePhrase:
    pattern: re.Pattern[str]
    kinds: list[str]
    family: str


@dataclass(frozen=True)
class RefusalCategory:
    reason: str
    message: str
    instead: str
    patterns: list[re.Pattern[str]]
    unless: re.Pattern[str] | None


@dataclass(frozen=True)
class Lexicon:
    request_words: frozenset[str]
    generic_nouns: frozenset[str]
    breakers: frozenset[str]
    units: frozenset[str]
    participles: frozenset[str]
    known_extra: frozenset[str]
    off_topic: list[str]
    fresh_cues: list[str]
    entity_synonyms: dict[str, list[str]]
    field_rules: list[FieldRule]
    verb_fields: dict[str, list[str]]
    typed_heads: frozenset[str]
    word_synonyms: dict[str, str]
    categories: list[Category]
    value_synonyms: dict[str, list[str]]
    status_fields: list[str]
    edge_phrases: list[EdgePhrase]
    edge_defaults: dict[str, list[str]]
    edge_security: re.Pattern[str]
    edge_rate: float
    edge_any: re.Pattern[str]
    refusal_neutral: re.Pattern[str]
    refusals: list[RefusalCategory]
    formats: list[tuple[re.Pattern[str], str]]
    substitutes: list[tuple[re.Pattern[str], str, str]]
    compliance: list[tuple[re.Pattern[str], str]]
    dialects: list[tuple[re.Pattern[str], str]]
    locales: list[tuple[re.Pattern[str], str]]
    extra: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------------------------- fields
    def category_values(self, phrase: str) -> tuple[list[str], list[float] | None] | None:
        """Default enum values for a category-like phrase, or None if it does not look like one."""
        p = " ".join(words(phrase))
        for cat in self.categories:
            if cat.pattern.search(p):
                return list(cat.values), (list(cat.weights) if cat.weights else None)
        return None

    def field_from_phrase(self, phrase: str) -> tuple[dict[str, Any], bool]:
        """A field spec (plain dict) for a phrase, and whether the lexicon knew it (False: short text)."""
        p = " ".join(words(phrase))
        name = snake(p)
        parts = p.split()
        typed = (
            (len(parts) > 1 and parts[-1] in self.typed_heads)
            or parts[:1] in (["is"], ["has"], ["was"])
            or p in {"http status", "log level", "level of log", "state", "country code"}
        )
        cat = None if typed else self.category_values(p)
        if cat:
            values, weights = cat
            constraints: dict[str, Any] = {"enum": values}
            if weights:
                constraints["weights"] = weights
            return {"name": name, "type": "category", "constraints": constraints}, True
        for rule in self.field_rules:
            if rule.pattern.fullmatch(p):
                spec: dict[str, Any] = {"name": name, "type": rule.type}
                if rule.constraints:
                    spec["constraints"] = dict(rule.constraints)
                return spec, True
        return {"name": name, "type": "string", "constraints": {"max_length": 40}}, False

    # ------------------------------------------------------------------------------------ locales
    def detect_locale(self, text: str) -> tuple[str, str] | None:
        """(locale, the cue that decided it) for the first locale cue in the text, or None."""
        best: tuple[int, str, str] | None = None
        for rx, locale in self.locales:
            for m in rx.finditer(text):
                cue = m.group(0)
                # "us" in lower case is the pronoun ("give us"): only the capitalised country code counts.
                if cue.lower() == "us" and cue != "US":
                    continue
                if best is None or m.start() < best[0]:
                    best = (m.start(), locale, cue)
                break
        return (best[1], best[2]) if best else None

    # ---------------------------------------------------------------------------------- entities
    def entity_heads(self, phrase_words: list[str]) -> list[str]:
        """Table heads a noun phrase may mean, through the synonyms (longest phrase first)."""
        stems_ = [stem(w) for w in phrase_words]
        out: list[str] = []
        for n in range(min(3, len(stems_)), 0, -1):
            tail = " ".join(stems_[-n:])
            for head in self.entity_synonyms.get(tail, []):
                if head not in out:
                    out.append(head)
        return out


_FILES = ("words", "entities", "fields", "categories", "values", "edge_cases", "refusals", "settings")


def _raw() -> dict[str, dict[str, Any]]:
    """The data files as parsed YAML (kept in the disk cache beside the corpus: parsing is the slow part)."""
    from pathlib import Path

    from sdga.knowledge.cache import cached, stamp

    folder = resources.files("sdga.agent.planning") / "data"
    paths = [Path(str(folder / f"{name}.yaml")) for name in _FILES] + [Path(__file__)]
    return cached("lexicon", stamp(paths), lambda: {name: _load(f"{name}.yaml") for name in _FILES})


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    raw = _raw()
    w = raw["words"]
    ents = raw["entities"].get("synonyms") or {}
    f = raw["fields"]
    cats = raw["categories"].get("categories") or []
    v = raw["values"]
    e = raw["edge_cases"]
    r = raw["refusals"]
    s = raw["settings"]
    return Lexicon(
        request_words=_strs(w.get("request_words")),
        generic_nouns=_strs(w.get("generic_nouns")),
        breakers=_strs(w.get("breakers")),
        units=_strs(w.get("units")),
        participles=_strs(w.get("participles")),
        known_extra=_strs(w.get("known_extra")),
        off_topic=[str(x) for x in w.get("off_topic") or []],
        fresh_cues=[str(x) for x in w.get("fresh_cues") or []],
        entity_synonyms={" ".join(stem(x) for x in str(k).split()): [str(h) for h in hs] for k, hs in ents.items()},
        field_rules=[
            FieldRule(re.compile(str(x["match"])), str(x["type"]), dict(x.get("constraints") or {}))
            for x in f.get("rules") or []
        ],
        verb_fields={str(k): [str(x) for x in vs] for k, vs in (f.get("verb_fields") or {}).items()},
        typed_heads=frozenset(str(x) for x in f.get("typed_heads") or []),
        word_synonyms={str(k): str(v) for k, v in (f.get("word_synonyms") or {}).items()},
        categories=[
            Category(
                re.compile(rf"\b(?:{c['match']})\b"),
                [str(x) for x in c["values"]],
                [float(x) for x in c["weights"]] if c.get("weights") else None,
            )
            for c in cats
        ],
        value_synonyms={stem(str(k)): [str(x) for x in vs] for k, vs in (v.get("synonyms") or {}).items()},
        status_fields=[str(x) for x in v.get("status_fields") or []],
        edge_phrases=[
            EdgePhrase(
                _rx(str(x["match"])),
                ["null" if k is None else str(k) for k in x["kinds"]],
                str(x.get("family") or "any"),
            )
            for x in e.get("phrases") or []
        ],
        edge_defaults={str(k): [str(x) for x in vs] for k, vs in (e.get("defaults") or {}).items()},
        edge_security=_rx(str(e.get("security") or "security")),
        edge_rate=float(e.get("default_rate") or 0.02),
        edge_any=_rx("|".join(f"(?:{x['match']})" for x in e.get("phrases") or []) or "(?!)"),
        refusal_neutral=re.compile(str(r.get("neutral") or "(?!)"), re.IGNORECASE),
        refusals=[
            RefusalCategory(
                reason=str(c["reason"]),
                message=str(c["message"]),
                instead=str(c.get("instead") or ""),
                patterns=[re.compile(str(p), re.IGNORECASE) for p in c.get("patterns") or []],
                unless=re.compile(str(c["unless"]), re.IGNORECASE) if c.get("unless") else None,
            )
            for c in r.get("categories") or []
        ],
        formats=[(_rx(str(x["match"])), str(x["format"])) for x in s.get("formats") or []],
        substitutes=[(_rx(str(x["match"])), str(x["format"]), str(x["why"])) for x in s.get("substitutes") or []],
        compliance=[(_rx(str(x["match"])), str(x["value"])) for x in s.get("compliance") or []],
        dialects=[(_rx(str(x["match"])), str(x["value"])) for x in s.get("dialects") or []],
        locales=[(_rx(str(x["match"])), str(x["locale"])) for x in s.get("locales") or []],
    )


def field_from_phrase(phrase: str) -> tuple[dict[str, Any], bool]:
    return lexicon().field_from_phrase(phrase)


def category_values(phrase: str) -> tuple[list[str], list[float] | None] | None:
    return lexicon().category_values(phrase)


def detect_locale(text: str) -> tuple[str, str] | None:
    return lexicon().detect_locale(text)
