"""The offline planner against its corpus: every request must give exactly the expected plan."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from sdga.agent.planning import OfflinePlanner, Plan, PlanningError, schema_of
from sdga.knowledge import LocalKnowledgeBase
from sdga.models import FieldSpec

CORPUS = yaml.safe_load((Path(__file__).parent / "planner_corpus.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def planner() -> OfflinePlanner:
    # No memory: the corpus must not depend on earlier runs.
    return OfflinePlanner(LocalKnowledgeBase(None), today=date(2026, 1, 15))


def _fields(plan: Plan) -> dict[str, FieldSpec]:
    assert plan.request.schema_ is not None
    out: dict[str, FieldSpec] = {}
    for table in plan.request.schema_.table_list(default_name="records"):
        for f in table.fields:
            out[f"{table.name}.{f.name}"] = f
    return out


def _case_id(case: dict[str, Any]) -> str:
    return (case.get("prompt") or " || ".join(case["steps"]))[:60]


def test_corpus_is_big_and_varied() -> None:
    assert len(CORPUS) >= 60
    refusals = [c for c in CORPUS if "refuse" in c]
    follow_ups = [c for c in CORPUS if "steps" in c]
    templates = {c["expect"]["template"] for c in CORPUS if "expect" in c}
    assert len(refusals) >= 8 and len(follow_ups) >= 5
    assert {"ecommerce", "healthcare", "finance", "banking", "observability", "iot", "hr", "saas"} <= templates


@pytest.mark.parametrize("case", CORPUS, ids=_case_id)
def test_plan(planner: OfflinePlanner, case: dict[str, Any]) -> None:
    steps = case.get("steps") or [case["prompt"]]
    if "refuse" in case:
        with pytest.raises(PlanningError) as info:
            plan = None
            for step in steps:
                plan = planner.plan(step, plan)
        assert case["refuse"] in info.value.message
        return
    plan = None
    for step in steps:
        plan = planner.plan(step, plan)
    assert plan is not None
    exp, req = case["expect"], plan.request
    assert plan.template == exp["template"]
    assert req.volume == exp["volume"]
    assert req.output_format.value == exp["output_format"]
    assert req.locale == exp["locale"]
    assert [c.value for c in req.compliance_requirements] == exp.get("compliance", [])
    dest = exp.get("destination", {"type": "local"})
    assert req.destination.type.value == dest["type"]
    assert req.destination.location == dest.get("location")
    assert req.sql_dialect.value == exp.get("sql_dialect", "postgresql")
    assert req.seed == exp.get("seed")
    fields = _fields(plan)
    for path, constraints in (exp.get("fields") or {}).items():
        assert path in fields, f"{path} not in {sorted(fields)}"
        got = fields[path].constraints.model_dump()
        for key, value in constraints.items():
            assert got[key] == pytest.approx(value) if isinstance(value, float) else got[key] == value, (path, key)
    for path, ftype in (exp.get("types") or {}).items():
        assert path in fields, f"{path} not in {sorted(fields)}"
        assert fields[path].type == ftype
    volumes = {t.name: t.volume for t in schema_of(plan).table_list()}
    if exp.get("table_volumes"):  # what generation will make: a table without its own volume takes the request's
        from sdga.engine import plan_generation

        volumes = {t.name: t.volume for t in plan_generation(req).tables}
    for table, rows in (exp.get("table_volumes") or {}).items():
        assert volumes.get(table) == rows, (table, volumes)
    for path in exp.get("lacks_fields") or []:
        assert path not in fields
    if "fields_exact" in exp:
        assert [p.split(".", 1)[1] for p in fields] == exp["fields_exact"]
    # Whatever was assumed is said: a plan always explains itself.
    assert plan.explain().startswith("**Understood**")


def test_assumptions_are_stated(planner: OfflinePlanner) -> None:
    plan = planner.plan("patients for a clinic")
    text = " ".join(plan.assumptions)
    assert "volume: 1,000" in text and "format: json" in text and "locale: en_US" in text
    assert "template: healthcare" in text


def test_age_without_age_field_bounds_the_birth_date(planner: OfflinePlanner) -> None:
    plan = planner.plan("300 employees aged 30 to 40")
    dob = _fields(plan)["employees.date_of_birth"].constraints
    # 30..40 years old on 2026-01-15: born 1985-01-16 .. 1996-01-15 (a 41st birthday on 2026-01-15 is too old).
    assert (dob.min, dob.max) == ("1985-01-16", "1996-01-15")


def test_deterministic(planner: OfflinePlanner) -> None:
    prompt = "10k e-commerce order items as parquet, 5% without phone, seed 3"
    a, b = planner.plan(prompt), planner.plan(prompt)
    assert a.request_json() == b.request_json()


def test_refusal_is_helpful(planner: OfflinePlanner) -> None:
    with pytest.raises(PlanningError) as info:
        planner.plan("Generate 100 unicorn rainbows")
    assert "with fields" in info.value.message and "ecommerce" in info.value.message
    assert info.value.details and info.value.details["examples"]
    assert info.value.http_status == 422
