"""Output writers: Arrow record batches in, CSV / JSON / JSONL / Parquet / SQL / XML files out.

* :func:`open_writer` opens one table's writer (a context manager; atomic publish on close).
* :func:`write_plan` streams every table of a generation plan from the engine into files: one file per
  table ``<table>.<ext>`` in a directory, a single file for single-table output, or one SQL script for
  all tables. Memory stays bounded by the batch size whatever the volume.

Every write is atomic: files are written under hidden temporary names and renamed into place when
complete; multi-file outputs are staged together and published all-or-nothing. If anything fails, the
output location is left as it was.
"""

from __future__ import annotations

import os
import queue
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pyarrow as pa

from sdga.errors import DestinationError, InvalidInputError
from sdga.models import OutputFormat, SqlDialect
from sdga.writers._atomic import StagingDir
from sdga.writers.base import ForeignKeyLike, TableLike, TableWriter
from sdga.writers.csv import CsvWriter
from sdga.writers.json import JsonLinesWriter, JsonWriter
from sdga.writers.parquet import ParquetWriter
from sdga.writers.sql import SqlWriter, create_table_sql
from sdga.writers.xml import XmlWriter

__all__ = [
    "EXTENSIONS",
    "ForeignKeyLike",
    "PlanLike",
    "TableLike",
    "TableWriter",
    "WriteResult",
    "create_table_sql",
    "default_output_path",
    "open_writer",
    "output_files",
    "write_plan",
]

_WRITERS: dict[OutputFormat, type[TableWriter]] = {
    OutputFormat.CSV: CsvWriter,
    OutputFormat.JSON: JsonWriter,
    OutputFormat.JSONL: JsonLinesWriter,
    OutputFormat.PARQUET: ParquetWriter,
    OutputFormat.SQL: SqlWriter,
    OutputFormat.XML: XmlWriter,
}
EXTENSIONS: dict[OutputFormat, str] = {fmt: cls.extension for fmt, cls in _WRITERS.items()}

ProgressCallback = Callable[[str, int], None]
BatchSource = Callable[[str], Iterable[pa.RecordBatch]]


class PlanLike(Protocol):
    """What :func:`write_plan` needs from a generation plan (the engine's GenerationPlan fits)."""

    @property
    def tables(self) -> list[Any]: ...


@dataclass
class WriteResult:
    """Where each table went and how many rows it holds (SQL: every table maps to the one script)."""

    files: dict[str, Path] = field(default_factory=dict)
    records: dict[str, int] = field(default_factory=dict)

    @property
    def total_records(self) -> int:
        return sum(self.records.values())

    @property
    def paths(self) -> list[Path]:
        """Distinct output files, in table order."""
        return list(dict.fromkeys(self.files.values()))


def open_writer(
    path: str | Path,
    table: TableLike,
    fmt: OutputFormat | str,
    *,
    sql_dialect: SqlDialect | str = SqlDialect.POSTGRESQL,
) -> TableWriter:
    """A writer for one table at ``path``; use as a context manager (publishes on success)."""
    fmt = OutputFormat(fmt)
    if fmt == OutputFormat.SQL:
        return SqlWriter(Path(path), table, dialect=SqlDialect(sql_dialect))
    return _WRITERS[fmt](Path(path), table)


_UNSAFE_FILE_CHARS = re.compile(r"[^\w.-]+", re.UNICODE)


def safe_file_stem(name: str) -> str:
    """A table name usable as a file name (no separators, no leading dot)."""
    stem = _UNSAFE_FILE_CHARS.sub("_", name).lstrip(".") or "table"
    return stem[:200]


