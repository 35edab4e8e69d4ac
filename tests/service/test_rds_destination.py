"""The rds destination against the local PostgreSQL and MariaDB: keys, row counts, all-or-nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from sdga.adapters.rds import dialect_of, redact_url
from sdga.config import Settings
from sdga.errors import DestinationError, InvalidInputError
from sdga.models import GenerateDataRequest, GenerationStatus, SqlDialect
from sdga.service import SyntheticDataService

pytestmark = pytest.mark.db


def _names(suffix: str, long: bool = False) -> tuple[str, str]:
    """Table names; ``long`` ones are 60 characters, near the 63/64 limits of PostgreSQL and MySQL."""
    if not long:
        return f"users_{suffix}", f"orders_{suffix}"
    return f"users_{suffix}_".ljust(60, "u"), f"orders_{suffix}_".ljust(60, "o")


def _schema(suffix: str, long: bool = False) -> dict[str, object]:
    users, orders = _names(suffix, long)
    return {
        "tables": [
            {
                "name": users,
                "fields": [
                    {"name": "user_id", "type": "uuid", "constraints": {"unique": True}, "primary_key": True},
                    {"name": "email", "type": "email", "constraints": {"unique": True}},
                    {"name": "age", "type": "integer", "constraints": {"min": 18, "max": 90, "nullable": True}},
                    {"name": "joined", "type": "datetime"},
                    {"name": "active", "type": "boolean"},
                    {"name": "note", "type": "string", "constraints": {"max_length": 40, "nullable": True}},
                ],
            },
            {
                "name": orders,
                "fields": [
                    {
                        "name": "order_id",
                        "type": "integer",
                        "constraints": {"unique": True, "min": 1, "max": 10**9},
                        "primary_key": True,
                    },
                    {"name": "user_id", "type": "reference", "references": f"{users}.user_id"},
                    {"name": "amount", "type": "float", "constraints": {"min": 1, "max": 999, "precision": 2}},
                    {"name": "placed", "type": "date", "constraints": {"min": "2024-01-01", "max": "2024-12-31"}},
                ],
            },
        ]
    }


def _request(
    url: str, suffix: str, volume: int = 300, if_exists: str = "fail", seed: int = 3, long: bool = False
) -> GenerateDataRequest:
    return GenerateDataRequest.model_validate(
        {
            "volume": volume,
            "schema": _schema(suffix, long),
            "destination": {"type": "rds", "location": url, "if_exists": if_exists},
            "seed": seed,
        }
    )


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


def _count(url: str, table: str) -> int:
    engine = sa.create_engine(url)
    q = '"' if url.startswith("postgresql") else "`"
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(f"SELECT COUNT(*) FROM {q}{table}{q}")).scalar_one())
    finally:
        engine.dispose()


def _drop(url: str, *tables: str) -> None:
    engine = sa.create_engine(url)
    q = '"' if url.startswith("postgresql") else "`"
    with engine.begin() as conn:
        for t in tables:
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {q}{t}{q}"))
    engine.dispose()


@pytest.fixture(params=["postgresql", "mariadb"])
def db_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("postgres_url" if request.param == "postgresql" else "mysql_url"))


def test_load_creates_keys_and_rows(db_url: str, unique_suffix: str, tmp_path: Path) -> None:
    svc = SyntheticDataService(Settings(home=tmp_path))
    users, orders = f"users_{unique_suffix}", f"orders_{unique_suffix}"
    try:
        result = svc.generate(_request(db_url, unique_suffix))
        assert result.status == GenerationStatus.SUCCESS
        assert result.records_per_table == {users: 300, orders: 300}
        assert _count(db_url, users) == 300 and _count(db_url, orders) == 300
        engine = sa.create_engine(db_url)
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            assert inspector.get_pk_constraint(users)["constrained_columns"] == ["user_id"]
            fks = inspector.get_foreign_keys(orders)
            assert fks and fks[0]["referred_table"] == users and fks[0]["constrained_columns"] == ["user_id"]
            q = '"' if db_url.startswith("postgresql") else "`"
            orphans = conn.execute(
                sa.text(
                    f"SELECT COUNT(*) FROM {q}{orders}{q} o LEFT JOIN {q}{users}{q} u ON o.user_id = u.user_id "
                    "WHERE u.user_id IS NULL"
                )
            ).scalar_one()
            assert orphans == 0
        engine.dispose()
        assert result.output_location == redact_url(db_url)
        assert result.report_location and Path(result.report_location).exists()
        assert result.output_files == []  # nothing to download: the data is in the database
        # fail: the tables exist now, so a second load is refused before generating
        with pytest.raises(DestinationError, match="already exist"):
            svc.generate(_request(db_url, unique_suffix))
        # append with the same seed would repeat the primary keys: the database refuses, nothing changes
        with pytest.raises(DestinationError, match="rolled back"):
            svc.generate(_request(db_url, unique_suffix, volume=50, if_exists="append"))
        assert _count(db_url, users) == 300
        again = svc.generate(_request(db_url, unique_suffix, volume=50, if_exists="append", seed=4))
        assert again.status == GenerationStatus.SUCCESS and _count(db_url, users) == 350
        replaced = svc.generate(_request(db_url, unique_suffix, volume=20, if_exists="replace"))
        assert replaced.status == GenerationStatus.SUCCESS and _count(db_url, users) == 20
    finally:
        _drop(db_url, orders, users)


def test_failure_midway_leaves_nothing_visible(db_url: str, unique_suffix: str, tmp_path: Path) -> None:
    """The second table cannot be loaded (an existing, incompatible table in append mode): all rolled back."""
    users, orders = f"users_{unique_suffix}", f"orders_{unique_suffix}"
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:  # 'orders' exists with a column type the generated amounts cannot fit
        q = '"' if db_url.startswith("postgresql") else "`"
        conn.execute(
            sa.text(
                f"CREATE TABLE {q}{orders}{q} (order_id INTEGER PRIMARY KEY, user_id INTEGER, amount INTEGER, placed DATE)"
            )
        )
    engine.dispose()
    svc = SyntheticDataService(Settings(home=tmp_path))
    try:
        with pytest.raises(DestinationError, match="rolled back") as info:
            svc.generate(_request(db_url, unique_suffix, if_exists="append"))
        assert users not in _tables(db_url)  # the first table was created, loaded, then undone
        assert _count(db_url, orders) == 0
        gid = info.value.details["generation_id"]  # type: ignore[index]
        status = svc.status(gid)
        assert status.status == GenerationStatus.FAILED and "rolled back" in status.errors[0]
        assert "password" not in status.errors[0]
        history = svc.history(status="failed")
        assert history[0]["generation_id"] == gid
    finally:
        _drop(db_url, orders, users)


def test_url_checks() -> None:
    assert dialect_of("postgresql+psycopg://u:p@h/db") == SqlDialect.POSTGRESQL
    assert dialect_of("mysql+pymysql://u@h/db") == SqlDialect.MYSQL
    assert dialect_of("mariadb://u@h/db") == SqlDialect.MYSQL
    for bad in ("sqlite:///x.db", "not a url", "oracle://u@h/db"):
        with pytest.raises(InvalidInputError):
            dialect_of(bad)
    assert "secret" not in redact_url("postgresql://user:secret@host/db")


def test_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    svc = SyntheticDataService(Settings(home=tmp_path))
    with pytest.raises(DestinationError, match="cannot connect"):
        svc.generate(_request("postgresql+psycopg://nobody:pw@127.0.0.1:1/none", "x"))
    assert svc.history() == []


@pytest.mark.parametrize("long", [False, True], ids=["short-names", "60-char-names"])
def test_replace_that_fails_keeps_the_old_tables(db_url: str, unique_suffix: str, tmp_path: Path, long: bool) -> None:
    """replace = new tables swapped in only after the load committed (PostgreSQL: one transaction).

    MySQL/MariaDB load into side tables and swap them in with one RENAME TABLE; the side names must fit
    64 characters even when the table names do not leave room for a suffix."""
    from collections.abc import Iterator

    import pyarrow as pa

    from sdga.adapters.rds import load_tables
    from sdga.engine import iter_batches, plan_generation
    from sdga.writers.sql import create_table_sql

    users, orders = _names(unique_suffix, long)
    svc = SyntheticDataService(Settings(home=tmp_path))
    try:
        assert svc.generate(_request(db_url, unique_suffix, volume=40, long=long)).status == GenerationStatus.SUCCESS
        plan = plan_generation(_request(db_url, unique_suffix, volume=70, if_exists="replace", seed=9, long=long))

        def failing(name: str) -> Iterator[pa.RecordBatch]:
            yield from iter_batches(plan, name, batch_size=30)
            if name == orders:
                raise RuntimeError("connection lost midway")

        with pytest.raises(DestinationError, match="connection lost"):
            load_tables(
                db_url,
                plan.tables,
                failing,
                lambda t, d, all_tables: create_table_sql(t, d, tables=all_tables),
                if_exists="replace",
            )
        assert _count(db_url, users) == 40 and _count(db_url, orders) == 40  # the old data, untouched
        assert not {t for t in _tables(db_url) if unique_suffix in t} - {users, orders}  # no side tables left
        # and a replace that succeeds swaps everything in
        done = load_tables(
            db_url,
            plan.tables,
            lambda name: iter_batches(plan, name),
            lambda t, d, all_tables: create_table_sql(t, d, tables=all_tables),
            if_exists="replace",
        )
        assert done.tables == {users: 70, orders: 70}
        engine = sa.create_engine(db_url)
        with engine.connect() as conn:  # the swapped-in child still references the live parent
            fks = sa.inspect(conn).get_foreign_keys(orders)
        engine.dispose()
        assert [fk["referred_table"] for fk in fks] == [users]
        assert _count(db_url, users) == 70 and _count(db_url, orders) == 70
        assert not {t for t in _tables(db_url) if unique_suffix in t} - {users, orders}
    finally:
        _drop(db_url, orders, users)


def test_report_that_cannot_be_stored_after_the_commit_does_not_fail_a_loaded_generation(
    postgres_url: str, unique_suffix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the rows are committed the load cannot be undone: a 'failed' record would deny data that is there."""
    users, orders = _names(unique_suffix)
    svc = SyntheticDataService(Settings(home=tmp_path))

    def broken_publish(generation_id: str, staging: Path) -> object:
        raise DestinationError("upload to s3://reports/ failed: AccessDenied")

    monkeypatch.setattr(svc.store, "publish", broken_publish)
    try:
        result = svc.generate(_request(postgres_url, unique_suffix, volume=30))
        assert result.status == GenerationStatus.SUCCESS and _count(postgres_url, users) == 30
        assert result.report_location is None
        assert any("report" in w and "AccessDenied" in w for w in result.warnings)
        status = svc.status(result.generation_id)
        assert status.status == GenerationStatus.SUCCESS and status.records_generated == 60
        assert "Synthetic data generation report" in svc.report(result.generation_id)
    finally:
        _drop(postgres_url, orders, users)
