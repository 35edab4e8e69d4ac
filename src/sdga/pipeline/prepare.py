"""Everything that can refuse a generation before any work starts, in one pass.

validate the destination's location → choose the engine → check the limits (:mod:`sdga.limits`) → validate
the schema and the compliance regimes → plan → check the rows → check the destination's target → let the engine check the plan. A refusal is
a 4xx :class:`~sdga.errors.SdgaError` and nothing has been recorded or written yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sdga.config import Settings
from sdga.destinations import Destination, Destinations
from sdga.errors import NotFoundError, SchemaError, SdgaError
from sdga.execution import Engine, EngineOptions, EngineRegistry, engine_name
from sdga.limits import Limits, check_rows, check_schema
from sdga.models import GenerateDataRequest, Schema


@dataclass
class Prepared:
    """A request that passed every check: its plan, warnings, destination and engine."""

    request: GenerateDataRequest
    plan: Any
    destination: Destination
    engine: Engine
    warnings: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(int(t.volume) for t in self.plan.tables)


def template_schema(name: str) -> Schema:
    """A built-in template's schema; NotFoundError when there is none by that name."""
    from sdga.engine.templates import get_template

    try:
        return get_template(name)
    except SdgaError:
        raise
    except (KeyError, FileNotFoundError, ValueError) as exc:
        raise NotFoundError(f"no template named {name!r}") from exc


def prepare(
    request: GenerateDataRequest,
    *,
    settings: Settings,
    destinations: Destinations,
    engines: EngineRegistry,
    engine: str | None = None,
) -> Prepared:
    """Check ``request`` completely and plan it. ``engine`` overrides the request's own choice."""
    from sdga.engine import plan_generation
    from sdga.validation import enforce_compliance, validate_schema

    limits = Limits.from_settings(settings)
    destination = destinations.open(request)
    chosen = engines.create(engine_name(engine or request.engine, settings), EngineOptions(settings, settings.workers))
    schema = request.schema_ if request.schema_ is not None else template_schema(request.data_type.value)
    check_schema(schema, volume=request.volume, limits=limits)  # before any work: microseconds per field
    checked = validate_schema(
        schema, request.compliance_requirements, volume=request.volume, locale=request.locale, limits=limits
    )
    errors = [e for e in checked.errors if str(e.severity) == "error"]
    if not checked.valid or errors:
        first = errors[0] if errors else None
        where = f" ({first.field})" if first and first.field else ""
        raise SchemaError(
            f"schema is invalid{where}: {first.message if first else 'see details'}",
            details=checked.model_dump(mode="json"),
        )
    warnings = [f"{e.field}: {e.message}" if e.field else e.message for e in checked.errors if e not in errors]
    warnings += list(enforce_compliance(request))
    plan = plan_generation(request)
    check_rows(sum(int(t.volume) for t in plan.tables), limits)
    destination.check(plan)
    chosen.check(plan, request)
    return Prepared(request=request, plan=plan, destination=destination, engine=chosen, warnings=warnings)
