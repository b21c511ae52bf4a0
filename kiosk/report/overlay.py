"""The live preview's overlay: the trainee's face contours and upper-body skeleton on the frame.

Drawn with OpenCV on a copy of the frame: the face's outline, eyes, brows
and lips (a few hundred pixels of line, not the full mesh) and the pose
skeleton (nose, shoulders, elbows, wrists, hips), for the trainee in strong
colours; anyone else whose face is in view gets a dim face outline. A body
is drawn only where the pose belongs to a face (as in
:func:`kiosk.vision.signals.matching_pose`), and a pose point only where it
is seen and inside the picture. It costs well under a millisecond at
640x480, so the preview keeps its frame rate.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
from mediapipe.tasks.python.vision import FaceLandmarksConnections

from kiosk.calibration import DEFAULT_PROFILE, VisionCalibration, load_vision_calibration
from kiosk.vision.landmarks import Detections, FaceDetection, PoseDetection
from kiosk.vision.signals import (
    LEFT_ELBOW,
    LEFT_HIP,
    LEFT_SHOULDER,
    LEFT_WRIST,
    NOSE,
    RIGHT_ELBOW,
    RIGHT_HIP,
    RIGHT_SHOULDER,
    RIGHT_WRIST,
    face_box,
    matching_pose,
    trainee_index,
)


def _paths(connections: list) -> tuple[np.ndarray, ...]:
    """MediaPipe's mesh edges joined into polylines (each edge that starts
    where the last one ended extends it): 13 lines instead of 124 edges."""
    paths: list[list[int]] = []
    for edge in connections:
        if paths and paths[-1][-1] == edge.start:
            paths[-1].append(edge.end)
        else:
            paths.append([edge.start, edge.end])
    return tuple(np.array(path, dtype=np.intp) for path in paths)


#: Face-mesh lines drawn: the face oval, eyes, brows and lips (MediaPipe's contours).
FACE_PATHS = _paths(FaceLandmarksConnections.FACE_LANDMARKS_CONTOURS)
#: The face oval alone (drawn dim for other people in view).
FACE_OVAL_PATHS = _paths(FaceLandmarksConnections.FACE_LANDMARKS_FACE_OVAL)
#: Pose landmarks drawn as joints, and the bones between them.
POSE_JOINTS = np.array(
    [NOSE, LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_ELBOW, RIGHT_ELBOW, LEFT_WRIST, RIGHT_WRIST, LEFT_HIP, RIGHT_HIP],
    dtype=np.intp,
)
POSE_BONES = np.array(
    [
        (LEFT_SHOULDER, RIGHT_SHOULDER),
        (LEFT_SHOULDER, LEFT_ELBOW),
        (LEFT_ELBOW, LEFT_WRIST),
        (RIGHT_SHOULDER, RIGHT_ELBOW),
        (RIGHT_ELBOW, RIGHT_WRIST),
        (LEFT_SHOULDER, LEFT_HIP),
        (RIGHT_SHOULDER, RIGHT_HIP),
        (LEFT_HIP, RIGHT_HIP),
    ],
    dtype=np.intp,
)

#: Colours (RGB, as the frames are): the trainee's face and body in strong
#: colours that stand out on skin and clothes, others in a dim grey.
FACE_COLOUR = (0, 255, 200)
BODY_COLOUR = (255, 170, 0)
OTHERS_COLOUR = (140, 140, 140)
#: Sub-pixel precision of the drawn points (OpenCV's ``shift``): 4 bits, 1/16 px.
_SHIFT = 4


def _pixels(points: np.ndarray, width: int, height: int) -> np.ndarray:
    """Normalised (x, y) landmarks -> fixed-point pixel coordinates (int32, ``_SHIFT`` bits)."""
    scale = np.array([width, height], dtype=np.float32) * (1 << _SHIFT)
    return np.round(points[:, :2] * scale).astype(np.int32)


def _draw_lines(
    image: np.ndarray, pixels: np.ndarray, paths: Sequence[np.ndarray], colour: tuple, thickness: int
) -> None:
    """Draw each path (landmark indices) as an anti-aliased polyline."""
    if len(paths):
        cv2.polylines(image, [pixels[path] for path in paths], False, colour, thickness, cv2.LINE_AA, _SHIFT)


def _line_width(image: np.ndarray) -> int:
    """Line width in pixels for the body: 2 px at 480 rows, more on bigger frames."""
    return max(1, round(min(image.shape[:2]) / 240))


def _draw_face(image: np.ndarray, face: FaceDetection, paths: Sequence[np.ndarray], colour: tuple) -> None:
    height, width = image.shape[:2]
    _draw_lines(image, _pixels(face.landmarks, width, height), paths, colour, 1)


def _draw_body(image: np.ndarray, pose: PoseDetection, calibration: VisionCalibration, colour: tuple) -> None:
    height, width = image.shape[:2]
    xy = pose.landmarks[:, :2]
    seen = np.all((xy >= 0.0) & (xy <= 1.0), axis=1) & (pose.visibility >= calibration.min_landmark_visibility)
    pixels = _pixels(pose.landmarks, width, height)
    line = _line_width(image)
    _draw_lines(image, pixels, POSE_BONES[seen[POSE_BONES].all(axis=1)], colour, line)
    radius = (line + 2) << _SHIFT
    for joint in POSE_JOINTS[seen[POSE_JOINTS]]:
        cv2.circle(image, (int(pixels[joint, 0]), int(pixels[joint, 1])), radius, colour, -1, cv2.LINE_AA, _SHIFT)


def draw_overlay(
    rgb: np.ndarray,
    detections: Detections | None,
    *,
    mirror: bool = False,
    calibration: VisionCalibration | None = None,
) -> np.ndarray:
    """The frame with the trainee's face contours and skeleton drawn on a copy.

    Args:
        rgb: the frame, ``(height, width, 3)`` uint8 RGB (left untouched). It may be
            a resized copy of the analysed frame: landmarks are normalised.
        detections: the frame's landmarks (:meth:`kiosk.vision.BodyAnalyser.detect`);
            ``None`` before any analysis: a copy of the frame, nothing drawn.
        mirror: flip the picture and the drawing together (a mirror-like preview).
        calibration: which pose points count as seen, and which body is the trainee's.

    Returns:
        A new ``(height, width, 3)`` uint8 array.
    """
    out = np.array(rgb, dtype=np.uint8, copy=True, order="C")
    if detections is not None and detections.faces:
        calibration = calibration or load_vision_calibration(DEFAULT_PROFILE)
        index = trainee_index(detections.faces)
        assert index is not None
        trainee = detections.faces[index]
        for i, face in enumerate(detections.faces):
            if i != index:
                _draw_face(out, face, FACE_OVAL_PATHS, OTHERS_COLOUR)
        pose = matching_pose(detections.poses, face_box(trainee), calibration)
        if pose is not None:
            _draw_body(out, pose, calibration, BODY_COLOUR)
        _draw_face(out, trainee, FACE_PATHS, FACE_COLOUR)
    # cv2.flip: a twentieth of the cost of copying numpy's reversed view.
    return cv2.flip(out, 1) if mirror else out
