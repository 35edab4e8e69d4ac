"""Fixtures shared by every test area: the local databases and a scratch directory.

Area-specific fixtures (moto server, API client, browser) live in the area's own conftest.
``SDGA_REQUIRE_SERVICES=1`` (set by CI) turns a missing database into a failure instead of a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

try:  # property tests: random exploration on a developer's machine, a fixed set of examples in CI
    from hypothesis import settings as _hypothesis_settings

    _hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
    _hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
except ImportError:  # pragma: no cover - hypothesis is a dev dependency
    pass

POSTGRES_URL = os.environ.get("SDGA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MYSQL_URL = os.environ.get("SDGA_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test")


def _unavailable(what: str, exc: Exception) -> None:
    if os.environ.get("SDGA_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{what} is required but not reachable: {exc}")
    pytest.skip(f"{what} not reachable: {exc}")


def _check(url: str, what: str) -> str:
    sqlalchemy = pytest.importorskip("sqlalchemy")
    try:
        engine = sqlalchemy.create_engine(url)
        with engine.connect() as conn:
            conn.execute(sqlalchemy.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        _unavailable(what, exc)
    return url


@pytest.fixture(scope="session", autouse=True)
def _isolated_sdga_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test reads or writes the developer's own ``~/.sdga``: history and knowledge memory found
    there would change what the planner matches, and tests would leave runs behind in it."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SDGA_HOME", str(tmp_path_factory.mktemp("sdga-home")))
    yield
    mp.undo()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """SQLAlchemy URL of the local PostgreSQL test database."""
    return _check(POSTGRES_URL, "PostgreSQL")


@pytest.fixture(scope="session")
def mysql_url() -> str:
    """SQLAlchemy URL of the local MariaDB/MySQL test database."""
    return _check(MYSQL_URL, "MariaDB")


@pytest.fixture
def unique_suffix() -> Iterator[str]:
    """A short unique suffix for table names, so tests never collide in the shared databases."""
    yield uuid.uuid4().hex[:8]
