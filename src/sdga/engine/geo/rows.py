"""One geographic context per row: a city, drawn once, that every place field of the row reads.

Which countries a table's rows live in (its *mix*) comes from the table itself: a ``country`` or
``country_code`` field with an ``enum`` (and ``weights``) of ISO codes spreads the rows over those
countries; otherwise every row lives in the request locale's country (``de_DE``: Germany). Within a country
a city is drawn weighted by its population. Country, subdivision, city, postcode, coordinates, time zone,
currency, telephone number and the locale of names and streets then all follow from that one city, so they
agree in every row whatever the mix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from sdga.engine.geo.tables import GeoTables, geo_tables
from sdga.errors import SchemaError
from sdga.models.schema import FieldSpec

#: Field types whose ``enum`` names the countries the table's rows live in.
COUNTRY_TYPES = frozenset({"country", "country_code"})
#: Coordinates of a row scatter around its city's centre by a normal offset of this many kilometres for
#: a city of a million people (scaled by the square root of the population, within the bounds below).
_SPREAD_KM_PER_MILLION = 3.0
_SPREAD_KM = (0.5, 8.0)
_KM_PER_DEGREE = 111.32


@dataclass(frozen=True)
class GeoMix:
    """The countries (by country number) rows are spread over, with their cumulative shares."""

    countries: tuple[int, ...]
    cdf: tuple[float, ...]

    @property
    def single(self) -> bool:
        return len(self.countries) == 1


def locale_country(locale: str) -> str:
    return locale.split("_", 1)[1] if "_" in locale else "US"


@lru_cache(maxsize=256)
def _mix(codes: tuple[str, ...], weights: tuple[float, ...] | None, where: str) -> GeoMix:
    t = geo_tables()
    ids = []
    for code in codes:
        try:
            cid = t.country(code)
        except SchemaError as exc:
            raise SchemaError(f"field '{where}': {exc.message}", details={"field": where, "value": code}) from exc
        if t.city_end[cid] <= t.city_start[cid]:
            raise SchemaError(
                f"field '{where}': country '{code}' has no towns in the geography data", details={"field": where}
            )
        ids.append(cid)
    if len(set(ids)) != len(ids):
        raise SchemaError(f"field '{where}': a country is listed twice", details={"field": where})
    if weights is None:
        w = np.ones(len(ids))
    else:
        if len(weights) != len(ids):
            raise SchemaError(f"field '{where}': {len(weights)} weights given for {len(ids)} countries")
        w = np.asarray(weights, dtype=np.float64)
        if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise SchemaError(f"field '{where}': weights must be non-negative and not all zero")
    cdf = np.cumsum(w) / w.sum()
    return GeoMix(tuple(ids), tuple(float(x) for x in cdf))


def country_mix_field(fields: list[FieldSpec]) -> FieldSpec | None:
    """The top-level field that names the table's countries (a country type with an enum), if any."""
    found = [f for f in fields if f.type in COUNTRY_TYPES and f.constraints.enum and not f.constraints.unique]
    if not found:
        return None
    first = found[0]
    for other in found[1:]:
        if [str(v).upper() for v in other.constraints.enum or []] != [
            str(v).upper() for v in first.constraints.enum or []
        ] or other.constraints.weights != first.constraints.weights:
            raise SchemaError(
                f"fields '{first.name}' and '{other.name}' name different countries: one row has one country",
                details={"fields": [first.name, other.name]},
            )
    return first


def table_mix(fields: list[FieldSpec], locale: str, table: str = "") -> GeoMix:
    """The countries of a table's rows: its country field's enum and weights, else the locale's country."""
    f = country_mix_field(fields)
    if f is None:
        return _mix((locale_country(locale),), None, f"{table}.<locale>" if table else locale)
    weights = tuple(float(w) for w in f.constraints.weights) if f.constraints.weights is not None else None
    return _mix(tuple(str(v) for v in f.constraints.enum or []), weights, f"{table}.{f.name}" if table else f.name)


