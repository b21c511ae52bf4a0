"""Framing checks for a video call: what the other side sees before a word is said.

"Framing checks that matter on a call": the face's size in the picture and
whether it is centred, the camera's height (too low looks up the nose, too
high looks down on the top of the head), the lighting on the face and from
behind, and looking at the lens. Each check is judged from the medians of
the frames where the face was found, so a blink or a glance does not fail
it. :func:`framing_checks` reads a whole take; :func:`framing_checks_now`
reads the last ``[framing] window_s`` of frames, for the live check before
recording.

Thresholds: face size, centring and lighting are the ``[vision.framing]``
ones, camera height is ``[framing] max_camera_pitch_deg``, looking at the
lens the low end of the video-call eye-contact band.

Camera height and looking at the lens share one geometry: both compare the
head (and eyes) with the ray from the eyes to the lens, not with the
camera's axis, so a face high or low in the picture that meets the lens
passes both (see :mod:`kiosk.vision.signals`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from kiosk.calibration import FramingCalibration
from kiosk.i18n import load_strings
from kiosk.vision.signals import FrameSignals
from kiosk.vision.summary import BodyTimeline

#: The checks, in the order a trainee fixes them (camera and light first).
FRAMING_CHECKS: tuple[str, ...] = ("face_size", "centring", "camera_height", "lighting", "backlight", "looking_at_lens")
#: Each check's unit: ``share`` 0-1 (of the frame height; of the frame's width or
#: height from its centre; of the time), ``deg`` degrees, ``luma`` BT.601 0-255.
FRAMING_UNITS: dict[str, str] = {
    "face_size": "share",
    "centring": "share",
    "camera_height": "deg",
    "lighting": "luma",
    "backlight": "luma",
    "looking_at_lens": "share",
}
#: Advice key when the face was never found.
NO_FACE = "no_face"


@dataclass(frozen=True)
class FramingCheck:
    """One framing check.

    Attributes:
        check: its id, one of :data:`FRAMING_CHECKS`.
        passed: ``True`` / ``False``, ``None`` when it could not be judged.
        value: what was measured (median over the frames), ``None`` if nothing:
            face_size the face height as a share of the frame height;
            centring the face centre's larger offset from the frame centre, as a
            share of the frame width or height; camera_height the head's pitch in
            degrees against the ray from the eyes to the lens (+ up: the camera
            sees the face from below; a level head above a low camera points above
            the lens); lighting the face's mean luma; backlight how much brighter
            the background is than
            the face (luma); looking_at_lens the share of the time with eye contact.
        unit: ``share``, ``deg`` or ``luma`` (:data:`FRAMING_UNITS`).
        advice: key of what to change in the strings' ``[framing]`` table
            (``None`` when passed); see :func:`check_advice`.
    """

    check: str
    passed: bool | None
    value: float | None
    unit: str
    advice: str | None


def _median(frames: Sequence[FrameSignals], value: Callable[[FrameSignals], float | None]) -> float | None:
    values = [v for v in (value(f) for f in frames) if v is not None]
    return float(np.median(values)) if values else None


def _check(check: str, value: float | None, advice_if_failed: str | None) -> FramingCheck:
    """A check from its measured value and the advice that applies (``None``: passed)."""
    if value is None:
        return FramingCheck(check, None, None, FRAMING_UNITS[check], NO_FACE)
    return FramingCheck(check, advice_if_failed is None, value, FRAMING_UNITS[check], advice_if_failed)


def framing_checks(timeline: BodyTimeline, calibration: FramingCalibration) -> tuple[FramingCheck, ...]:
    """Every framing check (:data:`FRAMING_CHECKS`, in order) over the frames of ``timeline``.

    Values are medians over the frames where the face was found; without a
    face every check is unknown with the advice ``no_face``.
    """
    faces = [f for f in timeline.frames if f.face_found]
    t = calibration.thresholds

    size = _median(faces, lambda f: f.face_height_share)
    size_advice = None
    if size is not None and size < t.min_face_height_share:
        size_advice = "face_too_small"
    elif size is not None and size > t.max_face_height_share:
        size_advice = "face_too_large"

    offset_x = _median(faces, lambda f: f.face_offset_x_share)
    offset_y = _median(faces, lambda f: f.face_offset_y_share)
    offset = None if offset_x is None or offset_y is None else max(abs(offset_x), abs(offset_y))
    centre_advice = "off_centre" if offset is not None and offset > t.max_face_offset_share else None

    pitch = _median(faces, lambda f: f.head_pitch_deg)
    height_advice = None
    if pitch is not None and pitch > calibration.max_camera_pitch_deg:
        height_advice = "camera_too_low"
    elif pitch is not None and pitch < -calibration.max_camera_pitch_deg:
        height_advice = "camera_too_high"

    luma = _median(faces, lambda f: f.face_luma)
    dark_advice = "too_dark" if luma is not None and luma < t.min_face_luma else None
    behind = _median(
        faces,
        lambda f: None if f.face_luma is None or f.background_luma is None else f.background_luma - f.face_luma,
    )
    backlit_advice = "backlit" if behind is not None and behind > t.max_backlight_luma_difference else None

    contact = [f.eye_contact for f in faces if f.eye_contact is not None]
    lens = float(np.mean(contact)) if contact else None
    lens_advice = "look_at_lens" if lens is not None and lens < calibration.min_lens_share else None

    return (
        _check("face_size", size, size_advice),
        _check("centring", offset, centre_advice),
        _check("camera_height", pitch, height_advice),
        _check("lighting", luma, dark_advice),
        _check("backlight", behind, backlit_advice),
        _check("looking_at_lens", lens, lens_advice),
    )


def framing_checks_now(frames: Sequence[FrameSignals], calibration: FramingCalibration) -> tuple[FramingCheck, ...]:
    """The framing checks over the newest ``window_s`` of ``frames`` (in time order), for the live
    check before recording; one frame is enough."""
    if not frames:
        return framing_checks(BodyTimeline(frames=()), calibration)
    newest = frames[-1].time_s
    recent = tuple(f for f in frames if f.time_s >= newest - calibration.window_s)
    return framing_checks(BodyTimeline(frames=recent), calibration)


def check_label(check: FramingCheck, language: str) -> str:
    """The check's name in ``language`` ("Face size")."""
    return str(load_strings(language)["framing"][check.check])


def check_advice(check: FramingCheck, language: str) -> str | None:
    """What to change, in ``language`` (``None`` when the check passed).

    Raises:
        LanguageError: a language without a strings file.
    """
    return None if check.advice is None else str(load_strings(language)["framing"][check.advice])
