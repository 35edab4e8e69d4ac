"""SQL scripts for PostgreSQL, MySQL/MariaDB and SQLite: DDL plus multi-row INSERTs.

:func:`create_table_sql` is the one place DDL is produced (the database destination reuses it). A script
holds a short dialect preamble, ``CREATE TABLE`` for every table in dependency order (parents first, with
primary keys, ``UNIQUE`` for unique fields and foreign keys), then the rows as multi-row ``INSERT``
statements (at most 1,000 rows or about 1 MB per statement, under every server's default packet limit),
all in one transaction.

Literals are rendered a whole column at a time with Arrow kernels:

* strings: single quotes doubled; for MySQL, backslashes doubled too (its default ``sql_mode`` treats
  ``\\`` as an escape; the preamble also clears ``NO_BACKSLASH_ESCAPES``). Scripts survive the command-line
  clients: a carriage return is ``\\r`` (MySQL) or ``char(13)`` (SQLite), which the ``mariadb`` and
  ``sqlite3`` clients would otherwise drop before a line feed. NUL characters, which PostgreSQL cannot
  store in text or JSONB, are dropped in every dialect (``\\u0000`` escapes too, from JSON).
* booleans: ``TRUE``/``FALSE`` (SQLite: ``1``/``0``); integers verbatim; decimals verbatim (SQLite: quoted,
  so a column of more than 15 digits keeps them as exact text); non-finite floats NULL.
* dates/times/timestamps: ISO strings; timezone-aware timestamps are UTC (``+00:00`` for PostgreSQL
  ``TIMESTAMPTZ`` and SQLite, plain UTC wall time for MySQL ``DATETIME``).
* structs, lists and ``json`` fields: JSON text into ``JSONB`` (PostgreSQL), ``JSON`` (MySQL) or ``TEXT`` (SQLite).

MySQL text columns are ``VARCHAR(n)`` when the field's longest value is known and short (enums, states,
patterns), so they can be indexed and compared cheaply; otherwise ``TEXT``/``MEDIUMTEXT``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sdga.errors import SchemaError
from sdga.models import FieldSpec, SqlDialect
from sdga.writers._encode import (
    STRING,
    Part,
    concat,
    decode_dictionary,
    finite_floats,
    is_nested,
    is_temporal,
    join_lists,
    json_or_null,
    plain_text,
    present_bytes,
    temporal_parts,
    temporal_text,
    write_concat,
)
from sdga.writers.base import TableLike, TableWriter

MAX_ROWS_PER_INSERT = 1000
MAX_BYTES_PER_INSERT = 1 << 20
_MYSQL_KEY_VARCHAR = 255
_MYSQL_MAX_KEY_VARCHAR = 768  # InnoDB indexes at most 3,072 bytes: 768 utf8mb4 characters
_MYSQL_SHORT_VARCHAR = 255  # longest non-key VARCHAR: many of them still fit InnoDB's 65,535-byte row


def quote_ident(name: str, dialect: SqlDialect) -> str:
    """Quote a table/column name for ``dialect`` (embedded quote characters doubled)."""
    if dialect == SqlDialect.MYSQL:
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'


def script_header(dialect: SqlDialect) -> str:
    """Session settings the literals rely on, then the transaction start."""
    if dialect == SqlDialect.POSTGRESQL:
        return "SET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\nBEGIN;\n"
    if dialect == SqlDialect.MYSQL:
        return (
            "SET NAMES utf8mb4;\n"
            "SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', '');\n"
            "SET time_zone = '+00:00';\n"
            "START TRANSACTION;\n"
        )
    return "PRAGMA foreign_keys = ON;\nBEGIN TRANSACTION;\n"


def script_footer(dialect: SqlDialect) -> str:
    return "COMMIT;\n"


# ------------------------------------------------------------------------------------------------ DDL


def _is_key_column(name: str, table: TableLike, spec: FieldSpec | None) -> bool:
    return (
        name in table.primary_key
        or any(fk.column == name for fk in table.foreign_keys)
        or bool(spec is not None and (spec.constraints.unique or spec.primary_key))
    )


def column_type(
    field: pa.Field,
    spec: FieldSpec | None,
    dialect: SqlDialect,
    *,
    key: bool = False,
) -> str:
    """The SQL type for an Arrow column (``spec`` refines strings: uuid, lengths)."""
    t = decode_dictionary(pa.nulls(0, field.type)).type
    pg, my = dialect == SqlDialect.POSTGRESQL, dialect == SqlDialect.MYSQL
    kind = spec.type if spec is not None else sdga_type(field)
    if is_nested(t) or (kind == "json" and (pa.types.is_string(t) or pa.types.is_large_string(t))):
        return "JSONB" if pg else "JSON" if my else "TEXT"
    if pa.types.is_boolean(t):
        return "BOOLEAN" if (pg or my) else "INTEGER"
    if pa.types.is_integer(t):
        if dialect == SqlDialect.SQLITE:
            return "INTEGER"
        if pa.types.is_unsigned_integer(t):
            if my:
                return {8: "TINYINT UNSIGNED", 16: "SMALLINT UNSIGNED", 32: "INT UNSIGNED"}.get(
                    t.bit_width, "BIGINT UNSIGNED"
                )
            return {8: "SMALLINT", 16: "INTEGER", 32: "BIGINT"}.get(t.bit_width, "NUMERIC(20,0)")
        return {8: "SMALLINT", 16: "SMALLINT", 32: "INTEGER"}.get(t.bit_width, "BIGINT")
    if pa.types.is_floating(t):
        if dialect == SqlDialect.SQLITE:
            return "REAL"
        if t.bit_width <= 32:
            return "REAL" if pg else "FLOAT"
        return "DOUBLE PRECISION" if pg else "DOUBLE"
    if pa.types.is_decimal(t):
        if dialect == SqlDialect.SQLITE:
            # SQLite has no decimal type: NUMERIC keeps 15 significant digits, so longer decimals are
            # stored exactly as text (quoted literals) instead of being rounded.
            return "NUMERIC" if _decimal_digits(t, spec) <= SQLITE_EXACT_DIGITS else "TEXT"
        precision = min(t.precision, 65) if my else t.precision
        return f"{'NUMERIC' if pg else 'DECIMAL'}({precision},{t.scale})"
    if pa.types.is_date(t):
        return "TEXT" if dialect == SqlDialect.SQLITE else "DATE"
    if pa.types.is_timestamp(t):
        if dialect == SqlDialect.SQLITE:
            return "TEXT"
        if pg:
            return "TIMESTAMPTZ" if t.tz else "TIMESTAMP"
        return "DATETIME" if t.unit == "s" else "DATETIME(6)"
    if pa.types.is_time(t):
        if dialect == SqlDialect.SQLITE:
            return "TEXT"
        return "TIME" if (pg or t.unit == "s") else "TIME(6)"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return "BYTEA" if pg else "LONGBLOB" if my else "BLOB"
    # strings (and anything else, written as text)
    if kind == "uuid":
        return "UUID" if pg else "CHAR(36)" if my else "TEXT"
    if my:
        max_length = _longest_text(spec)
        if key:
            # A key cannot be TEXT in MySQL: size the VARCHAR for the longest value the field makes.
            length = max(max_length or _MYSQL_KEY_VARCHAR, 1)
            if length > _MYSQL_MAX_KEY_VARCHAR:
                raise SchemaError(
                    f"key column '{field.name}' holds values up to {length} characters; MySQL/MariaDB index "
                    f"at most {_MYSQL_MAX_KEY_VARCHAR} (utf8mb4): shorten it or drop unique/primary_key"
                )
            return f"VARCHAR({length})"
        if max_length is not None and max_length <= _MYSQL_SHORT_VARCHAR:
            return f"VARCHAR({max(max_length, 1)})"
        return "MEDIUMTEXT" if max_length is None or max_length > 16_000 else "TEXT"
    return "TEXT"


SQLITE_EXACT_DIGITS = 15  # significant digits a REAL (IEEE double) keeps exactly


def _decimal_digits(t: pa.DataType, spec: FieldSpec | None) -> int:
    """Significant digits a decimal column needs: from the field's bounds when known, else its Arrow precision."""
    if spec is not None and spec.type in ("decimal", "amount"):
        from sdga.engine.fields.bounds import AMOUNT_DEFAULT, decimal_scaled_bounds

        try:
            lo, hi = decimal_scaled_bounds(spec, AMOUNT_DEFAULT)
        except SchemaError:
            return int(t.precision)
        return min(int(t.precision), len(str(max(abs(lo), abs(hi)))))
    return int(t.precision)


