"""Object stores and history backends: local directory + SQLite, and S3 + DynamoDB over HTTP (moto server)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from sdga.adapters.aws import client
from sdga.adapters.history import GenerationRecord, SqliteHistory, TransitionError, now_ms
from sdga.adapters.storage import MANIFEST_NAME, LocalObjectStore, publish_local, read_local_manifest
from sdga.config import Settings, load_settings
from sdga.errors import ConfigurationError, DestinationError, InvalidInputError
from sdga.models import GenerateDataResponse, GenerationStatus

GID = "0b7c4b8e-8a53-4a55-9a53-2a4b2b3c1d10"


def _staging(tmp_path: Path, name: str = "stage") -> Path:
    d = tmp_path / name
    d.mkdir()
    (d / "users.csv").write_text("id,email\n1,a@example.com\n")
    (d / "report.md").write_text("# report\n")
    return d


def _record(
    gid: str = GID, status: GenerationStatus = GenerationStatus.PENDING, ts: int | None = None
) -> GenerationRecord:
    return GenerationRecord(
        generation_id=gid,
        timestamp=ts or now_ms(),
        status=status,
        data_type="custom",
        volume=10,
        response=GenerateDataResponse(generation_id=gid, status=status),
    )


# ------------------------------------------------------------------------------------------ config
def test_settings_from_env_and_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "sdga.yaml"
    cfg.write_text("s3_bucket: from-file\nSDGA_HISTORY_TTL_DAYS: 7\nstorage_backend: s3\n")
    monkeypatch.setenv("SDGA_CONFIG", str(cfg))
    monkeypatch.setenv("SDGA_S3_BUCKET", "from-env")
    monkeypatch.setenv("SDGA_ALLOWED_ROOTS", f"/tmp{os.pathsep}/srv/data")
    monkeypatch.setenv("SDGA_ALLOWED_DESTINATIONS", "local, INLINE")
    monkeypatch.setenv("SDGA_S3_PREFIX", "/a/b/")
    s = load_settings()
    assert s.s3_bucket == "from-env"  # environment beats the file
    assert s.history_ttl_days == 7 and s.storage_backend == "s3"
    assert s.allowed_roots == [Path("/tmp"), Path("/srv/data")]
    assert s.allowed_destinations == ["local", "inline"]
    assert s.s3_prefix == "a/b/"


def test_bad_settings_are_readable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDGA_STORAGE_BACKEND", "ftp")
    with pytest.raises(ConfigurationError, match="STORAGE_BACKEND"):
        load_settings()
    monkeypatch.delenv("SDGA_STORAGE_BACKEND")
    bad = tmp_path / "bad.yaml"
    bad.write_text("- just\n- a list\n")
    monkeypatch.setenv("SDGA_CONFIG", str(bad))
    with pytest.raises(ConfigurationError, match="mapping"):
        load_settings()


# -------------------------------------------------------------------------------------- local store
def test_local_publish_is_one_rename_and_has_manifest(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "data")
    staging = _staging(tmp_path)
    published = store.publish(GID, staging)
    target = tmp_path / "data" / GID
    assert not staging.exists()  # consumed by the rename
    assert sorted(p.name for p in target.iterdir()) == [MANIFEST_NAME, "report.md", "users.csv"]
    manifest = read_local_manifest(target)
    assert manifest is not None and {f["name"] for f in manifest["files"]} == {"users.csv", "report.md"}
    assert published.location == str(target) and len(published.files) == 2


def test_local_publish_into_existing_directory_keeps_other_files(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    publish_local(_staging(tmp_path), target, GID)
    assert (target / "keep.txt").read_text() == "mine"
    assert (target / "users.csv").exists() and read_local_manifest(target) is not None


def test_failed_publish_over_an_earlier_result_restores_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A re-run into the same directory fails halfway: the earlier result is back, byte for byte."""
    import sdga.adapters.storage as storage

    target = tmp_path / "out"
    publish_local(_staging(tmp_path, "first"), target, GID)
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    second = _staging(tmp_path, "second")
    (second / "users.csv").write_text("id,email\n2,b@example.com\n")
    real = storage._move_file
    calls = {"n": 0}

    def flaky(src: Path, dst: Path) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(storage, "_move_file", flaky)
    with pytest.raises(DestinationError, match="No space left"):
        publish_local(second, target, "1b7c4b8e-8a53-4a55-9a53-2a4b2b3c1d10")
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert read_local_manifest(target) is not None


