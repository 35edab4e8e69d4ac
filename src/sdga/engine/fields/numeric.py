"""Numbers: integers, floats, exact decimals and row sequences (distributions and copulas apply)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from sdga.engine.context import Draw
from sdga.engine.dist import shape_continuous, shape_discrete
from sdga.engine.fields.bounds import (
    AMOUNT_DEFAULT,
    FLOAT_DEFAULT,
    decimal_scaled_bounds,
    int_bounds,
    num_bounds,
    precision,
    scaled_bounds,
)
from sdga.engine.fields.registry import Capacity, register
from sdga.models.schema import Distribution, FieldSpec


def _int_cap(f: FieldSpec, _l: str) -> int:
    lo, hi = int_bounds(f)
    return hi - lo + 1


@register("integer", "Whole number in [min, max] (default 0..1,000,000); distributions and copulas apply.",
          "numeric", pa.int64(), _int_cap, row_addressable=True, example="42")  # fmt: skip
def gen_integer(d: Draw) -> pa.Array:
    lo, hi = int_bounds(d.spec)
    if d.unique:
        return pa.array(d.index(hi - lo + 1).astype(np.int64) + np.int64(lo), pa.int64())
    dist = d.spec.constraints.distribution
    if dist is None and d.path not in d.ctx.copula:
        return pa.array(d.rng("v").integers(lo, hi, d.n, endpoint=True, dtype=np.int64), pa.int64())
    return pa.array(shape_discrete(d.uniforms(), lo, hi, dist), pa.int64())


def float_unique_cap(f: FieldSpec, default: tuple[float, float], p: int) -> int:
    """Distinct values with ``p`` decimals in the field's range."""
    slo, shi = scaled_bounds(f, default, p)
    return shi - slo + 1


def float_values(d: Draw, default: tuple[float, float], places: int | None) -> np.ndarray:
    """Floats in the field's range (``default`` when not given), on the grid of ``places`` decimals if set."""
    lo, hi = num_bounds(d.spec, default)
    if d.unique:
        p = 6 if places is None else places
        slo, shi = scaled_bounds(d.spec, default, p)
        steps = d.index(shi - slo + 1)
        return np.round(slo / 10**p + steps.astype(np.float64) / 10**p, p)
    x = shape_continuous(d.uniforms(), lo, hi, d.spec.constraints.distribution)
    if places is not None:
        # Clip to the outermost values that have `places` decimals, so rounding never leaves the grid.
        slo, shi = scaled_bounds(d.spec, default, places)
        x = np.clip(np.round(x, places), slo / 10**places, shi / 10**places)
    return x


@register("float", "Real number in [min, max] (default 0..1000), rounded to `precision` when given.",
          "numeric", pa.float64(), lambda f, _l: float_unique_cap(f, FLOAT_DEFAULT, precision(f, 6) or 0),
          example="3.14")  # fmt: skip
def gen_float(d: Draw) -> pa.Array:
    return pa.array(float_values(d, FLOAT_DEFAULT, precision(d.spec, None)), pa.float64())


def decimal_type(f: FieldSpec) -> pa.DataType:
    """decimal128(18, precision), precision default 2."""
    return pa.decimal128(18, precision(f, 2) or 0)


def decimal_from_scaled(scaled: np.ndarray, typ: pa.DataType) -> pa.Array:
    """decimal128 built straight from int64 unscaled values (16-byte little-endian two's complement)."""
    v = np.asarray(scaled, dtype=np.int64)
    buf = np.empty((len(v), 2), dtype=np.int64)
    buf[:, 0] = v
    buf[:, 1] = np.where(v < 0, -1, 0)
    return pa.Array.from_buffers(typ, len(v), [None, pa.py_buffer(buf.tobytes())])


def decimal_values(d: Draw, default: tuple[float, float]) -> pa.Array:
    """Exact decimals in the field's range, drawn as integers in units of ``10**-precision``."""
    p = precision(d.spec, 2) or 0
    slo, shi = decimal_scaled_bounds(d.spec, default)
    if d.unique:
        scaled = d.index(shi - slo + 1).astype(np.int64) + np.int64(slo)
    elif d.spec.constraints.distribution is None and d.path not in d.ctx.copula:
        scaled = d.rng("v").integers(slo, shi, d.n, endpoint=True, dtype=np.int64)
    else:
        scaled = shape_discrete(d.uniforms(), slo, shi, _scaled_distribution(d.spec.constraints.distribution, 10**p))
    return decimal_from_scaled(scaled, decimal_type(d.spec))


def _scaled_distribution(dist: Distribution | None, factor: float) -> Distribution | None:
    """The distribution in units of 10**-precision (decimals are drawn as scaled integers)."""
    if dist is None:
        return None
    return dist.model_copy(
        update={
            "mean": dist.mean * factor if dist.mean is not None else None,
            "std": dist.std * factor if dist.std is not None else None,
            "quantiles": [q * factor for q in dist.quantiles] if dist.quantiles else None,
        }
    )


def decimal_cap(default: tuple[float, float]) -> Capacity:
    def capacity(f: FieldSpec, _l: str) -> int:
        slo, shi = decimal_scaled_bounds(f, default)
        return shi - slo + 1

    return capacity


@register("decimal", "Exact decimal (Arrow decimal128(18, precision); precision default 2).", "numeric",
          decimal_type, decimal_cap(AMOUNT_DEFAULT), example="1234.56")  # fmt: skip
def gen_decimal(d: Draw) -> pa.Array:
    return decimal_values(d, AMOUNT_DEFAULT)


def _seq_cap(f: FieldSpec, _l: str) -> int | None:
    if f.constraints.max is None:
        return None
    lo, hi = int_bounds(f)
    return hi - lo + 1


@register("sequence", "Row number counting up from `min` (default 1): stable surrogate keys.", "numeric",
          pa.int64(), _seq_cap, row_addressable=True, example="1, 2, 3")  # fmt: skip
def gen_sequence(d: Draw) -> pa.Array:
    start = int(d.spec.constraints.min) if d.spec.constraints.min is not None else 1
    rows = d.rows if d.rows is not None else np.arange(d.n, dtype=np.uint64)
    return pa.array(rows.astype(np.int64) + np.int64(start), pa.int64())
