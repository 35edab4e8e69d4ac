"""The ``rds`` destination: load generated tables into a database, all or nothing.

PostgreSQL, MySQL/MariaDB and SQLite have loaders of their own (below); any other database SQLAlchemy
has a dialect for (SQL Server, Oracle, DuckDB, ...) gets the generic one: tables from SQLAlchemy metadata
(column types from the Arrow types, primary and foreign keys from the plan) and rows by batched INSERTs,
in one transaction where the database's DDL is transactional.

* DDL comes from :func:`sdga.writers.sql.create_table_sql` (the one place SQL DDL is produced), so the
  database gets the same primary and foreign keys as the ``sql`` output format.
* PostgreSQL: one transaction for everything (DDL is transactional there); rows stream in with
  ``COPY ... FROM STDIN (FORMAT csv)``, each Arrow batch turned into CSV by PyArrow, no Python loop per row.
* MySQL/MariaDB: DDL commits implicitly, so tables are created first, then all rows go in one transaction
  via batched ``executemany`` (PyMySQL rewrites it into multi-row INSERTs). On failure the rows are rolled
  back and the tables this load created are dropped, so nothing stays visible. ``if_exists=replace``
  loads into new side tables and swaps them in with one atomic ``RENAME TABLE``; the old tables stay
  untouched until the load has committed.
* SQLite: one transaction for everything (DDL is transactional there too); rows go in with batched
  ``executemany``, values in the same text forms as the ``sql`` format's SQLite scripts (ISO dates,
  exact decimals as text).
* Text loses only NUL characters (PostgreSQL cannot store them; every dialect does the same, also inside
  JSON). ``if_exists=append`` continues ``sequence`` keys after the largest value already stored
  (:func:`sequence_maxima`, applied by the destination before generating).
"""

from __future__ import annotations

import contextlib
import io
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from sdga.errors import DestinationError, DestinationExistsError, InvalidInputError
from sdga.models import SqlDialect

MYSQL_BATCH_ROWS = 5_000


class TableLike(Protocol):
    name: str
    arrow_schema: pa.Schema


@dataclass
class LoadResult:
    dialect: SqlDialect | None  # None: another database, loaded by the generic loader
    tables: dict[str, int] = field(default_factory=dict)
    location: str = ""


def redact_url(url: str) -> str:
    """The URL with its password hidden (for history, reports and error messages)."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable database URL>"


def dialect_of(url: str) -> SqlDialect | None:
    """PostgreSQL, MySQL/MariaDB or SQLite from a SQLAlchemy URL (any driver); None for another database
    whose SQLAlchemy dialect is installed (loaded by the generic loader); an InvalidInputError otherwise."""
    try:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        backend = parsed.get_backend_name()
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise InvalidInputError("the rds destination needs: pip install 'synthetic-data-agent[server]'") from exc
    except Exception as exc:
        raise InvalidInputError(f"rds location is not a valid SQLAlchemy URL: {redact_url(url)}") from exc
    if backend in ("postgresql", "postgres"):
        return SqlDialect.POSTGRESQL
    if backend in ("mysql", "mariadb"):
        return SqlDialect.MYSQL
    if backend == "sqlite":
        return SqlDialect.SQLITE
    try:
        parsed.get_dialect().import_dbapi()  # the dialect and its driver are both installed
    except Exception as exc:
        raise InvalidInputError(
            f"no SQLAlchemy dialect and driver for {parsed.drivername!r} are installed; install the database's "
            "SQLAlchemy dialect and driver, or use a PostgreSQL, MySQL/MariaDB or SQLite URL",
            details={"example": "postgresql+psycopg://user:pass@host:5432/db"},
        ) from exc
    return None


def _engine(url: str) -> Any:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    parsed = make_url(url)
    # Default to the drivers this package installs (psycopg 3, PyMySQL).
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif parsed.drivername in ("mysql", "mariadb"):
        parsed = parsed.set(drivername="mysql+pymysql")
    elif parsed.get_backend_name() == "sqlite":
        parsed = parsed.set(drivername="sqlite")
    connect_args: dict[str, Any] = {} if parsed.get_backend_name() == "sqlite" else {"connect_timeout": 10}
    return create_engine(parsed, poolclass=NullPool, connect_args=connect_args)


def sqlite_path(url: str) -> str:
    """The database file of a SQLite URL; an in-memory database (which a load could not leave behind) is refused."""
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        raise InvalidInputError(
            "an rds SQLite URL needs a database file (sqlite:///path/to/file.db), not an in-memory database",
            details={"field": "destination.location"},
        )
    return database


def with_sqlite_path(url: str, path: str) -> str:
    """``url`` pointing at ``path`` (the destination confines request paths first)."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=path).render_as_string(hide_password=False)