@pytest.mark.parametrize("failing", ["users.csv", "users.csv.report.md"])
def test_failed_publish_to_a_named_file_keeps_the_earlier_file_and_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    import sdga.adapters.storage as storage
    from sdga.adapters.storage import publish_local_file

    target = tmp_path / "users.csv"
    target.write_text("old data\n")
    (tmp_path / "users.csv.report.md").write_text("old report\n")
    real = storage._move_file

    def move_fails(src: Path, dst: Path) -> None:
        if dst.name == failing:
            raise PermissionError(13, "Permission denied")
        real(src, dst)

    monkeypatch.setattr(storage, "_move_file", move_fails)
    with pytest.raises(DestinationError, match="Permission denied"):
        publish_local_file(_staging(tmp_path), target, GID)
    assert target.read_text() == "old data\n"
    assert (tmp_path / "users.csv.report.md").read_text() == "old report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["users.csv", "users.csv.report.md"]


def test_local_publish_onto_a_file_fails_cleanly(tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("x")
    with pytest.raises(DestinationError):
        publish_local(_staging(tmp_path), target, GID)
    assert target.read_text() == "x"


def test_incomplete_directory_is_not_trusted(tmp_path: Path) -> None:
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "users.csv").write_text("id\n")
    assert read_local_manifest(tmp_path / "half") is None


# ----------------------------------------------------------------------------------- SQLite history
def test_sqlite_history_transitions(tmp_path: Path) -> None:
    history = SqliteHistory(tmp_path / "h.sqlite3")
    rec = _record()
    history.create(rec)
    with pytest.raises(InvalidInputError):
        history.create(rec)
    rec.status = GenerationStatus.RUNNING
    history.transition(rec)
    rec.status = GenerationStatus.SUCCESS
    rec.records_generated = 10
    history.transition(rec)
    got = history.get(GID)
    assert got is not None and got.status == GenerationStatus.SUCCESS and got.records_generated == 10
    rec.status = GenerationStatus.FAILED  # terminal states are final
    with pytest.raises(TransitionError):
        history.transition(rec)
    assert history.get("00000000-0000-0000-0000-000000000000") is None


def test_sqlite_history_deletes_expired_records(tmp_path: Path) -> None:
    """SDGA_HISTORY_TTL_DAYS is kept on SQLite too: expired records go away, not only out of the listing."""
    import sqlite3

    history = SqliteHistory(tmp_path / "h.sqlite3")
    old = _record("3b7c4b8e-8a53-4a55-9a53-2a4b2b3c1d10")
    old.expires_at = 1_000
    history.create(old)
    history.create(_record())
    with sqlite3.connect(tmp_path / "h.sqlite3") as conn:
        ids = [r[0] for r in conn.execute("SELECT generation_id FROM generations")]
    assert ids == [GID]


