"""One take at the kiosk, live: recording, the body analyser on the scheduled frames, live readings.

The live preview and the report share one per-frame analyser
(:class:`kiosk.vision.BodyAnalyser`) and one schedule
(:mod:`kiosk.vision.schedule`): the frames judged are those nearest the
ticks of ``[vision.schedule] rate_hz`` on the take's own clock, never the
ones the machine happened to have time for. The capture thread queues the
scheduled frames; a worker thread analyses every one of them in order, so
the analyser never holds up the recording. It may fall behind while the
take runs (the preview then shows the newest overlay it has) and catches up
after Stop. The report is built from those frames, made steady with the
same hysteresis as an upload's (:func:`kiosk.vision.analyser.take_timeline`),
and the whole recorded sound. Nothing here is guessed: every signal comes
from a frame that was recorded.

Lifetime, and why it is strict: a Streamlit page can run twice at once for
one trainee (a click starts a new run before the old one has finished), so
:meth:`LiveTake.start` and :meth:`LiveTake.stop` may be called from two
threads at the same moment. The take starts once and stops once; every
caller of ``stop`` gets the same result. The analyser is made when the take
is made, and only the take's own worker thread ever uses or closes it:
MediaPipe's native landmarkers crash the process when closed twice at once
or left to the garbage collector. A take nobody is watching any more (the
page was reloaded or closed) stops itself and frees its devices.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import TracebackType

from kiosk.calibration import AutoStopSettings, BaselineSettings, BodyBaseline, VisionCalibration
from kiosk.capture import AudioTrack, Camera, Microphone, RecordedTake, TakeRecorder, VideoFrame
from kiosk.errors import KioskError
from kiosk.scoring.live_cues import LiveCoach, LiveCue
from kiosk.vision import (
    BodyAnalyser,
    BodyAnalysisFailed,
    BodyTimeline,
    FrameNotAnalysed,
    FrameSignals,
    judged_frame,
    lost_frames_note,
)
from kiosk.vision.analyser import take_timeline
from kiosk.vision.landmarks import Detections
from kiosk.vision.schedule import FrameSchedule
from kiosk.vision.steady import SteadyCues
from kiosk.voice.live import LiveVoiceMeter, LiveVoiceReading

#: How often a page redraws the live preview, per second: above the 15 asked
#: for, below a webcam's 25-30 so a redraw rarely waits for a frame.
PREVIEW_RATE_HZ = 24
#: How often the take's worker looks whether anyone still watches it, in seconds.
_WATCH_EVERY_S = 0.25
#: After the stop the analyser works through the frames still queued; if it
#: finishes none for this long, in seconds, an isolated analyser's process is
#: ended so the take can close.
ANALYSER_STOP_TIMEOUT_S = 10.0


class Missing(StrEnum):
    """What a take goes without while it records, said on the page as long as it lasts."""

    VOICE = "voice"  # no speech heard: a muted or unplugged microphone, or a trainee too far from it
    PERSON = "person"  # nobody in the camera's view


def unheard_s(voice: LiveVoiceReading) -> float:
    """Seconds without speech up to ``voice.time_s``: 0 while speaking, else since the latest speech
    ended, or since the take started when none was heard yet."""
    if voice.speaking:
        return 0.0
    since = voice.silence_since_s if voice.silence_since_s is not None else 0.0
    return max(voice.time_s - since, 0.0)


class PresenceWatch:
    """How long a take has gone without anybody in the camera's view, from its analysed frames.

    A frame sees somebody when it finds a face or a person's pose; before the
    first such frame the take counts from its start (0 s). Feed the frames in
    time order.
    """

    def __init__(self) -> None:
        self._last_seen_s = 0.0
        self._newest_s: float | None = None

    def update(self, signals: FrameSignals) -> None:
        self._newest_s = signals.time_s
        if signals.face_found or signals.people_in_view > 0:
            self._last_seen_s = signals.time_s

    @property
    def unseen_s(self) -> float | None:
        """Seconds from the last frame that saw somebody to the newest frame; ``None`` before any frame."""
        return None if self._newest_s is None else max(self._newest_s - self._last_seen_s, 0.0)


def missing_now(*, unheard_s: float | None, unseen_s: float | None, absent_for_s: float) -> tuple[Missing, ...]:
    """What has been missing for at least ``absent_for_s`` seconds (``None``: that device is not used)."""
    missing = []
    if unheard_s is not None and unheard_s >= absent_for_s:
        missing.append(Missing.VOICE)
    if unseen_s is not None and unseen_s >= absent_for_s:
        missing.append(Missing.PERSON)
    return tuple(missing)


@dataclass(frozen=True)
class LivePreview:
    """What the page shows while recording.

    Attributes:
        frame: the newest recorded frame (``None`` before the first).
        detections: landmarks of the newest analysed frame, for the overlay.
        signals: body signals of the newest analysed frame, its cues steady so far.
        cue: the live cue to show now, ``None`` most of the time.
        voice: the live voice reading, ``None`` without sound.
        elapsed_s: seconds since the take started.
        frames_recorded / frames_analysed: counts so far.
        frames_waiting: scheduled frames the analyser has still to do (it is that far behind).
        unseen_s: seconds without anybody in the camera's view, up to the newest analysed
            frame (:class:`PresenceWatch`); ``None`` without a camera or before the first frame.
    """

    frame: VideoFrame | None
    detections: Detections | None
    signals: FrameSignals | None
    cue: LiveCue | None
    voice: LiveVoiceReading | None
    elapsed_s: float
    frames_recorded: int
    frames_analysed: int
    frames_waiting: int = 0
    unseen_s: float | None = None

    @property
    def unheard_s(self) -> float | None:
        """Seconds without speech up to the newest sound (``None`` without a microphone); see :func:`unheard_s`."""
        return None if self.voice is None else unheard_s(self.voice)

    def missing(self, absent_for_s: float) -> tuple[Missing, ...]:
        """What the take has gone without for at least ``absent_for_s`` (``[live] absent_for_s``), now."""
        return missing_now(unheard_s=self.unheard_s, unseen_s=self.unseen_s, absent_for_s=absent_for_s)


@dataclass(frozen=True)
class LiveResult:
    """A finished live take: what was recorded and the steady body timeline of the frames analysed.

    Attributes:
        notes: what went wrong in the analysis while recording, in the trainee's words.
        abandoned: the take stopped itself because nobody watched it any more.
        frames_scheduled: frames the schedule chose to judge (all of them are
            analysed unless the analyser failed, lost a frame or fell
            ``max_backlog_s`` behind).
    """

    recorded: RecordedTake
    timeline: BodyTimeline | None
    notes: tuple[str, ...] = ()
    abandoned: bool = False
    frames_scheduled: int = 0

    @property
    def analysed_share(self) -> float:
        """Share of the scheduled frames the analyser measured (0-1)."""
        if self.timeline is None or not self.frames_scheduled:
            return 0.0
        return len(self.timeline.frames) / self.frames_scheduled


class LiveTake:
    """Record one take from a camera and/or microphone while analysing it live.

    Args:
        camera / microphone: opened live sources (either may be ``None``;
            both ``None`` means frames and sound are pushed with
            :meth:`add_frame` / :meth:`add_audio`, as the browser does).
            The take closes them when it stops.
        vision_calibration: thresholds for the body analyser.
        coach: decides the sparse live cue, optional.
        voice_meter: live level, speech and pace, optional.
        keep_media_at: save the recording here (``None``: keep nothing).
        expect_video / expect_audio: for pushed sources, which streams will come.
        isolated: run the landmarkers in a child process (the app does), so
            native code that crashes costs a frame, not the server.
        unwatched_stop_s: stop by itself when neither :meth:`preview` nor
            :meth:`keep_alive` was called for this long (``None``: never).
        body_baseline: the trainee's own centre: the live cues judge each frame
            against it (with ``baseline_settings``, the profile's ``[baseline]``),
            as the report will.

    Use as a context manager, or call :meth:`start` and then :meth:`stop`.

    Raises:
        KioskError: the analyser cannot be made (no models); the devices are closed.
    """

    def __init__(
        self,
        *,
        camera: Camera | None = None,
        microphone: Microphone | None = None,
        vision_calibration: VisionCalibration,
        coach: LiveCoach | None = None,
        voice_meter: LiveVoiceMeter | None = None,
        keep_media_at: Path | None = None,
        expect_video: bool | None = None,
        expect_audio: bool | None = None,
        isolated: bool = False,
        unwatched_stop_s: float | None = None,
        body_baseline: BodyBaseline | None = None,
        baseline_settings: BaselineSettings | None = None,
    ) -> None:
        if body_baseline is not None and baseline_settings is None:
            raise ValueError("A body baseline needs the profile's [baseline] settings to judge against it.")
        self._baseline = (
            None if body_baseline is None or baseline_settings is None else (body_baseline, baseline_settings)
        )
        self._lock = threading.Lock()
        self._new_frame = threading.Condition(self._lock)
        self._lifetime = threading.Lock()
        self._vision_calibration = vision_calibration
        self._schedule = FrameSchedule(vision_calibration.schedule.rate_hz)
        self._max_waiting = max(
            1, round(vision_calibration.schedule.max_backlog_s * vision_calibration.schedule.rate_hz)
        )
        self._waiting: deque[VideoFrame] = deque()
        self._scheduled = 0
        self._dropped = 0
        self._taken = 0  # frames the worker has taken from the queue
        self._steady = SteadyCues(vision_calibration.hysteresis)
        self._finishing = False
        self._signals: list[FrameSignals] = []
        self._notes: list[str] = []
        self._latest_detections: Detections | None = None
        self._latest_signals: FrameSignals | None = None
        self._presence = PresenceWatch()
        self._coach = coach
        self._cue: LiveCue | None = None
        self._voice_meter = voice_meter
        self._voice: LiveVoiceReading | None = None
        self._unwatched_stop_s = unwatched_stop_s
        self._watched_at = time.monotonic()
        self._abandoned = False
        self._analysis_failed = False
        self._result: LiveResult | None = None
        self.recorder = TakeRecorder(
            camera=camera,
            microphone=microphone,
            expect_video=expect_video,
            expect_audio=expect_audio,
            keep_media_at=keep_media_at,
            close_sources=True,
            on_frame=self._frame_recorded,
            on_audio=self._audio_recorded,
        )
        has_video = camera is not None if expect_video is None else expect_video
        # Landmarkers run in VIDEO mode, so each take gets its own (times restart at 0).
        # Made here so a missing model is an error now; used and closed only by the worker.
        try:
            self._analyser = BodyAnalyser(vision_calibration, isolated=isolated) if has_video else None
        except BaseException:
            self.recorder.stop()  # closes the devices
            raise
        self._worker = threading.Thread(target=self._work, name="take-analyser", daemon=True)
        self._worker.start()

    # -- lifetime ---------------------------------------------------------------
    def start(self) -> None:
        """Start recording (once; a second call does nothing).

        Raises:
            RuntimeError: the take was already stopped.
        """
        with self._lifetime:
            if self._result is not None:
                raise RuntimeError("this take has already ended; make a new one")
            self._watched_at = time.monotonic()
            self.recorder.start()

    def __enter__(self) -> LiveTake:
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb: TracebackType | None) -> None:
        self.stop()

    @property
    def recording(self) -> bool:
        return self.recorder.recording

    @property
    def started(self) -> bool:
        return self.recorder.started

    @property
    def stopped(self) -> bool:
        return self._result is not None

    @property
    def abandoned(self) -> bool:
        """The take stopped itself because nobody watched it any more."""
        return self._abandoned

    def stop(self) -> LiveResult:
        """Stop recording, let the analyser finish the scheduled frames, and return the take.

        Any thread, any number of times: the first call stops the take, the
        others wait for it and get the same result.
        """
        with self._lifetime:
            if self._result is None:
                self._result = self._stop_once()
            return self._result

    def _stop_once(self) -> LiveResult:
        recorded = self.recorder.stop()
        with self._lock:
            self._queue(self._schedule.finish())  # the last frame, if it is nearest a tick
            if self._abandoned:
                self._waiting.clear()  # nobody will read this take's report
            self._finishing = True
            self._new_frame.notify_all()
        if threading.current_thread() is not self._worker:
            self._wait_for_worker()
        with self._lock:
            timeline = take_timeline(self._signals, self._vision_calibration) if self._signals else None
            if self._dropped and not self._abandoned:
                self._notes.append(
                    f"The computer was too busy to keep up, so {self._dropped} of the {self._scheduled} frames "
                    "chosen for judging were not analysed."
                )
            notes = tuple(self._notes)
        return LiveResult(
            recorded=recorded,
            timeline=timeline,
            notes=notes,
            abandoned=self._abandoned,
            frames_scheduled=self._scheduled,
        )

    def _wait_for_worker(self) -> None:
        """Wait while the worker works through the queue; end a frame stuck in native code."""
        done = -1
        while self._worker.is_alive():
            with self._lock:
                progress = self._taken
            if progress == done:  # not one frame taken in a whole wait: stuck on the last one
                if self._analyser is not None:
                    self._analyser.abort()  # end it, keep the take
                self._worker.join(timeout=ANALYSER_STOP_TIMEOUT_S)
                return
            done = progress
            self._worker.join(timeout=ANALYSER_STOP_TIMEOUT_S)

    def close(self) -> None:
        """End the take without using its result (the trainee left the page)."""
        self.stop()

    def keep_alive(self) -> None:
        """Tell the take that a page still watches it (see ``unwatched_stop_s``)."""
        self._watched_at = time.monotonic()

    # -- pushed sources (the browser) ----------------------------------------------
    def add_frame(self, frame: VideoFrame) -> None:
        self.recorder.add_frame(frame)

    def add_audio(self, block: AudioTrack) -> None:
        self.recorder.add_audio(block)

    # -- what the page shows ------------------------------------------------------------
    def preview(self) -> LivePreview:
        """What the page shows now; calling it also tells the take that the page still watches."""
        self.keep_alive()
        return self.current_view()

    def current_view(self) -> LivePreview:
        """What the take holds now, without counting as a page watching (for the browser's video callback)."""
        with self._lock:
            return LivePreview(
                frame=self.recorder.latest_frame(),
                detections=self._latest_detections,
                signals=self._latest_signals,
                cue=self._cue,
                voice=self._voice,
                elapsed_s=self.recorder.elapsed_s,
                frames_recorded=self.recorder.frames_recorded,
                frames_analysed=len(self._signals),
                frames_waiting=len(self._waiting),
                unseen_s=self._presence.unseen_s,
            )

    # -- workers ------------------------------------------------------------------------
    def _frame_recorded(self, frame: VideoFrame) -> None:
        # Capture thread: queue the frames the schedule chooses and return at once.
        if self._analyser is None:
            return
        with self._lock:
            self._queue(self._schedule.offer(frame))

    def _queue(self, frames: list[VideoFrame]) -> None:
        """Queue scheduled frames for the worker (the lock is held)."""
        for frame in frames:
            self._scheduled += 1
            if len(self._waiting) >= self._max_waiting:
                self._dropped += 1  # a machine far too slow: keep the memory bounded
                continue
            self._waiting.append(frame)
        if frames:
            self._new_frame.notify()

    def _audio_recorded(self, block: AudioTrack) -> None:
        if self._voice_meter is None:
            return
        reading = self._voice_meter.feed(block.samples, block.start_s)
        with self._lock:
            self._voice = reading
        if self._analyser is None and self._coach is not None:
            # Sound alone (the phone): the voice cues follow the sound.
            cue = self._coach.update(reading.time_s, body=None, voice=reading)
            with self._lock:
                self._cue = cue

    def _unwatched(self) -> bool:
        limit = self._unwatched_stop_s
        return limit is not None and time.monotonic() - self._watched_at > limit

    def _work(self) -> None:
        """The take's worker: the only user of the analyser, which it closes on the way out."""
        try:
            self._analyse_scheduled()
        finally:
            if self._analyser is not None:
                if self._analyser.frames_lost and not self._analysis_failed:
                    self._note(lost_frames_note(self._analyser.frames_lost))
                self._analyser.close()

    def _analyse_scheduled(self) -> None:
        analyser = self._analyser
        analysing = analyser is not None
        while True:
            with self._lock:
                while not self._waiting and not self._finishing and not self._unwatched():
                    self._new_frame.wait(timeout=_WATCH_EVERY_S)
                if self._unwatched() and not self._finishing and not self._abandoned:
                    self._abandoned = True
                    self._waiting.clear()
                    # stop() waits for this thread, so another thread calls it.
                    threading.Thread(target=self.stop, name="take-abandoned", daemon=True).start()
                frame = self._waiting.popleft() if self._waiting else None
                if frame is None:
                    if self._finishing:
                        return
                    continue
                self._taken += 1
            if analyser is None or not analysing:
                continue
            try:
                detections = analyser.detect(frame)
            except FrameNotAnalysed:
                continue  # the isolated analyser died on this frame; a new one takes the next
            except BodyAnalysisFailed as err:
                self._note(str(err))
                analysing, self._analysis_failed = False, True
                continue
            except KioskError as err:  # the analyser could not start (its process had no models)
                self._note(f"Body language could not be analysed: {err}")
                analysing, self._analysis_failed = False, True
                continue
            signals = analyser.interpret(detections, frame)
            if self._baseline is not None:
                baseline, settings = self._baseline
                signals = judged_frame(signals, baseline, self._vision_calibration, settings)
            steady = self._steady.update(signals)  # the coach and overlay see steady cues too
            with self._lock:
                voice = self._voice
            cue = self._coach.update(frame.time_s, body=steady, voice=voice) if self._coach is not None else None
            with self._lock:
                self._signals.append(signals)
                self._presence.update(signals)
                self._latest_detections = detections
                self._latest_signals = steady
                self._cue = cue

    def _note(self, note: str) -> None:
        with self._lock:
            if note not in self._notes:
                self._notes.append(note)


def expected_line_s(text: str, *, language: str, syllables_per_word: float, syllables_per_s: float) -> float:
    """How long saying a line takes at a slow rate, in seconds.

    Syllables are counted as CJK characters for Chinese (one syllable each),
    else as words times ``syllables_per_word``.
    """
    syllables: float
    if language == "zh":
        syllables = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    else:
        syllables = len(text.split()) * syllables_per_word
    return max(syllables, 1.0) / syllables_per_s


def line_finished(view: LivePreview, *, expected_s: float, settings: AutoStopSettings) -> bool:
    """Whether a take can stop by itself.

    It can once the trainee has spoken and then been silent for
    ``settings.silence_after_s``, having recorded at least half the line's
    ``expected_s`` seconds (a pause after the first words is not the end);
    or once the take has run ``settings.longest_factor`` times ``expected_s``
    (the trainee walked away, or the microphone hears nothing).
    """
    if view.elapsed_s >= settings.longest_factor * expected_s:
        return True
    voice = view.voice
    if voice is None or voice.speech_started_s is None or voice.silence_since_s is None:
        return False
    if view.elapsed_s < 0.5 * expected_s:
        return False
    return view.elapsed_s - voice.silence_since_s >= settings.silence_after_s
