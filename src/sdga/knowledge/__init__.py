"""The knowledge base: domain templates, generation patterns, compliance rules and long-term memory.

Locally it is a BM25+ index over the shipped documents plus the schemas of past successful generations
(SQLite beside the history); in AWS it is the Bedrock knowledge base reached through ``retrieve``.
"""

from sdga.knowledge.corpus import Document, TemplateEntry, export_documents, load_corpus, load_templates
from sdga.knowledge.memory import GenerationMemory, MemoryRecord
from sdga.knowledge.retriever import (
    BedrockKnowledgeBase,
    LocalKnowledgeBase,
    Retriever,
    SearchHit,
    TemplateMatch,
    get_retriever,
)

__all__ = [
    "BedrockKnowledgeBase",
    "Document",
    "GenerationMemory",
    "LocalKnowledgeBase",
    "MemoryRecord",
    "Retriever",
    "SearchHit",
    "TemplateEntry",
    "TemplateMatch",
    "export_documents",
    "get_retriever",
    "load_corpus",
    "load_templates",
]
