"""The agent's long-term memory in the DynamoDB history table, shared by every function and client.

The items live beside the generation records (``generation_id`` = ``memory#<id>``, ``status`` =
``memory``), read through the table's status index and written by the history adapter.
"""

from __future__ import annotations

import time
from typing import Any

from sdga.adapters.dynamodb import MEMORY_KEY_PREFIX, MEMORY_PARTITION, STATUS_INDEX, DynamoHistory
from sdga.config import Settings
from sdga.knowledge.records import MemoryRecord, memory_from_json, memory_to_json, performance_of


class DynamoMemory:
    """The agent's long-term memory in the history table, shared by every function and client.

    One small item per remembered generation (``generation_id`` = ``memory#<id>``, ``status`` =
    ``memory``), read newest first through the status index; it expires with the history (same TTL).
    Reads are cached for ``refresh_s`` seconds so that a knowledge-base search does not cost a query.
    """

    def __init__(self, settings: Settings, table: str | None = None, *, refresh_s: float = 30.0) -> None:
        self.settings = settings
        self.table = table or settings.history_table
        self.refresh_s = refresh_s
        self._cached: tuple[float, list[MemoryRecord]] | None = None

    def _history(self) -> DynamoHistory:
        return DynamoHistory(self.settings, self.table)

    def remember(self, record: MemoryRecord) -> None:
        created_ms = int((record.created_at or time.time()) * 1000)
        item: dict[str, Any] = {
            "generation_id": {"S": MEMORY_KEY_PREFIX + record.generation_id},
            "timestamp": {"N": str(created_ms)},
            "status": {"S": MEMORY_PARTITION},
            "memory": {"S": memory_to_json(record)},
        }
        days = self.settings.history_ttl_days
        if days:
            item["expires_at"] = {"N": str(int(time.time()) + days * 86400)}
        history = self._history()
        history.put_item(item)
        self._cached = None

    def records(self, limit: int = 5000) -> list[MemoryRecord]:
        """Newest first; expired items (TTL deletion lags) are left out."""
        now = time.monotonic()
        if self._cached is not None and now - self._cached[0] < self.refresh_s and limit <= 5000:
            return self._cached[1][:limit]
        history = self._history()
        kwargs: dict[str, Any] = {
            "IndexName": STATUS_INDEX,
            "KeyConditionExpression": "#st = :s",
            "ExpressionAttributeNames": {"#st": "status"},
            "ExpressionAttributeValues": {":s": {"S": MEMORY_PARTITION}},
            "ScanIndexForward": False,
        }
        out: list[MemoryRecord] = []
        now_s = int(time.time())
        while len(out) < limit:
            page = history.query(**kwargs)
            for item in page.get("Items", []):
                expires = item.get("expires_at", {}).get("N")
                if expires and int(expires) <= now_s:
                    continue
                if "memory" not in item:  # KEYS_ONLY projection: fetch the item itself
                    key = {"generation_id": item["generation_id"], "timestamp": item["timestamp"]}
                    item = history.get_item(key) or {}
                if "memory" in item:
                    try:
                        out.append(memory_from_json(item["memory"]["S"]))
                    except (ValueError, TypeError):  # a damaged item must not break retrieval
                        continue
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        out = out[:limit]
        if limit >= 5000 or len(out) < limit:
            self._cached = (now, out)
        return out

    def count(self) -> int:
        return len(self.records())

    def version(self) -> tuple[int, float]:
        records = self.records()
        return len(records), max((r.created_at for r in records), default=0.0)

    def performance(self, template: str | None = None) -> dict[str, float]:
        return performance_of(self.records(), template)
