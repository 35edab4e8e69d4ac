"""The rows quality metrics (and the inline destination) look at, kept while the batches stream past.

Measuring never needs a second pass over a large output, nor a reader for formats the metrics do not
parse (SQL, XML): the first ``limit`` rows of every table are kept in memory as they go to the writer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa


class Sampler:
    """Keeps the first ``limit`` rows of every table as its batches stream to the writer."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept: dict[str, list[pa.RecordBatch]] = {}
        self.rows: dict[str, int] = {}  # rows kept per table
        self.seen: dict[str, int] = {}  # rows that went past per table

    def tee(self, table: str, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        """``batches`` unchanged, keeping their first rows on the way."""
        kept = self.kept.setdefault(table, [])
        for batch in batches:
            have = self.rows.get(table, 0)
            self.seen[table] = self.seen.get(table, 0) + batch.num_rows
            if have < self.limit:
                part = batch.slice(0, self.limit - have)
                kept.append(part)
                self.rows[table] = have + part.num_rows
            yield batch

    def tables(self, plan: Any) -> dict[str, pa.Table]:
        """Every planned table's kept rows (an empty table when none went past)."""
        return {t.name: pa.Table.from_batches(self.kept.get(t.name, []), schema=t.arrow_schema) for t in plan.tables}

    def nonempty_tables(self) -> dict[str, pa.Table]:
        """The kept rows of the tables that had any."""
        return {name: pa.Table.from_batches(b) for name, b in self.kept.items() if b}

    @property
    def truncated(self) -> bool:
        """Whether some table had more rows than were kept."""
        return any(self.seen.get(t, 0) > self.rows.get(t, 0) for t in self.seen)
