"""Same data everywhere: the ``sdga`` data source gives exactly the rows the local engine writes, for any
number of partitions, and references hold across tables and partitions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from tests.spark.conftest import EQUALITY_SCHEMA

from sdga.engine import iter_batches, plan_generation
from sdga.models import GenerateDataRequest
from sdga.spark import read_tables
from sdga.spark.types import Conformer, spark_arrow_schema, spark_schema

SEED = 20_240_611


@pytest.fixture(scope="module")
def request_() -> GenerateDataRequest:
    return GenerateDataRequest.model_validate({"schema": EQUALITY_SCHEMA, "seed": SEED, "volume": 1000})


@pytest.fixture(scope="module")
def local_tables(request_: GenerateDataRequest) -> dict[str, pa.Table]:
    """What ``sdga generate`` writes (the local engine's batches), in Spark's Arrow layout."""
    plan = plan_generation(request_)
    out: dict[str, pa.Table] = {}
    for t in plan.tables:
        target = spark_arrow_schema(spark_schema(t.arrow_schema))
        conform = Conformer(t.arrow_schema, target)
        out[t.name] = pa.Table.from_batches([conform(b) for b in iter_batches(plan, t.name)], schema=target)
    return out


def _sorted(table: pa.Table, key: str) -> pa.Table:
    return table.take(pc.sort_indices(table, sort_keys=[(key, "ascending")]))


def _same(spark_table: pa.Table, local: pa.Table, key: str, where: str) -> None:
    assert spark_table.num_rows == local.num_rows, where
    assert spark_table.schema.names == local.schema.names, where
    got = _sorted(spark_table, key).cast(local.schema)
    want = _sorted(local, key)
    for name in local.schema.names:
        a, b = got.column(name).combine_chunks(), want.column(name).combine_chunks()
        if not a.equals(b):
            diff = pc.invert(pc.fill_null(pc.equal(a, b), False)) if not pa.types.is_nested(a.type) else None
            first = int(pc.index(diff, True).as_py()) if diff is not None else -1
            pytest.fail(f"{where}: column {name} differs (first differing sorted row {first})")
    # Partitions are ranges of rows in order: even unsorted, the DataFrame's rows come in the engine's order.
    assert spark_table.cast(local.schema).equals(local), f"{where}: same rows, different order"


KEYS = {"customers": "customer_id", "orders": "order_id", "payments": "payment_id"}


@pytest.fixture(scope="module")
def cached_frames(spark: Any, request_: GenerateDataRequest) -> Iterator[dict[str, Any]]:
    """Every table in 5 partitions, generated once and kept by Spark for the tests that only query it."""
    frames = {name: frame.cache() for name, frame in read_tables(spark, request_, partitions=5).items()}
    yield frames
    for frame in frames.values():
        frame.unpersist()


@pytest.mark.parametrize("partitions", [1, 2, 5])
def test_spark_rows_equal_local_rows(
    spark: Any,
    request_: GenerateDataRequest,
    local_tables: dict[str, pa.Table],
    cached_frames: dict[str, Any],
    partitions: int,
) -> None:
    frames = cached_frames if partitions == 5 else read_tables(spark, request_, partitions=partitions)
    assert list(frames) == ["customers", "orders", "payments"]  # parents first
    for name, frame in frames.items():
        # 2 partitions: whole blocks; 5: more partitions than blocks, so blocks are split between them.
        assert frame.rdd.getNumPartitions() == min(partitions, local_tables[name].num_rows)
        _same(frame.toArrow(), local_tables[name], KEYS[name], f"{name} with {partitions} partition(s)")


def test_edge_cases_nulls_and_types_survive(cached_frames: dict[str, Any]) -> None:
    """The request really exercises what the equality test claims (nulls, edge cases, nesting, types)."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    customers = cached_frames["customers"]
    schema = {f.name: f for f in customers.schema.fields}
    assert isinstance(schema["balance"].dataType, T.DecimalType) and schema["balance"].dataType.scale == 2
    assert isinstance(schema["wakes"].dataType, T.TimeType)
    assert isinstance(schema["joined"].dataType, T.TimestampType)
    assert isinstance(schema["born"].dataType, T.DateType)
    assert isinstance(schema["home"].dataType, T.StructType) and schema["home"].dataType.names == [
        "city",
        "postal_code",
        "lat",
    ]
    assert isinstance(schema["tags"].dataType, T.ArrayType)
    assert not schema["email"].nullable and schema["nickname"].nullable
    assert schema["referred_by"].metadata == {"sdga_type": "reference", "sdga_references": "customers.customer_id"}
    row = customers.agg(
        F.sum(F.col("nickname").isNull().cast("int")).alias("null_nicknames"),
        F.sum((F.col("note") == "").cast("int")).alias("empty_notes"),
        F.sum(F.col("note").isNull().cast("int")).alias("null_notes"),
        F.countDistinct("email").alias("emails"),
        F.count("*").alias("rows"),
        F.min("score").alias("low"),
        F.max("score").alias("high"),
    ).first()
    assert row["emails"] == row["rows"] == 70_000  # unique across partitions
    assert row["null_nicknames"] > 15_000 and row["empty_notes"] > 0 and row["null_notes"] > 0
    assert (row["low"], row["high"]) == (-5, 5)


def test_references_hold_across_tables_and_partitions(cached_frames: dict[str, Any]) -> None:
    customers, orders, payments = cached_frames["customers"], cached_frames["orders"], cached_frames["payments"]
    assert orders.join(customers, "customer_id", "left_anti").count() == 0
    assert payments.join(orders.select("order_id"), "order_id", "left_anti").count() == 0
    referred = customers.select(customers.referred_by.alias("customer_id"))
    assert referred.join(customers.select("customer_id"), "customer_id", "left_anti").count() == 0


def test_template_options_match_the_command_line(spark: Any) -> None:
    """format('sdga') with a template and options = `sdga generate --template ... --volume ... --seed ...`."""
    from sdga.cli.generate import build_request

    request, _ = build_request(
        template="user_profile",
        schema_file=None,
        data_type=None,
        volume=3000,
        output_format=None,
        seed=9,
        locale="de_DE",
        sql_dialect=None,
        compliance=None,
        allow_compliance_violations=False,
    )
    plan = plan_generation(request)
    table = plan.tables[0]
    target = spark_arrow_schema(spark_schema(table.arrow_schema))
    conform = Conformer(table.arrow_schema, target)
    want = pa.Table.from_batches([conform(b) for b in iter_batches(plan, table.name)], schema=target)
    frame = (
        spark.read.format("sdga")
        .option("template", "user_profile")
        .option("volume", 3000)
        .option("seed", 9)
        .option("locale", "de-DE")
        .option("numPartitions", 3)
        .load()
    )
    assert frame.toArrow().cast(want.schema).equals(want)
