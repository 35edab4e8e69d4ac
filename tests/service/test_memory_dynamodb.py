"""The agent's long-term memory in the DynamoDB history table (moto server over HTTP): shared by every
Lambda instance and client of the account, never mixed into the history."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sdga.adapters.aws import client
from sdga.config import Settings
from sdga.knowledge.memory import GenerationMemory, MemoryRecord, make_memory
from sdga.models import GenerationStatus

SCHEMA = {
    "name": "gadgets",
    "fields": [{"name": "gadget_code", "type": "pattern", "constraints": {"pattern": "G-[0-9]{4}"}},
               {"name": "zorbs", "type": "integer", "constraints": {"min": 0, "max": 9}}],
}  # fmt: skip


def _record(gid: str, created: float, template: str | None = "iot", ms: float = 40.0) -> MemoryRecord:
    return MemoryRecord(
        generation_id=gid, created_at=created, prompt="zorbs and gadgets for the iot lab", template=template,
        domain=None, data_type="custom", schema=SCHEMA, volume=100, output_format="csv", locale="en_US",
        compliance=["GDPR"], records=1000, execution_time_ms=ms, uniqueness_score=1.0, validity_score=1.0,
        completeness_score=1.0,
    )  # fmt: skip


@pytest.fixture
def ddb_settings(aws_env: str, tmp_path: Path, unique_suffix: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    from sdga.adapters.dynamodb import create_table

    table = f"generations-{unique_suffix}"
    monkeypatch.setenv("SDGA_HISTORY_BACKEND", "dynamodb")
    monkeypatch.setenv("SDGA_HISTORY_TABLE", table)
    s = Settings(home=tmp_path / "home", history_backend="dynamodb", history_table=table, background_threshold=0)
    create_table(s)
    return s


@pytest.fixture
def fresh_retrievers() -> Iterator[None]:
    from sdga.knowledge import retriever

    retriever._cache.clear()
    yield
    retriever._cache.clear()


def test_memory_follows_the_history_backend(ddb_settings: Settings, tmp_path: Path) -> None:
    from sdga.knowledge.dynamodb import DynamoMemory

    assert isinstance(make_memory(ddb_settings), DynamoMemory)
    assert isinstance(make_memory(Settings(home=tmp_path / "laptop", history_backend="sqlite")), GenerationMemory)


def test_remember_read_newest_first_and_measure(ddb_settings: Settings) -> None:
    from sdga.knowledge.dynamodb import DynamoMemory

    memory = DynamoMemory(ddb_settings)
    assert memory.records() == [] and memory.version() == (0, 0.0)
    memory.remember(_record("aaaaaaaa-0000-4000-8000-000000000001", 1_000.0, ms=40.0))
    memory.remember(_record("aaaaaaaa-0000-4000-8000-000000000002", 2_000.0, template="hr", ms=80.0))
    other_instance = DynamoMemory(ddb_settings)  # another Lambda sandbox: nothing cached, same table
    got = other_instance.records()
    assert [r.generation_id[-1] for r in got] == ["2", "1"]
    assert got[1].schema == SCHEMA and got[1].compliance == ["GDPR"]
    assert other_instance.version() == (2, 2_000.0)
    assert other_instance.performance("iot") == {"runs": 1.0, "ms_per_1k_records": pytest.approx(40.0)}
    assert other_instance.performance()["ms_per_1k_records"] == pytest.approx(60.0)

    # Memory items are not generations: no history listing or status lookup ever returns them.
    from sdga.adapters.dynamodb import DynamoHistory

    assert DynamoHistory(ddb_settings).list(limit=50) == []
    assert DynamoHistory(ddb_settings).get("aaaaaaaa-0000-4000-8000-000000000001") is None
    items = client("dynamodb", ddb_settings).scan(TableName=ddb_settings.history_table)["Items"]
    assert {i["status"]["S"] for i in items} == {"memory"}
    assert all(int(i["expires_at"]["N"]) > time.time() + 80 * 86400 for i in items)  # the history's TTL


def test_expired_and_damaged_items_are_skipped(ddb_settings: Settings) -> None:
    from sdga.knowledge.dynamodb import DynamoMemory

    memory = DynamoMemory(ddb_settings)
    memory.remember(_record("bbbbbbbb-0000-4000-8000-000000000001", 1_000.0))
    ddb = client("dynamodb", ddb_settings)
    base = {"status": {"S": "memory"}}
    ddb.put_item(  # past its TTL but not yet deleted by DynamoDB
        TableName=ddb_settings.history_table,
        Item={**base, "generation_id": {"S": "memory#old"}, "timestamp": {"N": "5"}, "expires_at": {"N": "10"},
              "memory": {"S": '{"generation_id": "old"}'}},
    )  # fmt: skip
    ddb.put_item(
        TableName=ddb_settings.history_table,
        Item={**base, "generation_id": {"S": "memory#bad"}, "timestamp": {"N": "6"}, "memory": {"S": "not json"}},
    )
    assert [r.generation_id for r in DynamoMemory(ddb_settings).records()] == ["bbbbbbbb-0000-4000-8000-000000000001"]


def test_a_run_remembered_by_one_instance_is_reused_by_another(
    ddb_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_retrievers: None
) -> None:
    """The agent in one Lambda sandbox remembers; a new sandbox (empty /tmp) plans with that memory."""
    from sdga.agent import OfflinePlanner
    from sdga.agent.offline import OfflineBackend
    from sdga.knowledge import get_retriever
    from sdga.service import SyntheticDataService

    monkeypatch.setenv("SDGA_HOME", str(tmp_path / "sandbox-1"))
    first = OfflineBackend(service=SyntheticDataService(ddb_settings)).ask(
        "300 widget inventory records with fields gizmo code, sprocket count and warehouse city as csv"
    )
    assert first.response is not None and first.response.status == GenerationStatus.SUCCESS
    remembered = make_memory(ddb_settings).records()
    assert [r.generation_id for r in remembered] == [first.response.generation_id]
    assert not (tmp_path / "sandbox-1" / "knowledge.sqlite3").exists()  # nothing kept in the sandbox

    from sdga.knowledge import retriever

    retriever._cache.clear()
    monkeypatch.setenv("SDGA_HOME", str(tmp_path / "sandbox-2"))
    plan = OfflinePlanner(get_retriever()).plan("generate 50 widget inventory records with gizmo codes")
    assert plan.reused_generation == first.response.generation_id
    assert plan.request.schema_ is not None
    names = {f.name for f in plan.request.schema_.fields}
    assert {"gizmo_code", "sprocket_count", "warehouse_city"} <= names
