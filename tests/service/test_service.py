"""SyntheticDataService end to end: generate → measure → report → publish → history, and every failure path."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pyarrow.csv as pacsv
import pytest
from tests.service.conftest import MULTI_SCHEMA, SCHEMA

from sdga.adapters.aws import client
from sdga.adapters.background import ThreadRunner
from sdga.config import Settings
from sdga.errors import (
    ConfigurationError,
    DestinationError,
    InvalidInputError,
    LimitExceededError,
    NotFoundError,
    NotReadyError,
    SchemaError,
)
from sdga.models import GenerateDataRequest, GenerationStatus, QualityMetricsRequest, ValidateSchemaRequest
from sdga.service import SyntheticDataService, check_generation_id, stream_zip


def request(**kw: object) -> GenerateDataRequest:
    data: dict[str, object] = {"volume": 200, "schema": SCHEMA, "output_format": "csv", "seed": 7}
    data.update(kw)
    return GenerateDataRequest.model_validate(data)


def test_generate_local_publishes_data_report_and_history(service: SyntheticDataService) -> None:
    result = service.generate(request())
    assert result.status == GenerationStatus.SUCCESS
    assert result.records_generated == 200 and result.records_per_table == {"customers": 200}
    out = Path(result.output_location or "")
    assert out.parent == service.settings.data_dir and out.name == result.generation_id
    table = pacsv.read_csv(out / "customers.csv")
    assert table.num_rows == 200 and table.column_names == ["customer_id", "email", "age", "signup"]
    report = Path(result.report_location or "").read_text()
    assert result.generation_id in report and "Validity" in report
    m = result.data_quality_metrics
    assert m is not None and m.validity_score == 1.0 and m.uniqueness_score > 0.5
    assert not any(service.settings.staging_dir.iterdir())  # staging cleaned
    status = service.status(result.generation_id)
    assert status.status == GenerationStatus.SUCCESS and status.records_generated == 200
    rows = service.history(limit=5)
    assert rows[0]["generation_id"] == result.generation_id and rows[0]["status"] == "success"


def test_same_seed_same_bytes(service: SyntheticDataService) -> None:
    a = service.generate(request(seed=11))
    b = service.generate(request(seed=11))
    assert Path(a.output_files[0]).read_bytes() == Path(b.output_files[0]).read_bytes()


def test_invalid_schema_is_refused_before_anything_is_recorded(service: SyntheticDataService) -> None:
    bad = {"fields": [{"name": "age", "type": "integer", "constraints": {"min": 10, "max": 1}}]}
    with pytest.raises(SchemaError) as info:
        service.generate(request(schema=bad))
    assert "age" in info.value.message
    assert service.history() == []


def test_validate_schema_reports_compliance(service: SyntheticDataService) -> None:
    schema = {"fields": [{"name": "ssn", "type": "ssn"}, {"name": "card", "type": "credit_card"}]}
    result = service.validate_schema(
        ValidateSchemaRequest.model_validate({"schema": schema, "compliance_requirements": ["PCI-DSS", "HIPAA"]})
    )
    assert result.compliance_issues


def test_inline_destination_is_truncated_with_a_warning(tmp_path: Path) -> None:
    svc = SyntheticDataService(Settings(home=tmp_path, inline_max_rows=25, background_threshold=0))
    result = svc.generate(request(volume=100, output_format="json", destination={"type": "inline"}))
    assert result.data is not None and len(result.data["customers"]) == 25
    assert any("truncated" in w for w in result.warnings)
    assert set(result.data["customers"][0]) == {"customer_id", "email", "age", "signup"}
    small = svc.generate(request(volume=10, output_format="json", destination={"type": "inline"}))
    assert small.data is not None and len(small.data["customers"]) == 10
    assert not any("truncated" in w for w in small.warnings)
    tiny_budget = SyntheticDataService(Settings(home=tmp_path, inline_max_bytes=1024, background_threshold=0))
    capped = tiny_budget.generate(request(volume=100, output_format="json", destination={"type": "inline"}))
    assert capped.data is not None and 0 < len(capped.data["customers"]) < 20
    assert len(json.dumps(capped.data["customers"], default=str)) <= 1024 + 50


def test_local_location_is_confined_to_allowed_roots(service: SyntheticDataService, tmp_path: Path) -> None:
    for location in ("/etc/sdga-out", "../../outside", str(tmp_path / "elsewhere")):
        with pytest.raises(InvalidInputError, match="outside the allowed"):
            service.generate(request(destination={"type": "local", "location": location}))
    first = service.generate(request())
    for location in ("../history.sqlite3", "../staging", "..", first.generation_id, f"{first.generation_id}/x"):
        with pytest.raises(InvalidInputError):  # service files and stored generations are off limits
            service.generate(request(destination={"type": "local", "location": location}))
    inside = service.generate(request(destination={"type": "local", "location": "exports/run1"}))
    assert Path(inside.output_location or "") == service.settings.data_dir / "exports" / "run1"
    allowed = SyntheticDataService(Settings(home=tmp_path / "h", allowed_roots=[tmp_path / "exports"]))
    result = allowed.generate(request(destination={"type": "local", "location": str(tmp_path / "exports" / "x.csv")}))
    assert Path(result.output_files[0]) == tmp_path / "exports" / "x.csv"
    assert (tmp_path / "exports" / "x.csv.report.md").exists()
    with pytest.raises(InvalidInputError):
        service.quality_metrics(QualityMetricsRequest(data_location="/etc/passwd"))


def test_generation_ids_must_be_uuids(service: SyntheticDataService) -> None:
    for bad in ("../../etc/passwd", "abc", "", "1; DROP TABLE x"):
        with pytest.raises(InvalidInputError):
            service.status(bad)
        with pytest.raises(InvalidInputError):
            service.download(bad)
    with pytest.raises(NotFoundError):
        service.status("6f1e0c1a-0000-4000-8000-000000000000")
    assert check_generation_id("6F1E0C1A-0000-4000-8000-000000000000") == "6f1e0c1a-0000-4000-8000-000000000000"


def test_download_single_file_and_zip(service: SyntheticDataService) -> None:
    single = service.download(service.generate(request()).generation_id)
    assert single.filename == "customers.csv" and single.media_type.startswith("text/csv")
    assert b"".join(single.chunks).split(b"\n", 1)[0].replace(b'"', b"") == b"customer_id,email,age,signup"
    multi = service.generate(request(schema=MULTI_SCHEMA, volume=50))
    assert multi.records_per_table == {"users": 50, "orders": 50}
    stream = service.download(multi.generation_id)
    assert stream.filename.endswith(".zip") and stream.media_type == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(stream.chunks)))
    assert sorted(archive.namelist()) == ["orders.csv", "report.md", "users.csv"]
    assert archive.testzip() is None
    users = pacsv.read_csv(io.BytesIO(archive.read("users.csv")))
    orders = pacsv.read_csv(io.BytesIO(archive.read("orders.csv")))
    assert set(orders["user_id"].to_pylist()) <= set(users["user_id"].to_pylist())  # referential integrity


def test_stream_zip_is_valid_for_many_chunks() -> None:
    payload = [bytes([i % 251]) * 70_000 for i in range(5)]
    data = b"".join(stream_zip([("a.bin", lambda: iter(payload)), ("b.txt", lambda: iter([b"hello"]))]))
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.read("a.bin") == b"".join(payload) and archive.read("b.txt") == b"hello"


def test_background_generation_is_polled(tmp_path: Path) -> None:
    runner = ThreadRunner()
    svc = SyntheticDataService(Settings(home=tmp_path, background_threshold=100), runner=runner)
    first = svc.generate(request(volume=3000))
    assert first.status == GenerationStatus.PENDING
    assert any("background" in w for w in first.warnings)
    runner.wait(first.generation_id, timeout=60)
    final = svc.status(first.generation_id)
    assert final.status == GenerationStatus.SUCCESS and final.records_generated == 3000
    assert svc.generate(request(volume=50)).status == GenerationStatus.SUCCESS  # small: synchronous


def test_unfinished_generation_cannot_be_downloaded(service: SyntheticDataService) -> None:
    from sdga.adapters.history import GenerationRecord, now_ms

    gid = "7f1e0c1a-0000-4000-8000-000000000002"
    service.history_store.create(
        GenerationRecord(generation_id=gid, timestamp=now_ms(), status=GenerationStatus.PENDING)
    )
    with pytest.raises(NotReadyError):
        service.download(gid)
    with pytest.raises(NotReadyError):
        service.quality_metrics(QualityMetricsRequest(generation_id=gid))


def test_failed_background_job_is_recorded(tmp_path: Path) -> None:
    runner = ThreadRunner()
    svc = SyntheticDataService(Settings(home=tmp_path, background_threshold=10), runner=runner)
    target = svc.settings.data_dir / "blocked"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("a file where a directory must go")
    result = svc.generate(
        request(volume=100, schema=MULTI_SCHEMA, destination={"type": "local", "location": "blocked"})
    )
    runner.wait(result.generation_id, timeout=60)
    final = svc.status(result.generation_id)
    assert final.status == GenerationStatus.FAILED and final.errors and "blocked" in final.errors[0]
    assert target.read_text() == "a file where a directory must go"
    with pytest.raises(NotFoundError):
        svc.download(result.generation_id)


def test_stale_running_job_is_reported_failed(service: SyntheticDataService) -> None:
    import sqlite3

    from sdga.adapters.history import GenerationRecord, now_ms

    gid = "7f1e0c1a-0000-4000-8000-000000000001"
    service.history_store.create(
        GenerationRecord(generation_id=gid, timestamp=now_ms(), status=GenerationStatus.RUNNING)
    )
    assert service.status(gid).status == GenerationStatus.RUNNING
    conn = sqlite3.connect(service.settings.history_db)  # age the record as if its worker died long ago
    data = json.loads(conn.execute("SELECT record FROM generations WHERE generation_id=?", (gid,)).fetchone()[0])
    data["updated_at"] = "2000-01-01T00:00:00Z"
    conn.execute("UPDATE generations SET record=? WHERE generation_id=?", (json.dumps(data), gid))
    conn.commit()
    conn.close()
    status = service.status(gid)
    assert status.status == GenerationStatus.FAILED and "stopped reporting" in status.errors[0]


def test_quality_metrics_by_id_and_location(service: SyntheticDataService) -> None:
    result = service.generate(request(output_format="parquet"))
    by_id = service.quality_metrics(QualityMetricsRequest(generation_id=result.generation_id))
    assert by_id.generation_id == result.generation_id and by_id.metrics.validity_score == 1.0
    by_location = service.quality_metrics(QualityMetricsRequest(data_location=result.output_files[0]))
    assert by_location.metrics.row_count == 200


def test_destination_switches(tmp_path: Path) -> None:
    svc = SyntheticDataService(Settings(home=tmp_path, allowed_destinations=["local"]))
    with pytest.raises(InvalidInputError, match="not enabled"):
        svc.generate(request(destination={"type": "inline"}))
    with pytest.raises(ConfigurationError):
        SyntheticDataService(Settings(home=tmp_path)).generate(request(destination={"type": "s3"}))
    with pytest.raises(InvalidInputError):
        SyntheticDataService(Settings(home=tmp_path)).generate(request(destination={"type": "rds"}))
    with pytest.raises(InvalidInputError):
        SyntheticDataService(Settings(home=tmp_path)).generate(
            request(destination={"type": "rds", "location": "oracle://scott@db/orcl"})  # not a supported database
        )
    with pytest.raises(InvalidInputError, match="not enabled"):  # no reads through a disabled door either
        svc.quality_metrics(QualityMetricsRequest(data_location="s3://some-bucket/data/"))
    capped = SyntheticDataService(Settings(home=tmp_path, max_volume=100))
    with pytest.raises(LimitExceededError, match="at most 100 per request") as refused:
        capped.generate(request(volume=101))
    assert refused.value.code == "limit_exceeded" and refused.value.details["limit"] == "max_volume"  # type: ignore[index]


# ------------------------------------------------------------------------------------ S3 (moto)
def test_generate_to_s3_and_read_back(aws_env: str, tmp_path: Path, unique_suffix: str) -> None:
    bucket = f"sdga-gen-{unique_suffix}"
    base = Settings(home=tmp_path)
    client("s3", base).create_bucket(Bucket=bucket)
    svc = SyntheticDataService(Settings(home=tmp_path / "h", storage_backend="s3", s3_bucket=bucket))
    result = svc.generate(request(schema=MULTI_SCHEMA, volume=40, output_format="parquet", destination={"type": "s3"}))
    assert result.output_location == f"s3://{bucket}/generations/{result.generation_id}/"
    assert all(f.startswith("s3://") for f in result.output_files) and result.report_location
    stream = svc.download(result.generation_id)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(stream.chunks)))
    assert sorted(archive.namelist()) == ["orders.parquet", "report.md", "users.parquet"]
    metrics = svc.quality_metrics(QualityMetricsRequest(generation_id=result.generation_id))
    assert metrics.metrics.validity_score == 1.0
    by_uri = svc.quality_metrics(QualityMetricsRequest(data_location=result.output_location))
    assert by_uri.metrics.row_count is not None
    explicit = svc.generate(request(destination={"type": "s3", "location": f"s3://{bucket}/team/run-1"}))
    assert explicit.output_files == [f"s3://{bucket}/team/run-1/customers.csv"]
    local = svc.generate(request(volume=5))  # 'local' in an S3 deployment goes to the bucket
    assert (local.output_location or "").startswith("s3://") and any("S3" in w for w in local.warnings)


def test_s3_destination_failure_leaves_nothing_and_records_failed(aws_env: str, tmp_path: Path) -> None:
    svc = SyntheticDataService(Settings(home=tmp_path))
    # The occupancy check runs before anything is generated: a missing bucket is refused up front.
    with pytest.raises(DestinationError, match="NoSuchBucket") as early:
        svc.generate(request(destination={"type": "s3", "location": "s3://sdga-missing-bucket/x"}))
    assert "generation_id" not in (early.value.details or {}) and not svc.history()
    # With 'replace' there is no check: the upload itself fails, after generating.
    with pytest.raises(DestinationError) as info:
        svc.generate(
            request(destination={"type": "s3", "location": "s3://sdga-missing-bucket/x", "if_exists": "replace"})
        )
    gid = info.value.details["generation_id"]  # type: ignore[index]
    status = svc.status(gid)
    assert status.status == GenerationStatus.FAILED and "NoSuchBucket" in status.errors[0]
    assert status.output_location is None and status.output_files == []
    assert not any(svc.settings.staging_dir.iterdir())
    assert svc.history(status=GenerationStatus.FAILED)[0]["generation_id"] == gid


def test_large_results_are_measured_on_a_bounded_sample(
    service: SyntheticDataService, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sdga.pipeline import measure

    monkeypatch.setattr(measure, "READBACK_MAX_ROWS", 100)
    monkeypatch.setattr(measure, "METRICS_SAMPLE_ROWS", 50)
    result = service.generate(request(volume=300))
    assert result.status == GenerationStatus.SUCCESS and result.records_generated == 300
    m = result.data_quality_metrics
    assert m is not None and m.row_count == 50 and m.validity_score == 1.0
    assert any("first 50 rows" in w for w in result.warnings)
    xml = service.generate(request(volume=40, output_format="xml"))  # not read back: measured while writing
    assert xml.data_quality_metrics is not None and xml.data_quality_metrics.row_count == 40
    assert Path(xml.output_files[0]).read_text().count("<customers") >= 1


def test_quality_metrics_against_a_reference(service: SyntheticDataService) -> None:
    reference = service.generate(request(volume=300, seed=1, output_format="parquet"))
    candidate = service.generate(request(volume=300, seed=2, output_format="parquet"))
    result = service.quality_metrics(
        QualityMetricsRequest(generation_id=candidate.generation_id, reference_location=reference.output_files[0])
    )
    fidelity = result.metrics.fidelity
    assert fidelity is not None and fidelity.overall_score is not None and fidelity.overall_score > 0.5
    with pytest.raises(InvalidInputError):
        service.quality_metrics(
            QualityMetricsRequest(generation_id=candidate.generation_id, reference_location="/etc/hosts")
        )


def test_job_of_a_killed_server_is_failed_at_once_and_its_staging_removed(tmp_path: Path) -> None:
    """A server killed mid-generation: the next status/history call says so now, not after the job timeout."""
    import os
    import signal
    import subprocess
    import sys
    import time

    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from sdga.config import Settings\n"
        "from sdga.models import GenerateDataRequest\n"
        "from sdga.service import SyntheticDataService\n"
        "svc = SyntheticDataService(Settings(home=Path(sys.argv[1])))\n"
        "req = GenerateDataRequest.model_validate({'data_type': 'user_profile', 'volume': 50_000_000, 'seed': 1,"
        " 'output_format': 'csv'})\n"
        "print(svc.generate(req, background=True).generation_id, flush=True)\n"
        "time.sleep(600)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        gid = child.stdout.readline().strip()
        service = SyntheticDataService(Settings(home=tmp_path))
        deadline = time.monotonic() + 60
        while True:  # the history itself says when the child's worker thread is generating
            record = service.history_store.get(gid)
            assert record is not None
            if record.status == GenerationStatus.RUNNING and list(service.settings.staging_dir.glob(f"{gid}-*")):
                break
            assert time.monotonic() < deadline, record.status
            time.sleep(0.05)
        assert record.worker and record.worker.rsplit(":", 2)[1] == str(child.pid)
        assert service.status(gid).status == GenerationStatus.RUNNING  # alive: left alone
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    status = service.status(gid)
    assert status.status == GenerationStatus.FAILED
    assert f"(pid {child.pid}) stopped before it finished" in status.errors[0]
    assert [h["status"] for h in service.history() if h["generation_id"] == gid] == ["failed"]
    assert not list(service.settings.staging_dir.glob(f"{gid}-*"))
    assert not (service.settings.data_dir / gid).exists()
    with pytest.raises(NotFoundError, match="failed"):
        service.download(gid)


def test_history_marks_dead_workers_failed_but_leaves_live_and_foreign_ones(service: SyntheticDataService) -> None:
    import socket
    import subprocess
    import sys

    from sdga.adapters.history import GenerationRecord, now_ms
    from sdga.adapters.worker import current_worker

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    here = current_worker()
    assert here is not None
    host, pid, start = here.rsplit(":", 2)
    workers = {
        "10000000-0000-4000-8000-000000000001": f"{host}:{dead.stdout.strip()}:1",  # gone
        "10000000-0000-4000-8000-000000000002": f"{host}:{pid}:{int(start or 0) + 1}",  # pid reused
        "10000000-0000-4000-8000-000000000003": here,  # this process: alive
        "10000000-0000-4000-8000-000000000004": f"not-{socket.gethostname()}:1:1",  # another host: unknown
        "10000000-0000-4000-8000-000000000005": "garbage",  # unreadable: unknown
    }
    for gid, worker in workers.items():
        service.history_store.create(
            GenerationRecord(generation_id=gid, timestamp=now_ms(), status=GenerationStatus.RUNNING, worker=worker)
        )
    listed = {h["generation_id"]: h["status"] for h in service.history(limit=20)}
    assert [listed[g] for g in workers] == ["failed", "failed", "running", "running", "running"]
    assert {h["generation_id"] for h in service.history(status="running")} == set(list(workers)[2:])


def test_an_occupied_s3_prefix_is_only_written_with_replace(aws_env: str, tmp_path: Path, unique_suffix: str) -> None:
    """A second run into the same prefix is refused up front, so a failing re-run can never destroy the
    earlier result; 'replace' overwrites on purpose; 'append' is for database tables only."""
    bucket = f"sdga-occ-{unique_suffix}"
    client("s3", Settings(home=tmp_path)).create_bucket(Bucket=bucket)
    svc = SyntheticDataService(Settings(home=tmp_path / "h"))
    where = f"s3://{bucket}/team/run-1"
    first = svc.generate(request(destination={"type": "s3", "location": where}))
    before = client("s3", svc.settings).get_object(Bucket=bucket, Key="team/run-1/customers.csv")["Body"].read()
    with pytest.raises(DestinationError, match="already holds data") as info:
        svc.generate(request(seed=99, destination={"type": "s3", "location": where + "/"}))
    assert info.value.details["existing"].startswith("team/run-1/")  # type: ignore[index]
    after = client("s3", svc.settings).get_object(Bucket=bucket, Key="team/run-1/customers.csv")["Body"].read()
    assert after == before and svc.status(first.generation_id).status == GenerationStatus.SUCCESS
    with pytest.raises(InvalidInputError, match="append"):
        svc.generate(request(destination={"type": "s3", "location": where, "if_exists": "append"}))
    replaced = svc.generate(request(seed=99, destination={"type": "s3", "location": where, "if_exists": "replace"}))
    assert replaced.status == GenerationStatus.SUCCESS
    now = client("s3", svc.settings).get_object(Bucket=bucket, Key="team/run-1/customers.csv")["Body"].read()
    assert now != before
    # a prefix next to it is free ("run-1" must not be read as occupying "run-10")
    assert svc.generate(request(destination={"type": "s3", "location": f"s3://{bucket}/team/run-10"})).status == (
        GenerationStatus.SUCCESS
    )


def test_expired_generations_take_their_stored_results_with_them(tmp_path: Path) -> None:
    """On a laptop the data folder must not outgrow the history: when a record expires (SQLite purge),
    data/<id> goes too; results that have not expired, and files outside data/, stay."""
    import sqlite3

    svc = SyntheticDataService(Settings(home=tmp_path / "home", history_ttl_days=30))
    old, kept = svc.generate(request()), svc.generate(request(seed=8))
    elsewhere = tmp_path / "home" / "data" / "mine"
    svc.generate(request(seed=9, destination={"type": "local", "location": str(elsewhere)}))
    assert (svc.settings.data_dir / old.generation_id).is_dir()
    with sqlite3.connect(svc.settings.history_db) as conn:  # let the first one's time run out
        conn.execute("UPDATE generations SET expires_at = 1 WHERE generation_id = ?", (old.generation_id,))
    assert svc.history_store.purge_expired() == 1  # type: ignore[attr-defined]
    assert not (svc.settings.data_dir / old.generation_id).exists()
    assert (svc.settings.data_dir / kept.generation_id).is_dir() and any(elsewhere.iterdir())
    with pytest.raises(NotFoundError):
        svc.status(old.generation_id)


def test_a_long_publish_keeps_the_record_fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No progress is reported while a result is measured and published: a heartbeat keeps the record's
    updated_at moving, so a status call during a long upload does not take the job for a dead one."""
    import time as _time

    svc = SyntheticDataService(Settings(home=tmp_path / "home"))
    svc.heartbeat_s = 0.1
    seen: list[object] = []
    original = svc.store.publish

    def slow_publish(gid: str, staging: Path) -> object:
        first = svc.history_store.get(gid)
        _time.sleep(1.0)
        later = svc.history_store.get(gid)
        assert first is not None and later is not None
        seen.extend([first.updated_at, later.updated_at, later.status])
        return original(gid, staging)

    monkeypatch.setattr(svc.store, "publish", slow_publish)
    result = svc.generate(request())
    assert result.status == GenerationStatus.SUCCESS
    assert seen[2] == GenerationStatus.RUNNING and seen[1] > seen[0]  # type: ignore[operator]
    assert svc.status(result.generation_id).status == GenerationStatus.SUCCESS  # the heartbeat stopped in time
