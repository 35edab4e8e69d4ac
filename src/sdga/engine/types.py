"""The field-type catalogue: for every type, its Arrow type, its unique capacity and a vectorised generator.

Every built-in generator works column-at-a-time with NumPy/PyArrow; none calls Faker per row (the only
per-row path is the explicit ``faker:<method>`` escape hatch). Values of personal-data types come only
from the reserved ranges in :mod:`sdga.engine.safety`.
"""

from __future__ import annotations

import inspect
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from faker import Faker

from sdga.engine import safety
from sdga.engine.context import Draw
from sdga.engine.dist import shape_continuous, shape_discrete
from sdga.engine.fakersafe import make_safe
from sdga.engine.patterns import ascii_fixed, compile_pattern, concat, digits, join_lists, unique_pattern
from sdga.engine.rng import mix64
from sdga.engine.temporal import US, days, micros, reference_point, time_seconds, to_datetime
from sdga.engine.vocab import faker_for, new_faker, vocabulary, vocabulary_product, vocabulary_size
from sdga.errors import SchemaError
from sdga.models.schema import FAKER_TYPE_PREFIX, Distribution, FieldSpec

Generator = Callable[[Draw], pa.Array]
Capacity = Callable[[FieldSpec, str], "int | None"]

_U64 = np.uint64
INT_DEFAULT = (0, 1_000_000)
FLOAT_DEFAULT = (0.0, 1000.0)
AMOUNT_DEFAULT = (0.0, 10_000.0)


@dataclass(frozen=True)
class TypeDef:
    name: str
    description: str
    category: str
    arrow: Callable[[FieldSpec], pa.DataType]
    generate: Generator
    capacity: Capacity | None = None  # None: unique not supported; returning None: unbounded
    row_addressable: bool = False  # a unique value depends on the row index alone (valid FK target)
    example: str = ""


REGISTRY: dict[str, TypeDef] = {}


def register(
    name: str,
    description: str,
    category: str,
    arrow: pa.DataType | Callable[[FieldSpec], pa.DataType],
    capacity: Capacity | None = None,
    *,
    row_addressable: bool = False,
    example: str = "",
) -> Callable[[Generator], Generator]:
    if callable(arrow):
        arrow_fn: Callable[[FieldSpec], pa.DataType] = arrow
    else:
        fixed: pa.DataType = arrow

        def arrow_fn(_f: FieldSpec) -> pa.DataType:
            return fixed

    def deco(fn: Generator) -> Generator:
        REGISTRY[name] = TypeDef(name, description, category, arrow_fn, fn, capacity, row_addressable, example)
        return fn

    return deco


def _const_cap(value: int) -> Capacity:
    return lambda _f, _l: value


def _vocab_cap(kind: str) -> Capacity:
    return lambda _f, locale: vocabulary_size(locale, kind)


def _take(values: pa.Array, idx: np.ndarray) -> pa.Array:
    return values.take(pa.array(np.asarray(idx, dtype=np.int64)))


# --- numbers -----------------------------------------------------------------------------------------


def _num_bounds(f: FieldSpec, default: tuple[float, float]) -> tuple[float, float]:
    c = f.constraints
    try:
        lo = float(c.min) if c.min is not None else default[0]
        hi = float(c.max) if c.max is not None else max(default[1], lo)
    except (TypeError, ValueError) as exc:
        raise SchemaError(f"field '{f.name}': min/max must be numbers for type {f.type}") from exc
    if lo > hi:
        raise SchemaError(f"field '{f.name}': min ({lo:g}) is greater than max ({hi:g})")
    return lo, hi


