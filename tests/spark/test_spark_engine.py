"""``sdga generate --engine spark``: part files written by Spark's writers plus a manifest, to a directory or
S3; the rows are those of the local engine; ``sdga metrics`` and the service understand the output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from sdga.cli import app
from sdga.quality.io import read_data

runner = CliRunner()
SCHEMA = {
    "tables": [
        {
            "name": "users",
            "volume": 1500,
            "fields": [
                {"name": "user_id", "type": "sequence", "primary_key": True},
                {"name": "email", "type": "email", "constraints": {"unique": True}},
                {"name": "nick", "type": "username", "constraints": {"nullable": True, "null_rate": 0.2}},
                {"name": "home", "type": "object", "fields": [{"name": "city", "type": "city"}]},
                {"name": "tags", "type": "array", "items": {"name": "t", "type": "word"}},
                {"name": "joined", "type": "timestamp"},
            ],
        },
        {
            "name": "orders",
            "volume": 4000,
            "fields": [
                {"name": "order_id", "type": "uuid", "primary_key": True},
                {"name": "user_id", "type": "reference", "references": "users.user_id"},
                {"name": "amount", "type": "amount", "constraints": {"min": 1, "max": 99}},
            ],
        },
    ]
}


@pytest.fixture(scope="module")
def schema_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("schema") / "shop.json"
    path.write_text(json.dumps(SCHEMA), encoding="utf-8")
    return path


def _generate(*args: str) -> Any:
    result = runner.invoke(app, ["generate", *args])
    return result


def _sorted(table: pa.Table, key: str) -> pa.Table:
    return table.take(pc.sort_indices(table, sort_keys=[(key, "ascending")]))


def test_parquet_part_files_equal_the_local_engine_output(spark: Any, tmp_path: Path, schema_file: Path) -> None:
    local = tmp_path / "local"
    out = tmp_path / "spark"
    common = ["--schema", str(schema_file), "--seed", "5", "--format", "parquet", "--quiet"]
    assert _generate(*common, "--out", str(local)).exit_code == 0
    result = _generate(*common, "--out", str(out), "--engine", "spark", "--spark-master", "local[2]", "--json")
    assert result.exit_code == 0, result.output
    response = json.loads(result.stdout)
    assert response["records_per_table"] == {"users": 1500, "orders": 4000}
    assert response["seed"] == 5 and response["data_quality_metrics"]["validity_score"] == 1.0

    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["complete"] and manifest["engine"] == "spark" and manifest["format"] == "parquet"
    assert manifest["seed"] == 5 and len(manifest["schema_hash"]) == 64
    assert {t: m["rows"] for t, m in manifest["tables"].items()} == {"users": 1500, "orders": 4000}
    assert manifest["data_quality_metrics"]["validity_score"] == 1.0
    listed = {f["name"] for f in manifest["files"]}
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != "_manifest.json"}
    assert listed == on_disk and all(n.endswith(".parquet") for n in listed)  # no .crc, no _SUCCESS
    assert sorted(response["output_files"]) == sorted(str(out / n) for n in listed)

    for table, key in (("users", "user_id"), ("orders", "order_id")):
        want = pq.read_table(local / f"{table}.parquet")
        got = pa.concat_tables([pq.read_table(out / f) for f in manifest["tables"][table]["files"]])
        got = _sorted(got.select(want.schema.names), key)
        want = _sorted(want, key)
        for name in want.schema.names:
            a, b = got.column(name).combine_chunks(), want.column(name).combine_chunks()
            if pa.types.is_list(b.type):
                b = b.cast(a.type)  # Spark names a list's child 'element'
            assert a.cast(b.type).equals(b), f"{table}.{name}"

    # `sdga metrics` reads the tables the manifest lists; the same hash for the same request and seed.
    tables = read_data(out)
    assert {k: v.num_rows for k, v in tables.items()} == {"users": 1500, "orders": 4000}
    again = _generate(*common, "--out", str(out), "--engine", "spark", "--spark-master", "local[2]")
    assert again.exit_code == 0, again.output
    assert json.loads((out / "_manifest.json").read_text())["schema_hash"] == manifest["schema_hash"]
    assert {p.relative_to(out).parts[0] for p in out.rglob("*.parquet")} == {"users", "orders"}
    assert len(list(out.rglob("*.parquet"))) == len(listed)  # replaced, not added to


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_text_formats_are_read_back_by_sdga_metrics(spark: Any, tmp_path: Path, schema_file: Path, fmt: str) -> None:
    out = tmp_path / fmt
    result = _generate(
        "--schema", str(schema_file), "--seed", "5", "--format", fmt, "--out", str(out), "--engine", "spark", "--quiet"
    )
    assert result.exit_code == 0, result.output
    tables = read_data(out)
    assert {k: v.num_rows for k, v in tables.items()} == {"users": 1500, "orders": 4000}
    users = tables["users"]
    assert users.column("nick").null_count > 100  # nulls stay nulls
    if fmt == "csv":  # nested values as JSON text, as the local CSV writer writes them
        assert json.loads(users.column("home")[0].as_py())["city"]
    metrics = runner.invoke(app, ["metrics", str(out)])
    assert metrics.exit_code == 0, metrics.output
    assert json.loads(metrics.stdout)["metrics"]["row_count"] == 5500


def test_formats_spark_does_not_write_are_refused(spark: Any, tmp_path: Path, schema_file: Path) -> None:
    result = _generate(
        "--schema", str(schema_file), "--format", "sql", "--out", str(tmp_path / "x"), "--engine", "spark"
    )
    assert result.exit_code == 2
    assert "parquet, csv or jsonl" in result.output
    result = _generate("--schema", str(schema_file), "--out", str(tmp_path / "x.parquet"), "--engine", "spark")
    assert result.exit_code == 2 and "directory of part files" in result.output


def test_s3_output_through_moto(spark: Any, aws_env: str, tmp_path: Path, schema_file: Path) -> None:
    """No hadoop-aws jars here (they cannot be installed offline): the tables are written locally and
    uploaded, data first and the manifest last; the response says so."""
    from sdga.adapters.aws import client
    from sdga.adapters.s3 import list_data_objects, read_manifest
    from sdga.config import Settings

    settings = Settings(home=tmp_path / "home")
    s3 = client("s3", settings)
    s3.create_bucket(Bucket="spark-out")
    result = _generate(
        "--schema", str(schema_file), "--seed", "5", "--format", "parquet", "--engine", "spark",
        "--out", "s3://spark-out/runs/one", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    response = json.loads(result.stdout)
    assert response["output_location"] == "s3://spark-out/runs/one/"
    assert any("uploaded" in w for w in response["warnings"])
    manifest = read_manifest(settings, "s3://spark-out/runs/one/")
    assert manifest is not None and manifest["tables"]["orders"]["rows"] == 4000
    objects = list_data_objects(settings, "s3://spark-out/runs/one/")
    assert sorted(objects) == sorted(response["output_files"]) and all(o.endswith(".parquet") for o in objects)


def test_service_runs_the_spark_engine_and_keeps_history(spark: Any, tmp_path: Path) -> None:
    """A request naming engine 'spark' goes through the service: staged, measured, published, recorded."""
    from sdga.config import Settings
    from sdga.models import GenerateDataRequest
    from sdga.service import SyntheticDataService

    service = SyntheticDataService(Settings(home=tmp_path / "home", background_threshold=0))
    request = GenerateDataRequest.model_validate(
        {"schema": SCHEMA, "seed": 5, "output_format": "parquet", "engine": "spark"}
    )
    response = service.generate(request)
    assert response.status.value == "success", response.errors
    assert response.records_per_table == {"users": 1500, "orders": 4000}
    location = Path(str(response.output_location))
    manifest = json.loads((location / "_manifest.json").read_text())
    assert manifest["engine"] == "spark" and manifest["tables"]["users"]["rows"] == 1500
    assert {f["name"].split("/")[0] for f in manifest["files"]} >= {"users", "orders"}
    assert all(Path(f).exists() for f in response.output_files)
    history = service.history(limit=1)[0]
    assert history["status"] == "success" and history["records_generated"] == 5500
    metrics = service.quality_metrics(
        __import__("sdga.models", fromlist=["QualityMetricsRequest"]).QualityMetricsRequest(data_location=str(location))
    )
    assert metrics.metrics.row_count == 5500
