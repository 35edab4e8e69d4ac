"""Long-term memory: schemas of past successful generations, kept beside the history.

The agent records every successful run (prompt, template, the schema it ran, volume, format, timing and
quality scores). The local retriever indexes these rows next to the shipped documents, so a later request
for similar data reuses a schema that already worked ("schemas used before for similar data types").
Where the history is SQLite the memory is a SQLite file beside it (:class:`GenerationMemory`); where the
history is DynamoDB the memory lives in the same table (:class:`sdga.knowledge.dynamodb.DynamoMemory`), so
every Lambda instance and every laptop pointed at the account share it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sdga.errors import ConfigurationError
from sdga.knowledge.records import (
    MemoryRecord,
    MemoryStore,
    memory_from_json,
    memory_to_json,
    performance_of,
)

if TYPE_CHECKING:
    from sdga.config import Settings

MEMORY_FILE = "knowledge.sqlite3"

_DDL = """
CREATE TABLE IF NOT EXISTS generations (
    generation_id     TEXT PRIMARY KEY,
    created_at        REAL NOT NULL,
    prompt            TEXT NOT NULL,
    template          TEXT,
    domain            TEXT,
    data_type         TEXT NOT NULL,
    schema_json       TEXT NOT NULL,
    volume            INTEGER NOT NULL,
    output_format     TEXT NOT NULL,
    locale            TEXT NOT NULL,
    compliance        TEXT NOT NULL,
    records           INTEGER NOT NULL,
    execution_time_ms REAL NOT NULL,
    uniqueness_score  REAL,
    validity_score    REAL,
    completeness_score REAL
)
"""


def default_home() -> Path:
    """SDGA_HOME (default ``~/.sdga``; ``/tmp/sdga`` inside Lambda), the directory that holds the history."""
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME") and not os.environ.get("SDGA_HOME"):
        path = Path("/tmp/sdga")  # the only writable place in Lambda, as for the service
        path.mkdir(parents=True, exist_ok=True)
        return path
    try:
        from sdga.config import load_settings

        return load_settings().home_dir
    except ImportError:  # the service layer is optional for the knowledge base
        path = Path(os.environ.get("SDGA_HOME") or "~/.sdga").expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path


def make_memory(settings: Settings | None = None, *, home: Path | None = None) -> MemoryStore:
    """The memory that goes with the history: in its DynamoDB table when the history is there
    (``SDGA_HISTORY_BACKEND=dynamodb``), else ``knowledge.sqlite3`` in ``home`` (default: SDGA_HOME)."""
    if settings is None:
        try:
            from sdga.config import load_settings

            settings = load_settings()
        except ImportError:  # the service layer is optional for the knowledge base
            settings = None
    if settings is not None and settings.history_backend == "dynamodb":
        from sdga.knowledge.dynamodb import DynamoMemory

        return DynamoMemory(settings)
    if home is None and settings is not None:
        home = settings.home_dir
    return GenerationMemory(home / MEMORY_FILE if home else None)


class GenerationMemory:
    """SQLite-backed store of successful generations (one small file, safe for concurrent readers)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_home() / MEMORY_FILE
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._conn() as conn:
                conn.execute(_DDL)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigurationError(f"cannot open the knowledge memory at {self.path}: {exc}") from exc

    @contextmanager
    def _conn(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            with conn:
                yield conn
        finally:
            conn.close()

    def remember(self, record: MemoryRecord) -> None:
        """Store (or replace) one generation."""
        row = (
            record.generation_id, record.created_at or time.time(), record.prompt, record.template, record.domain,
            record.data_type, json.dumps(record.schema, sort_keys=True), record.volume, record.output_format,
            record.locale, json.dumps(record.compliance), record.records, record.execution_time_ms,
            record.uniqueness_score, record.validity_score, record.completeness_score,
        )  # fmt: skip
        with self._conn() as conn:
            conn.execute(f"INSERT OR REPLACE INTO generations VALUES ({','.join('?' * len(row))})", row)

    def records(self, limit: int = 5000) -> list[MemoryRecord]:
        """The most recent generations, newest first."""
        with self._conn() as conn:
            rows = conn.execute("SELECT * FROM generations ORDER BY created_at DESC LIMIT ?", (limit,)).fetchall()
        return [
            MemoryRecord(
                generation_id=r[0],
                created_at=r[1],
                prompt=r[2],
                template=r[3],
                domain=r[4],
                data_type=r[5],
                schema=json.loads(r[6]),
                volume=r[7],
                output_format=r[8],
                locale=r[9],
                compliance=json.loads(r[10]),
                records=r[11],
                execution_time_ms=r[12],
                uniqueness_score=r[13],
                validity_score=r[14],
                completeness_score=r[15],
            )
            for r in rows
        ]

    def count(self) -> int:
        with self._conn() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM generations").fetchone()[0])

    def version(self) -> tuple[int, float]:
        """(row count, newest timestamp): changes whenever a generation is remembered."""
        with self._conn() as conn:
            n, newest = conn.execute("SELECT COUNT(*), MAX(created_at) FROM generations").fetchone()
        return int(n), float(newest or 0.0)

    def performance(self, template: str | None = None) -> dict[str, float]:
        """Average generation time per 1,000 records (overall or for one template): planning hints."""
        sql = "SELECT SUM(execution_time_ms), SUM(records), COUNT(*) FROM generations"
        args: tuple[Any, ...] = ()
        if template:
            sql += " WHERE template = ?"
            args = (template,)
        with self._conn() as conn:
            ms, records, runs = conn.execute(sql, args).fetchone()
        if not records:
            return {"runs": float(runs or 0)}
        return {"runs": float(runs), "ms_per_1k_records": float(ms) * 1000.0 / float(records)}


__all__ = [
    "MEMORY_FILE",
    "GenerationMemory",
    "MemoryRecord",
    "MemoryStore",
    "default_home",
    "make_memory",
    "memory_from_json",
    "memory_to_json",
    "performance_of",
]
