"""The ``local`` destination: a directory or file named in the request, or the deployment's store.

With a location, the staged directory is renamed into place (a named file for one table; the report goes
beside it); without one, the result is kept under its generation id in the configured store (which is
S3 on a deployment that stores results there). Local paths from requests are confined by
:class:`~sdga.destinations.paths.PathPolicy`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sdga.adapters.storage import Published, iter_local_file, publish_local, publish_local_file
from sdga.config import Settings
from sdga.destinations.base import Destination, DestinationContext, Staged, StoredFiles
from sdga.errors import NotFoundError
from sdga.models import GenerateDataRequest

# A location ending in one of these (and not an existing directory) names the output file itself.
_EXTENSIONS = {"json", "jsonl", "csv", "sql", "parquet", "xml"}


class LocalDestination(Destination):
    kind = "local"

    def __init__(self, context: DestinationContext, request: GenerateDataRequest) -> None:
        super().__init__(context, request)
        self.target = context.paths.resolve_output(self.location) if self.location else None

    @classmethod
    def enabled(cls, settings: Settings, request: GenerateDataRequest) -> bool:
        # 'local' without a location means "the deployment's store": allowed even where that store is S3.
        default_store = not request.destination.location and settings.storage_backend == "s3"
        return default_store or super().enabled(settings, request)

    def publish(self, staged: Staged) -> Published:
        if self.target is None:
            if self.settings.storage_backend == "s3":
                staged.response.warnings.append(
                    "this deployment stores results in S3: 'local' was written to the bucket"
                )
            return self.publish_to_store(staged)
        assert self.location is not None
        target = self.context.paths.resolve_output(self.location)  # again: the tree may have changed meanwhile
        staged.response.output_location = str(target)
        staged.write_report()
        if target.suffix.lstrip(".").lower() in _EXTENSIONS and not target.is_dir():
            return publish_local_file(staged.data_dir, target, staged.generation_id)
        return publish_local(staged.data_dir, target, staged.generation_id)


class LocalFiles(StoredFiles):
    """Results on this machine's file system."""

    scheme = ""

    def open(self, uri: str) -> Iterator[bytes]:
        return iter_local_file(Path(uri))

    def size(self, uri: str) -> int | None:
        try:
            return Path(uri).stat().st_size
        except OSError:
            return None

    def materialise(self, uris: list[str], scratch: Path) -> Path:
        paths = [Path(u) for u in uris]
        missing = [p.name for p in paths if not p.exists()]
        if missing:
            raise NotFoundError(f"stored files are missing: {', '.join(missing)}")
        if len(paths) == 1:
            return paths[0]
        scratch.mkdir(parents=True, exist_ok=True)
        for p in paths:
            (scratch / p.name).symlink_to(p)
        return scratch

    def locate(self, location: str, scratch: Path) -> Path:
        return self.context.paths.resolve_local(location, must_exist=True)