def _longest_text(spec: FieldSpec | None) -> int | None:
    """The longest value of a text column: what the field can produce (enum, states, pattern), else max_length."""
    if spec is None:
        return None
    from sdga.engine.columns import max_value_length

    known = max_value_length(spec)
    return known if known is not None else spec.constraints.max_length


MAX_CONSTRAINT_NAME = 63  # PostgreSQL's identifier limit; MySQL allows 64


def foreign_key_name(table: str, column: str) -> str:
    """``fk_<table>_<column>``, shortened with a hash when longer than any database allows.

    Named explicitly because MySQL's own name (``<table>_ibfk_1``) is too long for a table name of
    58+ characters, so a long but legal table name would fail to load. Constraint names are unique per
    database in MySQL: the hash covers the full table and column names.
    """
    name = f"fk_{table}_{column}"
    if len(name) <= MAX_CONSTRAINT_NAME:
        return name
    digest = hashlib.sha1(f"{table}\x00{column}".encode()).hexdigest()[:10]
    return f"{name[: MAX_CONSTRAINT_NAME - 11]}_{digest}"


MYSQL_MAX_IDENTIFIER = 64  # characters, for table and column names (MySQL and MariaDB refuse longer ones)
POSTGRESQL_MAX_IDENTIFIER = 63  # bytes; PostgreSQL silently truncates longer names


