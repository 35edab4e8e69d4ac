"""Where generated files end up: publish a staged directory atomically, read it back, stream it.

A generation is always written to a private staging directory first. Publishing then makes the whole set
visible at once:

* **local**: the staging directory is renamed into place (one ``rename`` = atomic on one filesystem;
  across filesystems it is first copied to a hidden sibling of the target, then renamed). Into an existing
  directory, files are renamed one by one and the manifest goes last; what they replace is kept until the
  set is complete, so a failure restores the earlier result.
* **S3** (:mod:`sdga.adapters.s3`): S3 has no rename, so data objects are uploaded first and the
  ``_manifest.json`` object last; readers trust only a prefix whose manifest exists (the commit-marker
  pattern used by table formats). Copy-then-delete would double the bytes moved for large results.

A manifest lists the files and their sizes; the history record is written after the manifest, so a
generation is either fully visible (history ``success``/``partial``) or not at all.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from sdga.errors import DestinationError, InvalidInputError, NotFoundError

MANIFEST_NAME = "_manifest.json"
CHUNK = 1 << 20


@dataclass
class Published:
    """What a publish made visible: the location (directory, file or s3:// prefix) and every file URI."""

    location: str
    files: list[str] = field(default_factory=list)
    manifest: str | None = None


class ObjectStore(Protocol):
    """Stored results of generations, addressed by generation id."""

    def publish(self, generation_id: str, staging: Path) -> Published: ...

    def location(self, generation_id: str) -> str: ...

    def delete(self, generation_id: str) -> None: ...


def write_manifest(staging: Path, generation_id: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Describe every file in ``staging`` (name, size) in ``_manifest.json`` and return the manifest.

    Files in subdirectories (an engine that writes a directory of part files per table) are listed by their
    relative path (``orders/part-00000.parquet``); hidden files (checksums, temporaries) are left out. What an
    engine already described in a manifest of its own in ``staging`` (tables, row counts, seed) is kept.
    """
    files = sorted(
        p
        for p in staging.rglob("*")
        if p.is_file()
        and p.name != MANIFEST_NAME
        and not any(part.startswith(".") for part in p.relative_to(staging).parts)
    )
    earlier = read_local_manifest(staging) or {}
    manifest = {
        **{k: v for k, v in earlier.items() if k not in ("files", "created_at", "complete")},
        "generation_id": generation_id,
        "created_at": datetime.now(UTC).isoformat(),
        "complete": True,
        "files": [{"name": p.relative_to(staging).as_posix(), "size": p.stat().st_size} for p in files],
        **(extra or {}),
    }
    (staging / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def publish_local(staging: Path, target: Path, generation_id: str) -> Published:
    """Make the files of ``staging`` visible at ``target`` (a directory) all at once; consumes ``staging``."""
    manifest = write_manifest(staging, generation_id)
    names = [f["name"] for f in manifest["files"]]
    target = target.expanduser()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists() or (target.is_dir() and not any(target.iterdir())):
            _rename_dir(staging, target)
        elif target.is_dir():
            _publish_into(staging, target, names)
            shutil.rmtree(staging, ignore_errors=True)
        else:
            raise DestinationError(f"destination {target} exists and is not a directory")
        _fsync_dir(target.parent)
    except OSError as exc:
        raise DestinationError(f"cannot publish to {target}: {exc.strerror or exc}") from exc
    resolved = target.resolve()
    return Published(
        location=str(resolved),
        files=[str(resolved / n) for n in names],
        manifest=str(resolved / MANIFEST_NAME),
    )


def _publish_into(staging: Path, target: Path, names: list[str]) -> None:
    """Move staged files into an existing directory; the manifest is the last file to appear.

    An earlier result's manifest is set aside first, so the directory reads as incomplete meanwhile.
    """
    aside = target / MANIFEST_NAME
    _move_all(
        [(staging / n, target / n) for n in [*names, MANIFEST_NAME]], set_aside=aside if aside.is_file() else None
    )


def _move_all(moves: list[tuple[Path, Path]], *, set_aside: Path | None = None) -> None:
    """Rename files into place in order, all or nothing.

    Each rename is atomic but the set is not, so every file about to be replaced is kept under a hidden
    hard link (``set_aside`` is moved away before the first rename), and a failure (an OS error or
    Ctrl-C) puts back exactly what was there before.
    """
    tag = uuid.uuid4().hex[:8]
    kept: dict[Path, Path] = {}  # replaced file -> its hidden copy
    moved: list[Path] = []
    try:
        if set_aside is not None:
            kept[set_aside] = set_aside.with_name(f".{set_aside.name}.sdga-{tag}")
            os.replace(set_aside, kept[set_aside])
        for src, dst in moves:
            if dst.is_file() and dst not in kept:
                kept[dst] = dst.with_name(f".{dst.name}.sdga-{tag}")
                _keep_copy(dst, kept[dst])
            dst.parent.mkdir(parents=True, exist_ok=True)  # a table's directory of part files
            _move_file(src, dst)
            moved.append(dst)
    except BaseException:
        for path in moved:
            if path not in kept:
                path.unlink(missing_ok=True)
        for path, copy in kept.items():
            with contextlib.suppress(OSError):
                os.replace(copy, path)
        raise
    finally:
        for copy in kept.values():
            copy.unlink(missing_ok=True)


def _keep_copy(src: Path, dst: Path) -> None:
    """A hard link (no bytes copied), or a copy where the filesystem has no hard links."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def publish_local_file(staging: Path, target: Path, generation_id: str) -> Published:
    """Single-table output to a named file: rename the one data file into place; report goes beside it."""
    data = [p for p in staging.iterdir() if p.is_file() and p.name not in (MANIFEST_NAME, "report.md")]
    if len(data) != 1:
        raise InvalidInputError(
            f"destination {target} is a file name but the result has {len(data)} files; give a directory instead"
        )
    target = target.expanduser()
    if target.is_dir():
        return publish_local(staging, target, generation_id)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        report = staging / "report.md"
        report_target = target.with_name(target.name + ".report.md")
        # The report first, the data file last; a failure leaves both files as they were.
        moves = [(report, report_target)] if report.exists() else []
        _move_all([*moves, (data[0], target)])
        files = [str(target.resolve())] + ([str(report_target.resolve())] if moves else [])
    except OSError as exc:
        raise DestinationError(f"cannot publish to {target}: {exc.strerror or exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Published(location=str(target.resolve()), files=files)


def _rename_dir(src: Path, dst: Path) -> None:
    try:
        if dst.exists():
            dst.rmdir()  # empty directory: replace it
        os.replace(src, dst)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        # Different filesystem: copy next to the target (same filesystem), then one atomic rename.
        tmp = dst.parent / f".{dst.name}.sdga-{uuid.uuid4().hex[:8]}"
        try:
            shutil.copytree(src, tmp)
            os.replace(tmp, dst)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(src, ignore_errors=True)


def _move_file(src: Path, dst: Path) -> None:
    try:
        os.replace(src, dst)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dst.name}.", dir=dst.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            shutil.copyfile(src, tmp)
            os.replace(tmp, dst)
        finally:
            tmp.unlink(missing_ok=True)
        src.unlink(missing_ok=True)


class LocalObjectStore:
    """Results under ``<root>/<generation_id>/`` (default root: ``$SDGA_HOME/data``)."""

    def __init__(self, root: Path) -> None:
        self.root = root.expanduser().resolve()

    def location(self, generation_id: str) -> str:
        return str(self.root / generation_id)

    def publish(self, generation_id: str, staging: Path) -> Published:
        return publish_local(staging, self.root / generation_id, generation_id)

    def delete(self, generation_id: str) -> None:
        shutil.rmtree(self.root / generation_id, ignore_errors=True)


def read_local_manifest(directory: Path) -> dict[str, Any] | None:
    """The manifest of a published directory, or None when it is missing or unreadable (= incomplete)."""
    try:
        data = json.loads((directory / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("complete") is True else None


def iter_local_file(path: Path, chunk: int = CHUNK) -> Iterator[bytes]:
    """Stream a local file in chunks (never the whole file in memory)."""
    try:
        handle: BinaryIO = path.open("rb")
    except FileNotFoundError as exc:
        raise NotFoundError(f"stored file is missing: {path.name}") from exc
    with handle:
        while block := handle.read(chunk):
            yield block
