"""Text: random strings, strings matching a regex, words and sentences of the locale's words, and real-looking
product names, customer comments and log messages from the lexicons (:mod:`sdga.engine.lexicon`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sdga.engine.context import Draw
from sdga.engine.fields.bounds import length_bounds
from sdga.engine.fields.choice import groups_of, scatter, take
from sdga.engine.fields.registry import register, register_vocabulary
from sdga.engine.lexicon import lexicon
from sdga.engine.patterns import compile_pattern, concat, hex_digits, join_lists, unique_pattern
from sdga.engine.safety import card_number_mask
from sdga.engine.vocab import vocabulary
from sdga.errors import SchemaError
from sdga.models.schema import FieldSpec

register_vocabulary("word", "word", "One word (locale lorem list).", "text", "lorem")


def _string_pattern(f: FieldSpec) -> str:
    if f.constraints.pattern:
        return f.constraints.pattern
    a, b = length_bounds(f, 8, 16)
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
    return _from_pattern(d, compile_pattern(_string_pattern(d.spec)))


def _pattern_of(f: FieldSpec) -> str:
    if not f.constraints.pattern:
        raise SchemaError(f"field '{f.name}': type pattern needs constraints.pattern (a regular expression)")
    return f.constraints.pattern


@register("pattern", "String matching the regex `constraints.pattern` (vectorised subset, see docs/engine.md).",
          "basic", pa.string(), lambda f, _l: unique_pattern(_pattern_of(f)).capacity, row_addressable=True,
          example="AB-1234")  # fmt: skip
def gen_pattern(d: Draw) -> pa.Array:
    return _from_pattern(d, compile_pattern(_pattern_of(d.spec)))


_REDRAWS = 16


def _replace(values: pa.Array, rows: np.ndarray, replacement: pa.Array) -> pa.Array:
    """``values`` with ``rows`` set to ``replacement`` (in order)."""
    index = np.arange(len(values), dtype=np.int64)
    index[rows] = len(values) + np.arange(len(rows), dtype=np.int64)
    return pa.concat_arrays([values, replacement.cast(values.type)]).take(pa.array(index))


def _from_pattern(d: Draw, node: Any) -> pa.Array:
    """Values of a pattern, none of which a card scanner would flag (13-19 digits passing the Luhn check).

    An id such as ``[0-9a-f]{16}`` is all digits now and then, and a tenth of those pass the Luhn check.
    Such values are replaced by others of the same pattern: redrawn when values may repeat; when they
    are unique, by the values of rows past the end of the table (``volume + row``, then ``2 x volume +
    row``, ...), which no row of the table uses, so values stay distinct without a retry.
    """
    if d.unique:
        values = node.indexed(d.index(node.capacity))
        flagged = card_number_mask(values)
        volume = int(d.ctx.volume)
        for round_ in range(1, _REDRAWS + 1):
            if not flagged.any() or volume <= 0:
                break
            assert d.rows is not None
            rows = np.flatnonzero(flagged)
            spare = d.rows[rows].astype(np.uint64) + np.uint64(round_ * volume)
            usable = spare < np.uint64(min(int(node.capacity), (1 << 64) - 1))
            if not usable.any():
                break
            rows, spare = rows[usable], spare[usable]
            replacement = node.indexed(d.spare_index(node.capacity, spare))
            values = _replace(values, rows, replacement)
            flagged[rows] = card_number_mask(replacement)
        return values
    values = node.random(d.rng("v"), d.n)
    flagged = card_number_mask(values)
    for round_ in range(_REDRAWS):
        if not flagged.any():
            break
        rows = np.flatnonzero(flagged)
        replacement = node.random(d.rng(f"v-redraw{round_}"), len(rows))
        values = _replace(values, rows, replacement)
        flagged[rows] = card_number_mask(replacement)
    return values


def _sentences(d: Draw, n: int, stream: str, lo: int = 4, hi: int = 12) -> pa.Array:
    words = vocabulary(d.ctx.locale, "word")
    rng = d.rng(stream)
    lengths = rng.integers(lo, hi + 1, n)
    picked = take(words, rng.integers(0, len(words), int(lengths.sum())))
    return pc.binary_join_element_wise(pc.utf8_capitalize(join_lists(picked, lengths, " ")), ".", "")


_SENTENCE_CHARS = 40  # a sentence's length, roughly: how many to add for a missing min_length
_MAX_FILL_ROUNDS = 64


Filler = Callable[[Draw, np.ndarray, str], pa.Array]


def _lorem_filler(d: Draw, counts: np.ndarray, stream: str) -> pa.Array:
    """``counts[i]`` sentences of locale words for row ``i``, joined by blanks."""
    return join_lists(_sentences(d, int(counts.sum()), stream), counts, " ")


def _truncate(d: Draw, arr: pa.Array, filler: Filler = _lorem_filler) -> pa.Array:
    """Prose within ``min_length``..``max_length`` characters.

    Too short: more sentences from ``filler`` are appended (all short rows at once, a few rounds at most).
    Too long: cut at ``max_length``, then back to the last whole word when that still meets
    ``min_length``, without trailing blanks.
    """
    c = d.spec.constraints
    low = c.min_length or 0
    for round_ in range(_MAX_FILL_ROUNDS if low else 0):
        deficit = low - pc.utf8_length(arr).to_numpy(zero_copy_only=False).astype(np.int64)
        short = deficit > 0
        if not short.any():
            break
        counts = np.where(short, -(-deficit // _SENTENCE_CHARS), 0)
        extra = filler(d, counts, f"fill{round_}")
        arr = pc.if_else(pa.array(short), pc.binary_join_element_wise(arr, extra, " "), arr)
    if c.max_length is None:
        return arr
    high = c.max_length
    long = pc.greater(pc.utf8_length(arr), high)
    if not pc.any(long).as_py():
        return arr
    cut = pc.utf8_slice_codeunits(arr, 0, high)
    # The cut split a word when the next character is not a blank: drop the partial word.
    split = pc.invert(pc.match_substring_regex(pc.utf8_slice_codeunits(arr, high, high + 1), r"^\s"))
    whole = pc.utf8_rtrim_whitespace(pc.replace_substring_regex(cut, r"\S*$", ""))
    cut = pc.if_else(pc.and_(split, pc.greater_equal(pc.utf8_length(whole), max(low, 1))), whole, cut)
    trimmed = pc.utf8_rtrim_whitespace(cut)
    cut = pc.if_else(pc.greater_equal(pc.utf8_length(trimmed), max(low, 1)), trimmed, cut)
    return pc.if_else(long, cut, arr)


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


# --- real-looking text from the lexicons ------------------------------------------------------------------

_PRODUCT_PARTS = ("brand", "quality", "thing", "model")


@cache
def _product_tables(category: str | None) -> tuple[list[pa.Array], np.ndarray, np.ndarray, np.ndarray]:
    """Per part a word list with "" first; each category's offset and size in the per-category lists
    (qualities, things, models); and the layouts as a (layouts, parts) matrix of flags."""
    lex = lexicon("products")
    cats = lex["categories"]
    names = sorted(cats) if category is None else [category]
    kinds = ("qualities", "things", "models")
    sizes = np.array([[len(cats[c][k]) for k in kinds] for c in names], dtype=np.int64)
    offsets = np.vstack([np.zeros(3, dtype=np.int64), np.cumsum(sizes, axis=0)[:-1]])
    words = {
        "brand": [w + " " for w in lex["brands"]],
        "quality": [w + " " for c in names for w in cats[c]["qualities"]],
        "thing": [w for c in names for w in cats[c]["things"]],
        "model": [" " + w for c in names for w in cats[c]["models"]],
    }
    arrays = [pa.array(["", *words[p]], pa.string()) for p in _PRODUCT_PARTS]
    flags = np.array([[("{" + p + "}") in layout for p in _PRODUCT_PARTS] for layout in lex["layouts"]])
    return arrays, offsets, sizes, flags


def _categories() -> list[str]:
    return sorted(lexicon("products")["categories"])


def _check_category(value: str, where: str) -> str:
    category = value.strip().lower()
    if category not in lexicon("products")["categories"]:
        known = ", ".join(_categories())
        raise SchemaError(f"field '{where}': no product category '{value}' (use one of {known})")
    return category


@cache
def _category_mix(
    values: tuple[str, ...], weights: tuple[float, ...] | None, where: str
) -> tuple[np.ndarray, np.ndarray]:
    names = _categories()
    ids = np.array([names.index(_check_category(v, where)) for v in values], dtype=np.int64)
    w = np.ones(len(ids)) if weights is None else np.asarray(weights, dtype=np.float64)
    if len(w) != len(ids) or w.sum() <= 0 or np.any(w < 0):
        raise SchemaError(f"field '{where}': weights must match the categories, be non-negative and not all zero")
    return ids, np.cumsum(w) / w.sum()


def _row_categories(d: Draw) -> np.ndarray:
    """Each row's product category (index into the sorted categories): one draw per row that the row's
    product_category and product_name fields share, spread by the product_category field's enum/weights."""
    spec = next((f for f in d.ctx.fields if f.type == "product_category" and not f.constraints.unique), None)
    if spec is not None and spec.constraints.enum:
        w = spec.constraints.weights
        ids, cdf = _category_mix(
            tuple(str(v) for v in spec.constraints.enum), tuple(w) if w is not None else None, spec.name
        )
    else:
        ids = np.arange(len(_categories()))
        cdf = np.arange(1, len(ids) + 1) / len(ids)

    def draw(rng: np.random.Generator, n: int) -> np.ndarray:
        return ids[np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(ids) - 1)]

    if d.row_aligned:
        rows: np.ndarray = d.ctx.shared("product", lambda ctx: draw(ctx.stream("__product__"), ctx.n))
        return rows
    return draw(d.rng("product"), d.n)