def test_sqlite_history_concurrent_finishers_only_one_wins(tmp_path: Path) -> None:
    history = SqliteHistory(tmp_path / "h.sqlite3")
    history.create(_record(status=GenerationStatus.RUNNING))
    outcomes: list[str] = []

    def finish(status: GenerationStatus) -> None:
        try:
            history.transition(_record(status=status))
            outcomes.append("ok")
        except TransitionError:
            outcomes.append("refused")

    threads = [
        threading.Thread(target=finish, args=(s,)) for s in (GenerationStatus.SUCCESS, GenerationStatus.FAILED) * 4
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1


def test_sqlite_history_list_filters_and_orders(tmp_path: Path) -> None:
    history = SqliteHistory(tmp_path / "h.sqlite3")
    base = now_ms()
    for i in range(6):
        gid = f"0b7c4b8e-8a53-4a55-9a53-2a4b2b3c1d1{i}"
        history.create(_record(gid, ts=base + i))
        if i % 2:
            r = _record(gid, GenerationStatus.FAILED, ts=base + i)
            history.transition(r)
    rows = history.list(limit=10)
    assert [r.timestamp for r in rows] == sorted((r.timestamp for r in rows), reverse=True)
    assert {r.status for r in history.list(status=GenerationStatus.FAILED)} == {GenerationStatus.FAILED}
    assert len(history.list(limit=2)) == 2
    expired = _record("0b7c4b8e-8a53-4a55-9a53-2a4b2b3c1d99")
    expired.expires_at = 1
    history.create(expired)
    assert all(r.generation_id != expired.generation_id for r in history.list(limit=100))
    assert history.purge_expired() == 1


# --------------------------------------------------------------------------------------- S3 (moto)
@pytest.fixture
def s3_settings(aws_env: str, tmp_path: Path, unique_suffix: str) -> Settings:
    kms = client("kms", Settings(home=tmp_path))
    key_id = kms.create_key(Description="sdga test")["KeyMetadata"]["KeyId"]
    bucket = f"sdga-test-{unique_suffix}"
    client("s3", Settings(home=tmp_path)).create_bucket(Bucket=bucket)
    return Settings(home=tmp_path / "home", storage_backend="s3", s3_bucket=bucket, kms_key_id=key_id)


def test_endpoint_comes_from_the_environment(aws_env: str) -> None:
    # boto3 itself honours AWS_ENDPOINT_URL: a plain client reaches moto, not AWS.
    plain = boto3.client("s3", config=Config(retries={"max_attempts": 1}))
    assert plain.meta.endpoint_url == aws_env
    assert "Buckets" in plain.list_buckets()


def test_s3_publish_uses_kms_and_writes_manifest_last(s3_settings: Settings, tmp_path: Path) -> None:
    from sdga.adapters.s3 import S3ObjectStore, iter_object, list_data_objects, read_manifest

    store = S3ObjectStore(s3_settings)
    published = store.publish(GID, _staging(tmp_path))
    s3 = client("s3", s3_settings)
    prefix = f"generations/{GID}/"
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=s3_settings.s3_bucket, Prefix=prefix)["Contents"])
    assert keys == [prefix + MANIFEST_NAME, prefix + "report.md", prefix + "users.csv"]
    head = s3.head_object(Bucket=s3_settings.s3_bucket, Key=prefix + "users.csv")
    assert head["ServerSideEncryption"] == "aws:kms"
    assert s3_settings.kms_key_id and s3_settings.kms_key_id in head["SSEKMSKeyId"]
    assert head["ContentType"] == "text/csv"
    manifest = read_manifest(s3_settings, published.location)
    assert manifest is not None and manifest["generation_id"] == GID
    assert b"".join(iter_object(s3_settings, published.files[-1])).startswith(b"id,email")
    assert sorted(list_data_objects(s3_settings, published.location)) == sorted(published.files)
    store.delete(GID)
    assert "Contents" not in s3.list_objects_v2(Bucket=s3_settings.s3_bucket, Prefix=prefix)


