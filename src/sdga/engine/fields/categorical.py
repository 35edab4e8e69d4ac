"""Choices: booleans, a field's own categories, fixed weighted lists and colours."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from sdga.engine.context import Draw
from sdga.engine.fields.choice import enum_arrow, enum_cdf, enum_values, pick_weighted, take
from sdga.engine.fields.registry import const_cap, register
from sdga.engine.patterns import concat, hex_digits
from sdga.engine.vocab import vocabulary, vocabulary_size


@register("boolean", "True/false; `constraints.weights` [true, false] skews it.", "basic", pa.bool_(),
          const_cap(2), example="true")  # fmt: skip
def gen_boolean(d: Draw) -> pa.Array:
    if d.unique:
        return pa.array(d.index(2) == 1)
    w = d.spec.constraints.weights
    p_true = 0.5 if not w or len(w) != 2 or sum(w) <= 0 else w[0] / sum(w)
    return pa.array(d.uniforms() < p_true, pa.bool_())


@register("category", "One of `enum`, optionally with `weights` (same length).", "basic",
          lambda f: enum_arrow(f.constraints.enum or ["x"]), lambda f, _l: len(f.constraints.enum or []),
          example="active")  # fmt: skip
def gen_category(d: Draw) -> pa.Array:
    values = enum_values(d.spec)
    arr = pa.array(values, enum_arrow(values))
    return pick_weighted(d, arr, enum_cdf(d.spec, len(values)))


def register_fixed_choice(
    name: str, desc: str, category: str, values: list[Any], weights: list[float], typ: pa.DataType
) -> None:
    """A type that picks one of a fixed list of ``values`` with the given relative ``weights``."""
    arr = pa.array(values, typ)
    cdf = np.cumsum(weights) / np.sum(weights)

    @register(name, desc, category, typ, const_cap(len(values)), example=str(values[0]))
    def gen(d: Draw) -> pa.Array:
        return pick_weighted(d, arr, cdf)


@register("color", "Colour name, or `#rrggbb` with format 'hex'.", "basic", pa.string(),
          lambda f, loc: 1 << 24 if (f.constraints.format or "").lower() == "hex" else vocabulary_size(loc, "color"),
          example="teal")  # fmt: skip
def gen_color(d: Draw) -> pa.Array:
    if (d.spec.constraints.format or "").lower() == "hex":
        v = d.index(1 << 24)
        return concat(["#", hex_digits(v, 6)], d.n)
    values = vocabulary(d.ctx.locale, "color")
    return take(values, d.index(len(values)))
