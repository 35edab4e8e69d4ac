"""Text: random strings, strings matching a regex, words, sentences and paragraphs of the locale's words."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from sdga.engine.context import Draw
from sdga.engine.fields.bounds import length_bounds
from sdga.engine.fields.choice import take
from sdga.engine.fields.registry import register, register_vocabulary
from sdga.engine.patterns import compile_pattern, join_lists, unique_pattern
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
    picked = take(words, rng.integers(0, len(words), int(lengths.sum())))
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
