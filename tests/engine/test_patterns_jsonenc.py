"""The regex subset (property-tested against ``re``) and the vectorised JSON encoder."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from sdga.engine.jsonenc import to_json_strings
from sdga.engine.patterns import compile_pattern

ATOMS = st.sampled_from([r"\d", r"[a-c]", r"[A-Z0-9]", "x", r"\.", r"[^a-z]", r"\w", "(ab|c)", "(?:q|rs|t)", "-"])
QUANT = st.sampled_from(["", "?", "{2}", "{1,3}", "+", "*"])


@settings(max_examples=60, deadline=None)
@given(parts=st.lists(st.tuples(ATOMS, QUANT), min_size=1, max_size=5), seed=st.integers(0, 2**32))
def test_generated_strings_match_the_pattern(parts: list[tuple[str, str]], seed: int) -> None:
    pattern = "".join(a + q for a, q in parts)
    node = compile_pattern(pattern)
    rx = re.compile(pattern)
    rand = node.random(np.random.default_rng(seed), 200).to_pylist()
    assert all(rx.fullmatch(s) for s in rand), pattern
    n = min(node.capacity, 500)
    idx = np.random.default_rng(seed).permutation(n).astype(np.uint64)
    indexed = node.indexed(idx).to_pylist()
    assert all(rx.fullmatch(s) for s in indexed), pattern
    if node.unambiguous():
        assert len(set(indexed)) == n, pattern  # the index path is a bijection


def test_ambiguity_detection() -> None:
    for ok in (r"[A-Z]{2}-\d{4}", r"[a-z]{1,3}-\d", r"(19|20)\d\d", r"(foo|ba[rz])_[0-9]{2,4}", r"[ab]{1,3}"):
        assert compile_pattern(ok).unambiguous(), ok
    for bad in (r"\d?\d?", r"\d{1,3}\d{2}", r"(a|a)", r"(ab|a)b?", r"[a-z]+[a-c]"):
        assert not compile_pattern(bad).unambiguous(), bad


def test_capacity_counts_exactly() -> None:
    assert compile_pattern(r"[ab]{1,2}").capacity == 2 + 4
    assert compile_pattern(r"(x|yz)\d").capacity == 20
    node = compile_pattern(r"[ab]{1,2}")
    assert sorted(node.indexed(np.arange(6, dtype=np.uint64)).to_pylist()) == ["a", "aa", "ab", "b", "ba", "bb"]


def test_json_encoding_round_trips() -> None:
    values = [
        {"s": 'quote " back\\ nl\n', "i": 3, "f": 1.5, "b": True, "d": date(2024, 1, 2),
         "t": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), "dec": Decimal("12.30"), "l": [1, 2], "o": {"k": "v"}},
        {"s": None, "i": None, "f": None, "b": False, "d": None, "t": None, "dec": None, "l": [], "o": None},
        None,
    ]  # fmt: skip
    typ = pa.struct([
        ("s", pa.string()), ("i", pa.int64()), ("f", pa.float64()), ("b", pa.bool_()), ("d", pa.date32()),
        ("t", pa.timestamp("us", tz="UTC")), ("dec", pa.decimal128(10, 2)), ("l", pa.list_(pa.int64())),
        ("o", pa.struct([("k", pa.string())])),
    ])  # fmt: skip
    out = to_json_strings(pa.array(values, typ)).to_pylist()
    first = json.loads(out[0])
    assert first["s"] == 'quote " back\\ nl\n' and first["i"] == 3 and first["b"] is True
    assert first["d"] == "2024-01-02" and datetime.fromisoformat(first["t"]) == values[0]["t"] and first["dec"] == 12.3
    assert first["l"] == [1, 2] and first["o"] == {"k": "v"}
    second = json.loads(out[1])
    assert second["s"] is None and second["l"] == [] and second["o"] is None
    assert out[2] == "null"
    nan = to_json_strings(pa.array([float("nan"), 2.0])).to_pylist()
    assert [json.loads(v) for v in nan] == [None, 2.0]
