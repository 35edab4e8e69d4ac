"""SQL scripts loaded by the databases' own command-line clients (``psql``, ``mariadb``, ``sqlite3``),
then read back value by value with a driver, on a corpus of values that break naive scripts.

A driver executing the script is not enough: the clients read the script line by line and have their
own rules (the ``mariadb`` and ``sqlite3`` clients drop a carriage return before a line feed, ``psql``
has backslash commands), so the script must survive them. NUL characters are the one documented loss:
no text column of PostgreSQL accepts them, so every dialect drops them from text (also inside JSON).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from sdga.models import FieldSpec, SqlDialect
from sdga.writers import write_plan

from .conftest import Plan, Table, source

D = decimal.Decimal
UTC = dt.UTC

#: Text that command-line clients, quoting rules and encodings get wrong.
TEXTS: list[str | None] = [
    "plain",
    "it's 'quoted' and \"double\" ''",
    "back\\slash at the end \\",
    "\\n is not a newline, \\r is not a return, \\0 \\Z \\' \\\\",
    "windows\r\nline\r\nends\r\n",
    "\r\n",
    "lone\rreturn\r",
    "unix\nline\n\nends\n",
    "\ttab\tseparated\t",
    "emoji 😀👍🏽 and 👨‍👩‍👧 (ZWJ), 日本語, العربية, Zoë",
    "NUL\x00inside",
    "ctrl \x01\x02\x07\x08\x0b\x0c\x1a\x1b\x1f\x7f end",
    "\n;\nCOMMIT;\n-- not a comment\n/* nor this */ \\q \\! echo hi\n.quit\n.tables\n",
    "$1 $$ $tag$ :var :'var' %s %% ? @x",
    "",
    None,
    "x" * 9_999 + "é",  # 10,000 characters, 10,001 bytes
    "  leading and trailing  ",
    "\u2028line separator\u2029paragraph separator\ufeffbom",
]
N = len(TEXTS)

INT64 = [2**63 - 1, -(2**63), 0, -1, 1]
DEC_MAX = D("9" * 28 + "." + "9" * 10)  # decimal128(38, 10) at full precision
DECIMALS = [DEC_MAX, DEC_MAX.copy_negate(), D("0E-10"), D("0.0000000001"), D("-12345678901234567890.1234567890")]
MONEY = [D("9999999999999999.99"), D("-9999999999999999.99"), D("0.01"), D("1234567.89"), D("0.00")]
FLOATS = [1.7976931348623157e308, -2.2250738585072014e-308, 0.1, -0.0, 123456.789]
DATES = [dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(2024, 2, 29), dt.date(1970, 1, 1), dt.date(1969, 12, 31)]
TIMESTAMPS = [
    dt.datetime(1000, 1, 1, 0, 0, 0),
    dt.datetime(9999, 12, 31, 23, 59, 59, 999999),
    dt.datetime(2024, 2, 29, 12, 34, 56, 789012),
    dt.datetime(1970, 1, 1),
    dt.datetime(1969, 12, 31, 23, 59, 59, 1),
]
# Aware instants; the writers store them as UTC (PostgreSQL TIMESTAMPTZ, MySQL DATETIME in UTC).
ZONED = [
    dt.datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC),
    dt.datetime(2024, 3, 31, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
    dt.datetime(1970, 1, 1, tzinfo=UTC),
    dt.datetime(2038, 1, 19, 3, 14, 8, tzinfo=dt.timezone(dt.timedelta(hours=-8))),
    dt.datetime(2000, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
]
TIMES = [dt.time(23, 59, 59, 999999), dt.time(0, 0), dt.time(12, 0, 0, 1), dt.time(6, 30), dt.time(1, 2, 3)]
JSON_TEXTS = [
    '{"quote": "it\'s \\"x\\"", "nl": "a\\r\\nb", "emoji": "😀", "n": 12345678901234567, "f": 1.5}',
    "[1, 2, [3, {}], null, true]",
    '{"nested": {"deep": [{"k": "\\\\"}]}, "empty": ""}',
    '"just a string"',
    "{}",
]
NOTE = pa.struct([("text", pa.string()), ("n", pa.int64())])

SCHEMA = pa.schema(
    [
        pa.field("id", pa.int64(), nullable=False),
        ("txt", pa.string()),
        ("big", pa.int64()),
        ("dec", pa.decimal128(38, 10)),
        ("money", pa.decimal128(18, 2)),
        ("flt", pa.float64()),
        ("flag", pa.bool_()),
        ("day", pa.date32()),
        ("at", pa.timestamp("us")),
        ("at_tz", pa.timestamp("us", tz="UTC")),
        ("clock", pa.time64("us")),
        ("doc", pa.string()),
        ("note", NOTE),
        ("tags", pa.list_(pa.string())),
    ]
)
FIELDS = [
    FieldSpec(name="id", type="sequence", primary_key=True),
    FieldSpec(name="txt", type="text"),
    FieldSpec(name="doc", type="json"),
]


def _rows() -> list[dict[str, Any]]:
    rows = []
    for i, text in enumerate(TEXTS):
        k = i % 5
        null = i == N - 4  # one row of NULLs in every nullable column
        rows.append(
            {
                "id": i + 1,
                "txt": text,
                "big": None if null else INT64[k],
                "dec": None if null else DECIMALS[k],
                "money": None if null else MONEY[k],
                "flt": None if null else FLOATS[k],
                "flag": None if null else k % 2 == 0,
                "day": None if null else DATES[k],
                "at": None if null else TIMESTAMPS[k],
                "at_tz": None if null else ZONED[k],
                "clock": None if null else TIMES[k],
                "doc": None if null else JSON_TEXTS[k],
                "note": None if null else {"text": text, "n": INT64[k]},
                "tags": None if null else [text, "b"] if k else [],
            }
        )
    return rows


ROWS = _rows()


def _stored(text: str | None) -> str | None:
    """The documented NUL policy: dropped from text (PostgreSQL cannot store it; all dialects agree)."""
    return None if text is None else text.replace("\x00", "")


def _script(tmp_path: Path, dialect: SqlDialect, name: str) -> Path:
    table = Table(name, SCHEMA, ["id"], [], list(FIELDS))
    batches = pa.Table.from_pylist(ROWS, schema=SCHEMA).to_batches(max_chunksize=4)
    out = tmp_path / f"{dialect.value}.sql"
    write_plan(Plan([table]), out, "sql", sql_dialect=dialect, batches=source({name: batches}))
    return out


def _client(*argv: str, script: Path) -> None:
    if shutil.which(argv[0]) is None:
        if os.environ.get("SDGA_REQUIRE_SERVICES") == "1":
            pytest.fail(f"the {argv[0]} client is required but not installed")
        pytest.skip(f"the {argv[0]} client is not installed")
    with script.open("rb") as stdin:
        done = subprocess.run(argv, stdin=stdin, capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-2000:]
    assert b"ERROR" not in done.stderr.upper(), done.stderr.decode("utf-8", "replace")[-2000:]


def _json(value: Any, dialect: SqlDialect) -> Any:
    """A JSON column's value: psycopg decodes JSONB itself, the other drivers return the text."""
    return value if dialect == SqlDialect.POSTGRESQL else json.loads(value)


