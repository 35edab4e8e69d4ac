"""Knowledge base: BM25+ scoring, the shipped corpus, retrieval quality, memory and the Bedrock adapter."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import boto3
import pytest
import yaml
from botocore.stub import Stubber

from sdga.errors import ConfigurationError, DestinationError
from sdga.knowledge import (
    BedrockKnowledgeBase,
    GenerationMemory,
    LocalKnowledgeBase,
    MemoryRecord,
    export_documents,
    get_retriever,
    load_corpus,
    load_templates,
)
from sdga.knowledge.bm25 import BM25Index, tokenize
from sdga.knowledge.evaluation import evaluate, load_queries

DOMAINS = ("ecommerce", "healthcare", "finance", "banking", "observability", "iot", "hr", "saas")


def test_bm25_plus_keeps_terms_shared_by_half_the_corpus() -> None:
    # Okapi's IDF is 0 for a term in half the documents: "password" would not count at all.
    docs = [tokenize(t) for t in ["password reset flow", "password policy rules", "shop orders", "hospital patients"]]
    index = BM25Index(docs)
    scores = index.scores(tokenize("password"))
    assert scores[0] > 0 and scores[1] > 0 and scores[2] == 0 and scores[3] == 0
    assert index.idf("password") > 0
    assert [i for i, _ in index.top(tokenize("hospital"), k=2)] == [3]


def test_bm25_prefers_the_document_that_matches_more_terms() -> None:
    docs = [tokenize(t) for t in ["customers orders items", "customers", "orders"]]
    top = BM25Index(docs).top(tokenize("customers and orders"), k=3)
    assert top[0][0] == 0
    assert BM25Index([]).top(["x"]) == []


def test_tokenize_splits_snake_case_and_stems_plurals() -> None:
    assert tokenize("order_items Patients e-commerce") == ["order", "item", "patient", "e-commerce", "e", "commerce"]
    assert "the" not in tokenize("the orders")


def test_every_domain_has_a_template_and_a_prose_page() -> None:
    corpus = load_corpus()
    kinds = {(d.kind, d.template) for d in corpus}
    for domain in DOMAINS:
        assert ("template", domain) in kinds, domain
        assert ("domain", domain) in kinds, domain
    guidance = {d.title for d in corpus if d.kind == "guidance"}
    assert any("functional" in t.lower() for t in guidance)
    assert any("performance" in t.lower() for t in guidance)
    assert any("security" in t.lower() for t in guidance)
    # The validator's rules are indexed by reference (their files), not copied.
    rules = [d for d in corpus if d.kind == "compliance" and d.id.startswith("rules:")]
    assert {Path(d.source or "").stem.lower() for d in rules} >= {"gdpr", "hipaa"}


def test_domain_templates_are_well_formed() -> None:
    entries = {t.name: t for t in load_templates()}
    for domain in DOMAINS:
        entry = entries[domain]
        assert entry.data_type == "custom" and entry.domain == domain and entry.tags and entry.description
        assert len(entry.schema["tables"]) >= 2, "multi-table with relationships"
        refs = [f for t in entry.schema["tables"] for f in t["fields"] if f["type"] == "reference"]
        assert refs, domain


def test_retrieval_hit_at_1_per_domain() -> None:
    report = evaluate(LocalKnowledgeBase(None, semantic=False))
    queries = load_queries()
    assert report["queries"] == sum(len(v) for v in queries.values())
    assert all(len(queries[d]) >= 3 for d in DOMAINS)
    assert report["hit_at_1"] >= 0.9, report["misses"]
    for domain in DOMAINS:
        assert report["per_template"][domain] >= 2 / 3, (domain, report["misses"])


def test_retrieval_hit_at_1_on_the_held_out_queries() -> None:
    report = evaluate(LocalKnowledgeBase(None, semantic=False), held_out=True)
    assert report["queries"] >= 20
    assert report["hit_at_1"] >= 0.8, report["misses"]


def test_retrieval_finds_guidance_and_rules() -> None:
    kb = LocalKnowledgeBase(None)
    top = kb.search("SQL injection and formula injection payloads for security testing", k=1)
    assert top[0].document.title.lower().startswith("generating data for security")
    hits = kb.search("HIPAA safe harbor identifiers", k=3, kinds=("compliance",))
    assert hits and all(h.document.kind == "compliance" for h in hits)
    assert kb.search("   ") == []


def _record(gid: str, prompt: str, template: str, created: float) -> MemoryRecord:
    schema = {
        "name": "gadgets",
        "fields": [{"name": "gadget_code", "type": "pattern"}, {"name": "zorbs", "type": "integer"}],
    }
    return MemoryRecord(
        generation_id=gid, created_at=created, prompt=prompt, template=template, domain=None, data_type="custom",
        schema=schema, volume=10, output_format="csv", locale="en_US", compliance=["GDPR"], records=1000,
        execution_time_ms=50.0, uniqueness_score=1.0, validity_score=1.0, completeness_score=0.99,
    )  # fmt: skip


def test_memory_persists_and_feeds_retrieval(tmp_path: Path) -> None:
    memory = GenerationMemory(tmp_path / "knowledge.sqlite3")
    kb = LocalKnowledgeBase(memory)
    assert not [h for h in kb.search("zorbs gadget", k=5) if h.document.kind == "memory"]
    memory.remember(_record("11111111-1111-1111-1111-111111111111", "gizmo zorbs for the lab", "iot", time.time()))
    hits = kb.search("zorbs gizmo", k=3)  # the index is rebuilt because the memory changed
    assert hits[0].document.kind == "memory"
    assert hits[0].document.metadata["schema"]["name"] == "gadgets"
    # A new process sees the same memory (it is a file beside the history).
    again = GenerationMemory(tmp_path / "knowledge.sqlite3").records()
    assert [r.generation_id for r in again] == ["11111111-1111-1111-1111-111111111111"]
    assert memory.performance("iot")["ms_per_1k_records"] == pytest.approx(50.0)
    assert again[0].ms_per_1k_records == pytest.approx(50.0)


def test_planner_reuses_a_remembered_schema(tmp_path: Path) -> None:
    from sdga.agent.planning import OfflinePlanner

    memory = GenerationMemory(tmp_path / "knowledge.sqlite3")
    memory.remember(_record("22222222-2222-2222-2222-222222222222", "zorbs and gadgets for the iot lab", "iot", 1.0))
    plan = OfflinePlanner(LocalKnowledgeBase(memory)).plan("generate 50 zorbs gadgets for the iot lab")
    assert plan.reused_generation == "22222222-2222-2222-2222-222222222222"
    assert plan.request.schema_ is not None and plan.request.schema_.name == "gadgets"
    assert any("reused from earlier generation 22222222" in a for a in plan.assumptions)


def test_heavy_use_never_makes_a_template_unplannable(tmp_path: Path) -> None:
    # Regression: 50 remembered "user profiles" runs once made "user" and "profile" common words (BM25
    # statistics over memory too) and crowded the template's own documents out of the hits, so the
    # planner refused "200 user profiles as csv" as saying too little. The more the tool is used, the
    # better it must plan, never worse.
    from sdga.agent.planning import OfflinePlanner

    memory = GenerationMemory(tmp_path / "knowledge.sqlite3")
    kb = LocalKnowledgeBase(memory, semantic=False)
    fresh = {m.template: m.score for m in kb.rank_templates("user profiles", k=3)}
    schema = {t.name: t for t in load_templates()}["user_profile"].schema
    for i in range(120):
        record = MemoryRecord(
            generation_id=f"{i:08d}-0000-0000-0000-000000000000", created_at=1000.0 + i,
            prompt="200 user profiles as csv", template="user_profile", domain="general",
            data_type="user_profile", schema=schema, volume=200, output_format="csv", locale="en_US",
            compliance=[], records=200, execution_time_ms=10.0,
        )  # fmt: skip
        memory.remember(record)
    used = kb.rank_templates("user profiles", k=3)
    assert used[0].template == "user_profile"
    assert used[0].score >= fresh["user_profile"]  # remembered runs add, they never dilute
    assert {m.template: m.score for m in used[1:]} == {k: v for k, v in fresh.items() if k != "user_profile"}
    plan = OfflinePlanner(kb).plan("200 user profiles as csv")
    assert plan.request.volume == 200 and plan.template == "user_profile"


def test_bm25_statistics_can_come_from_the_leading_documents_only() -> None:
    shipped = [tokenize(t) for t in ["user profile accounts", "payment transactions", "server log events"]]
    remembered = [tokenize("user profile again")] * 40
    alone = BM25Index(shipped)
    mixed = BM25Index(shipped + remembered, statistics_from=len(shipped))
    assert mixed.idf("user") == pytest.approx(alone.idf("user"))
    assert mixed.scores(tokenize("user profile"))[0] == pytest.approx(alone.scores(tokenize("user profile"))[0])
    # Only in remembered runs: as rare as the rarest shipped word, not as common as forty runs make it.
    assert mixed.idf("again") == pytest.approx(alone.idf("payment"))
    assert mixed.idf("unknown") == 0.0
    assert BM25Index(remembered, statistics_from=0).idf("user") > 0


def test_planner_reuses_a_remembered_custom_schema(tmp_path: Path) -> None:
    # A schema once spelled out field by field (no template) is found again by describing the data.
    from sdga.agent.planning import OfflinePlanner, PlanningError

    memory = GenerationMemory(tmp_path / "knowledge.sqlite3")
    custom = _record("33333333-3333-3333-3333-333333333333", "zorbs and gadgets for the lab", "iot", 1.0)
    memory.remember(dataclasses.replace(custom, template=None))
    plan = OfflinePlanner(LocalKnowledgeBase(memory, semantic=False)).plan("200 zorbs gadgets as parquet")
    assert plan.reused_generation == "33333333-3333-3333-3333-333333333333" and plan.template is None
    assert plan.request.schema_ is not None and plan.request.schema_.name == "gadgets"
    assert plan.request.volume == 200 and plan.request.output_format.value == "parquet"
    assert any("reused from earlier generation 33333333" in a for a in plan.assumptions)
    with pytest.raises(PlanningError):  # unrelated words still find nothing
        OfflinePlanner(LocalKnowledgeBase(memory, semantic=False)).plan("purple elephants dancing")


def test_memory_in_an_unwritable_place_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigurationError):
        GenerationMemory(blocker / "sub" / "knowledge.sqlite3")


def test_get_retriever_follows_sdga_kb_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDGA_HOME", str(tmp_path))
    assert isinstance(get_retriever("local", home=tmp_path), LocalKnowledgeBase)
    monkeypatch.delenv("SDGA_KNOWLEDGE_BASE_ID", raising=False)
    with pytest.raises(ConfigurationError):
        get_retriever("bedrock")
    with pytest.raises(ConfigurationError):
        get_retriever("nonsense")


def test_export_writes_every_document_with_metadata(tmp_path: Path) -> None:
    files = export_documents(tmp_path / "kb")
    names = {p.relative_to(tmp_path / "kb").as_posix() for p in files}
    assert "templates/ecommerce.md" in names and "templates/ecommerce.md.metadata.json" in names
    assert "domains/healthcare.md" in names and "compliance/rules/gdpr.md" in names
    assert not [n for n in names if n.endswith((".yaml", ".yml"))], "Bedrock cannot ingest YAML files"
    body = (tmp_path / "kb" / "templates" / "hr.md").read_text()
    assert "```yaml" in body and yaml.safe_load(body.split("```yaml\n", 1)[1].split("```", 1)[0])["name"] == "hr"
    meta = json.loads((tmp_path / "kb" / "templates" / "hr.md.metadata.json").read_text())
    assert meta == {"metadataAttributes": {"kind": "template", "template": "hr"}}
    assert not list((tmp_path / "kb").rglob("*.tmp"))


def _bedrock_client() -> object:
    return boto3.client(
        "bedrock-agent-runtime", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def test_bedrock_knowledge_base_maps_retrieve_results() -> None:
    client = _bedrock_client()
    stub = Stubber(client)
    stub.add_response(
        "retrieve",
        {
            "retrievalResults": [
                {
                    "content": {"text": "# Template iot (iot)\nDevices and readings"},
                    "score": 0.81,
                    "location": {"type": "S3", "s3Location": {"uri": "s3://kb/templates/iot.md"}},
                    "metadata": {"kind": "template"},
                },
                {
                    "content": {"text": "Performance testing guidance"},
                    "score": 0.42,
                    "location": {"type": "S3", "s3Location": {"uri": "s3://kb/testing/performance-testing.md"}},
                },
            ]
        },
        {
            "knowledgeBaseId": "KB12345678",
            "retrievalQuery": {"text": "sensor telemetry"},
            "retrievalConfiguration": {"vectorSearchConfiguration": {"numberOfResults": 40}},
        },
    )
    with stub:
        kb = BedrockKnowledgeBase("KB12345678", client=client)
        ranked = kb.rank_templates("sensor telemetry")
    assert ranked[0].template == "iot" and ranked[0].score == pytest.approx(0.81)
    stub.assert_no_pending_responses()


def test_bedrock_knowledge_base_errors_are_structured() -> None:
    client = _bedrock_client()
    stub = Stubber(client)
    stub.add_client_error("retrieve", service_error_code="AccessDeniedException", http_status_code=403)
    with stub, pytest.raises(DestinationError, match="retrieve failed"):
        BedrockKnowledgeBase("KB12345678", client=client).search("x")
