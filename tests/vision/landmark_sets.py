"""The real landmark sets in ``fixtures/`` (MediaPipe's output on ``../shared/data``, written by
``fixtures/make_landmark_fixtures.py``), read as the landmarker's dataclasses, and the small
documented edits that derive a case the recordings do not show. Shared by the vision tests."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np

from kiosk.calibration import VisionCalibration
from kiosk.vision.landmarks import Detections, FaceDetection, HandDetection, PoseDetection
from kiosk.vision.signals import LEFT_SHOULDER, RIGHT_SHOULDER, FrameSignals, frame_signals

FIXTURES = Path(__file__).resolve().parent / "fixtures"


# -- loading the real sets -----------------------------------------------------
@cache
def record(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def face_of(name: str, index: int = 0) -> FaceDetection:
    data = record(name)["faces"][index]
    return FaceDetection(
        landmarks=np.array(data["landmarks"], dtype=np.float32),
        blendshapes=dict(data["blendshapes"]),
        head_pose=np.array(data["head_pose"], dtype=np.float32),
    )


def pose_of(name: str, index: int = 0) -> PoseDetection:
    data = record(name)["poses"][index]
    return PoseDetection(
        landmarks=np.array(data["landmarks"], dtype=np.float32),
        visibility=np.array(data["visibility"], dtype=np.float32),
        world=np.array(data["world"], dtype=np.float32),
    )


def hands_of(name: str) -> tuple[HandDetection, ...]:
    return tuple(
        HandDetection(
            landmarks=np.array(h["landmarks"], dtype=np.float32),
            handedness=h["handedness"],
            handedness_score=float(h["handedness_score"]),
        )
        for h in record(name)["hands"]
    )


def aspect_of(name: str) -> float:
    return record(name)["width"] / record(name)["height"]


def detections_of(
    name: str,
    *,
    faces: tuple[FaceDetection, ...] | None = None,
    poses: tuple[PoseDetection, ...] | None = None,
    hands: tuple[HandDetection, ...] | None = None,
) -> Detections:
    """The fixture's frame as the landmarker returned it, optionally with faces, poses or hands replaced.

    A set without a hand landmarker record (held-out stills have none) has ``hands=None``.
    """
    rec = record(name)
    if hands is None and "hands" in rec:
        hands = hands_of(name)
    return Detections(
        time_s=rec["frame_time_s"],
        width=rec["width"],
        height=rec["height"],
        faces=faces if faces is not None else tuple(face_of(name, i) for i in range(len(rec["faces"]))),
        poses=poses if poses is not None else tuple(pose_of(name, i) for i in range(len(rec["poses"]))),
        hands=hands,
    )


def signals_of(detections: Detections, cal: VisionCalibration, rgb: np.ndarray | None = None) -> FrameSignals:
    """The frame's signals over a uniform stand-in picture (lighting is not what these tests check)."""
    if rgb is None:
        rgb = np.full((detections.height // 8, detections.width // 8, 3), 128, dtype=np.uint8)
    return frame_signals(detections, rgb, cal)


# -- deriving cases from a real set --------------------------------------------
def edited(pose: PoseDetection) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Writable copies of a pose's arrays."""
    return pose.landmarks.copy(), pose.visibility.copy(), pose.world.copy()


def with_visibility(pose: PoseDetection, indices: tuple[int, ...], value: float) -> PoseDetection:
    landmarks, visibility, world = edited(pose)
    visibility[list(indices)] = value
    return PoseDetection(landmarks=landmarks, visibility=visibility, world=world)


def moved(pose: PoseDetection, indices: tuple[int, ...], dx: float, dy: float) -> PoseDetection:
    landmarks, visibility, world = edited(pose)
    landmarks[list(indices), 0] += dx
    landmarks[list(indices), 1] += dy
    return PoseDetection(landmarks=landmarks, visibility=visibility, world=world)


def mirrored_arm(pose: PoseDetection, source: tuple[int, ...], target: tuple[int, ...]) -> PoseDetection:
    """Replace the ``target`` arm points by the mirror image of the ``source`` arm across the body midline.

    The midline is the vertical through the shoulder midpoint, in the image and
    in world space alike; visibilities are copied from the mirrored points.
    """
    landmarks, visibility, world = edited(pose)
    mid_x = (landmarks[LEFT_SHOULDER, 0] + landmarks[RIGHT_SHOULDER, 0]) / 2
    world_mid_x = (world[LEFT_SHOULDER, 0] + world[RIGHT_SHOULDER, 0]) / 2
    for src, dst in zip(source, target, strict=True):
        landmarks[dst] = landmarks[src]
        landmarks[dst, 0] = 2 * mid_x - landmarks[src, 0]
        world[dst] = world[src]
        world[dst, 0] = 2 * world_mid_x - world[src, 0]
        visibility[dst] = visibility[src]
    return PoseDetection(landmarks=landmarks, visibility=visibility, world=world)


def pixel(pose: PoseDetection, index: int, aspect: float) -> np.ndarray:
    """A landmark in true pixel proportions (x scaled by the aspect ratio)."""
    return np.array([pose.landmarks[index, 0] * aspect, pose.landmarks[index, 1]], dtype=np.float64)
