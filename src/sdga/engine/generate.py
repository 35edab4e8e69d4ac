"""Streaming generation: fixed-size blocks, each a pure function of (plan, table, block index).

A block never depends on the order in which blocks are made, so blocks can be produced in any process and
in any order and then reassembled; the caller's ``batch_size`` only decides how the same rows are sliced.
What a block reads from other blocks (a parent's column for a lookup, children for an aggregate) is
computed by :mod:`sdga.engine.evaluate` from those blocks' own pure functions. Memory stays at a few
blocks per worker whatever the volume.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import pyarrow as pa

from sdga.engine.evaluate import evaluator
from sdga.engine.plan import GenerationPlan, TablePlan
from sdga.errors import ConfigurationError, InvalidInputError


def generate_rows(plan: GenerationPlan, table_name: str, block: int, n: int | None = None) -> pa.RecordBatch:
    """Rows of one block of ``table_name``.

    ``n`` asks for a dry run instead: only the block's first ``n`` rows, and the first ``n`` rows of every
    other table stand for it (lookups and aggregates read them), which exercises every field and rule
    without the cost of real blocks.
    """
    return evaluator(plan, n).rows(table_name, block)


# --- worker processes ------------------------------------------------------------------------------------

_WORKER_PLAN: GenerationPlan | None = None
_WORKER_SPOOL: str | None = None


def _init_worker(plan: GenerationPlan, spool: str) -> None:
    global _WORKER_PLAN, _WORKER_SPOOL
    _WORKER_PLAN, _WORKER_SPOOL = plan, spool
    # Parallelism comes from the processes; Arrow's own thread pool would only oversubscribe the cores.
    pa.set_cpu_count(1)


def _worker_block(table_name: str, block: int) -> str:
    """One block, written as an Arrow IPC file into the spool directory; returns its path.

    Handing over a path instead of the bytes keeps the parent's cost per block near zero: it memory-maps
    the file (zero copy) instead of receiving, unpickling and copying ~14 MB through a pipe, which on a
    small machine cost as much CPU as generating the block.
    """
    assert _WORKER_PLAN is not None and _WORKER_SPOOL is not None
    batch = generate_rows(_WORKER_PLAN, table_name, block)
    path = os.path.join(_WORKER_SPOOL, f"{block}.arrow")
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return path


def _read_block(path: str) -> pa.RecordBatch:
    """Map a spooled block (zero copy) and unlink it: the mapping keeps the data alive until released."""
    with pa.memory_map(path) as source:
        batch = pa.ipc.open_stream(source).read_next_batch()
    os.unlink(path)
    return batch


def _spool_dir() -> str:
    """A private directory for blocks in flight: in memory (/dev/shm) where the system has it."""
    shm = "/dev/shm"
    base = shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None
    return tempfile.mkdtemp(prefix="sdga-blocks-", dir=base)


def _blocks(plan: GenerationPlan, table: TablePlan, workers: int) -> Iterator[pa.RecordBatch]:
    if workers <= 1 or table.blocks <= 1:
        for b in range(table.blocks):
            yield generate_rows(plan, table.name, b)
        return
    # "spawn": a fresh interpreter per worker, safe in threaded hosts (no fork of a running thread pool).
    ctx = multiprocessing.get_context("spawn")
    spool = _spool_dir()
    try:
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(plan, spool)
        ) as pool:
            pending: deque[Future[str]] = deque()
            next_block = 0
            window = workers * 2  # bounded memory: at most two blocks in flight per worker
            while next_block < table.blocks or pending:
                while next_block < table.blocks and len(pending) < window:
                    pending.append(pool.submit(_worker_block, table.name, next_block))
                    next_block += 1
                yield _read_block(pending.popleft().result())
    except (BrokenProcessPool, RuntimeError) as exc:
        if not isinstance(exc, BrokenProcessPool) and "bootstrapping" not in str(exc):
            raise
        raise ConfigurationError(
            f"worker processes could not run ({exc.__class__.__name__}); a script that uses workers > 1 must "
            "start generation under `if __name__ == '__main__':`, or use workers=1"
        ) from exc
    finally:
        shutil.rmtree(spool, ignore_errors=True)


def iter_batches(
    plan: GenerationPlan, table_name: str, *, batch_size: int = 65_536, workers: int = 1
) -> Iterator[pa.RecordBatch]:
    """Stream the table's rows as record batches of exactly ``batch_size`` rows (the last may be shorter).

    The concatenated output is byte-identical for any ``batch_size`` and any ``workers``.
    """
    if batch_size < 1:
        raise InvalidInputError("batch_size must be at least 1")
    if workers < 1:
        raise InvalidInputError("workers must be at least 1")
    try:
        table = plan.table(table_name)
    except KeyError as exc:
        raise InvalidInputError(f"no table named '{table_name}' in the plan") from exc
    pending: list[pa.RecordBatch] = []
    have = 0
    for block in _blocks(plan, table, workers):
        pending.append(block)
        have += block.num_rows
        while have >= batch_size:
            merged = pending[0] if len(pending) == 1 else pa.concat_batches(pending)
            yield merged.slice(0, batch_size)
            rest = merged.slice(batch_size)
            pending = [rest] if rest.num_rows else []
            have = rest.num_rows
    if have:
        yield pending[0] if len(pending) == 1 else pa.concat_batches(pending)