def check_country_enum(f: FieldSpec, where: str) -> None:
    """Planning's check of a country field's enum: every value a known country with towns."""
    if f.constraints.enum and not f.constraints.unique:
        weights = tuple(float(w) for w in f.constraints.weights) if f.constraints.weights is not None else None
        _mix(tuple(str(v) for v in f.constraints.enum), weights, where)


@dataclass
class GeoRows:
    """The geography of ``n`` rows: each row's city (and so its country and everything else)."""

    tables: GeoTables
    city: np.ndarray  # int64 city numbers
    country: np.ndarray  # int64 country numbers
    stream: Callable[[str], np.random.Generator]  # the random stream of one aspect of these rows' places
    _offsets: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    _shared: dict[str, Any] = field(default_factory=dict, repr=False)

    def shared(self, name: str, make: Callable[[GeoRows], Any]) -> Any:
        """A per-row value several fields read (the postcode of the postal_code and address fields)."""
        if name not in self._shared:
            self._shared[name] = make(self)
        return self._shared[name]

    @property
    def n(self) -> int:
        return len(self.city)

    def coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        """Latitude and longitude of each row: near its city's centre (one offset shared by both fields)."""
        if self._offsets is None:
            t = self.tables
            pop = t.population[self.city]
            km = np.clip(_SPREAD_KM_PER_MILLION * np.sqrt(pop / 1e6), *_SPREAD_KM)
            north, east = self.stream("coordinates").standard_normal((2, self.n)) * km
            lat = np.clip(t.latitude[self.city] + north / _KM_PER_DEGREE, -90.0, 90.0)
            coslat = np.maximum(np.cos(np.radians(lat)), 0.01)
            lon = t.longitude[self.city] + east / (_KM_PER_DEGREE * coslat)
            lon = (lon + 180.0) % 360.0 - 180.0
            self._offsets = (lat, lon)
        return self._offsets

    def name_locales(self, default: str) -> tuple[tuple[str, ...], np.ndarray | None]:
        """The locales of the rows' names and streets, and each row's index into them (None: all ``default``)."""
        return _row_locales(self.tables, self.country, default)


def _row_locales(t: GeoTables, country: np.ndarray, default: str) -> tuple[tuple[str, ...], np.ndarray | None]:
    present = np.unique(country)
    locs = [t.name_locale[int(c)] or default for c in present]
    distinct = tuple(sorted(set(locs)))
    if len(distinct) == 1:
        return distinct, None
    lut = np.zeros(len(t.codes), dtype=np.int64)
    for c, loc in zip(present, locs, strict=True):
        lut[int(c)] = distinct.index(loc)
    return distinct, lut[country]


def mix_locales(mix: GeoMix, default: str) -> tuple[str, ...]:
    """Every locale the rows of a mix can take their names from."""
    t = geo_tables()
    return tuple(sorted({t.name_locale[c] or default for c in mix.countries}))


def draw_rows(mix: GeoMix, stream: Callable[[str], np.random.Generator], n: int) -> GeoRows:
    """``n`` rows' cities: a country by the mix's shares, then a city of it weighted by population."""
    t = geo_tables()
    u = stream("city").random((2, n))
    if mix.single:
        c = mix.countries[0]
        start, end = int(t.city_start[c]), int(t.city_end[c])
        cum = t.pop_cum[start:end]
        base = t.pop_cum[start - 1] if start > 0 else 0.0
        local = np.searchsorted(cum, base + u[1] * (cum[-1] - base), side="right")
        city = np.minimum(local, end - start - 1).astype(np.int64) + start
        return GeoRows(t, city, np.full(n, c, dtype=np.int64), stream)
    else:
        pick = np.minimum(np.searchsorted(np.asarray(mix.cdf), u[0], side="right"), len(mix.countries) - 1)
        country = np.asarray(mix.countries, dtype=np.int64)[pick]
    start, end = t.city_start[country], t.city_end[country]
    before = np.where(start > 0, t.pop_cum[np.maximum(start - 1, 0)], 0.0)
    total = t.pop_cum[end - 1] - before
    city = np.searchsorted(t.pop_cum, before + u[1] * total, side="right")
    city = np.clip(city, start, end - 1).astype(np.int64)
    return GeoRows(t, city, country, stream)
