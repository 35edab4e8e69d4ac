"""The three action Lambdas with full Bedrock agent events (string-encoded bodies), malformed events of every
kind, and API Gateway HTTP API (payload 2.0) events."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sdga.config import Settings
from sdga.lambdas import generate, metrics, results, runtime, validate, values
from sdga.service import SyntheticDataService

SCHEMA = {
    "name": "customers",
    "fields": [
        {"name": "id", "type": "uuid", "constraints": {"unique": True}},
        {"name": "email", "type": "email", "constraints": {"unique": True}},
        {"name": "age", "type": "integer", "constraints": {"min": 18, "max": 90}},
    ],
}
GEN = "/api/v1/synthetic-data/generate"
STATUS = "/api/v1/synthetic-data/status/{generation_id}"
VAL = "/api/v1/synthetic-data/validate-schema"
MET = "/api/v1/synthetic-data/quality-metrics"


class Context:
    function_name = "sdga-generate"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:sdga-generate"
    aws_request_id = "req-1"


@pytest.fixture(autouse=True)
def service(tmp_path: Path) -> Iterator[SyntheticDataService]:
    svc = SyntheticDataService(Settings(home=tmp_path, background_threshold=0))
    runtime.set_service(svc)
    yield svc
    runtime.set_service(None)


def bedrock_event(
    group: str,
    path: str,
    method: str = "POST",
    body: dict[str, Any] | None = None,
    params: dict[str, str] | None = None,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "messageVersion": "1.0",
        "agent": {"name": "synthetic-data-agent", "id": "AGENT1", "alias": "TSTALIASID", "version": "DRAFT"},
        "inputText": "make me some customers",
        "sessionId": "session-1",
        "actionGroup": group,
        "apiPath": path,
        "httpMethod": method,
        "parameters": [{"name": k, "type": "string", "value": v} for k, v in (params or {}).items()],
        "sessionAttributes": {"team": "qa"},
        "promptSessionAttributes": {},
    }
    if body is not None:
        event["requestBody"] = {
            "content": {
                "application/json": {
                    "properties": [
                        {"name": k, "type": "string", "value": v if isinstance(v, str) else json.dumps(v)}
                        for k, v in body.items()
                    ]
                }
            }
        }
    return event


def answer(result: dict[str, Any], event: dict[str, Any] | None = None) -> tuple[int, Any]:
    """Check the Bedrock response envelope and return (status, parsed body)."""
    assert result["messageVersion"] == "1.0"
    response = result["response"]
    if event is not None:
        for key in ("actionGroup", "apiPath", "httpMethod"):
            assert response[key] == event.get(key, "")
    assert type(response["httpStatusCode"]) is int
    body = response["responseBody"]["application/json"]["body"]
    assert isinstance(body, str)
    json.dumps(result)  # the whole response is JSON-serialisable
    return response["httpStatusCode"], json.loads(body)


def http_event(
    method: str, path: str, body: Any = None, query: dict[str, str] | None = None, b64: bool = False
) -> dict[str, Any]:
    raw = body if isinstance(body, str) or body is None else json.dumps(body)
    if b64 and raw is not None:
        raw = base64.b64encode(raw.encode()).decode()
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "&".join(f"{k}={v}" for k, v in (query or {}).items()),
        "queryStringParameters": query,
        "headers": {"content-type": "application/json"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api",
            "domainName": "api.example.com",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.1",
                "userAgent": "pytest",
            },
            "requestId": "r1",
            "routeKey": f"{method} {path}",
            "stage": "$default",
            "time": "26/Nov/2026:07:00:00 +0000",
            "timeEpoch": 1,
        },
        "body": raw,
        "isBase64Encoded": b64,
    }


# ------------------------------------------------------------------------------------ generate group
def test_bedrock_generate_then_status(capsys: pytest.CaptureFixture[str]) -> None:
    event = bedrock_event(
        "data-generation-actions",
        GEN,
        body={
            "data_type": "custom",
            "volume": "150",
            "schema": json.dumps(SCHEMA),
            "compliance_requirements": "GDPR, CCPA",
            "output_format": "csv",
            "seed": "42",
            "allow_compliance_violations": "false",
        },
    )
    result = generate.handler(event, Context())
    code, body = answer(result, event)
    assert code == 200, body
    assert body["status"] == "success" and body["records_generated"] == 150
    assert body["data_quality_metrics"]["validity_score"] == 1.0
    assert body["seed"] == 42 and body["output_location"]
    assert len(json.dumps(body)) < 4000  # small: location + summary, never the data
    assert result["sessionAttributes"] == {"team": "qa"}
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    names = {m["Name"] for doc in emf for d in doc["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}
    assert {
        "GenerationSuccess",
        "RecordsGenerated",
        "GenerationTimePer1kRecordsMs",
        "UniquenessScore",
        "ValidityScore",
    } <= names
    assert all(d["Namespace"] == "SyntheticDataAgent" for doc in emf for d in doc["_aws"]["CloudWatchMetrics"])
    assert all(["service"] in d["Dimensions"] for doc in emf for d in doc["_aws"]["CloudWatchMetrics"])

    status_event = bedrock_event(
        "data-generation-actions", STATUS, "GET", params={"generation_id": body["generation_id"]}
    )
    code, status = answer(generate.handler(status_event, Context()), status_event)
    assert code == 200 and status["status"] == "success" and status["generation_id"] == body["generation_id"]


@pytest.mark.parametrize(
    "schema_value",
    [
        json.dumps(SCHEMA),
        json.dumps({"schema": SCHEMA}),  # wrapped
        json.dumps(SCHEMA["fields"]),  # a bare list of fields
        "name: customers\nfields:\n  - {name: id, type: uuid}\n  - {name: age, type: integer, constraints: {min: 1, max: 9}}\n",
        "{name=customers, fields=[{name=id, type=uuid, constraints={unique=true}}, {name=age, type=integer, constraints={min=1, max=9}}]}",
    ],
    ids=["json", "wrapped", "field-list", "yaml", "java-tostring"],
)
def test_schema_string_is_parsed_defensively(schema_value: str) -> None:
    event = bedrock_event(
        "data-generation-actions", GEN, body={"volume": "20", "schema": schema_value, "destination_type": "inline"}
    )
    code, body = answer(generate.handler(event, Context()), event)
    assert code == 200, body
    assert body["records_generated"] == 20 and body["data_sample"]


def test_template_data_type_needs_no_schema() -> None:
    event = bedrock_event(
        "data-generation-actions", GEN, body={"data_type": "log_event", "volume": "30", "output_format": "jsonl"}
    )
    code, body = answer(generate.handler(event, Context()), event)
    assert code in (200, 422), body  # 422 only if the template itself fails validation
    if code == 200:
        assert body["records_generated"] == 30


@pytest.mark.parametrize(
    ("body", "code", "error", "needle"),
    [
        ({"volume": "many", "schema": json.dumps(SCHEMA)}, 422, "invalid_input", "volume"),
        ({"volume": "0", "schema": json.dumps(SCHEMA)}, 422, "invalid_input", "volume"),
        ({"volume": "10", "schema": "{not json"}, 422, "invalid_input", "schema"),
        ({"volume": "10", "schema": "42"}, 422, "invalid_input", "schema"),
        ({"volume": "10"}, 422, "invalid_input", "custom"),
        (
            {"volume": "10", "schema": json.dumps(SCHEMA), "output_format": "docx"},
            422,
            "invalid_input",
            "output_format",
        ),
        (
            {"volume": "10", "schema": json.dumps(SCHEMA), "compliance_requirements": "FERPA"},
            422,
            "invalid_input",
            "compliance",
        ),
        (
            {
                "volume": "10",
                "schema": json.dumps(
                    {"fields": [{"name": "x", "type": "integer", "constraints": {"min": 5, "max": 1}}]}
                ),
            },
            422,
            "schema_invalid",
            "x",
        ),
        (
            {"volume": "10", "schema": json.dumps({"fields": [{"name": "x", "type": "nonsense"}]})},
            422,
            "schema_invalid",
            "x",
        ),
        (
            {"volume": "10", "schema": json.dumps(SCHEMA), "destination_type": "local", "destination_location": "/etc"},
            422,
            "invalid_input",
            "outside",
        ),
        ({"volume": "10", "schema": json.dumps(SCHEMA), "destination_type": "rds"}, 422, "invalid_input", "rds"),
    ],
)
def test_bad_generate_bodies_get_4xx_error_responses(body: dict[str, str], code: int, error: str, needle: str) -> None:
    event = bedrock_event("data-generation-actions", GEN, body=body)
    got, payload = answer(generate.handler(event, Context()), event)
    assert got == code, payload
    assert payload["error"] == error and needle.lower() in json.dumps(payload).lower()
    assert set(payload) == {"error", "message", "details", "timestamp"}


def test_status_errors() -> None:
    for value, code in (("../../etc/passwd", 422), ("6f1e0c1a-0000-4000-8000-000000000000", 404)):
        event = bedrock_event("data-generation-actions", STATUS, "GET", params={"generation_id": value})
        got, payload = answer(generate.handler(event, Context()), event)
        assert got == code and payload["error"] in ("invalid_input", "not_found")
    missing = bedrock_event("data-generation-actions", STATUS, "GET")
    got, payload = answer(generate.handler(missing, Context()), missing)
    assert 400 <= got < 500


MALFORMED: list[tuple[str, Any]] = [
    ("not-a-dict", ["a", "list"]),
    ("empty", {}),
    ("no-apiPath", {k: v for k, v in bedrock_event("g", GEN, body={}).items() if k != "apiPath"}),
    ("no-httpMethod", {k: v for k, v in bedrock_event("g", GEN, body={}).items() if k != "httpMethod"}),
    ("no-actionGroup", {k: v for k, v in bedrock_event("g", GEN, body={}).items() if k != "actionGroup"}),
    ("bad-version", {**bedrock_event("g", GEN, body={}), "messageVersion": "2.0"}),
    ("apiPath-not-string", {**bedrock_event("g", GEN, body={}), "apiPath": 17}),
    ("parameters-not-list", {**bedrock_event("g", STATUS, "GET"), "parameters": {"generation_id": "x"}}),
    ("parameter-without-value", {**bedrock_event("g", STATUS, "GET"), "parameters": [{"name": "generation_id"}]}),
    ("requestBody-not-object", {**bedrock_event("g", GEN, body={}), "requestBody": "volume=10"}),
    ("content-empty", {**bedrock_event("g", GEN, body={}), "requestBody": {"content": {}}}),
    (
        "properties-not-list",
        {
            **bedrock_event("g", GEN, body={}),
            "requestBody": {"content": {"application/json": {"properties": {"volume": "1"}}}},
        },
    ),
    (
        "property-without-name",
        {
            **bedrock_event("g", GEN, body={}),
            "requestBody": {"content": {"application/json": {"properties": [{"value": "1"}]}}},
        },
    ),
]


@pytest.mark.parametrize(("name", "event"), MALFORMED, ids=[m[0] for m in MALFORMED])
@pytest.mark.parametrize("module", [generate, validate, metrics], ids=["generate", "validate", "metrics"])
def test_malformed_events_get_a_bedrock_4xx(module: Any, name: str, event: Any) -> None:
    result = module.handler(copy.deepcopy(event), Context())
    code, payload = answer(result)
    assert 400 <= code < 500, (name, payload)
    assert payload["error"] == "invalid_event" and payload["message"]


def test_unknown_api_path_and_wrong_method() -> None:
    for path, method in (("/api/v1/synthetic-data/nope", "POST"), (GEN, "GET"), ("/", "DELETE")):
        event = bedrock_event("data-generation-actions", path, method)
        code, _payload = answer(generate.handler(event, Context()), event)
        assert code in (404, 405)


def test_non_string_values_and_other_content_type_are_tolerated() -> None:
    event = bedrock_event("data-generation-actions", GEN, body={"schema": json.dumps(SCHEMA)})
    props = event["requestBody"]["content"]["application/json"]["properties"]
    props.append({"name": "volume", "type": "integer", "value": 25})  # a number, not a string
    event["requestBody"]["content"] = {"text/plain": {"properties": props}}
    code, body = answer(generate.handler(event, Context()), event)
    assert code == 200 and body["records_generated"] == 25


# ------------------------------------------------------------------------------------ validate group
def test_bedrock_validate(capsys: pytest.CaptureFixture[str]) -> None:
    schema = {"fields": [{"name": "ssn", "type": "ssn"}, {"name": "diagnosis", "type": "string"}]}
    event = bedrock_event(
        "schema-validation-actions",
        VAL,
        body={"schema": json.dumps(schema), "compliance_requirements": '["HIPAA", "GDPR"]'},
    )
    code, body = answer(validate.handler(event, Context()), event)
    assert code == 200
    assert set(body) >= {"valid", "errors", "suggestions", "compliance_issues"}
    assert body["compliance_issues"] and {c["requirement"] for c in body["compliance_issues"]} & {"HIPAA", "GDPR"}
    out = capsys.readouterr().out
    assert "ComplianceViolations" in out
    bad = bedrock_event(
        "schema-validation-actions",
        VAL,
        body={
            "schema": json.dumps({"fields": [{"name": "a", "type": "integer", "constraints": {"min": 3, "max": 1}}]})
        },
    )
    code, body = answer(validate.handler(bad, Context()), bad)
    assert code == 200 and body["valid"] is False and body["errors"]
    assert "SchemaValidationFailure" in capsys.readouterr().out
    for broken in ({}, {"schema": ""}, {"schema": "[[["}):
        event = bedrock_event("schema-validation-actions", VAL, body=broken)
        code, payload = answer(validate.handler(event, Context()), event)
        assert code == 422 and payload["error"] == "invalid_input"


# ------------------------------------------------------------------------------------- metrics group
def test_bedrock_metrics(service: SyntheticDataService) -> None:
    from sdga.models import GenerateDataRequest

    gen = service.generate(
        GenerateDataRequest.model_validate({"volume": 80, "schema": SCHEMA, "output_format": "parquet"})
    )
    event = bedrock_event("quality-metrics-actions", MET, body={"generation_id": gen.generation_id})
    code, body = answer(metrics.handler(event, Context()), event)
    assert code == 200 and body["generation_id"] == gen.generation_id
    assert body["metrics"]["validity_score"] == 1.0 and "analysis_time_ms" in body
    by_location = bedrock_event("quality-metrics-actions", MET, body={"data_location": gen.output_files[0]})
    code, body = answer(metrics.handler(by_location, Context()), by_location)
    assert code == 200 and body["metrics"]["row_count"] == 80
    for broken, expected in (({}, 422), ({"generation_id": "nope"}, 422), ({"data_location": "/etc/passwd"}, 422)):
        event = bedrock_event("quality-metrics-actions", MET, body=broken)
        code, payload = answer(metrics.handler(event, Context()), event)
        assert code == expected, payload


# ---------------------------------------------------------------------------------- HTTP API events
def test_http_api_routes(service: SyntheticDataService) -> None:
    req = {"volume": 60, "schema": SCHEMA, "output_format": "json"}
    res = generate.handler(http_event("POST", GEN, req), Context())
    assert res["statusCode"] == 200, res
    body = json.loads(res["body"])
    assert body["status"] == "success" and body["records_generated"] == 60
    gid = body["generation_id"]
    res = generate.handler(http_event("GET", f"/api/v1/synthetic-data/status/{gid}"), Context())
    assert res["statusCode"] == 200 and json.loads(res["body"])["generation_id"] == gid
    res = generate.handler(http_event("GET", "/api/v1/synthetic-data/history", query={"limit": "5"}), Context())
    assert res["statusCode"] == 200 and json.loads(res["body"])[0]["generation_id"] == gid
    res = generate.handler(http_event("GET", f"/api/v1/synthetic-data/download/{gid}"), Context())
    assert res["statusCode"] == 200 and res["isBase64Encoded"] is True
    assert json.loads(base64.b64decode(res["body"]))[0].keys() == {"id", "email", "age"}
    res = generate.handler(http_event("POST", GEN, req, b64=True), Context())
    assert res["statusCode"] == 200
    res = validate.handler(http_event("POST", VAL, {"schema": SCHEMA, "compliance_requirements": ["GDPR"]}), Context())
    assert res["statusCode"] == 200 and "valid" in json.loads(res["body"])
    res = metrics.handler(http_event("POST", MET, {"generation_id": gid}), Context())
    assert res["statusCode"] == 200 and json.loads(res["body"])["metrics"]["row_count"] == 60


@pytest.mark.parametrize(
    ("event", "code"),
    [
        (http_event("POST", GEN, "{broken"), 422),
        (http_event("POST", GEN, None), 422),
        (http_event("POST", GEN, {"volume": -1, "schema": SCHEMA}), 422),
        (http_event("POST", GEN, {"volume": 5, "schema": SCHEMA, "surprise": 1}), 422),
        (http_event("GET", "/api/v1/synthetic-data/status/not-a-uuid"), 422),
        (http_event("GET", "/api/v1/synthetic-data/history", query={"limit": "x"}), 422),
        (http_event("GET", "/api/v1/synthetic-data/history", query={"status": "weird"}), 422),
        (http_event("GET", "/api/v1/nowhere"), 404),
    ],
)
def test_http_api_errors_use_error_response(event: dict[str, Any], code: int) -> None:
    res = generate.handler(event, Context())
    assert res["statusCode"] == code, res
    payload = json.loads(res["body"])
    assert {"error", "message"} <= set(payload)


def test_async_job_event_runs_a_pending_generation(service: SyntheticDataService) -> None:
    from sdga.adapters.history import GenerationRecord, now_ms
    from sdga.models import GenerateDataResponse, GenerationStatus

    gid = "3f1e0c1a-0000-4000-8000-00000000000a"
    service.history_store.create(
        GenerationRecord(
            generation_id=gid,
            timestamp=now_ms(),
            status=GenerationStatus.PENDING,
            response=GenerateDataResponse(generation_id=gid, status=GenerationStatus.PENDING),
        )
    )
    job = {"sdga_job": {"generation_id": gid, "request": {"volume": 40, "schema": SCHEMA}}}
    assert generate.handler(job, Context()) == {"generation_id": gid, "status": "success"}
    assert service.status(gid).records_generated == 40
    again = generate.handler(job, Context())  # a duplicate delivery does not run twice
    assert again["status"] == "failed" and "already" in again["error"]


def test_parse_helpers() -> None:
    assert values.parse_list("GDPR, hipaa;PCI-DSS", "x") == ["GDPR", "hipaa", "PCI-DSS"]
    assert values.parse_list('["GDPR","CCPA"]', "x") == ["GDPR", "CCPA"]
    assert values.parse_list("[GDPR, CCPA]", "x") == ["GDPR", "CCPA"]
    assert values.parse_list("", "x") == []
    assert values.parse_key_value("{a=1, b={c=true, d=[x, 2.5]}, e=null}") == {
        "a": 1,
        "b": {"c": True, "d": ["x", 2.5]},
        "e": None,
    }


def test_http_api_key_is_enforced_for_http_events_only(tmp_path: Path) -> None:
    runtime.set_service(SyntheticDataService(Settings(home=tmp_path, api_key="k3y")))
    event = http_event("GET", "/api/v1/synthetic-data/history")
    res = generate.handler(event, Context())
    assert res["statusCode"] == 401 and json.loads(res["body"])["error"] == "unauthorized"
    event["headers"]["X-Api-Key"] = "k3y"
    assert generate.handler(event, Context())["statusCode"] == 200
    bedrock = bedrock_event("schema-validation-actions", VAL, body={"schema": json.dumps(SCHEMA)})
    code, _ = answer(validate.handler(bedrock, Context()), bedrock)  # the agent is authorised by IAM
    assert code == 200


def test_cloud_configuration_end_to_end(aws_env: str, tmp_path: Path, unique_suffix: str) -> None:
    from sdga.adapters.aws import client

    bucket = f"sdga-lambda-{unique_suffix}"
    client("s3", Settings(home=tmp_path)).create_bucket(Bucket=bucket)
    from sdga.adapters.dynamodb import create_table

    cloud = Settings(
        home=tmp_path,
        storage_backend="s3",
        s3_bucket=bucket,
        allowed_destinations=["s3", "inline"],
        history_backend="dynamodb",
        history_table=f"history-{unique_suffix}",
    )
    create_table(cloud)
    svc = SyntheticDataService(cloud)  # the deployed configuration: S3 results, DynamoDB history
    runtime.set_service(svc)
    event = bedrock_event("data-generation-actions", GEN, body={"volume": "30", "schema": json.dumps(SCHEMA)})
    code, body = answer(generate.handler(event, Context()), event)
    assert code == 200 and body["output_location"].startswith(f"s3://{bucket}/generations/")
    res = generate.handler(http_event("GET", f"/api/v1/synthetic-data/download/{body['generation_id']}"), Context())
    assert res["statusCode"] == 302
    url = res["headers"]["Location"]
    assert (bucket in url and "Signature" in url) or "X-Amz-Signature" in url
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as got:  # the moto server honours the signed URL
        rows = json.loads(got.read())
    assert len(rows) == 30
    status = bedrock_event("data-generation-actions", STATUS, "GET", params={"generation_id": body["generation_id"]})
    code, got = answer(generate.handler(status, Context()), status)
    assert code == 200 and got["status"] == "success" and got["records_generated"] == 30
    measure = bedrock_event("quality-metrics-actions", MET, body={"generation_id": body["generation_id"]})
    code, got = answer(metrics.handler(measure, Context()), measure)
    assert code == 200 and got["metrics"]["row_count"] == 30
    items = client("dynamodb", cloud).scan(TableName=cloud.history_table)["Items"]
    assert [i["status"]["S"] for i in items] == ["success"]
    # the default 'local' destination of the HTTP API lands in the bucket in an S3 deployment
    res = generate.handler(http_event("POST", GEN, {"volume": 5, "schema": SCHEMA}), Context())
    assert res["statusCode"] == 200 and json.loads(res["body"])["output_location"].startswith("s3://")


def test_lambda_background_mode_invokes_itself_asynchronously(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside Lambda a large request is handed to an async self-invocation carrying the job event."""
    from botocore.stub import Stubber

    from sdga.adapters import aws
    from sdga.adapters.background import LambdaSelfInvokeRunner

    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "sdga-generate")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings = Settings(home=tmp_path, background_threshold=10, background_mode="lambda")
    aws.reset_clients()
    lambda_client = aws.client("lambda", settings)
    sent: dict[str, Any] = {}
    with Stubber(lambda_client) as stub:
        stub.add_response(
            "invoke",
            {"StatusCode": 202},
            {"FunctionName": "sdga-generate", "InvocationType": "Event", "Payload": _Capture(sent)},
        )
        svc = SyntheticDataService(settings)
        assert isinstance(svc.runner, LambdaSelfInvokeRunner)
        runtime.set_service(svc)
        event = bedrock_event("data-generation-actions", GEN, body={"volume": "500", "schema": json.dumps(SCHEMA)})
        code, body = answer(generate.handler(event, Context()), event)
        stub.assert_no_pending_responses()
    assert code == 202 and body["status"] == "pending" and "poll" in body["next_step"]
    job = json.loads(sent["payload"])["sdga_job"]
    assert job["generation_id"] == body["generation_id"] and job["request"]["volume"] == 500
    # the asynchronous invocation then runs the job in the same function
    assert generate.handler(json.loads(sent["payload"]), Context())["status"] == "success"
    status = bedrock_event("data-generation-actions", STATUS, "GET", params={"generation_id": body["generation_id"]})
    code, final = answer(generate.handler(status, Context()), status)
    assert code == 200 and final["status"] == "success" and final["records_generated"] == 500
    aws.reset_clients()


