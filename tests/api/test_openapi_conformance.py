"""The OpenAPI document is the truth: schemathesis against the app (ASGI, in-process) with every check on.

Every operation is fuzzed with data the document allows (positive) and data it forbids (negative); each
response must have a documented status code, content type, headers and body schema, forbidden data must
be refused, and nothing may be a server error.

Schemathesis' ``positive_data_acceptance`` expects any request the document allows to succeed. A
generator cannot promise that: a schema can be well-formed and still ask for something impossible (a
unique field whose domain is too small, ``min`` above ``max``, more rows than the deployment allows).
Those refusals are documented (422 with their own error codes, 429, 413). What must never happen is a
request the document allows being refused *as not matching the document*: that is the document and
the request models disagreeing. :func:`_allowed_data_is_never_malformed` checks exactly that, in place
of ``positive_data_acceptance``; every other check runs as schemathesis ships it.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from sdga.api import create_app
from sdga.config import Settings
from sdga.service import SyntheticDataService

schemathesis = pytest.importorskip("schemathesis")

EXAMPLES = 6  # per operation and mode: bounded, so the run stays well under a minute
# Where the service's own request-model errors carry their location (RequestValidationError).
_DOCUMENT_LOCATIONS = ("body", "path", "query", "header")


def _allowed_data_is_never_malformed(ctx: Any, response: Any, case: Any) -> None:
    """A request the document allows is never refused as not matching it (the models and the document agree)."""
    if response.status_code not in (400, 422):
        return
    try:
        body = json.loads(response.content)
    except ValueError:
        body = {}
    details = body.get("details") if isinstance(body, dict) else None
    refused_as_malformed = response.status_code == 400 or (
        body.get("error") == "invalid_input"
        and isinstance(details, list)
        and any(str(d.get("loc", "")).startswith(_DOCUMENT_LOCATIONS) for d in details if isinstance(d, dict))
    )
    if refused_as_malformed:
        raise AssertionError(
            f"a request the document allows was refused as malformed: {response.status_code} {body.get('message')}"
        )


def test_every_operation_conforms_to_the_document(tmp_path: Path) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode
    from schemathesis.checks import positive_data_acceptance

    svc = SyntheticDataService(
        Settings(
            home=tmp_path,
            max_volume=300,  # fuzzed volumes stay small (bigger ones are refused with limit_exceeded)
            background_threshold=0,
            allowed_destinations=["local", "inline"],  # no outbound connections while fuzzing
        )
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(svc))
    failures: list[str] = []
    seen: Counter[str] = Counter()
    timings: dict[str, float] = {}

    def fuzz(operation: Any, mode: Any) -> None:
        extra = [_allowed_data_is_never_malformed] if mode == GenerationMode.POSITIVE else []

        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case: Any) -> None:
            response = case.call()
            seen[f"{mode.value} {case.method} {response.status_code}"] += 1
            try:
                case.validate_response(response, excluded_checks=[positive_data_acceptance], additional_checks=extra)
            except BaseException as exc:  # schemathesis raises a group of failures
                failures.append(f"{mode.value} {case.method} {case.formatted_path}: {exc}"[:1500])
                raise

        started = time.perf_counter()
        try:
            run()
        except Unsatisfiable:  # nothing the document forbids can be sent (an operation without inputs)
            pass
        except BaseException as exc:  # recorded in failures; go on with the other operations
            if not failures or not failures[-1].startswith(f"{mode.value} "):
                failures.append(f"{mode.value} {operation.method} {operation.path}: {type(exc).__name__}: {exc}")
        timings[f"{mode.value} {operation.method} {operation.path}"] = time.perf_counter() - started

    for result in schema.get_all_operations():
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(result.ok(), mode)
    slowest = sorted(timings.items(), key=lambda kv: -kv[1])[:3]
    assert not failures, "\n\n".join(failures[:5])
    assert sum(seen.values()) >= 100, (seen, slowest)
    assert any(k.startswith("positive") and k.endswith(" 200") for k in seen), seen
    assert any(k.startswith("negative") and k.endswith(" 422") for k in seen), seen


def test_the_document_says_what_the_models_check(tmp_path: Path) -> None:
    """The known disagreements, one by one: each is now in the document and enforced the same way."""
    from fastapi.testclient import TestClient

    with TestClient(create_app(SyntheticDataService(Settings(home=tmp_path)))) as client:
        doc = client.get("/openapi.json").json()
        gid = doc["paths"]["/api/v1/synthetic-data/status/{generation_id}"]["get"]["parameters"][0]["schema"]
        assert gid["format"] == "uuid" and gid["pattern"].startswith("^[0-9a-fA-F]{8}")
        assert client.get("/api/v1/synthetic-data/status/0.1.0").status_code == 422
        assert client.get("/api/v1/synthetic-data/history", params={"since": "0.5"}).status_code == 422
        assert client.get("/api/v1/synthetic-data/history", params={"since": "2026-01-01T00:00:00Z"}).status_code == 200
        field = {"name": "id", "type": "uuid", "primary_key": "yes"}
        res = client.post("/api/v1/synthetic-data/validate-schema", json={"schema": {"fields": [field]}})
        assert res.status_code == 422 and "primary_key" in res.text
        report = doc["paths"]["/api/v1/synthetic-data/report/{generation_id}"]["get"]["responses"]["404"]
        assert list(report["content"]) == ["application/json"]
        missing = client.get("/api/v1/synthetic-data/report/6f1c2d4e-0000-4000-8000-000000000001")
        assert missing.status_code == 404 and missing.headers["content-type"] == "application/json"
        schemas = doc["components"]["schemas"]
        request = schemas.get("GenerateDataRequest-Input") or schemas["GenerateDataRequest"]
        assert {"required": ["schema"], "properties": {"schema": {"type": "object"}}} in request["anyOf"]
        assert "400" in doc["paths"]["/api/v1/synthetic-data/generate"]["post"]["responses"]