def test_s3_failed_upload_leaves_nothing(
    s3_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sdga.adapters.s3 import S3ObjectStore

    store = S3ObjectStore(s3_settings)
    real_put = client("s3", s3_settings).put_object

    def broken_put(**kwargs: object) -> object:  # the manifest write fails after the data objects
        raise RuntimeError("network down")

    monkeypatch.setattr(client("s3", s3_settings), "put_object", broken_put)
    with pytest.raises(DestinationError, match="network down"):
        store.publish(GID, _staging(tmp_path))
    monkeypatch.setattr(client("s3", s3_settings), "put_object", real_put)
    listing = client("s3", s3_settings).list_objects_v2(Bucket=s3_settings.s3_bucket, Prefix="generations/")
    assert "Contents" not in listing


def test_s3_missing_bucket_is_a_destination_error(aws_env: str, tmp_path: Path) -> None:
    from sdga.adapters.s3 import S3ObjectStore, parse_s3_uri

    store = S3ObjectStore(Settings(home=tmp_path), bucket="no-such-bucket-sdga")
    with pytest.raises(DestinationError, match="NoSuchBucket"):
        store.publish(GID, _staging(tmp_path))
    with pytest.raises(InvalidInputError):
        parse_s3_uri("s3://Bad_Bucket/x")
    with pytest.raises(InvalidInputError):
        parse_s3_uri("s3://bucket/../etc")
    with pytest.raises(ConfigurationError):
        S3ObjectStore(Settings(home=tmp_path))


# --------------------------------------------------------------------------------- DynamoDB (moto)
@pytest.fixture
def ddb_settings(aws_env: str, tmp_path: Path, unique_suffix: str) -> Settings:
    from sdga.adapters.dynamodb import create_table

    s = Settings(home=tmp_path, history_backend="dynamodb", history_table=f"generations-{unique_suffix}")
    create_table(s)
    return s


def test_dynamodb_table_layout(ddb_settings: Settings) -> None:
    ddb = client("dynamodb", ddb_settings)
    table = ddb.describe_table(TableName=ddb_settings.history_table)["Table"]
    assert {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]} == {
        "generation_id": "HASH",
        "timestamp": "RANGE",
    }
    index = table["GlobalSecondaryIndexes"][0]
    assert index["IndexName"] == "status-timestamp-index"
    ttl = ddb.describe_time_to_live(TableName=ddb_settings.history_table)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expires_at"


def test_dynamodb_history_lifecycle(ddb_settings: Settings) -> None:
    from sdga.adapters import make_history

    history = make_history(ddb_settings)
    rec = _record()
    rec.expires_at = 4_102_444_800
    history.create(rec)
    with pytest.raises(InvalidInputError):
        history.create(rec)
    rec.status = GenerationStatus.RUNNING
    history.transition(rec)
    rec.status = GenerationStatus.PARTIAL
    rec.errors = ["validity 0.9"]
    history.transition(rec)
    got = history.get(GID)
    assert got is not None and got.status == GenerationStatus.PARTIAL and got.errors == ["validity 0.9"]
    with pytest.raises(TransitionError):
        rec.status = GenerationStatus.RUNNING
        history.transition(rec)
    item = client("dynamodb", ddb_settings).query(
        TableName=ddb_settings.history_table,
        KeyConditionExpression="generation_id = :g",
        ExpressionAttributeValues={":g": {"S": GID}},
    )["Items"][0]
    assert item["status"]["S"] == "partial" and item["expires_at"]["N"] == "4102444800"
    assert json.loads(item["record"]["S"])["generation_id"] == GID


def test_dynamodb_history_list_uses_the_status_index(ddb_settings: Settings) -> None:
    from sdga.adapters.dynamodb import DynamoHistory

    history = DynamoHistory(ddb_settings)
    base = now_ms()
    for i in range(5):
        gid = f"1b7c4b8e-8a53-4a55-9a53-2a4b2b3c1d1{i}"
        history.create(_record(gid, ts=base + i))
        if i < 2:
            history.transition(_record(gid, GenerationStatus.SUCCESS, ts=base + i))
    rows = history.list(limit=10)
    assert len(rows) == 5
    assert [r.timestamp for r in rows] == sorted((r.timestamp for r in rows), reverse=True)
    done = history.list(status=GenerationStatus.SUCCESS)
    assert {r.generation_id[-1] for r in done} == {"0", "1"}
    assert len(history.list(limit=3)) == 3