def _plan_name(plan: Any) -> str:
    """Name for a single output that holds several tables (the SQL script in a directory)."""
    request = getattr(plan, "request", None)
    schema = getattr(request, "schema_", None) if request is not None else None
    if schema is not None and getattr(schema, "name", None):
        return str(schema.name)
    data_type = getattr(request, "data_type", None)
    if data_type is not None and str(getattr(data_type, "value", data_type)) != "custom":
        return str(getattr(data_type, "value", data_type))
    tables = list(plan.tables)
    return str(tables[0].name) if len(tables) == 1 else "data"


def _writes_single_file(out: Path, fmt: OutputFormat, n_tables: int) -> bool:
    """A path with a suffix that is not an existing directory is a file (single table, or any SQL)."""
    if out.is_dir():
        return False
    return bool(out.suffix) and (n_tables == 1 or fmt == OutputFormat.SQL)


def default_output_path(name: str, fmt: OutputFormat | str, n_tables: int, base: Path = Path("output")) -> Path:
    """The default ``--out``: ``output/<name>.<ext>``, or ``output/<name>/`` for multi-table files."""
    fmt = OutputFormat(fmt)
    stem = safe_file_stem(name)
    if n_tables == 1 or fmt == OutputFormat.SQL:
        return base / f"{stem}.{EXTENSIONS[fmt]}"
    return base / stem


def check_output_location(out: Path, fmt: OutputFormat | str, n_tables: int) -> None:
    """Fail fast (before generating anything) when ``out`` cannot be written."""
    fmt = OutputFormat(fmt)
    known = {f".{ext}" for ext in EXTENSIONS.values()}
    if n_tables > 1 and fmt != OutputFormat.SQL and not out.is_dir() and out.suffix.lower() in known:
        raise InvalidInputError(
            f"{n_tables} tables need a directory for {fmt.value} output (one file per table), not {out}; "
            "give a directory, or use --format sql for one script"
        )
    target_dir = out.parent if _writes_single_file(out, fmt, n_tables) else out
    if out.exists() and not out.is_dir() and not _writes_single_file(out, fmt, n_tables):
        if n_tables > 1 and fmt != OutputFormat.SQL:
            raise InvalidInputError(f"output {out} exists and is not a directory (several tables need a directory)")
        # One table (or a SQL script): the path lacks an extension, which is how a directory is told apart.
        raise InvalidInputError(
            f"output {out} exists and is not a directory; a path without an extension is taken as a "
            f"directory, so give a file name such as {out}.{EXTENSIONS[fmt]}"
        )
    if _writes_single_file(out, fmt, n_tables) and out.is_dir():
        raise InvalidInputError(f"output {out} is a directory")
    probe = target_dir
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise InvalidInputError(f"cannot write to {out}: {probe} is not a directory")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise InvalidInputError(f"cannot write to {out}: {probe} is not writable")


def output_files(plan: PlanLike, out: str | Path, fmt: OutputFormat | str) -> dict[str, Path]:
    """Table name → the file :func:`write_plan` publishes it in (SQL: every table → the one script)."""
    fmt = OutputFormat(fmt)
    out = Path(out)
    tables = list(plan.tables)
    single = _writes_single_file(out, fmt, len(tables))
    if fmt == OutputFormat.SQL:
        script = out if single else out / f"{safe_file_stem(_plan_name(plan))}.sql"
        return {t.name: script for t in tables}
    files: dict[str, Path] = {}
    used: set[str] = set()
    for table in tables:
        stem = safe_file_stem(table.name)
        while stem in used:
            stem += "_"
        used.add(stem)
        files[table.name] = out if single else out / f"{stem}.{EXTENSIONS[fmt]}"
    return files


def _engine_batches(plan: Any, batch_size: int, workers: int) -> BatchSource:
    from sdga.engine import iter_batches

    def source(table_name: str) -> Iterable[pa.RecordBatch]:
        return iter_batches(plan, table_name, batch_size=batch_size, workers=workers)

    return source


T = TypeVar("T")
_DONE = object()


