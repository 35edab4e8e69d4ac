"""The rds destination against the local PostgreSQL and MariaDB and a SQLite file: keys, row counts,
all-or-nothing, conflicts (exit code 2) and appends that continue the stored sequence keys."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from sdga.adapters.rds import dialect_of, redact_url
from sdga.config import Settings
from sdga.errors import CapacityError, DestinationError, DestinationExistsError, InvalidInputError
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


def _q(url: str) -> str:
    return "`" if url.startswith(("mysql", "mariadb")) else '"'


def _count(url: str, table: str) -> int:
    engine = sa.create_engine(url)
    q = _q(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(f"SELECT COUNT(*) FROM {q}{table}{q}")).scalar_one())
    finally:
        engine.dispose()


def _drop(url: str, *tables: str) -> None:
    engine = sa.create_engine(url)
    q = _q(url)
    with engine.begin() as conn:
        for t in tables:
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {q}{t}{q}"))
    engine.dispose()


@pytest.fixture(params=["postgresql", "mariadb", "sqlite"])
def db_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":  # a file under the service's data directory (request paths are confined)
        tmp_path = request.getfixturevalue("tmp_path")
        (tmp_path / "data" / "db").mkdir(parents=True)
        return f"sqlite:///{tmp_path}/data/db/test.sqlite"
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
            q = _q(db_url)
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
        with pytest.raises(DestinationExistsError, match="already exist") as exists:
            svc.generate(_request(db_url, unique_suffix))
        assert exists.value.http_status == 409 and exists.value.code == "destination_exists"
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
    """The second table cannot be loaded (an existing table with a required column the load lacks): all rolled back."""
    users, orders = f"users_{unique_suffix}", f"orders_{unique_suffix}"
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:  # 'orders' exists with a column type the generated amounts cannot fit
        q = _q(db_url)
        conn.execute(
            sa.text(
                f"CREATE TABLE {q}{orders}{q} (order_id INTEGER PRIMARY KEY, user_id INTEGER, amount INTEGER, "
                "placed DATE, required_note VARCHAR(9) NOT NULL)"
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
    assert dialect_of("sqlite:///x.db") == dialect_of("sqlite+pysqlite:////tmp/x.db") == SqlDialect.SQLITE
    for bad in ("not a url", "oracle://u@h/db", "mssql+pyodbc://u@h/db"):
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


def _sequence_schema(suffix: str, top: int | None = None) -> dict[str, object]:
    key: dict[str, object] = {"name": "id", "type": "sequence", "primary_key": True}
    if top is not None:
        key["constraints"] = {"max": top}
    return {
        "tables": [
            {"name": f"acct_{suffix}", "volume": 30, "fields": [key, {"name": "owner", "type": "full_name"}]},
            {
                "name": f"entry_{suffix}",
                "volume": 45,
                "fields": [
                    {"name": "entry_id", "type": "sequence", "primary_key": True, "constraints": {"min": 1000}},
                    {"name": "acct_id", "type": "reference", "references": f"acct_{suffix}.id"},
                    {"name": "amount", "type": "amount"},
                ],
            },
        ]
    }


def _ids(url: str, table: str, column: str) -> list[int]:
    engine = sa.create_engine(url)
    q = _q(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text(f"SELECT {q}{column}{q} FROM {q}{table}{q} ORDER BY 1")).fetchall()
    finally:
        engine.dispose()
    return [int(r[0]) for r in rows]


def test_append_continues_sequence_keys_after_the_stored_maximum(
    db_url: str, unique_suffix: str, tmp_path: Path
) -> None:
    """The same request appended twice (same seed): the keys go on from the stored maximum, references follow."""
    accounts, entries = f"acct_{unique_suffix}", f"entry_{unique_suffix}"
    svc = SyntheticDataService(Settings(home=tmp_path))

    def request(if_exists: str, top: int | None = None) -> GenerateDataRequest:
        return GenerateDataRequest.model_validate(
            {
                "schema": _sequence_schema(unique_suffix, top),
                "destination": {"type": "rds", "location": db_url, "if_exists": if_exists},
                "seed": 5,
            }
        )

    try:
        assert svc.generate(request("fail")).status == GenerationStatus.SUCCESS
        for _ in range(2):
            assert svc.generate(request("append")).status == GenerationStatus.SUCCESS
        assert _ids(db_url, accounts, "id") == list(range(1, 91))
        assert _ids(db_url, entries, "entry_id") == list(range(1000, 1135))
        engine = sa.create_engine(db_url)
        q = _q(db_url)
        with engine.connect() as conn:
            # each appended entry points at an account of its own load: ids 31..60 for the second load
            second = conn.execute(
                sa.text(
                    f"SELECT MIN({q}acct_id{q}), MAX({q}acct_id{q}) FROM {q}{entries}{q} "
                    f"WHERE {q}entry_id{q} BETWEEN 1045 AND 1089"
                )
            ).one()
            orphans = conn.execute(
                sa.text(
                    f"SELECT COUNT(*) FROM {q}{entries}{q} e LEFT JOIN {q}{accounts}{q} a ON e.acct_id = a.id "
                    "WHERE a.id IS NULL"
                )
            ).scalar_one()
        engine.dispose()
        assert 31 <= second[0] <= second[1] <= 60 and orphans == 0
        # a sequence whose max the appended rows would pass is refused up front, naming the field
        with pytest.raises(CapacityError, match=rf"acct_{unique_suffix}\.id.*above its max 100"):
            svc.generate(request("append", top=100))
        assert _ids(db_url, accounts, "id") == list(range(1, 91))
    finally:
        _drop(db_url, entries, accounts)


def test_sqlite_urls_are_confined_and_need_a_file(tmp_path: Path) -> None:
    svc = SyntheticDataService(Settings(home=tmp_path / "home"))
    outside = tmp_path / "elsewhere.sqlite"
    for url, message in ((f"sqlite:///{outside}", "outside the allowed"), ("sqlite://", "database file")):
        request = GenerateDataRequest.model_validate(
            {"data_type": "user_profile", "volume": 5, "destination": {"type": "rds", "location": url}}
        )
        with pytest.raises(InvalidInputError, match=message):
            svc.generate(request)
    assert not outside.exists() and svc.history() == []


def test_cli_exit_codes_for_an_existing_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A table that exists is the caller's conflict (exit 2, as documented), not an internal error (3)."""
    from typer.testing import CliRunner

    from sdga.cli import app

    monkeypatch.setenv("SDGA_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    args = ["generate", "-t", "user_profile", "-n", "20", "-d", "rds", "--location", url, "--json"]
    runner = CliRunner()
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.stderr
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "already exist" in again.stderr and "Traceback" not in again.stderr
    appended = runner.invoke(app, [*args, "--if-exists", "append", "--seed", "8"])
    assert appended.exit_code == 0, appended.stderr
    assert _count(url, "user_profile") == 40


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_the_generic_loader_serves_any_sqlalchemy_database(
    backend: str, unique_suffix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """Databases without a loader of their own (SQL Server, Oracle, DuckDB...) get tables from SQLAlchemy
    metadata and batched INSERTs; run here against real PostgreSQL and SQLite through that same path."""
    from sdga.adapters import rds

    if backend == "sqlite":
        (tmp_path / "db").mkdir()
        url = f"sqlite:///{tmp_path}/db/generic.sqlite"
    else:
        url = str(request.getfixturevalue("postgres_url"))
    monkeypatch.setattr(rds, "dialect_of", lambda _url: None)  # as for a database with no loader of its own
    svc = SyntheticDataService(Settings(home=tmp_path / "home"))
    users, orders = _names(unique_suffix)
    try:
        result = svc.generate(_request(url, unique_suffix))
        assert result.status == GenerationStatus.SUCCESS and result.records_per_table == {users: 300, orders: 300}
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            assert inspector.get_pk_constraint(users)["constrained_columns"] == ["user_id"]
            fks = inspector.get_foreign_keys(orders)
            assert fks and fks[0]["referred_table"] == users and fks[0]["constrained_columns"] == ["user_id"]
            types = {c["name"]: c["type"] for c in inspector.get_columns(users)}
            assert isinstance(types["active"], sa.Boolean) or backend == "sqlite"
            row = conn.execute(sa.text(f'SELECT COUNT(*), COUNT(DISTINCT email) FROM "{users}"')).one()
            assert tuple(row) == (300, 300)
        engine.dispose()
        # append with another seed adds rows; replace swaps the tables
        again = svc.generate(_request(url, unique_suffix, volume=50, if_exists="append", seed=4))
        assert again.status == GenerationStatus.SUCCESS and _count(url, users) == 350
        replaced = svc.generate(_request(url, unique_suffix, volume=20, if_exists="replace"))
        assert replaced.status == GenerationStatus.SUCCESS and _count(url, users) == 20
    finally:
        _drop(url, orders, users)
