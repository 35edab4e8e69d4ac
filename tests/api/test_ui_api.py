"""The routes the web UI relies on: field types, preview, cancel, a run's request, uploads, the charted
quality report (JSON and self-contained HTML), and the page's built-in data."""

from __future__ import annotations

import csv
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sdga.api import create_app
from sdga.config import Settings
from sdga.service import SyntheticDataService

API = "/api/v1"
TWO_TABLES: dict[str, Any] = {
    "tables": [
        {
            "name": "customers",
            "fields": [
                {"name": "customer_id", "type": "uuid", "constraints": {"unique": True}, "primary_key": True},
                {"name": "full_name", "type": "full_name"},
                {"name": "age", "type": "integer", "constraints": {"min": 18, "max": 90}},
                {"name": "lifetime_value", "type": "amount", "constraints": {"min": 0, "max": 9000}},
                {"name": "tier", "type": "category", "constraints": {"enum": ["free", "pro"], "weights": [80, 20]}},
            ],
        },
        {
            "name": "orders",
            "fields": [
                {"name": "order_id", "type": "uuid", "constraints": {"unique": True}, "primary_key": True},
                {
                    "name": "customer_id",
                    "type": "reference",
                    "references": "customers.customer_id",
                    "cardinality": {"mean": 3, "min": 1, "max": 6},
                },
                {"name": "total", "type": "amount", "constraints": {"min": 5, "max": 500}},
            ],
        },
    ]
}


@pytest.fixture
def service(tmp_path: Path) -> SyntheticDataService:
    return SyntheticDataService(Settings(home=tmp_path, background_threshold=50_000))


@pytest.fixture
def client(service: SyntheticDataService) -> Iterator[TestClient]:
    with TestClient(create_app(service)) as c:
        yield c


def test_types_listing_has_examples(client: TestClient) -> None:
    types = client.get(f"{API}/types").json()
    names = {t["name"] for t in types}
    assert {"uuid", "email", "integer", "reference", "category"} <= names
    email = next(t for t in types if t["name"] == "email")
    assert "@" in email["example"] and email["unique"] is True


def test_page_carries_its_lists_so_no_control_starts_empty(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "script-src" not in page.headers["content-security-policy"]
    match = re.search(r'<script type="application/json" id="bootstrap">(.*?)</script>', page.text, re.S)
    assert match, "the page has no data block"
    data = json.loads(match.group(1))
    assert "csv" in data["options"]["output_formats"]
    assert any(t["name"] == "ecommerce" for t in data["templates"])
    assert len(data["types"]) == len(client.get(f"{API}/types").json())
    # the page loads only what this app serves
    for src in re.findall(r'(?:src|href)="([^"]+)"', page.text):
        assert src.startswith(("/static/", "#", "data:")), src
        if src.startswith("/static/"):
            assert client.get(src).status_code == 200, src


def test_preview_is_deterministic_and_multi_table(client: TestClient) -> None:
    body = {"schema": TWO_TABLES, "rows": 20, "seed": 42, "volume": 5000}
    first = client.post(f"{API}/synthetic-data/preview", json=body)
    assert first.status_code == 200, first.text
    data = first.json()
    assert data["seed"] == 42
    assert [t["name"] for t in data["tables"]] == ["customers", "orders"]
    customers, orders = data["tables"]
    assert len(customers["rows"]) == 20 and customers["columns"][0] == "customer_id"
    assert all(18 <= r["age"] <= 90 for r in customers["rows"])
    parents = {r["customer_id"] for r in customers["rows"]}
    assert {r["customer_id"] for r in orders["rows"]} <= parents, "children point at the previewed parents"
    assert client.post(f"{API}/synthetic-data/preview", json=body).json()["tables"] == data["tables"]
    other = client.post(f"{API}/synthetic-data/preview", json={**body, "seed": 43}).json()
    assert other["tables"] != data["tables"]
    # no seed: one is chosen and reported, and asking again with it gives the same rows
    chosen = client.post(f"{API}/synthetic-data/preview", json={"schema": TWO_TABLES, "rows": 5}).json()
    again = client.post(f"{API}/synthetic-data/preview", json={"schema": TWO_TABLES, "rows": 5, "seed": chosen["seed"]})
    assert again.json()["tables"] == chosen["tables"]


def test_preview_rows_are_the_runs_first_rows(client: TestClient) -> None:
    schema = {"name": "people", "fields": TWO_TABLES["tables"][0]["fields"]}
    preview = client.post(
        f"{API}/synthetic-data/preview", json={"schema": schema, "rows": 10, "seed": 7, "volume": 300}
    )
    run = client.post(
        f"{API}/synthetic-data/generate",
        json={"schema": schema, "volume": 300, "seed": 7, "output_format": "json", "destination": {"type": "inline"}},
    )
    assert run.status_code == 200, run.text
    rows = run.json()["data"]["people"] if isinstance(run.json()["data"], dict) else run.json()["data"]
    assert [r["customer_id"] for r in rows[:10]] == [r["customer_id"] for r in preview.json()["tables"][0]["rows"]]


def test_preview_of_a_huge_volume_stays_quick(client: TestClient) -> None:
    started = time.monotonic()
    big = client.post(f"{API}/synthetic-data/preview", json={"schema": TWO_TABLES, "rows": 5, "volume": 500_000_000})
    assert big.status_code == 200, big.text
    assert time.monotonic() - started < 10
    assert any("previewed as for" in w for w in big.json()["warnings"])


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"schema": {"fields": [{"name": "a", "type": "no_such_type"}]}}, 422),
        ({"schema": {"fields": [{"name": "a", "type": "integer", "constraints": {"min": 9, "max": 1}}]}}, 422),
        ({"schema": {"fields": [{"name": "a", "type": "uuid"}]}, "rows": 101}, 422),
        ({"schema": {"fields": [{"name": "a", "type": "uuid"}]}, "rows": 0}, 422),
        ({"rows": 5}, 422),
    ],
)
def test_preview_refuses_bad_input_with_an_error_response(
    client: TestClient, body: dict[str, Any], status: int
) -> None:
    response = client.post(f"{API}/synthetic-data/preview", json=body)
    assert response.status_code == status, response.text
    assert set(response.json()) == {"error", "message", "details", "timestamp"}


