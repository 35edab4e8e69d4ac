"""JSON (one array) and JSON Lines writers, encoded column-at-a-time.

Each batch is turned into one string per row with Arrow kernels (see :mod:`sdga.writers._encode`), the
row separator included in the same join, and written as a single buffer, so a 10-million-row array streams in constant memory: the JSON array is
opened in the header, rows are separated by ``,\\n``, and it is closed in the footer. Nested structs
and lists stay nested; timestamps are ISO 8601 strings; decimals are JSON numbers; non-finite floats
are ``null``. Text is UTF-8, not ``\\u``-escaped (RFC 8259 allows both).
"""

from __future__ import annotations

import json

import pyarrow as pa

from sdga.writers._encode import Part, concat, json_parts, write_concat
from sdga.writers.base import TableWriter


def json_rows(batch: pa.RecordBatch, *, prefix: str = "", suffix: str = "") -> pa.Array:
    """One JSON object literal per row of ``batch`` (keys in column order), each between ``prefix`` and ``suffix``."""
    parts: list[Part] = [prefix + "{"]
    for i, (field, column) in enumerate(zip(batch.schema, batch.columns, strict=True)):
        parts.append(("," if i else "") + json.dumps(field.name, ensure_ascii=False) + ":")
        parts += json_parts(column)
    parts.append("}" + suffix)
    return concat(parts, batch.num_rows)


class JsonLinesWriter(TableWriter):
    """One JSON object per line (``.jsonl``)."""

    extension = "jsonl"

    def _write(self, batch: pa.RecordBatch) -> None:
        write_concat(self.stream, json_rows(batch, suffix="\n"))


class JsonWriter(TableWriter):
    """One JSON array of objects (``.json``), streamed."""

    extension = "json"

    def _write_header(self) -> None:
        self.stream.write(b"[")

    def _write(self, batch: pa.RecordBatch) -> None:
        # Every row is preceded by its separator: "\n" for the very first row, ",\n" for the others.
        if self.rows_written == 0:
            write_concat(self.stream, json_rows(batch.slice(0, 1), prefix="\n"))
            batch = batch.slice(1)
        if batch.num_rows:
            write_concat(self.stream, json_rows(batch, prefix=",\n"))

    def _write_footer(self) -> None:
        self.stream.write(b"\n]\n" if self.rows_written else b"]\n")
