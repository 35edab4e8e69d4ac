"""Helpers for engine tests: build requests tersely and materialise tables."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from sdga.engine import GenerationPlan, iter_batches, plan_generation
from sdga.models import GenerateDataRequest


def field(name: str, type_: str, **constraints: Any) -> dict[str, Any]:
    extra = {
        k: constraints.pop(k)
        for k in ("references", "cardinality", "fields", "items", "primary_key")
        if k in constraints
    }
    return {"name": name, "type": type_, "constraints": constraints, **extra}


def request(fields: list[dict[str, Any]] | None = None, volume: int = 200, **kw: Any) -> GenerateDataRequest:
    body: dict[str, Any] = {"volume": volume, **kw}
    if fields is not None:
        body["schema"] = {"fields": fields}
    return GenerateDataRequest.model_validate(body)


def table(plan: GenerationPlan, name: str | None = None, **kw: Any) -> pa.Table:
    t = plan.tables[0] if name is None else plan.table(name)
    batches = list(iter_batches(plan, t.name, **kw))
    return pa.Table.from_batches(batches, schema=t.arrow_schema)


def generate(fields: list[dict[str, Any]], volume: int = 200, **kw: Any) -> pa.Table:
    return table(plan_generation(request(fields, volume, **kw)))


@pytest.fixture
def gen() -> Any:
    return generate