def existing_tables(url: str, names: Sequence[str]) -> list[str]:
    """Which of ``names`` already exist (checked before generating, so ``fail`` fails fast)."""
    from sqlalchemy import inspect

    if dialect_of(url) == SqlDialect.SQLITE and not Path(sqlite_path(url)).exists():
        return []  # do not create an empty database file just to look into it
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            have = set(inspect(conn).get_table_names())
    except Exception as exc:
        raise DestinationError(f"cannot connect to {redact_url(url)}: {_short(exc)}") from exc
    finally:
        engine.dispose()
    return [n for n in names if n in have]


def _short(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def _quote(name: str, dialect: SqlDialect) -> str:
    if dialect == SqlDialect.MYSQL:
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'


def _flatten_for_sql(batch: pa.RecordBatch, dialect: SqlDialect = SqlDialect.POSTGRESQL) -> pa.RecordBatch:
    """Nested columns (struct/list/map) become JSON text, NUL leaves text (and JSON); SQLite gets its text forms."""
    from sdga.writers._encode import decode_dictionary, is_nested, is_temporal, json_or_null, temporal_text
    from sdga.writers.sql import drop_json_nul, sdga_type

    arrays: list[pa.Array] = []
    for arrow_field, column in zip(batch.schema, batch.columns, strict=True):
        column = decode_dictionary(column)
        t = column.type
        if is_nested(t):
            column = drop_json_nul(json_or_null(column))
        elif pa.types.is_string(t) or pa.types.is_large_string(t):
            if sdga_type(arrow_field) == "json":
                column = drop_json_nul(column)
            column = pc.replace_substring(column, "\x00", "")  # no PostgreSQL text stores NUL
        elif pa.types.is_floating(t):
            column = pc.if_else(pc.is_finite(column), column, pa.scalar(None, t))
        elif dialect == SqlDialect.SQLITE and pa.types.is_decimal(t):
            column = pc.cast(column, pa.string())  # exact: the column's affinity decides (see create_table_sql)
        elif dialect == SqlDialect.SQLITE and is_temporal(t):
            column = temporal_text(column, sep=" ", utc_marker="+00:00")
        arrays.append(column)
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


def load_tables(
    url: str,
    tables: Sequence[TableLike],
    batches: Callable[[str], Iterator[pa.RecordBatch]],
    ddl: Callable[[Any, SqlDialect, Sequence[Any]], str],
    *,
    if_exists: str = "fail",
) -> LoadResult:
    """Create ``tables`` (parents first) and load their rows in one transaction; raise DestinationError on failure."""
    dialect = dialect_of(url)
    names = [t.name for t in tables]
    present = existing_tables(url, names)
    if present and if_exists == "fail":
        raise tables_exist(url, present)
    if dialect == SqlDialect.POSTGRESQL:
        counts = _load_postgres(url, tables, batches, ddl, present, if_exists)
    elif dialect == SqlDialect.SQLITE:
        counts = _load_sqlite(url, tables, batches, ddl, present, if_exists)
    elif dialect == SqlDialect.MYSQL:
        counts = _load_mysql(url, tables, batches, ddl, present, if_exists)
    else:
        counts = load_generic(url, tables, batches, present, if_exists)
    return LoadResult(dialect=dialect, tables=counts, location=redact_url(url))


def tables_exist(url: str, present: Sequence[str]) -> DestinationExistsError:
    """The error for ``if_exists=fail`` when tables are already there (a conflict: exit code 2, HTTP 409)."""
    return DestinationExistsError(
        f"table(s) already exist in {redact_url(url)}: {', '.join(present)}; use if_exists 'replace' or 'append'",
        details={"existing": list(present)},
    )


def sequence_maxima(url: str, columns: dict[str, list[str]]) -> dict[str, dict[str, int | None]]:
    """The largest value stored in each of ``columns`` (table -> column names); None for an empty table."""
    from sqlalchemy import column, func, select
    from sqlalchemy import table as sql_table

    out: dict[str, dict[str, int | None]] = {}
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            for table, names in columns.items():
                if not names:
                    continue
                query: Any = select(*(func.max(column(n)) for n in names)).select_from(sql_table(table))
                row = conn.execute(query).one()
                out[table] = {n: None if v is None else int(v) for n, v in zip(names, row, strict=True)}
    except Exception as exc:
        raise DestinationError(f"cannot read the existing keys in {redact_url(url)}: {_short(exc)}") from exc
    finally:
        engine.dispose()
    return out


def _ddl_statements(sql: str) -> list[str]:
    return [s.strip() for s in sql.split(";\n") if s.strip() and not s.strip().startswith("--")]


def _load_postgres(
    url: str,
    tables: Sequence[TableLike],
    batches: Callable[[str], Iterator[pa.RecordBatch]],
    ddl: Callable[[Any, SqlDialect, Sequence[Any]], str],
    present: list[str],
    if_exists: str,
) -> dict[str, int]:
    import psycopg
    from psycopg.conninfo import make_conninfo
    from sqlalchemy.engine import make_url

    u = make_url(url)
    params: dict[str, Any] = {
        "host": u.host,
        "port": u.port,
        "user": u.username,
        "password": u.password,
        "dbname": u.database,
        "connect_timeout": 10,
    }
    # libpq options given in the URL's query (sslmode, options, a socket directory as host, ...)
    params.update({k: v if isinstance(v, str) else v[-1] for k, v in u.query.items()})
    conninfo = make_conninfo(**{k: v for k, v in params.items() if v is not None})
    counts: dict[str, int] = {}
    try:
        with psycopg.connect(conninfo) as conn, conn.transaction(), conn.cursor() as cur:
            if if_exists == "replace":
                for name in reversed([t.name for t in tables if t.name in present]):
                    cur.execute(f"DROP TABLE IF EXISTS {_quote(name, SqlDialect.POSTGRESQL)} CASCADE")
            for table in tables:
                if if_exists == "append" and table.name in present:
                    continue
                for stmt in _ddl_statements(ddl(table, SqlDialect.POSTGRESQL, tables)):
                    cur.execute(stmt)
            for table in tables:
                cols = ", ".join(_quote(n, SqlDialect.POSTGRESQL) for n in table.arrow_schema.names)
                copy_sql = (
                    f"COPY {_quote(table.name, SqlDialect.POSTGRESQL)} ({cols}) FROM STDIN "
                    "WITH (FORMAT csv, HEADER false)"
                )
                rows = 0
                with cur.copy(copy_sql) as copy:
                    for batch in batches(table.name):
                        if batch.num_rows == 0:
                            continue
                        buf = io.BytesIO()
                        pacsv.write_csv(_flatten_for_sql(batch), buf, pacsv.WriteOptions(include_header=False))
                        copy.write(buf.getvalue())
                        rows += batch.num_rows
                counts[table.name] = rows
    except DestinationError:
        raise
    except Exception as exc:
        raise DestinationError(
            f"loading into {redact_url(url)} failed and was rolled back: {_short(exc)}",
            details={"loaded_before_failure": counts},
        ) from exc
    return counts


def _mysql_values(batch: pa.RecordBatch) -> list[tuple[Any, ...]]:
    flat = _flatten_for_sql(batch, SqlDialect.MYSQL)
    columns: list[list[Any]] = []
    for column in flat.columns:
        if pa.types.is_timestamp(column.type) and column.type.tz is not None:
            column = pc.cast(column, pa.timestamp(column.type.unit))  # MySQL DATETIME has no zone: store UTC
        columns.append(column.to_pylist())
    return list(zip(*columns, strict=True))


class _ForeignKey:
    def __init__(self, column: str, ref_table: str, ref_column: str) -> None:
        self.column, self.ref_table, self.ref_column = column, ref_table, ref_column


class _Renamed:
    """A table under another name (its foreign keys follow the renamed parents); everything else delegates."""

    def __init__(self, table: Any, names: dict[str, str]) -> None:
        self._table = table
        self.name = names[table.name]
        self.foreign_keys = [
            _ForeignKey(fk.column, names.get(fk.ref_table, fk.ref_table), fk.ref_column)
            for fk in getattr(table, "foreign_keys", [])
        ]

    def __getattr__(self, item: str) -> Any:
        return getattr(self._table, item)


def _load_mysql(
    url: str,
    tables: Sequence[TableLike],
    batches: Callable[[str], Iterator[pa.RecordBatch]],
    ddl: Callable[[Any, SqlDialect, Sequence[Any]], str],
    present: list[str],
    if_exists: str,
) -> dict[str, int]:
    """MySQL/MariaDB. ``replace`` loads into new tables first and swaps them in with one atomic
    ``RENAME TABLE``, so a failed load leaves the old tables untouched (DDL is not transactional here)."""
    import pymysql
    from sqlalchemy.engine import make_url

    q = lambda name: _quote(name, SqlDialect.MYSQL)  # noqa: E731
    u = make_url(url)
    counts: dict[str, int] = {}
    created: list[str] = []
    tag = uuid.uuid4().hex[:8]
    swap = if_exists == "replace" and bool(present)
    # Side names fit MySQL's 64-character limit whatever the table name: a prefix, the run's tag and
    # the table's position (so two long names with one prefix cannot collide).
    position = {t.name: i for i, t in enumerate(tables)}
    side = lambda name, kind: f"{name[:36]}__{kind}_{tag}_{position[name]}"  # noqa: E731
    names = {t.name: (side(t.name, "new") if swap else t.name) for t in tables}
    targets: list[Any] = [_Renamed(t, names) for t in tables] if swap else list(tables)
    try:
        conn = pymysql.connect(
            host=u.host or "localhost",
            port=u.port or 3306,
            user=u.username or "root",
            password=u.password or "",
            database=u.database,
            charset="utf8mb4",
            autocommit=False,
            connect_timeout=10,
            local_infile=False,
        )
    except Exception as exc:
        raise DestinationError(f"cannot connect to {redact_url(url)}: {_short(exc)}") from exc
    try:
        with conn.cursor() as cur:
            cur.execute("SET time_zone = '+00:00'")
            for table, target in zip(tables, targets, strict=True):
                if if_exists == "append" and table.name in present:
                    continue
                for stmt in _ddl_statements(ddl(target, SqlDialect.MYSQL, targets)):
                    cur.execute(stmt)
                created.append(target.name)
            conn.begin()
            for table in tables:
                cols = table.arrow_schema.names
                sql = (
                    f"INSERT INTO {q(names[table.name])} ({', '.join(q(c) for c in cols)}) "
                    f"VALUES ({', '.join(['%s'] * len(cols))})"
                )
                rows = 0
                for batch in batches(table.name):
                    for start in range(0, batch.num_rows, MYSQL_BATCH_ROWS):
                        part = batch.slice(start, MYSQL_BATCH_ROWS)
                        cur.executemany(sql, _mysql_values(part))
                        rows += part.num_rows
                counts[table.name] = rows
            conn.commit()
            if swap:
                renames = [f"{q(t.name)} TO {q(side(t.name, 'old'))}" for t in tables if t.name in present]
                renames += [f"{q(names[t.name])} TO {q(t.name)}" for t in tables]
                cur.execute("RENAME TABLE " + ", ".join(renames))  # atomic: all or none
                created.clear()
                with contextlib.suppress(Exception):  # the swap is done; old tables are only garbage now
                    cur.execute("SET FOREIGN_KEY_CHECKS = 0")
                    for t in reversed([t for t in tables if t.name in present]):
                        cur.execute(f"DROP TABLE IF EXISTS {q(side(t.name, 'old'))}")
                    cur.execute("SET FOREIGN_KEY_CHECKS = 1")
    except Exception as exc:
        with contextlib.suppress(Exception):
            conn.rollback()
            with conn.cursor() as cur:
                cur.execute("SET FOREIGN_KEY_CHECKS = 0")
                for name in reversed(created):
                    cur.execute(f"DROP TABLE IF EXISTS {q(name)}")
                cur.execute("SET FOREIGN_KEY_CHECKS = 1")
        raise DestinationError(
            f"loading into {redact_url(url)} failed and was rolled back: {_short(exc)}",
            details={"loaded_before_failure": counts},
        ) from exc
    finally:
        conn.close()
    return counts


def _load_sqlite(
    url: str,
    tables: Sequence[TableLike],
    batches: Callable[[str], Iterator[pa.RecordBatch]],
    ddl: Callable[[Any, SqlDialect, Sequence[Any]], str],
    present: list[str],
    if_exists: str,
) -> dict[str, int]:
    """SQLite: one transaction for the drops (``replace``), the DDL and every row; a failure leaves the file as it was."""
    import sqlite3

    q = lambda name: _quote(name, SqlDialect.SQLITE)  # noqa: E731
    path = sqlite_path(url)
    counts: dict[str, int] = {}
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)  # as a local destination makes its directory
        conn = sqlite3.connect(path, isolation_level=None, timeout=10)
    except Exception as exc:
        raise DestinationError(f"cannot open {redact_url(url)}: {_short(exc)}") from exc
    try:
        conn.execute("PRAGMA foreign_keys = ON")  # a no-op inside a transaction: set first
        conn.execute("BEGIN IMMEDIATE")
        if if_exists == "replace":
            conn.execute("PRAGMA defer_foreign_keys = ON")
            for name in reversed([t.name for t in tables if t.name in present]):
                conn.execute(f"DROP TABLE IF EXISTS {q(name)}")
        for table in tables:
            if if_exists == "append" and table.name in present:
                continue
            for stmt in _ddl_statements(ddl(table, SqlDialect.SQLITE, tables)):
                conn.execute(stmt)
        for table in tables:
            cols = table.arrow_schema.names
            sql = (
                f"INSERT INTO {q(table.name)} ({', '.join(q(c) for c in cols)}) VALUES ({', '.join(['?'] * len(cols))})"
            )
            rows = 0
            for batch in batches(table.name):
                for start in range(0, batch.num_rows, MYSQL_BATCH_ROWS):
                    part = _flatten_for_sql(batch.slice(start, MYSQL_BATCH_ROWS), SqlDialect.SQLITE)
                    conn.executemany(sql, zip(*(c.to_pylist() for c in part.columns), strict=True))
                    rows += part.num_rows
            counts[table.name] = rows
        conn.execute("COMMIT")
    except Exception as exc:
        with contextlib.suppress(Exception):
            conn.execute("ROLLBACK")
        raise DestinationError(
            f"loading into {redact_url(url)} failed and was rolled back: {_short(exc)}",
            details={"loaded_before_failure": counts},
        ) from exc
    finally:
        conn.close()
    return counts


