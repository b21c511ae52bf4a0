"""Tone of voice from the frame measurements (pure functions).

Pitch in semitones re 100 Hz, so spreads and movements compare across
voices; loudness in dBFS over speech frames only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.calibration import ToneThresholds
from kiosk.timespan import TimeSpan
from kiosk.vocabulary import PhraseEndMovement
from kiosk.voice.acoustics import VoiceFrames

#: Scale from the median absolute deviation to a standard deviation for
#: normally distributed values; robust to the tracker's rare octave errors.
_MAD_TO_SD = 1.4826


@dataclass(frozen=True)
class PhraseEnd:
    """The pitch movement at the end of one phrase.

    Attributes:
        end_s: where the phrase ends, seconds from the start of the take.
        movement: falling, level or rising; unknown if too little voicing.
        change_st: pitch change over the phrase's last voiced stretch, semitones.
    """

    end_s: float
    movement: PhraseEndMovement
    change_st: float


def in_stretches(frames: VoiceFrames, stretches: tuple[TimeSpan, ...]) -> np.ndarray:
    """(n,) True for frames whose centre lies in one of ``stretches``."""
    mask = np.zeros(len(frames), dtype=bool)
    for stretch in stretches:
        mask |= (frames.times_s >= stretch.start_s) & (frames.times_s < stretch.end_s)
    return mask


def robust_spread(values: np.ndarray) -> float:
    """Standard deviation estimated from the median absolute deviation (NaN if empty)."""
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return float("nan")
    return float(_MAD_TO_SD * np.median(np.abs(values - np.median(values))))


def pitch_spread_st(frames: VoiceFrames, speech: tuple[TimeSpan, ...]) -> float:
    """Pitch variability over voiced speech, semitones (robust standard deviation)."""
    return robust_spread(frames.pitch_st[in_stretches(frames, speech)])


def phrase_end_movement(frames: VoiceFrames, end_s: float, start_s: float, thresholds: ToneThresholds) -> PhraseEnd:
    """Classify the pitch movement over the last voiced stretch before ``end_s``."""
    inside = (frames.times_s >= start_s) & (frames.times_s <= end_s) & frames.voiced
    voiced_times = frames.times_s[inside]
    fewest = max(2, int(round(thresholds.min_phrase_end_voiced_s / frames.step_s)))
    if len(voiced_times) < fewest:
        return PhraseEnd(end_s, PhraseEndMovement.UNKNOWN, float("nan"))
    last = voiced_times[-1]
    window = inside & (frames.times_s >= last - thresholds.phrase_end_window_s)
    pitch = frames.pitch_st[window]
    if len(pitch) < fewest:
        return PhraseEnd(end_s, PhraseEndMovement.UNKNOWN, float("nan"))
    # The least-squares line through the stretch, read from its first to its
    # last frame: a glide counts in full (medians of its thirds read 2/3 of it).
    times = frames.times_s[window]
    slope = float(np.polyfit(times - times[0], pitch, 1)[0])
    change = slope * float(times[-1] - times[0])
    if change <= -thresholds.phrase_end_min_change_st:
        movement = PhraseEndMovement.FALLING
    elif change >= thresholds.phrase_end_min_change_st:
        movement = PhraseEndMovement.RISING
    else:
        movement = PhraseEndMovement.LEVEL
    return PhraseEnd(end_s, movement, change)


def voice_breaks_s(frames: VoiceFrames, speech: tuple[TimeSpan, ...], thresholds: ToneThresholds) -> np.ndarray:
    """Times of sudden pitch jumps in speech (of at least
    ``voice_break_min_jump_st``), also across up to ``max_break_gap_s`` of
    unvoiced frames."""
    voiced = np.flatnonzero(frames.voiced & in_stretches(frames, speech))
    if len(voiced) < 2:
        return np.zeros(0)
    pitch = frames.pitch_st[voiced]
    times = frames.times_s[voiced]
    gap_frames = int(round(thresholds.max_break_gap_s / frames.step_s))
    jumped = np.zeros(len(voiced), dtype=bool)
    at = np.zeros(len(voiced))
    # Compare each voiced frame with the next two: the pitch track is
    # interpolated between Praat's frames, so one jump may be split over two
    # steps of half its size. A break is placed half-way across its jump.
    for lag in (2, 1):
        close = (voiced[lag:] - voiced[:-lag]) <= gap_frames + lag
        hit = close & (np.abs(pitch[lag:] - pitch[:-lag]) >= thresholds.voice_break_min_jump_st)
        jumped[lag:] |= hit
        at[lag:][hit] = (times[lag:][hit] + times[:-lag][hit]) / 2
    # One break per jump: the first frame of each run of jumped frames.
    first = jumped & ~np.concatenate(([False], jumped[:-1]))
    return at[first]


def speech_loudness(frames: VoiceFrames, speech: tuple[TimeSpan, ...]) -> np.ndarray:
    """Loudness (dBFS) of the voiced frames of speech."""
    return frames.loudness_dbfs[in_stretches(frames, speech) & frames.voiced]


def clipped_share(frames: VoiceFrames, speech: tuple[TimeSpan, ...]) -> float:
    """Share 0-1 of the speech frames that hold clipped samples (0 if no speech)."""
    mask = in_stretches(frames, speech)
    if not mask.any():
        return 0.0
    return float(np.count_nonzero(frames.clipped & mask) / np.count_nonzero(mask))
