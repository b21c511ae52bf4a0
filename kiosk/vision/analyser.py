"""The one per-frame body analyser, shared by the live overlay and the report.

:class:`BodyAnalyser` owns the landmarkers for one take; :func:`analyse_frames`
runs it over the frames of a whole recording that the schedule judges
(:mod:`kiosk.vision.schedule`) and returns the steady timeline
(:func:`take_timeline`), exactly as a live take does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from types import TracebackType

from kiosk.calibration import DEFAULT_PROFILE, VisionCalibration, load_vision_calibration
from kiosk.capture.readahead import read_ahead
from kiosk.capture.take import VideoFrame
from kiosk.vision.isolated import BodyAnalysisFailed, FrameNotAnalysed, IsolatedLandmarker
from kiosk.vision.landmarks import BodyLandmarker, Detections
from kiosk.vision.schedule import scheduled_frames
from kiosk.vision.signals import FrameSignals, frame_signals
from kiosk.vision.steady import steady_timeline
from kiosk.vision.summary import BodyTimeline


class BodyAnalyser:
    """Frames in, :class:`FrameSignals` out, for one take (frames in time order).

    ``isolated=True`` runs the landmarkers in a child process
    (:mod:`kiosk.vision.isolated`): a crash in native code then loses one
    frame (:class:`~kiosk.vision.isolated.FrameNotAnalysed`), not the process.
    The kiosk's server uses it; the command line need not.

    Example::

        with BodyAnalyser() as analyser:
            signals = [analyser.analyse(frame) for frame in source.frames()]
    """

    def __init__(self, calibration: VisionCalibration | None = None, *, isolated: bool = False) -> None:
        self.calibration = calibration or load_vision_calibration(DEFAULT_PROFILE)
        self._landmarker: BodyLandmarker | IsolatedLandmarker = (
            IsolatedLandmarker(self.calibration) if isolated else BodyLandmarker(self.calibration)
        )

    @property
    def frames_lost(self) -> int:
        """Frames not analysed because the landmarker process died on them (isolated only)."""
        return getattr(self._landmarker, "frames_lost", 0)

    @property
    def restarts(self) -> int:
        """Times the landmarker process was started again in this take (isolated only)."""
        return getattr(self._landmarker, "restarts", 0)

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

    def abort(self) -> None:
        """End a frame stuck in the landmarkers, if they run in a child process (else nothing can)."""
        if isinstance(self._landmarker, IsolatedLandmarker):
            self._landmarker.kill_child()

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
    isolated: bool = False,
    problems: list[str] | None = None,
) -> BodyTimeline:
    """Analyse the frames of a take that the schedule judges, and make the cues steady.

    Every frame is decoded; only those nearest the ticks of
    ``[vision.schedule] rate_hz`` are analysed, the same frames a live take
    of the recording analyses (:class:`kiosk.live.LiveTake`).

    Args:
        frames: the take's frames in time order (any capture source).
        calibration: thresholds; the default profile when omitted.
        on_frame: called after each analysed frame, e.g. to advance a progress bar.
        isolated: run the landmarkers in a child process (see :class:`BodyAnalyser`).
        problems: told (appended to) what went wrong, in the trainee's words:
            frames the analyser lost, or that it gave up.
    """
    signals: list[FrameSignals] = []
    with BodyAnalyser(calibration, isolated=isolated) as analyser:
        try:
            for frame in read_ahead(scheduled_frames(frames, analyser.calibration.schedule.rate_hz)):
                try:
                    result = analyser.analyse(frame)
                except FrameNotAnalysed:
                    continue  # a new landmarker process takes the next frame
                signals.append(result)
                if on_frame is not None:
                    on_frame(result)
        except BodyAnalysisFailed as err:
            if problems is not None:
                problems.append(str(err))
        else:
            if analyser.frames_lost and problems is not None:
                problems.append(lost_frames_note(analyser.frames_lost))
        return take_timeline(signals, analyser.calibration)


def take_timeline(signals: Sequence[FrameSignals], calibration: VisionCalibration) -> BodyTimeline:
    """A take's timeline from its analysed frames, the cues made steady (``[vision.hysteresis]``).

    The one way a timeline is made, live and offline, so both judge alike.
    """
    return steady_timeline(BodyTimeline(frames=tuple(signals)), calibration.hysteresis)


def lost_frames_note(frames_lost: int) -> str:
    """What the report says when the landmarker process died on some frames and was started again."""
    return (
        f"The body analyser stopped unexpectedly and was started again; {frames_lost} "
        f"frame{'s were' if frames_lost != 1 else ' was'} not analysed."
    )