# --- any other database: SQLAlchemy metadata and batched INSERTs ------------------------------------------


def _sql_type(t: pa.DataType) -> Any:
    """The SQLAlchemy column type of an Arrow type (nested values are stored as JSON text)."""
    import sqlalchemy as sa

    if pa.types.is_boolean(t):
        return sa.Boolean()
    if pa.types.is_integer(t):
        return sa.BigInteger()
    if pa.types.is_floating(t):
        return sa.Float(precision=53)
    if pa.types.is_decimal(t):
        return sa.Numeric(precision=t.precision, scale=t.scale, asdecimal=True)
    if pa.types.is_date(t):
        return sa.Date()
    if pa.types.is_timestamp(t):
        return sa.DateTime(timezone=t.tz is not None)
    if pa.types.is_time(t):
        return sa.Time()
    if pa.types.is_dictionary(t):
        return _sql_type(t.value_type)
    return sa.Text()


def _metadata_tables(tables: Sequence[TableLike]) -> tuple[Any, dict[str, Any]]:
    import sqlalchemy as sa

    meta = sa.MetaData()
    out: dict[str, Any] = {}
    for table in tables:
        keys = set(getattr(table, "primary_key", []) or [])
        refs = {fk.column: fk for fk in getattr(table, "foreign_keys", []) or []}
        cols = []
        for f in table.arrow_schema:
            args: list[Any] = []
            fk = refs.get(f.name)
            if fk is not None:
                args.append(sa.ForeignKey(f"{fk.ref_table}.{fk.ref_column}"))
            cols.append(sa.Column(f.name, _sql_type(f.type), *args, primary_key=f.name in keys, nullable=f.nullable))
        out[table.name] = sa.Table(table.name, meta, *cols)
    return meta, out


