"""Filled pauses ("um", "uh", "er", Danish "øh", Lithuanian "ėė", Chinese "呃")
found from the sound itself (pure functions).

Recognisers, pocketsphinx included, drop filled pauses silently, so they are
found acoustically: a sustained voiced stretch whose pitch stays level or
drifts slowly and smoothly, and whose spectrum barely changes (one held
vowel), lying outside the aligned words of the line.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kiosk.calibration import FillerThresholds
from kiosk.timespan import TimeSpan
from kiosk.voice.acoustics import VoiceFrames
from kiosk.voice.activity import _runs
from kiosk.voice.tone import in_stretches


def _window_pitch_fits(pitch: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Over every window of ``window`` frames of ``pitch`` (semitones, NaN unvoiced):
    the share of voiced frames, the slope of the least-squares line through
    the voiced ones (semitones per frame), and the SD of the pitch about that line."""
    views = np.lib.stride_tricks.sliding_window_view
    values = views(pitch, window)
    valid = ~np.isnan(values)
    count = valid.sum(axis=1)
    share = count / window
    x = np.broadcast_to(np.arange(window, dtype=float), values.shape)
    y = np.where(valid, values, 0.0)
    xv = np.where(valid, x, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_x = xv.sum(axis=1) / count
        mean_y = y.sum(axis=1) / count
        dx = np.where(valid, x - mean_x[:, None], 0.0)
        dy = np.where(valid, values - mean_y[:, None], 0.0)
        slope = (dx * dy).sum(axis=1) / (dx * dx).sum(axis=1)
        residual = dy - slope[:, None] * dx
        spread = np.sqrt((residual**2).sum(axis=1) / count)
    return share, slope, spread


def _line_fit(pitch: np.ndarray) -> tuple[float, float]:
    """(slope per frame, SD about the least-squares line) of the voiced frames of ``pitch``."""
    frames = np.flatnonzero(~np.isnan(pitch))
    if len(frames) < 2:
        return float("nan"), float("nan")
    slope, intercept = np.polyfit(frames, pitch[frames], 1)
    return float(slope), float(np.std(pitch[frames] - (slope * frames + intercept)))


def filled_pauses(
    frames: VoiceFrames,
    speech: tuple[TimeSpan, ...],
    words: Sequence[TimeSpan],
    thresholds: FillerThresholds,
) -> tuple[TimeSpan, ...]:
    """Stretches that sound like a filled pause.

    A filled pause is a held vowel (or vowel and nasal, "um"): mostly voiced
    for at least ``min_duration_s``, its pitch level or gliding slowly down
    or up (at most ``max_pitch_slope_st_per_s``) and smooth about that glide
    (SD at most ``max_pitch_spread_st``), its spectrum steady. Speakers'
    filled pauses sit low and flat or drift gently down in pitch
    (Shriberg 2001; O'Shaughnessy 1992), so a steady glide is allowed; the
    quick pitch movements of an accented word are not.

    Args:
        frames: the take's frame measurements.
        speech: where the trainee speaks.
        words: where the line's words were aligned (empty if not aligned).
        thresholds: ``[voice.fillers]``.
    """
    window = max(2, int(round(thresholds.min_duration_s / frames.step_s)))
    if len(frames) < window:
        return ()
    in_speech = in_stretches(frames, speech)
    pitch = np.where(frames.voiced & in_speech, frames.pitch_st, np.nan)
    max_slope = thresholds.max_pitch_slope_st_per_s * frames.step_s
    share, slope, spread = _window_pitch_fits(pitch, window)
    views = np.lib.stride_tricks.sliding_window_view
    with np.errstate(invalid="ignore"):
        held_pitch = (
            (share >= thresholds.min_voiced_share)
            & (np.abs(slope) <= max_slope)
            & (spread <= thresholds.max_pitch_spread_st)
        )
    # Spectral change inside the window (skip its first frame: it compares
    # with the frame before the window).
    steady = views(frames.spectral_change_db, window)[:, 1:].mean(axis=1) <= thresholds.max_spectral_change_db
    inside = views(in_speech, window).all(axis=1)
    good = held_pitch & steady & inside
    held = np.zeros(len(frames), dtype=bool)
    for first in np.flatnonzero(good):
        held[first : first + window] = True
    word_mask = in_stretches(frames, tuple(words))
    origin = frames.times_s[0] - frames.step_s / 2
    found = []
    for start, stop in _runs(held):
        # A filled pause starts and ends with voice (a window may take in a
        # few unvoiced frames of what comes before or after it).
        voiced = np.flatnonzero(~np.isnan(pitch[start:stop]))
        if len(voiced) == 0:
            continue
        start, stop = start + int(voiced[0]), start + int(voiced[-1]) + 1
        if stop - start < window:
            continue
        # Held over the whole stretch, not only within each window: a long
        # accented glide passes window by window but is intonation.
        whole_slope, whole_spread = _line_fit(pitch[start:stop])
        if not (abs(whole_slope) <= max_slope and whole_spread <= thresholds.max_pitch_spread_st):
            continue
        if np.count_nonzero(word_mask[start:stop]) > thresholds.max_word_overlap_share * (stop - start):
            continue
        found.append(TimeSpan(origin + start * frames.step_s, origin + stop * frames.step_s))
    return tuple(found)


def voiced_fillers(
    frames: VoiceFrames, speech: tuple[TimeSpan, ...], spans: Sequence[TimeSpan], thresholds: FillerThresholds
) -> tuple[TimeSpan, ...]:
    """Filled pauses placed by the aligner, kept only where the sound is a voiced filler.

    Every filler the kiosk knows (um, uh, er, ah, hm) is voiced and held: a
    span holding less than ``min_aligned_voiced_s`` of voiced speech is
    silence, breath or a word's edge that the aligner filled, and is dropped,
    and so is one whose pitch moves like an accented word (the pitch limits
    of :func:`filled_pauses`, over the whole span; its spectrum may change, as
    from the vowel to the nasal of "um"). A kept span is trimmed to its first
    and last voiced frame of speech (the aligner lets a filler run on into the
    silence next to it).
    """
    voiced = frames.voiced & in_stretches(frames, speech)
    origin = frames.times_s[0] - frames.step_s / 2 if len(frames) else 0.0
    fewest = max(1, int(round(thresholds.min_aligned_voiced_s / frames.step_s)))
    kept = []
    for span in spans:
        inside = np.flatnonzero(voiced & (frames.times_s >= span.start_s) & (frames.times_s < span.end_s))
        if len(inside) < fewest:
            continue
        slope, spread = _line_fit(frames.pitch_st[inside[0] : inside[-1] + 1])
        if abs(slope) <= thresholds.max_pitch_slope_st_per_s * frames.step_s and (
            spread <= thresholds.max_pitch_spread_st
        ):
            kept.append(
                TimeSpan(origin + int(inside[0]) * frames.step_s, origin + (int(inside[-1]) + 1) * frames.step_s)
            )
    return tuple(kept)
