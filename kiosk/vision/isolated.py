"""The landmarkers in a child process, so a failure in native code cannot take the kiosk down.

MediaPipe's landmarkers are native code fed with pictures from any camera and
any uploaded file. If that code crashes (a segmentation fault, an abort) in
the kiosk's server process, every trainee's session on the kiosk is lost. Run
in a child process instead, a crash costs one frame: the child is started
again, the take goes on, and the report says how many frames were not
analysed.

:class:`IsolatedLandmarker` has :class:`~kiosk.vision.landmarks.BodyLandmarker`'s
interface (``detect``, ``close``); :class:`~kiosk.vision.BodyAnalyser` uses it
when asked for ``isolated=True`` (the app does; the command line, whose crash
would end only itself, runs the landmarkers in its own process).

The child is ``python -m kiosk.vision.landmarker_child``: it reads requests from its
standard input and writes replies to a copy of its standard output (its own
standard output goes to standard error, so nothing it prints can corrupt the
replies). Requests and replies are pickled objects with a length prefix
(:class:`multiprocessing.connection.Connection`); both ends are this package.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from types import TracebackType

import numpy as np

from kiosk.calibration import DEFAULT_PROFILE, VisionCalibration, load_vision_calibration
from kiosk.capture.take import VideoFrame
from kiosk.errors import KioskError
from kiosk.settings import read_settings
from kiosk.vision.landmarks import MAX_FACES, MAX_HANDS, MAX_POSES, Detections, LandmarkerClosed

#: How long a child may take to import MediaPipe and load the three models, in seconds
#: (about 2 s on the 2-core reference machine; far more on a loaded one).
START_TIMEOUT_S = 60.0
#: How long one frame may take before the child is taken to be hung, in seconds
#: (about 0.05 s normally).
FRAME_TIMEOUT_S = 30.0
#: How long a child is given to close its landmarkers and exit, in seconds.
CLOSE_TIMEOUT_S = 5.0
#: Children started again in one take before body analysis gives up for that take.
MAX_RESTARTS = 3


class FrameNotAnalysed(KioskError):
    """The landmarker process died on this frame; it was started again for the next one."""


class BodyAnalysisFailed(KioskError):
    """The landmarker process kept failing; body language cannot be analysed for this take."""


@dataclass(frozen=True)
class _Hello:
    calibration: VisionCalibration
    max_faces: int
    max_poses: int
    max_hands: int = MAX_HANDS


@dataclass(frozen=True)
class _Detect:
    time_s: float
    rgb: np.ndarray


@dataclass(frozen=True)
class _Failed:
    message: str


_READY = "ready"
_CLOSE = "close"


class LandmarkerProcess:
    """One child process running the face, pose and hand landmarkers for one take.

    Starting returns at once; the first :meth:`detect` waits for the child to
    be ready. Not shared between threads without the caller's own lock (one
    frame at a time, like the landmarkers themselves).

    Raises (from :meth:`detect`):
        FrameNotAnalysed: the child died, hung or refused the frame; it is gone.
        KioskError: the child could not start (its own message, e.g. no models).
    """

    def __init__(
        self,
        calibration: VisionCalibration,
        *,
        max_faces: int = MAX_FACES,
        max_poses: int = MAX_POSES,
        max_hands: int = MAX_HANDS,
    ) -> None:
        # Resolve (and verify) the models here, so a missing model is this
        # process's clear error, not a child's exit; the child reads the cache.
        from kiosk.models import FACE_LANDMARKER, HAND_LANDMARKER, POSE_LANDMARKER, model_path

        model_path(FACE_LANDMARKER)
        model_path(POSE_LANDMARKER)
        model_path(HAND_LANDMARKER)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "kiosk.vision.landmarker_child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # MediaPipe's own log lines would bury the kiosk's; KIOSK_DEBUG=1 shows them.
            stderr=None if read_settings().debug else subprocess.DEVNULL,
            close_fds=True,
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        # The connections own duplicates of the pipes' descriptors.
        self._requests = Connection(os.dup(self._process.stdin.fileno()), readable=False)
        self._replies = Connection(os.dup(self._process.stdout.fileno()), writable=False)
        self._process.stdin.close()
        self._process.stdout.close()
        self._ready = False
        self._alive = True
        self._send(_Hello(calibration, max_faces, max_poses, max_hands))

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def alive(self) -> bool:
        return self._alive and self._process.poll() is None

    def _send(self, message: object) -> None:
        try:
            self._requests.send(message)
        except OSError:
            self._gone()
            raise FrameNotAnalysed("The body analyser process stopped unexpectedly.") from None

    def _receive(self, timeout_s: float) -> object:
        try:
            if not self._replies.poll(timeout_s):
                self._gone()
                raise FrameNotAnalysed(f"The body analyser process did not answer within {timeout_s:.0f} s.")
            return self._replies.recv()
        except (EOFError, OSError):
            self._gone()
            raise FrameNotAnalysed("The body analyser process stopped unexpectedly.") from None

    def _gone(self) -> None:
        """The child is dead or useless: make sure it is gone, and free the pipes."""
        self._alive = False
        if self._process.poll() is None:
            self._process.kill()
        try:
            self._process.wait(timeout=CLOSE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pass
        for connection in (self._requests, self._replies):
            connection.close()

    def detect(self, frame: VideoFrame) -> Detections:
        """The landmarks of one frame, found in the child.

        One frame at a time: a frame is sent only once the last one's landmarks
        are back, so a child stuck on a frame is found by the reply's timeout
        (sending a frame of a megabyte to a child that no longer reads would
        block without one).
        """
        if not self._alive:
            raise FrameNotAnalysed("The body analyser process has stopped.")
        if not self._ready:
            reply = self._receive(START_TIMEOUT_S)
            if isinstance(reply, _Failed):
                self._gone()
                raise KioskError(reply.message)
            self._ready = True
        self._send(_Detect(frame.time_s, frame.rgb))
        reply = self._receive(FRAME_TIMEOUT_S)
        if isinstance(reply, _Failed):
            self._gone()
            raise FrameNotAnalysed(reply.message)
        assert isinstance(reply, Detections)
        return reply

    def close(self) -> None:
        """Ask the child to close its landmarkers and exit; kill it if it does not."""
        if not self._alive:
            return
        self._alive = False
        try:
            self._requests.send(_CLOSE)
        except OSError:
            pass
        try:
            self._process.wait(timeout=CLOSE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        for connection in (self._requests, self._replies):
            connection.close()

    def kill(self) -> None:
        """End the child at once (a take that must stop now); a frame in flight fails."""
        if self._process.poll() is None:
            self._process.kill()


class IsolatedLandmarker:
    """Face, pose and hand landmarkers in a child process, started again if it dies.

    Same use as :class:`~kiosk.vision.landmarks.BodyLandmarker`. A frame the
    child died on raises :class:`FrameNotAnalysed` (the caller leaves it out of
    the take); the next frame goes to a new child. After
    :data:`MAX_RESTARTS` new children in one take, :class:`BodyAnalysisFailed`.

    Attributes:
        restarts: children started again after one died, in this take.
        frames_lost: frames not analysed because a child died on them.
    """

    def __init__(
        self,
        calibration: VisionCalibration | None = None,
        *,
        max_faces: int = MAX_FACES,
        max_poses: int = MAX_POSES,
        max_hands: int = MAX_HANDS,
        max_restarts: int = MAX_RESTARTS,
    ) -> None:
        self._calibration = calibration or load_vision_calibration(DEFAULT_PROFILE)
        self._max_faces = max_faces
        self._max_poses = max_poses
        self._max_hands = max_hands
        self._max_restarts = max_restarts
        self._lock = threading.Lock()
        self._closed = False
        self._failed = False
        self.restarts = 0
        self.frames_lost = 0
        self._child: LandmarkerProcess | None = self._start()

    def _start(self) -> LandmarkerProcess:
        return LandmarkerProcess(
            self._calibration, max_faces=self._max_faces, max_poses=self._max_poses, max_hands=self._max_hands
        )

    def __enter__(self) -> IsolatedLandmarker:
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

    @property
    def child_pid(self) -> int | None:
        """The process id of the child now running (for tests and diagnostics)."""
        child = self._child
        return child.pid if child is not None and child.alive else None

    def detect(self, frame: VideoFrame) -> Detections:
        """Run the landmarkers on one frame in the child; frames in time order.

        Raises:
            LandmarkerClosed: after :meth:`close`.
            FrameNotAnalysed: the child died on this frame (a new one takes the next).
            BodyAnalysisFailed: children died more than :data:`MAX_RESTARTS` times.
        """
        with self._lock:
            if self._closed:
                raise LandmarkerClosed("The body analyser was already closed; this frame was not analysed.")
            if self._failed:
                raise BodyAnalysisFailed(self._failure_message())
            if self._child is None:
                self._child = self._start()
            try:
                return self._child.detect(frame)
            except FrameNotAnalysed:
                self.frames_lost += 1
                self._child = None
                if self.restarts >= self._max_restarts:
                    self._failed = True
                    raise BodyAnalysisFailed(self._failure_message()) from None
                self.restarts += 1
                raise

    def _failure_message(self) -> str:
        return (
            f"The body analyser stopped unexpectedly {self.restarts + 1} times, so body language is analysed "
            "only up to the first failure; the voice is still scored. If this keeps happening with this "
            "camera or recording, tell whoever looks after the kiosk."
        )

    def kill_child(self) -> None:
        """End the child now (any thread): a frame in flight fails, the next starts a new child."""
        child = self._child
        if child is not None:
            child.kill()

    def close(self) -> None:
        """Stop the child (once; any thread; waits for a frame in flight)."""
        if not self._lock.acquire(timeout=FRAME_TIMEOUT_S):
            child = self._child
            if child is not None:
                child.kill()  # a frame is stuck in the child: end it so detect returns
            self._lock.acquire()
        try:
            if self._closed:
                return
            self._closed = True
            if self._child is not None:
                self._child.close()
                self._child = None
        finally:
            self._lock.release()


# -- the child ------------------------------------------------------------------------------


def _serve(requests: Connection, replies: Connection) -> int:
    """The child's loop: landmarkers for one take, one frame at a time, until told to close."""
    from kiosk.vision.landmarks import BodyLandmarker

    hello = requests.recv()
    assert isinstance(hello, _Hello)
    try:
        landmarker = BodyLandmarker(
            hello.calibration, max_faces=hello.max_faces, max_poses=hello.max_poses, max_hands=hello.max_hands
        )
    except KioskError as err:
        replies.send(_Failed(str(err)))
        return 2
    with landmarker:
        replies.send(_READY)
        while True:
            try:
                request = requests.recv()
            except EOFError:
                return 0  # the kiosk closed the pipe: it is gone or done
            if request == _CLOSE:
                return 0
            assert isinstance(request, _Detect)
            rgb = np.ascontiguousarray(request.rgb)
            try:
                replies.send(landmarker.detect(VideoFrame(request.time_s, rgb)))
            except (ValueError, RuntimeError) as err:  # MediaPipe refused the picture
                replies.send(_Failed(f"The body analyser could not read a frame ({err})."))
                return 2


def child_main() -> int:
    """The child process's entry point (``python -m kiosk.vision.landmarker_child``)."""
    # Replies go to a private copy of standard output; anything else printed
    # (Python or native code) goes to standard error.
    replies = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)
    requests = Connection(os.dup(0), writable=False)
    try:
        return _serve(requests, replies)
    except (EOFError, BrokenPipeError):
        return 0  # the kiosk went away mid-request
