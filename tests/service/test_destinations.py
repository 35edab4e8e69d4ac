"""Destinations behind one interface: a destination nobody built in runs a whole generation through the
service (check → stage → publish → history → download → metrics) by being registered, nothing else."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pyarrow.parquet as pq
import pytest
from tests.service.conftest import MULTI_SCHEMA, SCHEMA

from sdga.adapters.storage import Published
from sdga.config import Settings
from sdga.destinations import (
    DESTINATIONS,
    Destination,
    DestinationContext,
    DestinationRegistry,
    Staged,
    StoredFiles,
    scheme_of,
)
from sdga.errors import DestinationError, InvalidInputError, NotFoundError
from sdga.models import GenerateDataRequest, GenerationStatus, OutputFormat, QualityMetricsRequest
from sdga.service import SyntheticDataService


class MemoryBucket:
    """An object store that is a dict: what the fake destination publishes to and reads back from."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}


BUCKET = MemoryBucket()


class MemoryDestination(Destination):
    """Publishes into :data:`BUCKET` under ``memory://<location>/``; a secret after '@' is never shown."""

    kind = "s3"  # takes the place of the built-in s3 destination in this test's registry
    checked: ClassVar[list[str]] = []

    def __init__(self, context: DestinationContext, request: GenerateDataRequest) -> None:
        super().__init__(context, request)
        if not self.location or not self.location.startswith("memory://"):
            raise InvalidInputError("the memory destination needs a memory://name location")
        self.prefix = self.location.rstrip("/") + "/"

    def public_location(self) -> str | None:
        return self.location.split("@", 1)[-1] if self.location else None

    def staging_format(self) -> OutputFormat:
        return OutputFormat.PARQUET  # like a database load: staged as Parquet whatever was asked for

    def sample_rows(self) -> int:
        return 3

    def check(self, plan: Any) -> None:
        self.checked.append(self.prefix)
        if any(key.startswith(self.prefix) for key in BUCKET.objects) and self.if_exists == "fail":
            raise DestinationError(f"{self.public_location()} already holds data")

    def publish(self, staged: Staged) -> Published:
        staged.response.output_location = self.public_location()
        first_rows = staged.sample()
        staged.response.warnings.append(f"first rows seen: {sorted((k, t.num_rows) for k, t in first_rows.items())}")
        staged.write_report()
        files = []
        for path in sorted(staged.data_dir.iterdir()):
            BUCKET.objects[self.prefix + path.name] = path.read_bytes()
            files.append(self.prefix + path.name)
        return Published(location=self.public_location() or "", files=files)


class MemoryFiles(StoredFiles):
    scheme = "memory"

    def open(self, uri: str) -> Iterator[bytes]:
        if uri not in BUCKET.objects:
            raise NotFoundError(f"no object {uri}")
        yield BUCKET.objects[uri]

    def size(self, uri: str) -> int | None:
        return len(BUCKET.objects[uri])

    def materialise(self, uris: list[str], scratch: Path) -> Path:
        scratch.mkdir(parents=True, exist_ok=True)
        for uri in uris:
            (scratch / uri.rsplit("/", 1)[-1]).write_bytes(BUCKET.objects[uri])
        return scratch if len(uris) > 1 else scratch / uris[0].rsplit("/", 1)[-1]

    def locate(self, location: str, scratch: Path) -> Path:
        prefix = location.rstrip("/") + "/"
        return self.materialise([k for k in BUCKET.objects if k.startswith(prefix)], scratch)


@pytest.fixture
def memory_service(tmp_path: Path) -> Iterator[SyntheticDataService]:
    registry = DESTINATIONS.copy()
    registry.register(MemoryDestination, replace=True)
    registry.register_files(MemoryFiles)
    BUCKET.objects.clear()
    MemoryDestination.checked.clear()
    yield SyntheticDataService(Settings(home=tmp_path / "home", background_threshold=0), destinations=registry)


def request(location: str, **kw: Any) -> GenerateDataRequest:
    data: dict[str, Any] = {"volume": 50, "schema": MULTI_SCHEMA, "output_format": "csv", "seed": 3}
    data["destination"] = {"type": "s3", "location": location}
    data.update(kw)
    return GenerateDataRequest.model_validate(data)