def test_cancel_a_running_generation(client: TestClient, service: SyntheticDataService) -> None:
    schema = {"name": "big", "fields": [{"name": "id", "type": "uuid"}, {"name": "name", "type": "full_name"}]}
    started = client.post(
        f"{API}/synthetic-data/generate", json={"schema": schema, "volume": 3_000_000, "output_format": "csv"}
    )
    assert started.status_code == 202, started.text
    gid = started.json()["generation_id"]
    cancelled = client.post(f"{API}/synthetic-data/cancel/{gid}")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "failed"
    assert "cancelled by the user" in cancelled.json()["errors"][0]
    # the worker stops at its next batch and publishes nothing; the record keeps the reason
    deadline = time.monotonic() + 60
    while any(service.settings.staging_dir.glob(f"{gid}*")) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(service.settings.staging_dir.glob(f"{gid}*")), "the cancelled run kept working"
    status = client.get(f"{API}/synthetic-data/status/{gid}").json()
    assert status["status"] == "failed" and "cancelled by the user" in status["errors"][0]
    assert status["output_files"] == [] and status["execution_time_ms"] > 0
    history = client.get(f"{API}/synthetic-data/history").json()
    assert history[0]["status"] == "failed" and "cancelled" in history[0]["errors"][0]
    # a finished run cannot be cancelled
    again = client.post(f"{API}/synthetic-data/cancel/{gid}")
    assert again.status_code == 409 and again.json()["error"] == "not_ready"
    assert client.post(f"{API}/synthetic-data/cancel/not-a-uuid").status_code == 422


def test_a_runs_request_opens_again(client: TestClient) -> None:
    run = client.post(
        f"{API}/synthetic-data/generate", json={"schema": TWO_TABLES, "volume": 50, "seed": 5, "output_format": "csv"}
    )
    gid = run.json()["generation_id"]
    request = client.get(f"{API}/synthetic-data/request/{gid}").json()
    assert request["schema"]["tables"][1]["name"] == "orders" and request["seed"] == 5
    missing = client.get(f"{API}/synthetic-data/request/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_quality_report_with_reference_upload_and_html(client: TestClient, tmp_path: Path) -> None:
    run = client.post(
        f"{API}/synthetic-data/generate", json={"schema": TWO_TABLES, "volume": 400, "seed": 1, "output_format": "csv"}
    )
    gid = run.json()["generation_id"]
    report = client.post(f"{API}/synthetic-data/quality-report", json={"generation_id": gid})
    assert report.status_code == 200, report.text
    charts = {c["id"]: c for c in report.json()["charts"]}
    assert "scores" in charts and "customers-age" in charts and "orders-total" in charts
    assert charts["customers-tier"]["kind"] == "bars" and charts["customers-age"]["kind"] == "histogram"
    assert charts["corr-customers"]["kind"] == "heatmap"
    cells = charts["corr-customers"]["spec"]["data"]["values"]
    assert {c["r"] for c in cells if c["x"] == c["y"]} == {1.0}
    shares = [v["share"] for v in charts["customers-age"]["spec"]["data"]["values"]]
    assert abs(sum(shares) - 1) < 1e-6

    # a reference file, uploaded: overlays and fidelity scores
    reference = _write_csv(
        tmp_path / "real.csv",
        [{"age": 20 + (i * 7) % 50, "tier": "free" if i % 3 else "pro"} for i in range(300)],
    )
    up = client.post(f"{API}/uploads", params={"filename": "real.csv"}, content=reference.read_bytes())
    assert up.status_code == 200, up.text
    data_up = client.post(
        f"{API}/uploads",
        params={"filename": "synthetic.csv"},
        content=_write_csv(tmp_path / "s.csv", [{"age": 30 + i % 40, "tier": "free"} for i in range(300)]).read_bytes(),
    ).json()
    body = {"data_location": data_up["location"], "reference_location": up.json()["location"]}
    with_ref = client.post(f"{API}/synthetic-data/quality-report", json=body).json()
    kinds = {c["id"]: c["kind"] for c in with_ref["charts"]}
    assert kinds["synthetic-age"] == "overlay" and kinds["synthetic-tier"] == "overlay"
    assert with_ref["metrics"]["fidelity"]["column_shapes"] is not None
    assert any(c["id"] == "fidelity-columns" for c in with_ref["charts"])

    page = client.post(f"{API}/synthetic-data/quality-report.html", json=body)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "attachment" in page.headers["content-disposition"]
    text = page.text
    assert "vegaEmbed" in text and 'id="chart-specs"' in text
    assert not re.search(r'<(?:script|link|img)[^>]+(?:src|href)="https?:', text), (
        "the report loads nothing from outside"
    )

    # uploads refuse what is not a data file, and reports refuse paths outside the allowed roots
    bad = client.post(f"{API}/uploads", params={"filename": "../x.sh"}, content=b"echo")
    assert bad.status_code == 422
    outside = client.post(f"{API}/synthetic-data/quality-report", json={"data_location": "/etc/passwd"})
    assert outside.status_code == 422
