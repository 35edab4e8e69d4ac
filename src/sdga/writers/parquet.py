"""Parquet writer: typed columns (nested structs and lists kept), snappy, one row group per batch."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from sdga.writers.base import TableWriter


class ParquetWriter(TableWriter):
    extension = "parquet"

    def _open(self) -> None:
        assert self._temp is not None
        self._schema = self.table.arrow_schema
        self._pq = pq.ParquetWriter(
            self._temp,
            self._schema,
            compression="snappy",
            write_statistics=True,
            use_dictionary=True,
        )

    def _write(self, batch: pa.RecordBatch) -> None:
        if batch.schema != self._schema:
            batch = pa.RecordBatch.from_arrays(
                [col.cast(field.type) for col, field in zip(batch.columns, self._schema, strict=True)],
                schema=self._schema,
            )
        self._pq.write_batch(batch, row_group_size=batch.num_rows)

    def _finish(self) -> None:
        writer = getattr(self, "_pq", None)
        if writer is not None:
            writer.close()
            self._pq = None
