"""Generation history: one record per generation, moved through pending → running → success|partial|failed.

Two backends share one model and one set of rules: SQLite (default; a file in ``SDGA_HOME``) and DynamoDB
(:mod:`sdga.adapters.dynamodb`, the table ``synthetic-data-generations``). Transitions are enforced in the
store itself (a conditional write), so two workers can never both finish the same generation.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, Field

from sdga.errors import ConfigurationError, InvalidInputError
from sdga.models import GenerateDataResponse, GenerationStatus

log = logging.getLogger("sdga.history")

TERMINAL = frozenset({GenerationStatus.SUCCESS, GenerationStatus.PARTIAL, GenerationStatus.FAILED})
# Which states a record may be in before it moves to the key state.
ALLOWED_FROM: dict[GenerationStatus, frozenset[GenerationStatus]] = {
    GenerationStatus.PENDING: frozenset(),
    GenerationStatus.RUNNING: frozenset({GenerationStatus.PENDING, GenerationStatus.RUNNING}),  # progress updates
    GenerationStatus.SUCCESS: frozenset({GenerationStatus.PENDING, GenerationStatus.RUNNING}),
    GenerationStatus.PARTIAL: frozenset({GenerationStatus.PENDING, GenerationStatus.RUNNING}),
    GenerationStatus.FAILED: frozenset({GenerationStatus.PENDING, GenerationStatus.RUNNING}),
}


class TransitionError(Exception):
    """The record is not in a state that allows the requested transition (or does not exist)."""


def allowed_states(target: GenerationStatus, expected: Collection[GenerationStatus] | None = None) -> list[str]:
    """The stored states from which a record may move to ``target`` (narrowed to ``expected`` if given)."""
    allowed = ALLOWED_FROM[target] if expected is None else ALLOWED_FROM[target] & frozenset(expected)
    if not allowed:
        raise ValueError(f"no stored state may move to {target.value} (expected {sorted(expected or [])})")
    return sorted(s.value for s in allowed)


class GenerationRecord(BaseModel):
    """One generation as the history keeps it. ``response`` is what ``status`` answers."""

    generation_id: str
    timestamp: int = Field(description="Creation time, milliseconds since the epoch (the DynamoDB sort key).")
    status: GenerationStatus
    updated_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    data_type: str | None = None
    volume: int | None = None
    output_format: str | None = None
    destination_type: str | None = None
    output_location: str | None = None
    records_generated: int = 0
    execution_time_ms: float = 0.0
    errors: list[str] = Field(default_factory=list)
    expires_at: int | None = Field(default=None, description="Epoch seconds after which the record may vanish.")
    worker: str | None = Field(
        default=None, description="host:pid:start of the process running it (see sdga.adapters.worker)."
    )
    request: dict[str, Any] | None = Field(default=None, description="The request (secrets redacted).")
    response: GenerateDataResponse | None = None

    @property
    def created_date(self) -> str:
        return datetime.fromtimestamp(self.timestamp / 1000, UTC).strftime("%Y-%m-%d")

    def summary(self) -> dict[str, Any]:
        """The compact row ``history`` lists (no request, no metrics detail)."""
        return {
            "generation_id": self.generation_id,
            "created_at": datetime.fromtimestamp(self.timestamp / 1000, UTC).isoformat(),
            "status": self.status.value,
            "data_type": self.data_type,
            "volume": self.volume,
            "output_format": self.output_format,
            "destination_type": self.destination_type,
            "records_generated": self.records_generated,
            "execution_time_ms": round(self.execution_time_ms, 3),
            "output_location": self.output_location,
            "errors": self.errors[:3],
        }


# DynamoDB items are limited to 400 KB; records stay well below that on every backend.
MAX_RECORD_BYTES = 350_000


def storable_json(record: GenerationRecord, limit: int = MAX_RECORD_BYTES) -> str:
    """The record as stored: never the inline rows, and detail dropped (scores kept) if it is too large."""
    data = record.model_dump(mode="json", by_alias=True)
    response = data.get("response") or {}
    response.pop("data", None)
    text = json.dumps(data, separators=(",", ":"))
    if len(text.encode()) <= limit:
        return text
    metrics = response.get("data_quality_metrics") or {}
    for key in ("field_statistics", "distribution_analysis", "tables", "fidelity"):
        metrics.pop(key, None)
    if isinstance(data.get("request"), dict):
        data["request"].pop("schema", None)
    response["warnings"] = [*(response.get("warnings") or [])[:20], "history record trimmed: see the stored report"]
    response["output_files"] = (response.get("output_files") or [])[:200]
    text = json.dumps(data, separators=(",", ":"))
    if len(text.encode()) > limit:  # pathological: keep only what status needs
        data["request"] = None
        response["errors"] = [e[:500] for e in (response.get("errors") or [])[:5]]
        response["warnings"] = response["warnings"][-5:]
        response["output_files"] = response["output_files"][:20]
        text = json.dumps(data, separators=(",", ":"))
    return text


def now_ms() -> int:
    return int(time.time() * 1000)


class HistoryStore(Protocol):
    def create(self, record: GenerationRecord) -> None: ...

    def get(self, generation_id: str) -> GenerationRecord | None: ...

    def transition(self, record: GenerationRecord, *, expected: Collection[GenerationStatus] | None = None) -> None:
        """Store ``record`` if the stored status allows moving to ``record.status``; else TransitionError.

        ``expected`` narrows the allowed stored states (e.g. only ``pending`` when a worker claims a job).
        """
        ...

    def list(
        self, *, limit: int = 50, status: GenerationStatus | None = None, since: datetime | None = None
    ) -> list[GenerationRecord]: ...


class SqliteHistory:
    """History in a SQLite file; safe from several threads and processes (WAL, short transactions)."""

    # Expired records are deleted at most this often, on a write (DynamoDB's TTL does it by itself).
    PURGE_EVERY_S = 3600.0

    def __init__(self, path: Path, *, on_expired: Callable[[list[str]], None] | None = None) -> None:
        self.path = path
        self.on_expired = on_expired
        self._local = threading.local()
        self._last_purge = float("-inf")
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._conn() as conn:
            conn.executescript(
                """
                CREATE TABLE IF NOT EXISTS generations (
                    generation_id TEXT PRIMARY KEY,
                    timestamp INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    created_date TEXT NOT NULL,
                    expires_at INTEGER,
                    record TEXT NOT NULL
                );
                CREATE INDEX IF NOT EXISTS generations_status_ts ON generations (status, timestamp DESC);
                CREATE INDEX IF NOT EXISTS generations_ts ON generations (timestamp DESC);
                """
            )

    @contextmanager
    def _conn(self) -> Iterator[sqlite3.Connection]:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA busy_timeout=30000")
            except sqlite3.Error as exc:
                raise ConfigurationError(f"cannot open the history database {self.path}: {exc}") from exc
            self._local.conn = conn
        yield conn

    def create(self, record: GenerationRecord) -> None:
        with self._conn() as conn:
            try:
                conn.execute(
                    "INSERT INTO generations (generation_id, timestamp, status, created_date, expires_at, record)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        record.generation_id,
                        record.timestamp,
                        record.status.value,
                        record.created_date,
                        record.expires_at,
                        storable_json(record),
                    ),
                )
            except sqlite3.IntegrityError as exc:
                raise InvalidInputError(f"generation {record.generation_id} already exists") from exc
        if time.monotonic() - self._last_purge >= self.PURGE_EVERY_S:
            self._last_purge = time.monotonic()
            self.purge_expired()

    def get(self, generation_id: str) -> GenerationRecord | None:
        with self._conn() as conn:
            row = conn.execute("SELECT record FROM generations WHERE generation_id = ?", (generation_id,)).fetchone()
        return GenerationRecord.model_validate_json(row[0]) if row else None

    def transition(self, record: GenerationRecord, *, expected: Collection[GenerationStatus] | None = None) -> None:
        allowed = allowed_states(record.status, expected)
        record.updated_at = datetime.now(UTC)
        with self._conn() as conn:
            cur = conn.execute(
                f"UPDATE generations SET status = ?, record = ?, expires_at = ? WHERE generation_id = ?"
                f" AND status IN ({','.join('?' * len(allowed))})",
                (
                    record.status.value,
                    storable_json(record),
                    record.expires_at,
                    record.generation_id,
                    *allowed,
                ),
            )
        if cur.rowcount != 1:
            raise TransitionError(f"generation {record.generation_id} cannot move to {record.status.value}")

    def list(
        self, *, limit: int = 50, status: GenerationStatus | None = None, since: datetime | None = None
    ) -> list[GenerationRecord]:
        sql = "SELECT record FROM generations WHERE 1=1"
        args: list[Any] = []
        if status is not None:
            sql += " AND status = ?"
            args.append(status.value)
        if since is not None:
            sql += " AND timestamp >= ?"
            args.append(int(since.timestamp() * 1000))
        now_s = int(time.time())
        sql += " AND (expires_at IS NULL OR expires_at > ?) ORDER BY timestamp DESC LIMIT ?"
        args += [now_s, max(1, min(limit, 1000))]
        with self._conn() as conn:
            rows = conn.execute(sql, args).fetchall()
        return [GenerationRecord.model_validate_json(r[0]) for r in rows]

    def purge_expired(self) -> int:
        """Delete records past ``expires_at`` (DynamoDB's TTL does this by itself), then tell
        ``on_expired`` their ids (the service deletes their stored results)."""
        now = int(time.time())
        with self._conn() as conn:
            ids = [
                str(r[0])
                for r in conn.execute(
                    "SELECT generation_id FROM generations WHERE expires_at IS NOT NULL AND expires_at <= ?", (now,)
                ).fetchall()
            ]
            if ids:
                conn.executemany("DELETE FROM generations WHERE generation_id = ?", [(i,) for i in ids])
        if ids and self.on_expired is not None:
            try:
                self.on_expired(ids)
            except Exception:  # clean-up is best effort; the records are gone either way
                log.warning("could not remove the stored results of %d expired generations", len(ids), exc_info=True)
        return len(ids)
