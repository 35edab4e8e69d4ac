"""Every built-in template at every volume: 1, 1,000, 100,000 (here) and 1,000,000 (planned here, generated
by ``bench/bench_volumes.py``), or a refusal up front that names the field and its capacity.

* 1 and 1,000 rows: every table of every template generated in full; row counts, unique primary keys and
  foreign keys that all point at a parent row are checked.
* 100,000 and 1,000,000 rows: every template is planned (the plan checks every unique field's capacity
  against every table's volume, derived child tables included, before anything is generated).
* 100,000 rows generated: each table of a template streams its first 100,000 rows into Parquet files in
  a temporary directory (the tables the volume sizes are exactly 100,000 rows). Generating all 32
  templates takes about a minute on two cores, so each run takes a deterministic quarter of them,
  rotating by the day (every template is covered every four days in CI); ``SDGA_ALL_VOLUMES=1`` runs all.
  ``bench/bench_volumes.py`` generates every template at 1,000,000 rows.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from sdga.engine import iter_batches, plan_generation
from sdga.engine.templates import get_template, list_templates
from sdga.errors import CapacityError
from sdga.models import GenerateDataRequest

TEMPLATES = sorted(t.name for t in list_templates())
ROTATION = 4
TODAY_SHARE = (
    TEMPLATES
    if os.environ.get("SDGA_ALL_VOLUMES") == "1"
    else TEMPLATES[dt.date.today().toordinal() % ROTATION :: ROTATION]
)


def _plan(template: str, volume: int):  # type: ignore[no-untyped-def]
    request = GenerateDataRequest.model_validate({"schema": get_template(template), "volume": volume, "seed": 7})
    return plan_generation(request)


def test_there_are_32_templates() -> None:
    assert len(TEMPLATES) == 32


@pytest.mark.parametrize("volume", [1, 1000])
@pytest.mark.parametrize("template", TEMPLATES)
def test_template_generates_whole_at_small_volumes(template: str, volume: int) -> None:
    plan = _plan(template, volume)
    keys: dict[tuple[str, str], pa.Array] = {}
    sized = [t for t in plan.tables if t.child_counts is None and t.volume == volume]
    assert sized or volume == 1, "the request's volume sizes at least one table"
    for table in plan.tables:  # parents first
        data = pa.Table.from_batches(list(iter_batches(plan, table.name, batch_size=4096)), table.arrow_schema)
        assert data.num_rows == table.volume, table.name
        if len(table.primary_key) == 1 and data.num_rows:
            key = data.column(table.primary_key[0]).combine_chunks()
            assert pc.count_distinct(key).as_py() == data.num_rows, f"{table.name}: duplicate keys"
            keys[(table.name, table.primary_key[0])] = key
        for fk in table.foreign_keys:
            parent = keys.get((fk.ref_table, fk.ref_column))
            values = pc.drop_null(data.column(fk.column).combine_chunks())
            if parent is not None and len(values):
                assert pc.all(pc.is_in(values, value_set=parent)).as_py(), f"{table.name}.{fk.column}: orphans"


@pytest.mark.parametrize("volume", [100_000, 1_000_000])
@pytest.mark.parametrize("template", TEMPLATES)
def test_template_plans_at_large_volumes(template: str, volume: int) -> None:
    """No unique field of any table runs out of values (HR held 1,000,000 employee numbers, finance 474,552 tickers)."""
    plan = _plan(template, volume)
    assert any(t.volume == volume for t in plan.tables)


@pytest.mark.parametrize("template", TODAY_SHARE)
def test_template_streams_100k_rows_to_parquet(template: str, tmp_path: Path) -> None:
    volume = 100_000
    plan = _plan(template, volume)
    for table in plan.tables:
        path = tmp_path / f"{table.name}.parquet"
        written = 0
        with pq.ParquetWriter(path, table.arrow_schema) as writer:
            for batch in iter_batches(plan, table.name, batch_size=32_768):
                batch = batch.slice(0, volume - written)
                writer.write_batch(batch)
                written += batch.num_rows
                if written >= volume:
                    break
        assert written == min(volume, table.volume), table.name
        stored = pq.read_metadata(path).num_rows
        assert stored == written
        if len(table.primary_key) == 1 and written:
            key = pq.read_table(path, columns=table.primary_key).column(0)
            assert pc.count_distinct(key).as_py() == written, f"{table.name}: duplicate keys"


# ------------------------------------------------------------------------------ the user's own limits


def test_a_unique_field_that_cannot_hold_the_volume_fails_up_front_naming_it(tmp_path: Path) -> None:
    from sdga.generation import generate_to_path

    schema = {"fields": [{"name": "code", "type": "pattern", "constraints": {"pattern": "[A-Z]{2}", "unique": True}}]}
    request = GenerateDataRequest.model_validate({"schema": schema, "volume": 1_000_000_000, "output_format": "csv"})
    started = time.perf_counter()
    with pytest.raises(CapacityError) as info:
        generate_to_path(request, tmp_path / "out.csv")
    assert time.perf_counter() - started < 5  # refused by the plan, not after generating
    assert "'data.code'" in info.value.message and "676" in info.value.message
    assert info.value.details["capacity"] == 676 and info.value.details["field"] == "data.code"
    assert list(tmp_path.iterdir()) == []


def test_a_child_table_whose_derived_volume_passes_a_unique_field_fails_up_front() -> None:
    schema = {
        "tables": [
            {"name": "shops", "fields": [{"name": "id", "type": "sequence", "primary_key": True}]},
            {
                "name": "tills",
                "fields": [
                    {
                        "name": "shop_id",
                        "type": "reference",
                        "references": "shops.id",
                        "cardinality": {"min": 3, "max": 5},
                    },
                    {"name": "till_no", "type": "pattern", "constraints": {"pattern": "T[0-9]{3}", "unique": True}},
                ],
            },
        ]
    }
    with pytest.raises(CapacityError, match=r"'tills\.till_no'.* 1,000 distinct") as info:
        plan_generation(GenerateDataRequest.model_validate({"schema": schema, "volume": 300}))
    assert info.value.details["volume"] >= 900  # 300 shops x 3..5 tills