class _Capture:
    """Stubber parameter matcher that records the payload it was given."""

    def __init__(self, into: dict[str, Any]) -> None:
        self.into = into

    def __eq__(self, other: object) -> bool:
        self.into["payload"] = other
        return True


# ------------------------------------------------------------------------------ agent response size
def _wide(n: int, kind: str, **constraints: Any) -> str:
    return json.dumps({"fields": [{"name": f"{kind}{i}", "type": kind, "constraints": constraints} for i in range(n)]})


@pytest.mark.parametrize(
    ("module", "group", "path", "body", "keys"),
    [
        (
            validate,
            "schema-validation-actions",
            VAL,
            {"schema": _wide(400, "email"), "compliance_requirements": "GDPR, HIPAA, PCI-DSS, SOC2, CCPA"},
            {"valid", "errors", "suggestions", "compliance_issues"},
        ),
        (
            generate,
            "data-generation-actions",
            GEN,
            {"schema": _wide(300, "integer", min=5, max=1), "volume": "5"},
            {"error", "message", "details", "timestamp"},
        ),
        (
            generate,
            "data-generation-actions",
            GEN,
            {"schema": _wide(200, "string", min=200, max=200), "volume": "20", "destination_type": "inline"},
            {"generation_id", "status", "records_generated", "data_sample"},
        ),
    ],
    ids=["validate-many-issues", "generate-many-errors", "generate-wide-inline-sample"],
)
def test_agent_responses_fit_the_bedrock_size_limit(
    module: Any, group: str, path: str, body: dict[str, str], keys: set[str]
) -> None:
    """Bedrock refuses Lambda responses over 25 KB: big answers are shortened, never dropped."""
    event = bedrock_event(group, path, body=body)
    result = module.handler(event, Context())
    code, payload = answer(result, event)
    assert len(json.dumps(result).encode()) < 25_000
    assert keys <= set(payload), payload
    if "error" in payload:
        assert code == 422 and set(payload) == keys and "shortened" in payload["message"]
    else:
        assert code == 200 and "shortened" in payload["truncated"]


