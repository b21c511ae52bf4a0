"""The one per-frame body analyser, shared by the live overlay and the report.

:class:`BodyAnalyser` owns the landmarkers for one take; :func:`analyse_frames`
runs it over a whole recording and returns the timeline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import TracebackType

from kiosk.calibration import DEFAULT_PROFILE, VisionCalibration, load_vision_calibration
from kiosk.capture.readahead import read_ahead
from kiosk.capture.take import VideoFrame
from kiosk.vision.landmarks import BodyLandmarker, Detections
from kiosk.vision.signals import FrameSignals, frame_signals
from kiosk.vision.summary import BodyTimeline


class BodyAnalyser:
    """Frames in, :class:`FrameSignals` out, for one take (frames in time order).

    Example::

        with BodyAnalyser() as analyser:
            signals = [analyser.analyse(frame) for frame in source.frames()]
    """

    def __init__(self, calibration: VisionCalibration | None = None) -> None:
        self.calibration = calibration or load_vision_calibration(DEFAULT_PROFILE)
        self._landmarker = BodyLandmarker(self.calibration)

    def __enter__(self) -> BodyAnalyser:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._landmarker.close()

    def detect(self, frame: VideoFrame) -> Detections:
        """Raw landmarks of a frame (for drawing an overlay)."""
        return self._landmarker.detect(frame)

    def interpret(self, detections: Detections, frame: VideoFrame) -> FrameSignals:
        return frame_signals(detections, frame.rgb, self.calibration)

    def analyse(self, frame: VideoFrame) -> FrameSignals:
        """The trainee's body signals in one frame."""
        return self.interpret(self.detect(frame), frame)


def analyse_frames(
    frames: Iterable[VideoFrame],
    *,
    calibration: VisionCalibration | None = None,
    on_frame: Callable[[FrameSignals], None] | None = None,
) -> BodyTimeline:
    """Analyse every frame of a take.

    Args:
        frames: the take's frames in time order (any capture source).
        calibration: thresholds; the default profile when omitted.
        on_frame: called after each frame, e.g. to advance a progress bar.
    """
    signals: list[FrameSignals] = []
    with BodyAnalyser(calibration) as analyser:
        for frame in read_ahead(frames):
            result = analyser.analyse(frame)
            signals.append(result)
            if on_frame is not None:
                on_frame(result)
    return BodyTimeline(frames=tuple(signals))
