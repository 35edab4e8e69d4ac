"""The data source's options, partitioning and type mapping, checked without starting Spark."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from sdga.engine import BLOCK_ROWS, plan_generation
from sdga.engine.templates import list_templates
from sdga.errors import InvalidInputError, SchemaError
from sdga.models import GenerateDataRequest
from sdga.spark.options import choose_table, parse_options, row_ranges


def test_one_source_of_rows_is_required() -> None:
    with pytest.raises(InvalidInputError, match="exactly one of"):
        parse_options({})
    with pytest.raises(InvalidInputError, match="got template, schema"):
        parse_options({"template": "ecommerce", "schema": '{"fields": [{"name": "a", "type": "uuid"}]}'})


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"template": "nope"}, "unknown template 'nope'"),
        ({"template": "ecommerce", "volume": "ten"}, "volume must be an integer"),
        ({"template": "ecommerce", "volume": "0"}, "volume must be between"),
        ({"template": "ecommerce", "seed": "-1"}, "seed must be between"),
        ({"template": "ecommerce", "locale": "xx_XX"}, "unsupported locale"),
        ({"template": "ecommerce", "numPartitions": "0"}, "numPartitions must be between"),
        ({"template": "ecommerce", "colour": "red"}, "unknown option"),
        ({"request": "{not json"}, "request is not valid JSON"),
        ({"request": "[1, 2]"}, "must be a JSON object"),
        ({"schema": '{"fields": 3}'}, "schema"),
        ({"schemaPath": "/no/such/file.yaml"}, "file not found"),
    ],
)
def test_bad_options_are_clear_errors(options: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        parse_options(options)


def test_options_match_the_command_line_request(tmp_path: Path) -> None:
    from sdga.cli.generate import build_request

    cli, _ = build_request(
        template="ecommerce",
        schema_file=None,
        data_type=None,
        volume=500,
        output_format=None,
        seed=3,
        locale="fr_FR",
        sql_dialect=None,
        compliance=None,
        allow_compliance_violations=False,
    )
    parsed = parse_options(
        {"TEMPLATE": "ecommerce", "Volume": "500", "seed": "3", "locale": "fr-fr", "table": "orders"}
    )
    assert parsed.request.schema_ == cli.schema_
    assert (parsed.request.volume, parsed.request.seed, parsed.request.locale) == (500, 3, "fr_FR")
    assert parsed.table == "orders"

    # A request document as `schema` (text or file) sets volume and seed; options still win.
    document = {"schema": {"name": "people", "fields": [{"name": "id", "type": "uuid"}]}, "volume": 42, "seed": 8}
    path = tmp_path / "request.yaml"
    path.write_text(json.dumps(document), encoding="utf-8")
    for options in ({"schema": json.dumps(document)}, {"schemaPath": str(path)}, {"path": str(path)}):
        request = parse_options(options).request
        assert (request.volume, request.seed, request.schema_.name) == (42, 8, "people")  # type: ignore[union-attr]
    assert parse_options({"schemaPath": str(path), "volume": "7"}).request.volume == 7

    full = GenerateDataRequest.model_validate({"schema": document["schema"], "volume": 9, "seed": 1})
    assert parse_options({"request": full.model_dump_json(by_alias=True)}).request == full


def test_table_choice() -> None:
    assert choose_table(["only"], None) == "only"
    with pytest.raises(InvalidInputError, match="choose one with option table"):
        choose_table(["a", "b"], None)
    with pytest.raises(SchemaError, match="no table named 'c'"):
        choose_table(["a", "b"], "c")


@pytest.mark.parametrize("volume", [1, 5, BLOCK_ROWS - 1, BLOCK_ROWS, BLOCK_ROWS + 1, 7 * BLOCK_ROWS + 123])
@pytest.mark.parametrize("partitions", [None, 1, 2, 3, 8, 50])
def test_row_ranges_cover_every_row_once(volume: int, partitions: int | None) -> None:
    ranges = row_ranges(volume, BLOCK_ROWS, num_partitions=partitions, rows_per_partition=2 * BLOCK_ROWS)
    assert ranges[0][0] == 0 and ranges[-1][1] == volume
    assert all(a < b for a, b in ranges)
    assert all(prev[1] == nxt[0] for prev, nxt in itertools.pairwise(ranges))
    blocks = -(-volume // BLOCK_ROWS)
    if partitions is not None:
        assert len(ranges) == min(partitions, volume)
    if partitions is None or partitions <= blocks:  # whole blocks: no block is generated twice
        assert all(a % BLOCK_ROWS == 0 for a, _ in ranges)
    assert row_ranges(0, BLOCK_ROWS, num_partitions=4, rows_per_partition=1) == []


def _all_template_schemas() -> list[tuple[str, pa.Schema]]:
    from sdga.engine.templates import get_template

    out = []
    for info in list_templates():
        plan = plan_generation(GenerateDataRequest(schema=get_template(info.name), volume=10))
        out += [(f"{info.name}.{t.name}", t.arrow_schema) for t in plan.tables]
    return out


def test_every_template_maps_to_spark_types_that_round_trip() -> None:
    """Spark's Arrow view of each mapped schema has the same columns, and every batch conforms to it."""
    pytest.importorskip("pyspark")
    from sdga.spark.types import Conformer, spark_arrow_schema, spark_schema

    for where, schema in _all_template_schemas():
        spark = spark_schema(schema)
        target = spark_arrow_schema(spark)
        assert target.names == schema.names, where
        for field, mapped in zip(schema, spark.fields, strict=True):
            assert mapped.nullable == field.nullable, f"{where}.{field.name}"
        empty = pa.RecordBatch.from_pylist([], schema=schema)
        assert Conformer(schema, target)(empty).schema.equals(target), where


def test_types_spark_cannot_hold_are_refused() -> None:
    pytest.importorskip("pyspark")
    from sdga.spark.types import spark_type

    with pytest.raises(SchemaError, match="no Spark equivalent"):
        spark_type(pa.duration("s"))
    with pytest.raises(SchemaError, match="38 digits"):
        spark_type(pa.decimal256(40, 2))


def test_spark_errors_carry_the_message(spark: Any) -> None:
    """A bad option fails the read with sdga's own message, not a Python traceback from a worker."""
    with pytest.raises(Exception, match="unknown template 'nope'"):
        spark.read.format("sdga").option("template", "nope").load()
    with pytest.raises(Exception, match="choose one with option table"):
        spark.read.format("sdga").option("template", "ecommerce").load()
