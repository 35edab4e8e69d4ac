"""Resource limits: every door refuses the same oversized requests up front, each error naming its limit."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from sdga.adapters.history import GenerationRecord, now_ms
from sdga.api import create_app
from sdga.cli import app as cli_app
from sdga.config import Settings
from sdga.errors import (
    ChildrenPerParentError,
    DeploymentBusyError,
    GenerationStoppedError,
    LimitExceededError,
    RequestTooLargeError,
)
from sdga.limits import Limits, StopCheck, check_rows, check_schema, request_shutdown, reset_shutdown
from sdga.models import GenerateDataRequest, GenerationStatus, Schema
from sdga.service import SyntheticDataService

API = "/api/v1/synthetic-data"


def wide(n: int) -> dict[str, Any]:
    return {"name": "wide", "fields": [{"name": f"f{i}", "type": "integer"} for i in range(n)]}


def nested(depth: int) -> dict[str, Any]:
    field: dict[str, Any] = {"name": "leaf", "type": "integer"}
    for level in range(depth - 1):
        field = {"name": f"o{level}", "type": "object", "fields": [field]}
    return {"name": "deep", "fields": [field]}


def parent_child(parents: int, cardinality: dict[str, Any]) -> dict[str, Any]:
    return {
        "tables": [
            {"name": "users", "volume": parents, "fields": [{"name": "id", "type": "uuid", "primary_key": True}]},
            {
                "name": "orders",
                "fields": [
                    {"name": "id", "type": "uuid", "primary_key": True},
                    {"name": "user_id", "type": "reference", "references": "users.id", "cardinality": cardinality},
                ],
            },
        ]
    }


@pytest.fixture
def svc(tmp_path: Path) -> Iterator[SyntheticDataService]:
    reset_shutdown()
    yield SyntheticDataService(
        Settings(home=tmp_path, background_threshold=0, max_fields=50, max_nesting_depth=4, max_volume=100_000)
    )
    reset_shutdown()


def request(schema: dict[str, Any], volume: int = 10, **extra: Any) -> GenerateDataRequest:
    return GenerateDataRequest.model_validate({"schema": schema, "volume": volume, **extra})


# ----------------------------------------------------------------------------------------- the checks
def test_fields_depth_and_rows_are_refused_naming_the_limit(svc: SyntheticDataService) -> None:
    with pytest.raises(LimitExceededError) as exc:
        svc.generate(request(wide(51)))
    assert exc.value.code == "limit_exceeded" and "51 fields" in exc.value.message and "at most 50" in exc.value.message
    assert exc.value.details == {"limit": "max_fields", "maximum": 50, "actual": 51, "setting": "SDGA_MAX_FIELDS"}
    svc.generate(request(wide(50), destination={"type": "inline"}))  # at the limit: fine

    with pytest.raises(LimitExceededError, match="nested 5 levels") as exc:
        svc.generate(request(nested(5)))
    assert exc.value.details and exc.value.details["limit"] == "max_nesting_depth"
    svc.generate(request(nested(4), destination={"type": "inline"}))

    with pytest.raises(LimitExceededError, match="at most 100,000") as exc:
        svc.generate(request(wide(2), volume=100_001))
    assert exc.value.code == "limit_exceeded" and exc.value.details and exc.value.details["actual"] == 100_001
    # the validate-schema action refuses the same schemas
    from sdga.models import ValidateSchemaRequest

    with pytest.raises(LimitExceededError, match="at most 50"):
        svc.validate_schema(ValidateSchemaRequest.model_validate({"schema": wide(51)}))


def test_a_huge_schema_is_refused_in_milliseconds() -> None:
    schema = Schema.model_validate(wide(100_000))
    started = time.perf_counter()
    with pytest.raises(LimitExceededError, match="100,000 fields"):
        check_schema(schema, limits=Limits(max_fields=1000))
    assert time.perf_counter() - started < 0.5
    deep = Schema.model_validate(nested(60))  # nesting is walked without recursion
    with pytest.raises(LimitExceededError, match="nested 11 levels"):
        check_schema(deep, limits=Limits(max_nesting_depth=10))


def test_children_per_parent_are_refused_up_front_with_their_own_code(svc: SyntheticDataService) -> None:
    huge = request(parent_child(10, {"min": 0, "max": 50_000_000}))
    started = time.perf_counter()
    with pytest.raises(ChildrenPerParentError) as exc:
        svc.generate(huge)
    assert time.perf_counter() - started < 2  # before planning: no child count is drawn
    assert exc.value.code == "children_per_parent_exceeded" and exc.value.http_status == 422
    assert exc.value.details == {
        "limit": "max_children_per_parent",
        "maximum": 1_000_000,
        "actual": 50_000_000,
        "setting": "SDGA_MAX_CHILDREN_PER_PARENT",
        "field": "orders.user_id",
    }
    # a mean implies a maximum too (the engine draws up to 3 x mean + 1), and a zipf count is never clipped
    with pytest.raises(ChildrenPerParentError, match="3,000,001"):
        svc.generate(request(parent_child(10, {"min": 0, "mean": 1_000_000, "distribution": "poisson"})))
    with pytest.raises(ValueError, match="2000000"):
        Settings(max_children_per_parent=3_000_000)  # past the engine's largest table of counts


def test_rows_implied_by_cardinalities_are_refused_before_planning(svc: SyntheticDataService) -> None:
    """A million parents with up to 1,000 children each: refused from the estimate, not after drawing counts."""
    schema = Schema.model_validate(parent_child(1_000_000, {"min": 0, "max": 1000}))
    started = time.perf_counter()
    with pytest.raises(LimitExceededError, match="about 501,000,000 rows") as exc:
        check_schema(schema, volume=10, limits=Limits(max_volume=1_000_000_000 // 4))
    assert time.perf_counter() - started < 0.05 and exc.value.code == "limit_exceeded"
    # the exact count, once planned, is checked too
    with pytest.raises(LimitExceededError, match="100,001 rows requested"):
        check_rows(100_001, Limits(max_volume=100_000))
    check_rows(100_000, Limits(max_volume=100_000))


def test_rows_in_flight_per_deployment(tmp_path: Path) -> None:
    svc = SyntheticDataService(Settings(home=tmp_path, background_threshold=0, max_active_records=1_000))
    svc.generate(request(wide(2), volume=1_000, destination={"type": "inline"}))  # alone: at the limit
    running = GenerationRecord(
        generation_id="6f1c2d4e-0000-4000-8000-000000000001",
        timestamp=now_ms(),
        status=GenerationStatus.RUNNING,
        volume=900,
        worker=None,
    )
    svc.history_store.create(running)
    with pytest.raises(DeploymentBusyError) as exc:
        svc.generate(request(wide(2), volume=200))
    assert exc.value.http_status == 429 and exc.value.details and exc.value.details["active"] == 900
    assert "retry" in exc.value.message
    svc.generate(request(wide(2), volume=100, destination={"type": "inline"}))  # fits beside it


# ------------------------------------------------------------------------------------ stopping work
def test_a_running_generation_stops_at_its_time_limit_and_leaves_nothing(tmp_path: Path) -> None:
    from sdga.execution import ENGINES, EngineOptions
    from sdga.models import OutputFormat
    from sdga.pipeline import write_tables

    calls = {"n": 0}

    def stop_after_two() -> None:
        calls["n"] += 1
        if calls["n"] > 2:
            raise GenerationStoppedError("stopped: test")

    plan = __import__("sdga.engine", fromlist=["plan_generation"]).plan_generation(request(wide(3), volume=50_000))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(GenerationStoppedError):
        write_tables(
            plan, out / "wide.csv", OutputFormat.CSV, engine=ENGINES.create("local", EngineOptions()), batch_size=1000,
            check=stop_after_two,
        )  # fmt: skip
    assert calls["n"] == 3 and list(out.iterdir()) == []
    check = StopCheck(0.05)
    check()
    time.sleep(0.06)
    with pytest.raises(GenerationStoppedError, match="SDGA_MAX_RUN_SECONDS"):
        check()


def test_a_shutdown_stops_service_generations_and_records_why(svc: SyntheticDataService) -> None:
    request_shutdown()
    with pytest.raises(GenerationStoppedError, match="shutting down") as exc:
        svc.generate(request(wide(2), volume=20))
    assert exc.value.http_status == 503
    record = svc.history_store.get(exc.value.details["generation_id"])  # type: ignore[index]
    assert record is not None and record.status == GenerationStatus.FAILED
    assert not list(svc.settings.staging_dir.iterdir())


# ------------------------------------------------------------------------------------------- the doors
def test_http_body_size_is_refused_before_it_is_read(tmp_path: Path) -> None:
    svc = SyntheticDataService(Settings(home=tmp_path, background_threshold=0, max_body_bytes=4096))
    with TestClient(create_app(svc)) as client:
        big = json.dumps({"schema": wide(200), "volume": 1}).encode()
        res = client.post(f"{API}/generate", content=big, headers={"content-type": "application/json"})
        assert res.status_code == 413, res.text
        body = res.json()
        assert body["error"] == "request_too_large" and "4,096 bytes" in body["message"]
        assert body["details"]["limit"] == "max_body_bytes" and body["details"]["actual"] == len(big)

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            for i in range(0, len(big), 1000):
                yield big[i : i + 1000]

        res = client.post(f"{API}/generate", content=chunks(), headers={"content-type": "application/json"})
        assert res.status_code == 413 and res.json()["error"] == "request_too_large", res.text
        assert client.post(f"{API}/validate-schema", json={"schema": wide(3)}).status_code == 200


def test_http_limits_answer_with_error_responses(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, background_threshold=0, max_fields=10, max_prompt_chars=50)
    with TestClient(create_app(SyntheticDataService(settings))) as client:
        res = client.post(f"{API}/generate", json={"schema": wide(11), "volume": 1})
        assert res.status_code == 422 and res.json()["error"] == "limit_exceeded"
        assert res.json()["details"]["setting"] == "SDGA_MAX_FIELDS"
        res = client.post(f"{API}/generate", json={"schema": parent_child(2, {"min": 0, "max": 10**9})})
        assert res.status_code == 422 and res.json()["error"] == "children_per_parent_exceeded"
        prompt = "users " * 30
        res = client.post("/api/v1/agent/ask", json={"prompt": prompt, "plan_only": True})
        assert res.status_code == 422 and res.json()["details"]["limit"] == "max_prompt_chars"
        assert prompt not in res.text
        openapi = client.get("/openapi.json").json()
        responses = openapi["paths"][f"{API}/generate"]["post"]["responses"]
        assert {"413", "422", "429", "503"} <= set(responses)


def test_lambda_and_mcp_doors_apply_the_same_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.lambdas.test_lambda_handlers import Context, http_event

    from sdga.lambdas import agent as agent_lambda
    from sdga.lambdas import generate as generate_lambda
    from sdga.lambdas import runtime

    svc = SyntheticDataService(
        Settings(home=tmp_path, background_threshold=0, max_fields=10, max_prompt_chars=50, max_body_bytes=2048)
    )
    runtime.set_service(svc)
    try:
        answer = generate_lambda.handler(http_event("POST", f"{API}/generate", {"schema": wide(100)}), Context())
        assert answer["statusCode"] == 413 and json.loads(answer["body"])["error"] == "request_too_large"
        answer = generate_lambda.handler(http_event("POST", f"{API}/generate", {"schema": wide(11)}), Context())
        assert answer["statusCode"] == 422 and json.loads(answer["body"])["details"]["limit"] == "max_fields"
        event = http_event("POST", "/api/v1/agent/ask", {"prompt": "x" * 51, "plan_only": True})
        answer = agent_lambda.handler(event, Context())
        assert answer["statusCode"] == 422 and "51 characters" in json.loads(answer["body"])["message"]
    finally:
        runtime.set_service(None)

    from sdga.mcp.models import PlanRequest
    from sdga.mcp.tools import ToolRunner

    toolbox = ToolRunner(svc)
    with pytest.raises(LimitExceededError, match="the limit is 50"):
        toolbox._plan_request(PlanRequest(prompt="y" * 60))


def test_cli_applies_the_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDGA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SDGA_MAX_FIELDS", "5")
    schema = tmp_path / "wide.json"
    schema.write_text(json.dumps(wide(6)))
    result = CliRunner().invoke(
        cli_app, ["generate", "--schema", str(schema), "-n", "3", "-o", str(tmp_path / "x.csv")]
    )
    assert result.exit_code == 2, result.output
    assert "6 fields" in result.stderr and "SDGA_MAX_FIELDS" in result.stderr and not (tmp_path / "x.csv").exists()
    monkeypatch.setenv("SDGA_MAX_PROMPT_CHARS", "20")
    result = CliRunner().invoke(cli_app, ["ask", "customers " * 200, "--plan-only"])
    assert result.exit_code == 2 and "2,000 characters" in result.stderr and "customers customers" not in result.output


def test_request_too_large_is_a_limit() -> None:
    exc = RequestTooLargeError("x", limit="max_body_bytes", maximum=1, actual=2)
    assert exc.http_status == 413 and isinstance(exc, LimitExceededError)


def test_the_engine_itself_never_clips_a_zipf_count() -> None:
    """Used directly (no door, no configured limit), the engine refuses what it could not draw exactly."""
    from sdga.engine import plan_generation

    zipf = request(parent_child(3, {"min": 0, "max": 5_000_000, "distribution": "zipf"}))
    started = time.perf_counter()
    with pytest.raises(ChildrenPerParentError, match="draws exactly") as exc:
        plan_generation(zipf)
    assert time.perf_counter() - started < 2 and exc.value.details["field"] == "orders.user_id"  # type: ignore[index]
    # a poisson count far below the table's size is drawn exactly, whatever its max
    plan = plan_generation(request(parent_child(3, {"min": 0, "max": 5_000_000, "mean": 4, "distribution": "poisson"})))
    assert plan.table("orders").volume < 100
