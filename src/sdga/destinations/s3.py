"""The ``s3`` destination: a prefix named in the request (``s3://bucket/prefix``), or the configured bucket.

Objects are uploaded with SSE-KMS when a key is configured and the manifest goes last, so readers never
trust a half-written prefix (:mod:`sdga.adapters.s3`). A prefix that already holds data is only written
with ``if_exists: replace``: a re-run that failed half way would otherwise leave an earlier result with
some files overwritten and its manifest pointing at ones deleted by the clean-up.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sdga.adapters.storage import Published
from sdga.destinations.base import Destination, DestinationContext, Staged, StoredFiles, basename
from sdga.errors import ConfigurationError, InvalidInputError
from sdga.models import GenerateDataRequest


class S3Destination(Destination):
    kind = "s3"

    def __init__(self, context: DestinationContext, request: GenerateDataRequest) -> None:
        super().__init__(context, request)
        self.bucket: str | None = None
        self.prefix = ""
        if self.location:
            from sdga.adapters.s3 import parse_s3_uri

            self.bucket, self.prefix = parse_s3_uri(self.location)
        elif not self.settings.s3_bucket:
            raise ConfigurationError("destination s3 needs a location (s3://bucket/prefix) or SDGA_S3_BUCKET")

    def _store(self) -> Any:
        from sdga.adapters.s3 import S3ObjectStore

        if self.bucket is None:
            return S3ObjectStore(self.settings)  # the configured bucket and prefix
        return S3ObjectStore(self.settings, bucket=self.bucket, prefix="")

    def check(self, plan: Any) -> None:
        if self.bucket is None:
            return
        if self.if_exists == "append":
            raise InvalidInputError(
                "if_exists 'append' applies to database tables (rds); for s3 use 'fail' or 'replace'",
                details={"field": "destination.if_exists"},
            )
        if self.if_exists == "fail":
            self._store().refuse_occupied(self.prefix)

    def publish(self, staged: Staged) -> Published:
        store = self._store()
        if self.bucket is None:
            staged.response.output_location = store.location(staged.generation_id)
            staged.write_report()
            published: Published = store.publish(staged.generation_id, staged.data_dir)
            return published
        staged.response.output_location = f"s3://{self.bucket}/{self.prefix}"
        staged.write_report()
        if self.if_exists == "fail":  # another run may have taken the prefix since the check
            store.refuse_occupied(self.prefix)
        published = store.publish_to(self.prefix, staged.data_dir, staged.generation_id)
        return published


class S3Files(StoredFiles):
    """Results in S3 (``s3://bucket/key``)."""

    scheme = "s3"

    def open(self, uri: str) -> Iterator[bytes]:
        from sdga.adapters.s3 import iter_object

        return iter_object(self.settings, uri)

    def url(self, uri: str, expires_s: int = 900) -> str | None:
        from sdga.adapters.s3 import presign

        return presign(self.settings, uri, expires_s)

    def materialise(self, uris: list[str], scratch: Path) -> Path:
        from sdga.adapters.s3 import download

        scratch.mkdir(parents=True, exist_ok=True)
        out: list[Path] = [download(self.settings, u, scratch / basename(u)) for u in uris]
        return out[0] if len(out) == 1 else scratch

    def locate(self, location: str, scratch: Path) -> Path:
        if "s3" not in self.settings.allowed_destinations and self.settings.storage_backend != "s3":
            raise InvalidInputError(
                "S3 locations are not enabled here (SDGA_ALLOWED_DESTINATIONS)", details={"field": "location"}
            )
        from sdga.adapters.s3 import list_data_objects

        return self.materialise(list_data_objects(self.settings, location), scratch)