@register("product_category", "Shop category of the row's product (electronics, fashion, home, garden, toys, books, "
          "beauty, sports, grocery); an `enum` of them with `weights` sets their shares. The row's product_name "
          "belongs to it.", "text", pa.string(), lambda _f, _l: len(_categories()), example="electronics")  # fmt: skip
def gen_product_category(d: Draw) -> pa.Array:
    names = pa.array(_categories(), pa.string())
    if d.unique:
        return take(names, d.index(len(names)))
    return take(names, _row_categories(d))


@register("product_name", "Real-looking product name of the row's product category (brand, quality, thing, model: "
          "'Nordic Oak Coffee Table'); `format` fixes a category instead.", "text", pa.string(),
          example="Aurora Wireless Earbuds Pro")  # fmt: skip
def gen_product_name(d: Draw) -> pa.Array:
    fixed = d.spec.constraints.format
    arrays, offsets, sizes, flags = _product_tables(_check_category(fixed, d.spec.name) if fixed else None)
    u = d.rng("v").random((5, d.n))  # layout, brand, quality, thing, model
    cat = np.zeros(d.n, dtype=np.int64) if fixed else _row_categories(d)
    layout = flags[np.minimum((u[0] * len(flags)).astype(np.int64), len(flags) - 1)]
    brand = 1 + (u[1] * (len(arrays[0]) - 1)).astype(np.int64)
    picks = [1 + offsets[cat, k] + (u[2 + k] * sizes[cat, k]).astype(np.int64) for k in range(3)]
    idx = [brand, *picks]
    has_model = sizes[cat, 2] > 0  # a category without model names takes none
    parts: list[pa.Array | str] = []
    for k, arr in enumerate(arrays):
        part = _PRODUCT_PARTS[k]
        show = np.ones(d.n, dtype=bool) if part == "thing" else layout[:, k] & (has_model if part == "model" else True)
        parts.append(take(arr, np.where(show, idx[k], 0)))
    return _truncate(d, concat(parts, d.n))


