"""Retrieval quality: does the right template come first for typical requests? (hit@1)

The query set ``eval_queries.yaml`` ships with the package; ``sdga kb eval`` prints the figure and the
test suite asserts a floor, so a template or document change that hurts retrieval is caught.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

from sdga.knowledge.corpus import load_templates
from sdga.knowledge.retriever import LocalKnowledgeBase, Retriever


def load_queries(held_out: bool = False) -> dict[str, list[str]]:
    """Template name -> queries whose best match must be that template (``held_out``: the untuned set)."""
    name = "eval_queries_heldout.yaml" if held_out else "eval_queries.yaml"
    text = (resources.files("sdga.knowledge") / name).read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    return {str(k): [str(q) for q in v] for k, v in data.items()}


def evaluate(
    retriever: Retriever | None = None, *, only_installed: bool = True, held_out: bool = False
) -> dict[str, Any]:
    """hit@1 overall and per template, with the misses; templates not installed are skipped."""
    retriever = retriever or LocalKnowledgeBase(None)
    installed = {t.name for t in load_templates()}
    hits, total = 0, 0
    per_template: dict[str, float] = {}
    misses: list[dict[str, Any]] = []
    for template, queries in load_queries(held_out).items():
        if only_installed and template not in installed:
            continue
        ok = 0
        for query in queries:
            ranked = [m for m in retriever.rank_templates(query, k=5) if m.template in installed]
            got = ranked[0].template if ranked else None
            if got == template:
                ok += 1
            else:
                misses.append({"query": query, "expected": template, "got": got})
        per_template[template] = ok / len(queries) if queries else 0.0
        hits += ok
        total += len(queries)
    return {
        "hit_at_1": hits / total if total else 0.0,
        "hits": hits,
        "queries": total,
        "per_template": per_template,
        "misses": misses,
    }