def test_a_registered_destination_runs_a_whole_generation(memory_service: SyntheticDataService) -> None:
    svc = memory_service
    result = svc.generate(request("memory://secret@exports/run1"))
    assert result.status == GenerationStatus.SUCCESS
    assert MemoryDestination.checked == ["memory://secret@exports/run1/"]  # checked before generating
    # Staged as the destination asked (Parquet), with at least the first rows it asked for, published where
    # it said.
    assert set(BUCKET.objects) == {
        "memory://secret@exports/run1/users.parquet",
        "memory://secret@exports/run1/orders.parquet",
        "memory://secret@exports/run1/report.md",
    }
    assert "first rows seen: [('orders', 50), ('users', 50)]" in result.warnings
    users = pq.read_table(io.BytesIO(BUCKET.objects["memory://secret@exports/run1/users.parquet"]))
    assert users.num_rows == result.records_per_table["users"] == 50
    assert result.output_location == "exports/run1"  # what the destination shows, secret hidden
    assert result.report_location == "memory://secret@exports/run1/report.md"
    assert sorted(result.output_files) == [
        "memory://secret@exports/run1/orders.parquet",
        "memory://secret@exports/run1/users.parquet",
    ]
    report = svc.report(result.generation_id)  # read back through the destination's stored-files reader
    assert result.generation_id in report and "exports/run1" in report and "secret" not in report
    # History keeps the request with the location as the destination shows it.
    record = svc.history_store.get(result.generation_id)
    assert record is not None and record.request is not None
    assert record.request["destination"]["location"] == "exports/run1"
    assert record.status == GenerationStatus.SUCCESS and record.destination_type == "s3"
    # Downloads and quality metrics read the stored files back through it too.
    stream = svc.download(result.generation_id)
    assert stream.filename == f"{result.generation_id}.zip" and sum(len(c) for c in stream.chunks) > 0
    measured = svc.quality_metrics(QualityMetricsRequest(generation_id=result.generation_id))
    assert measured.metrics.validity_score == 1.0
    by_location = svc.quality_metrics(QualityMetricsRequest(data_location="memory://secret@exports/run1"))
    assert by_location.metrics.row_count is not None and by_location.metrics.row_count > 0


def test_a_registered_destination_refuses_before_anything_is_recorded(memory_service: SyntheticDataService) -> None:
    svc = memory_service
    svc.generate(request("memory://exports/taken"))
    before = len(svc.history())
    with pytest.raises(DestinationError, match="already holds data"):
        svc.generate(request("memory://exports/taken"))
    with pytest.raises(InvalidInputError, match="memory://name"):
        svc.generate(request("s3://real-bucket/x"))
    assert len(svc.history()) == before
    replaced = svc.generate(
        request(
            "memory://exports/taken",
            destination={"type": "s3", "location": "memory://exports/taken", "if_exists": "replace"},
        )
    )
    assert replaced.status == GenerationStatus.SUCCESS


def test_the_built_in_registry_is_untouched_by_a_service_of_its_own(memory_service: SyntheticDataService) -> None:
    assert DESTINATIONS.destination_class("s3").__name__ == "S3Destination"
    assert memory_service.destinations.registry.destination_class("s3") is MemoryDestination
    assert DESTINATIONS.kinds() == ["inline", "local", "rds", "s3"]


def test_registry_refuses_duplicates_and_names_the_kinds() -> None:
    registry = DestinationRegistry()
    registry.register(MemoryDestination)
    with pytest.raises(ValueError, match="already registered"):
        registry.register(MemoryDestination)
    with pytest.raises(InvalidInputError, match="unknown destination 'rds': choose one of s3"):
        registry.destination_class("rds")


def test_a_destination_switched_off_is_refused(tmp_path: Path) -> None:
    svc = SyntheticDataService(Settings(home=tmp_path, allowed_destinations=["local"], background_threshold=0))
    with pytest.raises(InvalidInputError, match="'inline' is not enabled here; allowed: local"):
        svc.generate(GenerateDataRequest.model_validate({"schema": SCHEMA, "destination": {"type": "inline"}}))
    assert svc.history() == []


@pytest.mark.parametrize(
    ("uri", "scheme"),
    [("s3://bucket/key", "s3"), ("/tmp/x.csv", ""), ("relative/dir", ""), ("C://data/x", ""), ("MEMORY://a", "memory")],
)
def test_scheme_of(uri: str, scheme: str) -> None:
    assert scheme_of(uri) == scheme
