"""The live voice meter: level, speech now, and pace while a take is recorded.

Fed the microphone's 16 kHz blocks as they arrive, :class:`LiveVoiceMeter`
keeps the last ``[live.voice] window_s`` of sound and answers what the live
screen needs: a level meter, whether the trainee is speaking now, when
speech started and when it stopped (to end a take once the line is done),
the pace and the speech level over the window.

Speech now is found with the criteria of the take's analysis
(:mod:`kiosk.voice.activity`), on 10 ms frames as they arrive: louder than
``silence_below_peak_db`` under the recent peak, ``min_snr_db`` over the
noise floor the meter tracks (both read from the last ``noise_window_s``),
and over ``min_speech_dbfs``; silences shorter than ``min_pause_s`` are
bridged. A pitch track per block would be too slow live, so a stretch counts
as speech once it holds ``min_voiced_s`` of loud frames (a click does not).

The pace and speech level are the report's own measures on the window:
Praat acoustics, speech stretches and syllable nuclei
(:mod:`kiosk.voice.acoustics`, :mod:`~kiosk.voice.activity`,
:mod:`~kiosk.voice.syllables`); nuclei per second over the span from the
window's first speech to its last, and the median level of voiced speech
(:func:`kiosk.voice.tone.speech_loudness`). They are worked out at most
once per ``rate_every_s``.

The meter hears what the report hears: each block passes the voice
front-end's high-pass (:func:`kiosk.voice.acoustics.front_end`, here run
forwards only, carrying its state from block to block, since a live meter
cannot wait for the future) before any level is read; the pace reads the
window through the report's own zero-phase front-end.

Levels are dBFS with an RMS of 1.0 at 0 dBFS, the kiosk's convention
everywhere: a sine of RMS 0.1 (peak 0.141) reads -20 dBFS, a full-scale
sine -3.01 dBFS.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
from scipy import signal

from kiosk.calibration import (
    DEFAULT_PROFILE,
    LiveVoiceSettings,
    VoiceCalibration,
    load_live_calibration,
    load_voice_calibration,
)
from kiosk.capture.take import AUDIO_SAMPLE_RATE_HZ, AudioTrack
from kiosk.errors import MediaError
from kiosk.voice.acoustics import SILENCE_DBFS, high_pass_sections, measure_frames
from kiosk.voice.activity import speech_stretches
from kiosk.voice.syllables import syllable_nuclei_s
from kiosk.voice.tone import speech_loudness


@dataclass(frozen=True)
class LiveVoiceReading:
    """What the microphone says now. Times in seconds from the start of the take.

    Attributes:
        time_s: end of the sound fed so far.
        level_dbfs: RMS level of the last ``level_window_s`` (dBFS, RMS 1.0 = 0 dBFS),
            for a level meter; ``SILENCE_DBFS`` (-120) for digital silence.
        noise_floor_dbfs: the room's level between words, as tracked.
        speaking: speech now (a silence shorter than a pause does not end it).
        speech_started_s: where the take's first speech started, ``None`` before any.
        silence_since_s: where the latest speech ended, while not speaking;
            ``None`` while speaking or before any speech.
        syllables_per_s: syllable nuclei per second over the window's speech,
            ``None`` with less than ``min_speech_for_rate_s`` of speech in it.
        speech_level_dbfs: median level of the voiced speech in the window
            (the report's loudness), ``None`` without speech in it.
    """

    time_s: float
    level_dbfs: float
    noise_floor_dbfs: float
    speaking: bool
    speech_started_s: float | None
    silence_since_s: float | None
    syllables_per_s: float | None
    speech_level_dbfs: float | None


def rms_dbfs(samples: np.ndarray) -> float:
    """RMS level of ``samples`` in dBFS (RMS 1.0 = 0 dBFS); ``SILENCE_DBFS`` for silence or nothing."""
    if len(samples) == 0:
        return SILENCE_DBFS
    power = float(np.mean(np.square(samples, dtype=np.float64)))
    return max(10.0 * np.log10(power), SILENCE_DBFS) if power > 0 else SILENCE_DBFS


class LiveVoiceMeter:
    """Level, speech and pace of one take's sound, block by block.

    Feed blocks in time order from one thread (the caller serialises)::

        meter = LiveVoiceMeter()
        for block in microphone:
            reading = meter.feed(block.samples, block.start_s)

    Args:
        live: the ``[live.voice]`` settings; the default profile's when omitted.
        voice: the ``[voice]`` calibration (frame step, speech criteria, syllables).
        sample_rate_hz: the blocks' rate; the capture rate (16 kHz).
    """

    def __init__(
        self,
        live: LiveVoiceSettings | None = None,
        voice: VoiceCalibration | None = None,
        *,
        sample_rate_hz: int = AUDIO_SAMPLE_RATE_HZ,
    ) -> None:
        self.settings = live or load_live_calibration(DEFAULT_PROFILE).voice
        self.calibration = voice or load_voice_calibration(DEFAULT_PROFILE)
        if sample_rate_hz <= 0:
            raise MediaError(f"Invalid audio sample rate {sample_rate_hz} Hz.")
        self.sample_rate_hz = int(sample_rate_hz)
        self._frame_samples = max(1, round(self.calibration.frame_step_s * self.sample_rate_hz))
        self._frame_s = self._frame_samples / self.sample_rate_hz
        self._window = np.zeros(max(1, round(self.settings.window_s * self.sample_rate_hz)), dtype=np.float32)
        # The front-end's high-pass, run causally with its state carried over.
        self._sections = high_pass_sections(self.calibration, self.sample_rate_hz)
        self._filter_state = np.zeros((len(self._sections), 2))
        # The last level_window_s of high-passed sound, for the level meter.
        self._heard = np.zeros(max(1, round(self.settings.level_window_s * self.sample_rate_hz)), dtype=np.float32)
        self._heard_filled = 0
        self._filled = 0
        self._partial = np.zeros(0, dtype=np.float32)
        self._partial_raw = np.zeros(0, dtype=np.float32)  # the same samples as recorded
        self._levels: deque[float] = deque(maxlen=max(1, round(self.settings.noise_window_s / self._frame_s)))
        self._end_s: float | None = None  # end of the sound fed so far
        self._frames_end_s = 0.0  # end of the last whole 10 ms frame judged
        self._noise_floor = SILENCE_DBFS
        # The current stretch of loud frames (silences under a pause bridged).
        self._run_start_s: float | None = None
        self._run_loud_s = 0.0
        self._run_is_speech = False
        self._last_loud_end_s = 0.0
        self._speech_started_s: float | None = None
        self._speech_end_s: float | None = None
        # The window's pace, worked out at most once per rate_every_s.
        self._pace_at_s: float | None = None
        self._rate: float | None = None
        self._speech_level: float | None = None

    # -- feeding ---------------------------------------------------------------------
    def feed(self, samples: np.ndarray, time_s: float) -> LiveVoiceReading:
        """Add a block of mono samples in [-1, 1] whose first sample is at ``time_s``; the reading after it.

        A block that does not follow on from the last one (a gap or a
        restart) drops the unfinished 10 ms frame; nothing else changes.

        Raises:
            MediaError: samples not 1-D or not finite.
        """
        block = np.asarray(samples, dtype=np.float32)
        if block.ndim != 1:
            raise MediaError(f"Invalid shape for mono audio: ndim={block.ndim}, shape={block.shape}; pass one channel.")
        if block.size and not np.all(np.isfinite(block)):
            raise MediaError("The audio holds NaN or infinite samples; check the microphone.")
        if self._end_s is not None and abs(time_s - self._end_s) > self._frame_s / 2:
            self._partial = self._partial[:0]
            self._partial_raw = self._partial_raw[:0]
        self._keep(block)
        self._end_s = float(time_s) + len(block) / self.sample_rate_hz
        heard = self._high_pass(block)

        pending = np.concatenate([self._partial, heard])
        count = len(pending) // self._frame_samples
        first_start_s = float(time_s) - len(self._partial) / self.sample_rate_hz
        self._partial = pending[count * self._frame_samples :].copy()
        raw_pending = np.concatenate([self._partial_raw, block])
        self._partial_raw = raw_pending[count * self._frame_samples :].copy()
        if count:
            frames = pending[: count * self._frame_samples].reshape(count, self._frame_samples)
            raw = raw_pending[: count * self._frame_samples]
            # The high-pass only takes energy away; where it rings (after an
            # abrupt stop) the frame is no louder than as recorded.
            power = np.minimum(
                np.mean(np.square(frames, dtype=np.float64), axis=1),
                np.mean(np.square(raw.reshape(count, self._frame_samples), dtype=np.float64), axis=1),
            )
            with np.errstate(divide="ignore"):
                levels = np.maximum(10.0 * np.log10(power), SILENCE_DBFS)
            self._levels.extend(levels.tolist())
            threshold = self._speech_threshold_dbfs()
            for i, level in enumerate(levels):
                self._judge_frame(first_start_s + i * self._frame_s, bool(level >= threshold))
        return self.reading()

    def _high_pass(self, block: np.ndarray) -> np.ndarray:
        """``block`` through the front-end's high-pass (causal, state carried over); kept for the level meter."""
        if not block.size:
            return block
        out, self._filter_state = signal.sosfilt(self._sections, block.astype(np.float64), zi=self._filter_state)
        heard = out.astype(np.float32)
        size = len(self._heard)
        if len(heard) >= size:
            self._heard[:] = heard[-size:]
            self._heard_filled = size
        else:
            self._heard[: size - len(heard)] = self._heard[len(heard) :]
            self._heard[size - len(heard) :] = heard
            self._heard_filled = min(size, self._heard_filled + len(heard))
        return heard

    def _keep(self, block: np.ndarray) -> None:
        """Append to the rolling window of the last ``window_s`` of samples."""
        size = len(self._window)
        if len(block) >= size:
            self._window[:] = block[-size:]
            self._filled = size
        elif len(block):
            self._window[: size - len(block)] = self._window[len(block) :]
            self._window[size - len(block) :] = block
            self._filled = min(size, self._filled + len(block))

    def _speech_threshold_dbfs(self) -> float:
        """The level above which a frame may be speech, from the recent levels
        (the criteria of :func:`kiosk.voice.activity.speech_threshold_dbfs`)."""
        activity = self.calibration.activity
        recent = np.fromiter(self._levels, dtype=np.float64, count=len(self._levels))
        peak, floor = np.quantile(recent, [activity.peak_quantile, activity.noise_floor_quantile])
        self._noise_floor = float(floor)
        return max(
            float(peak) - activity.silence_below_peak_db,
            activity.min_speech_dbfs,
            float(floor) + activity.min_snr_db,
        )

    def _judge_frame(self, start_s: float, loud: bool) -> None:
        activity = self.calibration.activity
        end_s = start_s + self._frame_s
        self._frames_end_s = end_s
        if not loud:
            return
        if self._run_start_s is None or start_s - self._last_loud_end_s >= activity.min_pause_s:
            self._run_start_s, self._run_loud_s, self._run_is_speech = start_s, 0.0, False
        self._run_loud_s += self._frame_s
        self._last_loud_end_s = end_s
        if not self._run_is_speech and self._run_loud_s >= activity.min_voiced_s - 1e-9:
            self._run_is_speech = True
            if self._speech_started_s is None:
                self._speech_started_s = self._run_start_s
        if self._run_is_speech:
            self._speech_end_s = end_s

    # -- answers ---------------------------------------------------------------------
    @property
    def level_dbfs(self) -> float:
        """RMS level of the last ``level_window_s`` of sound, dBFS (RMS 1.0 = 0 dBFS)."""
        count = self._heard_filled
        if not count:
            return SILENCE_DBFS
        # The high-pass only takes energy away: where it rings after an abrupt
        # stop, the level is no higher than as recorded.
        return min(
            rms_dbfs(self._heard[len(self._heard) - count :]), rms_dbfs(self._window[len(self._window) - count :])
        )

    @property
    def speaking(self) -> bool:
        """Speech now: the latest speech ended less than a pause ago."""
        return (
            self._run_is_speech
            and self._speech_end_s is not None
            and self._frames_end_s - self._speech_end_s < self.calibration.activity.min_pause_s
        )

    @property
    def speech_started_s(self) -> float | None:
        """Where the take's first speech started (seconds), ``None`` before any."""
        return self._speech_started_s

    @property
    def silence_since_s(self) -> float | None:
        """Where the latest speech ended (seconds) while not speaking; ``None`` while speaking or before any."""
        return None if self.speaking else self._speech_end_s

    def syllables_per_s(self) -> float | None:
        """Syllable nuclei per second over the window's speech, or ``None`` with too little speech.

        Worked out from the window at most once per ``rate_every_s`` of
        sound; in between the last value is returned.
        """
        self._update_pace()
        return self._rate

    def speech_level_dbfs(self) -> float | None:
        """Median level of the voiced speech in the window (dBFS), updated with the pace."""
        self._update_pace()
        return self._speech_level

    def reading(self) -> LiveVoiceReading:
        """Everything above as one value."""
        rate = self.syllables_per_s()
        return LiveVoiceReading(
            time_s=self._end_s if self._end_s is not None else 0.0,
            level_dbfs=self.level_dbfs,
            noise_floor_dbfs=self._noise_floor,
            speaking=self.speaking,
            speech_started_s=self._speech_started_s,
            silence_since_s=self.silence_since_s,
            syllables_per_s=rate,
            speech_level_dbfs=self._speech_level,
        )

    def _update_pace(self) -> None:
        if self._end_s is None:
            return
        if self._pace_at_s is not None and self._end_s - self._pace_at_s < self.settings.rate_every_s:
            return
        self._pace_at_s = self._end_s
        window_start_s = self._end_s - self._filled / self.sample_rate_hz
        if self._speech_end_s is None or self._speech_end_s <= window_start_s:
            # No speech in the window: nothing to measure (and no Praat to run).
            self._rate = self._speech_level = None
            return
        self._rate, self._speech_level = self._window_pace(window_start_s)

    def _window_pace(self, window_start_s: float) -> tuple[float | None, float | None]:
        audio = AudioTrack(
            samples=self._window[len(self._window) - self._filled :].copy(),
            sample_rate_hz=self.sample_rate_hz,
            start_s=window_start_s,
        )
        calibration = self.calibration
        frames = measure_frames(audio, calibration)
        speech = speech_stretches(frames, calibration.activity)
        if not speech:
            return None, None
        voiced = speech_loudness(frames, speech)
        level = float(np.median(voiced)) if len(voiced) else None
        if sum(s.duration_s for s in speech) < self.settings.min_speech_for_rate_s:
            return None, level
        nuclei = syllable_nuclei_s(frames, speech, syllables=calibration.syllables, activity=calibration.activity)
        span = speech[-1].end_s - speech[0].start_s
        return (len(nuclei) / span if span > 0 else None), level
