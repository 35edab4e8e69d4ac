"""The HTTP API end to end (in-process ASGI client) and fuzzed against its own OpenAPI document."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sdga.api import create_app
from sdga.config import Settings
from sdga.service import SyntheticDataService

API = "/api/v1/synthetic-data"
SCHEMA = {
    "name": "people",
    "fields": [
        {"name": "id", "type": "uuid", "constraints": {"unique": True}},
        {"name": "email", "type": "email", "constraints": {"unique": True}},
        {"name": "score", "type": "float", "constraints": {"min": 0, "max": 1}},
    ],
}
MULTI = {
    "tables": [
        {
            "name": "a",
            "fields": [
                {
                    "name": "id",
                    "type": "integer",
                    "constraints": {"unique": True, "min": 1, "max": 100000},
                    "primary_key": True,
                }
            ],
        },
        {"name": "b", "fields": [{"name": "a_id", "type": "reference", "references": "a.id"}]},
    ]
}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    svc = SyntheticDataService(Settings(home=tmp_path, background_threshold=0))
    with TestClient(create_app(svc)) as c:
        yield c


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "message", "details", "timestamp"}, body
    if code:
        assert body["error"] == code
    return body


def test_generate_status_download_history(client: TestClient) -> None:
    res = client.post(f"{API}/generate", json={"volume": 120, "schema": SCHEMA, "output_format": "csv", "seed": 1})
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["status"] == "success" and body["records_generated"] == 120
    assert body["data_quality_metrics"]["validity_score"] == 1.0
    gid = body["generation_id"]
    status = client.get(f"{API}/status/{gid}").json()
    assert status["status"] == "success" and status["output_files"] == body["output_files"]
    download = client.get(f"{API}/download/{gid}")
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert 'filename="people.csv"' in download.headers["content-disposition"]
    assert int(download.headers["content-length"]) == len(download.content)
    assert download.content.count(b"\n") == 121
    report = client.get(f"{API}/report/{gid}")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/markdown")
    assert gid in report.text and "120" in report.text
    assert_error(client.get(f"{API}/report/not-a-uuid"), 422, "invalid_input")
    history = client.get(f"{API}/history", params={"limit": 5}).json()
    assert history[0]["generation_id"] == gid and history[0]["records_generated"] == 120
    assert client.get(f"{API}/history", params={"status": "failed"}).json() == []
    assert client.get(f"{API}/history", params={"since": "2000-01-01"}).json()[0]["generation_id"] == gid
    assert client.get(f"{API}/history", params={"since": "2999-01-01T00:00:00Z"}).json() == []
    assert_error(client.get(f"{API}/history", params={"since": "yesterday"}), 422, "invalid_input")


def test_multi_table_download_is_a_zip(client: TestClient) -> None:
    gid = client.post(f"{API}/generate", json={"volume": 30, "schema": MULTI, "output_format": "jsonl"}).json()[
        "generation_id"
    ]
    res = client.get(f"{API}/download/{gid}")
    assert res.status_code == 200 and res.headers["content-type"] == "application/zip"
    assert sorted(zipfile.ZipFile(io.BytesIO(res.content)).namelist()) == ["a.jsonl", "b.jsonl", "report.md"]


def test_validate_and_metrics(client: TestClient) -> None:
    res = client.post(f"{API}/validate-schema", json={"schema": SCHEMA, "compliance_requirements": ["GDPR"]})
    assert res.status_code == 200 and res.json()["valid"] is True
    bad = {"fields": [{"name": "n", "type": "integer", "constraints": {"min": 2, "max": 1}}]}
    res = client.post(f"{API}/validate-schema", json={"schema": bad})
    assert res.status_code == 200 and res.json()["valid"] is False and res.json()["errors"][0]["field"]
    gid = client.post(f"{API}/generate", json={"volume": 50, "schema": SCHEMA, "output_format": "parquet"}).json()[
        "generation_id"
    ]
    res = client.post(f"{API}/quality-metrics", json={"generation_id": gid})
    assert res.status_code == 200 and res.json()["metrics"]["row_count"] == 50
    # Measured against an invalid schema: refused, not scored.
    res = client.post(f"{API}/quality-metrics", json={"generation_id": gid, "schema": bad})
    assert res.status_code == 422 and "invalid schema: n: min 2 is greater than max 1" in res.text


def test_inline_destination(client: TestClient) -> None:
    res = client.post(f"{API}/generate", json={"volume": 7, "schema": SCHEMA, "destination": {"type": "inline"}})
    assert res.status_code == 200 and len(res.json()["data"]["people"]) == 7


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code"),
    [
        ("post", f"{API}/generate", {"json": {"volume": 0, "schema": SCHEMA}}, 422, "invalid_input"),
        ("post", f"{API}/generate", {"json": {"volume": 5}}, 422, "invalid_input"),
        (
            "post",
            f"{API}/generate",
            {"content": b"{oops", "headers": {"content-type": "application/json"}},
            422,
            "invalid_input",
        ),
        (
            "post",
            f"{API}/generate",
            {"json": {"volume": 5, "schema": {"fields": [{"name": "x", "type": "what"}]}}},
            422,
            "schema_invalid",
        ),
        (
            "post",
            f"{API}/generate",
            {"json": {"volume": 5, "schema": SCHEMA, "destination": {"type": "local", "location": "../../../etc"}}},
            422,
            "invalid_input",
        ),
        ("get", f"{API}/status/..%2F..%2Fetc%2Fpasswd", {}, 404, "not_found"),  # no route matches
        ("get", f"{API}/status/..%5C..%5Cboot.ini", {}, 422, "invalid_input"),
        ("get", f"{API}/status/not-a-uuid", {}, 422, "invalid_input"),
        ("get", f"{API}/status/6f1e0c1a-0000-4000-8000-000000000000", {}, 404, "not_found"),
        ("get", f"{API}/download/6f1e0c1a-0000-4000-8000-000000000000", {}, 404, "not_found"),
        ("get", f"{API}/history", {"params": {"limit": 0}}, 422, "invalid_input"),
        ("get", f"{API}/history", {"params": {"status": "nope"}}, 422, "invalid_input"),
        ("post", f"{API}/quality-metrics", {"json": {}}, 422, "invalid_input"),
        ("post", f"{API}/quality-metrics", {"json": {"data_location": "/etc/passwd"}}, 422, "invalid_input"),
        ("get", "/api/v1/templates/..secrets", {}, 422, "invalid_input"),
        ("get", "/api/v1/templates/no_such_template", {}, 404, "not_found"),
        ("get", "/api/v1/nothing-here", {}, 404, "not_found"),
        ("delete", f"{API}/generate", {}, 405, "method_not_allowed"),
    ],
)
def test_errors_always_use_error_response(
    client: TestClient, method: str, path: str, kwargs: dict[str, Any], status: int, code: str
) -> None:
    assert_error(getattr(client, method)(path, **kwargs), status, code)


def test_unexpected_errors_are_500_error_responses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    svc = SyntheticDataService(Settings(home=tmp_path))
    monkeypatch.setattr(svc, "history", lambda **_: (_ for _ in ()).throw(RuntimeError("disk on fire")))
    with TestClient(create_app(svc), raise_server_exceptions=False) as c:
        body = assert_error(c.get(f"{API}/history"), 500, "internal_error")
        assert "disk on fire" in body["message"]


def test_api_key(tmp_path: Path) -> None:
    svc = SyntheticDataService(Settings(home=tmp_path, api_key="s3cret"))
    with TestClient(create_app(svc)) as c:
        assert_error(c.get(f"{API}/history"), 401, "unauthorized")
        assert_error(c.get(f"{API}/history", headers={"X-API-Key": "wrong"}), 401, "unauthorized")
        assert c.get(f"{API}/history", headers={"X-API-Key": "s3cret"}).status_code == 200
        assert c.get("/healthz").status_code == 200 and c.get("/").status_code == 200  # UI and health stay open
        assert c.get("/api/v1/options").json()["api_key_required"] is True


def test_background_generation_answers_202_with_location(tmp_path: Path) -> None:
    svc = SyntheticDataService(Settings(home=tmp_path, background_threshold=100))
    with TestClient(create_app(svc)) as c:
        res = c.post(f"{API}/generate", json={"volume": 500, "schema": SCHEMA})
        assert res.status_code == 202 and res.json()["status"] == "pending"
        assert res.headers["location"] == f"{API}/status/{res.json()['generation_id']}"
        for _ in range(200):
            status = c.get(res.headers["location"]).json()
            if status["status"] not in ("pending", "running"):
                break
            time.sleep(0.05)
        assert status["status"] == "success" and status["records_generated"] == 500


def test_ui_templates_and_meta(client: TestClient) -> None:
    page = client.get("/")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"
    assert page.status_code == 200 and "Synthetic Data Agent" in page.text and "/static/js/main.js" in page.text
    assert client.get("/static/js/main.js").status_code == 200
    templates = client.get("/api/v1/templates").json()
    names = {t["name"] for t in templates}
    assert {"user_profile", "transaction", "log_event"} <= names
    schema = client.get("/api/v1/templates/user_profile").json()
    assert schema.get("fields") or schema.get("tables")
    options = client.get("/api/v1/options").json()
    assert "parquet" in options["output_formats"] and "HIPAA" in options["compliance_requirements"]
    assert client.get("/healthz").json()["status"] == "ok"


def test_agent_ask_offline(client: TestClient) -> None:
    res = client.post("/api/v1/agent/ask", json={"prompt": "200 user profiles as csv"})
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["ok"] and body["backend"] == "offline" and body["status"] == "success"
    assert client.get(f"{API}/status/{body['generation_id']}").json()["records_generated"] == 200
    follow = client.post(
        "/api/v1/agent/ask", json={"prompt": "make it parquet", "session_id": body["session_id"], "plan_only": True}
    )
    assert follow.status_code == 200 and follow.json()["request"]["output_format"] == "parquet"
    assert follow.json()["generation_id"] is None
    # Gibberish is asked about (a question turn), not refused; a refusal is still a 422 with its reason.
    asked = client.post("/api/v1/agent/ask", json={"prompt": "qwerty zxcv"})
    assert asked.status_code == 200 and not asked.json()["ok"] and asked.json()["question"]["options"]
    assert asked.json()["request"] is None and asked.json()["generation_id"] is None
    refused = client.post("/api/v1/agent/ask", json={"prompt": "delete all users from the production database"})
    assert_error(refused, 422, "request_refused")
    assert_error(client.post("/api/v1/agent/ask", json={"prompt": ""}), 422, "invalid_input")


def test_openapi_is_served(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert f"{API}/generate" in doc["paths"]


def test_head_works_where_get_does(client: TestClient) -> None:
    """Uptime checks and `curl -I` use HEAD: health and the UI page answer it like GET, without a body."""
    for path in ("/healthz", "/"):
        head, get = client.head(path), client.get(path)
        assert head.status_code == 200 and head.content == b"", (path, head.status_code)
        assert head.headers["content-type"] == get.headers["content-type"]


@pytest.mark.parametrize(
    "content",
    [b'{"volume": 5, "x": "\xff\xfe"}', b"[" * 100_000 + b"]" * 100_000],
    ids=["not-utf8", "nested-too-deep"],
)
def test_unparsable_bodies_are_invalid_input(client: TestClient, content: bytes) -> None:
    res = client.post(f"{API}/generate", content=content, headers={"content-type": "application/json"})
    body = assert_error(res, 400, "invalid_input")
    assert "body" in body["message"]


@pytest.mark.parametrize("session_id", ["../../etc", "a b", "x" * 101, "é" * 4])
def test_agent_session_ids_are_safe_tokens(client: TestClient, session_id: str) -> None:
    """Session ids go on to Bedrock (``[0-9a-zA-Z._:-]+``) and into the memory table: nothing else passes."""
    res = client.post("/api/v1/agent/ask", json={"prompt": "10 users", "session_id": session_id, "plan_only": True})
    assert_error(res, 422, "invalid_input")
    ok = client.post("/api/v1/agent/ask", json={"prompt": "10 users", "session_id": "qa-1:run.2", "plan_only": True})
    assert ok.status_code == 200 and ok.json()["session_id"] == "qa-1:run.2"
