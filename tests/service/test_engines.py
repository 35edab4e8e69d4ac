"""Engines behind one interface: chosen by request, configuration or --engine; an unknown one is a clear
4xx / CLI error; a new engine — even one that takes the job elsewhere — needs no change to the service."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient
from tests.service.conftest import MULTI_SCHEMA
from typer.testing import CliRunner

from sdga.api import create_app
from sdga.cli import app
from sdga.config import Settings
from sdga.errors import InvalidInputError
from sdga.execution import ENGINES, Engine, EngineJob, EngineOptions, EngineRegistry, LocalEngine
from sdga.generation import generate_to_path
from sdga.models import GenerateDataRequest, GenerationStatus
from sdga.service import SyntheticDataService


def request(**kw: Any) -> GenerateDataRequest:
    data: dict[str, Any] = {"volume": 120, "schema": MULTI_SCHEMA, "output_format": "jsonl", "seed": 5}
    data.update(kw)
    return GenerateDataRequest.model_validate(data)


class SmallBatches(Engine):
    """A stand-in for an engine that produces rows its own way: the local generator in tiny batches
    and two worker processes. The rows must be the same."""

    name = "small-batches"
    jobs: list[EngineJob] = []

    def __init__(self, options: EngineOptions) -> None:
        self.inner = LocalEngine(workers=2)

    def batches(self, plan: Any, table: str, *, batch_size: int = 65_536) -> Iterator[pa.RecordBatch]:
        return self.inner.batches(plan, table, batch_size=7)

    def write(self, job: EngineJob) -> Any:
        self.jobs.append(job)
        job.batch_size = 7
        return self.inner.write(job)


class Submitted:
    """A runner that only collects what it is given (a cluster's job queue, as seen from here)."""

    def __init__(self) -> None:
        self.jobs: list[tuple[str, Callable[[], Any], dict[str, Any]]] = []

    def submit(self, generation_id: str, job: Callable[[], Any], payload: dict[str, Any]) -> None:
        self.jobs.append((generation_id, job, payload))


QUEUE = Submitted()


class Elsewhere(LocalEngine):
    """An engine whose work runs elsewhere: it hands every job to its queue."""

    name = "elsewhere"

    def handoff(self) -> Submitted:
        return QUEUE


@pytest.fixture
def engines() -> EngineRegistry:
    registry = ENGINES.copy()
    registry.register("small-batches", SmallBatches, description="test")
    registry.register("elsewhere", lambda options: Elsewhere(workers=options.workers))
    SmallBatches.jobs.clear()
    QUEUE.jobs.clear()
    return registry


def test_a_registered_engine_runs_through_the_unchanged_service(tmp_path: Path, engines: EngineRegistry) -> None:
    svc = SyntheticDataService(Settings(home=tmp_path, background_threshold=0), engines=engines)
    local = svc.generate(request())
    other = svc.generate(request(engine="Small-Batches"))
    assert len(SmallBatches.jobs) == 1 and SmallBatches.jobs[0].tap is not None  # it was given the sampler
    assert other.status == local.status == GenerationStatus.SUCCESS
    assert other.records_per_table == local.records_per_table
    for a, b in zip(sorted(local.output_files), sorted(other.output_files), strict=True):
        assert Path(a).read_bytes() == Path(b).read_bytes()  # same rows, whatever the engine
    assert other.data_quality_metrics == local.data_quality_metrics


def test_the_deployment_chooses_the_engine_of_requests_that_name_none(tmp_path: Path, engines: EngineRegistry) -> None:
    svc = SyntheticDataService(Settings(home=tmp_path, background_threshold=0, engine="small-batches"), engines=engines)
    svc.generate(request())
    assert len(SmallBatches.jobs) == 1
    svc.generate(request(engine="local"))  # the request's own choice wins
    assert len(SmallBatches.jobs) == 1


def test_an_unknown_engine_is_refused_before_anything_is_recorded(tmp_path: Path) -> None:
    svc = SyntheticDataService(Settings(home=tmp_path, background_threshold=0))
    with pytest.raises(InvalidInputError, match="unknown engine 'hadoop': available engines are local, spark") as info:
        svc.generate(request(engine="hadoop"))
    assert info.value.http_status == 422 and info.value.details == {"field": "engine", "available": ["local", "spark"]}
    configured = SyntheticDataService(Settings(home=tmp_path / "b", background_threshold=0, engine="nope"))
    with pytest.raises(InvalidInputError, match="unknown engine 'nope'"):
        configured.generate(request())
    assert svc.history() == [] and configured.history() == []


def test_an_engine_that_runs_elsewhere_takes_the_job_and_the_far_side_finishes_it(
    tmp_path: Path, engines: EngineRegistry
) -> None:
    svc = SyntheticDataService(Settings(home=tmp_path, background_threshold=0), engines=engines)
    response = svc.generate(request(engine="elsewhere"), background=False)  # it must leave even so
    assert response.status == GenerationStatus.PENDING and "in the background" in response.warnings[-1]
    [(gid, _job, payload)] = QUEUE.jobs
    assert gid == response.generation_id and payload["request"]["engine"] == "elsewhere"
    assert svc.status(gid).status == GenerationStatus.PENDING
    # The far side runs it with the engine that runs there.
    done = svc.run_job(gid, GenerateDataRequest.model_validate(payload["request"]), engine="local")
    assert done.status == GenerationStatus.SUCCESS and done.records_generated == sum(done.records_per_table.values())
    assert svc.status(gid).status == GenerationStatus.SUCCESS


def test_engine_registry_names_and_duplicates() -> None:
    registry = EngineRegistry()
    registry.register("Local", LocalEngine.create)
    assert registry.names() == ["local"] and isinstance(registry.create(" LOCAL "), LocalEngine)
    with pytest.raises(ValueError, match="already registered"):
        registry.register("local", LocalEngine.create)
    assert isinstance(registry.create("local", EngineOptions(workers=3)), LocalEngine)
    assert registry.create("local", EngineOptions(workers=3)).workers == 3  # type: ignore[attr-defined]


def test_http_api_refuses_an_unknown_engine_with_an_error_response(tmp_path: Path) -> None:
    client = TestClient(create_app(SyntheticDataService(Settings(home=tmp_path, background_threshold=0))))
    body = request(engine="hadoop").model_dump(mode="json", by_alias=True)
    answer = client.post("/api/v1/synthetic-data/generate", json=body)
    assert answer.status_code == 422
    assert (
        answer.json()["error"] == "invalid_input" and "available engines are local, spark" in answer.json()["message"]
    )
    bad = client.post("/api/v1/synthetic-data/generate", json={**body, "engine": "no spaces allowed"})
    assert bad.status_code == 422 and bad.json()["error"] == "invalid_input"


def test_cli_engine_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDGA_HOME", str(tmp_path / "home"))
    cli = CliRunner()
    out = tmp_path / "u.jsonl"
    ok = cli.invoke(app, ["generate", "-t", "user_profile", "-n", "30", "-o", str(out), "--engine", "local", "-q"])
    assert ok.exit_code == 0 and len(out.read_text().splitlines()) == 30
    bad = cli.invoke(
        app, ["generate", "-t", "user_profile", "-n", "30", "-o", str(tmp_path / "v.csv"), "--engine", "x"]
    )
    assert bad.exit_code == 2 and bad.stderr.strip() == "error: unknown engine 'x': available engines are local, spark"
    assert not (tmp_path / "v.csv").exists()
    monkeypatch.setenv("SDGA_ENGINE", "nope")  # the deployment's choice, through the service path too
    svc = cli.invoke(app, ["generate", "-t", "user_profile", "-n", "30", "-d", "local", "-o", str(tmp_path / "w")])
    assert svc.exit_code == 2 and "unknown engine 'nope'" in svc.stderr


def test_plain_generation_takes_an_engine(tmp_path: Path, engines: EngineRegistry) -> None:
    req = request(volume=40)
    a = generate_to_path(req, tmp_path / "a")
    b = generate_to_path(req, tmp_path / "b", engine=engines.create("small-batches"))
    assert a.records_per_table == b.records_per_table and len(SmallBatches.jobs) == 1
    for name in a.records_per_table:
        assert (tmp_path / "a" / f"{name}.jsonl").read_bytes() == (tmp_path / "b" / f"{name}.jsonl").read_bytes()
