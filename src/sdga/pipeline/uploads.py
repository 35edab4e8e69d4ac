"""Data files uploaded through the API (to measure, or as a reference), kept under a folder of their own."""

from __future__ import annotations

import uuid
from pathlib import Path

from sdga.errors import InvalidInputError
from sdga.models import UploadResponse

UPLOAD_SUFFIXES = (".csv", ".tsv", ".json", ".jsonl", ".ndjson", ".parquet", ".xml")
UPLOAD_MAX_BYTES = 64 * 2**20


def save_upload(root: Path, filename: str, content: bytes) -> UploadResponse:
    """Write ``content`` as ``root/<random>/<filename>`` (atomically); only data files are accepted."""
    name = Path(filename.replace("\\", "/")).name.strip()
    if not name or name.startswith(".") or not name.lower().endswith(UPLOAD_SUFFIXES):
        raise InvalidInputError(
            f"upload a data file ({', '.join(UPLOAD_SUFFIXES)}), got {filename[:80]!r}", details={"field": "filename"}
        )
    if len(content) > UPLOAD_MAX_BYTES:
        raise InvalidInputError(f"the file is larger than {UPLOAD_MAX_BYTES // 2**20} MiB")
    folder = root / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    tmp = folder / f".{name}.part"
    tmp.write_bytes(content)
    tmp.replace(path)
    return UploadResponse(location=str(path), filename=name, size=len(content))
