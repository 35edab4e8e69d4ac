"""How well the offline planner understands requests: accuracy per plan fact and exact-match rate.

An evaluation case is a request (or a conversation) and the facts a correct plan has (see
``tests/agent/eval/README.md``): the outcome (plan, question or refusal), the template or tables, rows
per table and children per parent, format and SQL dialect, locale, compliance regimes, destination,
seed and constraints on fields. Every plan is also held to the defaults a user did not override
(json, en_US, no compliance regime, a local destination, no seed), so a plan that adds what nobody
asked for is wrong. ``bench/agent_eval.py`` prints the figures; the test suite asserts a floor.
"""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sdga.agent.planning import ClarificationNeeded, OfflinePlanner, Plan, PlanningError

DIMENSIONS = (
    "outcome", "domain", "counts", "format", "dialect", "locale", "compliance", "destination", "seed", "constraints",
)  # fmt: skip
_DEFAULTS: dict[str, Any] = {
    "format": "json",
    "locale": "en_US",
    "compliance": [],
    "destination": {"type": "local"},
    "seed": None,
}


@dataclass
class CaseResult:
    id: str
    prompt: str
    outcome: str
    checks: dict[str, bool] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return all(self.checks.values())


@dataclass
class Report:
    name: str
    results: list[CaseResult]
    seconds: float

    def accuracy(self) -> dict[str, tuple[int, int]]:
        """Per dimension: (right, applicable)."""
        out: dict[str, tuple[int, int]] = {}
        for dim in DIMENSIONS:
            seen = [r.checks[dim] for r in self.results if dim in r.checks]
            out[dim] = (sum(seen), len(seen))
        return out

    @property
    def exact(self) -> float:
        return sum(r.exact for r in self.results) / len(self.results) if self.results else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "set": self.name,
            "requests": len(self.results),
            "exact_match": round(self.exact, 4),
            "accuracy": {d: round(a / n, 4) if n else None for d, (a, n) in self.accuracy().items()},
            "applicable": {d: n for d, (_a, n) in self.accuracy().items()},
            "seconds": round(self.seconds, 2),
            "misses": [{"id": r.id, "prompt": r.prompt, "problems": r.problems} for r in self.results if not r.exact],
        }

    def render(self) -> str:
        lines = [f"{self.name}: {len(self.results)} requests, exact match {self.exact:.1%} "
                 f"({sum(r.exact for r in self.results)}/{len(self.results)}), {self.seconds:.1f} s"]  # fmt: skip
        for dim, (right, n) in self.accuracy().items():
            if n:
                lines.append(f"  {dim:<12} {right / n:6.1%}  ({right}/{n})")
        return "\n".join(lines)


