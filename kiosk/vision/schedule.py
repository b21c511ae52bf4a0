"""Which frames of a take are judged: chosen by the take's timestamps, never by the machine's load.

The schedule ticks at a fixed rate from the start of the take (tick ``k`` at
``k / rate_hz`` seconds). For each tick the frame nearest to it is judged; a
frame nearest to two ticks (a source slower than the schedule) is judged
once. A 24, 25 or 30 fps source and a re-encoded copy of it are so judged at
the same instants, give or take half a source frame, and a live take judges
exactly the frames that analysing its recording afterwards judges.

:class:`FrameSchedule` decides frame by frame, as frames arrive (it needs one
frame after a tick to know which is nearest); :func:`scheduled_frames` runs
it over a whole recording.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

from kiosk.capture.take import VideoFrame

#: Timestamps this close (seconds) are the same instant (float rounding of frame times).
_SAME_INSTANT_S = 1e-6


class FrameSchedule:
    """Picks, from frames offered in time order, the frame nearest each tick of ``rate_hz``.

    Example::

        schedule = FrameSchedule(15.0)
        for frame in frames:
            for chosen in schedule.offer(frame):
                analyse(chosen)
        for chosen in schedule.finish():
            analyse(chosen)
    """

    def __init__(self, rate_hz: float, *, first_tick: int = 0, end_tick: int | None = None) -> None:
        if not rate_hz > 0:
            raise ValueError(f"a schedule needs a positive rate, got {rate_hz}")
        if first_tick < 0 or (end_tick is not None and end_tick < first_tick):
            raise ValueError(f"a schedule's ticks must run forwards from 0, got {first_tick} to {end_tick}")
        self.rate_hz = rate_hz
        self._tick = first_tick
        self._end_tick = end_tick
        self._before: VideoFrame | None = None  # the newest frame before the current tick
        self._span_s = 0.0  # how long that frame lasts: the time since the frame before it
        self._last_chosen_s: float | None = None

    def _tick_s(self) -> float:
        return self._tick / self.rate_hz

    @property
    def done(self) -> bool:
        """Every tick before ``end_tick`` has its frame (never, without an end)."""
        return self._end_tick is not None and self._tick >= self._end_tick

    def _choose(self, frame: VideoFrame) -> list[VideoFrame]:
        self._tick += 1
        if self._last_chosen_s is not None and frame.time_s <= self._last_chosen_s + _SAME_INSTANT_S:
            return []  # nearest to this tick too, and judged already
        self._last_chosen_s = frame.time_s
        return [frame]

    def offer(self, frame: VideoFrame) -> list[VideoFrame]:
        """The frames to judge now that ``frame`` has arrived (none, one, or rarely two), in time order.

        Frames must come in time order; one not later than the previous is ignored.
        """
        if self._before is not None and frame.time_s <= self._before.time_s + _SAME_INSTANT_S:
            return []
        chosen: list[VideoFrame] = []
        while not self.done and frame.time_s >= self._tick_s() - _SAME_INSTANT_S:
            tick = self._tick_s()
            before = self._before
            if before is not None and tick - before.time_s < frame.time_s - tick - _SAME_INSTANT_S:
                chosen += self._choose(before)
            else:
                chosen += self._choose(frame)
        if self._before is not None:
            self._span_s = frame.time_s - self._before.time_s
        self._before = frame
        return chosen

    def finish(self) -> list[VideoFrame]:
        """At the end of the take: the last frame, if the next tick falls while it lasts (a frame lasts
        until the next would have come: as long as the gap before it)."""
        before, self._before = self._before, None
        if before is None or self.done:
            return []
        if self._tick_s() < before.time_s + self._span_s - _SAME_INSTANT_S:
            return self._choose(before)
        return []


def scheduled_frames(
    frames: Iterable[VideoFrame], rate_hz: float, *, first_tick: int = 0, end_tick: int | None = None
) -> Iterator[VideoFrame]:
    """The frames of a take that the schedule judges, in time order (every frame is still decoded).

    ``first_tick`` and ``end_tick`` (exclusive) keep to a part of the take
    (two halves analysed side by side); the frames chosen for its ticks are those a pass
    over the whole take chooses, provided ``frames`` starts before the part's
    first tick. Reading stops once the part's last tick has its frame.
    """
    schedule = FrameSchedule(rate_hz, first_tick=first_tick, end_tick=end_tick)
    for frame in frames:
        yield from schedule.offer(frame)
        if schedule.done:
            return
    yield from schedule.finish()


def first_tick_at(time_s: float, rate_hz: float) -> int:
    """The first tick of the schedule at or after ``time_s``."""
    return max(0, math.ceil(time_s * rate_hz - _SAME_INSTANT_S * rate_hz))