def _exact_int_bound(value: Any) -> int | None:
    """An integer bound taken exactly when it is written as an integer (float would round above 2**53)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def int_bounds(f: FieldSpec) -> tuple[int, int]:
    lo, hi = _num_bounds(f, INT_DEFAULT)
    c = f.constraints
    exact_lo = _exact_int_bound(c.min)
    exact_hi = _exact_int_bound(c.max)
    ilo = exact_lo if exact_lo is not None else int(np.ceil(lo))
    if exact_hi is not None:
        ihi = exact_hi
    elif c.max is None:
        ihi = max(INT_DEFAULT[1], ilo)
    else:
        ihi = int(np.floor(hi))
    if ilo > ihi:
        raise SchemaError(f"field '{f.name}': no integer lies between min and max")
    if ilo < -(2**63) or ihi > 2**63 - 1:
        raise SchemaError(f"field '{f.name}': integer bounds must fit in 64 bits")
    return ilo, ihi


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


def _precision(f: FieldSpec, default: int | None) -> int | None:
    return f.constraints.precision if f.constraints.precision is not None else default


def _exact_decimal(value: Any, fallback: float) -> Decimal:
    """A bound as written (``0.1`` is one tenth, ``"1234567890123456.78"`` keeps every digit)."""
    if value is None:
        return Decimal(repr(fallback))
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return Decimal(repr(fallback))


def scaled_bounds(f: FieldSpec, default: tuple[float, float], p: int) -> tuple[int, int]:
    """``[min, max]`` in units of ``10**-p``: the first and last value with ``p`` decimals, exactly.

    Going through float would round bounds of 16+ digits (values outside ``[min, max]``) and miscount the
    values a unique field can take (``0.15..0.3`` with one decimal holds 0.2 and 0.3 only).
    """
    lo, hi = _num_bounds(f, default)
    scale = Decimal(10) ** p
    slo = int((_exact_decimal(f.constraints.min, lo) * scale).to_integral_value(rounding=ROUND_CEILING))
    shi = int((_exact_decimal(f.constraints.max, hi) * scale).to_integral_value(rounding=ROUND_FLOOR))
    if slo > shi:
        raise SchemaError(f"field '{f.name}': no value with {p} decimal places lies between min and max")
    return slo, shi


def _float_unique_cap(f: FieldSpec, default: tuple[float, float], p: int) -> int:
    slo, shi = scaled_bounds(f, default, p)
    return shi - slo + 1


def _float_values(d: Draw, default: tuple[float, float], precision: int | None) -> np.ndarray:
    lo, hi = _num_bounds(d.spec, default)
    if d.unique:
        p = 6 if precision is None else precision
        slo, shi = scaled_bounds(d.spec, default, p)
        steps = d.index(shi - slo + 1)
        return np.round(slo / 10**p + steps.astype(np.float64) / 10**p, p)
    x = shape_continuous(d.uniforms(), lo, hi, d.spec.constraints.distribution)
    if precision is not None:
        # Clip to the outermost values that have `precision` decimals, so rounding never leaves the grid.
        slo, shi = scaled_bounds(d.spec, default, precision)
        x = np.clip(np.round(x, precision), slo / 10**precision, shi / 10**precision)
    return x


@register("float", "Real number in [min, max] (default 0..1000), rounded to `precision` when given.",
          "numeric", pa.float64(), lambda f, _l: _float_unique_cap(f, FLOAT_DEFAULT, _precision(f, 6) or 0),
          example="3.14")  # fmt: skip
def gen_float(d: Draw) -> pa.Array:
    return pa.array(_float_values(d, FLOAT_DEFAULT, _precision(d.spec, None)), pa.float64())


def _decimal_type(f: FieldSpec) -> pa.DataType:
    return pa.decimal128(18, _precision(f, 2) or 0)


def _decimal_from_scaled(scaled: np.ndarray, typ: pa.DataType) -> pa.Array:
    """decimal128 built straight from int64 unscaled values (16-byte little-endian two's complement)."""
    v = np.asarray(scaled, dtype=np.int64)
    buf = np.empty((len(v), 2), dtype=np.int64)
    buf[:, 0] = v
    buf[:, 1] = np.where(v < 0, -1, 0)
    return pa.Array.from_buffers(typ, len(v), [None, pa.py_buffer(buf.tobytes())])


def decimal_scaled_bounds(f: FieldSpec, default: tuple[float, float] = AMOUNT_DEFAULT) -> tuple[int, int]:
    """``[min, max]`` of a decimal field in units of ``10**-precision`` (see :func:`scaled_bounds`)."""
    slo, shi = scaled_bounds(f, default, _precision(f, 2) or 0)
    if max(abs(slo), abs(shi)) >= 10**18:
        raise SchemaError(f"field '{f.name}': bounds too large for 18 significant digits")
    return slo, shi


def _gen_decimal(d: Draw, default: tuple[float, float]) -> pa.Array:
    p = _precision(d.spec, 2) or 0
    slo, shi = decimal_scaled_bounds(d.spec, default)
    if d.unique:
        scaled = d.index(shi - slo + 1).astype(np.int64) + np.int64(slo)
    elif d.spec.constraints.distribution is None and d.path not in d.ctx.copula:
        scaled = d.rng("v").integers(slo, shi, d.n, endpoint=True, dtype=np.int64)
    else:
        scaled = shape_discrete(d.uniforms(), slo, shi, _scaled_distribution(d.spec.constraints.distribution, 10**p))
    return _decimal_from_scaled(scaled, _decimal_type(d.spec))


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


def _decimal_cap(default: tuple[float, float]) -> Capacity:
    def capacity(f: FieldSpec, _l: str) -> int:
        slo, shi = decimal_scaled_bounds(f, default)
        return shi - slo + 1

    return capacity


@register("decimal", "Exact decimal (Arrow decimal128(18, precision); precision default 2).", "numeric",
          _decimal_type, _decimal_cap(AMOUNT_DEFAULT), example="1234.56")  # fmt: skip
def gen_decimal(d: Draw) -> pa.Array:
    return _gen_decimal(d, AMOUNT_DEFAULT)


@register("amount", "Money amount: exact decimal, default 0..10,000 with 2 decimals.", "numeric",
          _decimal_type, _decimal_cap(AMOUNT_DEFAULT), example="249.99")  # fmt: skip
def gen_amount(d: Draw) -> pa.Array:
    return _gen_decimal(d, AMOUNT_DEFAULT)


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


@register("boolean", "True/false; `constraints.weights` [true, false] skews it.", "basic", pa.bool_(),
          _const_cap(2), example="true")  # fmt: skip
def gen_boolean(d: Draw) -> pa.Array:
    if d.unique:
        return pa.array(d.index(2) == 1)
    w = d.spec.constraints.weights
    p_true = 0.5 if not w or len(w) != 2 or sum(w) <= 0 else w[0] / sum(w)
    return pa.array(d.uniforms() < p_true, pa.bool_())


def _geo(name: str, limit: float, example: str) -> None:
    def arrow(_f: FieldSpec) -> pa.DataType:
        return pa.float64()

    @register(name, f"{name.title()} in decimal degrees (default ±{limit:g}, 6 decimals).", "location", arrow,
              lambda f, _l: _float_unique_cap(f, (-limit, limit), _precision(f, 6) or 0), example=example)  # fmt: skip
    def gen(d: Draw) -> pa.Array:
        return pa.array(_float_values(d, (-limit, limit), _precision(d.spec, 6)), pa.float64())


_geo("latitude", 90.0, "48.856613")
_geo("longitude", 180.0, "2.352222")


# --- categories ----------------------------------------------------------------------------------------


def enum_arrow(values: list[Any]) -> pa.DataType:
    if all(isinstance(v, bool) for v in values):
        return pa.bool_()
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pa.int64()
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return pa.float64()
    return pa.string()


def enum_values(f: FieldSpec) -> list[Any]:
    values = f.constraints.enum
    if not values:
        raise SchemaError(f"field '{f.name}': type {f.type} needs constraints.enum (the allowed values)")
    typ = enum_arrow(values)
    return [str(v) if typ == pa.string() else v for v in values]


def _weights(f: FieldSpec, k: int) -> np.ndarray | None:
    w = f.constraints.weights
    if w is None:
        return None
    if len(w) != k:
        raise SchemaError(f"field '{f.name}': {len(w)} weights given for {k} enum values")
    arr = np.asarray(w, dtype=np.float64)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or arr.sum() <= 0:
        raise SchemaError(f"field '{f.name}': weights must be non-negative and not all zero")
    return np.cumsum(arr) / arr.sum()


def pick_weighted(d: Draw, values: pa.Array, cdf: np.ndarray | None) -> pa.Array:
    k = len(values)
    if d.unique:
        return _take(values, d.index(k))
    if cdf is None:
        return _take(values, d.rng("v").integers(0, k, d.n))
    return _take(values, np.minimum(np.searchsorted(cdf, d.uniforms(), side="right"), k - 1))


@register("category", "One of `enum`, optionally with `weights` (same length).", "basic",
          lambda f: enum_arrow(f.constraints.enum or ["x"]), lambda f, _l: len(f.constraints.enum or []),
          example="active")  # fmt: skip
def gen_category(d: Draw) -> pa.Array:
    values = enum_values(d.spec)
    arr = pa.array(values, enum_arrow(values))
    return pick_weighted(d, arr, _weights(d.spec, len(values)))


def _fixed_category(name: str, desc: str, values: list[Any], weights: list[float], typ: pa.DataType) -> None:
    arr = pa.array(values, typ)
    cdf = np.cumsum(weights) / np.sum(weights)

    @register(name, desc, "technical", typ, _const_cap(len(values)), example=str(values[0]))
    def gen(d: Draw) -> pa.Array:
        return pick_weighted(d, arr, cdf)


_fixed_category("http_method", "HTTP method, weighted like real traffic (GET most common).",
                ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"],
                [60, 20, 8, 5, 5, 1, 1], pa.string())  # fmt: skip
_fixed_category("http_status", "HTTP status code, weighted (mostly 2xx, some 3xx/4xx/5xx).",
                [200, 201, 204, 301, 302, 304, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503],
                [70, 5, 3, 1, 2, 3, 4, 3, 2, 4, 0.5, 1, 0.5, 1, 0.5, 0.5], pa.int64())  # fmt: skip
_fixed_category("log_level", "Log level, weighted (INFO most common).",
                ["DEBUG", "INFO", "WARN", "ERROR", "FATAL"], [15, 60, 15, 8, 2], pa.string())  # fmt: skip


def _vocab_type(name: str, kind: str, desc: str, category: str, example: str) -> None:
    @register(name, desc, category, pa.string(), _vocab_cap(kind), example=example)
    def gen(d: Draw) -> pa.Array:
        values = vocabulary(d.ctx.locale, kind)
        return _take(values, d.index(len(values)))


_vocab_type("company", "company", "Company name from the locale's word lists.", "business", "Acme Ltd")
_vocab_type("job_title", "job_title", "Job title.", "business", "Data Engineer")
_vocab_type("country", "country", "Country name (in the locale's language).", "location", "France")
_vocab_type("country_code", "country_code", "ISO 3166-1 alpha-2 country code.", "location", "FR")
_vocab_type("city", "city", "City name of the locale.", "location", "Lyon")
_vocab_type("state", "state", "State / region / county of the locale.", "location", "Ohio")
_vocab_type("currency_code", "currency_code", "ISO 4217 currency code.", "business", "EUR")
_vocab_type("word", "word", "One word (locale lorem list).", "text", "lorem")
_vocab_type("user_agent", "user_agent", "Browser user-agent string.", "technical", "Mozilla/5.0 ...")


@register("color", "Colour name, or `#rrggbb` with format 'hex'.", "basic", pa.string(),
          lambda f, loc: 1 << 24 if (f.constraints.format or "").lower() == "hex" else vocabulary_size(loc, "color"),
          example="teal")  # fmt: skip
def gen_color(d: Draw) -> pa.Array:
    if (d.spec.constraints.format or "").lower() == "hex":
        v = d.index(1 << 24)
        return concat(["#", _hex(v, 6)], d.n)
    values = vocabulary(d.ctx.locale, "color")
    return _take(values, d.index(len(values)))


# --- text ------------------------------------------------------------------------------------------------


def _length_bounds(f: FieldSpec, lo: int, hi: int) -> tuple[int, int]:
    c = f.constraints
    # A bound that is not given follows the one that is: `max_length: 5` alone means 5 at most (not an
    # error against the default minimum of 8), `min_length: 20` alone means at least 20.
    default_min = lo if c.max_length is None else min(lo, c.max_length)
    a = c.min_length if c.min_length is not None else default_min
    b = c.max_length if c.max_length is not None else max(hi, a)
    if a > b:
        raise SchemaError(f"field '{f.name}': min_length ({a}) is greater than max_length ({b})")
    return a, b


def _string_pattern(f: FieldSpec) -> str:
    if f.constraints.pattern:
        return f.constraints.pattern
    a, b = _length_bounds(f, 8, 16)
    if b > 10_000:
        raise SchemaError(f"field '{f.name}': max_length above 10000 is not supported")
    return f"[A-Za-z0-9]{{{a},{b}}}"


def max_text_length(f: FieldSpec) -> int | None:
    """The longest value a ``string`` or ``pattern`` field produces (None for other types or bad specs).

    Edge cases (``very_long``) are not counted; a SQL writer uses this to size indexed text columns.
    """
    if f.type not in ("string", "pattern") or (f.type == "pattern" and not f.constraints.pattern):
        return None
    try:
        return compile_pattern(_string_pattern(f)).max_len()
    except SchemaError:
        return None


@register("string", "Text: from `pattern` if given, else letters/digits of min_length..max_length (8..16).",
          "basic", pa.string(), lambda f, _l: unique_pattern(_string_pattern(f)).capacity, example="aZ3kQ9xP")  # fmt: skip
def gen_string(d: Draw) -> pa.Array:
    node = compile_pattern(_string_pattern(d.spec))
    if d.unique:
        return node.indexed(d.index(node.capacity))
    return node.random(d.rng("v"), d.n)


def _pattern_of(f: FieldSpec) -> str:
    if not f.constraints.pattern:
        raise SchemaError(f"field '{f.name}': type pattern needs constraints.pattern (a regular expression)")
    return f.constraints.pattern


@register("pattern", "String matching the regex `constraints.pattern` (vectorised subset, see docs/engine.md).",
          "basic", pa.string(), lambda f, _l: unique_pattern(_pattern_of(f)).capacity, row_addressable=True,
          example="AB-1234")  # fmt: skip
def gen_pattern(d: Draw) -> pa.Array:
    node = compile_pattern(_pattern_of(d.spec))
    if d.unique:
        return node.indexed(d.index(node.capacity))
    return node.random(d.rng("v"), d.n)


def _sentences(d: Draw, n: int, stream: str, lo: int = 4, hi: int = 12) -> pa.Array:
    words = vocabulary(d.ctx.locale, "word")
    rng = d.rng(stream)
    lengths = rng.integers(lo, hi + 1, n)
    picked = _take(words, rng.integers(0, len(words), int(lengths.sum())))
    return pc.binary_join_element_wise(pc.utf8_capitalize(join_lists(picked, lengths, " ")), ".", "")


def _truncate(d: Draw, arr: pa.Array) -> pa.Array:
    c = d.spec.constraints
    if c.max_length is not None:
        arr = pc.utf8_slice_codeunits(arr, 0, c.max_length)
    return arr


@register("sentence", "One sentence of locale words (4-12 words).", "text", pa.string(), example="Lorem ipsum.")
def gen_sentence(d: Draw) -> pa.Array:
    return _truncate(d, _sentences(d, d.n, "v"))


@register("text", "A paragraph of 2-5 sentences; `max_length` truncates.", "text", pa.string(),
          example="Lorem ipsum dolor. Sit amet.")  # fmt: skip
def gen_text(d: Draw) -> pa.Array:
    rng = d.rng("n")
    counts = rng.integers(2, 6, d.n)
    sentences = _sentences(d, int(counts.sum()), "v")
    return _truncate(d, join_lists(sentences, counts, " "))


_HASH_CHUNK = 16_384
_B64 = np.frombuffer(b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", dtype=np.uint8)


@register("password_hash", "bcrypt-shaped hash of nothing (random salt+digest; never a real password).",
          "security", pa.string(), lambda _f, _l: None, example="$2b$12$...")  # fmt: skip
def gen_password_hash(d: Draw) -> pa.Array:
    rng = d.rng("v")
    # Drawn in chunks: the same stream as one (n, 53) draw (a power-of-two range never rejects), but the
    # int64 indices stay in cache instead of a 424 MB temporary per million rows (2.5x faster).
    body = np.empty((d.n, 53), dtype=np.uint8)
    for start in range(0, d.n, _HASH_CHUNK):
        stop = min(start + _HASH_CHUNK, d.n)
        body[start:stop] = np.take(_B64, rng.integers(0, 64, (stop - start, 53)))
    if d.unique:
        assert d.rows is not None
        u = mix64(d.rows, d.key("unique") & ((1 << 64) - 1))
        for i in range(11):  # embed a bijective 64-bit tag in the first 11 chars (6 bits each)
            body[:, i] = _B64[((u >> _U64(6 * i)) & _U64(63)).astype(np.intp)]
    prefix = np.frombuffer(b"$2b$12$", dtype=np.uint8)
    return ascii_fixed(np.hstack([np.broadcast_to(prefix, (d.n, 7)), body]))


# --- identifiers ---------------------------------------------------------------------------------------

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _hex(values: np.ndarray, width: int) -> pa.StringArray:
    v = np.asarray(values, dtype=_U64)
    shifts = _U64(4) * np.arange(width - 1, -1, -1, dtype=_U64)
    return ascii_fixed(_HEX[((v[:, None] >> shifts[None, :]) & _U64(15)).astype(np.intp)])


_HEX_PAIRS = np.array([[ord(c) for c in f"{i:02x}"] for i in range(256)], dtype=np.uint8)
_HEX_PAIRS16 = np.ascontiguousarray(_HEX_PAIRS).view(np.uint16).ravel()


def uuid_strings(hi: np.ndarray, lo: np.ndarray) -> pa.StringArray:
    """Canonical 36-char UUID strings from two uint64 halves, built as one ASCII matrix."""
    n = len(hi)
    raw = np.empty((n, 2), dtype=">u8")
    raw[:, 0] = hi
    raw[:, 1] = lo
    # one 16-bit lookup per byte gives its two hex digits
    h = np.take(_HEX_PAIRS16, raw.view(np.uint8).reshape(n, 16)).view(np.uint8)
    dash = np.full((n, 1), ord("-"), dtype=np.uint8)
    out = np.concatenate([h[:, 0:8], dash, h[:, 8:12], dash, h[:, 12:16], dash, h[:, 16:20], dash, h[:, 20:32]], axis=1)
    return ascii_fixed(out)


@register("uuid", "Random (version 4) UUID; unique by construction (a keyed bijection of the row).",
          "identifier", pa.string(), lambda _f, _l: None, row_addressable=True,
          example="1b4e28ba-2fa1-41d2-883f-0016d3cca427")  # fmt: skip
def gen_uuid(d: Draw) -> pa.Array:
    if d.rows is not None:
        k1 = d.key("hi") & ((1 << 64) - 1)
        k2 = d.key("lo") & ((1 << 64) - 1)
        u = mix64(d.rows, k1)  # bijective in the row: distinct rows, distinct u
        lo = mix64(d.rows, k2)
    else:
        rng = d.rng("v")
        u = rng.integers(0, np.iinfo(np.uint64).max, d.n, dtype=np.uint64, endpoint=True)
        lo = rng.integers(0, np.iinfo(np.uint64).max, d.n, dtype=np.uint64, endpoint=True)
    # Version nibble overwrites bits 12..15 of u; keep those 4 bits in lo so (hi, lo) still determines u.
    hi = (u & ~_U64(0xF000)) | _U64(0x4000)
    lo = (lo & _U64(0x3FFFFFFFFFFFFFF0)) | _U64(0x8000000000000000) | ((u >> _U64(12)) & _U64(0xF))
    return uuid_strings(hi, lo)


# --- people ----------------------------------------------------------------------------------------------


def _name_field(kind: str) -> Generator:
    def gen(d: Draw) -> pa.Array:
        values = vocabulary(d.ctx.locale, kind)
        if d.unique:
            return _take(values, d.index(len(values)))
        p = d.person()
        return _take(values, p.first if kind == "first_name" else p.last)

    return gen


register("first_name", "Given name; agrees with the row's email/username/full_name.", "person", pa.string(),
         _vocab_cap("first_name"), example="Maria")(_name_field("first_name"))  # fmt: skip
register("last_name", "Family name; agrees with the row's email/username/full_name.", "person", pa.string(),
         _vocab_cap("last_name"), example="Schmidt")(_name_field("last_name"))  # fmt: skip


@register("full_name", "First and last name of the row's person.", "person", pa.string(),
          lambda _f, loc: vocabulary_size(loc, "first_name") * vocabulary_size(loc, "last_name"), example="Maria Schmidt")  # fmt: skip
def gen_full_name(d: Draw) -> pa.Array:
    firsts, lasts = vocabulary(d.ctx.locale, "first_name"), vocabulary(d.ctx.locale, "last_name")
    if d.unique:
        idx = d.index(len(firsts) * len(lasts))
        fi, li = idx % _U64(len(firsts)), idx // _U64(len(firsts))
    else:
        p = d.person()
        fi, li = p.first, p.last
    return concat([_take(firsts, fi), " ", _take(lasts, li)], d.n)


_NUM_SUFFIX = pa.array([""] + [str(i) for i in range(1, 100)], pa.string())


def _handle_parts(d: Draw, seps: tuple[str, ...], initial_share: float) -> list[pa.Array | str]:
    """``first<sep>last[NN]`` from the row's person; unique fields end in a row-unique number."""
    p = d.person()
    firsts = vocabulary_product(d.ctx.locale, "first_slug_or_initial", seps)
    lasts = vocabulary(d.ctx.locale, "last_slug")
    rng = d.rng("handle")
    # "first_slug_or_initial" holds the full names, then the initials (same order); the product adds a separator
    names = vocabulary_size(d.ctx.locale, "first_slug_or_initial")
    first_idx = p.first + (rng.random(d.n) < initial_share) * (names // 2)
    first_idx = first_idx + rng.integers(0, len(seps), d.n) * names
    if d.unique:
        assert d.rows is not None
        # Names hold no digits, so a distinct trailing number per row makes the whole handle distinct.
        suffix = pc.cast(pa.array(d.index(max(d.ctx.volume, 1000)).astype(np.int64)), pa.string())
    else:
        k = rng.integers(0, 100, d.n)
        k[rng.random(d.n) < 0.65] = 0
        suffix = _take(_NUM_SUFFIX, k)
    return [_take(firsts, first_idx), _take(lasts, p.last), suffix]


@register("email", "E-mail built from the row's name on reserved domains (example.com/.net/.org, *.test, *.example).",
          "person", pa.string(), lambda _f, _l: 1 << 40, example="maria.schmidt@example.com")  # fmt: skip
def gen_email(d: Draw) -> pa.Array:
    domains = pa.array(["@" + x for x in safety.EMAIL_DOMAINS], pa.string())
    dom = _take(domains, d.rng("domain").integers(0, len(domains), d.n))
    return concat([*_handle_parts(d, (".", "_", "", "."), 0.15), dom], d.n)


@register("username", "Login name built from the row's name (unique ones end in a row number).", "person",
          pa.string(), lambda _f, _l: 1 << 40, example="mschmidt42")  # fmt: skip
def gen_username(d: Draw) -> pa.Array:
    return concat(_handle_parts(d, ("", ".", "_"), 0.4), d.n)


def _phone_ranges(locale: str) -> tuple[safety.PhoneRange, ...]:
    return safety.phone_ranges(locale)


def _phone_cap(_f: FieldSpec, locale: str) -> int:
    return sum(10**r.free_digits for r in _phone_ranges(locale))


@register("phone", "Telephone number in a range reserved for fiction (NANP 555-01xx, Ofcom drama, ...); "
          "format national (default), international or e164.", "person", pa.string(), _phone_cap,
          example="(201) 555-0142")  # fmt: skip
def gen_phone(d: Draw) -> pa.Array:
    ranges = _phone_ranges(d.ctx.locale)
    fmt = (d.spec.constraints.format or "national").lower()
    if fmt not in ("national", "international", "e164"):
        raise SchemaError(f"field '{d.spec.name}': phone format must be national, international or e164")
    width = ranges[0].free_digits
    if any(r.free_digits != width for r in ranges):
        raise SchemaError("inconsistent phone ranges")  # pragma: no cover - constant data
    # Every range has 10**width numbers: index = range * 10**width + number within the range.
    idx = d.index(len(ranges) * 10**width)
    which, rest = idx // _U64(10**width), idx % _U64(10**width)
    prefixes = pa.array([getattr(r, fmt) for r in ranges], pa.string())
    return concat([_take(prefixes, which), digits(rest, width)], d.n)


_SSN_GROUPS = safety.SSN_GROUP_MAX - safety.SSN_GROUP_MIN + 1
_SSN_CAPACITY = (safety.SSN_AREA_MAX - safety.SSN_AREA_MIN + 1) * _SSN_GROUPS * 9999


@register("ssn", "US Social Security number: area 900-999 (never issued), group 01-49 (not an ITIN either).",
          "person", pa.string(), _const_cap(_SSN_CAPACITY), example="912-34-5678")  # fmt: skip
def gen_ssn(d: Draw) -> pa.Array:
    idx = d.index(_SSN_CAPACITY)
    serial = idx % _U64(9999) + _U64(1)
    rest = idx // _U64(9999)
    group = rest % _U64(_SSN_GROUPS) + _U64(safety.SSN_GROUP_MIN)
    area = rest // _U64(_SSN_GROUPS) + _U64(safety.SSN_AREA_MIN)
    return concat([digits(area, 3), "-", digits(group, 2), "-", digits(serial, 4)], d.n)


@register("credit_card", "Published issuer test card number (Luhn-valid, never a real account); "
          "format 'spaced' groups digits.", "finance", pa.string(), _const_cap(len(safety.TEST_CARD_NUMBERS)),
          example="4111111111111111")  # fmt: skip
def gen_credit_card(d: Draw) -> pa.Array:
    spaced = (d.spec.constraints.format or "").lower() == "spaced"
    nums = [n for _, n in safety.TEST_CARD_NUMBERS]
    if spaced:
        nums = [" ".join(n[i : i + 4] for i in range(0, len(n), 4)) for n in nums]
    return _take(pa.array(nums, pa.string()), d.index(len(nums)))


def _iban_fmt(locale: str) -> safety.IbanFormat:
    return safety.IBAN_FORMATS.get(locale, safety.IBAN_FORMATS["de_DE"])


def _mod97_digits(text: str) -> str:
    return "".join(str(int(c, 36)) for c in text)


@register("iban", "IBAN of the locale's country with an unassigned all-zero/TEST bank code and valid check digits.",
          "finance", pa.string(), lambda _f, loc: 10 ** _iban_fmt(loc).account_digits, example="DE80000000005928441328")  # fmt: skip
def gen_iban(d: Draw) -> pa.Array:
    fmt = _iban_fmt(d.ctx.locale)
    acct = d.index(10**fmt.account_digits)
    # mod 97 of the rearranged number: bank code, account digits, suffix, country, "00"
    r = np.full(d.n, int(_mod97_digits(fmt.bank_code)) % 97, dtype=np.int64)
    width = fmt.account_digits
    a = acct.astype(np.uint64)
    for pos in range(width - 1, -1, -1):
        digit = ((a // _U64(10**pos)) % _U64(10)).astype(np.int64)
        r = (r * 10 + digit) % 97
    for ch in _mod97_digits(fmt.suffix + fmt.country) + "00":
        r = (r * 10 + int(ch)) % 97
    check = 98 - r
    return concat([fmt.country, digits(check, 2), fmt.bank_code, digits(acct, width), fmt.suffix], d.n)


# --- network ---------------------------------------------------------------------------------------------

_IPV4_PREFIXES = pa.array([n.split("0/24")[0] for n in safety.IPV4_NETWORKS], pa.string())


@register("ipv4", "IPv4 address in the documentation ranges 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24.",
          "network", pa.string(), _const_cap(3 * 254), example="198.51.100.17")  # fmt: skip
def gen_ipv4(d: Draw) -> pa.Array:
    idx = d.index(3 * 254)
    host = (idx % _U64(254) + _U64(1)).astype(np.int64)
    return concat([_take(_IPV4_PREFIXES, idx // _U64(254)), pc.cast(pa.array(host), pa.string())], d.n)


_HEX_GROUPS = pa.array([format(i, "x") for i in range(65536)], pa.string())


@register("ipv6", "IPv6 address in the documentation prefix 2001:db8::/32.", "network", pa.string(),
          lambda _f, _l: 1 << 96, example="2001:db8:85a3:0:0:8a2e:370:7334")  # fmt: skip
def gen_ipv6(d: Draw) -> pa.Array:
    low = d.index(1 << 64)
    top = d.rng("top").integers(0, 1 << 32, d.n, dtype=np.uint64)
    groups: list[pa.Array | str] = ["2001:db8:"]
    for k, src, shift in ((0, top, 16), (1, top, 0), (2, low, 48), (3, low, 32), (4, low, 16), (5, low, 0)):
        if k:
            groups.append(":")
        groups.append(_take(_HEX_GROUPS, (src >> _U64(shift)) & _U64(0xFFFF)))
    return concat(groups, d.n)


@register("mac_address", "MAC address with the locally-administered bit set (never a vendor's).", "network",
          pa.string(), _const_cap(1 << 46), example="02:42:ac:11:00:02")  # fmt: skip
def gen_mac(d: Draw) -> pa.Array:
    idx = d.index(1 << 46)
    first = ((idx >> _U64(40)) << _U64(2)) | _U64(0b10)  # 6 free bits, then locally administered, unicast
    octets = [first] + [(idx >> _U64(8 * k)) & _U64(0xFF) for k in range(4, -1, -1)]
    hexes = [_hex(o, 2) for o in octets]
    parts: list[pa.Array | str] = []
    for i, h in enumerate(hexes):
        if i:
            parts.append(":")
        parts.append(h)
    return concat(parts, d.n)


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
    tag = _take(_NUM_SUFFIX, num) if d.unique else _take(_NUM_SUFFIX, np.where(num < 80, 0, num))
    return concat([_take(words, w), tag, _take(_DOMAIN_SUFFIXES, sfx)], d.n)


@register("domain", "Domain name under a reserved name (example.com/.net/.org, .example, .test).", "network",
          pa.string(), _domain_cap, example="acme.example.com")  # fmt: skip
def gen_domain(d: Draw) -> pa.Array:
    return _domains(d)


@register("url", "https URL on a reserved domain, with a path.", "network", pa.string(), _domain_cap,
          example="https://shop.example.com/products/view")  # fmt: skip
def gen_url(d: Draw) -> pa.Array:
    words = vocabulary(d.ctx.locale, "word_slug")
    rng = d.rng("path")
    p1 = _take(words, rng.integers(0, len(words), d.n))
    p2 = _take(words, rng.integers(0, len(words), d.n))
    return concat(["https://", _domains(d), "/", p1, "/", p2], d.n)


# --- addresses -------------------------------------------------------------------------------------------

POSTAL_PATTERNS: dict[str, str] = {
    "en_US": r"\d{5}",
    "en_GB": r"[A-Z]{1,2}[1-9] [0-9][A-Z]{2}",
    "de_DE": r"[0-9]{5}",
    "fr_FR": r"(0[1-9]|[1-8]\d|9[0-5])\d{3}",
    "es_ES": r"(0[1-9]|[1-4]\d|5[0-2])\d{3}",
    "it_IT": r"\d{5}",
    "nl_NL": r"[1-9]\d{3} [A-Z]{2}",
    "pt_BR": r"\d{5}-\d{3}",
}


def _postal(d: Draw, stream: str = "postal") -> pa.Array:
    node = compile_pattern(POSTAL_PATTERNS.get(d.ctx.locale, r"\d{5}"))
    if d.unique and stream == "postal":
        return node.indexed(d.index(node.capacity))
    return node.random(d.rng(stream), d.n)


@register("postal_code", "Postal code shaped like the locale's (US ZIP, UK postcode, NL 1234 AB, ...).",
          "location", pa.string(), lambda _f, loc: unique_pattern(POSTAL_PATTERNS.get(loc, r"\d{5}")).capacity,
          example="10115")  # fmt: skip
def gen_postal(d: Draw) -> pa.Array:
    return _postal(d)


_NUMBER_FIRST = {"en_US", "en_GB", "fr_FR"}


_HOUSE_NUMBER_TEXT = [str(i) for i in range(10000)]
_house_numbers: dict[tuple[str, str], pa.Array] = {}


def _house_numbers_affixed(prefix: str, suffix: str) -> pa.Array:
    arr = _house_numbers.get((prefix, suffix))
    if arr is None:
        arr = pa.array([prefix + v + suffix for v in _HOUSE_NUMBER_TEXT], pa.string())
        _house_numbers[(prefix, suffix)] = arr
    return arr


def _street_parts(d: Draw, unique: bool, tail: str = "") -> list[pa.Array | str]:
    """House number and street in the locale's order; ``tail`` is appended (baked into the last word list)."""
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
    if loc in _NUMBER_FIRST:
        return [_take(_house_numbers_affixed("", " "), num), _take(vocabulary(loc, "street_name", suffix=tail), s)]
    sep = ", " if loc in ("es_ES", "pt_BR") else " "
    return [_take(vocabulary(loc, "street_name", suffix=sep), s), _take(_house_numbers_affixed("", tail), num)]


@register("street_address", "House number and street of the locale, in its usual order.", "location",
          pa.string(), lambda _f, loc: vocabulary_size(loc, "street_name") * 9999, example="221 Baker Street")  # fmt: skip
def gen_street_address(d: Draw) -> pa.Array:
    return concat(_street_parts(d, d.unique), d.n)


@register("address", "Full postal address: street, city, region/postcode laid out as in the locale.", "location",
          pa.string(), lambda _f, loc: vocabulary_size(loc, "street_name") * 9999, example="221 Baker Street, London, NW1 6XE")  # fmt: skip
def gen_address(d: Draw) -> pa.Array:
    loc = d.ctx.locale
    rng = d.rng("city")
    city_idx = rng.integers(0, vocabulary_size(loc, "city"), d.n)
    postal = _postal(d, "address-postal")
    if loc in ("en_US", "pt_BR"):
        sep = ", " if loc == "en_US" else " - "
        street = _street_parts(d, d.unique, tail=sep)
        city = _take(vocabulary(loc, "city", suffix=sep), city_idx)
        state = _take(
            vocabulary(loc, "state", suffix=" " if loc == "en_US" else ", "),
            rng.integers(0, vocabulary_size(loc, "state"), d.n),
        )
        return concat([*street, city, state, postal], d.n)
    street = _street_parts(d, d.unique, tail=", ")
    if loc == "en_GB":
        return concat([*street, _take(vocabulary(loc, "city", suffix=", "), city_idx), postal], d.n)
    return concat([*street, postal, _take(vocabulary(loc, "city", prefix=" "), city_idx)], d.n)


# --- time --------------------------------------------------------------------------------------------------


def _temporal_range(f: FieldSpec, default_lo: str, default_hi: str) -> tuple[datetime, datetime]:
    c = f.constraints
    ref = reference_point(c.relative_to_now)
    lo = to_datetime(c.min if c.min is not None else default_lo, ref=ref, field=f.name)
    hi = to_datetime(c.max if c.max is not None else default_hi, ref=ref, field=f.name)
    if lo > hi:
        raise SchemaError(f"field '{f.name}': min ({lo.isoformat()}) is after max ({hi.isoformat()})")
    return lo, hi


def _formatted(f: FieldSpec) -> bool:
    return bool(f.constraints.format)


def _day_bounds(f: FieldSpec) -> tuple[int, int]:
    lo, hi = _temporal_range(f, "-10y", "anchor")
    return days(lo), days(hi)


def _strftime(arr: pa.Array, f: FieldSpec) -> pa.Array:
    fmt = f.constraints.format or ""
    try:
        out = pc.strftime(arr, format=fmt, locale="C")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise SchemaError(f"field '{f.name}': invalid date format {fmt!r}: {exc}") from exc
    return out


def _draw_ints(d: Draw, lo: int, hi: int) -> np.ndarray:
    if d.unique:
        return d.index(hi - lo + 1).astype(np.int64) + np.int64(lo)
    dist = d.spec.constraints.distribution
    if dist is None and d.path not in d.ctx.copula:
        return d.rng("v").integers(lo, hi, d.n, endpoint=True, dtype=np.int64)
    return shape_discrete(d.uniforms(), lo, hi, dist)


@register("date", "Calendar date in [min, max] (ISO or relative like '-3y'; default the 10 years before the "
          "anchor 2025-01-01); `format` (strftime) makes it a string.", "temporal",
          lambda f: pa.string() if _formatted(f) else pa.date32(),
          lambda f, _l: _day_bounds(f)[1] - _day_bounds(f)[0] + 1, row_addressable=True, example="2023-07-14")  # fmt: skip
def gen_date(d: Draw) -> pa.Array:
    lo, hi = _day_bounds(d.spec)
    arr = pa.array(_draw_ints(d, lo, hi).astype(np.int32), pa.date32())
    return _strftime(arr, d.spec) if _formatted(d.spec) else arr


_TS = pa.timestamp("us", tz="UTC")


def _second_bounds(f: FieldSpec) -> tuple[int, int]:
    lo, hi = _temporal_range(f, "-1y", "anchor")
    return -(-micros(lo) // US), micros(hi) // US


@register("datetime", "Instant (UTC, whole seconds) in [min, max]; default the year before the anchor.",
          "temporal", lambda f: pa.string() if _formatted(f) else _TS,
          lambda f, _l: _second_bounds(f)[1] - _second_bounds(f)[0] + 1, row_addressable=True,
          example="2024-03-01T12:30:00Z")  # fmt: skip
def gen_datetime(d: Draw) -> pa.Array:
    lo, hi = _second_bounds(d.spec)
    arr = pa.array(_draw_ints(d, lo, hi) * US, _TS)
    return _strftime(arr, d.spec) if _formatted(d.spec) else arr


def _milli_bounds(f: FieldSpec) -> tuple[int, int]:
    lo, hi = _temporal_range(f, "-30d", "anchor")
    return -(-micros(lo) // 1000), micros(hi) // 1000


@register("timestamp", "Instant (UTC, millisecond precision) in [min, max]; default the 30 days before the anchor.",
          "temporal", lambda f: pa.string() if _formatted(f) else _TS,
          lambda f, _l: _milli_bounds(f)[1] - _milli_bounds(f)[0] + 1, row_addressable=True,
          example="2024-12-31T23:59:59.123Z")  # fmt: skip
def gen_timestamp(d: Draw) -> pa.Array:
    lo, hi = _milli_bounds(d.spec)
    arr = pa.array(_draw_ints(d, lo, hi) * 1000, _TS)
    return _strftime(arr, d.spec) if _formatted(d.spec) else arr


def _time_bounds(f: FieldSpec) -> tuple[int, int]:
    c = f.constraints
    lo = time_seconds(c.min, f.name) if c.min is not None else 0
    hi = time_seconds(c.max, f.name) if c.max is not None else 86399
    if lo > hi:
        raise SchemaError(f"field '{f.name}': min time is after max time")
    return lo, hi


@register("time", "Time of day in [min, max] (HH:MM[:SS]); `format` makes it a string.", "temporal",
          lambda f: pa.string() if _formatted(f) else pa.time32("s"),
          lambda f, _l: _time_bounds(f)[1] - _time_bounds(f)[0] + 1, row_addressable=True, example="13:45:00")  # fmt: skip
def gen_time(d: Draw) -> pa.Array:
    lo, hi = _time_bounds(d.spec)
    secs = _draw_ints(d, lo, hi)
    arr = pa.array(secs.astype(np.int32), pa.time32("s"))
    if _formatted(d.spec):
        as_ts = pa.array(secs * US, pa.timestamp("us"))
        return _strftime(as_ts, d.spec)
    return arr


# --- nested ----------------------------------------------------------------------------------------------


def _object_fields(f: FieldSpec) -> list[FieldSpec]:
    if not f.fields:
        raise SchemaError(f"field '{f.name}': type object needs 'fields'")
    return f.fields


def _array_items(f: FieldSpec) -> FieldSpec:
    if f.items is None:
        raise SchemaError(f"field '{f.name}': type array needs 'items' (the element's field spec)")
    return f.items


def object_arrow(f: FieldSpec) -> pa.DataType:
    return pa.struct([pa.field(s.name, arrow_type(s), nullable=True) for s in _object_fields(f)])


@register("object", "Nested record of `fields` (Arrow struct; JSON object).", "nested", object_arrow,
          example='{"city": "Paris"}')  # fmt: skip
def gen_object(d: Draw) -> pa.Array:
    from sdga.engine.columns import generate_column

    subs = _object_fields(d.spec)
    arrays = [generate_column(d.child(s, f"{d.path}.{s.name}")) for s in subs]
    return pa.StructArray.from_arrays(arrays, fields=list(object_arrow(d.spec)))


def _array_lengths(f: FieldSpec) -> tuple[int, int]:
    return _length_bounds(f, 1, 3)


@register("array", "List of `items` with min_length..max_length elements (default 1..3) (Arrow list).",
          "nested", lambda f: pa.list_(pa.field("item", arrow_type(_array_items(f)))), example='["a", "b"]')  # fmt: skip
def gen_array(d: Draw) -> pa.Array:
    from sdga.engine.columns import generate_column

    item = _array_items(d.spec)
    lo, hi = _array_lengths(d.spec)
    lengths = d.rng("len").integers(lo, hi + 1, d.n)
    values = generate_column(d.child(item, f"{d.path}[]", n=int(lengths.sum()), rows=None))
    offsets = np.zeros(d.n + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), values, type=arrow_type(d.spec))


_DEFAULT_JSON = FieldSpec.model_validate(
    {
        "name": "payload",
        "type": "object",
        "fields": [
            {"name": "id", "type": "integer", "constraints": {"min": 1, "max": 100000}},
            {"name": "tag", "type": "word"},
            {"name": "active", "type": "boolean"},
            {"name": "score", "type": "float", "constraints": {"min": 0, "max": 1, "precision": 3}},
        ],
    }
)


@register("json", "JSON text: of `fields` (an object) or `items` (an array), else a small sample object.",
          "nested", pa.string(), example='{"id": 7, "tag": "alpha"}')  # fmt: skip
def gen_json(d: Draw) -> pa.Array:
    from sdga.engine.columns import generate_column
    from sdga.engine.jsonenc import to_json_strings

    f = d.spec
    if f.fields:
        inner = f.model_copy(
            update={"type": "object", "constraints": f.constraints.model_copy(update={"unique": False})}
        )
    elif f.items is not None:
        inner = f.model_copy(
            update={"type": "array", "constraints": f.constraints.model_copy(update={"unique": False})}
        )
    else:
        inner = _DEFAULT_JSON
    return to_json_strings(generate_column(d.child(inner, d.path)))


# --- relations -----------------------------------------------------------------------------------------


def _reference_arrow(f: FieldSpec) -> pa.DataType:
    # The actual type is the referenced column's; the planner rewrites it. Until then, a placeholder.
    return pa.null()


@register("reference", "Foreign key: a value of the parent column `references: table.field`.", "relation",
          _reference_arrow, example="(parent key)")  # fmt: skip
def gen_reference(d: Draw) -> pa.Array:
    if d.ctx.reference is None:
        raise SchemaError(f"field '{d.spec.name}': reference fields must be generated through a plan")
    return d.ctx.reference(d)


# --- Faker escape hatch ------------------------------------------------------------------------------------


def faker_method(f: FieldSpec, locale: str) -> Callable[[], Any]:
    name = f.type[len(FAKER_TYPE_PREFIX) :]
    fake = faker_for(locale)
    if not name or name.startswith("_") or name in {"seed", "seed_instance", "seed_locale", "unique", "optional"}:
        raise SchemaError(f"field '{f.name}': '{f.type}' does not name a Faker provider method")
    try:
        fn = getattr(fake, name)
    except AttributeError as exc:
        raise SchemaError(f"field '{f.name}': Faker has no provider method '{name}' for locale {locale}") from exc
    if not callable(fn):
        raise SchemaError(f"field '{f.name}': Faker attribute '{name}' is not a method")
    try:
        needed = [
            p.name
            for p in inspect.signature(fn).parameters.values()
            if p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        needed = []
    if needed:  # faker:<method> calls the method without arguments
        raise SchemaError(f"field '{f.name}': Faker method '{name}' needs arguments ({', '.join(needed)})")
    return fn  # type: ignore[no-any-return]


def _faker_value(value: Any) -> Any:
    if isinstance(value, Iterator):  # e.g. time_series: its repr would hold a memory address
        value = list(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list | tuple | dict | set):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


_faker_local = threading.local()


def _private_faker(locale: str) -> Faker:
    """A Faker owned by this thread: re-seeding it cannot disturb a generation running in another thread."""
    fakers: dict[str, Faker] | None = getattr(_faker_local, "fakers", None)
    if fakers is None:
        fakers = _faker_local.fakers = {}
    fake = fakers.get(locale)
    if fake is None:
        faker_for(locale)  # validates the locale
        fake = fakers[locale] = make_safe(new_faker(locale), locale)
    return fake


def gen_faker(d: Draw) -> pa.Array:
    """Slow path: one Faker call per value, seeded per block so it stays deterministic."""
    faker_method(d.spec, d.ctx.locale)  # validates the method name
    fake = _private_faker(d.ctx.locale)
    fake.seed_instance((d.key("faker") & ((1 << 63) - 1)) ^ max(d.ctx.block, 0))
    fn = getattr(fake, d.spec.type[len(FAKER_TYPE_PREFIX) :])
    try:
        return pa.array([_faker_value(fn()) for _ in range(d.n)], pa.string())
    except Exception as exc:  # Faker raises anything (UnsupportedFeature, TypeError, ...): a schema problem
        raise SchemaError(f"field '{d.spec.name}': {d.spec.type} failed: {type(exc).__name__}: {exc}") from exc


FAKER_TYPE = TypeDef(
    "faker:<method>",
    "Any Faker provider method, e.g. faker:license_plate. Slow path: one Faker call per value "
    "(deterministic, seeded per block); values are strings. Methods that could emit real identifiers "
    "(email, phone_number, ssn, credit_card_number, ipv4, iban, ...) use the safe built-in type instead.",
    "escape hatch",
    lambda _f: pa.string(),
    gen_faker,
    None,
    example="faker:license_plate",
)


# --- public catalogue API --------------------------------------------------------------------------------


def lookup(f: FieldSpec) -> TypeDef:
    if f.type.startswith(FAKER_TYPE_PREFIX):
        return FAKER_TYPE
    td = REGISTRY.get(f.type)
    if td is None:
        raise SchemaError(
            f"field '{f.name}': unknown type '{f.type}'",
            details={"field": f.name, "type": f.type, "known": sorted(REGISTRY)},
        )
    return td


def is_known_type(name: str) -> bool:
    """True for every built-in type name and for ``faker:<method>``."""
    n = name.strip().lower()
    return n in REGISTRY or (n.startswith(FAKER_TYPE_PREFIX) and len(n) > len(FAKER_TYPE_PREFIX))


def uses_enum(f: FieldSpec) -> bool:
    """A non-category field with ``enum`` draws from the enum (its type shapes nothing else)."""
    return bool(f.constraints.enum) and f.type not in ("category", "reference", "object", "array", "json")


def arrow_type(f: FieldSpec) -> pa.DataType:
    """The Arrow type of a field's column."""
    if uses_enum(f):
        return enum_arrow(f.constraints.enum or [])
    return lookup(f).arrow(f)


def unique_capacity(field: FieldSpec, locale: str) -> int | None:
    """How many distinct values the field's domain holds (None = practically unbounded).

    Raises SchemaError when the type cannot produce unique values at all.
    """
    if uses_enum(field):
        return len(field.constraints.enum or [])
    td = lookup(field)
    if td.capacity is None:
        raise SchemaError(f"field '{field.name}': type {field.type} cannot be unique")
    return td.capacity(field, locale)


def describe_types() -> list[dict[str, Any]]:
    """The catalogue for `sdga types`, the API and the agent: name, category, description, example."""
    out = []
    for td in [*sorted(REGISTRY.values(), key=lambda t: (t.category, t.name)), FAKER_TYPE]:
        try:
            arrow = str(td.arrow(FieldSpec(name="x", type="string")))
        except SchemaError:
            arrow = "depends on the field"
        if td.name in ("object", "array", "reference", "category"):
            arrow = "depends on the field"
        out.append(
            {
                "name": td.name,
                "category": td.category,
                "description": td.description,
                "arrow_type": arrow,
                "unique": td.capacity is not None,
                "example": td.example,
            }
        )
    return out
