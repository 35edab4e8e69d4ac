"""The column encoders' fast paths give exactly the text of the Arrow kernels they replace."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from sdga.writers._encode import _iso_fixed_width, concat, merge_constants, present_bytes, temporal_text

# 0001-01-01 and 9999-12-31 as days since 1970-01-01.
FIRST_DAY, LAST_DAY = -719_162, 2_932_896
EDGES = [
    (d - dt.date(1970, 1, 1)).days
    for d in (
        dt.date(1600, 2, 29),
        dt.date(1899, 12, 31),
        dt.date(1900, 2, 28),
        dt.date(1900, 3, 1),
        dt.date(1969, 12, 31),
        dt.date(1970, 1, 1),
        dt.date(2000, 2, 29),
        dt.date(2024, 12, 31),
    )
]
# Windows narrow enough for the lookup path: the first and last centuries, and around the present.
WINDOWS = [(FIRST_DAY, FIRST_DAY + 300 * 366), (EDGES[0], EDGES[-1]), (LAST_DAY - 300 * 366, LAST_DAY)]


def _days(window: tuple[int, int]) -> np.ndarray:
    lo, hi = window
    rng = np.random.default_rng(11)
    inside = [d for d in EDGES if lo <= d <= hi]
    return np.concatenate([[lo, hi], inside, rng.integers(lo, hi + 1, 100_000)]).astype(np.int64)


@pytest.mark.parametrize("window", WINDOWS)
def test_dates_match_arrows_text(window: tuple[int, int]) -> None:
    days = pa.array(_days(window).astype(np.int32), pa.int32()).cast(pa.date32())
    fast = _iso_fixed_width(days, "T")
    assert fast is not None
    assert fast.equals(pc.cast(days, pa.large_string()))


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("sep", ["T", " "])
@pytest.mark.parametrize("tz", [None, "UTC"])
def test_whole_second_timestamps_match_arrows_text(window: tuple[int, int], sep: str, tz: str | None) -> None:
    days = _days(window)
    seconds = days * 86_400 + np.random.default_rng(5).integers(0, 86_400, len(days))
    seconds[:2] = [window[0] * 86_400, window[1] * 86_400 + 86_399]
    arr = pa.array(seconds, pa.timestamp("s", tz=tz))
    naive = arr.cast(pa.timestamp("s"))
    expected = pc.replace_substring(pc.cast(naive, pa.large_string()), " ", sep, max_replacements=1)
    fast = _iso_fixed_width(arr, sep)
    assert fast is not None
    assert fast.equals(expected)


def test_wide_ranges_and_long_years_fall_back_to_arrow() -> None:
    every_year = pa.array([FIRST_DAY, 0, LAST_DAY], pa.int32()).cast(pa.date32())
    assert _iso_fixed_width(every_year, "T") is None
    assert temporal_text(every_year).to_pylist() == ["0001-01-01", "1970-01-01", "9999-12-31"]
    # Years Arrow does not write with 4 digits: the table is not fixed-width, so the cast is used.
    far = pa.array([LAST_DAY, LAST_DAY + 1], pa.int32()).cast(pa.date32())
    assert _iso_fixed_width(far, "T") is None
    assert temporal_text(far).equals(pc.cast(far, pa.large_string()))
    # Whatever Arrow writes for year 0 and before, the lookup gives the same (the table is Arrow's text).
    before = pa.array([FIRST_DAY - 400, FIRST_DAY - 1, FIRST_DAY], pa.int32()).cast(pa.date32())
    assert temporal_text(before).equals(pc.cast(before, pa.large_string()))


def test_nulls_stay_null_and_slices_are_respected() -> None:
    dates = pa.array([dt.date(2020, 1, 2), None, dt.date(1999, 1, 1)], pa.date32())
    assert temporal_text(dates).to_pylist() == ["2020-01-02", None, "1999-01-01"]
    stamps = pa.array([0, None, 86_399], pa.timestamp("s", tz="UTC"))
    assert temporal_text(stamps, sep=" ", utc_marker="+00:00").to_pylist() == [
        "1970-01-01 00:00:00+00:00",
        None,
        "1970-01-01 23:59:59+00:00",
    ]
    # Sliced input (a batch's rows after the first): the text follows the slice, not the parent array.
    assert temporal_text(dates.slice(1)).to_pylist() == [None, "1999-01-01"]
    assert temporal_text(stamps.slice(2)).to_pylist() == ["1970-01-01T23:59:59Z"]


def test_concat_merges_constants_and_keeps_nulls() -> None:
    assert merge_constants(["a", "", "b", pa.array(["x"]), "c", "d"])[::2] == ["ab", "cd"]
    assert concat(['"', pa.array(["x", None]), '"', ","]).to_pylist() == ['"x",', None]
    assert concat(["{", "}"], 2).to_pylist() == ["{}", "{}"]
    with pytest.raises(ValueError):
        concat(["only constants"])


def test_present_bytes_finds_every_special_byte_and_only_those() -> None:
    text = pa.array(["plain ascii, ümlauts 😀", "q\"a&b'c<d>e\\f\x00\x1f", "x" * 5000 + "'" * 5000])
    assert present_bytes(text) == {0x22, 0x26, 0x27, 0x3C, 0x3E, 0x5C, 0x00, 0x1F}
    assert present_bytes(text.slice(0, 1)) == set()
    assert present_bytes(text.slice(2)) == {0x27}
