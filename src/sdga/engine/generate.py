"""Streaming generation: fixed-size blocks, each a pure function of (plan, table, block index).

A block never depends on another block, so blocks can be produced in any process and in any order and
then reassembled; the caller's ``batch_size`` only decides how the same rows are sliced. Memory stays at
a few blocks per worker whatever the volume.
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

import numpy as np
import pyarrow as pa

from sdga.engine.columns import generate_column, rows_array
from sdga.engine.context import BlockContext, Draw
from sdga.engine.dist import norm_cdf, shape_discrete
from sdga.engine.fields import arrow_type
from sdga.engine.plan import BLOCK_ROWS, GenerationPlan, TablePlan
from sdga.engine.rng import Permutation, block_rng, stream_key
from sdga.errors import ConfigurationError, InvalidInputError, SchemaError
from sdga.models.schema import Distribution, DistributionKind


def _parent_rows_by_cardinality(plan: GenerationPlan, table: TablePlan, start: int, n: int) -> np.ndarray:
    """Parent row of each child row when the child's volume follows the children-per-parent counts."""
    cc = table.child_counts
    assert cc is not None
    end = start + n
    first = int(np.searchsorted(cc.block_starts, start, side="right") - 1)
    pieces: list[np.ndarray] = []
    b = max(first, 0)
    covered = int(cc.block_starts[b]) if len(cc.block_starts) else 0
    while covered < end and b < len(cc.block_totals):
        counts = cc.counts(plan.seed, b)
        parents = np.repeat(np.arange(b * BLOCK_ROWS, b * BLOCK_ROWS + len(counts), dtype=np.uint64), counts)
        pieces.append(parents)
        covered += len(parents)
        b += 1
    allp = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.uint64)
    offset = start - (int(cc.block_starts[max(first, 0)]) if len(cc.block_starts) else 0)
    return allp[offset : offset + n]


def _parent_rows_sampled(d: Draw, parent_volume: int) -> np.ndarray:
    f = d.spec
    card = f.cardinality
    rng = d.rng("parent")
    if card is not None and card.distribution == DistributionKind.ZIPF and parent_volume > 1:
        rank = shape_discrete(rng.random(d.n), 0, parent_volume - 1, Distribution(kind=DistributionKind.ZIPF))
        return Permutation(parent_volume, d.key("popular") & ((1 << 64) - 1))(rank.astype(np.uint64))
    return rng.integers(0, parent_volume, d.n, dtype=np.uint64)


def _resolver(plan: GenerationPlan, table: TablePlan) -> object:
    def resolve(d: Draw) -> pa.Array:
        fk = next(fk for fk in table.foreign_keys if fk.column == d.spec.name)
        parent = table if fk.ref_table == table.name else plan.table(fk.ref_table)
        target = parent.field(fk.ref_column)
        if parent.volume == 0:
            raise SchemaError(f"field '{table.name}.{d.spec.name}': the referenced table '{parent.name}' has no rows")
        cc = table.child_counts
        if cc is not None and cc.column == d.spec.name and d.row_aligned:
            parents = _parent_rows_by_cardinality(plan, table, d.ctx.start, d.n)
        else:
            parents = _parent_rows_sampled(d, parent.volume)
        pctx = BlockContext(plan.seed, parent.name, plan.locale, -1, 0, len(parents))
        return generate_column(Draw(pctx, target, target.name, len(parents), parents), arrow_type(target))

    return resolve


def generate_rows(plan: GenerationPlan, table_name: str, block: int, n: int | None = None) -> pa.RecordBatch:
    """Rows of one block of ``table_name`` (``n`` overrides the block length; used for dry runs)."""
    table = plan.table(table_name)
    start = block * BLOCK_ROWS
    count = min(BLOCK_ROWS, table.volume - start) if n is None else n
    ctx = BlockContext(plan.seed, table.name, plan.locale, block, start, count, volume=table.volume)
    ctx.reference = _resolver(plan, table)  # type: ignore[assignment]
    for i, cop in enumerate(table.copulas):
        eps = block_rng(stream_key(plan.seed, table.name, "__copula__", i), block).standard_normal(
            (count, len(cop.fields))
        )
        u = norm_cdf(eps @ cop.factor.T)
        for j, name in enumerate(cop.fields):
            ctx.copula[name] = np.clip(u[:, j], 1e-12, 1 - 1e-12)
    rows = rows_array(start, count)
    arrays = []
    for f, af in zip(table.fields, table.arrow_schema, strict=True):
        arrays.append(generate_column(Draw(ctx, f, f.name, count, rows), af.type))
    return pa.RecordBatch.from_arrays(arrays, schema=table.arrow_schema)


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