def check_identifiers(tables: Sequence[TableLike], dialect: SqlDialect) -> None:
    """Raise :class:`~sdga.errors.SchemaError` for table/column names ``dialect`` cannot hold.

    MySQL/MariaDB refuse names over 64 characters, so the script would stop at its first ``CREATE
    TABLE``. PostgreSQL cuts names to 63 bytes (in DDL and queries alike, so one long name works), but
    two names equal in their first 63 bytes become the same table or column and the load fails.
    """
    dialect = SqlDialect(dialect)
    if dialect == SqlDialect.MYSQL:
        for table in tables:
            for what, name in [("table", table.name)] + [("column", c) for c in table.arrow_schema.names]:
                if len(name) > MYSQL_MAX_IDENTIFIER:
                    where = f"'{name}'" if what == "table" else f"'{table.name}.{name}'"
                    raise SchemaError(
                        f"{what} name {where} has {len(name)} characters; MySQL/MariaDB allow at most "
                        f"{MYSQL_MAX_IDENTIFIER}: shorten it"
                    )
    elif dialect == SqlDialect.POSTGRESQL:

        def clash(names: Sequence[str], what: str, where: str = "") -> None:
            seen: dict[bytes, str] = {}
            for name in names:
                key = name.encode("utf-8")[:POSTGRESQL_MAX_IDENTIFIER]
                if key in seen and seen[key] != name:
                    raise SchemaError(
                        f"{what} names '{seen[key]}' and '{name}'{where} are the same in their first "
                        f"{POSTGRESQL_MAX_IDENTIFIER} bytes, where PostgreSQL truncates names: shorten one"
                    )
                seen.setdefault(key, name)

        clash([t.name for t in tables], "table")
        for table in tables:
            clash(list(table.arrow_schema.names), "column", f" of table '{table.name}'")


