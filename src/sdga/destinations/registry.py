"""Destinations and stored-file readers by name, and one service's view of them.

:data:`sdga.destinations.DESTINATIONS` holds the built-in ones; a deployment or a test may build its
own :class:`DestinationRegistry` (``DESTINATIONS.copy()`` plus its own entries) and hand it to the service.
"""

from __future__ import annotations

import threading

from sdga.destinations.base import Destination, DestinationContext, StoredFiles
from sdga.errors import InvalidInputError
from sdga.models import GenerateDataRequest


class DestinationRegistry:
    """Destination classes by kind, and stored-file readers by URI scheme. Thread-safe."""

    def __init__(self) -> None:
        self._destinations: dict[str, type[Destination]] = {}
        self._files: dict[str, type[StoredFiles]] = {}
        self._lock = threading.Lock()

    def register(self, cls: type[Destination], *, replace: bool = False) -> type[Destination]:
        if not cls.kind:
            raise ValueError(f"{cls.__name__} has no kind")
        with self._lock:
            if cls.kind in self._destinations and not replace:
                raise ValueError(f"a destination of kind {cls.kind!r} is already registered")
            self._destinations[cls.kind] = cls
        return cls

    def register_files(self, cls: type[StoredFiles], *, replace: bool = False) -> type[StoredFiles]:
        with self._lock:
            if cls.scheme in self._files and not replace:
                raise ValueError(f"stored files with scheme {cls.scheme!r} are already registered")
            self._files[cls.scheme] = cls
        return cls

    def kinds(self) -> list[str]:
        with self._lock:
            return sorted(self._destinations)

    def destination_class(self, kind: str) -> type[Destination]:
        with self._lock:
            cls = self._destinations.get(kind)
        if cls is None:
            raise InvalidInputError(
                f"unknown destination {kind!r}: choose one of {', '.join(self.kinds())}",
                details={"field": "destination.type"},
            )
        return cls

    def files_class(self, scheme: str) -> type[StoredFiles]:
        """The reader for ``scheme``; a scheme nobody reads is taken as part of a local path."""
        with self._lock:
            cls = self._files.get(scheme) or self._files.get("")
        if cls is None:
            raise InvalidInputError(f"cannot read '{scheme}://' locations here", details={"field": "location"})
        return cls

    def copy(self) -> DestinationRegistry:
        other = DestinationRegistry()
        with self._lock:
            other._destinations = dict(self._destinations)
            other._files = dict(self._files)
        return other


def scheme_of(uri: str) -> str:
    """``s3`` for ``s3://bucket/key``; empty for a local path (a Windows drive letter is no scheme)."""
    head, sep, _ = uri.partition("://")
    return head.lower() if sep and len(head) > 1 and head.isalnum() else ""


class Destinations:
    """The destinations of one service: the registry's classes, built with the service's context."""

    def __init__(self, context: DestinationContext, registry: DestinationRegistry) -> None:
        self.context = context
        self.registry = registry

    def open(self, request: GenerateDataRequest) -> Destination:
        """The request's destination, its location checked; a 4xx SdgaError when it cannot be used here."""
        kind = request.destination.type.value
        cls = self.registry.destination_class(kind)
        settings = self.context.settings
        if not cls.enabled(settings, request):
            raise InvalidInputError(
                f"destination {kind!r} is not enabled here; allowed: {', '.join(settings.allowed_destinations)}",
                details={"field": "destination.type"},
            )
        return cls(self.context, request)

    def files(self, uri: str) -> StoredFiles:
        """The reader of stored files at ``uri`` (by its scheme)."""
        return self.registry.files_class(scheme_of(uri))(self.context)
