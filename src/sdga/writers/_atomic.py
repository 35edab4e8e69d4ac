"""Atomic publication of files and groups of files.

A reader never sees a half-written output: each file is written under a hidden temporary name in the
target directory (same filesystem, so the final ``os.replace`` is atomic) and renamed into place only
when complete. Multi-file outputs are staged together in a hidden directory and published as a group;
when anything fails the staging area is removed and the target is left exactly as it was.

A process killed outright (SIGKILL, a power cut) cannot clean up, so every temporary name carries its
owner (:func:`sdga.process.owner_tag`): ``.orders.parquet.p4242-981-3fa1c2.k2j4x9q1.tmp``. The next
write into the same directory, and ``sdga clean``, remove the ones whose process is gone
(:func:`sweep_stale`); a live process's files are never touched, nor are files from another host.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sdga.process import OWNER_TAG, owner_is_gone, owner_tag

# ``.<final name>.<owner tag>.<random>.tmp`` (a file) or ``.staging`` (a directory of files).
_OWNED = re.compile(r"^\.(?P<name>.+)\.(?P<owner>" + OWNER_TAG.pattern + r")\.[A-Za-z0-9_]+\.(?P<kind>tmp|staging)$")
# The names of earlier versions, without an owner: only ``sdga clean`` removes them, once they are old.
_UNOWNED = re.compile(r"^\.(?P<name>.+)\.[a-z0-9_]{8}\.(?P<kind>tmp|staging)$")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _umask()


def _set_default_mode(path: Path, *, directory: bool = False) -> None:
    """Give a published file/directory the permissions a plain ``open``/``mkdir`` would have.

    ``mkstemp``/``mkdtemp`` create private (0600/0700) entries; outputs are ordinary files.
    """
    os.chmod(path, (0o777 if directory else 0o666) & ~_UMASK)


def temp_path_for(final: Path) -> Path:
    """A fresh hidden temporary file beside ``final`` (created empty, so the name is reserved)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale(final.parent)
    fd, name = tempfile.mkstemp(prefix=f".{final.name}.{owner_tag()}.", suffix=".tmp", dir=final.parent)
    os.close(fd)
    return Path(name)


@dataclass(frozen=True)
class Leftover:
    """A temporary file or staging directory that nothing will publish any more."""

    path: Path
    size: int


def _size(path: Path) -> int:
    try:
        if path.is_dir() and not path.is_symlink():
            return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
        return path.lstat().st_size
    except OSError:
        return 0


def find_stale(directory: Path, *, unowned_older_than_s: float | None = None) -> Iterator[Leftover]:
    """Temporary outputs in ``directory`` (not below it) whose process is gone.

    With ``unowned_older_than_s``, also the owner-less temporary names of earlier versions that have not
    changed for that long (whoever wrote them cannot be told, so only their age speaks for removing them).
    """
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    now = time.time()
    for entry in entries:
        if not entry.name.startswith("."):
            continue
        m = _OWNED.match(entry.name)
        if m is not None:
            if owner_is_gone(m["owner"]):
                yield Leftover(Path(entry.path), _size(Path(entry.path)))
            continue
        if unowned_older_than_s is not None and _UNOWNED.match(entry.name):
            with contextlib.suppress(OSError):
                if now - entry.stat(follow_symlinks=False).st_mtime >= unowned_older_than_s:
                    yield Leftover(Path(entry.path), _size(Path(entry.path)))


def sweep_stale(directory: Path, *, unowned_older_than_s: float | None = None) -> list[Leftover]:
    """Remove what :func:`find_stale` finds; returns what was removed (never raises)."""
    removed = []
    for leftover in find_stale(directory, unowned_older_than_s=unowned_older_than_s):
        with contextlib.suppress(OSError):
            discard(leftover.path)
            removed.append(leftover)
    return removed


def publish_file(temp: Path, final: Path) -> None:
    """Rename a completed temporary file into place (atomic on one filesystem)."""
    _set_default_mode(temp)
    os.replace(temp, final)


def write_text_atomic(path: Path, text: str) -> None:
    """Write a text file (a report, a schema) so that readers see the old file or the whole new one."""
    temp = temp_path_for(path)
    try:
        temp.write_text(text, encoding="utf-8")
        publish_file(temp, path)
    except BaseException:
        discard(temp)
        raise


def discard(path: Path | None) -> None:
    """Remove a temporary file or directory, ignoring what is already gone."""
    if path is None:
        return
    with contextlib.suppress(FileNotFoundError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink()


class StagingDir:
    """Collects several output files and publishes them all-or-nothing into ``target``.

    If ``target`` does not exist the whole staging directory is renamed onto it (one atomic step).
    Otherwise each file is moved in; should a move fail, the files already moved are restored to what
    was there before (or removed), so the directory ends as it started.
    """

    def __init__(self, target: Path) -> None:
        self.target = target
        # Stage inside an existing target (its parent may not be writable, e.g. a home directory's);
        # otherwise beside it, so that the final rename stays on one filesystem.
        if target.is_dir():
            where = target
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            where = target.parent
        sweep_stale(where)
        self.path = Path(tempfile.mkdtemp(prefix=f".{target.name}.{owner_tag()}.", suffix=".staging", dir=where))
        self._published = False

    def file(self, name: str) -> Path:
        return self.path / name

    def publish(self) -> dict[str, Path]:
        """Move every staged file into the target; returns staged name → final path."""
        names = sorted(p.name for p in self.path.iterdir())
        if not self.target.exists():
            _set_default_mode(self.path, directory=True)
            os.replace(self.path, self.target)
            self._published = True
            return {name: self.target / name for name in names}
        if not self.target.is_dir():
            raise NotADirectoryError(20, "output exists and is not a directory", str(self.target))
        backups: list[tuple[Path, Path | None]] = []
        try:
            for name in names:
                final = self.target / name
                backup: Path | None = None
                if final.exists():
                    backup = self.path / f".{name}.previous"
                    os.replace(final, backup)
                backups.append((final, backup))
                os.replace(self.path / name, final)
        except BaseException:
            for final, backup in reversed(backups):
                discard(final)
                if backup is not None:
                    with contextlib.suppress(OSError):
                        os.replace(backup, final)
            raise
        self._published = True
        discard(self.path)
        return {name: self.target / name for name in names}

    def discard(self) -> None:
        if not self._published:
            discard(self.path)
