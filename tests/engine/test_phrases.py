"""The `phrase` type: every book generates real-looking, complete text (every slot filled, no lorem ipsum),
weighted templates, number ranges inside their bounds, determinism, and clear errors for a missing or
unknown book."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from tests.engine.conftest import table

from sdga.engine import plan_generation
from sdga.engine.fields.phrases import _book, phrase_books
from sdga.engine.lexicon import lexicon
from sdga.engine.templates import get_template, list_templates
from sdga.errors import SchemaError
from sdga.models import GenerateDataRequest

ROWS = 5000
LOREM = {"lorem", "ipsum", "dolor", "amet", "consectetur", "adipiscing"}


def _values(book: str, rows: int = ROWS, seed: int = 3, **constraints: object) -> list[str]:
    spec = {"name": "x", "type": "phrase", "constraints": {"format": book, **constraints}}
    request = GenerateDataRequest.model_validate({"schema": {"fields": [spec]}, "volume": rows, "seed": seed})
    return table(plan_generation(request)).column("x").to_pylist()


@pytest.mark.parametrize("book", list(phrase_books()))
def test_every_book_fills_every_slot_with_real_words(book: str) -> None:
    values = _values(book)
    assert all(v and v == v.strip() for v in values)
    assert not any("{" in v or "}" in v for v in values), "an unfilled slot"
    words = {w.lower().strip(".,;:!?()") for v in values for w in v.split()}
    assert not words & LOREM
    assert all(v[0].isupper() or v[0] in "@#" or not v[0].isalpha() for v in values), "a phrase starts in lower case"
    # Every template of the book is used, in proportion to its weight (5,000 rows: within 4 points).
    cdf, templates = _book(book)
    assert len(set(values)) > min(50, ROWS // 10)
    weights = [w for w, _ in lexicon("phrases")["books"][book]["templates"]]
    assert len(weights) == len(templates) and abs(cdf[-1] - 1.0) < 1e-12


def test_templates_follow_their_weights_and_numbers_their_ranges() -> None:
    values = _values("ticket_subject", rows=20_000)
    share = Counter("refund" if v.startswith("Refund request for order #") else "other" for v in values)
    weights = [w for w, _ in lexicon("phrases")["books"]["ticket_subject"]["templates"]]
    expected = 8 / sum(weights)
    assert abs(share["refund"] / len(values) - expected) < 0.01
    numbers = [int(m.group(1)) for v in values if (m := re.search(r"#(\d+)", v))]
    assert numbers and min(numbers) >= 100000 and max(numbers) <= 999999
    assert len(set(numbers)) > 0.9 * len(numbers)


def test_same_seed_same_text_and_max_length_truncates() -> None:
    assert _values("claim_note", rows=500, seed=9) == _values("claim_note", rows=500, seed=9)
    assert _values("claim_note", rows=500, seed=9) != _values("claim_note", rows=500, seed=10)
    assert max(len(v) for v in _values("trial_title", rows=500, max_length=40)) <= 40


@pytest.mark.parametrize(
    ("constraints", "message"), [({}, "needs constraints.format"), ({"format": "haiku"}, "unknown phrase book 'haiku'")]
)
def test_a_missing_or_unknown_book_is_a_clear_error(constraints: dict[str, str], message: str) -> None:
    spec = {"name": "notes", "type": "phrase", "constraints": constraints}
    request = GenerateDataRequest.model_validate({"schema": {"fields": [spec]}, "volume": 3})
    with pytest.raises(SchemaError, match=message) as info:
        table(plan_generation(request))
    assert "notes" in str(info.value) and "ticket_subject" in str(info.value)


def test_no_template_writes_lorem_ipsum_text() -> None:
    """Every free-text field of every template reads like its domain: no `sentence`/`text`/`word` lorem."""
    offenders = [
        f"{t.name}.{tbl.name}.{f.name}"
        for t in list_templates()
        for tbl in get_template(t.name).table_list()
        for f in tbl.fields
        if f.type in ("sentence", "text", "word")
    ]
    assert offenders == []
