"""The one per-frame body analyser, shared by the live overlay and the report.

:class:`BodyAnalyser` owns the landmarkers for one take; :func:`analyse_frames`
runs it over the frames of a whole recording that the schedule judges
(:mod:`kiosk.vision.schedule`) and returns the steady timeline
(:func:`take_timeline`), exactly as a live take does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from types import TracebackType

from kiosk.calibration import DEFAULT_PROFILE, VisionCalibration, load_vision_calibration
from kiosk.capture.readahead import read_ahead
from kiosk.capture.take import VideoFrame
from kiosk.vision.isolated import BodyAnalysisFailed, FrameNotAnalysed, IsolatedLandmarker
from kiosk.vision.landmarks import BodyLandmarker, Detections
from kiosk.vision.schedule import first_tick_at, scheduled_frames
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

    def detect_all(self, frames: Iterable[VideoFrame]) -> Iterator[tuple[VideoFrame, Detections]]:
        """Each frame of a whole recording with its landmarks, in time order.

        A frame the landmarker process died on is left out (a new process
        takes the next; see :attr:`frames_lost`).

        Raises:
            BodyAnalysisFailed: the landmarker process kept dying.
        """
        for frame in frames:
            try:
                yield frame, self._landmarker.detect(frame)
            except FrameNotAnalysed:
                continue

    def interpret(self, detections: Detections, frame: VideoFrame) -> FrameSignals:
        return frame_signals(detections, frame.rgb, self.calibration)

    def analyse(self, frame: VideoFrame) -> FrameSignals:
        """The trainee's body signals in one frame."""
        return self.interpret(self.detect(frame), frame)


def analyse_frames(
    frames: Iterable[VideoFrame],
    *,
    calibration: VisionCalibration | None = None,
    on_progress: Callable[[float], None] | None = None,
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
        on_progress: told the seconds of the take analysed so far, after each
            analysed frame (e.g. to advance a progress bar).
        isolated: run the landmarkers in a child process (see :class:`BodyAnalyser`).
        problems: told (appended to) what went wrong, in the trainee's words:
            frames the analyser lost, or that it gave up.
    """
    calibration = calibration or load_vision_calibration(DEFAULT_PROFILE)
    part = _Part(frames, first_tick=0, end_tick=None)
    part.run(calibration, isolated=isolated, on_progress=on_progress)
    if problems is not None:
        problems.extend(part.problems)
        if part.frames_lost:
            problems.append(lost_frames_note(part.frames_lost))
    return take_timeline(part.signals, calibration)


def analyse_frames_in_halves(
    first_half: Iterable[VideoFrame],
    second_half: Iterable[VideoFrame],
    *,
    split_s: float,
    calibration: VisionCalibration | None = None,
    on_progress: Callable[[float], None] | None = None,
    isolated: bool = False,
    problems: list[str] | None = None,
) -> BodyTimeline:
    """:func:`analyse_frames` with the two halves of a take analysed side by side, each by its own landmarkers.

    On two cores an upload is then analysed about twice as fast. The frames
    judged are those of one pass over the take (the schedule's ticks before
    ``split_s`` from ``first_half``, the rest from ``second_half``); only the
    landmarkers' tracking starts afresh at the split, as it does at the start
    of a take. Progress and problems are reported on the calling thread.

    Args:
        first_half: the take's frames from its start (read until the split).
        second_half: frames from before ``split_s`` to the end (a source that
            seeks: :meth:`kiosk.capture.RecordingSource.frames` with ``from_s``).
        split_s: where the second half's ticks start, seconds from the start of the take.
    """
    calibration = calibration or load_vision_calibration(DEFAULT_PROFILE)
    split_tick = first_tick_at(split_s, calibration.schedule.rate_hz)
    first = _Part(first_half, first_tick=0, end_tick=split_tick)
    second = _Part(second_half, first_tick=split_tick, end_tick=None)
    worker = threading.Thread(
        target=second.run_keeping_error, args=(calibration,), kwargs={"isolated": isolated}, name="second-half"
    )
    worker.start()

    def report(_: float = 0.0) -> None:
        if on_progress is not None:
            on_progress(first.analysed_s + second.analysed_s)

    try:
        first.run(calibration, isolated=isolated, on_progress=report)
        while worker.is_alive():
            worker.join(timeout=_PROGRESS_EVERY_S)
            report()
    except BaseException:
        # The first half failed, or the caller's progress hook stopped the
        # analysis (Streamlit's Stop or a rerun raises in it): end the second
        # half at its next frame, and wait, so its source is never closed under it.
        second.stop.set()
        worker.join()
        raise
    if second.error is not None:
        raise second.error
    if problems is not None:
        problems.extend(dict.fromkeys((*first.problems, *second.problems)))
        lost = first.frames_lost + second.frames_lost
        if lost:
            problems.append(lost_frames_note(lost))
    # A frame nearest to the last tick of the first half and the first of the second is judged once.
    last_s = first.signals[-1].time_s if first.signals else -1.0
    signals = [*first.signals, *(f for f in second.signals if f.time_s > last_s)]
    return take_timeline(signals, calibration)


#: How often progress is reported while only the second half is still being analysed, in seconds.
_PROGRESS_EVERY_S = 0.2


class _Part:
    """The scheduled frames of one part of a take, analysed by its own landmarkers (on any one thread)."""

    def __init__(self, frames: Iterable[VideoFrame], *, first_tick: int, end_tick: int | None) -> None:
        self.frames = frames
        self.first_tick = first_tick
        self.end_tick = end_tick
        self.signals: list[FrameSignals] = []
        self.problems: list[str] = []
        self.frames_lost = 0
        self.analysed_s = 0.0  # seconds of the take this part has analysed (read by another thread)
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run_keeping_error(self, calibration: VisionCalibration, *, isolated: bool) -> None:
        """:meth:`run` on a worker thread: an error is kept in :attr:`error` for the caller to raise."""
        try:
            self.run(calibration, isolated=isolated)
        except BaseException as err:  # noqa: BLE001 - raised on the calling thread
            self.error = err

    def run(
        self,
        calibration: VisionCalibration,
        *,
        isolated: bool,
        on_progress: Callable[[float], None] | None = None,
    ) -> None:
        """Analyse the part: its frames' signals in :attr:`signals`, the analyser's failures in :attr:`problems`."""
        rate = calibration.schedule.rate_hz
        start_s = self.first_tick / rate
        with BodyAnalyser(calibration, isolated=isolated) as analyser:
            try:
                scheduled = scheduled_frames(self.frames, rate, first_tick=self.first_tick, end_tick=self.end_tick)
                for frame, detections in analyser.detect_all(read_ahead(scheduled)):
                    if self.stop.is_set():
                        return
                    self.signals.append(analyser.interpret(detections, frame))
                    self.analysed_s = max(frame.time_s - start_s, 0.0)
                    if on_progress is not None:
                        on_progress(self.analysed_s)
            except BodyAnalysisFailed as err:
                self.problems.append(str(err))
            else:
                self.frames_lost = analyser.frames_lost


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
