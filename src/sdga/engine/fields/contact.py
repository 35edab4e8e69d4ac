"""Contact details: e-mail addresses and usernames from the row's name, telephone numbers, domains, URLs.

Every value lies in a range reserved for documentation or fiction (see :mod:`sdga.engine.safety`).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sdga.engine import safety
from sdga.engine.context import Draw
from sdga.engine.fields.choice import groups_of, scatter, take, take_localized
from sdga.engine.fields.registry import register
from sdga.engine.geo.tables import geo_tables
from sdga.engine.patterns import concat, digits
from sdga.engine.vocab import vocabulary, vocabulary_product, vocabulary_size
from sdga.errors import SchemaError
from sdga.models.schema import FieldSpec

_U64 = np.uint64

_NUM_SUFFIX = pa.array([""] + [str(i) for i in range(1, 100)], pa.string())


def _handle_parts(d: Draw, seps: tuple[str, ...], initial_share: float) -> list[pa.Array | str]:
    """``first<sep>last[NN]`` from the row's person; unique fields end in a row-unique number."""
    p = d.person()
    rng = d.rng("handle")
    # "first_slug_or_initial" holds the full names, then the initials (same order); the product adds a separator
    sizes = np.array([vocabulary_size(loc, "first_slug_or_initial") for loc in p.locales], dtype=np.int64)
    names = sizes[0] if p.locale is None else sizes[p.locale]
    first_idx = p.first + (rng.random(d.n) < initial_share) * (names // 2)
    first_idx = first_idx + rng.integers(0, len(seps), d.n) * names
    if d.unique:
        assert d.rows is not None
        # Names hold no digits, so a distinct trailing number per row makes the whole handle distinct.
        suffix = pc.cast(pa.array(d.index(max(d.ctx.volume, 1000)).astype(np.int64)), pa.string())
    else:
        k = rng.integers(0, 100, d.n)
        k[rng.random(d.n) < 0.65] = 0
        suffix = take(_NUM_SUFFIX, k)
    firsts = take_localized(
        p.locales, p.locale, first_idx, lambda loc: vocabulary_product(loc, "first_slug_or_initial", seps)
    )
    lasts = take_localized(p.locales, p.locale, p.last, lambda loc: vocabulary(loc, "last_slug"))
    return [firsts, lasts, suffix]


@register("email", "E-mail built from the row's name on reserved domains (example.com/.net/.org, *.test, *.example).",
          "person", pa.string(), lambda _f, _l: 1 << 40, example="maria.schmidt@example.com")  # fmt: skip
def gen_email(d: Draw) -> pa.Array:
    domains = pa.array(["@" + x for x in safety.EMAIL_DOMAINS], pa.string())
    dom = take(domains, d.rng("domain").integers(0, len(domains), d.n))
    return concat([*_handle_parts(d, (".", "_", "", "."), 0.15), dom], d.n)


@register("username", "Login name built from the row's name (unique ones end in a row number).", "person",
          pa.string(), lambda _f, _l: 1 << 40, example="mschmidt42")  # fmt: skip
def gen_username(d: Draw) -> pa.Array:
    return concat(_handle_parts(d, ("", ".", "_"), 0.4), d.n)


def _phone_cap(_f: FieldSpec, locale: str) -> int:
    return sum(10**r.free_digits for r in safety.phone_ranges(locale))


def _phones(ranges: tuple[safety.PhoneRange, ...], fmt: str, idx: np.ndarray, n: int) -> pa.Array:
    width = ranges[0].free_digits
    if any(r.free_digits != width for r in ranges):
        raise SchemaError("inconsistent phone ranges")  # pragma: no cover - constant data
    # Every range has 10**width numbers: index = range * 10**width + number within the range.
    which, rest = idx // _U64(10**width), idx % _U64(10**width)
    prefixes = pa.array([getattr(r, fmt) for r in ranges], pa.string())
    return concat([take(prefixes, which), digits(rest, width)], n)


@register("phone", "Telephone number of the row's country in a range reserved for fiction (NANP 555-01xx, "
          "Ofcom drama, German and Australian drama numbers; elsewhere the NANP block); format national "
          "(default), international or e164.", "person", pa.string(), _phone_cap,
          example="(201) 555-0142")  # fmt: skip
def gen_phone(d: Draw) -> pa.Array:
    fmt = (d.spec.constraints.format or "national").lower()
    if fmt not in ("national", "international", "e164"):
        raise SchemaError(f"field '{d.spec.name}': phone format must be national, international or e164")
    if d.unique:
        ranges = safety.phone_ranges(d.ctx.locale)
        return _phones(ranges, fmt, d.index(len(ranges) * 10 ** ranges[0].free_digits), d.n)
    codes = geo_tables().codes
    country = d.single_country()
    if country is not None:
        ranges = safety.country_phone_ranges(country)
        return _phones(ranges, fmt, d.index(len(ranges) * 10 ** ranges[0].free_digits), d.n)
    u = d.rng("idx").random(d.n)
    groups = []
    for cid, rows in groups_of(d.geo().country):
        ranges = safety.country_phone_ranges(codes[cid])
        cap = len(ranges) * 10 ** ranges[0].free_digits
        groups.append((rows, _phones(ranges, fmt, np.floor(u[rows] * cap).astype(np.uint64), len(rows))))
    return scatter(d.n, groups)


_DOMAIN_SUFFIXES = pa.array([".example.com", ".example.net", ".example.org", ".example", ".test"], pa.string())


def _domain_cap(_f: FieldSpec, locale: str) -> int:
    return vocabulary_size(locale, "word_slug") * len(_DOMAIN_SUFFIXES) * 100


def _domains(d: Draw) -> pa.Array:
    words = vocabulary(d.ctx.locale, "word_slug")
    idx = d.index(len(words) * len(_DOMAIN_SUFFIXES) * 100)
    w = idx % _U64(len(words))
    rest = idx // _U64(len(words))
    sfx = rest % _U64(len(_DOMAIN_SUFFIXES))
    num = (rest // _U64(len(_DOMAIN_SUFFIXES))).astype(np.int64)
    # Most domains are a bare word; a unique domain keeps the number that makes it distinct.
    tag = take(_NUM_SUFFIX, num) if d.unique else take(_NUM_SUFFIX, np.where(num < 80, 0, num))
    return concat([take(words, w), tag, take(_DOMAIN_SUFFIXES, sfx)], d.n)


@register("domain", "Domain name under a reserved name (example.com/.net/.org, .example, .test).", "network",
          pa.string(), _domain_cap, example="acme.example.com")  # fmt: skip
def gen_domain(d: Draw) -> pa.Array:
    return _domains(d)


@register("url", "https URL on a reserved domain, with a path.", "network", pa.string(), _domain_cap,
          example="https://shop.example.com/products/view")  # fmt: skip
def gen_url(d: Draw) -> pa.Array:
    words = vocabulary(d.ctx.locale, "word_slug")
    rng = d.rng("path")
    p1 = take(words, rng.integers(0, len(words), d.n))
    p2 = take(words, rng.integers(0, len(words), d.n))
    return concat(["https://", _domains(d), "/", p1, "/", p2], d.n)