def create_table_sql(
    table: TableLike,
    dialect: SqlDialect = SqlDialect.POSTGRESQL,
    *,
    tables: Sequence[TableLike] | Mapping[str, TableLike] = (),
) -> str:
    """``CREATE TABLE`` for one table: columns, primary key, unique fields, foreign keys.

    Pass every table of the plan as ``tables`` so that a foreign-key column takes the exact type of the
    column it references (PostgreSQL refuses ``TEXT`` referencing ``UUID``); without it the column's own
    Arrow type decides.
    """
    dialect = SqlDialect(dialect)
    check_identifiers([table], dialect)
    by_name = dict(tables) if isinstance(tables, Mapping) else {t.name: t for t in tables}
    specs = {f.name: f for f in table.fields}
    fk_by_column = {fk.column: fk for fk in table.foreign_keys}
    lines: list[str] = []
    for field in table.arrow_schema:
        spec = specs.get(field.name)
        key = _is_key_column(field.name, table, spec)
        sql_type = column_type(field, spec, dialect, key=key)
        fk = fk_by_column.get(field.name)
        parent = by_name.get(fk.ref_table) if fk is not None else None
        if fk is not None and parent is not None and fk.ref_column in parent.arrow_schema.names:
            parent_field = parent.arrow_schema.field(fk.ref_column)
            parent_spec = {f.name: f for f in parent.fields}.get(fk.ref_column)
            sql_type = column_type(parent_field, parent_spec, dialect, key=True)
        not_null = field.name in table.primary_key or not field.nullable
        lines.append(f"  {quote_ident(field.name, dialect)} {sql_type}{' NOT NULL' if not_null else ''}")
    if table.primary_key:
        lines.append(f"  PRIMARY KEY ({', '.join(quote_ident(c, dialect) for c in table.primary_key)})")
    for field in table.arrow_schema:
        spec = specs.get(field.name)
        if spec is not None and spec.constraints.unique and [field.name] != list(table.primary_key):
            lines.append(f"  UNIQUE ({quote_ident(field.name, dialect)})")
    for fk in table.foreign_keys:
        lines.append(
            f"  CONSTRAINT {quote_ident(foreign_key_name(table.name, fk.column), dialect)} "
            f"FOREIGN KEY ({quote_ident(fk.column, dialect)}) "
            f"REFERENCES {quote_ident(fk.ref_table, dialect)} ({quote_ident(fk.ref_column, dialect)})"
        )
    suffix = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin" if dialect == SqlDialect.MYSQL else ""
    return f"CREATE TABLE {quote_ident(table.name, dialect)} (\n" + ",\n".join(lines) + f"\n){suffix};\n"


def drop_tables_sql(tables: Sequence[TableLike], dialect: SqlDialect) -> str:
    """``DROP TABLE IF EXISTS`` for ``tables`` (given parents first), children first so keys never block."""
    return "".join(f"DROP TABLE IF EXISTS {quote_ident(t.name, dialect)};\n" for t in reversed(list(tables)))


# -------------------------------------------------------------------------------------------- literals


def _string_escape(text: pa.Array, dialect: SqlDialect) -> pa.Array:
    """The inside of a string literal (quotes not added), safe to load through the command-line clients.

    NUL is dropped (no PostgreSQL text column stores it; every dialect does the same). The ``mariadb``/
    ``mysql`` and ``sqlite3`` clients read scripts line by line and drop a carriage return before a line
    feed, so a CR never appears raw in those scripts: MySQL writes the escape ``\\r`` (backslash escapes
    are on, see :func:`script_header`), SQLite closes the literal around ``char(13)``.
    """
    text = text.cast(STRING)
    present = present_bytes(text)
    if 0x00 in present:
        text = pc.replace_substring(text, "\x00", "")
    if dialect == SqlDialect.MYSQL:
        if 0x5C in present:
            text = pc.replace_substring(text, "\\", "\\\\")
        if 0x0D in present:
            text = pc.replace_substring(text, "\r", "\\r")
        if 0x1A in present:  # Ctrl-Z: end of file for the Windows client
            text = pc.replace_substring(text, "\x1a", "\\Z")
    if 0x27 in present:
        text = pc.replace_substring(text, "'", "''")
    if dialect == SqlDialect.SQLITE and 0x0D in present:
        text = pc.replace_substring(text, "\r", "' || char(13) || '")
    return text


# A JSON escape of NUL not preceded by an escaped backslash (``\\u0000`` is the text "\u0000").
_JSON_NUL = r"((?:^|[^\\])(?:\\\\)*)\\u0000"


def drop_json_nul(text: pa.Array) -> pa.Array:
    """JSON text without ``\\u0000`` escapes: PostgreSQL's JSONB refuses them, and text drops NUL anyway."""
    while pc.any(pc.match_substring_regex(text, _JSON_NUL)).as_py():
        text = pc.replace_substring_regex(text, _JSON_NUL, r"\1")
    return text


def _string_literal(text: pa.Array, dialect: SqlDialect) -> pa.Array:
    return concat(["'", _string_escape(text, dialect), "'"])


def _utc_marker(dialect: SqlDialect) -> str:
    return "" if dialect == SqlDialect.MYSQL else "+00:00"


