"""The MediaPipe face, pose and hand landmarkers, run together on each frame.

This is the only stateful part of vision: the landmarkers run in VIDEO mode
(they track between frames, so timestamps must rise), live as long as one
take's analysis, and are closed on exit. Face, pose and hands run
concurrently on three threads; MediaPipe's native calls release the GIL.
The hand and pose landmarkers run on every frame they are given, or less
often when the profile's ``[vision.hands] interval_s`` and
``[vision.schedule] pose_interval_s`` say so (chosen by the frames'
timestamps, never by the machine's load); a frame in between carries the
hands or bodies of the last frame that landmarker ran on.

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

from kiosk.models import FACE_LANDMARKER, HAND_LANDMARKER, POSE_LANDMARKER, model_bytes  # noqa: E402

#: Faces the landmarker looks for, so that others in view are noticed.
MAX_FACES = 4
#: Poses the landmarker looks for.
MAX_POSES = 2
#: Hands the hand landmarker looks for (the trainee's two).
MAX_HANDS = 2
#: Frame times this close (seconds) count as equal when spacing hand runs.
_TIME_EPS_S = 1e-6


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
class HandDetection:
    """One hand as the hand landmarker saw it.

    Attributes:
        landmarks: ``(21, 3)`` float32; x, y normalised to the frame width and
            height (0-1; points of a hand cut by the frame edge lie outside),
            z relative depth from the wrist on the x scale.
        handedness: ``"Left"`` or ``"Right"``, as MediaPipe names it (not used
            by the cues).
        handedness_score: 0-1, how sure the model is of ``handedness``; real
            hands in view score high, hand-like skin (a bare neck) lower.
    """

    landmarks: np.ndarray
    handedness: str
    handedness_score: float


@dataclass(frozen=True)
class Detections:
    """Everything found in one frame, before any interpretation.

    ``hands`` is what the hand landmarker found (``()``: no hand) on the
    frame at ``hands_time_s``: this frame, or the last one it ran on when it
    runs less often (``[vision.hands] interval_s``), at most that long ago.
    ``None`` means no hand landmarker result at all (hand cues unknown).
    ``poses`` likewise may be those of an earlier frame, at most
    ``[vision.schedule] pose_interval_s`` ago.
    """

    time_s: float
    width: int
    height: int
    faces: tuple[FaceDetection, ...]
    poses: tuple[PoseDetection, ...]
    hands: tuple[HandDetection, ...] | None = None
    hands_time_s: float | None = None


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


def _hands(result: vision.HandLandmarkerResult) -> tuple[HandDetection, ...]:
    hands = []
    for i, marks in enumerate(result.hand_landmarks):
        points = np.array([(m.x, m.y, m.z) for m in marks], dtype=np.float32)
        best = result.handedness[i][0] if i < len(result.handedness) and result.handedness[i] else None
        hands.append(
            HandDetection(
                landmarks=points,
                handedness=str(best.category_name) if best is not None else "",
                handedness_score=float(best.score) if best is not None and best.score is not None else 0.0,
            )
        )
    return tuple(hands)


class BodyLandmarker:
    """Face, pose and hand landmarkers for one take, in VIDEO mode.

    Use as a context manager; feed frames in time order::

        with BodyLandmarker() as landmarker:
            for frame in source.frames():
                detections = landmarker.detect(frame)

    Models are resolved (and verified) once per process by :mod:`kiosk.models`.
    """

    def __init__(
        self,
        calibration: VisionCalibration | None = None,
        *,
        max_faces: int = MAX_FACES,
        max_poses: int = MAX_POSES,
        max_hands: int = MAX_HANDS,
    ) -> None:
        calibration = calibration or load_vision_calibration(DEFAULT_PROFILE)
        hand_confidence = calibration.hands.min_detection_confidence
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
        hand_options = vision.HandLandmarkerOptions(
            base_options=BaseOptions(model_asset_buffer=model_bytes(HAND_LANDMARKER)),
            running_mode=vision.RunningMode.VIDEO,
            num_hands=max_hands,
            min_hand_detection_confidence=hand_confidence,
            min_hand_presence_confidence=hand_confidence,
            min_tracking_confidence=hand_confidence,
        )
        self._face = vision.FaceLandmarker.create_from_options(face_options)
        try:
            self._pose = vision.PoseLandmarker.create_from_options(pose_options)
        except BaseException:
            self._face.close()
            raise
        try:
            self._hand = vision.HandLandmarker.create_from_options(hand_options)
        except BaseException:
            self._face.close()
            self._pose.close()
            raise
        self._hand_interval_s = calibration.hands.interval_s
        self._last_hand_time_s: float | None = None
        self._last_hands: tuple[HandDetection, ...] | None = None
        self._pose_interval_s = calibration.schedule.pose_interval_s
        # Judged frames sit up to half a source frame off their ticks: an interval
        # counts as passed within half a tick of it, so "every 0.3 s" is every
        # third judged frame at 24 or 25 fps too, not every fourth.
        self._tick_slack_s = 0.5 / calibration.schedule.rate_hz
        self._last_pose_time_s: float | None = None
        self._last_poses: tuple[PoseDetection, ...] = ()
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
            self._hand.close()

    def _due(self, last_s: float | None, time_s: float, interval_s: float) -> bool:
        """Whether a landmarker that last ran at ``last_s`` runs on the frame at ``time_s`` (by timestamps)."""
        slack = self._tick_slack_s if interval_s > 0 else _TIME_EPS_S
        return last_s is None or time_s - last_s >= interval_s - slack

    def detect(self, frame: VideoFrame) -> Detections:
        """Run the landmarkers on one frame; frames must come in time order.

        The hand and pose landmarkers run when their interval is due (every
        frame with an interval of 0); otherwise :attr:`Detections.hands` and
        :attr:`Detections.poses` hold those of the last frame each ran on.

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
            hand_job = None
            if self._due(self._last_hand_time_s, frame.time_s, self._hand_interval_s):
                hand_job = self._pool.submit(self._hand.detect_for_video, image, timestamp_ms)
            if self._due(self._last_pose_time_s, frame.time_s, self._pose_interval_s):
                self._last_poses = _poses(self._pose.detect_for_video(image, timestamp_ms))
                self._last_pose_time_s = frame.time_s
            face_result = face_job.result()
            if hand_job is not None:
                self._last_hands = _hands(hand_job.result())
                self._last_hand_time_s = frame.time_s
        return Detections(
            time_s=frame.time_s,
            width=frame.width,
            height=frame.height,
            faces=_faces(face_result),
            poses=self._last_poses,
            hands=self._last_hands,
            hands_time_s=self._last_hand_time_s,
        )
