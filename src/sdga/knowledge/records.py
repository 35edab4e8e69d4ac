"""What the agent's long-term memory stores: one record per successful generation, and the store's interface.

A leaf module (plain data and JSON), so that every backend — SQLite beside the history
(:class:`sdga.knowledge.memory.GenerationMemory`) and the DynamoDB history table
(:class:`sdga.knowledge.dynamodb.DynamoMemory`) — can use the record without importing the others.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Protocol

from sdga.knowledge.corpus import Document


@dataclass(frozen=True)
class MemoryRecord:
    """One remembered generation."""

    generation_id: str
    created_at: float
    prompt: str
    template: str | None
    domain: str | None
    data_type: str
    schema: dict[str, Any]
    volume: int
    output_format: str
    locale: str
    compliance: list[str]
    records: int
    execution_time_ms: float
    uniqueness_score: float | None = None
    validity_score: float | None = None
    completeness_score: float | None = None

    @property
    def ms_per_1k_records(self) -> float | None:
        return self.execution_time_ms * 1000.0 / self.records if self.records else None

    def to_document(self) -> Document:
        """The record as a searchable document: its prompt, template and field names."""
        fields: list[str] = []
        tables = self.schema.get("tables") or [
            {"name": self.schema.get("name") or "", "fields": self.schema.get("fields") or []}
        ]
        for table in tables:
            fields.append(str(table.get("name") or ""))
            fields.extend(str(f.get("name", "")) for f in table.get("fields") or [])
        text = "\n".join(
            [self.prompt, f"{self.template or ''} {self.domain or ''} {self.data_type}", "Fields: " + " ".join(fields)]
        )
        return Document(
            id=f"memory:{self.generation_id}",
            title=f"Earlier generation {self.generation_id[:8]}: {self.prompt[:60]}",
            text=text,
            kind="memory",
            template=self.template,
            source=f"memory:{self.generation_id}",
            metadata={"generation_id": self.generation_id, "schema": self.schema, "created_at": self.created_at},
        )


class MemoryStore(Protocol):
    """What the knowledge base and the agent need of a memory backend."""

    def remember(self, record: MemoryRecord) -> None: ...

    def records(self, limit: int = 5000) -> list[MemoryRecord]: ...

    def count(self) -> int: ...

    def version(self) -> tuple[int, float]:
        """Changes whenever a generation is remembered (the index is rebuilt then)."""
        ...

    def performance(self, template: str | None = None) -> dict[str, float]: ...


def performance_of(records: list[MemoryRecord], template: str | None = None) -> dict[str, float]:
    """Average generation time per 1,000 records over ``records`` (overall or for one template)."""
    chosen = [r for r in records if template is None or r.template == template]
    total = sum(r.records for r in chosen)
    if not total:
        return {"runs": float(len(chosen))}
    return {"runs": float(len(chosen)), "ms_per_1k_records": sum(r.execution_time_ms for r in chosen) * 1000.0 / total}


def memory_to_json(record: MemoryRecord) -> str:
    return json.dumps(dataclasses.asdict(record), sort_keys=True, separators=(",", ":"))


def memory_from_json(text: str) -> MemoryRecord:
    data = json.loads(text)
    known = {f.name for f in dataclasses.fields(MemoryRecord)}
    return MemoryRecord(**{k: v for k, v in data.items() if k in known})