def _check(got: list[tuple[Any, ...]], dialect: SqlDialect) -> None:
    """Every column of every row as written, in the types each database gives back."""
    assert len(got) == N
    for values, row in zip(got, ROWS, strict=True):
        rid, txt, big, dec, money, flt, flag, day, at, at_tz, clock, doc, note, tags = values
        where = f"{dialect.value} row {rid}"
        assert rid == row["id"], where
        assert txt == _stored(row["txt"]), (where, txt, row["txt"])
        assert big == row["big"], where
        if row["big"] is None:
            assert (dec, money, flt, flag, day, at, at_tz, clock, doc, note, tags) == (None,) * 11, where
            continue
        assert D(str(dec)) == row["dec"], (where, dec)
        assert D(str(money)) == row["money"], (where, money)
        assert float(flt) == row["flt"], (where, flt)
        assert bool(flag) == row["flag"], where
        if isinstance(day, str):
            day = dt.date.fromisoformat(day)
        assert day == row["day"], where
        if isinstance(at, str):
            at = dt.datetime.fromisoformat(at)
        assert at == row["at"], where
        if isinstance(at_tz, str):
            at_tz = dt.datetime.fromisoformat(at_tz)
        if at_tz.tzinfo is None:  # MySQL DATETIME holds the UTC wall time
            at_tz = at_tz.replace(tzinfo=UTC)
        assert at_tz == row["at_tz"], where
        if isinstance(clock, dt.timedelta):  # PyMySQL returns TIME as a duration
            clock = (dt.datetime.min + clock).time()
        if isinstance(clock, str):
            clock = dt.time.fromisoformat(clock)
        assert clock == row["clock"], where
        assert _json(doc, dialect) == json.loads(row["doc"]), where
        assert _json(note, dialect) == {"text": _stored(row["note"]["text"]), "n": row["note"]["n"]}, where
        assert _json(tags, dialect) == [_stored(t) for t in row["tags"]], where


COLUMNS = ", ".join(SCHEMA.names)
MY_COLUMNS = ", ".join(f"`{name}`" for name in SCHEMA.names)


def test_sqlite3_client_loads_the_corpus_exactly(tmp_path: Path) -> None:
    script = _script(tmp_path, SqlDialect.SQLITE, "corpus")
    db = tmp_path / "corpus.sqlite"
    _client("sqlite3", "-bail", str(db), script=script)
    con = sqlite3.connect(db)
    try:
        _check(con.execute(f"SELECT {COLUMNS} FROM corpus ORDER BY id").fetchall(), SqlDialect.SQLITE)
        # Exact decimals stay text where SQLite's REAL would round them; short ones stay numbers.
        assert con.execute("SELECT typeof(dec), typeof(money) FROM corpus WHERE id = 1").fetchone() == (
            "text",
            "text",
        )
        assert con.execute("SELECT length(txt) FROM corpus WHERE id = 5").fetchone() == (len(TEXTS[4]),)
    finally:
        con.close()


