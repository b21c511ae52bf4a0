"""Decode ahead on a worker thread so decoding overlaps analysis.

The landmarkers keep about one and a half of two cores busy; decoding the
next frames in the spare time raises whole-file throughput.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


def read_ahead(items: Iterable[T], *, depth: int = 4) -> Iterator[T]:
    """Yield ``items`` in order while a worker thread produces up to ``depth`` ahead.

    An exception raised while producing is re-raised here, at the point in the
    sequence where it happened. Stopping early (``break``, an error in the
    consumer) stops the worker.
    """
    buffer: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        buffer.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put(_DONE)
        except BaseException as err:  # noqa: BLE001 - handed to the consumer
            buffer.put(err)

    worker = threading.Thread(target=produce, name="read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            item = buffer.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while worker.is_alive():
            try:
                buffer.get_nowait()
            except queue.Empty:
                pass
            worker.join(timeout=0.05)
