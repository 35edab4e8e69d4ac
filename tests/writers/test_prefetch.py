"""The batch prefetcher: same items in the same order, errors raised where they are consumed, and a
producer that stops when the consumer does (nothing keeps generating in the background)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from sdga.writers import prefetch


def test_items_and_order_are_unchanged() -> None:
    assert list(prefetch(iter(range(1000)), depth=2)) == list(range(1000))
    assert list(prefetch(iter([]))) == []


def test_a_producer_error_is_raised_to_the_consumer_after_the_items_before_it() -> None:
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("disk on fire")

    got: list[int] = []
    with pytest.raises(ValueError, match="disk on fire"):
        for item in prefetch(source()):
            got.append(item)
    assert got == [1, 2]


def test_the_producer_stops_when_the_consumer_stops() -> None:
    made: list[int] = []
    alive = threading.Event()

    def endless() -> Iterator[int]:
        alive.set()
        n = 0
        while True:
            made.append(n)
            yield n
            n += 1

    stream = prefetch(endless(), depth=2)
    assert next(stream) == 0
    stream.close()  # the writer failed, or Ctrl-C
    count = len(made)
    time.sleep(0.3)
    assert len(made) == count <= 4  # at most depth + in flight, and nothing after the stop
    assert not [t for t in threading.enumerate() if t.name == "sdga-prefetch"]
