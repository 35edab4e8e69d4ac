"""S3 object store: upload a staged directory, manifest last; read objects back as streams.

Every object is written with SSE-KMS when a key is configured (``SDGA_KMS_KEY_ID``), otherwise with the
bucket's default encryption. On a failed upload the objects already written are deleted, and since the
manifest is written last, no reader ever trusts a half-written prefix.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sdga.adapters.aws import client, error_code
from sdga.adapters.storage import CHUNK, MANIFEST_NAME, Published, write_manifest
from sdga.config import Settings
from sdga.errors import ConfigurationError, DestinationError, DestinationExistsError, InvalidInputError, NotFoundError

_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/prefix`` → (bucket, prefix without leading slash). Rejects anything else clearly."""
    if not uri.startswith("s3://"):
        raise InvalidInputError(f"not an S3 location (expected s3://bucket/prefix): {uri!r}")
    bucket, _, key = uri[5:].partition("/")
    if not _BUCKET_RE.match(bucket):
        raise InvalidInputError(f"invalid S3 bucket name in {uri!r}")
    if ".." in key.split("/"):
        raise InvalidInputError(f"'..' is not allowed in S3 keys: {uri!r}")
    return bucket, key.lstrip("/")


class S3ObjectStore:
    """Results under ``s3://<bucket>/<prefix><generation_id>/``."""

    def __init__(self, settings: Settings, bucket: str | None = None, prefix: str | None = None) -> None:
        self.settings = settings
        self.bucket = bucket or settings.s3_bucket or ""
        if not self.bucket:
            raise ConfigurationError("S3 storage needs a bucket: set SDGA_S3_BUCKET or give an s3:// location")
        self.prefix = settings.s3_prefix if prefix is None else prefix

    @property
    def _s3(self) -> Any:
        return client("s3", self.settings)

    def location(self, generation_id: str) -> str:
        return f"s3://{self.bucket}/{self.prefix}{generation_id}/"

    def _extra_args(self, content_type: str) -> dict[str, Any]:
        extra: dict[str, Any] = {"ContentType": content_type}
        if self.settings.kms_key_id:
            extra["ServerSideEncryption"] = "aws:kms"
            extra["SSEKMSKeyId"] = self.settings.kms_key_id
        return extra

    def publish(self, generation_id: str, staging: Path) -> Published:
        return self.publish_to(f"{self.prefix}{generation_id}/", staging, generation_id)

    def publish_to(self, key_prefix: str, staging: Path, generation_id: str) -> Published:
        """Upload every staged file under ``key_prefix``, then the manifest; undo on failure."""
        if key_prefix and not key_prefix.endswith("/"):
            key_prefix += "/"
        manifest = write_manifest(staging, generation_id, {"bucket": self.bucket, "prefix": key_prefix})
        written: list[str] = []
        try:
            for entry in manifest["files"]:
                key = key_prefix + entry["name"]
                self._s3.upload_file(
                    str(staging / entry["name"]), self.bucket, key, ExtraArgs=self._extra_args(_content_type(key))
                )
                written.append(key)
            self._s3.put_object(
                Bucket=self.bucket,
                Key=key_prefix + MANIFEST_NAME,
                Body=json.dumps(manifest, indent=2).encode(),
                **self._extra_args("application/json"),
            )
        except BaseException as exc:
            self._delete_keys(written)
            if not isinstance(exc, Exception):  # Ctrl-C, SystemExit: cleaned up, now let it through
                raise
            code = error_code(exc)
            raise DestinationError(
                f"upload to s3://{self.bucket}/{key_prefix} failed: {code or type(exc).__name__}: {exc}",
                details={"bucket": self.bucket, "prefix": key_prefix, "aws_error": code},
            ) from exc
        base = f"s3://{self.bucket}/{key_prefix}"
        return Published(
            location=base, files=[base + e["name"] for e in manifest["files"]], manifest=base + MANIFEST_NAME
        )

    def refuse_occupied(self, key_prefix: str) -> None:
        """DestinationExistsError when anything is stored under ``key_prefix`` (one cheap LIST of one key)."""
        if key_prefix and not key_prefix.endswith("/"):
            key_prefix += "/"
        try:
            page = self._s3.list_objects_v2(Bucket=self.bucket, Prefix=key_prefix, MaxKeys=1)
        except Exception as exc:
            code = error_code(exc)
            raise DestinationError(
                f"cannot check s3://{self.bucket}/{key_prefix}: {code or type(exc).__name__}: {exc}",
                details={"bucket": self.bucket, "prefix": key_prefix, "aws_error": code},
            ) from exc
        found = page.get("Contents") or []
        if found:  # a conflict the caller resolves (HTTP 409, exit code 2), not a failing destination
            raise DestinationExistsError(
                f"s3://{self.bucket}/{key_prefix} already holds data (e.g. {found[0]['Key']}); choose another "
                "prefix, or set destination.if_exists to 'replace' to overwrite it",
                details={"bucket": self.bucket, "prefix": key_prefix, "existing": found[0]["Key"]},
            )

    def _delete_keys(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            chunk = keys[start : start + 1000]
            # Best effort: the manifest was never written, so nothing trusts these keys anyway.
            with contextlib.suppress(Exception):
                self._s3.delete_objects(Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in chunk]})

    def delete(self, generation_id: str) -> None:
        prefix = f"{self.prefix}{generation_id}/"
        keys = [obj["Key"] for obj in self._list(prefix)]
        self._delete_keys(keys)

    def _list(self, prefix: str) -> Iterator[dict[str, Any]]:
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            yield from page.get("Contents", [])