def test_metrics_for_a_wide_table_fit_the_bedrock_size_limit(service: SyntheticDataService) -> None:
    from sdga.models import GenerateDataRequest

    schema = json.loads(_wide(300, "integer"))
    gen = service.generate(GenerateDataRequest.model_validate({"volume": 20, "schema": schema}))
    event = bedrock_event("quality-metrics-actions", MET, body={"generation_id": gen.generation_id})
    result = metrics.handler(event, Context())
    code, body = answer(result, event)
    assert code == 200 and len(json.dumps(result).encode()) < 25_000
    assert len(body["metrics"]["distribution_analysis"]) <= metrics.MAX_FIELDS
    assert body["metrics"]["distribution_analysis_truncated"] == 300 - metrics.MAX_FIELDS


def test_fit_agent_body_keeps_small_bodies_and_always_ends_under_the_limit() -> None:
    small = json.dumps({"a": [1, 2, 3]})
    assert results.fit_agent_body(small) == small
    huge_scalars = json.dumps({"status": "success", **{f"k{i}": "x" * 100 for i in range(500)}})
    fitted = json.loads(results.fit_agent_body(huge_scalars, limit=2000))
    assert fitted["status"] == "success" and len(json.dumps(fitted).encode()) <= 2000
    nested = json.dumps({"rows": [{"text": "y" * 5000} for _ in range(100)], "status": "success"})
    fitted = json.loads(results.fit_agent_body(nested, limit=3000))
    assert fitted["status"] == "success" and fitted["truncated"]
    assert len(json.dumps(fitted).encode()) <= 3000
    assert json.loads(results.fit_agent_body("not json " * 5000, limit=3000))["truncated"]


