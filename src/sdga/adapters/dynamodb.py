"""Generation history in DynamoDB (table ``synthetic-data-generations``).

Key schema (Terraform creates the same): partition key ``generation_id`` (S), sort key ``timestamp``
(N, creation time in ms); global secondary index ``status-timestamp-index`` (partition ``status`` S, sort
``timestamp`` N) for "list by status and date"; TTL attribute ``expires_at`` (epoch seconds). A record
also carries ``created_date`` (YYYY-MM-DD) for readability. The whole record is stored as JSON in
``record`` beside the indexed scalar attributes, so the model can grow without migrations.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from sdga.adapters.aws import client, error_code
from sdga.adapters.history import GenerationRecord, TransitionError, allowed_states, storable_json
from sdga.config import Settings
from sdga.errors import ConfigurationError, InvalidInputError
from sdga.knowledge.memory import MemoryRecord, memory_from_json, memory_to_json, performance_of
from sdga.models import GenerationStatus

STATUS_INDEX = "status-timestamp-index"
# Memory items share the table: their status partition is one no generation can have, so the history's
# per-status queries never see them, and their keys are not UUIDs, so status/download cannot reach them.
MEMORY_PARTITION = "memory"
MEMORY_KEY_PREFIX = "memory#"


class DynamoHistory:
    def __init__(self, settings: Settings, table: str | None = None) -> None:
        self.settings = settings
        self.table = table or settings.history_table

    @property
    def _ddb(self) -> Any:
        return client("dynamodb", self.settings)

    def _item(self, record: GenerationRecord) -> dict[str, Any]:
        item: dict[str, Any] = {
            "generation_id": {"S": record.generation_id},
            "timestamp": {"N": str(record.timestamp)},
            "status": {"S": record.status.value},
            "created_date": {"S": record.created_date},
            "updated_at": {"S": record.updated_at.isoformat()},
            "records_generated": {"N": str(record.records_generated)},
            # Inline rows dropped and detail trimmed: DynamoDB refuses items over 400 KB, and a refused
            # final write would leave a published generation 'running' in the history.
            "record": {"S": storable_json(record)},
        }
        if record.expires_at:
            item["expires_at"] = {"N": str(record.expires_at)}
        if record.data_type:
            item["data_type"] = {"S": record.data_type}
        return item

    def _call(self, what: str, fn: Any, **kwargs: Any) -> Any:
        try:
            return fn(**kwargs)
        except Exception as exc:
            code = error_code(exc)
            if code == "ConditionalCheckFailedException":
                raise
            raise ConfigurationError(
                f"history table {self.table!r}: {what} failed: {code or type(exc).__name__}: {exc}",
                details={"table": self.table, "aws_error": code},
            ) from exc

    def create(self, record: GenerationRecord) -> None:
        # The condition below only sees an item with the same (generation_id, timestamp) key, and a re-run
        # with the same id has a new timestamp: without this look-up it would become a second record.
        if self.get(record.generation_id) is not None:
            raise InvalidInputError(f"generation {record.generation_id} already exists")
        try:
            self._call(
                "put_item",
                self._ddb.put_item,
                TableName=self.table,
                Item=self._item(record),
                ConditionExpression="attribute_not_exists(generation_id)",
            )
        except Exception as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise InvalidInputError(f"generation {record.generation_id} already exists") from exc
            raise

    def get(self, generation_id: str) -> GenerationRecord | None:
        out = self._call(
            "query",
            self._ddb.query,
            TableName=self.table,
            KeyConditionExpression="generation_id = :g",
            ExpressionAttributeValues={":g": {"S": generation_id}},
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
        )
        items = out.get("Items", [])
        return GenerationRecord.model_validate_json(items[0]["record"]["S"]) if items else None

    def transition(self, record: GenerationRecord, *, expected: Collection[GenerationStatus] | None = None) -> None:
        allowed = allowed_states(record.status, expected)
        record.updated_at = datetime.now(UTC)
        names = {f":s{i}": {"S": v} for i, v in enumerate(allowed)}
        try:
            self._call(
                "put_item",
                self._ddb.put_item,
                TableName=self.table,
                Item=self._item(record),
                ConditionExpression=f"attribute_exists(generation_id) AND #st IN ({', '.join(names)})",
                ExpressionAttributeNames={"#st": "status"},
                ExpressionAttributeValues=names,
            )
        except Exception as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise TransitionError(
                    f"generation {record.generation_id} cannot move to {record.status.value}"
                ) from exc
            raise

    def list(
        self, *, limit: int = 50, status: GenerationStatus | None = None, since: datetime | None = None
    ) -> list[GenerationRecord]:
        """Newest first. Queries the status index (one query per status when none is given: no scans)."""
        limit = max(1, min(limit, 1000))
        statuses = [status] if status is not None else list(GenerationStatus)
        since_ms = int(since.timestamp() * 1000) if since else 0
        now_s = int(datetime.now(UTC).timestamp())
        streams: list[list[GenerationRecord]] = []
        for st in statuses:
            rows: list[GenerationRecord] = []
            kwargs: dict[str, Any] = {
                "TableName": self.table,
                "IndexName": STATUS_INDEX,
                "KeyConditionExpression": "#st = :s AND #ts >= :t",
                # Expired items linger until TTL deletion (up to days): filtered by the query, so the
                # loop below keeps reading until it has ``limit`` live rows.
                "FilterExpression": "attribute_not_exists(#exp) OR #exp > :now",
                "ExpressionAttributeNames": {"#st": "status", "#ts": "timestamp", "#exp": "expires_at"},
                "ExpressionAttributeValues": {
                    ":s": {"S": st.value},
                    ":t": {"N": str(since_ms)},
                    ":now": {"N": str(now_s)},
                },
                "ScanIndexForward": False,
                "Limit": limit,
            }
            while len(rows) < limit:
                out = self._call("query", self._ddb.query, **kwargs)
                for item in out.get("Items", []):
                    if "record" not in item:  # KEYS_ONLY projection: fetch the record itself
                        full = self.get(item["generation_id"]["S"])
                        if full is not None:
                            rows.append(full)
                        continue
                    rows.append(GenerationRecord.model_validate_json(item["record"]["S"]))
                if "LastEvaluatedKey" not in out:
                    break
                kwargs["ExclusiveStartKey"] = out["LastEvaluatedKey"]
            streams.append([r for r in rows if not r.expires_at or r.expires_at > now_s])
        merged = heapq.merge(*streams, key=lambda r: -r.timestamp)
        return [r for _, r in zip(range(limit), merged, strict=False)]


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
        history._call("put_item", history._ddb.put_item, TableName=self.table, Item=item)
        self._cached = None

    def records(self, limit: int = 5000) -> list[MemoryRecord]:
        """Newest first; expired items (TTL deletion lags) are left out."""
        now = time.monotonic()
        if self._cached is not None and now - self._cached[0] < self.refresh_s and limit <= 5000:
            return self._cached[1][:limit]
        history = self._history()
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": STATUS_INDEX,
            "KeyConditionExpression": "#st = :s",
            "ExpressionAttributeNames": {"#st": "status"},
            "ExpressionAttributeValues": {":s": {"S": MEMORY_PARTITION}},
            "ScanIndexForward": False,
        }
        out: list[MemoryRecord] = []
        now_s = int(time.time())
        while len(out) < limit:
            page = history._call("query", history._ddb.query, **kwargs)
            for item in page.get("Items", []):
                expires = item.get("expires_at", {}).get("N")
                if expires and int(expires) <= now_s:
                    continue
                if "memory" not in item:  # KEYS_ONLY projection: fetch the item itself
                    got = history._call(
                        "get_item", history._ddb.get_item, TableName=self.table, ConsistentRead=True,
                        Key={"generation_id": item["generation_id"], "timestamp": item["timestamp"]},
                    )  # fmt: skip
                    item = got.get("Item") or {}
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


def create_table(settings: Settings, table: str | None = None) -> None:
    """Create the history table as Terraform does (local emulators and tests); waits until it is active."""
    ddb = client("dynamodb", settings)
    name = table or settings.history_table
    ddb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "generation_id", "AttributeType": "S"},
            {"AttributeName": "timestamp", "AttributeType": "N"},
            {"AttributeName": "status", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "generation_id", "KeyType": "HASH"},
            {"AttributeName": "timestamp", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": STATUS_INDEX,
                "KeySchema": [
                    {"AttributeName": "status", "KeyType": "HASH"},
                    {"AttributeName": "timestamp", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    ddb.get_waiter("table_exists").wait(TableName=name)
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"})