def load_cases(path: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [c for c in data if isinstance(c, dict)]


# ------------------------------------------------------------------------------------------ checks
def _alts(spec: Any) -> list[str]:
    return [s.strip() for s in str(spec).split("|")]


def _tables(plan: Plan) -> dict[str, Any]:
    schema = plan.request.schema_
    assert schema is not None
    return {t.name: t for t in schema.table_list(default_name="records")}


def _find_table(plan: Plan, spec: str) -> Any:
    tables = _tables(plan)
    if spec == "*":
        return next(iter(tables.values())) if len(tables) == 1 else None
    return next((tables[a] for a in _alts(spec) if a in tables), None)


def _find_fields(plan: Plan, path: str) -> list[tuple[Any, Any]]:
    """Fields a path names: ``table.field``, ``*.field``, alternatives with ``|`` on either side."""
    out: list[tuple[Any, Any]] = []
    for alt in _alts(path):
        table_spec, _, field_spec = alt.partition(".")
        for t in _tables(plan).values():
            if table_spec != "*" and not fnmatch.fnmatch(t.name, table_spec):
                continue
            out += [(t, f) for f in t.fields if fnmatch.fnmatch(f.name, field_spec)]
        if out:
            return out
    return out


def _rows(plan: Plan, table: Any) -> int | None:
    if table.volume is not None:
        return int(table.volume)
    if any(f.type == "reference" and f.cardinality is not None for f in table.fields):
        return None
    return plan.request.volume


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return abs(float(a) - float(b)) <= 1e-6 * max(1.0, abs(float(b)))
    return str(a).lower() == str(b).lower()


def _check_field(f: Any, expect: dict[str, Any]) -> list[str]:
    c = f.constraints
    bad: list[str] = []
    for key, want in expect.items():
        if key == "type":
            if f.type not in _alts(want):
                bad.append(f"type {f.type} != {want}")
        elif key in {"min", "max"}:
            got = getattr(c, key)
            if got is None or not _same(got, want):
                bad.append(f"{key} {got} != {want}")
        elif key == "enum":
            got = {str(e).lower() for e in c.enum or []}
            if got != {str(e).lower() for e in want}:
                bad.append(f"enum {sorted(got)} != {sorted(want)}")
        elif key == "weights":
            enum = [str(e).lower() for e in c.enum or []]
            weights = c.weights or []
            total = sum(weights) or 1.0
            for value, share in want.items():
                got_share = weights[enum.index(str(value).lower())] / total if str(value).lower() in enum and len(
                    weights) == len(enum) else None  # fmt: skip
                if got_share is None or abs(got_share - float(share)) > 0.005:
                    bad.append(f"share of {value} {got_share} != {share}")
        elif key == "null_rate":
            rate = c.null_rate if c.null_rate is not None else (0.1 if c.nullable else 0.0)
            if abs(rate - float(want)) > 1e-6:
                bad.append(f"null_rate {rate} != {want}")
        elif key == "unique":
            if bool(c.unique) != bool(want):
                bad.append(f"unique {c.unique} != {want}")
        elif key == "edge_cases":
            got = {str(e.value if hasattr(e, "value") else e) for e in c.edge_cases}
            if not set(want) <= got:
                bad.append(f"edge cases {sorted(got)} lack {sorted(set(want) - got)}")
        elif key == "distribution":
            kind = c.distribution.kind.value if c.distribution else None
            if kind not in _alts(want):
                bad.append(f"distribution {kind} != {want}")
        else:
            bad.append(f"unknown check {key}")
    return bad


def check(plan: Plan | None, outcome: str, expect: dict[str, Any]) -> tuple[dict[str, bool], list[str]]:
    want_outcome = expect.get("outcome", "plan")
    checks: dict[str, bool] = {"outcome": outcome == want_outcome}
    problems: list[str] = [] if checks["outcome"] else [f"outcome {outcome} != {want_outcome}"]
    if want_outcome != "plan":
        return checks, problems
    facts = {**_DEFAULTS, **expect}

    def dim(name: str, ok: bool, why: str) -> None:
        checks[name] = checks.get(name, True) and ok
        if not ok:
            problems.append(why)

    if plan is None:
        for name in ("domain", "counts", "format", "locale", "compliance", "destination", "seed"):
            checks[name] = False
        if "fields" in expect or "absent" in expect:
            checks["constraints"] = False
        return checks, problems
    req = plan.request
    if "template" in expect or "tables" in expect:
        if "template" in expect:
            want = _alts(expect["template"])
            got = plan.template or "custom"
            dim("domain", got in want, f"template {got} not in {want}")
        for spec in expect.get("tables") or []:
            dim("domain", _find_table(plan, spec) is not None, f"no table {spec} in {sorted(_tables(plan))}")
    if "counts" in expect or "cardinality" in expect:
        for spec, rows in (expect.get("counts") or {}).items():
            table = _find_table(plan, spec)
            n = _rows(plan, table) if table is not None else None
            dim("counts", n == rows, f"rows of {spec}: {n} != {rows}")
        for path, card in (expect.get("cardinality") or {}).items():
            found = _find_fields(plan, path)
            got_card = found[0][1].cardinality if found else None
            ok = got_card is not None and all(getattr(got_card, k) == v for k, v in card.items())
            dim("counts", ok, f"cardinality of {path}: {got_card} != {card}")
    dim("format", req.output_format.value == facts["format"], f"format {req.output_format.value} != {facts['format']}")
    if req.output_format.value == "sql" or "dialect" in expect:
        want = expect.get("dialect", "postgresql")
        dim("dialect", req.sql_dialect.value == want, f"dialect {req.sql_dialect.value} != {want}")
    dim("locale", req.locale == facts["locale"], f"locale {req.locale} != {facts['locale']}")
    got_c = sorted(c.value for c in req.compliance_requirements)
    dim("compliance", got_c == sorted(facts["compliance"]), f"compliance {got_c} != {sorted(facts['compliance'])}")
    dest = facts["destination"]
    ok = req.destination.type.value == dest["type"] and req.destination.location == dest.get("location")
    dim("destination", ok, f"destination {req.destination.type.value}:{req.destination.location} != {dest}")
    dim("seed", req.seed == facts["seed"], f"seed {req.seed} != {facts['seed']}")
    if "fields" in expect or "absent" in expect:
        for path, want in (expect.get("fields") or {}).items():
            found = _find_fields(plan, path)
            if not found:
                dim("constraints", False, f"no field {path}")
                continue
            errors = [_check_field(f, want) for _t, f in found]
            best = min(errors, key=len)
            dim("constraints", not best, f"{path}: {'; '.join(best)}")
        for path in expect.get("absent") or []:
            dim("constraints", not _find_fields(plan, path), f"{path} still present")
    return checks, problems


def run_case(planner: OfflinePlanner, case: dict[str, Any]) -> CaseResult:
    steps = case.get("steps") or [case["prompt"]]
    plan: Plan | None = None
    outcome = "plan"
    try:
        for step in steps:
            plan = planner.plan(step, plan)
    except ClarificationNeeded:
        outcome, plan = "question", None
    except PlanningError:
        outcome, plan = "refusal", None
    checks, problems = check(plan, outcome, case.get("expect") or {})
    return CaseResult(str(case.get("id")), " || ".join(steps), outcome, checks, problems)


def evaluate(planner: OfflinePlanner, cases: Iterable[dict[str, Any]], name: str = "set") -> Report:
    started = time.perf_counter()
    results = [run_case(planner, c) for c in cases]
    return Report(name, results, time.perf_counter() - started)
