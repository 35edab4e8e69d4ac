"""What a column generator sees: the block it fills, its random streams, the row's "person" and place.

A row's person (the name indices every person-like field reads) and its place (the city every place field
reads) are drawn once per block and shared by the row's fields, so that they agree with each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from sdga.engine.geo.rows import GeoMix, GeoRows, draw_rows, mix_locales, table_mix
from sdga.engine.rng import Permutation, block_rng, stream_key
from sdga.engine.vocab import female_first_names, vocabulary_size
from sdga.models.schema import FieldSpec

_PERSON = "__person__"
_GEO = "__geo__"


@dataclass
class Person:
    """Indices of the first and last name every person-like field of one row is built from.

    The indices point into the word lists of ``locales[locale[row]]`` (``locale`` None: all ``locales[0]``),
    so that a row in Germany has a German name even when the request's locale is another.
    """

    first: np.ndarray
    last: np.ndarray
    locales: tuple[str, ...] = ()
    locale: np.ndarray | None = None
    #: Whether the row's person is a woman (her given name is a woman's name); half the rows.
    female: np.ndarray | None = None


def draw_person(rng: np.random.Generator, n: int, locales: tuple[str, ...], locale: np.ndarray | None) -> Person:
    """Name indices for ``n`` people: half of them women with a woman's given name where the locale's
    names say which are whose (see :func:`sdga.engine.vocab.female_first_names`)."""
    where = np.zeros(n, dtype=np.int64) if locale is None else locale
    sizes = np.array([[vocabulary_size(loc, k) for loc in locales] for k in ("first_name", "last_name")])
    women = np.array([female_first_names(loc) for loc in locales], dtype=np.int64)
    u = rng.random((3, n))
    female = u[2] < 0.5
    total, heads = sizes[0][where], women[where]
    split = heads > 0
    # a woman's name from the head of the list, a man's from the rest; locales without a split: any name
    lo = np.where(split & ~female, heads, 0)
    span = np.where(split, np.where(female, heads, total - heads), total)
    first = lo + np.floor(u[0] * span).astype(np.int64)
    last = np.floor(u[1] * sizes[1][where]).astype(np.int64)
    return Person(first=first, last=last, locales=locales, locale=locale, female=female)


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
    geo_mix: GeoMix | None = None  # the countries of the table's rows (None: from ``fields``, else the locale's)
    fields: list[FieldSpec] = field(default_factory=list)  # the table's fields (row contexts read their settings)
    _person: Person | None = None
    _geo: GeoRows | None = None
    _shared: dict[str, Any] = field(default_factory=dict)

    def mix(self) -> GeoMix:
        if self.geo_mix is None:
            self.geo_mix = table_mix(self.fields, self.locale, self.table)
        return self.geo_mix

    def shared(self, name: str, make: Callable[[BlockContext], Any]) -> Any:
        """A per-row context several fields of the block read (drawn once, on first use)."""
        if name not in self._shared:
            self._shared[name] = make(self)
        return self._shared[name]

    def stream(self, *parts: object) -> np.random.Generator:
        """A random stream of the block shared by the fields of a row context (not tied to one field)."""
        return block_rng(stream_key(self.seed, self.table, *parts), max(self.block, 0))

    def geo(self) -> GeoRows:
        """The block's rows' places (drawn once; every place field and the names read them)."""
        if self._geo is None:
            block = max(self.block, 0)

            def stream(aspect: str) -> np.random.Generator:
                return block_rng(stream_key(self.seed, self.table, _GEO, aspect), block)

            self._geo = draw_rows(self.mix(), stream, self.n)
        return self._geo

    def person(self) -> Person:
        if self._person is None:
            rng = block_rng(stream_key(self.seed, self.table, _PERSON), self.block)
            locales = mix_locales(self.mix(), self.locale)
            locale = None
            if len(locales) > 1:
                locales, locale = self.geo().name_locales(self.locale)
            self._person = draw_person(rng, self.n, locales, locale)
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

    def spare_index(self, capacity: int, rows: np.ndarray) -> np.ndarray:
        """The unique permutation's indices for ``rows`` past the end of the table (values no row uses)."""
        cap = max(1, min(int(capacity), 1 << 64))
        return Permutation(cap, self.key("unique") & ((1 << 64) - 1))(rows)

    def person(self) -> Person:
        if self.row_aligned:
            return self.ctx.person()
        locales = mix_locales(self.ctx.mix(), self.ctx.locale)
        locale = None
        if len(locales) > 1:
            locales, locale = self.geo().name_locales(self.ctx.locale)
        return draw_person(self.rng("person"), self.n, locales, locale)

    def geo(self) -> GeoRows:
        """The places of these values' rows: the block's when row-aligned, else a draw of their own."""
        if self.row_aligned:
            return self.ctx.geo()
        return draw_rows(self.ctx.mix(), lambda aspect: self.rng("geo-" + aspect), self.n)

    def single_country(self) -> str | None:
        """The one country every row lives in (ISO code), or None when the table mixes countries."""
        mix = self.ctx.mix()
        if mix.single:
            from sdga.engine.geo.tables import geo_tables

            return geo_tables().codes[mix.countries[0]]
        return None

    def child(self, spec: FieldSpec, path: str, n: int | None = None, rows: np.ndarray | None = None) -> Draw:
        if n is None:
            return Draw(self.ctx, spec, path, self.n, self.rows)
        return Draw(self.ctx, spec, path, n, rows)
