"""The ``sdga`` Spark data source (Spark 4's Python Data Source API).

``spark.read.format("sdga").option("template", "ecommerce").option("table", "orders").load()`` plans the
request once, on the driver, and splits the table into partitions that are ranges of rows (whole blocks
of the engine whenever possible). Each partition is produced on an executor by the same function as the
local engine, :func:`sdga.engine.generate_rows`: every block of rows is a pure function of (plan, table,
block index), so the DataFrame holds exactly the rows ``sdga generate`` writes, whatever the number of
partitions, and references from one table's DataFrame to another's are valid (a reference is computed
from the parent's row index, never looked up).

Batches go to Spark as Arrow record batches (no Python objects per row), in the Arrow layout Spark
derives from the declared schema (:mod:`sdga.spark.types`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from pyspark.sql.datasource import DataSource, DataSourceReader, InputPartition

from sdga.errors import SchemaError
from sdga.spark.options import SOURCE_NAME, SourceOptions, choose_table, parse_options, row_ranges
from sdga.spark.types import Conformer, spark_arrow_schema, spark_schema

if TYPE_CHECKING:
    from pyspark.sql.types import StructType


class RowRange(InputPartition):
    """Rows ``[start, end)`` of one table: one Spark partition."""

    def __init__(self, start: int, end: int) -> None:
        super().__init__((start, end))
        self.start = start
        self.end = end


class SdgaDataSource(DataSource):
    """Synthetic rows from an sdga template, schema or request; one table per DataFrame."""

    def __init__(self, options: dict[str, str]) -> None:
        super().__init__(options)
        self._source: SourceOptions | None = None
        self._plan: Any = None
        self._table: str | None = None

    @classmethod
    def name(cls) -> str:
        return SOURCE_NAME

    def _planned(self) -> tuple[Any, str]:
        """Plan the request once (on the driver); the plan travels to the executors with the reader."""
        if self._plan is None:
            from sdga.engine import plan_generation

            self._source = parse_options(self.options)
            plan = plan_generation(self._source.request)
            self._table = choose_table([t.name for t in plan.tables], self._source.table)
            self._plan = plan
        assert self._table is not None
        return self._plan, self._table

    def schema(self) -> StructType:
        plan, table = self._planned()
        return spark_schema(plan.table(table).arrow_schema)

    def reader(self, schema: StructType) -> SdgaReader:
        plan, table = self._planned()
        assert self._source is not None
        return SdgaReader(plan, table, schema, self._source)


class SdgaReader(DataSourceReader):
    def __init__(self, plan: Any, table: str, schema: StructType, source: SourceOptions) -> None:
        from sdga.engine import BLOCK_ROWS

        planned = plan.table(table).arrow_schema
        if list(schema.names) != list(planned.names):
            raise SchemaError(
                f"the schema given to the sdga reader has columns {list(schema.names)}, but table '{table}' has "
                f"{list(planned.names)}; leave the schema out (it comes from the request)"
            )
        self.plan = plan
        self.table = table
        self.conformer = Conformer(planned, spark_arrow_schema(schema))
        self.ranges = row_ranges(
            plan.table(table).volume,
            BLOCK_ROWS,
            num_partitions=source.num_partitions,
            rows_per_partition=source.rows_per_partition,
        )

    def partitions(self) -> list[InputPartition]:
        return [RowRange(start, end) for start, end in self.ranges]

    def read(self, partition: InputPartition) -> Iterator[pa.RecordBatch]:
        if not isinstance(partition, RowRange):  # Spark reads a table with no rows as one empty partition
            return
        yield from read_rows(self.plan, self.table, partition.start, partition.end, self.conformer)


def read_rows(
    plan: Any, table: str, start: int, end: int, conformer: Conformer | None = None
) -> Iterator[pa.RecordBatch]:
    """Rows ``[start, end)`` of ``table`` as the engine's blocks, sliced at the ends (and conformed)."""
    from sdga.engine import BLOCK_ROWS, generate_rows

    if end <= start:
        return
    for block in range(start // BLOCK_ROWS, (end - 1) // BLOCK_ROWS + 1):
        batch = generate_rows(plan, table, block)
        first = block * BLOCK_ROWS
        lo, hi = max(start - first, 0), min(end - first, batch.num_rows)
        if lo > 0 or hi < batch.num_rows:
            batch = batch.slice(lo, hi - lo)
        yield conformer(batch) if conformer is not None else batch
