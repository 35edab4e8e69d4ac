"""Places: countries, regions, cities, coordinates, postcodes and street addresses laid out per locale.

How a locale writes a postcode and an address is data (``sdga/engine/data/<locale>/address.json``): a
regular expression for the postcode and two layouts, e.g. ``"{number} {street}"`` and
``"{street_address}, {city}, {state} {postal_code}"``. The separators of a layout are baked into the word
lists next to them (one string pass fewer per separator), so an address costs a handful of passes.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa

from sdga.engine.context import Draw
from sdga.engine.fields.bounds import LATITUDE_DEFAULT, LONGITUDE_DEFAULT, precision
from sdga.engine.fields.choice import take
from sdga.engine.fields.numeric import float_unique_cap, float_values
from sdga.engine.fields.registry import register, register_vocabulary
from sdga.engine.locale_data import locale_data
from sdga.engine.patterns import compile_pattern, concat, unique_pattern
from sdga.engine.vocab import vocabulary, vocabulary_size
from sdga.models.schema import FieldSpec

_U64 = np.uint64

register_vocabulary("country", "country", "Country name (in the locale's language).", "location", "France")
register_vocabulary("country_code", "country_code", "ISO 3166-1 alpha-2 country code.", "location", "FR")
register_vocabulary("city", "city", "City name of the locale.", "location", "Lyon")
register_vocabulary("state", "state", "State / region / county of the locale.", "location", "Ohio")


def _coordinate(name: str, default: tuple[float, float], example: str) -> None:
    def arrow(_f: FieldSpec) -> pa.DataType:
        return pa.float64()

    @register(name, f"{name.title()} in decimal degrees (default ±{default[1]:g}, 6 decimals).", "location", arrow,
              lambda f, _l: float_unique_cap(f, default, precision(f, 6) or 0), example=example)  # fmt: skip
    def gen(d: Draw) -> pa.Array:
        return pa.array(float_values(d, default, precision(d.spec, 6)), pa.float64())


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
    "address": {"street_address", "city", "state", "postal_code"},
}
_AFFIXED = {"number", "street", "street_address", "city", "state"}


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


def _postal(d: Draw, stream: str = "postal") -> pa.Array:
    node = compile_pattern(postal_pattern(d.ctx.locale))
    if d.unique and stream == "postal":
        return node.indexed(d.index(node.capacity))
    return node.random(d.rng(stream), d.n)


@register("postal_code", "Postal code shaped like the locale's (US ZIP, UK postcode, NL 1234 AB, ...).",
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


def _street_parts(d: Draw, unique: bool, head: str = "", tail: str = "") -> list[pa.Array | str]:
    """House number and street in the locale's layout, ``head`` before and ``tail`` after (baked in)."""
    loc = d.ctx.locale
    n_streets = vocabulary_size(loc, "street_name")
    if unique:
        idx = d.index(n_streets * 9999)
        s = (idx % _U64(n_streets)).astype(np.int64)
        num = (idx // _U64(n_streets) + _U64(1)).astype(np.int64)
    else:
        rng = d.rng("street")
        s = rng.integers(0, n_streets, d.n)
        num = np.minimum(np.floor(rng.lognormal(3.5, 1.2, d.n)).astype(np.int64) + 1, 9999)
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


@register("street_address", "House number and street of the locale, in its usual order.", "location",
          pa.string(), lambda _f, loc: vocabulary_size(loc, "street_name") * 9999, example="221 Baker Street")  # fmt: skip
def gen_street_address(d: Draw) -> pa.Array:
    return concat(_street_parts(d, d.unique), d.n)


@register("address", "Full postal address: street, city, region/postcode laid out as in the locale.", "location",
          pa.string(), lambda _f, loc: vocabulary_size(loc, "street_name") * 9999, example="221 Baker Street, London, NW1 6XE")  # fmt: skip
def gen_address(d: Draw) -> pa.Array:
    loc = d.ctx.locale
    slots = layout(loc, "address")
    rng = d.rng("city")
    city_idx = rng.integers(0, vocabulary_size(loc, "city"), d.n)  # drawn first: the state follows it
    postal = _postal(d, "address-postal")
    parts: list[pa.Array | str] = []
    for slot in slots:
        if slot.name == "street_address":
            parts.extend(_street_parts(d, d.unique, head=slot.prefix, tail=slot.suffix))
        elif slot.name in ("city", "state"):
            idx = city_idx if slot.name == "city" else rng.integers(0, vocabulary_size(loc, "state"), d.n)
            parts.append(take(vocabulary(loc, slot.name, prefix=slot.prefix, suffix=slot.suffix), idx))
        elif slot.name == "postal_code":  # takes no separators: those around it join its neighbours
            parts.append(postal)
        else:
            parts.append(slot.prefix + slot.suffix)
    return concat(parts, d.n)
