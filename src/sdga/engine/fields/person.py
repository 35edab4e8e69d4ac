"""People: given and family names of the row's person, full names and never-issued US SSNs.

Every person-like field of a row (names, e-mail, username) is built from the same pair of name indices
(:meth:`sdga.engine.context.Draw.person`), so that a row's e-mail agrees with its name.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from sdga.engine import safety
from sdga.engine.context import Draw
from sdga.engine.fields.choice import enum_cdf, take, take_localized
from sdga.engine.fields.registry import Generator, const_cap, register, vocab_cap
from sdga.engine.patterns import concat, digits
from sdga.engine.vocab import vocabulary, vocabulary_size
from sdga.errors import SchemaError

_U64 = np.uint64


def _name_field(kind: str) -> Generator:
    def gen(d: Draw) -> pa.Array:
        values = vocabulary(d.ctx.locale, kind)
        if d.unique:
            return take(values, d.index(len(values)))
        p = d.person()
        return take_localized(
            p.locales, p.locale, p.first if kind == "first_name" else p.last, lambda loc: vocabulary(loc, kind)
        )

    return gen


register("first_name", "Given name; agrees with the row's email/username/full_name.", "person", pa.string(),
         vocab_cap("first_name"), example="Maria")(_name_field("first_name"))  # fmt: skip
register("last_name", "Family name; agrees with the row's email/username/full_name.", "person", pa.string(),
         vocab_cap("last_name"), example="Schmidt")(_name_field("last_name"))  # fmt: skip


@register("full_name", "First and last name of the row's person.", "person", pa.string(),
          lambda _f, loc: vocabulary_size(loc, "first_name") * vocabulary_size(loc, "last_name"), example="Maria Schmidt")  # fmt: skip
def gen_full_name(d: Draw) -> pa.Array:
    firsts, lasts = vocabulary(d.ctx.locale, "first_name"), vocabulary(d.ctx.locale, "last_name")
    if d.unique:
        idx = d.index(len(firsts) * len(lasts))
        fi, li = idx % _U64(len(firsts)), idx // _U64(len(firsts))
        return concat([take(firsts, fi), " ", take(lasts, li)], d.n)
    p = d.person()
    first = take_localized(p.locales, p.locale, p.first, lambda loc: vocabulary(loc, "first_name", suffix=" "))
    last = take_localized(p.locales, p.locale, p.last, lambda loc: vocabulary(loc, "last_name"))
    return concat([first, last], d.n)


@register("sex", "The row's person's sex, agreeing with the given name (female, male). An `enum` renames them: "
          "its first two values stand for female and male; further values (other, unknown) take the share of "
          "rows their `weights` give.", "person", pa.string(), const_cap(2), example="female")  # fmt: skip
def gen_sex(d: Draw) -> pa.Array:
    c = d.spec.constraints
    labels = [str(v) for v in c.enum] if c.enum else ["female", "male"]
    if len(labels) < 2:
        raise SchemaError(f"field '{d.spec.name}': a sex enum needs at least two values (female, male first)")
    p = d.person() if d.row_aligned else None
    female = p.female if p is not None and p.female is not None else d.rng("f").random(d.n) < 0.5
    code = np.where(female, 0, 1).astype(np.int64)
    shares = enum_cdf(d.spec, len(labels))  # checked like any enum's weights; None: equal shares
    if len(labels) > 2:  # other/unknown: their share of the rows, by weight
        full = shares if shares is not None else np.arange(1, len(labels) + 1) / len(labels)
        cdf = full[2:] - full[1]
        extra = np.searchsorted(cdf, d.rng("x").random(d.n), side="right")
        code = np.where(extra < len(cdf), 2 + extra, code)
    return take(pa.array(labels, pa.string()), code)


_SSN_GROUPS = safety.SSN_GROUP_MAX - safety.SSN_GROUP_MIN + 1
_SSN_CAPACITY = (safety.SSN_AREA_MAX - safety.SSN_AREA_MIN + 1) * _SSN_GROUPS * 9999


@register("ssn", "US Social Security number: area 900-999 (never issued), group 01-49 (not an ITIN either).",
          "person", pa.string(), const_cap(_SSN_CAPACITY), example="912-34-5678")  # fmt: skip
def gen_ssn(d: Draw) -> pa.Array:
    idx = d.index(_SSN_CAPACITY)
    serial = idx % _U64(9999) + _U64(1)
    rest = idx // _U64(9999)
    group = rest % _U64(_SSN_GROUPS) + _U64(safety.SSN_GROUP_MIN)
    area = rest // _U64(_SSN_GROUPS) + _U64(safety.SSN_AREA_MIN)
    return concat([digits(area, 3), "-", digits(group, 2), "-", digits(serial, 4)], d.n)
