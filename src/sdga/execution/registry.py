"""Engines by name: ``local`` is built in; others register a factory here (see ``docs/architecture.md``).

A request names its engine in ``engine``; without one the deployment's ``SDGA_ENGINE`` applies (default
``local``). An unknown name is an :class:`~sdga.errors.InvalidInputError` naming the ones available.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sdga.errors import InvalidInputError
from sdga.execution.base import Engine, EngineOptions

if TYPE_CHECKING:
    from sdga.config import Settings

DEFAULT_ENGINE = "local"
EngineFactory = Callable[[EngineOptions], Engine]


@dataclass(frozen=True)
class EngineEntry:
    name: str
    factory: EngineFactory
    description: str = ""


class EngineRegistry:
    """Engine factories by name. Thread-safe; ``copy()`` gives an independent registry (tests, wiring)."""

    def __init__(self) -> None:
        self._entries: dict[str, EngineEntry] = {}
        self._lock = threading.Lock()

    def register(self, name: str, factory: EngineFactory, *, description: str = "", replace: bool = False) -> None:
        key = name.strip().lower()
        with self._lock:
            if key in self._entries and not replace:
                raise ValueError(f"an engine named {key!r} is already registered")
            self._entries[key] = EngineEntry(key, factory, description)

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._entries)

    def entries(self) -> list[EngineEntry]:
        with self._lock:
            return [self._entries[k] for k in sorted(self._entries)]

    def create(self, name: str, options: EngineOptions | None = None) -> Engine:
        """A new engine called ``name`` (any case); InvalidInputError when there is none."""
        key = name.strip().lower()
        with self._lock:
            entry = self._entries.get(key)
        if entry is None:
            raise InvalidInputError(
                f"unknown engine {name!r}: available engines are {', '.join(self.names()) or 'none'}",
                details={"field": "engine", "available": self.names()},
            )
        return entry.factory(options or EngineOptions())

    def copy(self) -> EngineRegistry:
        other = EngineRegistry()
        with self._lock:
            other._entries = dict(self._entries)
        return other


def engine_name(requested: str | None, settings: Settings | None = None) -> str:
    """The engine a request runs on: its own choice, else the deployment's, else ``local``."""
    if requested and requested.strip():
        return requested.strip().lower()
    configured = getattr(settings, "engine", None) if settings is not None else None
    return str(configured or DEFAULT_ENGINE).strip().lower()
