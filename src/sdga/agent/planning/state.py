"""The state one request is planned in (filled stage by stage) and the context shared by all requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from sdga.agent.planning.editor import SchemaEditor
from sdga.agent.planning.lexicon import Lexicon, lexicon
from sdga.agent.planning.model import Plan
from sdga.agent.planning.text import FuzzyIndex, Text, stem, words
from sdga.knowledge.corpus import TemplateEntry, load_templates
from sdga.knowledge.retriever import Retriever


def _schema_tables(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return list(schema.get("tables") or [{"name": schema.get("name") or "", "fields": schema.get("fields") or []}])


class PlannerContext:
    """What every request is planned against: the templates, the knowledge base, the lexicon, today."""

    def __init__(self, retriever: Retriever, today: date) -> None:
        self.retriever = retriever
        self.today = today
        self.lexicon: Lexicon = lexicon()
        self.templates: dict[str, TemplateEntry] = {t.name: t for t in load_templates()}
        self._load_sets()

    def _load_sets(self) -> None:
        """The word sets below depend only on the templates and the lexicon's files: keep them in the disk
        cache with the corpus, so a fresh process does not recompute them for its first request."""
        from pathlib import Path

        from sdga.agent.planning.lexicon import _FILES
        from sdga.knowledge.cache import cached
        from sdga.knowledge.corpus import corpus_stamp

        folder = Path(__file__).with_name("data")
        stamp_ = corpus_stamp()
        if stamp_ is None:
            return
        from sdga.knowledge.cache import stamp as file_stamp

        code = [Path(__file__), Path(__file__).with_name("text.py"), Path(__file__).with_name("lexicon.py")]
        key = file_stamp([*(folder / f"{n}.yaml" for n in _FILES), *code], stamp_)
        names = ("vocab", "tag_phrases", "known_words", "domain_words")

        def build() -> dict[str, Any]:
            return {n: getattr(self, n) for n in names}

        sets = cached("planner-words", key, build)
        for n in names:
            self.__dict__[n] = sets[n]

    @cached_property
    def vocab(self) -> dict[str, frozenset[str]]:
        """Per template, the stems of what it is about: name, domain, tags, tables, fields, description."""
        out: dict[str, frozenset[str]] = {}
        for name, t in self.templates.items():
            ws: list[str] = [*words(name), *words(t.domain), *(w for tag in t.tags for w in words(tag))]
            ws += words(t.description)
            for table in _schema_tables(t.schema):
                ws += words(str(table.get("name") or ""))
                for f in table.get("fields") or []:
                    ws += words(str(f.get("name") or ""))
            out[name] = frozenset(stem(w) for w in ws)
        return out

    @cached_property
    def tag_phrases(self) -> dict[str, list[list[str]]]:
        """Per template, its name, domain and tags as lists of stems (for phrase matches in a request)."""
        out: dict[str, list[list[str]]] = {}
        for name, t in self.templates.items():
            phrases = [words(name), words(t.domain), *(words(tag) for tag in t.tags)]
            out[name] = [[stem(w) for w in p] for p in phrases if p]
        return out

    @cached_property
    def domain_words(self) -> frozenset[str]:
        """Stems of what the templates and the lexicon are about (not the values of their categories)."""
        lx = self.lexicon
        ws: set[str] = set()
        for v in self.vocab.values():
            ws |= v
        ws |= {stem(w) for w in lx.request_words | lx.generic_nouns | lx.breakers | lx.units | lx.participles}
        ws |= {stem(w) for w in lx.known_extra} | set(lx.known_extra)
        for k, heads in lx.entity_synonyms.items():
            ws |= set(k.split())
            ws |= {stem(w) for h in heads for w in words(h)}
        return frozenset(ws)

    @cached_property
    def known_words(self) -> frozenset[str]:
        """Every stem the planner has a use for (templates, lexicon); words outside it are unknown."""
        lx = self.lexicon
        ws: set[str] = set()
        for v in self.vocab.values():
            ws |= v
        for t in self.templates.values():
            for table in _schema_tables(t.schema):
                for f in table.get("fields") or []:
                    for e in (f.get("constraints") or {}).get("enum") or []:
                        ws |= {stem(w) for w in words(str(e))}
        ws |= {stem(w) for w in lx.request_words | lx.generic_nouns | lx.breakers | lx.units | lx.participles}
        ws |= {stem(w) for w in lx.known_extra} | set(lx.known_extra)
        for k, heads in lx.entity_synonyms.items():
            ws |= set(k.split())
            ws |= {stem(w) for h in heads for w in words(h)}
        for k, vs in lx.value_synonyms.items():
            ws.add(k)
            ws |= {stem(w) for v in vs for w in words(v)}
        return frozenset(ws)

    @cached_property
    def fuzzy(self) -> FuzzyIndex:
        """Misspellings are corrected towards the words that name tables, domains and formats only (field
        names are matched with a typo allowance where they are looked up, and a word like "scrape" must
        never become the field word "scrap")."""
        targets: set[str] = set()
        for t in self.templates.values():
            targets |= set(words(t.name)) | {w for tag in t.tags for w in words(tag)}
            for table in _schema_tables(t.schema):
                name = str(table.get("name") or "")
                targets |= set(words(name)) | {w + "s" for w in words(name) if not w.endswith("s")}
        for k, heads in self.lexicon.entity_synonyms.items():
            targets |= set(k.split()) | {k.split()[-1] + "s"}
            targets |= {w for h in heads for w in words(h)}
        targets |= {"parquet", "jsonl", "ndjson", "json", "csv", "xml", "sql", "postgresql", "postgres", "mysql",
                    "sqlite", "mariadb", "inserts", "records", "generate", "create", "profiles", "customers",
                    "thousand", "million", "hundred", "without", "between", "compliant", "compliance",
                    "transactions", "employees", "patients", "unique", "missing", "only"}  # fmt: skip
        return FuzzyIndex(targets)


@dataclass
class PlanState:
    """One request on its way through the stages."""

    prompt: str
    previous: Plan | None
    ctx: PlannerContext
    text: Text = field(default_factory=lambda: Text(""))
    raw_text: str = ""
    understood: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    corrections: dict[str, str] = field(default_factory=dict)
    # request-level settings
    output_format: str | None = None
    destination: dict[str, Any] | None = None
    dialect: str | None = None
    seed: int | None = None
    compliance: list[str] = field(default_factory=list)
    locale: str | None = None
    # entities
    phrases: list[Any] = field(default_factory=list)
    subject: Any = None
    field_list: list[str] | None = None
    weak_field_list: list[str] | None = None
    weak_field_span: tuple[int, int] | None = None
    field_table_name: str | None = None
    explicit_template: str | None = None
    has_intent: bool = False
    # schema choice
    fresh: bool = True
    template: str | None = None
    reused: str | None = None
    confidence: str = "high"
    request_data: dict[str, Any] = field(default_factory=dict)
    editor: SchemaEditor | None = None
    focus_table: str | None = None
    fixed_tables: set[str] = field(default_factory=set)
    # counts and volumes
    counts: list[tuple[str, int]] = field(default_factory=list)
    volume: int | None = None
    changed: bool = False
    table_rows: dict[str, str] = field(default_factory=dict)

    @property
    def ed(self) -> SchemaEditor:
        assert self.editor is not None
        return self.editor
