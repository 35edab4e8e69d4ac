"""One retrieval interface over two backends: the local BM25+ index and the Bedrock knowledge base.

The agent asks two questions: "which documents answer this?" (:meth:`search`) and "which runnable
template fits this request best?" (:meth:`rank_templates`). ``SDGA_KB_BACKEND`` picks the backend.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sdga.errors import ConfigurationError, DestinationError
from sdga.knowledge.bm25 import BM25Index, tokenize
from sdga.knowledge.corpus import Document, load_corpus, load_templates
from sdga.knowledge.memory import MemoryStore, make_memory

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class SearchHit:
    document: Document
    score: float


@dataclass(frozen=True)
class TemplateMatch:
    """A template ranked for a query, with the evidence (hits) that put it there."""

    template: str
    score: float
    hits: list[SearchHit] = field(default_factory=list)

    @property
    def memory_hit(self) -> SearchHit | None:
        """The best remembered generation among the evidence, if any."""
        return next((h for h in self.hits if h.document.kind == "memory"), None)


class Retriever(Protocol):
    """What the agent needs from a knowledge base."""

    def search(self, query: str, k: int = 5, *, kinds: Collection[str] | None = None) -> list[SearchHit]: ...

    def rank_templates(self, query: str, k: int = 3) -> list[TemplateMatch]: ...


MEMORY_WEIGHT = 0.5


def _score(hits: list[SearchHit]) -> float:
    """Shipped documents add up; remembered runs count once (the best), at half weight, so a pile of
    earlier generations cannot outvote the domain documents."""
    shipped = sum(h.score for h in hits if h.document.kind != "memory")
    remembered = max((h.score for h in hits if h.document.kind == "memory"), default=0.0)
    return shipped + MEMORY_WEIGHT * remembered


MEMORY_GROUP = "memory:"  # prefix of a match that is one remembered custom schema, not a template


def _aggregate(hits: list[SearchHit], k: int) -> list[TemplateMatch]:
    """Template score from its documents (template card + prose page + remembered runs).

    A remembered run of a custom schema (no template) is a candidate of its own, ``memory:<id>``, so a
    schema the user once spelled out field by field can be found again by describing the data.
    """
    by_template: dict[str, list[SearchHit]] = {}
    for hit in hits:
        key = hit.document.template
        if not key and hit.document.kind == "memory":
            key = MEMORY_GROUP + str(hit.document.metadata.get("generation_id") or hit.document.id)
        if key:
            by_template.setdefault(key, []).append(hit)
    ranked = [TemplateMatch(t, _score(hs), hs) for t, hs in by_template.items()]
    ranked.sort(key=lambda m: (-m.score, m.template))
    return ranked[:k]


class LocalKnowledgeBase:
    """BM25+ over the shipped documents and the remembered generations (rebuilt when memory changes)."""

    def __init__(
        self,
        memory: MemoryStore | None = None,
        *,
        documents: list[Document] | None = None,
        semantic: bool | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.memory = memory
        if semantic is None:
            # The switch is read first: the semantic module imports NumPy, which plain BM25+ never needs.
            asked = os.environ.get("SDGA_KB_SEMANTIC", "").strip().lower() in {"1", "true", "yes", "on"}
            if asked:
                from sdga.knowledge.semantic import semantic_enabled

                asked = semantic_enabled()
            semantic = asked
        self.semantic = semantic
        path = getattr(memory, "path", None)  # embeddings are cached beside a file-backed memory
        self.cache_dir = cache_dir or (path.parent if isinstance(path, Path) else None)
        self._emb: np.ndarray | None = None  # document embeddings (semantic mode only; NumPy is loaded then)
        self._shipped = documents is None
        self._static = documents if documents is not None else load_corpus()
        self._lock = threading.Lock()
        self._built_for: tuple[int, float] | None = None
        self._docs: list[Document] = []
        self._index: BM25Index | None = None

    @classmethod
    def from_home(cls, home: Path | None = None) -> LocalKnowledgeBase:
        return cls(make_memory(home=home))

    def documents(self) -> list[Document]:
        self._ensure()
        return list(self._docs)

    def _ensure(self) -> BM25Index:
        version = self.memory.version() if self.memory else (0, 0.0)
        with self._lock:
            if self._index is None or version != self._built_for:
                remembered = [r.to_document() for r in self.memory.records()] if self.memory else []
                self._docs = self._static + remembered
                if not remembered and self._shipped:
                    self._index = self._static_index()
                else:
                    tokens = self._static_tokens() + [tokenize(d.title + "\n" + d.text) for d in remembered]
                    self._index = BM25Index(tokens, statistics_from=len(self._static))
                if self.semantic:
                    from sdga.knowledge.semantic import embed_documents

                    self._emb = embed_documents([d.title + "\n" + d.text for d in self._docs], self.cache_dir)
                self._built_for = version
            return self._index

    def _static_tokens(self) -> list[list[str]]:
        """The shipped documents' tokens (from the disk cache when they are the shipped corpus)."""

        def build() -> list[list[str]]:
            return [tokenize(d.title + "\n" + d.text) for d in self._static]

        if self._shipped:
            from sdga.knowledge.cache import cached
            from sdga.knowledge.corpus import corpus_stamp

            return list(cached("corpus-tokens", corpus_stamp(), build))
        return build()

    def _static_index(self) -> BM25Index:
        """The index of the shipped documents alone (from the disk cache; it depends on them only)."""
        from sdga.knowledge.cache import cached
        from sdga.knowledge.corpus import corpus_stamp

        return cached("corpus-index", corpus_stamp(), lambda: BM25Index(self._static_tokens()))

    def search(self, query: str, k: int = 5, *, kinds: Collection[str] | None = None) -> list[SearchHit]:
        index = self._ensure()
        tokens = tokenize(query)
        if not tokens:
            return []
        scores = index.scores(tokens)
        if self.semantic and self._emb is not None and len(self._docs):
            import numpy as np

            from sdga.knowledge.semantic import SEMANTIC_FLOOR, SEMANTIC_WEIGHT, get_encoder

            # Hybrid: cosine similarity above a floor adds to BM25+, so paraphrases without shared words
            # still score while unrelated text (cosine near 0) adds nothing.
            cosine = self._emb @ get_encoder().encode([query])[0]
            scores = list(np.asarray(scores) + SEMANTIC_WEIGHT * np.clip(cosine - SEMANTIC_FLOOR, 0.0, None))
        order = sorted(range(len(self._docs)), key=lambda i: (-scores[i], i))
        hits: list[SearchHit] = []
        for i in order:
            if scores[i] <= 0:
                break
            if kinds is None or self._docs[i].kind in kinds:
                hits.append(SearchHit(self._docs[i], float(scores[i])))
                if len(hits) >= k:
                    break
        return hits

    def rank_templates(self, query: str, k: int = 3) -> list[TemplateMatch]:
        # Shipped documents and remembered runs are searched apart: fifty remembered runs of one template
        # must not crowd the template's own documents out of the hits.
        hits = self.search(query, k=50, kinds=("template", "domain")) + self.search(query, k=50, kinds=("memory",))
        return _aggregate(hits, k)