def sql_literals(arr: pa.Array, dialect: SqlDialect, *, json_text: bool = False) -> pa.Array:
    """Every value of ``arr`` as a SQL literal for ``dialect``; nulls become ``NULL``. No nulls in the result.

    ``json_text``: the strings are JSON documents (a ``json`` field), whose NUL escapes are dropped.
    """
    arr = decode_dictionary(arr)
    t = arr.type
    if len(arr) == 0:
        return pa.array([], type=STRING)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        out = _string_literal(drop_json_nul(arr) if json_text else arr, dialect)
    elif pa.types.is_boolean(t):
        if dialect == SqlDialect.SQLITE:
            out = pc.if_else(arr, pa.scalar("1", type=STRING), pa.scalar("0", type=STRING))
        else:
            out = pc.if_else(arr, pa.scalar("TRUE", type=STRING), pa.scalar("FALSE", type=STRING))
    elif pa.types.is_decimal(t) and dialect == SqlDialect.SQLITE:
        out = _string_literal(pc.cast(arr, STRING), dialect)  # quoted: a numeric literal would be a REAL
    elif pa.types.is_integer(t) or pa.types.is_decimal(t):
        out = pc.cast(arr, STRING)
    elif pa.types.is_floating(t):
        out = pc.cast(finite_floats(arr), STRING)
    elif is_temporal(t):
        out = _string_literal(temporal_text(arr, sep=" ", utc_marker=_utc_marker(dialect)), dialect)
    elif pa.types.is_null(t):
        out = pa.nulls(len(arr), type=STRING)
    elif is_nested(t):
        out = _string_literal(drop_json_nul(json_or_null(arr)), dialect)
    elif pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        hexed = pa.array([None if v is None else v.hex() for v in arr.to_pylist()], type=STRING)
        pg = dialect == SqlDialect.POSTGRESQL
        out = concat(["'\\x", hexed, "'::bytea"]) if pg else concat(["X'", hexed, "'"])
    else:
        out = _string_literal(plain_text(arr, sep=" ", utc_marker=""), dialect)
    return pc.fill_null(out, pa.scalar("NULL", type=STRING))


def sql_parts(arr: pa.Array, dialect: SqlDialect, *, json_text: bool = False) -> list[Part]:
    """:func:`sql_literals` as parts: for text without nulls the quotes stay constants of the row join."""
    arr = decode_dictionary(arr)
    t = arr.type
    if len(arr) and arr.null_count == 0:
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            return ["'", _string_escape(drop_json_nul(arr) if json_text else arr, dialect), "'"]
        if is_temporal(t):  # ISO text: no quote, backslash or NUL to escape
            return ["'", *temporal_parts(arr, sep=" ", utc_marker=_utc_marker(dialect)), "'"]
    return [sql_literals(arr, dialect, json_text=json_text)]


def sdga_type(field: pa.Field) -> str | None:
    """The field type the engine recorded in the Arrow field's metadata (``sdga_type``), if any."""
    value = (field.metadata or {}).get(b"sdga_type")
    return value.decode() if value else None


def row_literals(batch: pa.RecordBatch, dialect: SqlDialect) -> pa.Array:
    """One ``(v1, v2, ...)`` tuple literal per row."""
    parts: list[Part] = ["("]
    for i, column in enumerate(batch.columns):
        if i:
            parts.append(", ")
        parts += sql_parts(column, dialect, json_text=sdga_type(batch.schema.field(i)) == "json")
    parts.append(")")
    return concat(parts, batch.num_rows)


def statement_bounds(lengths: np.ndarray, max_rows: int, max_bytes: int) -> list[tuple[int, int]]:
    """Greedy split of rows into statements: each takes rows until ``max_rows`` or ``max_bytes`` is reached.

    ``lengths`` are the rows' byte lengths. A statement always holds at least one row. The loop runs once
    per statement (not per row). The split depends only on the rows, never on how they were batched.
    """
    n = len(lengths)
    cumulative = np.concatenate(([0], np.cumsum(lengths + 2, dtype=np.int64)))  # + ",\n"
    bounds: list[tuple[int, int]] = []
    start = 0
    while start < n:
        by_bytes = int(np.searchsorted(cumulative, cumulative[start] + max_bytes, side="right")) - 1
        end = max(start + 1, min(start + max_rows, by_bytes, n))
        bounds.append((start, end))
        start = end
    return bounds


