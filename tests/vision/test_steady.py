"""Steady cue states: hysteresis over a take's timeline, the same for the report and the live coach."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kiosk.calibration import load_vision_calibration
from kiosk.calibration.vision import HysteresisSettings
from kiosk.vision.signals import FrameSignals
from kiosk.vision.steady import CUE_GROUPS, SteadyCues, hold_times_s, steady_timeline
from kiosk.vision.summary import BodyTimeline

RATE_HZ = 15.0
HOLDS = HysteresisSettings(
    eye_contact_hold_s=0.4, smile_hold_s=0.4, posture_hold_s=0.5, arms_hold_s=0.5, framing_hold_s=0.5
)


def timeline_of(cue: str, values: list[bool | None]) -> BodyTimeline:
    frames = []
    for k, value in enumerate(values):
        frame = FrameSignals.unknown(k / RATE_HZ, face_found=True, people_in_view=1)
        frames.append(replace(frame, **{cue: value}))
    return BodyTimeline(frames=tuple(frames))


def steady(cue: str, values: list[bool | None], holds: HysteresisSettings = HOLDS) -> list[bool | None]:
    return [getattr(f, cue) for f in steady_timeline(timeline_of(cue, values), holds).frames]


T, F, N = True, False, None


def test_every_group_of_the_profile_is_a_real_signal_with_its_hold_time() -> None:
    holds = hold_times_s(load_vision_calibration().hysteresis)
    assert set(holds) == {cue for cues in CUE_GROUPS.values() for cue in cues}
    assert holds["eye_contact"] == 0.4 and holds["upright"] == 0.5


def test_a_still_face_flickering_for_one_to_three_frames_is_steady() -> None:
    flicker = [T] * 10 + [F] + [T] * 5 + [F, F] + [T] * 4 + [F, F, F] + [T] * 10
    assert steady("eye_contact", flicker) == [T] * len(flicker)


def test_a_look_away_that_holds_flips_from_its_first_frame() -> None:
    # 0.4 s at 15 per second: the new state's first frame and one 6 frames later.
    values = [T] * 10 + [F] * 7 + [T] * 10
    assert steady("eye_contact", values) == values
    # One frame short of the hold time: the look away never shows.
    values = [T] * 10 + [F] * 6 + [T] * 10
    assert steady("eye_contact", values) == [T] * 26


def test_each_group_has_its_own_hold_time() -> None:
    run = [F] * 5 + [T] * 7 + [F] * 7  # each run held 6/15 = 0.4 s
    assert steady("smiling", run) == run  # smile_hold_s 0.4
    assert steady("upright", run) == [F] * 19  # posture_hold_s 0.5
    # A short run at the end of the take keeps the state before it.
    assert steady("smiling", [F] * 5 + [T] * 7 + [F] * 3) == [F] * 5 + [T] * 10


def test_unknown_frames_stay_unknown_and_do_not_end_a_run() -> None:
    values = [T] * 5 + [F, F, N, F, F, F, F] + [T] * 3  # the F run spans 0.4 s across the unknown frame
    assert steady("eye_contact", values) == [T] * 5 + [F, F, N, F, F, F, F] + [F] * 3
    assert steady("eye_contact", [N, N, F, T, F]) == [N, N, F, F, F]


def test_a_hold_of_zero_keeps_every_frame_as_measured() -> None:
    values = [T, F, T, N, F, F, T]
    zero = HysteresisSettings(
        eye_contact_hold_s=0.0, smile_hold_s=0.0, posture_hold_s=0.0, arms_hold_s=0.0, framing_hold_s=0.0
    )
    assert steady("eye_contact", values, zero) == values


def test_the_timeline_is_not_changed_and_other_signals_are_kept() -> None:
    original = timeline_of("arms_crossed", [T, F, T])
    result = steady_timeline(original, HOLDS)
    assert [f.arms_crossed for f in original.frames] == [T, F, T]
    assert [f.arms_crossed for f in result.frames] == [T, T, T]
    assert [f.time_s for f in result.frames] == [f.time_s for f in original.frames]
    assert steady_timeline(BodyTimeline(frames=()), HOLDS).frames == ()


def test_frame_by_frame_a_new_state_shows_once_it_has_held_and_a_blip_never_shows() -> None:
    values = [T] * 5 + [F] + [T] * 5 + [F] * 8
    live = SteadyCues(HOLDS)
    shown = [live.update(f).eye_contact for f in timeline_of("eye_contact", values).frames]
    # The blip at frame 5 never shows; the look away from frame 11 shows at frame 17 (0.4 s later).
    assert shown == [T] * 17 + [F] * 2
    # The whole-take function agrees, with the flip dated back to where it began.
    assert steady("eye_contact", values) == [T] * 11 + [F] * 8


@pytest.mark.parametrize("cue", [c for cues in CUE_GROUPS.values() for c in cues])
def test_every_steadied_cue_drops_a_one_frame_blip(cue: str) -> None:
    assert steady(cue, [F] * 8 + [T] + [F] * 8) == [F] * 17
