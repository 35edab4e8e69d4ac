"""The geography as columnar lookup tables: countries, subdivisions and cities, loaded once per process.

The files under ``sdga/engine/data/geo/`` are derived from the data packages by
:mod:`sdga.engine.geo.build`. Here they become NumPy and Arrow arrays indexed by a country number and a
city number, so that a row's whole geography is one integer (its city) and every place field of the row is
an array gather.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sdga.errors import SchemaError

_lock = threading.Lock()


@dataclass(frozen=True, eq=False)
class GeoTables:
    # countries, by country number
    codes: list[str]
    alpha3: pa.StringArray
    names: dict[str, pa.StringArray]  # language -> country names
    currency: pa.StringArray
    calling_code: np.ndarray  # int64, 0 where none
    postcode: list[str | None]  # whole-postcode pattern
    postcode_rest: list[str | None]  # pattern completing a district prefix
    name_locale: list[str | None]
    city_start: np.ndarray  # first city of each country (cities are sorted by country)
    city_end: np.ndarray
    # cities, by city number
    city_country: np.ndarray  # int32
    city_name: pa.StringArray
    latitude: np.ndarray
    longitude: np.ndarray
    population: np.ndarray
    pop_cum: np.ndarray  # cumulative population over all cities (float64), for weighted sampling
    timezone: pa.StringArray
    region: np.ndarray  # int32 subdivision number, -1 where unknown
    postcode_offsets: np.ndarray  # int64, len cities + 1: the city's postcodes/prefixes in postcode_values
    postcode_values: pa.StringArray
    # subdivisions, by subdivision number
    region_iso: pa.StringArray  # "US-CA"
    region_code: pa.StringArray  # "CA"
    region_name: pa.StringArray  # "California"

    def country(self, code: str) -> int:
        idx = _country_index(self).get(code.strip().upper())
        if idx is None:
            raise SchemaError(f"unknown country '{code}' (use ISO 3166-1 codes such as US, DE, FR)")
        return idx


@cache
def _country_index(t: GeoTables) -> dict[str, int]:
    out: dict[str, int] = {}
    for i, code in enumerate(t.codes):
        out[code] = i
    for i, a3 in enumerate(t.alpha3.to_pylist()):
        out.setdefault(str(a3), i)
    for names in t.names.values():
        for i, name in enumerate(names.to_pylist()):
            out.setdefault(str(name).upper(), i)
    return out


def _folder() -> Any:
    return resources.files("sdga.engine") / "data" / "geo"


_tables: GeoTables | None = None


def geo_tables() -> GeoTables:
    """The tables (built on first use, then shared by every thread of the process)."""
    global _tables
    if _tables is None:
        with _lock:
            if _tables is None:
                _tables = _load()
    return _tables


def _load() -> GeoTables:
    folder = _folder()
    meta = json.loads((folder / "countries.json").read_text(encoding="utf-8"))
    countries: dict[str, Any] = meta["countries"]
    regions: dict[str, Any] = meta["regions"]
    codes = list(countries)
    cindex = {c: i for i, c in enumerate(codes)}
    rcodes = list(regions)
    rindex = {r: i for i, r in enumerate(rcodes)}
    with (folder / "cities.parquet").open("rb") as fh:
        cities = pq.read_table(fh)
    ccountry = np.array([cindex[c] for c in cities.column("country").to_pylist()], dtype=np.int32)
    order = np.argsort(ccountry, kind="stable")
    if not np.array_equal(order, np.arange(len(order))):
        raise ValueError("cities.parquet must be sorted by country")  # pragma: no cover - the build sorts it
    start = np.searchsorted(ccountry, np.arange(len(codes)), side="left")
    end = np.searchsorted(ccountry, np.arange(len(codes)), side="right")
    population = np.maximum(cities.column("population").to_numpy(), 1).astype(np.float64)
    region = np.array([rindex.get(r, -1) if r else -1 for r in cities.column("region").to_pylist()], dtype=np.int32)
    pcs = cities.column("postcodes").combine_chunks()
    languages = sorted({lang for c in countries.values() for lang in c["names"]})
    return GeoTables(
        codes=codes,
        alpha3=pa.array([c["alpha3"] for c in countries.values()], pa.string()),
        names={lang: pa.array([c["names"][lang] for c in countries.values()], pa.string()) for lang in languages},
        currency=pa.array([c["currency"] for c in countries.values()], pa.string()),
        calling_code=np.array([c["calling_code"] or 0 for c in countries.values()], dtype=np.int64),
        postcode=[c["postcode"] for c in countries.values()],
        postcode_rest=[c.get("postcode_rest") for c in countries.values()],
        name_locale=[c["locale"] for c in countries.values()],
        city_start=start.astype(np.int64),
        city_end=end.astype(np.int64),
        city_country=ccountry,
        city_name=cities.column("name").combine_chunks(),
        latitude=cities.column("latitude").to_numpy(),
        longitude=cities.column("longitude").to_numpy(),
        population=population,
        pop_cum=np.cumsum(population),
        timezone=cities.column("timezone").combine_chunks(),
        region=region,
        postcode_offsets=pcs.offsets.to_numpy().astype(np.int64),
        postcode_values=pcs.values,
        region_iso=pa.array(rcodes, pa.string()),
        region_code=pa.array([r.split("-", 1)[1] for r in rcodes], pa.string()),
        region_name=pa.array([regions[r]["name"] for r in rcodes], pa.string()),
    )


def nullable_take(values: pa.Array, idx: np.ndarray) -> pa.Array:
    """``values[idx]`` where a negative index gives null."""
    missing = idx < 0
    arr = values.take(pa.array(np.where(missing, 0, idx).astype(np.int64)))
    if missing.any():
        arr = pc.if_else(pa.array(missing), pa.scalar(None, arr.type), arr)
    return arr