@cache
def _review_tables() -> tuple[list[str], np.ndarray, list[pa.Array]]:
    lex = lexicon("reviews")
    tones = [t for t, _ in lex["tones"]]
    w = np.array([w for _, w in lex["tones"]], dtype=np.float64)
    return tones, np.cumsum(w) / w.sum(), [pa.array(lex["sentences"][t], pa.string()) for t in tones]


@register("review", "Customer comment of one to three sentences of one tone (mostly positive, some mixed or "
          "negative), not lorem ipsum; `max_length` truncates.", "text", pa.string(),
          example="Great quality for the price. Would definitely buy again.")  # fmt: skip
def gen_review(d: Draw) -> pa.Array:
    tones, cdf, sentences = _review_tables()
    rng = d.rng("v")
    tone = np.minimum(np.searchsorted(cdf, rng.random(d.n), side="right"), len(tones) - 1)
    count = 1 + np.searchsorted([0.5, 0.85], rng.random(d.n), side="right")
    start = rng.random(d.n)
    out: list[tuple[np.ndarray, pa.Array]] = []
    following = np.zeros(d.n, dtype=np.int64)  # each comment's next sentence in its tone's pool
    for t, rows in groups_of(tone):
        pool = sentences[t]
        k = np.minimum(count[rows], len(pool))
        first = (start[rows] * len(pool)).astype(np.int64)
        # consecutive entries of the pool from a random start: the sentences of one comment never repeat
        picks = (np.repeat(first, k) + _ranks(k)) % len(pool)
        out.append((rows, join_lists(take(pool, picks), k, " ")))
        following[rows] = first + k

    def more_of_the_same_tone(d: Draw, counts: np.ndarray, stream: str) -> pa.Array:
        """A comment that must be longer goes on in its tone, repeating only once the pool is used up."""
        extra: list[tuple[np.ndarray, pa.Array]] = []
        for t, rows in groups_of(tone):
            pool, c = sentences[t], counts[rows]
            picks = (np.repeat(following[rows], c) + _ranks(c)) % len(pool)
            following[rows] += c
            extra.append((rows, join_lists(take(pool, picks), c, " ")))
        return scatter(d.n, extra)

    return _truncate(d, scatter(d.n, out), more_of_the_same_tone)