def test_records_stay_small_enough_for_dynamodb(tmp_path: Path) -> None:
    from sdga.adapters.history import MAX_RECORD_BYTES, storable_json
    from sdga.models import FieldStatistics, QualityMetrics

    rec = _record(status=GenerationStatus.SUCCESS)
    assert rec.response is not None
    rec.response.data = {"t": [{"x": "y" * 100}] * 5000}  # inline rows are never stored
    rec.response.data_quality_metrics = QualityMetrics(
        uniqueness_score=1,
        validity_score=0.99,
        completeness_score=1,
        field_statistics={f"f{i}": FieldStatistics(min_value="a" * 400, max_value="z" * 400) for i in range(1000)},
    )
    text = storable_json(rec)
    assert len(text.encode()) <= MAX_RECORD_BYTES
    stored = GenerationRecord.model_validate_json(text)
    assert stored.response is not None and stored.response.data is None
    assert stored.response.data_quality_metrics is not None
    assert stored.response.data_quality_metrics.validity_score == 0.99  # the scores survive trimming
    history = SqliteHistory(tmp_path / "h.sqlite3")
    history.create(rec)
    got = history.get(rec.generation_id)
    assert got is not None and got.response is not None and got.response.data is None


def test_dynamodb_same_generation_id_twice_is_refused(ddb_settings: Settings) -> None:
    # The table's key is (generation_id, timestamp): a re-run with the same id has another timestamp.
    from sdga.adapters.dynamodb import DynamoHistory

    history = DynamoHistory(ddb_settings)
    history.create(_record(ts=1_000))
    with pytest.raises(InvalidInputError, match="already exists"):
        history.create(_record(ts=2_000))
    items = client("dynamodb", ddb_settings).query(
        TableName=ddb_settings.history_table,
        KeyConditionExpression="generation_id = :g",
        ExpressionAttributeValues={":g": {"S": GID}},
    )["Items"]
    assert len(items) == 1


def test_dynamodb_records_are_trimmed_below_the_item_limit(ddb_settings: Settings) -> None:
    from sdga.adapters.dynamodb import DynamoHistory
    from sdga.models import FieldStatistics, QualityMetrics

    history = DynamoHistory(ddb_settings)
    rec = _record()
    history.create(rec)
    rec.status = GenerationStatus.SUCCESS
    assert rec.response is not None
    rec.response.data = {"t": [{"x": "y" * 100}] * 5000}  # ~600 KB of inline rows
    rec.response.data_quality_metrics = QualityMetrics(
        uniqueness_score=1,
        validity_score=0.98,
        completeness_score=1,
        field_statistics={f"f{i}": FieldStatistics(min_value="a" * 400, max_value="z" * 400) for i in range(1000)},
    )
    history.transition(rec)  # DynamoDB refuses items over 400 KB
    got = history.get(GID)
    assert got is not None and got.status == GenerationStatus.SUCCESS
    assert got.response is not None and got.response.data is None
    assert got.response.data_quality_metrics is not None
    assert got.response.data_quality_metrics.validity_score == 0.98


def test_dynamodb_list_is_not_shortened_by_expired_items(ddb_settings: Settings) -> None:
    """TTL deletion lags (up to days): expired items are skipped without costing the caller rows."""
    from sdga.adapters.dynamodb import DynamoHistory

    history = DynamoHistory(ddb_settings)
    base = now_ms()
    for i in range(6):
        rec = _record(f"2b7c4b8e-8a53-4a55-9a53-2a4b2b3c1d1{i}", ts=base + i)
        rec.expires_at = 1_000 if i >= 3 else None  # the three newest expired long ago
        history.create(rec)
    rows = history.list(limit=3)
    assert [r.generation_id[-1] for r in rows] == ["2", "1", "0"]
    assert [r.generation_id[-1] for r in history.list(limit=2, status=GenerationStatus.PENDING)] == ["2", "1"]