def load_generic(
    url: str,
    tables: Sequence[TableLike],
    batches: Callable[[str], Iterator[pa.RecordBatch]],
    present: list[str],
    if_exists: str,
) -> dict[str, int]:
    """Any SQLAlchemy database: tables from metadata (parents first), rows by batched ``executemany``, one
    transaction; a failure rolls back what the database lets a transaction take back."""
    _, defined = _metadata_tables(tables)
    counts: dict[str, int] = {}
    engine = _engine(url)
    try:
        with engine.begin() as conn:
            if if_exists == "replace":
                for name in reversed([t.name for t in tables if t.name in present]):
                    defined[name].drop(conn)
            for table in tables:
                if not (if_exists == "append" and table.name in present):
                    defined[table.name].create(conn)
            for table in tables:
                insert = defined[table.name].insert()
                rows = 0
                for batch in batches(table.name):
                    for start in range(0, batch.num_rows, MYSQL_BATCH_ROWS):
                        part = _flatten_for_sql(batch.slice(start, MYSQL_BATCH_ROWS))
                        conn.execute(insert, part.to_pylist())
                        rows += part.num_rows
                counts[table.name] = rows
    except Exception as exc:
        raise DestinationError(
            f"loading into {redact_url(url)} failed and was rolled back: {_short(exc)}",
            details={"loaded_before_failure": counts},
        ) from exc
    finally:
        engine.dispose()
    return counts
