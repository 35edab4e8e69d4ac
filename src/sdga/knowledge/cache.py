"""A small disk cache for what is read from the package's own data files on every start.

Parsing 30+ template YAML files, the domain pages and the compliance rules, and tokenising them for the
index, costs more CPU than planning a request. The result depends only on those files, so it is kept in
``SDGA_HOME/cache/`` under a key made of the package version and every source file's name, size and
modification time: a changed, added or removed file gives a new key. A cache that cannot be read or
written is simply not used (the data is parsed as before); writes are atomic.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
_FORMAT = 1  # bump when the pickled structures change shape


def _cache_dir() -> Path | None:
    if os.environ.get("SDGA_NO_CACHE", "").strip() not in ("", "0"):
        return None
    base = os.environ.get("SDGA_HOME")
    if not base and os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        base = "/tmp/sdga"
    root = Path(base or "~/.sdga").expanduser()
    return root / "cache"


def stamp(files: Iterable[Path], *extra: str) -> str | None:
    """A key for the current content of ``files`` (None when one cannot be stat'ed)."""
    from sdga import __version__

    h = hashlib.sha1(f"{_FORMAT}:{__version__}:{':'.join(extra)}".encode())
    for path in sorted(files):
        try:
            st = path.stat()
        except OSError:
            return None
        h.update(f"{path}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:20]


def cached(name: str, key: str | None, build: Callable[[], T]) -> T:
    """``build()``, or its result from the disk cache under ``name`` and ``key``."""
    folder = _cache_dir()
    if key is None or folder is None:
        return build()
    path = folder / f"{name}-{key}.pickle"
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)  # type: ignore[no-any-return]
    except FileNotFoundError:
        pass
    except Exception:  # a damaged or foreign file: rebuild and overwrite it
        pass
    value = build()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob(f"{name}-*.pickle"):  # earlier versions of the same data
            old.unlink(missing_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
    except OSError:
        pass
    return value