# ------------------------------------------------------------------- how agents really fill properties
@pytest.mark.parametrize(
    "extra",
    [
        {"volume": ""},
        {"seed": ""},
        {"seed": "null"},
        {"allow_compliance_violations": ""},
        {"locale": "None"},
        {"compliance_requirements": "", "destination_location": "", "if_exists": "", "sql_dialect": ""},
    ],
    ids=["volume", "seed", "seed-null", "bool", "locale-None", "several"],
)
def test_empty_optional_properties_mean_not_given(extra: dict[str, str]) -> None:
    body = {"schema": json.dumps(SCHEMA), "destination_type": "inline", **extra}
    body.setdefault("volume", "12")
    event = bedrock_event("data-generation-actions", GEN, body=body)
    code, payload = answer(generate.handler(event, Context()), event)
    assert code == 200, payload
    assert payload["records_generated"] == (1000 if extra.get("volume") == "" else 12)


def test_empty_required_schema_is_still_a_clear_422() -> None:
    event = bedrock_event("schema-validation-actions", VAL, body={"schema": "", "volume": ""})
    code, payload = answer(validate.handler(event, Context()), event)
    assert code == 422 and payload["error"] == "invalid_input" and "schema" in payload["message"]


@pytest.mark.parametrize(
    "schema_value",
    [json.dumps(json.dumps(SCHEMA)), json.dumps(json.dumps(json.dumps(SCHEMA)))],
    ids=["double", "triple"],
)
def test_json_encoded_twice_is_decoded(schema_value: str) -> None:
    for module, group, path in (
        (generate, "data-generation-actions", GEN),
        (validate, "schema-validation-actions", VAL),
    ):
        event = bedrock_event(group, path, body={"schema": schema_value, "volume": "5", "destination_type": "inline"})
        code, payload = answer(module.handler(event, Context()), event)
        assert code == 200, payload


