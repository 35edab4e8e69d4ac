"""Stored results read back as a download: the file itself, or a zip of several streamed on the fly."""

from __future__ import annotations

import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass


@dataclass
class DownloadStream:
    """A streamed download: the file name to offer, its media type and the bytes in chunks."""

    filename: str
    media_type: str
    chunks: Iterator[bytes]
    size: int | None = None


def media_type(name: str) -> str:
    return {
        "json": "application/json",
        "jsonl": "application/x-ndjson",
        "csv": "text/csv; charset=utf-8",
        "sql": "application/sql",
        "xml": "application/xml",
        "parquet": "application/vnd.apache.parquet",
        "md": "text/markdown; charset=utf-8",
        "zip": "application/zip",
    }.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")


class _ZipSink:
    """A write-only, unseekable file for :mod:`zipfile`: written bytes are collected and handed out."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._pos = 0

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        self._pos += len(data)
        return len(data)

    def tell(self) -> int:
        return self._pos

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


def stream_zip(entries: list[tuple[str, Callable[[], Iterator[bytes]]]]) -> Iterator[bytes]:
    """A zip archive produced on the fly (data descriptors, no seeking): memory stays at one chunk."""
    sink = _ZipSink()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:  # type: ignore[call-overload]
        for name, opener in entries:
            info = zipfile.ZipInfo(name, date_time=time.gmtime()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, mode="w", force_zip64=True) as member:
                for block in opener():
                    member.write(block)
                    if chunk := sink.take():
                        yield chunk
            if chunk := sink.take():
                yield chunk
    if chunk := sink.take():
        yield chunk