def prefetch(batches: Iterable[T], depth: int = 2) -> Iterator[T]:
    """Items of ``batches`` made by a background thread, up to ``depth`` ahead of the consumer.

    Generating a batch (NumPy / PyArrow kernels) and encoding the previous one (Parquet, CSV, ... in
    PyArrow) both release the GIL for most of their time, so on two cores they overlap instead of
    taking turns. Order and content are unchanged; an exception in the producer is raised here; when the
    consumer stops early (an error while writing, Ctrl-C) the producer is told to stop.
    """
    box: queue.Queue[object] = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def offer(item: object) -> bool:
        """Queue ``item``, waiting for room; False once the consumer has stopped."""
        while not stop.is_set():
            try:
                box.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in batches:
                if not offer(item):
                    return
            outcome: object = _DONE
        except BaseException as exc:  # handed to the consumer, raised there
            outcome = _Failure(exc)
        offer(outcome)

    thread = threading.Thread(target=produce, name="sdga-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = box.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        thread.join(timeout=30)


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def write_plan(
    plan: PlanLike,
    out: str | Path,
    fmt: OutputFormat | str,
    *,
    sql_dialect: SqlDialect | str = SqlDialect.POSTGRESQL,
    batch_size: int = 65_536,
    workers: int = 1,
    progress: ProgressCallback | None = None,
    batches: BatchSource | None = None,
    sql_drop_existing: bool = False,
) -> WriteResult:
    """Generate and write every table of ``plan`` to ``out``, atomically.

    ``out`` is a directory (one ``<table>.<ext>`` per table; for SQL one ``<name>.sql`` script) or, for
    single-table output and for SQL, a file path. ``batches`` overrides where record batches come from
    (default: the engine's ``iter_batches``). ``progress(table, rows)`` is called after every batch.
    ``sql_drop_existing`` starts a SQL script with ``DROP TABLE IF EXISTS`` (children first) so it can be
    loaded again.
    Raises :class:`~sdga.errors.DestinationError` when the output cannot be written; nothing is left behind.
    """
    fmt = OutputFormat(fmt)
    dialect = SqlDialect(sql_dialect)
    out = Path(out)
    tables: list[TableLike] = list(plan.tables)
    if not tables:
        raise InvalidInputError("nothing to write: the plan has no tables")
    source = batches or _engine_batches(plan, batch_size, workers)
    result = WriteResult()
    final = output_files(plan, out, fmt)
    single = _writes_single_file(out, fmt, len(tables))
    staging: StagingDir | None = None
    writers: list[TableWriter] = []
    try:
        if single:
            target_of: Callable[[str], Path] = lambda _name: out  # noqa: E731
        else:
            staging = StagingDir(out)
            staged = staging
            target_of = lambda name: staged.file(name)  # noqa: E731

        def feed(writer: TableWriter, table: TableLike) -> None:
            count = 0
            for batch in prefetch(source(table.name)):
                writer.write_batch(batch)
                count += batch.num_rows
                if progress is not None:
                    progress(table.name, batch.num_rows)
            result.records[table.name] = count

        if fmt == OutputFormat.SQL:
            script = final[tables[0].name]
            sql = SqlWriter(
                target_of(script.name), tables[0], dialect=dialect, tables=tables, drop_existing=sql_drop_existing
            )
            writers.append(sql)
            for table in tables:
                sql.start_table(table)
                feed(sql, table)
            sql.close()
            result.files.update(final)
        else:
            for table in tables:
                writer = _WRITERS[fmt](target_of(final[table.name].name), table)
                writers.append(writer)
                feed(writer, table)
                writer.close()
                result.files[table.name] = final[table.name]
        if staging is not None:
            staging.publish()
    except BaseException as exc:
        for writer in writers:
            writer.abort()
        if staging is not None:
            staging.discard()
        if isinstance(exc, OSError):
            reason = exc.strerror or str(exc)
            raise DestinationError(f"cannot write output to {out}: {reason}") from exc
        raise
    return result
