"""The generate Lambda hands large requests to EMR Serverless (moto's server), the job's entry point runs
in local Spark against moto's S3, and ``status`` reports the job's outcome from its manifest."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.spark.test_spark_engine import SCHEMA

from sdga.config import Settings
from sdga.service import SyntheticDataService

BUCKET = "sdga-emr-data"
GEN = "/api/v1/synthetic-data/generate"


def _http(method: str, path: str, body: Any = None) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "t"},
            "requestId": "r1",
            "routeKey": f"{method} {path}",
            "stage": "$default",
            "timeEpoch": 1,
        },
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }


class Context:
    function_name = "sdga-generate"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:sdga-generate"
    aws_request_id = "req-1"


@pytest.fixture
def deployed(aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A deployment as Terraform configures it: S3 results, an EMR Serverless application, a 5,000-row threshold."""
    from sdga.adapters.aws import client
    from sdga.lambdas import emr as handoff
    from sdga.lambdas import runtime

    settings = Settings(home=tmp_path / "home", storage_backend="s3", s3_bucket=BUCKET, background_threshold=0)
    s3 = client("s3", settings)
    s3.create_bucket(Bucket=BUCKET)
    app = client("emr-serverless", settings).create_application(
        name="sdga-generate", releaseLabel="emr-7.12.0", type="SPARK"
    )
    monkeypatch.setenv("SDGA_EMR_APPLICATION_ID", app["applicationId"])
    monkeypatch.setenv("SDGA_EMR_JOB_ROLE_ARN", "arn:aws:iam::123456789012:role/sdga-emr-generate-job")
    monkeypatch.setenv("SDGA_EMR_ENTRYPOINT", f"s3://{BUCKET}/artifacts/emr/sdga_emr_job.py")
    monkeypatch.setenv("SDGA_EMR_PYTHON_ARCHIVE", f"s3://{BUCKET}/artifacts/emr/sdga-python-env.tar.gz")
    monkeypatch.setenv("SDGA_EMR_ROW_THRESHOLD", "5000")
    monkeypatch.delenv("SDGA_ENGINE", raising=False)
    service = SyntheticDataService(settings)
    runtime.set_service(service)
    handoff.reset()
    yield {"service": service, "settings": settings, "app": app["applicationId"]}
    runtime.set_service(None)
    handoff.reset()


def _runs(emr: Any, app: str) -> list[dict[str, Any]]:
    """The application's job runs (moto answers 'no such application' while it has none)."""
    try:
        return list(emr.list_job_runs(applicationId=app)["jobRuns"])
    except emr.exceptions.ResourceNotFoundException:
        return []


