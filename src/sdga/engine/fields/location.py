"""Places: countries, regions, cities, coordinates, postcodes, time zones and addresses that agree.

Every place field of a row reads the row's one geographic context (:mod:`sdga.engine.geo.rows`): a real
city, so that country, region, city, postcode, coordinates and time zone agree with each other. How a
country writes an address is its locale's data (``sdga/engine/data/<locale>/address.json``): two layouts,
e.g. ``"{number} {street}"`` and ``"{street_address}, {city}, {state_code} {postal_code}"``; the
separators of a layout are baked into the word lists next to them where it can (one pass fewer each).
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sdga.engine.context import Draw
from sdga.engine.fields.bounds import LATITUDE_DEFAULT, LONGITUDE_DEFAULT, precision
from sdga.engine.fields.choice import groups_of, scatter, take
from sdga.engine.fields.numeric import float_unique_cap, float_values
from sdga.engine.fields.registry import register
from sdga.engine.geo.rows import GeoRows, mix_locales
from sdga.engine.geo.tables import geo_tables, nullable_take
from sdga.engine.locale_data import locale_data
from sdga.engine.patterns import compile_pattern, concat, unique_pattern
from sdga.engine.vocab import vocabulary, vocabulary_size
from sdga.errors import SchemaError
from sdga.models.schema import FieldSpec

_U64 = np.uint64


def _geo_country_cap(_f: FieldSpec, _l: str) -> int:
    return len(geo_tables().codes)


def _language(d: Draw) -> str:
    lang = d.ctx.locale.split("_", 1)[0]
    names = geo_tables().names
    return lang if lang in names else "en"


@register("country", "Country name in the request's language; the country of the row's place (an `enum` of ISO "
          "codes, with `weights`, spreads the table's rows over those countries).", "location", pa.string(),
          _geo_country_cap, example="France")  # fmt: skip
def gen_country(d: Draw) -> pa.Array:
    t = geo_tables()
    names = t.names[_language(d)]
    if d.unique:
        return take(names, d.index(len(t.codes)))
    return take(names, d.geo().country)


@register("country_code", "ISO 3166-1 code of the row's country (alpha-2; `format: alpha3` for three letters); "
          "an `enum` of codes with `weights` spreads the table's rows over those countries.", "location",
          pa.string(), _geo_country_cap, example="FR")  # fmt: skip
def gen_country_code(d: Draw) -> pa.Array:
    t = geo_tables()
    alpha3 = (d.spec.constraints.format or "").lower() == "alpha3"
    codes = t.alpha3 if alpha3 else pa.array(t.codes, pa.string())
    if d.unique:
        return take(codes, d.index(len(t.codes)))
    return take(codes, d.geo().country)


@cache
def distinct_names(kind: str) -> pa.Array:
    """Every distinct city or region name (for unique fields, which cannot follow the rows' places)."""
    t = geo_tables()
    columns = {"city": t.city_name, "name": t.region_name, "code": t.region_code, "iso": t.region_iso}
    if kind not in columns:
        raise SchemaError(f"state format must be name, code or iso, not '{kind}'")
    values = columns[kind]
    return pa.array(sorted(set(values.to_pylist())), pa.string())


@register("city", "A real city of the row's country (weighted by population); agrees with the row's "
          "region, postcode, coordinates and time zone.", "location", pa.string(),
          lambda _f, _l: len(distinct_names("city")), example="Lyon")  # fmt: skip
def gen_city(d: Draw) -> pa.Array:
    t = geo_tables()
    if d.unique:
        names = distinct_names("city")
        return take(names, d.index(len(names)))
    return take(t.city_name, d.geo().city)


def _region_values(d: Draw) -> pa.Array:
    t = geo_tables()
    fmt = (d.spec.constraints.format or "name").lower()
    if fmt not in ("name", "code", "iso"):
        raise SchemaError(f"field '{d.spec.name}': state format must be name, code or iso")
    return {"name": t.region_name, "code": t.region_code, "iso": t.region_iso}[fmt]


@register("state", "The row's region (state, Land, province, region: ISO 3166-2 subdivision) in its local "
          "name; `format: code` gives its code (CA, BY), `format: iso` the full one (US-CA). Null where the "
          "geography data knows no region for the city.", "location", pa.string(),
          lambda f, _l: len(distinct_names((f.constraints.format or "name").lower())), example="Ohio")  # fmt: skip
def gen_state(d: Draw) -> pa.Array:
    values = _region_values(d)
    if d.unique:
        values = distinct_names((d.spec.constraints.format or "name").lower())
        return take(values, d.index(len(values)))
    return nullable_take(values, geo_tables().region[d.geo().city])


@cache
def _zones() -> pa.Array:
    """Every time zone of the geography tables, sorted (built once: the tables hold 34,505 cities)."""
    return pa.array(sorted(set(geo_tables().timezone.to_pylist())), pa.string())


@register("timezone", "IANA time zone of the row's city.", "location", pa.string(),
          lambda _f, _l: len(_zones()), example="Europe/Paris")  # fmt: skip
def gen_timezone(d: Draw) -> pa.Array:
    if d.unique:
        zones = _zones()
        return take(zones, d.index(len(zones)))
    return take(geo_tables().timezone, d.geo().city)


def _coordinate(name: str, default: tuple[float, float], example: str) -> None:
    def arrow(_f: FieldSpec) -> pa.DataType:
        return pa.float64()

    @register(name, f"{name.title()} in decimal degrees (6 decimals) near the row's city; with `min`/`max` "
              f"uniform in those bounds instead (default ±{default[1]:g}).", "location", arrow,
              lambda f, _l: float_unique_cap(f, default, precision(f, 6) or 0), example=example)  # fmt: skip
    def gen(d: Draw) -> pa.Array:
        c = d.spec.constraints
        if d.unique or c.min is not None or c.max is not None or c.distribution is not None or d.path in d.ctx.copula:
            return pa.array(float_values(d, default, precision(d.spec, 6)), pa.float64())
        lat, lon = d.geo().coordinates()
        return pa.array(np.round(lat if name == "latitude" else lon, precision(d.spec, 6) or 0), pa.float64())


_coordinate("latitude", LATITUDE_DEFAULT, "48.856613")
_coordinate("longitude", LONGITUDE_DEFAULT, "2.352222")


# --- layouts -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """One placeholder of a layout, with the separators baked around it (``name`` None: literal text)."""

    name: str | None
    prefix: str = ""
    suffix: str = ""


#: Placeholders of each layout; those that take separators baked in (word lists, house numbers).
_PLACEHOLDERS = {
    "street_address": {"number", "street"},
    "address": {"street_address", "city", "state", "state_code", "postal_code"},
}
_AFFIXED = {"number", "street", "street_address", "city", "state", "state_code"}


@cache
def layout(locale: str, key: str) -> tuple[Slot, ...]:
    """The locale's layout ``key`` as slots: each separator joins the part before it, else the one after."""
    text = locale_data(locale, "address")[key]
    tokens: list[tuple[str, str]] = []  # ("text", literal) or ("slot", name)
    for literal, name, spec, conversion in string.Formatter().parse(text):
        if literal:
            tokens.append(("text", literal))
        if name is not None:
            if name not in _PLACEHOLDERS[key] or spec or conversion:
                raise ValueError(f"address layout '{key}' of {locale}: unknown placeholder {{{name}}} in {text!r}")
            tokens.append(("slot", name))
    slots: list[Slot] = []
    pending = ""
    for i, (kind, value) in enumerate(tokens):
        if kind == "slot":
            slots.append(Slot(value, prefix=pending))
            pending = ""
        elif slots and slots[-1].name in _AFFIXED:
            last = slots[-1]
            slots[-1] = Slot(last.name, last.prefix, last.suffix + value)
        elif i + 1 < len(tokens) and tokens[i + 1][1] in _AFFIXED:
            pending = value
        else:
            slots.append(Slot(None, suffix=value))
    return tuple(slots)


def postal_pattern(locale: str) -> str:
    """The regular expression postcodes of ``locale`` match."""
    return str(locale_data(locale, "address")["postal_code"])


def postcodes(geo: GeoRows) -> pa.Array:
    """The postcode of each row (the same for every field of the row that shows one)."""
    result: pa.Array = geo.shared("postcode", _draw_postcodes)
    return result


def _draw_postcodes(geo: GeoRows) -> pa.Array:
    """A postcode for each row that agrees with its city: one of the city's own (US ZIP codes), a district
    prefix of the city completed by the country's rule (UK postcode areas), else the country's pattern.
    Null for countries without postcodes."""
    rng = geo.stream("postcode")
    t = geo.tables
    n = geo.n
    u = rng.random(n)
    first = t.postcode_offsets[geo.city]
    count = t.postcode_offsets[geo.city + 1] - first
    groups: list[tuple[np.ndarray, pa.Array]] = []
    for country, rows in groups_of(geo.country):  # in ascending country order: a fixed order of draws
        has = count[rows] > 0
        pieces: list[tuple[np.ndarray, pa.Array]] = []
        known = rows[has]
        if len(known):
            pick = first[known] + np.floor(u[known] * count[known]).astype(np.int64)
            values = take(t.postcode_values, pick)
            rest = t.postcode_rest[country]
            if rest:
                values = concat([values, compile_pattern(rest).random(rng, len(known))], len(known))
            pieces.append((known, values))
        other = rows[~has]
        if len(other):
            pattern = t.postcode[country]
            if pattern:
                pieces.append((other, compile_pattern(pattern).random(rng, len(other))))
            else:
                pieces.append((other, pa.nulls(len(other), pa.string())))
        groups.extend(pieces)
    return scatter(n, groups)


def _postal(d: Draw, stream: str = "postal") -> pa.Array:
    if d.unique and stream == "postal":
        node = compile_pattern(postal_pattern(d.ctx.locale))
        return node.indexed(d.index(node.capacity))
    return postcodes(d.geo())


@register("postal_code", "Postcode of the row's city: a real ZIP code of it in the US, its postcode area in the "
          "UK, the country's format elsewhere (US ZIP, UK postcode, NL 1234 AB, ...).",
          "location", pa.string(), lambda _f, loc: unique_pattern(postal_pattern(loc)).capacity,
          example="10115")  # fmt: skip
def gen_postal(d: Draw) -> pa.Array:
    return _postal(d)


_HOUSE_NUMBER_TEXT = [str(i) for i in range(10000)]
_house_numbers: dict[tuple[str, str], pa.Array] = {}


def _house_numbers_affixed(prefix: str, suffix: str) -> pa.Array:
    arr = _house_numbers.get((prefix, suffix))
    if arr is None:
        arr = pa.array([prefix + v + suffix for v in _HOUSE_NUMBER_TEXT], pa.string())
        _house_numbers[(prefix, suffix)] = arr
    return arr


def _street_draws(
    d: Draw, unique: bool, locales: tuple[str, ...], locale: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Street (an index into the row's locale's street names) and house number of each row."""
    if unique:
        n_streets = vocabulary_size(d.ctx.locale, "street_name")
        idx = d.index(n_streets * 9999)
        return (idx % _U64(n_streets)).astype(np.int64), (idx // _U64(n_streets) + _U64(1)).astype(np.int64)
    rng = d.rng("street")
    if locale is None:
        s = rng.integers(0, vocabulary_size(locales[0], "street_name"), d.n)
    else:
        sizes = np.array([vocabulary_size(loc, "street_name") for loc in locales], dtype=np.int64)
        s = np.floor(rng.random(d.n) * sizes[locale]).astype(np.int64)
    num = np.minimum(np.floor(rng.lognormal(3.5, 1.2, d.n)).astype(np.int64) + 1, 9999)
    return s, num


def _street_parts(loc: str, s: np.ndarray, num: np.ndarray, head: str = "", tail: str = "") -> list[pa.Array | str]:
    """House number and street in the layout of ``loc``, ``head`` before and ``tail`` after (baked in)."""
    slots = layout(loc, "street_address")
    parts: list[pa.Array | str] = []
    for i, slot in enumerate(slots):
        prefix = head + slot.prefix if i == 0 else slot.prefix
        suffix = slot.suffix + tail if i == len(slots) - 1 else slot.suffix
        if slot.name == "number":
            parts.append(take(_house_numbers_affixed(prefix, suffix), num))
        elif slot.name == "street":
            parts.append(take(vocabulary(loc, "street_name", prefix=prefix, suffix=suffix), s))
        else:
            parts.append(prefix + suffix)
    return parts


def _row_locales(d: Draw, unique: bool) -> tuple[tuple[str, ...], np.ndarray | None]:
    """The locales of the rows' streets and address layouts (those of their countries)."""
    if unique:
        return (d.ctx.locale,), None
    locales = mix_locales(d.ctx.mix(), d.ctx.locale)
    if len(locales) == 1:
        return locales, None
    return d.geo().name_locales(d.ctx.locale)


def _by_locale(
    d: Draw, locales: tuple[str, ...], locale: np.ndarray | None, build: Callable[[str, np.ndarray], pa.Array]
) -> pa.Array:
    """``build(locale, rows)`` for each group of rows sharing a locale, put back in row order."""
    if locale is None:
        return build(locales[0], np.arange(d.n))
    return scatter(d.n, [(rows, build(locales[k], rows)) for k, rows in groups_of(locale)])


@register("street_address", "House number and street, in the usual order of the row's country.", "location",
          pa.string(), lambda _f, loc: vocabulary_size(loc, "street_name") * 9999, example="221 Baker Street")  # fmt: skip
def gen_street_address(d: Draw) -> pa.Array:
    locales, locale = _row_locales(d, d.unique)
    s, num = _street_draws(d, d.unique, locales, locale)
    return _by_locale(d, locales, locale, lambda loc, rows: concat(_street_parts(loc, s[rows], num[rows]), len(rows)))


@register("address", "Full postal address of the row's place: street, city, region and postcode that agree, "
          "laid out as in the row's country.", "location", pa.string(),
          lambda _f, loc: vocabulary_size(loc, "street_name") * 9999, example="221 Baker Street, London, NW1 6XE")  # fmt: skip
def gen_address(d: Draw) -> pa.Array:
    t = geo_tables()
    locales, locale = _row_locales(d, d.unique)
    s, num = _street_draws(d, d.unique, locales, locale)
    geo = d.geo()
    region = t.region[geo.city]
    region = np.where(region < 0, len(t.region_name), region)  # the blank entry after the last region
    postal = pc.fill_null(postcodes(geo), "")
    indices = {"city": geo.city, "state": region, "state_code": region}

    def build(loc: str, rows: np.ndarray) -> pa.Array:
        parts: list[pa.Array | str] = []
        for slot in layout(loc, "address"):
            if slot.name == "street_address":
                parts.extend(_street_parts(loc, s[rows], num[rows], head=slot.prefix, tail=slot.suffix))
            elif slot.name in indices:
                parts.append(take(_place_words(slot.name, slot.prefix, slot.suffix), indices[slot.name][rows]))
            elif slot.name == "postal_code":
                parts.append(postal.take(pa.array(rows)) if locale is not None else postal)
            else:
                parts.append(slot.prefix + slot.suffix)
        return concat(parts, len(rows))

    return _by_locale(d, locales, locale, build)


@cache
def _place_words(kind: str, prefix: str, suffix: str) -> pa.Array:
    """City or region names (a blank last entry for rows without a region) with separators baked in."""
    t = geo_tables()
    if kind == "city":
        return pa.array([prefix + v + suffix for v in t.city_name.to_pylist()], pa.string())
    values = [*(t.region_name if kind == "state" else t.region_code).to_pylist(), ""]
    return pa.array([prefix + v + suffix for v in values], pa.string())
