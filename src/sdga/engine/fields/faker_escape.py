"""The escape hatch: ``faker:<method>`` calls any Faker provider method, one call per value.

The only per-row path in the engine, kept for the long tail of value kinds no built-in type covers.
Methods that could emit real identifiers are routed to the safe built-in types by the planner, and the
Faker used here has its primitives replaced by safe ones (:mod:`sdga.engine.fakersafe`).
"""

from __future__ import annotations

import inspect
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa
from faker import Faker

from sdga.engine.context import Draw
from sdga.engine.fakersafe import make_safe
from sdga.engine.fields.registry import TypeDef, register_prefixed
from sdga.engine.vocab import faker_for, new_faker
from sdga.errors import SchemaError
from sdga.models.schema import FAKER_TYPE_PREFIX, FieldSpec


def faker_method(f: FieldSpec, locale: str) -> Callable[[], Any]:
    name = f.type[len(FAKER_TYPE_PREFIX) :]
    fake = faker_for(locale)
    if not name or name.startswith("_") or name in {"seed", "seed_instance", "seed_locale", "unique", "optional"}:
        raise SchemaError(f"field '{f.name}': '{f.type}' does not name a Faker provider method")
    try:
        fn = getattr(fake, name)
    except AttributeError as exc:
        raise SchemaError(f"field '{f.name}': Faker has no provider method '{name}' for locale {locale}") from exc
    if not callable(fn):
        raise SchemaError(f"field '{f.name}': Faker attribute '{name}' is not a method")
    try:
        needed = [
            p.name
            for p in inspect.signature(fn).parameters.values()
            if p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        needed = []
    if needed:  # faker:<method> calls the method without arguments
        raise SchemaError(f"field '{f.name}': Faker method '{name}' needs arguments ({', '.join(needed)})")
    return fn  # type: ignore[no-any-return]


def _faker_value(value: Any) -> Any:
    if isinstance(value, Iterator):  # e.g. time_series: its repr would hold a memory address
        value = list(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list | tuple | dict | set):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


_faker_local = threading.local()


def _private_faker(locale: str) -> Faker:
    """A Faker owned by this thread: re-seeding it cannot disturb a generation running in another thread."""
    fakers: dict[str, Faker] | None = getattr(_faker_local, "fakers", None)
    if fakers is None:
        fakers = _faker_local.fakers = {}
    fake = fakers.get(locale)
    if fake is None:
        faker_for(locale)  # validates the locale
        fake = fakers[locale] = make_safe(new_faker(locale), locale)
    return fake


def gen_faker(d: Draw) -> pa.Array:
    """Slow path: one Faker call per value, seeded per block so it stays deterministic."""
    faker_method(d.spec, d.ctx.locale)  # validates the method name
    fake = _private_faker(d.ctx.locale)
    fake.seed_instance((d.key("faker") & ((1 << 63) - 1)) ^ max(d.ctx.block, 0))
    fn = getattr(fake, d.spec.type[len(FAKER_TYPE_PREFIX) :])
    try:
        return pa.array([_faker_value(fn()) for _ in range(d.n)], pa.string())
    except Exception as exc:  # Faker raises anything (UnsupportedFeature, TypeError, ...): a schema problem
        raise SchemaError(f"field '{d.spec.name}': {d.spec.type} failed: {type(exc).__name__}: {exc}") from exc


FAKER_TYPE = TypeDef(
    "faker:<method>",
    "Any Faker provider method, e.g. faker:license_plate. Slow path: one Faker call per value "
    "(deterministic, seeded per block); values are strings. Methods that could emit real identifiers "
    "(email, phone_number, ssn, credit_card_number, ipv4, iban, ...) use the safe built-in type instead.",
    "escape hatch",
    lambda _f: pa.string(),
    gen_faker,
    None,
    example="faker:license_plate",
)

register_prefixed(FAKER_TYPE_PREFIX, FAKER_TYPE)
