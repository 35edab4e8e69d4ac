"""The write step every generation shares: the engine writes the plan, a sampler keeps the first rows.

Both the service (into a private staging directory, then published by a destination) and the plain
``sdga generate`` (straight to the files asked for; the writers publish atomically themselves) write
through :func:`write_tables`.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sdga.errors import GenerationFailedError
from sdga.execution import Engine, EngineJob, ProgressCallback
from sdga.execution.base import Tap
from sdga.models import OutputFormat, SqlDialect
from sdga.pipeline.sampler import Sampler
from sdga.process import OWNER_TAG, owner_is_gone, owner_tag

_STAGING = re.compile(r"^[0-9a-f-]{36}-(?P<owner>" + OWNER_TAG.pattern + r")-")

if TYPE_CHECKING:
    from sdga.writers import WriteResult


def write_tables(
    plan: Any,
    out: str | Path,
    fmt: OutputFormat,
    *,
    engine: Engine,
    sql_dialect: SqlDialect = SqlDialect.POSTGRESQL,
    batch_size: int = 65_536,
    progress: ProgressCallback | None = None,
    sampler: Sampler | None = None,
    sql_drop_existing: bool = False,
    check: Callable[[], None] | None = None,
) -> WriteResult:
    """Write every table of ``plan`` to ``out`` with ``engine``; ``sampler`` keeps the first rows.

    ``check`` is called before each batch is produced and stops the run by raising (a time limit, a
    server shutting down: :class:`sdga.limits.StopCheck`); the writers then remove what they had begun.
    """
    tap: Tap | None = sampler.tee if sampler is not None else None
    if check is not None:
        inner = tap

        def guarded(table: str, stream: Iterator[Any]) -> Iterator[Any]:
            checked = _checked(stream, check)
            return inner(table, checked) if inner is not None else checked

        tap = guarded
    return engine.write(
        EngineJob(
            plan=plan,
            out=Path(out),
            output_format=fmt,
            sql_dialect=sql_dialect,
            batch_size=batch_size,
            progress=progress,
            tap=tap,
            sql_drop_existing=sql_drop_existing,
        )
    )


def _checked(stream: Iterable[Any], check: Callable[[], None]) -> Iterator[Any]:
    """``stream`` with ``check()`` before each item is produced (so a stop never waits for a batch)."""
    it = iter(stream)
    try:
        while True:
            check()
            try:
                item = next(it)
            except StopIteration:
                return
            yield item
    finally:
        close = getattr(it, "close", None)
        if close is not None:
            close()  # stops worker processes feeding the stream


@contextlib.contextmanager
def staging_area(root: Path, generation_id: str) -> Iterator[Path]:
    """A private directory for one generation under ``root``, removed afterwards whatever happens.

    Its name starts with the generation id and names its process (``<id>-p<pid>-<start>-<host>-<random>``),
    so the leftovers of a process that died are found by the id, and removed by the next run here.
    """
    try:
        root.mkdir(parents=True, exist_ok=True)
        sweep_staging(root)
        staging = Path(tempfile.mkdtemp(prefix=f"{generation_id}-{owner_tag()}-", dir=root))
    except OSError as exc:
        raise GenerationFailedError(f"cannot create a staging directory in {root}: {exc.strerror or exc}") from exc
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def sweep_staging(root: Path) -> list[Path]:
    """Remove the staging directories under ``root`` whose process is gone; returns them."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(root))
    except OSError:
        return removed
    for entry in entries:
        m = _STAGING.match(entry.name)
        if m is not None and owner_is_gone(m["owner"]):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
    return removed
