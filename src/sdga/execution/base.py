"""What an engine is: the part that turns a generation plan into written tables.

The service and ``sdga generate`` do not care how rows are produced: they hand an :class:`EngineJob`
(the plan, where to write, the format, who watches progress and samples rows) to an :class:`Engine`
and get a :class:`~sdga.writers.WriteResult` back. The local engine runs the row generator in this
process or in ``workers`` processes; an engine that runs elsewhere (a Spark cluster, EMR Serverless)
implements the same interface, and may take the whole job away from this process with :meth:`Engine.handoff`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from sdga.models import GenerateDataRequest, OutputFormat, SqlDialect

if TYPE_CHECKING:
    from sdga.adapters.background import Runner
    from sdga.config import Settings
    from sdga.writers import WriteResult

ProgressCallback = Callable[[str, int], None]
# Sees a table's batches on their way to the writer and passes them on unchanged (e.g. to sample rows).
Tap = Callable[[str, Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]


@dataclass
class EngineJob:
    """One plan to write: where, in which format, and who watches.

    ``out`` is a directory (one file per table, one script for SQL) or, for one table, a file path.
    ``progress(table, rows)`` is called as rows are written. ``tap`` must see the batches of every
    table in order, at least its first rows (the quality metrics and the inline destination read them).
    """

    plan: Any
    out: Path
    output_format: OutputFormat
    sql_dialect: SqlDialect = SqlDialect.POSTGRESQL
    batch_size: int = 65_536
    progress: ProgressCallback | None = None
    tap: Tap | None = None
    sql_drop_existing: bool = False


@dataclass(frozen=True)
class EngineOptions:
    """What an engine is built from: the deployment's settings (None on the plain command line), the
    number of local worker processes asked for and, for a cluster engine, where the cluster is."""

    settings: Settings | None = None
    workers: int = 1
    # Where an engine that runs elsewhere runs: a cluster's master URL or a Spark Connect URL (--spark-master).
    master: str | None = None


class Engine(ABC):
    """Produces a plan's tables and writes them. Subclasses set :attr:`name` and implement :meth:`write`."""

    name: str = ""
    description: str = ""

    def check(self, plan: Any, request: GenerateDataRequest) -> None:  # noqa: B027 - an optional hook
        """Refuse, before anything is recorded, a request this engine cannot run (raise an SdgaError)."""

    @abstractmethod
    def batches(self, plan: Any, table: str, *, batch_size: int = 65_536) -> Iterator[pa.RecordBatch]:
        """One table's rows as Arrow record batches, in order (the same rows whatever the engine)."""

    @abstractmethod
    def write(self, job: EngineJob) -> WriteResult:
        """Write every table of ``job.plan`` to ``job.out``, atomically; raise an SdgaError on failure."""

    def handoff(self) -> Runner | None:
        """A runner that takes the whole generation away from this process (e.g. a cluster's job queue),
        or None to run it here. The service then records the generation as pending and submits it; the
        far side calls :meth:`sdga.service.SyntheticDataService.run_job` with the engine that runs there."""
        return None
