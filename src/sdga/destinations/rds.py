"""The ``rds`` destination: the tables loaded into PostgreSQL, MySQL/MariaDB or SQLite, all or nothing.

The data is staged as Parquet whatever format was asked for, then loaded in one transaction by
:mod:`sdga.adapters.rds` with the same DDL as the ``sql`` output format. The database URL's password
never reaches history, reports or messages. A SQLite file is a local path like any other: confined to
the allowed directories unless the command line lifted that. ``if_exists=fail`` with tables present is a
conflict (:class:`~sdga.errors.DestinationExistsError`); ``append`` continues ``sequence`` keys after the
largest value each table already holds, so appended rows never collide with the stored ones. The report is kept in the deployment's store beside the
generation id; once the rows are committed a report that cannot be stored is only a warning.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from sdga.adapters.storage import Published
from sdga.destinations.base import Destination, DestinationContext, Staged
from sdga.errors import CapacityError, InvalidInputError
from sdga.models import GenerateDataRequest, OutputFormat, SqlDialect

log = logging.getLogger("sdga.destinations")


class RdsDestination(Destination):
    kind = "rds"

    def __init__(self, context: DestinationContext, request: GenerateDataRequest) -> None:
        super().__init__(context, request)
        from sdga.adapters.rds import dialect_of, sqlite_path, with_sqlite_path

        if not self.location:
            raise InvalidInputError(
                "destination rds needs a location: a SQLAlchemy URL such as postgresql+psycopg://user@host/db",
                details={"field": "destination.location"},
            )
        self.url: str = self.location
        if dialect_of(self.url) == SqlDialect.SQLITE:
            path = self.context.paths.resolve_output(sqlite_path(self.url))
            self.url = with_sqlite_path(self.url, str(path))

    def public_location(self) -> str | None:
        from sdga.adapters.rds import redact_url

        return redact_url(self.url)

    def staging_format(self) -> OutputFormat:
        return OutputFormat.PARQUET

    def check(self, plan: Any) -> None:
        from sdga.adapters.rds import existing_tables, tables_exist

        if self.if_exists not in ("fail", "append"):
            return
        present = existing_tables(self.url, [t.name for t in plan.tables])
        if present and self.if_exists == "fail":
            raise tables_exist(self.url, present)
        if present:
            self._continue_sequences(plan, present)

    def _continue_sequences(self, plan: Any, present: list[str]) -> None:
        """Start each ``sequence`` column of an appended table after the largest value already stored.

        The plan's field is changed before anything is generated, so references to the key follow it.
        A sequence with a ``max`` that the appended rows would pass is a capacity error naming the field.
        """
        from sdga.adapters.rds import sequence_maxima

        columns = {
            t.name: [f.name for f in t.fields if f.type == "sequence" and f.name in t.arrow_schema.names]
            for t in plan.tables
            if t.name in present
        }
        maxima = sequence_maxima(self.url, columns)
        for table in plan.tables:
            for i, f in enumerate(table.fields):
                stored = maxima.get(table.name, {}).get(f.name)
                if stored is None:
                    continue
                start = int(f.constraints.min) if f.constraints.min is not None else 1
                if stored < start:
                    continue
                start = stored + 1
                top = f.constraints.max
                if top is not None and start + table.volume - 1 > int(top):
                    raise CapacityError(
                        f"field '{table.name}.{f.name}': appending {table.volume} rows after the stored maximum "
                        f"{stored} needs values up to {start + table.volume - 1}, above its max {top}",
                        details={"field": f"{table.name}.{f.name}", "stored_max": stored, "max": top},
                    )
                table.fields[i] = f.model_copy(update={"constraints": f.constraints.model_copy(update={"min": start})})
        plan.runtime.clear()  # nothing generated with the old start may be reused

    def publish(self, staged: Staged) -> Published:
        from sdga.adapters.rds import load_tables
        from sdga.writers import safe_file_stem
        from sdga.writers.sql import create_table_sql

        response, data_dir = staged.response, staged.data_dir
        tables = list(staged.plan.tables)
        paths = {name: data_dir / f"{stem}.parquet" for name, stem in _file_stems(tables, safe_file_stem).items()}
        loaded = load_tables(
            self.url,
            tables,
            lambda name: _parquet_batches(paths[name]),
            lambda t, d, all_tables: create_table_sql(t, d, tables=all_tables),
            if_exists=self.if_exists,
        )
        shutil.rmtree(data_dir, ignore_errors=True)
        data_dir.mkdir()
        response.output_location = loaded.location
        response.records_per_table = loaded.tables
        response.records_generated = sum(loaded.tables.values())
        # The rows are committed and cannot be taken back: a report that cannot be stored is a warning,
        # not a 'failed' record that would deny data the database now holds.
        try:
            staged.write_report()
            published = self.context.store.publish(staged.generation_id, data_dir)
        except Exception as exc:
            log.warning("generation %s: report not stored", staged.generation_id, exc_info=True)
            response.warnings.append(f"the report could not be stored: {getattr(exc, 'message', exc)}")
            return Published(location=loaded.location)
        return Published(location=loaded.location, files=[f for f in published.files if f.endswith("report.md")])


def _file_stems(tables: list[Any], safe_file_stem: Any) -> dict[str, str]:
    """The file stem each table was staged under (the writers' own naming, collisions resolved)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for table in tables:
        stem = safe_file_stem(table.name)
        while stem in used:
            stem += "_"
        used.add(stem)
        out[table.name] = stem
    return out


def _parquet_batches(path: Path) -> Iterator[pa.RecordBatch]:
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as handle:
        yield from handle.iter_batches(batch_size=65_536)
