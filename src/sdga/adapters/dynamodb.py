"""Generation history in DynamoDB (table ``synthetic-data-generations``).

Key schema (Terraform creates the same): partition key ``generation_id`` (S), sort key ``timestamp``
(N, creation time in ms); global secondary index ``status-timestamp-index`` (partition ``status`` S, sort
``timestamp`` N) for "list by status and date"; TTL attribute ``expires_at`` (epoch seconds). A record
also carries ``created_date`` (YYYY-MM-DD) for readability. The whole record is stored as JSON in
``record`` beside the indexed scalar attributes, so the model can grow without migrations.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from sdga.adapters.aws import client, error_code
from sdga.adapters.history import GenerationRecord, TransitionError, allowed_states, storable_json
from sdga.config import Settings
from sdga.errors import ConfigurationError, InvalidInputError
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

    def put_item(self, item: dict[str, Any]) -> None:
        """Store one raw item in the table (the agent's memory keeps its items here too)."""
        self._call("put_item", self._ddb.put_item, TableName=self.table, Item=item)

    def query(self, **kwargs: Any) -> dict[str, Any]:
        """One page of a raw query on the table (``TableName`` is this table)."""
        page: dict[str, Any] = self._call("query", self._ddb.query, TableName=self.table, **kwargs)
        return page

    def get_item(self, key: dict[str, Any]) -> dict[str, Any] | None:
        """One raw item by its full key, read consistently; None when there is none."""
        got = self._call("get_item", self._ddb.get_item, TableName=self.table, ConsistentRead=True, Key=key)
        item: dict[str, Any] | None = got.get("Item")
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
