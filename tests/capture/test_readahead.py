"""Read-ahead: decoding on a worker thread must not change what the consumer sees."""

from __future__ import annotations

import threading

import pytest

from kiosk.capture.readahead import read_ahead


def test_items_arrive_complete_and_in_order() -> None:
    assert list(read_ahead(range(1000), depth=3)) == list(range(1000))


def test_an_error_while_producing_reaches_the_consumer_after_the_good_items() -> None:
    def items():
        yield 1
        yield 2
        raise ValueError("damaged frame")

    seen = []
    with pytest.raises(ValueError, match="damaged frame"):
        for item in read_ahead(items()):
            seen.append(item)
    assert seen == [1, 2]


def test_stopping_early_stops_the_worker() -> None:
    produced = []

    def endless():
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    before = threading.active_count()
    for item in read_ahead(endless(), depth=2):
        if item == 5:
            break
    assert threading.active_count() == before
    assert len(produced) <= 5 + 1 + 2 + 1  # consumed, the one in hand, the buffer, one blocked