@pytest.mark.parametrize(
    ("props", "check"),
    [
        ({"volume": "1,000"}, {"records_generated": 1000}),
        ({"volume": "1_000"}, {"records_generated": 1000}),
        ({"volume": "2e2"}, {"records_generated": 200}),
        ({"volume": "150.0"}, {"records_generated": 150}),
        ({"volume": "30", "seed": "1,234"}, {"seed": 1234}),
        ({"volume": "5", "compliance_requirements": "gdpr, pci dss, SOC 2, pci_dss"}, {"status": "success"}),
        ({"volume": "5", "locale": "de-de"}, {"status": "success"}),
        ({"volume": "5", "output_format": ".CSV"}, {"status": "success"}),
    ],
    ids=["thousands", "underscores", "exponent", "float", "seed", "compliance", "locale", "format"],
)
def test_loosely_written_values_are_understood(props: dict[str, str], check: dict[str, Any]) -> None:
    event = bedrock_event("data-generation-actions", GEN, body={"schema": json.dumps(SCHEMA), **props})
    code, payload = answer(generate.handler(event, Context()), event)
    assert code == 200, payload
    assert {k: payload[k] for k in check} == check


@pytest.mark.parametrize("data_type", ["User Profile", "user-profile", " LOG_EVENT "])
def test_data_type_spelling_is_forgiven(data_type: str) -> None:
    event = bedrock_event("data-generation-actions", GEN, body={"data_type": data_type, "volume": "5"})
    code, payload = answer(generate.handler(event, Context()), event)
    assert code == 200, payload


