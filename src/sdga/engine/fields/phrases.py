"""Phrases: short domain text (ticket subjects, claim notes, course titles, campaign names, bios...) from the
phrase books in ``data/lexicon/phrases.json`` instead of lorem-ipsum sentences.

A book is a list of weighted templates; each ``{slot}`` is filled from the book's list of that name and
``{#a-b}`` with a whole number between ``a`` and ``b``. Generation is vectorised per template: one weighted
template draw per row, then one index draw per slot, joined column-wise.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sdga.engine.context import Draw
from sdga.engine.fields.choice import groups_of, scatter, take
from sdga.engine.fields.registry import register
from sdga.engine.lexicon import lexicon
from sdga.engine.patterns import concat
from sdga.errors import SchemaError

_PART = re.compile(r"(\{#\d+-\d+\}|\{\w+\})")
_RANGE = re.compile(r"\{#(\d+)-(\d+)\}")

Part: TypeAlias = str | tuple[int, int] | pa.Array  # a literal, a number range, or a slot's values


def phrase_books() -> dict[str, str]:
    """Each book's name and what it holds."""
    return {name: str(book.get("description", "")) for name, book in sorted(lexicon("phrases")["books"].items())}


@cache
def _book(name: str) -> tuple[np.ndarray, list[list[Part]]]:
    book = lexicon("phrases")["books"][name]
    slots = {k: pa.array(v, pa.string()) for k, v in book["slots"].items()}
    weights = np.array([w for w, _ in book["templates"]], dtype=np.float64)
    templates: list[list[Part]] = []
    for _, text in book["templates"]:
        parts: list[Part] = []
        for piece in _PART.split(text):
            if not piece:
                continue
            if (m := _RANGE.fullmatch(piece)) is not None:
                parts.append((int(m.group(1)), int(m.group(2))))
            elif piece.startswith("{") and piece.endswith("}"):
                parts.append(slots[piece[1:-1]])  # a KeyError here is a broken book: caught by the tests
            else:
                parts.append(piece)
        templates.append(parts)
    return np.cumsum(weights) / weights.sum(), templates


def check_book(value: str | None, field: str) -> str:
    books = phrase_books()
    if not value:
        raise SchemaError(f"field '{field}': type 'phrase' needs constraints.format, one of: {', '.join(books)}")
    name = value.strip().lower()
    if name not in books:
        raise SchemaError(f"field '{field}': unknown phrase book '{value}'; use one of: {', '.join(books)}")
    return name


@register("phrase", "Short domain text from a phrase book named by `format` (ticket_subject, support_message, "
          "claim_note, special_request, course_title, campaign_name, trial_title, opportunity_name, ledger_memo, "
          "viewing_feedback, social_bio, social_post, social_comment, hotel_name); `max_length` truncates.",
          "text", pa.string(), example="Refund request for order #482913")  # fmt: skip
def gen_phrase(d: Draw) -> pa.Array:
    cdf, templates = _book(check_book(d.spec.constraints.format, d.spec.name))
    rng = d.rng("v")
    which = np.minimum(np.searchsorted(cdf, rng.random(d.n), side="right"), len(templates) - 1)
    out: list[tuple[np.ndarray, pa.Array]] = []
    for t, rows in groups_of(which):
        n = len(rows)
        parts: list[pa.Array | str] = []
        for part in templates[t]:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, tuple):
                parts.append(pc.cast(pa.array(rng.integers(part[0], part[1] + 1, n)), pa.string()))
            else:
                parts.append(take(part, np.minimum((rng.random(n) * len(part)).astype(np.int64), len(part) - 1)))
        out.append((rows, concat(parts, n)))
    arr = scatter(d.n, out)
    if d.spec.constraints.max_length is not None:
        arr = pc.utf8_slice_codeunits(arr, 0, d.spec.constraints.max_length)
    return arr