def _content_type(key: str) -> str:
    suffix = key.rsplit(".", 1)[-1].lower()
    return {
        "json": "application/json",
        "jsonl": "application/x-ndjson",
        "csv": "text/csv",
        "sql": "application/sql",
        "xml": "application/xml",
        "md": "text/markdown",
        "parquet": "application/vnd.apache.parquet",
    }.get(suffix, "application/octet-stream")


def read_manifest(settings: Settings, uri: str) -> dict[str, Any] | None:
    """The complete manifest under an s3:// prefix, or None."""
    bucket, key = parse_s3_uri(uri)
    if key and not key.endswith("/"):
        key += "/"
    try:
        body = client("s3", settings).get_object(Bucket=bucket, Key=key + MANIFEST_NAME)["Body"].read()
        data = json.loads(body)
    except Exception:
        return None
    return data if isinstance(data, dict) and data.get("complete") is True else None


def list_data_objects(settings: Settings, uri: str) -> list[str]:
    """The data objects under an s3:// prefix (or the single object): the manifest's files when it exists."""
    bucket, key = parse_s3_uri(uri)
    s3 = client("s3", settings)
    manifest = read_manifest(settings, uri)
    if manifest is not None:
        base = key if not key or key.endswith("/") else key + "/"
        return [f"s3://{bucket}/{base}{f['name']}" for f in manifest.get("files", [])]
    found: list[str] = []
    try:
        paginator = s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=key):
            for obj in page.get("Contents", []):
                name = obj["Key"]
                if name.endswith("/") or name.rsplit("/", 1)[-1] == MANIFEST_NAME:
                    continue
                found.append(f"s3://{bucket}/{name}")
    except Exception as exc:
        raise NotFoundError(f"cannot list {uri}: {error_code(exc) or exc}") from exc
    if not found:
        raise NotFoundError(f"no objects under {uri}")
    return found


def download(settings: Settings, uri: str, dest: Path) -> Path:
    """Copy one object to ``dest`` (a file path)."""
    bucket, key = parse_s3_uri(uri)
    try:
        client("s3", settings).download_file(bucket, key, str(dest))
    except Exception as exc:
        code = error_code(exc)
        if code in ("404", "NoSuchKey", "NoSuchBucket"):
            raise NotFoundError(f"object not found: {uri}") from exc
        raise DestinationError(f"cannot read {uri}: {code or exc}") from exc
    return dest


def iter_object(settings: Settings, uri: str, chunk: int = CHUNK) -> Iterator[bytes]:
    """Stream one object in chunks."""
    bucket, key = parse_s3_uri(uri)
    try:
        body = client("s3", settings).get_object(Bucket=bucket, Key=key)["Body"]
    except Exception as exc:
        code = error_code(exc)
        if code in ("404", "NoSuchKey", "NoSuchBucket"):
            raise NotFoundError(f"object not found: {uri}") from exc
        raise DestinationError(f"cannot read {uri}: {code or exc}") from exc
    try:
        while block := body.read(chunk):
            yield block
    finally:
        body.close()


def presign(settings: Settings, uri: str, expires_s: int = 900) -> str:
    """A time-limited GET URL for one object (downloads from Lambda, which cannot stream large bodies)."""
    bucket, key = parse_s3_uri(uri)
    url: str = client("s3", settings).generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_s
    )
    return url