@pytest.mark.parametrize("volume", ["1.5", "lots", "1,00,0x", "-5", "1e400"])
def test_bad_numbers_are_still_refused(volume: str) -> None:
    event = bedrock_event("data-generation-actions", GEN, body={"schema": json.dumps(SCHEMA), "volume": volume})
    code, payload = answer(generate.handler(event, Context()), event)
    assert code == 422 and payload["error"] == "invalid_input" and "volume" in json.dumps(payload)


def test_validate_accepts_loose_volume_and_compliance_names() -> None:
    body = {"schema": json.dumps(SCHEMA), "volume": "10,000", "compliance_requirements": "gdpr; soc 2"}
    event = bedrock_event("schema-validation-actions", VAL, body=body)
    code, payload = answer(validate.handler(event, Context()), event)
    assert code == 200, payload


# ---------------------------------------------------------------------------------------- agent Lambda
@pytest.fixture
def offline_agent(service: SyntheticDataService) -> Iterator[Any]:
    from sdga.agent import get_backend
    from sdga.lambdas import agent

    agent.set_backend(get_backend("offline", service=service))
    yield agent
    agent.set_backend(None)


@pytest.mark.parametrize("session_id", ["../../etc", "a b", "é" * 4])
def test_agent_lambda_session_ids_are_safe_tokens(offline_agent: Any, session_id: str) -> None:
    ask = "/api/v1/agent/ask"
    res = offline_agent.handler(http_event("POST", ask, {"prompt": "10 users", "session_id": session_id}), Context())
    assert res["statusCode"] == 422 and json.loads(res["body"])["error"] == "invalid_input"
    good = {"prompt": "10 users", "session_id": "qa-1:run.2", "plan_only": True}
    res = offline_agent.handler(http_event("POST", ask, good), Context())
    assert res["statusCode"] == 200 and json.loads(res["body"])["session_id"] == "qa-1:run.2"


def test_agent_lambda_plan_only_emits_no_empty_metrics_warning(offline_agent: Any) -> None:
    import warnings

    event = http_event("POST", "/api/v1/agent/ask", {"prompt": "10 users as csv", "plan_only": True}, b64=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Powertools warns "No application metrics to publish" on every call
        res = offline_agent.handler(event, Context())
    assert res["statusCode"] == 200 and json.loads(res["body"])["ok"] is True
