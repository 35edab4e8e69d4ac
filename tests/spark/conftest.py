"""One Spark session (local mode) for every Spark test of a run: starting one takes 20-40 s.

Without pyspark or Java the Spark tests are skipped on a developer's machine and fail in CI
(``SDGA_REQUIRE_SERVICES=1``), where ``.ci/run`` installs both.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from tests.service.conftest import aws_env, moto_endpoint

__all__ = ["EQUALITY_SCHEMA", "aws_env", "moto_endpoint"]

# The multi-table request the equality tests use: references (one sets the child table's volume by
# cardinality, one is sampled, one points into the same table), unique fields, nulls, edge cases,
# nested structs and arrays, decimals, dates, times and timestamps.
EQUALITY_SCHEMA: dict[str, Any] = {
    "tables": [
        {
            "name": "customers",
            "volume": 70_000,
            "fields": [
                {"name": "customer_id", "type": "sequence", "primary_key": True},
                {"name": "email", "type": "email", "constraints": {"unique": True}},
                {"name": "full_name", "type": "full_name"},
                {"name": "nickname", "type": "username", "constraints": {"nullable": True, "null_rate": 0.3}},
                {
                    "name": "note",
                    "type": "sentence",
                    "constraints": {
                        "edge_cases": ["empty", "unicode", "very_long", "null", "whitespace", "special_chars"],
                        "edge_case_rate": 0.05,
                    },
                },
                {
                    "name": "score",
                    "type": "integer",
                    "constraints": {"min": -5, "max": 5, "edge_cases": ["min", "max"]},
                },
                {"name": "balance", "type": "decimal", "constraints": {"min": 0, "max": 100000, "precision": 2}},
                {"name": "born", "type": "date", "constraints": {"min": "1950-01-01", "max": "2005-12-31"}},
                {"name": "wakes", "type": "time"},
                {"name": "joined", "type": "timestamp", "constraints": {"nullable": True, "null_rate": 0.1}},
                {
                    "name": "tier",
                    "type": "category",
                    "constraints": {"enum": ["free", "pro", "team"], "weights": [6, 3, 1]},
                },
                {"name": "active", "type": "boolean"},
                {
                    "name": "home",
                    "type": "object",
                    "fields": [
                        {"name": "city", "type": "city"},
                        {"name": "postal_code", "type": "postal_code"},
                        {"name": "lat", "type": "latitude"},
                    ],
                },
                {
                    "name": "tags",
                    "type": "array",
                    "items": {"type": "word", "name": "tag"},
                    "constraints": {"min_length": 0, "max_length": 4},
                },
                {"name": "referred_by", "type": "reference", "references": "customers.customer_id"},
            ],
        },
        {
            "name": "orders",
            "fields": [
                {"name": "order_id", "type": "uuid", "primary_key": True},
                {
                    "name": "customer_id",
                    "type": "reference",
                    "references": "customers.customer_id",
                    "cardinality": {"min": 0, "max": 3},
                },
                {"name": "amount", "type": "amount", "constraints": {"min": 1, "max": 900}},
                {"name": "placed", "type": "datetime"},
                {"name": "status", "type": "category", "constraints": {"enum": ["new", "paid", "shipped"]}},
            ],
        },
        {
            "name": "payments",
            "volume": 30_000,
            "fields": [
                {"name": "payment_id", "type": "uuid", "primary_key": True},
                {"name": "order_id", "type": "reference", "references": "orders.order_id"},
                {"name": "card", "type": "credit_card"},
            ],
        },
    ]
}


def _missing(reason: str) -> None:
    if os.environ.get("SDGA_REQUIRE_SERVICES") == "1":
        pytest.fail(f"Spark tests need {reason}")
    pytest.skip(f"Spark tests need {reason}")


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """The run's one local Spark session (two cores, a small footprint), with format('sdga') registered."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        _missing("pyspark: pip install -e '.[spark]'")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        _missing("a Java runtime (java on PATH or JAVA_HOME)")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    from sdga.spark import register
    from sdga.spark.session import SESSION_CONF

    builder = SparkSession.builder.master("local[2]").appName("sdga-tests")
    for key, value in {
        **SESSION_CONF,
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": "4",
        "spark.driver.memory": "1g",
    }.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    register(session)
    yield session
    session.stop()