@pytest.fixture
def pg_schema(postgres_url: str) -> Iterator[tuple[str, str]]:
    import sqlalchemy as sa

    url = sa.engine.make_url(postgres_url)
    schema = f"sdga_{uuid.uuid4().hex[:10]}"
    conninfo = f"host={url.host} port={url.port or 5432} user={url.username} dbname={url.database}"
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield conninfo, schema
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.mark.db
def test_psql_client_loads_the_corpus_exactly(tmp_path: Path, pg_schema: tuple[str, str]) -> None:
    import psycopg

    conninfo, schema = pg_schema
    script = _script(tmp_path, SqlDialect.POSTGRESQL, "corpus")
    env_options = f"options=-csearch_path={schema}"
    _client("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", f"{conninfo} {env_options}", script=script)
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(f"SELECT {COLUMNS} FROM {schema}.corpus ORDER BY id").fetchall()
        _check(rows, SqlDialect.POSTGRESQL)
        types = dict(
            conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = %s",
                (schema,),
            ).fetchall()
        )
    assert types["doc"] == "jsonb" and types["note"] == "jsonb" and types["money"] == "numeric"


@pytest.fixture
def mariadb_database(mysql_url: str) -> Iterator[dict[str, Any]]:
    import pymysql
    import sqlalchemy as sa

    url = sa.engine.make_url(mysql_url)
    params: dict[str, Any] = {"host": url.host, "port": url.port or 3306, "user": url.username or "root"}
    database = f"sdga_{uuid.uuid4().hex[:10]}"
    conn = pymysql.connect(**params, password=url.password or "", charset="utf8mb4", autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE {database} CHARACTER SET utf8mb4")
        yield {**params, "password": url.password or "", "database": database}
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {database}")
        conn.close()


@pytest.mark.db
def test_mariadb_client_loads_the_corpus_exactly(tmp_path: Path, mariadb_database: dict[str, Any]) -> None:
    import pymysql

    db = mariadb_database
    script = _script(tmp_path, SqlDialect.MYSQL, "corpus")
    argv = ["mariadb", f"--host={db['host']}", f"--port={db['port']}", f"--user={db['user']}"]
    if db["password"]:
        argv.append(f"--password={db['password']}")
    _client(*argv, db["database"], script=script)
    conn = pymysql.connect(**db, charset="utf8mb4")
    try:
        with conn.cursor() as cur:
            cur.execute("SET time_zone = '+00:00'")
            cur.execute(f"SELECT {MY_COLUMNS} FROM corpus ORDER BY id")
            _check(list(cur.fetchall()), SqlDialect.MYSQL)
            cur.execute(
                "SELECT column_name, column_type FROM information_schema.columns WHERE table_schema = %s",
                (db["database"],),
            )
            types = {name: str(kind).lower() for name, kind in cur.fetchall()}
    finally:
        conn.close()
    assert types["money"] == "decimal(18,2)" and types["dec"] == "decimal(38,10)"
    assert types["doc"] in ("json", "longtext")  # MariaDB's JSON is LONGTEXT with a JSON_VALID check


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_the_database_destination_stores_the_corpus_exactly(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    """The ``rds`` loader (COPY, executemany) keeps the same values as the scripts, NUL policy included."""
    from sdga.adapters.rds import load_tables
    from sdga.writers.sql import create_table_sql

    name = f"corpus_{uuid.uuid4().hex[:8]}"
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'rds.sqlite'}"
        dialect = SqlDialect.SQLITE
    else:
        url = request.getfixturevalue("postgres_url" if backend == "postgresql" else "mysql_url")
        dialect = SqlDialect.POSTGRESQL if backend == "postgresql" else SqlDialect.MYSQL
    table = Table(name, SCHEMA, ["id"], [], list(FIELDS))
    batches = pa.Table.from_pylist(ROWS, schema=SCHEMA).to_batches(max_chunksize=4)
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    q = "`" if dialect == SqlDialect.MYSQL else '"'
    try:
        done = load_tables(
            url, [table], lambda _n: iter(batches), lambda t, d, all_tables: create_table_sql(t, d, tables=all_tables)
        )
        assert done.tables == {name: N}
        with engine.connect() as conn:
            if dialect == SqlDialect.MYSQL:
                conn.execute(sa.text("SET time_zone = '+00:00'"))
            cols = ", ".join(f"{q}{c}{q}" for c in SCHEMA.names)
            rows = conn.execute(sa.text(f"SELECT {cols} FROM {q}{name}{q} ORDER BY id")).fetchall()
        _check([tuple(r) for r in rows], dialect)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {q}{name}{q}"))
        engine.dispose()
