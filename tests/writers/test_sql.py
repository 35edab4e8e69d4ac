"""SQL scripts executed by the real engines (SQLite, PostgreSQL, MariaDB) and read back value by value."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import sqlite3
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from sdga.models import FieldSpec, SqlDialect
from sdga.writers import write_plan
from sdga.writers.sql import create_table_sql, insert_statements, sql_literals

from .conftest import Plan, Table, orders_batches, orders_table, source, users_batches, users_rows, users_table

N_USERS = 24


def _script(tmp_path: Path, dialect: SqlDialect, users: str, orders: str, rows: list[dict[str, Any]]) -> Path:
    plan = Plan([users_table(users), orders_table(orders, users)])
    batches = source({users: users_batches(rows, batch_size=7), orders: orders_batches(len(rows))})
    out = tmp_path / f"{dialect.value}.sql"
    result = write_plan(plan, out, "sql", sql_dialect=dialect, batches=batches)
    assert result.files == {users: out, orders: out}
    return out


def _db_safe(s: str | None, dialect: SqlDialect) -> str | None:
    """What a text column stores: NUL is dropped by the writer (no server accepts it in text)."""
    return None if s is None else s.replace("\x00", "")


def _check_users(rows_db: list[tuple[Any, ...]], rows: list[dict[str, Any]], dialect: SqlDialect) -> None:
    """rows_db: (id, name, age, balance, is_active, birth_date, created_at, address, tags) ordered by id."""
    assert len(rows_db) == len(rows)
    for got, row in zip(rows_db, rows, strict=True):
        rid, name, age, balance, active, birth, created, address, tags = got
        assert str(rid) == row["id"]
        assert name == _db_safe(row["name"], dialect)
        assert age == row["age"]
        assert (None if balance is None else decimal.Decimal(str(balance))) == row["balance"]
        assert (None if active is None else bool(active)) == row["is_active"]
        if isinstance(birth, str):
            birth = dt.date.fromisoformat(birth)
        assert birth == row["birth_date"]
        if isinstance(created, str):
            created = dt.datetime.fromisoformat(created)
        assert created == row["created_at"]
        if isinstance(address, str):
            address = json.loads(address)
        assert address == row["address"]
        if isinstance(tags, str):
            tags = json.loads(tags)
        assert tags == row["tags"]


SELECT = "SELECT id, name, age, balance, is_active, birth_date, created_at, address, tags FROM {q} ORDER BY id"


def test_sqlite_script_loads_and_round_trips(tmp_path: Path) -> None:
    rows = users_rows(N_USERS)
    script = _script(tmp_path, SqlDialect.SQLITE, "users", "orders", rows)
    con = sqlite3.connect(tmp_path / "db.sqlite")
    con.executescript(script.read_bytes().decode("utf-8"))
    _check_users(con.execute(SELECT.format(q='"users"')).fetchall(), rows, SqlDialect.SQLITE)
    assert con.execute("SELECT COUNT(*) FROM orders JOIN users ON users.id = orders.user_id").fetchone() == (30,)
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    fks = con.execute("PRAGMA foreign_key_list(orders)").fetchall()
    assert [(f[2], f[3], f[4]) for f in fks] == [("users", "user_id", "id")]
    assert con.execute("SELECT seen_at FROM users WHERE seen_at IS NOT NULL LIMIT 1").fetchone() == (
        "2024-02-29 23:59:59+00:00",
    )


def test_sqlite_rejects_orphans_so_fk_is_real(tmp_path: Path) -> None:
    script = _script(tmp_path, SqlDialect.SQLITE, "users", "orders", users_rows(5))
    con = sqlite3.connect(":memory:")
    con.executescript(script.read_bytes().decode("utf-8"))
    con.execute("PRAGMA foreign_keys = ON")
    with pytest.raises(sqlite3.IntegrityError):
        con.execute("INSERT INTO orders (order_id, user_id, amount) VALUES (999, 'nobody', 1)")


def test_insert_statements_are_split_by_rows_and_bytes() -> None:
    schema = pa.schema([("s", pa.string())])
    batch = pa.record_batch([pa.array(["a" * 100] * 2500)], schema=schema)
    statements = insert_statements("t", batch, SqlDialect.SQLITE, max_rows=1000, max_bytes=1 << 30).to_pylist()
    assert len(statements) == 3 and all(s.startswith('INSERT INTO "t" ("s") VALUES\n') for s in statements)
    small = insert_statements("t", batch, SqlDialect.SQLITE, max_rows=1000, max_bytes=10_000).to_pylist()
    assert 27 <= len(small) <= 29  # 106-byte rows: 265 kB / 10 kB, plus the 1,000-row boundaries
    assert all(len(s.encode()) <= 10_000 + 106 + 40 for s in small)  # cap + one row + prefix
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE t (s TEXT)")
    con.executescript("".join(small))
    assert con.execute("SELECT COUNT(*) FROM t").fetchone() == (2500,)


@pytest.mark.parametrize("dialect", list(SqlDialect))
def test_literals_per_dialect(dialect: SqlDialect) -> None:
    s = sql_literals(pa.array(["a'b\\c", None, ""]), dialect).to_pylist()
    if dialect == SqlDialect.MYSQL:
        assert s == ["'a''b\\\\c'", "NULL", "''"]
    else:
        assert s == ["'a''b\\c'", "NULL", "''"]
    b = sql_literals(pa.array([True, False, None]), dialect).to_pylist()
    assert b == (["1", "0", "NULL"] if dialect == SqlDialect.SQLITE else ["TRUE", "FALSE", "NULL"])
    f = sql_literals(pa.array([1.5, float("nan"), None]), dialect).to_pylist()
    assert f == ["1.5", "NULL", "NULL"]


def test_ddl_types_per_dialect() -> None:
    users, orders = users_table("u"), orders_table("o", "u")
    pg = create_table_sql(orders, SqlDialect.POSTGRESQL, tables=[users, orders])
    assert '"user_id" UUID' in pg and 'REFERENCES "u" ("id")' in pg and '"amount" NUMERIC(10,2)' in pg
    my = create_table_sql(users, SqlDialect.MYSQL)
    for expected in (
        "`id` CHAR(36) NOT NULL",
        "`address` JSON",
        "`created_at` DATETIME(6)",
        "`is_active` BOOLEAN",
        "`balance` DECIMAL(12,2)",
        "PRIMARY KEY (`id`)",
        "utf8mb4",
    ):
        assert expected in my
    lite = create_table_sql(users, SqlDialect.SQLITE)
    assert '"tags" TEXT' in lite and '"age" INTEGER' in lite
    unique = users_table("v")
    unique.fields = [*unique.fields, FieldSpec(name="name", type="email", constraints={"unique": True})]
    assert "UNIQUE (`name`)" in create_table_sql(unique, SqlDialect.MYSQL)
    assert "`name` VARCHAR(255)" in create_table_sql(unique, SqlDialect.MYSQL)  # indexable in MySQL


# ----------------------------------------------------------------------------------- real servers


@pytest.mark.db
def test_postgresql_script_loads_and_round_trips(tmp_path: Path, postgres_url: str, unique_suffix: str) -> None:
    import sqlalchemy as sa

    users, orders = f"users_{unique_suffix}", f"orders_{unique_suffix}"
    rows = users_rows(N_USERS)
    script = _script(tmp_path, SqlDialect.POSTGRESQL, users, orders, rows)
    engine = sa.create_engine(postgres_url)
    try:
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute(script.read_bytes().decode("utf-8"))  # the whole script, as psql would run it
            raw.commit()
        finally:
            raw.close()
        with engine.connect() as conn:
            got = conn.execute(sa.text(SELECT.format(q=f'"{users}"'))).fetchall()
            _check_users([tuple(r) for r in got], rows, SqlDialect.POSTGRESQL)
            types = dict(
                conn.execute(
                    sa.text("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = :t"),
                    {"t": users},
                ).fetchall()
            )
            assert types["id"] == "uuid" and types["address"] == "jsonb" and types["seen_at"].endswith("with time zone")
            seen = conn.execute(sa.text(f'SELECT seen_at FROM "{users}" WHERE seen_at IS NOT NULL LIMIT 1')).scalar()
            assert seen == dt.datetime(2024, 2, 29, 23, 59, 59, tzinfo=dt.UTC)
            n = conn.execute(sa.text(f'SELECT COUNT(*) FROM "{orders}" o JOIN "{users}" u ON u.id = o.user_id'))
            assert n.scalar() == N_USERS * 30 // N_USERS
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP TABLE IF EXISTS "{orders}", "{users}"'))
        engine.dispose()


@pytest.mark.db
def test_postgresql_script_with_drop_existing_loads_twice(
    tmp_path: Path, postgres_url: str, unique_suffix: str
) -> None:
    import sqlalchemy as sa

    users, orders = f"users_{unique_suffix}", f"orders_{unique_suffix}"
    plan = Plan([users_table(users), orders_table(orders, users)])
    out = tmp_path / "again.sql"
    write_plan(
        plan,
        out,
        "sql",
        sql_drop_existing=True,
        batches=source({users: users_batches(users_rows(6)), orders: orders_batches(6, 9)}),
    )
    engine = sa.create_engine(postgres_url)
    try:
        for _ in range(2):
            raw = engine.raw_connection()
            try:
                raw.cursor().execute(out.read_bytes().decode("utf-8"))
                raw.commit()
            finally:
                raw.close()
        with engine.connect() as conn:
            assert conn.execute(sa.text(f'SELECT COUNT(*) FROM "{orders}"')).scalar() == 9
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP TABLE IF EXISTS "{orders}", "{users}"'))
        engine.dispose()


@pytest.mark.db
def test_mariadb_script_loads_and_round_trips(tmp_path: Path, mysql_url: str, unique_suffix: str) -> None:
    import pymysql
    import sqlalchemy as sa
    from pymysql.constants import CLIENT

    users, orders = f"users_{unique_suffix}", f"orders_{unique_suffix}"
    rows = users_rows(N_USERS)
    script = _script(tmp_path, SqlDialect.MYSQL, users, orders, rows)
    url = sa.engine.make_url(mysql_url)
    conn = pymysql.connect(
        host=url.host,
        port=url.port or 3306,
        user=url.username,
        password=url.password or "",
        database=url.database,
        charset="utf8mb4",
        client_flag=CLIENT.MULTI_STATEMENTS,
    )
    try:
        with conn.cursor() as cur:
            cur.execute(script.read_bytes().decode("utf-8"))
            while cur.nextset():
                pass
        conn.commit()
        with conn.cursor() as cur:
            cur.execute(SELECT.format(q=f"`{users}`"))
            _check_users(list(cur.fetchall()), rows, SqlDialect.MYSQL)
            cur.execute(f"SELECT COUNT(*) FROM `{orders}` o JOIN `{users}` u ON u.id = o.user_id")
            assert cur.fetchone() == (30,)
            cur.execute(
                "SELECT COUNT(*) FROM information_schema.referential_constraints "
                "WHERE constraint_schema = DATABASE() AND table_name = %s",
                (orders,),
            )
            assert cur.fetchone() == (1,)
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS `{orders}`, `{users}`")
        conn.commit()
        conn.close()


# ------------------------------------------------------------------------------ identifier limits


def test_names_a_dialect_cannot_hold_are_refused_before_writing(tmp_path: Path) -> None:
    """MySQL refuses names over 64 characters; PostgreSQL truncates to 63 bytes, so two long names can clash."""
    from sdga.errors import SchemaError

    long_users = "u" * 65
    plan = Plan([users_table(long_users), orders_table("orders", long_users)])
    batches = source({long_users: users_batches(users_rows(3)), "orders": orders_batches(3)})
    out = tmp_path / "my.sql"
    with pytest.raises(SchemaError, match="64"):
        write_plan(plan, out, "sql", sql_dialect=SqlDialect.MYSQL, batches=batches)
    assert list(tmp_path.iterdir()) == []
    # PostgreSQL takes a long name (it truncates it the same way in every query) ...
    write_plan(plan, tmp_path / "pg.sql", "sql", sql_dialect=SqlDialect.POSTGRESQL, batches=batches)
    # ... but not two that are the same in their first 63 bytes.
    a, b = "t" * 63 + "_a", "t" * 63 + "_b"
    clash = Plan([users_table(a), orders_table(b, a)])
    with pytest.raises(SchemaError, match="63"):
        write_plan(clash, tmp_path / "clash.sql", "sql", sql_dialect=SqlDialect.POSTGRESQL, batches=batches)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pg.sql"]
    # 64 characters is MySQL's limit, not past it.
    ok = "m" * 64
    assert f"CREATE TABLE `{ok}`" in create_table_sql(users_table(ok), SqlDialect.MYSQL)
    with pytest.raises(SchemaError, match="64"):
        create_table_sql(users_table(long_users), SqlDialect.MYSQL)


def test_mysql_key_columns_fit_the_longest_pattern_value() -> None:
    """A key cannot be TEXT in MySQL; its VARCHAR must hold what the pattern produces (300 > the default 255)."""
    from sdga.errors import SchemaError

    def keyed(pattern: str) -> Table:
        spec = FieldSpec(name="code", type="pattern", primary_key=True, constraints={"pattern": pattern})
        return Table("codes", pa.schema([pa.field("code", pa.string(), nullable=False)]), ["code"], [], [spec])

    assert "`code` VARCHAR(300) NOT NULL" in create_table_sql(keyed("[a-z]{300}"), SqlDialect.MYSQL)
    assert "`code` VARCHAR(7) NOT NULL" in create_table_sql(keyed(r"[A-Z]{2}-\d{2,4}"), SqlDialect.MYSQL)
    with pytest.raises(SchemaError, match="768"):
        create_table_sql(keyed("[a-z]{800}"), SqlDialect.MYSQL)


def test_ddl_sizes_short_text_and_types_json_and_money_from_the_fields() -> None:
    """Enums and states become right-sized VARCHARs in MySQL, ``json`` fields JSON/JSONB, money exact decimals."""
    from sdga.engine import plan_generation
    from sdga.models import GenerateDataRequest

    schema = {
        "fields": [
            {"name": "id", "type": "sequence", "primary_key": True},
            {"name": "status", "type": "category", "constraints": {"enum": ["new", "paid", "refunded"]}},
            {
                "name": "tier",
                "type": "string",
                "constraints": {"enum": ["a", "b"], "edge_cases": ["special_chars"], "edge_case_rate": 0.5},
            },
            {"name": "code", "type": "pattern", "constraints": {"pattern": "[A-Z]{3}-[0-9]{4}"}},
            {"name": "free", "type": "string", "expression": "status + '-' + code"},
            {"name": "doc", "type": "json"},
            {"name": "price", "type": "amount", "constraints": {"min": 0, "max": 99999}},
            {"name": "huge", "type": "decimal", "constraints": {"min": 0, "max": 9e15, "precision": 1}},
        ]
    }
    plan = plan_generation(GenerateDataRequest.model_validate({"schema": schema, "volume": 300}))
    table = plan.tables[0]
    my = create_table_sql(table, SqlDialect.MYSQL)
    longest_special = max(len(s) for s in __import__("sdga.engine.columns").engine.columns.SPECIAL_SAMPLES)
    for expected in (
        "`status` VARCHAR(8) NOT NULL",
        f"`tier` VARCHAR({longest_special})",
        "`code` VARCHAR(8) NOT NULL",
        "`free` MEDIUMTEXT",  # derived: no known bound
        "`doc` JSON NOT NULL",
        "`price` DECIMAL(18,2) NOT NULL",
    ):
        assert expected in my, (expected, my)
    pg = create_table_sql(table, SqlDialect.POSTGRESQL)
    assert '"doc" JSONB NOT NULL' in pg and '"price" NUMERIC(18,2) NOT NULL' in pg
    lite = create_table_sql(table, SqlDialect.SQLITE)
    assert '"price" NUMERIC NOT NULL' in lite  # 7 digits: exact in SQLite's REAL
    assert '"huge" TEXT NOT NULL' in lite  # 19 digits would be rounded: exact text instead
    # The sizes hold what the engine generates: every value fits its VARCHAR.
    from sdga.engine import generate_rows

    batch = generate_rows(plan, table.name, 0, 300)
    for name in ("status", "tier", "code"):
        width = int(my.split(f"`{name}` VARCHAR(")[1].split(")")[0])
        assert max(len(v) for v in batch.column(name).to_pylist() if v is not None) <= width
    con = sqlite3.connect(":memory:")
    con.execute(lite.replace(" NOT NULL", ""))
    con.execute('INSERT INTO "data" (id, huge, price) VALUES (1, ?, ?)', ("12345678901234567.8", "12.30"))
    assert con.execute('SELECT huge, price FROM "data"').fetchone() == ("12345678901234567.8", 12.3)
