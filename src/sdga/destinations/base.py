"""What a destination is: a place a generation's result is published to, and read back from.

The service runs every generation the same way — validate, plan, check the destination, write into a
private staging directory, measure, publish, record — and leaves everything that depends on *where*
the data goes to a :class:`Destination`:

* building one (``Destination(context, request)``) checks the request's location (syntax, allowed
  paths, configuration) before any work: it raises a 4xx :class:`~sdga.errors.SdgaError`;
* :meth:`Destination.check` checks the place itself once the plan is known (a table or prefix that
  already holds data), still before anything is generated;
* :meth:`Destination.staging_format` and :meth:`Destination.sample_rows` say how to stage the data;
* :meth:`Destination.publish` makes the staged result visible, as its last and atomic step.

Stored results are read back (downloads, reports, quality metrics) by :class:`StoredFiles`, one per
kind of location (local paths, ``s3://`` ...), chosen by the URI's scheme.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

from sdga.adapters.storage import ObjectStore, Published
from sdga.config import Settings
from sdga.destinations.paths import PathPolicy
from sdga.models import GenerateDataRequest, GenerateDataResponse, OutputFormat


@dataclass
class DestinationContext:
    """What every destination may use: the settings, the deployment's object store (where results are
    kept by generation id) and the rules for local paths."""

    settings: Settings
    store: ObjectStore
    paths: PathPolicy


@dataclass
class Staged:
    """A generation written to ``data_dir`` and measured, ready to publish.

    ``sample()`` gives the first rows of every table (at least :meth:`Destination.sample_rows` of them);
    ``write_report()`` writes ``report.md`` into ``data_dir`` from ``response`` as it is at that moment,
    so a destination sets ``response.output_location`` first.
    """

    generation_id: str
    request: GenerateDataRequest
    plan: Any
    data_dir: Path
    response: GenerateDataResponse
    sample: Callable[[], dict[str, pa.Table]]
    write_report: Callable[[], object]


class Destination(ABC):
    """One request's destination. Subclasses set :attr:`kind` (a ``DestinationType`` value)."""

    kind: ClassVar[str] = ""

    def __init__(self, context: DestinationContext, request: GenerateDataRequest) -> None:
        self.context = context
        self.settings = context.settings
        self.request = request
        self.location = request.destination.location
        self.if_exists = request.destination.if_exists

    @classmethod
    def enabled(cls, settings: Settings, request: GenerateDataRequest) -> bool:
        """Whether this deployment accepts the destination (``SDGA_ALLOWED_DESTINATIONS``)."""
        return cls.kind in settings.allowed_destinations

    def check(self, plan: Any) -> None:  # noqa: B027 - an optional hook: most places need no check
        """Refuse, before generating, a place that cannot take the result (e.g. it already holds data)."""

    def staging_format(self) -> OutputFormat:
        """The format the data is staged in (a database load reads Parquet, whatever was asked for)."""
        return self.request.output_format

    def sample_rows(self) -> int:
        """How many first rows of each table :meth:`publish` needs from ``Staged.sample``."""
        return 0

    @abstractmethod
    def publish(self, staged: Staged) -> Published:
        """Make the staged result visible (the last step; atomic) and say where it went.

        Sets ``staged.response.output_location`` before ``staged.write_report()``. Consumes the staging
        directory's files. The returned location is what responses show (secrets hidden); its files are
        URIs that :class:`StoredFiles` can read back (the report among them, as ``.../report.md``).
        """

    def public_location(self) -> str | None:
        """The location as history and reports may show it (secrets hidden)."""
        return self.location

    def describe(self) -> str:
        """Where the data goes, in a few words (logs, messages)."""
        where = self.public_location()
        return f"{self.kind} {where}" if where else f"{self.kind} (the deployment's store)"

    def publish_to_store(self, staged: Staged) -> Published:
        """Publish into the deployment's object store, under the generation id."""
        store = self.context.store
        staged.response.output_location = store.location(staged.generation_id)
        staged.write_report()
        return store.publish(staged.generation_id, staged.data_dir)


class StoredFiles(ABC):
    """Reads stored results back from one kind of location. :attr:`scheme` is the URI scheme it reads
    (``s3`` for ``s3://...``); the empty scheme is local paths."""

    scheme: ClassVar[str] = ""

    def __init__(self, context: DestinationContext) -> None:
        self.context = context
        self.settings = context.settings

    @abstractmethod
    def open(self, uri: str) -> Iterator[bytes]:
        """One stored file's bytes, in chunks."""

    def size(self, uri: str) -> int | None:
        """One stored file's size in bytes, when known cheaply."""
        return None

    def url(self, uri: str, expires_s: int = 900) -> str | None:
        """A time-limited URL a client can fetch the file from directly (None where there is none)."""
        return None

    @abstractmethod
    def materialise(self, uris: list[str], scratch: Path) -> Path:
        """Stored files as local files: one file, or a directory holding them (in ``scratch`` if copied)."""

    @abstractmethod
    def locate(self, location: str, scratch: Path) -> Path:
        """Data a request points at (a file, a directory, a prefix) as local files, checked against what
        this deployment allows."""


def basename(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]