def _statements(
    table_name: str, columns: Sequence[str], rows: pa.Array, bounds: list[tuple[int, int]], dialect: SqlDialect
) -> pa.Array:
    offsets = pa.array([b[0] for b in bounds] + [bounds[-1][1]], type=pa.int64())
    base = bounds[0][0]
    bodies = join_lists(rows.slice(base, bounds[-1][1] - base), pc.subtract(offsets, base), ",\n")
    names = ", ".join(quote_ident(name, dialect) for name in columns)
    prefix = f"INSERT INTO {quote_ident(table_name, dialect)} ({names}) VALUES\n"
    return concat([prefix, bodies, ";\n"])


def insert_statements(
    table_name: str,
    batch: pa.RecordBatch,
    dialect: SqlDialect,
    *,
    max_rows: int = MAX_ROWS_PER_INSERT,
    max_bytes: int = MAX_BYTES_PER_INSERT,
) -> pa.Array:
    """Multi-row INSERT statements for ``batch`` (one string per statement, each ending in ``;\\n``)."""
    if batch.num_rows == 0:
        return pa.array([], type=STRING)
    rows = row_literals(batch, dialect)
    lengths = pc.binary_length(rows).to_numpy(zero_copy_only=False).astype(np.int64)
    return _statements(table_name, batch.schema.names, rows, statement_bounds(lengths, max_rows, max_bytes), dialect)


# --------------------------------------------------------------------------------------------- writers


class SqlWriter(TableWriter):
    """A SQL script for one or more tables (all DDL first, then each table's rows in turn).

    Used directly (``open_writer``) it holds one table. For several tables pass ``tables`` (parents
    first) and call :meth:`start_table` before each table's batches.
    """

    extension = "sql"
    binary_stream = True

    def __init__(
        self,
        path: Path,
        table: TableLike,
        *,
        dialect: SqlDialect = SqlDialect.POSTGRESQL,
        tables: Sequence[TableLike] | None = None,
        max_rows: int = MAX_ROWS_PER_INSERT,
        max_bytes: int = MAX_BYTES_PER_INSERT,
        drop_existing: bool = False,
    ) -> None:
        self.dialect = SqlDialect(dialect)
        self.tables = list(tables) if tables else [table]
        check_identifiers(self.tables, self.dialect)  # before the temporary file exists
        self.drop_existing = drop_existing
        self.max_rows, self.max_bytes = max_rows, max_bytes
        self._pending: pa.Array | None = None
        self._columns: list[str] = []
        super().__init__(path, table)

    def _write_header(self) -> None:
        names = ", ".join(t.name for t in self.tables)
        out = [f"-- Synthetic test data ({self.dialect.value}); tables in dependency order: {names}\n"]
        out.append(script_header(self.dialect))
        if self.drop_existing:
            out.append("\n" + drop_tables_sql(self.tables, self.dialect))
        for table in self.tables:
            out.append("\n" + create_table_sql(table, self.dialect, tables=self.tables))
        self.stream.write("".join(out).encode("utf-8"))

    def start_table(self, table: TableLike) -> None:
        """Switch the table the following batches belong to."""
        self._flush()
        self.table = table
        self.stream.write(f"\n-- {table.name}\n".encode())

    def _write(self, batch: pa.RecordBatch) -> None:
        # Rows of the last, possibly unfinished statement wait for the next batch, so statements (and
        # the script's bytes) do not depend on the batch size.
        rows = row_literals(batch, self.dialect)
        if self._pending is not None:
            rows = pa.concat_arrays([self._pending, rows.cast(self._pending.type)])
        self._columns = list(batch.schema.names)
        lengths = pc.binary_length(rows).to_numpy(zero_copy_only=False).astype(np.int64)
        bounds = statement_bounds(lengths, self.max_rows, self.max_bytes)
        complete = bounds[:-1]
        if complete:
            write_concat(self.stream, _statements(self.table.name, self._columns, rows, complete, self.dialect))
        tail = bounds[-1][0]
        self._pending = rows.slice(tail)

    def _flush(self) -> None:
        if self._pending is not None and len(self._pending):
            bounds = [(0, len(self._pending))]
            write_concat(self.stream, _statements(self.table.name, self._columns, self._pending, bounds, self.dialect))
        self._pending = None

    def _write_footer(self) -> None:
        self._flush()
        self.stream.write(("\n" + script_footer(self.dialect)).encode("utf-8"))
