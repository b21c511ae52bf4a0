"""The MediaPipe face and pose landmarkers, run together on each frame.

This is the only stateful part of vision: both landmarkers run in VIDEO mode
(they track between frames, so timestamps must rise), live as long as one
take's analysis, and are closed on exit. Face and pose run concurrently on
two threads; MediaPipe's native calls release the GIL.

MediaPipe's handles are not safe to close twice or to close while a frame is
in flight: two threads closing one landmarker at once free the same native
graph twice and the process dies (signal 11), and a landmarker left to the
garbage collector closes itself from whichever thread collects it, which can
hang or crash. :class:`BodyLandmarker` therefore closes under a lock, exactly
once, never while :meth:`BodyLandmarker.detect` runs, and refuses frames once
closed; whoever makes one closes it.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType

import numpy as np

from kiosk.calibration import DEFAULT_PROFILE, VisionCalibration, load_vision_calibration
from kiosk.capture.take import VideoFrame
from kiosk.errors import KioskError

# MediaPipe's native logging ("Sparsity tensors may not yet be fully supported")
# would bury the kiosk's own messages; keep only errors. Must precede the import.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import mediapipe as mp  # noqa: E402
from mediapipe.tasks.python import BaseOptions, vision  # noqa: E402

from kiosk.models import FACE_LANDMARKER, POSE_LANDMARKER, model_bytes  # noqa: E402

#: Faces the landmarker looks for, so that others in view are noticed.
MAX_FACES = 4
#: Poses the landmarker looks for.
MAX_POSES = 2


class LandmarkerClosed(KioskError):
    """A frame was given to landmarkers already closed (the take has ended)."""


@dataclass(frozen=True)
class FaceDetection:
    """One face as the face landmarker saw it.

    Attributes:
        landmarks: ``(478, 3)`` float32; x, y normalised to the frame width and
            height (0-1), z relative depth on the x scale.
        blendshapes: ARKit-style coefficient name -> score 0-1 (52 entries).
        head_pose: ``(4, 4)`` facial transformation matrix (canonical face ->
            camera), rotation and translation in centimetres.
    """

    landmarks: np.ndarray
    blendshapes: dict[str, float]
    head_pose: np.ndarray


@dataclass(frozen=True)
class PoseDetection:
    """One body as the pose landmarker saw it.

    Attributes:
        landmarks: ``(33, 3)`` float32 normalised image x, y (0-1) and z.
        visibility: ``(33,)`` float32 0-1, how likely each landmark is in view
            and not occluded.
        world: ``(33, 3)`` float32 metric coordinates in metres, origin
            between the hips.
    """

    landmarks: np.ndarray
    visibility: np.ndarray
    world: np.ndarray


@dataclass(frozen=True)
class Detections:
    """Everything found in one frame, before any interpretation."""

    time_s: float
    width: int
    height: int
    faces: tuple[FaceDetection, ...]
    poses: tuple[PoseDetection, ...]


def _faces(result: vision.FaceLandmarkerResult) -> tuple[FaceDetection, ...]:
    faces = []
    for i, marks in enumerate(result.face_landmarks):
        points = np.array([(m.x, m.y, m.z) for m in marks], dtype=np.float32)
        shapes = (
            {c.category_name: float(c.score) for c in result.face_blendshapes[i]} if result.face_blendshapes else {}
        )
        matrix = (
            np.asarray(result.facial_transformation_matrixes[i], dtype=np.float32)
            if result.facial_transformation_matrixes
            else np.eye(4, dtype=np.float32)
        )
        faces.append(FaceDetection(landmarks=points, blendshapes=shapes, head_pose=matrix))
    return tuple(faces)


def _poses(result: vision.PoseLandmarkerResult) -> tuple[PoseDetection, ...]:
    poses = []
    for i, marks in enumerate(result.pose_landmarks):
        points = np.array([(m.x, m.y, m.z) for m in marks], dtype=np.float32)
        visible = np.array([m.visibility if m.visibility is not None else 0.0 for m in marks], dtype=np.float32)
        world_marks = result.pose_world_landmarks[i] if result.pose_world_landmarks else marks
        world = np.array([(m.x, m.y, m.z) for m in world_marks], dtype=np.float32)
        poses.append(PoseDetection(landmarks=points, visibility=visible, world=world))
    return tuple(poses)


class BodyLandmarker:
    """Face and pose landmarkers for one take, in VIDEO mode.

    Use as a context manager; feed frames in time order::

        with BodyLandmarker() as landmarker:
            for frame in source.frames():
                detections = landmarker.detect(frame)

    Models are resolved (and verified) once per process by :mod:`kiosk.models`.
    """

    def __init__(
        self, calibration: VisionCalibration | None = None, *, max_faces: int = MAX_FACES, max_poses: int = MAX_POSES
    ) -> None:
        calibration = calibration or load_vision_calibration(DEFAULT_PROFILE)
        face_options = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_buffer=model_bytes(FACE_LANDMARKER)),
            running_mode=vision.RunningMode.VIDEO,
            num_faces=max_faces,
            min_face_detection_confidence=calibration.min_face_confidence,
            min_face_presence_confidence=calibration.min_face_confidence,
            min_tracking_confidence=calibration.min_face_confidence,
            output_face_blendshapes=True,
            output_facial_transformation_matrixes=True,
        )
        pose_options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_buffer=model_bytes(POSE_LANDMARKER)),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=max_poses,
        )
        self._face = vision.FaceLandmarker.create_from_options(face_options)
        try:
            self._pose = vision.PoseLandmarker.create_from_options(pose_options)
        except BaseException:
            self._face.close()
            raise
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="landmarker")
        self._last_ms = -1
        # Held by detect and close: the native graphs are closed once, never mid-frame.
        self._lock = threading.Lock()
        self._closed = False

    def __enter__(self) -> BodyLandmarker:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Free the native landmarkers (once; any thread; waits for a frame in flight)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._pool.shutdown(wait=True)
            self._face.close()
            self._pose.close()

    def detect(self, frame: VideoFrame) -> Detections:
        """Run both landmarkers on one frame; frames must come in time order.

        Raises:
            LandmarkerClosed: after :meth:`close`.
        """
        with self._lock:
            if self._closed:
                raise LandmarkerClosed("The body analyser was already closed; this frame was not analysed.")
            # VIDEO mode needs strictly rising integer milliseconds.
            timestamp_ms = max(int(round(frame.time_s * 1000.0)), self._last_ms + 1)
            self._last_ms = timestamp_ms
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=frame.rgb)
            face_job = self._pool.submit(self._face.detect_for_video, image, timestamp_ms)
            pose_result = self._pose.detect_for_video(image, timestamp_ms)
            face_result = face_job.result()
        return Detections(
            time_s=frame.time_s,
            width=frame.width,
            height=frame.height,
            faces=_faces(face_result),
            poses=_poses(pose_result),
        )
