"""Every built-in template, as a SQL script per dialect, loads into SQLite, PostgreSQL and MariaDB.

Each server run is isolated: PostgreSQL in a fresh schema, MariaDB in a fresh database, both dropped
afterwards, so the fixed table names of the templates never collide with anything else.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from pathlib import Path

import pyarrow as pa
import pytest

from sdga.engine import plan_generation
from sdga.engine.templates import get_template, list_templates
from sdga.models import GenerateDataRequest, SqlDialect
from sdga.writers import write_plan
from sdga.writers.sql import create_table_sql

TEMPLATES = sorted(t.name for t in list_templates())


def _script(tmp_path: Path, template: str, dialect: SqlDialect) -> tuple[str, dict[str, int]]:
    request = GenerateDataRequest.model_validate(
        {"schema": get_template(template), "volume": 40, "seed": 11, "output_format": "sql", "sql_dialect": dialect}
    )
    plan = plan_generation(request)
    out = tmp_path / f"{template}.sql"
    result = write_plan(plan, out, "sql", sql_dialect=dialect, batch_size=50)
    return out.read_bytes().decode("utf-8"), result.records


@pytest.mark.parametrize("template", TEMPLATES)
def test_sqlite_loads_every_template(tmp_path: Path, template: str) -> None:
    script, records = _script(tmp_path, template, SqlDialect.SQLITE)
    con = sqlite3.connect(":memory:")
    con.executescript(script)
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    for table, count in records.items():
        assert con.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone() == (count,)


@pytest.mark.db
def test_postgresql_loads_every_template(tmp_path: Path, postgres_url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(postgres_url)
    try:
        for template in TEMPLATES:
            script, records = _script(tmp_path, template, SqlDialect.POSTGRESQL)
            schema = f"sdga_{uuid.uuid4().hex[:10]}"
            raw = engine.raw_connection()
            try:
                cur = raw.cursor()
                cur.execute(f"CREATE SCHEMA {schema}")
                cur.execute(f"SET search_path TO {schema}")
                try:
                    cur.execute(script)
                    for table, count in records.items():
                        cur.execute(f'SELECT COUNT(*) FROM "{table}"')
                        assert cur.fetchone() == (count,), (template, table)
                finally:
                    raw.rollback()
                    cur.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
                    raw.commit()
            finally:
                raw.close()
    finally:
        engine.dispose()


@pytest.mark.db
def test_mariadb_loads_every_template(tmp_path: Path, mysql_url: str) -> None:
    import pymysql
    import sqlalchemy as sa
    from pymysql.constants import CLIENT

    url = sa.engine.make_url(mysql_url)
    conn = pymysql.connect(
        host=url.host,
        port=url.port or 3306,
        user=url.username,
        password=url.password or "",
        charset="utf8mb4",
        client_flag=CLIENT.MULTI_STATEMENTS,
    )
    try:
        for template in TEMPLATES:
            script, records = _script(tmp_path, template, SqlDialect.MYSQL)
            database = f"sdga_{uuid.uuid4().hex[:10]}"
            with conn.cursor() as cur:
                cur.execute(f"CREATE DATABASE {database} CHARACTER SET utf8mb4")
                try:
                    conn.select_db(database)
                    cur.execute(script)
                    while cur.nextset():
                        pass
                    conn.commit()
                    for table, count in records.items():
                        cur.execute(f"SELECT COUNT(*) FROM `{table}`")
                        assert cur.fetchone() == (count,), (template, table)
                finally:
                    cur.execute(f"DROP DATABASE IF EXISTS {database}")
    finally:
        conn.close()


MONEY = re.compile(r"(price|amount|balance|cost|fees?|charge|mrr|total|salary|premium|payout|fare|revenue|budget)")


@pytest.mark.parametrize("dialect", [SqlDialect.POSTGRESQL, SqlDialect.MYSQL])
def test_money_columns_of_every_template_are_exact_decimals(dialect: SqlDialect) -> None:
    """Prices, amounts, balances, fees and totals are ``amount``/``decimal`` fields: NUMERIC/DECIMAL, never DOUBLE."""
    checked = 0
    for template in TEMPLATES:
        request = GenerateDataRequest.model_validate({"schema": get_template(template), "volume": 5})
        plan = plan_generation(request)
        for table in plan.tables:
            ddl = create_table_sql(table, dialect, tables=plan.tables)
            for field in table.arrow_schema:
                if MONEY.search(field.name) and pa.types.is_floating(field.type):
                    raise AssertionError(f"{template}.{table.name}.{field.name} is a float: {ddl}")
                if MONEY.search(field.name) and pa.types.is_decimal(field.type):
                    checked += 1
                    assert ("NUMERIC(" if dialect == SqlDialect.POSTGRESQL else "DECIMAL(") in ddl
    assert checked >= 30
