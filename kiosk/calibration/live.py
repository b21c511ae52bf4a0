"""The ``[live]`` tables: the cues shown while a take records, the live voice meter, and when a take stops."""

from __future__ import annotations

from collections.abc import Iterator

from kiosk.calibration.schema import POSITIVE, Range, number, profile_table, table


@profile_table
class LiveCueTiming:
    """When a live cue may be shown (the keys of the ``[live]`` table itself)."""

    off_for_s: float = number(
        doc="A cue's signal must have been off this long, without a break, before the cue is shown",
        unit="seconds",
        check=POSITIVE,
    )
    smile_off_for_s: float = number(doc='The same for "Smile", which waits longer', unit="seconds", check=POSITIVE)
    min_gap_s: float = number(doc="At most one cue every this long, start to start", unit="seconds", check=POSITIVE)
    show_for_s: float = number(doc="A cue stays on screen this long", unit="seconds", check=POSITIVE)
    repeat_gap_s: float = number(doc="The same cue is not shown again within this long", unit="seconds", check=POSITIVE)
    absent_for_s: float = number(
        doc="No speech heard, or nobody in the camera's view, for this long shows a warning while recording",
        unit="seconds",
        check=POSITIVE,
    )

    def checks(self) -> Iterator[str]:
        if not self.show_for_s <= self.min_gap_s <= self.repeat_gap_s:
            yield (
                f"needs show_for_s <= min_gap_s <= repeat_gap_s, got "
                f"{self.show_for_s}, {self.min_gap_s}, {self.repeat_gap_s}."
            )


@profile_table
class LiveVoiceSettings:
    """The live voice meter's windows (the ``[live.voice]`` table)."""

    window_s: float = number(doc="Sound kept for the live pace and speech level", unit="seconds", check=POSITIVE)
    level_window_s: float = number(
        doc="The microphone level meter reads the RMS of the last this long", unit="seconds", check=POSITIVE
    )
    noise_window_s: float = number(
        doc="The room's noise floor and the speech peak are read from the last this long of level",
        unit="seconds",
        check=POSITIVE,
    )
    rate_every_s: float = number(
        doc="The live pace is worked out at most once per this long", unit="seconds", check=POSITIVE
    )
    min_speech_for_rate_s: float = number(
        doc="A live pace needs at least this much speech in the window", unit="seconds", check=POSITIVE
    )

    def checks(self) -> Iterator[str]:
        for key in ("level_window_s", "min_speech_for_rate_s"):
            if not getattr(self, key) <= self.window_s:
                yield f"{key} ({getattr(self, key)}) must be at most window_s ({self.window_s})."


@profile_table
class AutoStopSettings:
    """When a take stops by itself (the ``[live.auto_stop]`` table)."""

    syllables_per_s: float = number(
        doc="A slow speaking rate, for how long a line should take", unit="syllables per second", check=POSITIVE
    )
    silence_after_s: float = number(
        doc="Silence after the trainee's speech that ends the take", unit="seconds", check=POSITIVE
    )
    longest_factor: float = number(
        doc="A take stops at this many times the line's expected length",
        unit="times the expected length",
        check=Range(low=1, low_open=True),
    )
    media_lost_s: float = number(
        doc="A take from the browser ends when neither picture nor sound has arrived for this long",
        unit="seconds",
        check=POSITIVE,
    )
    longest_browser_take_s: float = number(
        doc="A take from the browser ends after this long", unit="seconds", check=POSITIVE
    )
    unwatched_s: float = number(
        doc="A take no page has shown for this long (reloaded or closed) stops by itself",
        unit="seconds",
        check=POSITIVE,
    )


@profile_table
class LiveCalibration:
    """The ``[live]`` part of a calibration profile."""

    cues: LiveCueTiming = table(doc="When a live cue may be shown", inline=True)
    voice: LiveVoiceSettings = table(doc="The live voice meter: [live.voice]")
    auto_stop: AutoStopSettings = table(doc="When a take stops by itself: [live.auto_stop]")
