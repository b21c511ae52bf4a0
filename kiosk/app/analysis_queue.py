"""One upload analysed at a time on a kiosk server; the others wait their turn, in order.

Analysing a recording takes about its own length on two cores. Several at
once would each take several times longer and could exhaust the memory, so
the server analyses one upload at a time and tells the others where they
stand in the queue.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: How often a waiting page is told its place in the queue, in seconds.
WAIT_POLL_S = 0.5


class AnalysisQueue:
    """First come, first served; one at a time. Shared by every session of the server."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._waiting: list[object] = []

    def ahead_of_new(self) -> int:
        """Analyses running or waiting now (what a new upload would wait for)."""
        with self._changed:
            return len(self._waiting)

    @contextmanager
    def turn(self, on_wait: Callable[[int], object] | None = None) -> Iterator[None]:
        """Wait for this caller's turn, then hold it for the ``with`` block.

        ``on_wait`` is told how many analyses are ahead (at least 1) while
        waiting; it may raise (the trainee left the page), which gives the
        place up. The turn is always given up when the block ends.
        """
        ticket = object()
        with self._changed:
            self._waiting.append(ticket)
        try:
            while True:
                with self._changed:
                    ahead = self._waiting.index(ticket)
                if ahead == 0:
                    break
                if on_wait is not None:
                    on_wait(ahead)  # outside the lock: it draws on the page, and may raise
                with self._changed:
                    if self._waiting.index(ticket):
                        self._changed.wait(timeout=WAIT_POLL_S)
            yield
        finally:
            with self._changed:
                self._waiting.remove(ticket)
                self._changed.notify_all()


__all__ = ["AnalysisQueue"]
