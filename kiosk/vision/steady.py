"""Steady cue states: a yes/no cue flips only once the new state has held for a while (hysteresis).

A landmarker's noise makes a still face's eye contact, posture or arms flip
for a frame or two. Each cue group has a hold time in the profile
(``[vision.hysteresis]``): a run of the other state shorter than that keeps
the state before it. Unknown frames (``None``) stay unknown and neither
start nor end a run.

:func:`steady_timeline` is the pure function over a whole take, for the
report, live and offline alike: a new state, once it has held, counts from
its first frame. :class:`SteadyCues` is the same rule frame by frame, for
the live coach and overlay: it cannot look ahead, so a new state shows once
it has held (``hold_s`` late), and a short run is never shown at all.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import fields, replace
from typing import Any

from kiosk.calibration.vision import HysteresisSettings
from kiosk.vision.signals import FrameSignals
from kiosk.vision.summary import BodyTimeline

#: The yes/no cues made steady, by the profile key that holds their hold time.
CUE_GROUPS: dict[str, tuple[str, ...]] = {
    "eye_contact_hold_s": ("eye_contact", "eyes_closed"),
    "smile_hold_s": ("smiling", "smile_reaches_eyes"),
    "posture_hold_s": ("upright", "head_tilted", "head_dropped", "shoulders_raised"),
    "arms_hold_s": ("arms_crossed", "hands_visible", "hand_on_face", "legs_crossed"),
    "framing_hold_s": ("well_framed", "too_dark", "backlit"),
}
#: Times this close (seconds) count as equal (frame times are floats).
_EPS_S = 1e-6


def hold_times_s(settings: HysteresisSettings) -> dict[str, float]:
    """Each steadied cue (a :class:`FrameSignals` field) and its hold time in seconds."""
    known = {f.name for f in fields(FrameSignals)}
    return {cue: float(getattr(settings, key)) for key, cues in CUE_GROUPS.items() for cue in cues if cue in known}


class _Hold:
    """The hysteresis state of one cue, frame by frame."""

    def __init__(self, hold_s: float) -> None:
        self.hold_s = hold_s
        self.state: bool | None = None
        self.run_start_s: float | None = None  # first frame of the run of the other state

    def step(self, time_s: float, value: bool | None) -> bool:
        """Take one frame's value; returns True when it confirmed a flip (the run started at ``run_start_s``)."""
        if value is None:
            return False
        if self.state is None:
            self.state = value
            return False
        if value == self.state:
            self.run_start_s = None
            return False
        if self.run_start_s is None:
            self.run_start_s = time_s
        if time_s - self.run_start_s >= self.hold_s - _EPS_S:
            self.state = value
            return True
        return False


def _steady_values(times_s: list[float], values: list[bool | None], hold_s: float) -> list[bool | None]:
    hold = _Hold(hold_s)
    out: list[bool | None] = []
    for time_s, value in zip(times_s, values, strict=True):
        if hold.step(time_s, value):
            start_s, hold.run_start_s = hold.run_start_s, None
            assert start_s is not None
            # The new state counts from its first frame (unknown frames stay unknown).
            for i in range(len(out) - 1, -1, -1):
                if times_s[i] < start_s - _EPS_S:
                    break
                if out[i] is not None:
                    out[i] = value
        out.append(None if value is None else hold.state)
    return out


def steady_timeline(
    timeline: BodyTimeline, settings: HysteresisSettings, *, only: Collection[str] | None = None
) -> BodyTimeline:
    """The timeline with every yes/no cue made steady (pure: the input is unchanged).

    A run of the other state that holds for the cue's hold time flips the
    state from the run's first frame; shorter runs take the state before
    them. The first known value of a take is its first state. ``only``: just
    these cues (the others are left as they are).
    """
    frames = timeline.frames
    if not frames:
        return timeline
    times = [f.time_s for f in frames]
    columns = {
        cue: _steady_values(times, [getattr(f, cue) for f in frames], hold_s)
        for cue, hold_s in hold_times_s(settings).items()
        if only is None or cue in only
    }
    steady: list[FrameSignals] = []
    for i, frame in enumerate(frames):
        values: dict[str, Any] = {cue: column[i] for cue, column in columns.items()}
        steady.append(replace(frame, **values))
    return BodyTimeline(frames=tuple(steady))


class SteadyCues:
    """The same hysteresis as :func:`steady_timeline`, frame by frame as a live take is analysed.

    A new state shows once it has held for its hold time (it cannot be
    back-dated on screen); a shorter run never shows.
    """

    def __init__(self, settings: HysteresisSettings) -> None:
        self._holds = {cue: _Hold(hold_s) for cue, hold_s in hold_times_s(settings).items()}

    def update(self, signals: FrameSignals) -> FrameSignals:
        """This frame's signals with the cues' steady states so far."""
        steady: dict[str, Any] = {}
        for cue, hold in self._holds.items():
            value = getattr(signals, cue)
            if hold.step(signals.time_s, value):
                hold.run_start_s = None
            steady[cue] = None if value is None else hold.state
        return replace(signals, **steady)