class BedrockKnowledgeBase:
    """The deployed Bedrock knowledge base through ``bedrock-agent-runtime.retrieve`` (boto3, lazily)."""

    def __init__(self, knowledge_base_id: str, *, client: Any = None, region: str | None = None) -> None:
        if not knowledge_base_id:
            raise ConfigurationError("SDGA_KB_BACKEND=bedrock needs SDGA_KNOWLEDGE_BASE_ID")
        self.knowledge_base_id = knowledge_base_id
        if client is None:
            import boto3  # lazy: only the AWS backends need it

            client = boto3.client("bedrock-agent-runtime", region_name=region or os.environ.get("AWS_REGION"))
        self.client = client
        self._templates = {t.name for t in load_templates()}

    def _template_of(self, uri: str, metadata: dict[str, Any], text: str) -> str | None:
        name = metadata.get("template")
        if isinstance(name, str) and name in self._templates:
            return name
        stem = Path(uri).stem if uri else ""
        if stem in self._templates:
            return stem
        m = re.search(r"^template:\s*(\w+)", text, re.MULTILINE) or re.search(r"# Template (\w+)", text)
        return m.group(1) if m and m.group(1) in self._templates else None

    def search(self, query: str, k: int = 5, *, kinds: Collection[str] | None = None) -> list[SearchHit]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            resp = self.client.retrieve(
                knowledgeBaseId=self.knowledge_base_id,
                retrievalQuery={"text": query[:1000]},
                retrievalConfiguration={"vectorSearchConfiguration": {"numberOfResults": max(1, min(k * 2, 100))}},
            )
        except (BotoCoreError, ClientError) as exc:
            raise DestinationError(f"knowledge base retrieve failed: {exc}") from exc
        hits: list[SearchHit] = []
        for i, item in enumerate(resp.get("retrievalResults", [])):
            text = (item.get("content") or {}).get("text", "")
            uri = ((item.get("location") or {}).get("s3Location") or {}).get("uri", "")
            metadata = dict(item.get("metadata") or {})
            template = self._template_of(uri, metadata, text)
            kind = str(metadata.get("kind") or ("template" if template else "guidance"))
            doc = Document(
                id=uri or f"bedrock:{i}", title=Path(uri).name or f"result {i + 1}", text=text, kind=kind,
                template=template, source=uri or None, metadata=metadata,
            )  # fmt: skip
            if kinds is None or doc.kind in kinds or (template and "template" in kinds):
                hits.append(SearchHit(doc, float(item.get("score") or 0.0)))
        return hits[:k]

    def rank_templates(self, query: str, k: int = 3) -> list[TemplateMatch]:
        return _aggregate(self.search(query, k=20), k)


_cache: dict[tuple[str, str], Retriever] = {}


def get_retriever(backend: str | None = None, *, home: Path | None = None) -> Retriever:
    """The configured knowledge base (SDGA_KB_BACKEND local|bedrock); local ones are cached per home."""
    backend = (backend or os.environ.get("SDGA_KB_BACKEND") or "local").lower()
    if backend == "bedrock":
        return BedrockKnowledgeBase(os.environ.get("SDGA_KNOWLEDGE_BASE_ID", ""))
    if backend != "local":
        raise ConfigurationError(f"unknown SDGA_KB_BACKEND {backend!r}: use local or bedrock")
    from sdga.config import load_settings
    from sdga.knowledge.memory import default_home

    root = home or default_home()
    settings = load_settings()
    key = ("local", f"dynamodb:{settings.history_table}" if settings.history_backend == "dynamodb" else str(root))
    if key not in _cache:
        _cache[key] = LocalKnowledgeBase(make_memory(settings, home=root))
    return _cache[key]