def _call(event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    from sdga.lambdas import generate

    result = generate.handler(event, Context())
    return result["statusCode"], json.loads(result["body"])


def test_large_request_runs_as_an_emr_job_and_status_reports_its_manifest(spark: Any, deployed: dict[str, Any]) -> None:
    from sdga.adapters.aws import client
    from sdga.spark import emr_job

    settings, app = deployed["settings"], deployed["app"]
    emr = client("emr-serverless", settings)

    # Below the threshold: generated in the Lambda as before, no job run.
    code, small = _call(
        _http(
            "POST",
            GEN,
            {
                "volume": 50,
                "schema": {"name": "users", "fields": SCHEMA["tables"][0]["fields"]},
                "output_format": "parquet",
            },
        )
    )
    assert code == 200 and small["status"] == "success"
    assert _runs(emr, app) == []

    # Above it: a job run, the record 'running' with the job run as its worker.
    code, body = _call(_http("POST", GEN, {"schema": SCHEMA, "seed": 5, "output_format": "parquet"}))
    assert code == 202 and body["status"] == "pending", body
    gid = body["generation_id"]
    runs = _runs(emr, app)
    assert len(runs) == 1
    run = emr.get_job_run(applicationId=app, jobRunId=runs[0]["id"])["jobRun"]
    driver = run["jobDriver"]["sparkSubmit"]
    assert driver["entryPoint"] == f"s3://{BUCKET}/artifacts/emr/sdga_emr_job.py"
    assert run["executionRole"].endswith("role/sdga-emr-generate-job")
    assert (
        f"spark.archives=s3://{BUCKET}/artifacts/emr/sdga-python-env.tar.gz#environment"
        in driver["sparkSubmitParameters"]
    )
    args = driver["entryPointArguments"]
    assert args[args.index("--generation-id") + 1] == gid
    out = args[args.index("--output") + 1]
    assert out == f"s3://{BUCKET}/generations/{gid}/"
    record = deployed["service"].history_store.get(gid)
    assert record.status.value == "running" and record.worker == f"emr-serverless:{app}:{runs[0]['id']}"

    # The job's entry point, run by local Spark against moto's S3 (what EMR runs with spark-submit).
    assert emr_job.main(args) == 0

    code, status = _call(_http("GET", f"/api/v1/synthetic-data/status/{gid}"))
    assert code == 200 and status["status"] == "success", status
    assert status["records_per_table"] == {"users": 1500, "orders": 4000}
    assert status["records_generated"] == 5500 and status["seed"] == 5
    assert status["data_quality_metrics"]["validity_score"] == 1.0
    assert status["output_files"] and all(f.startswith(out) and f.endswith(".parquet") for f in status["output_files"])
    keys = {
        o["Key"]
        for o in client("s3", settings).list_objects_v2(Bucket=BUCKET, Prefix=f"generations/{gid}/")["Contents"]
    }
    assert f"generations/{gid}/_manifest.json" in keys and f"generations/{gid}/_progress.json" not in keys
    assert deployed["service"].history_store.get(gid).status.value == "success"


def test_a_cancelled_job_is_reported_failed_with_its_reason(deployed: dict[str, Any]) -> None:
    from sdga.adapters.aws import client

    settings, app = deployed["settings"], deployed["app"]
    code, body = _call(_http("POST", GEN, {"schema": SCHEMA, "output_format": "csv"}))
    assert code == 202
    emr = client("emr-serverless", settings)
    run = _runs(emr, app)[0]["id"]
    emr.cancel_job_run(applicationId=app, jobRunId=run)
    code, status = _call(_http("GET", f"/api/v1/synthetic-data/status/{body['generation_id']}"))
    assert code == 200 and status["status"] == "failed"
    assert "cancelled" in status["errors"][0]


def test_requests_the_job_cannot_write_are_refused_before_submitting(deployed: dict[str, Any]) -> None:
    from sdga.adapters.aws import client

    code, body = _call(_http("POST", GEN, {"schema": SCHEMA, "output_format": "sql"}))
    assert code == 422 and "parquet, csv or jsonl" in json.dumps(body)
    code, body = _call(
        _http("POST", GEN, {"schema": SCHEMA, "destination": {"type": "inline"}, "output_format": "parquet"})
    )
    assert code == 422 and "writes to S3" in json.dumps(body)
    assert _runs(client("emr-serverless", deployed["settings"]), deployed["app"]) == []


def _job_run(app: str, run: str, state: str, details: str = "") -> dict[str, Any]:
    """GetJobRun's response as EMR Serverless sends it (the fields botocore's model requires, and the state)."""
    from datetime import UTC, datetime

    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    run_info: dict[str, Any] = {
        "jobRun": {
            "applicationId": app,
            "jobRunId": run,
            "arn": f"arn:aws:emr-serverless:us-east-1:123456789012:/applications/{app}/jobruns/{run}",
            "createdBy": "arn:aws:sts::123456789012:assumed-role/sdga-generate/sdga-generate",
            "createdAt": now,
            "updatedAt": now,
            "executionRole": "arn:aws:iam::123456789012:role/sdga-emr-generate-job",
            "state": state,
            "releaseLabel": "emr-7.12.0",
            "jobDriver": {"sparkSubmit": {"entryPoint": f"s3://{BUCKET}/artifacts/emr/sdga_emr_job.py"}},
            "totalExecutionDurationSeconds": 42,
        }
    }
    run_info["jobRun"]["stateDetails"] = details or f"Job run is {state.lower()}"  # required, never empty
    return run_info


def test_status_follows_a_running_job_then_its_failure(deployed: dict[str, Any]) -> None:
    """moto reports SUCCESS at once, so the active and failed states come from recorded GetJobRun shapes
    (botocore's Stubber on the function's own client); the job's progress and failure files are in moto's S3."""
    from botocore.stub import Stubber

    from sdga.adapters.aws import client
    from sdga.spark.emr import FAILURE_NAME, PROGRESS_NAME

    settings, app, history = deployed["settings"], deployed["app"], deployed["service"].history_store
    code, body = _call(_http("POST", GEN, {"schema": SCHEMA, "output_format": "parquet"}))
    assert code == 202
    gid = body["generation_id"]
    emr = client("emr-serverless", settings)
    run = _runs(emr, app)[0]["id"]
    s3 = client("s3", settings)
    prefix = f"generations/{gid}/"
    before = history.get(gid).updated_at

    s3.put_object(
        Bucket=BUCKET, Key=prefix + PROGRESS_NAME, Body=json.dumps({"records_generated": 2048, "total": 5500})
    )
    with Stubber(emr) as stub:
        stub.add_response("get_job_run", _job_run(app, run, "RUNNING"), {"applicationId": app, "jobRunId": run})
        code, status = _call(_http("GET", f"/api/v1/synthetic-data/status/{gid}"))
        stub.assert_no_pending_responses()
    assert code == 200 and status["status"] == "running", status
    assert status["records_generated"] == 2048
    record = history.get(gid)
    assert record.status.value == "running" and record.updated_at >= before  # the live job keeps it fresh

    failure = {"error": "java.lang.OutOfMemoryError: Java heap space"}
    s3.put_object(Bucket=BUCKET, Key=prefix + FAILURE_NAME, Body=json.dumps(failure))
    with Stubber(emr) as stub:
        stub.add_response(
            "get_job_run", _job_run(app, run, "FAILED", "Job failed"), {"applicationId": app, "jobRunId": run}
        )
        code, status = _call(_http("GET", f"/api/v1/synthetic-data/status/{gid}"))
    assert code == 200 and status["status"] == "failed"
    assert run in status["errors"][0] and "OutOfMemoryError" in status["errors"][0]
    assert history.get(gid).status.value == "failed"


def test_a_job_run_that_disappeared_fails_the_record(deployed: dict[str, Any]) -> None:
    from botocore.stub import Stubber

    from sdga.adapters.aws import client

    settings, app = deployed["settings"], deployed["app"]
    code, body = _call(_http("POST", GEN, {"schema": SCHEMA, "output_format": "jsonl"}))
    assert code == 202
    emr = client("emr-serverless", settings)
    run = _runs(emr, app)[0]["id"]
    with Stubber(emr) as stub:
        stub.add_client_error("get_job_run", "ResourceNotFoundException", "Job run not found", 404)
        code, status = _call(_http("GET", f"/api/v1/synthetic-data/status/{body['generation_id']}"))
    assert code == 200 and status["status"] == "failed"
    assert f"job run {run} does not exist" in status["errors"][0]


def test_history_keeps_a_long_running_job_running_and_follows_its_end(deployed: dict[str, Any]) -> None:
    """Every read of a handed-off record asks its job run (not the heartbeat timeout, which a job run that
    writes its progress to S3 never resets): the history does not fail an hour-long job, and shows its end."""
    from botocore.stub import Stubber

    from sdga.adapters.aws import client

    settings, app, svc = deployed["settings"], deployed["app"], deployed["service"]
    code, body = _call(_http("POST", GEN, {"schema": SCHEMA, "output_format": "parquet"}))
    assert code == 202
    gid = body["generation_id"]
    emr = client("emr-serverless", settings)
    run = _runs(emr, app)[0]["id"]
    svc.tracker.job_timeout_s = 0  # any record not refreshed from its job run would count as abandoned
    with Stubber(emr) as stub:
        stub.add_response("get_job_run", _job_run(app, run, "RUNNING"), {"applicationId": app, "jobRunId": run})
        code, history = _call(_http("GET", "/api/v1/synthetic-data/history"))
        stub.assert_no_pending_responses()
    assert code == 200 and [h["status"] for h in history if h["generation_id"] == gid] == ["running"]
    with Stubber(emr) as stub:
        stub.add_response("get_job_run", _job_run(app, run, "CANCELLED", "Cancelled by user"))
        code, history = _call(_http("GET", "/api/v1/synthetic-data/history"))
    assert [h["status"] for h in history if h["generation_id"] == gid] == ["failed"]
    assert "cancelled" in svc.history_store.get(gid).errors[0]
