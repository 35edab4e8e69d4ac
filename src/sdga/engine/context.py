"""What a column generator sees: the block it fills, its random streams and the row's shared "person"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from sdga.engine.rng import Permutation, block_rng, stream_key
from sdga.engine.vocab import vocabulary_size
from sdga.models.schema import FieldSpec

_PERSON = "__person__"


@dataclass
class Person:
    """Indices of the first and last name every person-like field of one row is built from."""

    first: np.ndarray
    last: np.ndarray


@dataclass
class BlockContext:
    """One fixed-size block of one table. ``block`` is the block number; rows are ``start .. start+n``."""

    seed: int
    table: str
    locale: str
    block: int
    start: int
    n: int
    volume: int = 0  # rows in the whole table (0 when unknown)
    copula: dict[str, np.ndarray] = field(default_factory=dict)
    reference: Callable[[Draw], pa.Array] | None = None
    _person: Person | None = None

    def person(self) -> Person:
        if self._person is None:
            rng = block_rng(stream_key(self.seed, self.table, _PERSON), self.block)
            self._person = Person(
                first=rng.integers(0, vocabulary_size(self.locale, "first_name"), self.n),
                last=rng.integers(0, vocabulary_size(self.locale, "last_name"), self.n),
            )
        return self._person


@dataclass
class Draw:
    """One column (or nested part of one) to generate: ``n`` values, for global rows ``rows``.

    ``rows`` is None for the items of an array field (they have no row of their own).
    """

    ctx: BlockContext
    spec: FieldSpec
    path: str
    n: int
    rows: np.ndarray | None

    @property
    def unique(self) -> bool:
        return bool(self.spec.constraints.unique) and self.rows is not None

    @property
    def row_aligned(self) -> bool:
        return self.rows is not None and self.n == self.ctx.n and self.ctx.block >= 0

    def key(self, stream: str = "") -> int:
        return stream_key(self.ctx.seed, self.ctx.table, self.path, stream)

    def rng(self, stream: str = "") -> np.random.Generator:
        return block_rng(self.key(stream), max(self.ctx.block, 0))

    def uniforms(self) -> np.ndarray:
        """U(0,1) draws for this column: correlated ones when a copula covers it."""
        u = self.ctx.copula.get(self.path)
        if u is not None and u.shape[0] == self.n:
            return u
        return self.rng("u").random(self.n)

    def index(self, capacity: int) -> np.ndarray:
        """Indices into a value domain of size ``capacity``: a permutation of rows when unique."""
        cap = max(1, min(int(capacity), 1 << 64))
        if self.unique:
            assert self.rows is not None
            return Permutation(cap, self.key("unique") & ((1 << 64) - 1))(self.rows)
        if cap >= 1 << 63:
            raw = self.rng("idx").integers(0, np.iinfo(np.uint64).max, self.n, dtype=np.uint64, endpoint=True)
            return raw if cap == 1 << 64 else raw % np.uint64(cap)
        return self.rng("idx").integers(0, cap, self.n, dtype=np.uint64)

    def person(self) -> Person:
        if self.row_aligned:
            return self.ctx.person()
        rng = self.rng("person")
        return Person(
            first=rng.integers(0, vocabulary_size(self.ctx.locale, "first_name"), self.n),
            last=rng.integers(0, vocabulary_size(self.ctx.locale, "last_name"), self.n),
        )

    def child(self, spec: FieldSpec, path: str, n: int | None = None, rows: np.ndarray | None = None) -> Draw:
        if n is None:
            return Draw(self.ctx, spec, path, self.n, self.rows)
        return Draw(self.ctx, spec, path, n, rows)
