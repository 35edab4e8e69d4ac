"""The local engine: rows from :mod:`sdga.engine` in this process, or in ``workers`` processes.

The output is byte-identical for any number of workers and any batch size (every block of rows is a pure
function of the plan, the table and the block's index). Batches stream from the generator into the
writers; memory stays bounded by the batch size whatever the volume.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from sdga.errors import InvalidInputError
from sdga.execution.base import Engine, EngineJob, EngineOptions

if TYPE_CHECKING:
    from sdga.writers import WriteResult


class LocalEngine(Engine):
    name = "local"
    description = "this machine: the generator in this process, or in SDGA_WORKERS / --workers processes"

    def __init__(self, workers: int = 1) -> None:
        if workers < 1:
            raise InvalidInputError("workers must be at least 1")
        self.workers = workers

    @classmethod
    def create(cls, options: EngineOptions) -> LocalEngine:
        return cls(workers=options.workers)

    def batches(self, plan: Any, table: str, *, batch_size: int = 65_536) -> Iterator[pa.RecordBatch]:
        from sdga.engine import iter_batches

        return iter_batches(plan, table, batch_size=batch_size, workers=self.workers)

    def write(self, job: EngineJob) -> WriteResult:
        from sdga.writers import write_plan  # looked up per call, so a test can stand in for it

        def source(table: str) -> Iterator[pa.RecordBatch]:
            stream = self.batches(job.plan, table, batch_size=job.batch_size)
            return job.tap(table, stream) if job.tap is not None else stream

        return write_plan(
            job.plan,
            job.out,
            job.output_format,
            sql_dialect=job.sql_dialect,
            batch_size=job.batch_size,
            workers=self.workers,
            progress=job.progress,
            batches=source,
            sql_drop_existing=job.sql_drop_existing,
        )
