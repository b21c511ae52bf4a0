"""The trainee's own centre, from their baseline recording, and the body cues judged against it.

:func:`body_baseline` reads a baseline take's body timeline (the gaze while
looking at the dot beside the lens, the resting mouth and lids, the neutral
head and shoulders); :func:`judged_against_baseline` judges a take's frames
again as change from that centre. Both are pure. The analysers never see a
baseline: a timeline keeps its raw measures, so a stored take can be judged
again against any baseline.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from kiosk.calibration import BaselineError, BaselineSettings, BodyBaseline, VisionCalibration
from kiosk.vision.signals import FrameSignals
from kiosk.vision.steady import steady_timeline
from kiosk.vision.summary import BodyTimeline
from kiosk.vocabulary import CalibrationProblem

#: The cues a baseline judges again (and that are made steady again after).
BASELINED_CUES = (
    "eyes_closed",
    "eye_contact",
    "smiling",
    "smile_reaches_eyes",
    "head_tilted",
    "head_dropped",
    "upright",
)


def _median(values: list[float]) -> float | None:
    return float(np.median(values)) if values else None


def body_baseline(timeline: BodyTimeline, settings: BaselineSettings, calibration: VisionCalibration) -> BodyBaseline:
    """The trainee's own centre from a baseline recording's (steady) body timeline.

    The gaze, resting mouth, lids and head pitch come from the dot's seconds
    (after ``dot_settle_s``), the gaze taken back by the dot's own angle off
    the lens; the head's roll, the shoulders and the lean from the whole
    recording (the trainee's stance).

    Raises:
        BaselineError: the face was seen too little, the eyes were not on the dot
            (unseen, wandering, or reading too far off the lens), or the mouth
            was smiling; each message says what to do.
    """
    frames = timeline.frames
    seen = [f for f in frames if f.face_found and f.gaze_yaw_deg is not None]
    if not frames or len(seen) < settings.min_face_share * len(frames):
        share = len(seen) / len(frames) if frames else 0.0
        raise BaselineError(
            f"Your face was seen in only {share:.0%} of the calibration: face the camera, lit from the front and "
            "fully in frame, then calibrate again.",
            CalibrationProblem.NO_FACE,
            {"share": f"{share:.0%}"},
        )
    dot_frames = [f for f in frames if settings.dot_settle_s <= f.time_s < settings.look_at_dot_s]
    at_dot = [f for f in dot_frames if f.face_found and f.gaze_yaw_deg is not None and not f.eyes_closed]
    if not at_dot or len(at_dot) < settings.min_dot_share * len(dot_frames):
        raise BaselineError(
            "Your eyes were not seen while the dot was shown: look at the dot beside the camera, eyes open, until "
            "it goes, then calibrate again.",
            CalibrationProblem.EYES_NOT_SEEN,
        )
    yaw = np.array([f.gaze_yaw_deg for f in at_dot], dtype=np.float64)
    pitch = np.array([f.gaze_pitch_deg for f in at_dot], dtype=np.float64)
    dot_yaw, dot_pitch = float(np.median(yaw)), float(np.median(pitch))
    spread = float(np.median(np.hypot(yaw - dot_yaw, pitch - dot_pitch)))
    # Where the gaze at the lens itself would be: the dot sits a little towards the screen.
    off_yaw, off_pitch = calibration.camera.towards_screen_deg(calibration.camera.dot_deg)
    centre_yaw, centre_pitch = dot_yaw - off_yaw, dot_pitch - off_pitch
    if spread > settings.max_gaze_spread_deg or max(abs(centre_yaw), abs(centre_pitch)) > settings.max_gaze_offset_deg:
        raise BaselineError(
            "Your eyes were not on the dot: keep looking at the dot beside the camera, without moving your eyes, "
            "until it goes, then calibrate again.",
            CalibrationProblem.EYES_OFF_DOT,
        )
    rest_smile = _median([f.smile_intensity for f in at_dot if f.smile_intensity is not None])
    rest_blink = _median([f.eye_blink for f in at_dot if f.eye_blink is not None])
    if rest_smile is not None and rest_smile > settings.max_rest_smile_intensity:
        raise BaselineError(
            "You were smiling through the calibration: keep a neutral, relaxed face while you look at the dot "
            "and say the sentence, then calibrate again.",
            CalibrationProblem.SMILING,
        )
    return BodyBaseline(
        gaze_yaw_deg=centre_yaw,
        gaze_pitch_deg=centre_pitch,
        rest_smile_intensity=rest_smile if rest_smile is not None else settings.typical_rest_smile_intensity,
        rest_eye_blink=rest_blink if rest_blink is not None else settings.typical_rest_eye_blink,
        head_roll_deg=_median([f.head_roll_deg for f in seen if f.head_roll_deg is not None]) or 0.0,
        head_pitch_deg=_median([f.head_pitch_deg for f in at_dot if f.head_pitch_deg is not None]) or 0.0,
        shoulder_tilt_deg=_median([f.shoulder_tilt_deg for f in frames if f.shoulder_tilt_deg is not None]),
        torso_lean_deg=_median([f.torso_lean_deg for f in frames if f.torso_lean_deg is not None]),
    )


def judged_frame(
    frame: FrameSignals, baseline: BodyBaseline, calibration: VisionCalibration, settings: BaselineSettings
) -> FrameSignals:
    """One frame's yes/no cues judged as change from ``baseline`` (its measures are unchanged; not yet steady).

    The live coach judges each frame so as it comes (:class:`kiosk.live.LiveTake`);
    :func:`judged_against_baseline` does it for a whole take.
    """
    changes: dict[str, Any] = {}
    if frame.gaze_yaw_deg is not None and frame.gaze_pitch_deg is not None and frame.eye_blink is not None:
        # Rest minus typical first: a typical rest moves a cut by exactly nothing.
        closed_cut = calibration.eye_contact.eyes_closed_blink + (
            baseline.rest_eye_blink - settings.typical_rest_eye_blink
        )
        closed = frame.eye_blink >= min(closed_cut, settings.max_eyes_closed_cut)
        window = calibration.gaze_window
        looking = window.holds(
            frame.gaze_yaw_deg - baseline.gaze_yaw_deg, frame.gaze_pitch_deg - baseline.gaze_pitch_deg
        )
        changes.update(eyes_closed=closed, eye_contact=not closed and looking)
    if frame.smile_intensity is not None and frame.smile_distress is not None:
        smile_cut = calibration.smile.min_smile_intensity + (
            baseline.rest_smile_intensity - settings.typical_rest_smile_intensity
        )
        smiling = frame.smile_intensity >= min(smile_cut, settings.max_smile_cut_intensity) and not frame.smile_distress
        squint = frame.eye_squint
        reaches = smiling and squint is not None and squint >= calibration.smile.min_eye_squint_for_duchenne
        changes.update(smiling=smiling, smile_reaches_eyes=reaches)
    posture = calibration.posture
    if frame.head_roll_deg is not None and frame.head_pitch_deg is not None:
        changes.update(
            head_tilted=abs(frame.head_roll_deg - baseline.head_roll_deg) > posture.max_head_tilt_deg,
            head_dropped=frame.head_pitch_deg - baseline.head_pitch_deg < -posture.max_head_drop_deg,
        )
    tilt = frame.shoulder_tilt_deg
    tilted, dropped = changes.get("head_tilted"), changes.get("head_dropped")
    if tilt is not None and tilted is not None and dropped is not None:
        tilt_off = tilt - (baseline.shoulder_tilt_deg or 0.0)
        lean = frame.torso_lean_deg
        lean_off = None if lean is None else lean - (baseline.torso_lean_deg or 0.0)
        changes["upright"] = (
            abs(tilt_off) <= posture.max_shoulder_tilt_deg
            and not dropped
            and not tilted
            and (lean_off is None or abs(lean_off) <= posture.max_torso_lean_deg)
        )
    return replace(frame, **changes) if changes else frame


def judged_against_baseline(
    timeline: BodyTimeline, baseline: BodyBaseline, calibration: VisionCalibration, settings: BaselineSettings
) -> BodyTimeline:
    """A take's frames with eye contact, closed eyes, smiling and posture judged as change from the trainee's
    own centre, then made steady again (``[vision.hysteresis]``). Arms, hands, framing and the measures
    themselves are as they were.

    Eye contact: gaze off the trainee's own "looking at the lens" within the
    kiosk's window. Smiling and closed eyes: the thresholds move by the
    trainee's rest minus a typical rest (``[baseline]``). Posture: head roll,
    head pitch, shoulder line and torso lean against their own upright.
    """
    judged = BodyTimeline(frames=tuple(judged_frame(f, baseline, calibration, settings) for f in timeline.frames))
    return steady_timeline(judged, calibration.hysteresis, only=BASELINED_CUES)