def _ranks(lengths: np.ndarray) -> np.ndarray:
    """0, 1, .., len-1 for each length, concatenated."""
    total = int(lengths.sum())
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.arange(total) - starts


@cache
def _log_templates() -> tuple[np.ndarray, list[list[str]]]:
    entries = lexicon("log_messages")["messages"]
    w = np.array([w for w, _ in entries], dtype=np.float64)
    parts = [re.split(r"(\{\w+\})", text) for _, text in entries]
    return np.cumsum(w) / w.sum(), parts


@register("log_message", "Application log message as services write them ('Request completed in 42 ms', "
          "'User 48213 signed in', 'Cache miss for key product:311'), with plausible numbers and keys.",
          "text", pa.string(), example="Request completed in 42 ms")  # fmt: skip
def gen_log_message(d: Draw) -> pa.Array:
    cdf, templates = _log_templates()
    rng = d.rng("v")
    which = np.minimum(np.searchsorted(cdf, rng.random(d.n), side="right"), len(templates) - 1)
    values = {
        "{id}": pc.cast(pa.array(rng.integers(10_000, 1_000_000, d.n)), pa.string()),
        "{n}": pc.cast(
            pa.array(np.minimum(np.floor(rng.lognormal(2.5, 1.0, d.n)).astype(np.int64) + 1, 9999)), pa.string()
        ),
        "{ms}": pc.cast(
            pa.array(np.minimum(np.floor(rng.lognormal(3.8, 1.1, d.n)).astype(np.int64) + 1, 120_000)), pa.string()
        ),
        "{key}": hex_digits(rng.integers(0, 1 << 32, d.n, dtype=np.uint64), 8),
        "{try}": pc.cast(pa.array(rng.integers(2, 6, d.n)), pa.string()),
    }
    out: list[tuple[np.ndarray, pa.Array]] = []
    for t, rows in groups_of(which):
        sel = pa.array(rows)
        parts: list[pa.Array | str] = [values[p].take(sel) if p in values else p for p in templates[t] if p]
        out.append((rows, concat(parts, len(rows))))
    return _truncate(d, scatter(d.n, out))
