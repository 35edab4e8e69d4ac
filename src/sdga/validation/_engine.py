"""The validator's view of the engine: type catalogue, unique capacity and the regex subset it generates.

The engine owns this knowledge; these wrappers only keep validation usable (with the model's static type
list) in a stripped-down install where the engine cannot be imported.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sdga.errors import SdgaError
from sdga.models import FAKER_TYPE_PREFIX, FIELD_TYPES, FieldSpec


def is_known_type(name: str) -> bool:
    try:
        from sdga.engine.fields import is_known_type as engine_is_known
    except ImportError:  # pragma: no cover - engine always ships with the package
        return name in FIELD_TYPES or name.startswith(FAKER_TYPE_PREFIX)
    return bool(engine_is_known(name))


def known_type_names() -> list[str]:
    """Names of every type the engine generates (for 'did you mean' suggestions)."""
    try:
        from sdga.engine.fields import describe_types
    except ImportError:  # pragma: no cover
        return sorted(FIELD_TYPES)
    names: list[str] = []
    for entry in describe_types():
        name = entry.get("name") if isinstance(entry, dict) else getattr(entry, "name", None)
        if isinstance(name, str):
            names.append(name)
    return sorted(set(names) | set(FIELD_TYPES))


def unique_capacity(spec: FieldSpec, locale: str) -> tuple[int | None, str | None]:
    """(distinct values the field's generator can produce or None if unbounded, why it cannot be unique)."""
    try:
        from sdga.engine.fields import unique_capacity as engine_capacity
    except ImportError:  # pragma: no cover
        return None, None
    try:
        result: Any = engine_capacity(spec, locale)
    except SdgaError as exc:
        return None, exc.message
    except Exception:  # capacity is best effort here; the plan check below reports the engine's own error
        return None, None
    return (int(result) if result is not None else None), None


def plan_problems(schema: Any, volume: int | None, locale: str) -> tuple[str | None, list[str], dict[str, Any]]:
    """Ask the engine to plan the schema: (its error message if it refuses, its warnings, the error's details).

    The safety net behind the explicit checks: whatever else would stop generation shows up here. The
    details name the field (``field``) and, for rules, the unknown name (``unknown``) or the cycle (``cycle``).
    """
    try:
        from sdga.engine import plan_generation
        from sdga.models import GenerateDataRequest
    except ImportError:  # pragma: no cover
        return None, [], {}
    try:
        request = GenerateDataRequest.model_validate(
            {"schema": schema.model_dump(mode="json", by_alias=True), "volume": max(1, volume or 1), "locale": locale}
        )
        plan = plan_generation(request)
    except SdgaError as exc:
        return exc.message, [], dict(exc.details) if isinstance(exc.details, dict) else {}
    except Exception as exc:  # a validation error of the request itself (e.g. unsupported locale)
        return " ".join(str(exc).split())[:300], [], {}
    return None, list(plan.warnings), {}


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be generated, or None when it can.

    Python must compile it, and the engine's pattern compiler (when it exposes one) must accept it:
    generators support a subset of regex syntax (no look-arounds or back-references).
    """
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"does not compile: {exc}"
    try:
        from sdga.engine import patterns as engine_patterns  # type: ignore[attr-defined]
    except ImportError:
        return None
    check = getattr(engine_patterns, "pattern_problem", None) or getattr(engine_patterns, "check_pattern", None)
    if check is not None:
        try:
            problem = check(pattern)
        except Exception as exc:
            return f"is outside the generable regex subset: {exc}"
        return str(problem) if problem else None
    compile_fn = getattr(engine_patterns, "compile_pattern", None)
    if compile_fn is not None:
        try:
            compile_fn(pattern)
        except Exception as exc:
            return f"is outside the generable regex subset: {exc}"
    return None


def date_bound(value: Any, *, relative_to_now: bool, field: str) -> tuple[datetime | None, str | None]:
    """A date/datetime bound as a naive UTC datetime, or the reason it cannot be read.

    The engine accepts ISO 8601 and relative expressions ('-3y', 'now', 'today-30d'); its parser decides.
    """
    try:
        from sdga.engine.temporal import reference_point, to_datetime
    except ImportError:  # pragma: no cover
        try:
            return datetime.fromisoformat(str(value).strip()).replace(tzinfo=None), None
        except ValueError:
            return None, f"cannot read date bound '{value}' (use ISO 8601 like 2024-01-31)"
    try:
        parsed = to_datetime(value, ref=reference_point(relative_to_now), field=field)
    except SdgaError as exc:
        return None, exc.message
    return parsed.astimezone(UTC).replace(tzinfo=None), None
