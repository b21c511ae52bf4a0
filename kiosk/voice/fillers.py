"""Filled pauses ("um", "uh", "er", Danish "øh", Lithuanian "ėė", Chinese "呃")
found from the sound itself (pure functions).

Recognisers, pocketsphinx included, drop filled pauses silently, so they are
found acoustically: a sustained voiced stretch whose pitch stays flat and
whose spectrum barely changes (one held vowel), lying outside the aligned
words of the line.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kiosk.calibration import FillerThresholds
from kiosk.timespan import TimeSpan
from kiosk.voice.acoustics import VoiceFrames
from kiosk.voice.activity import _runs
from kiosk.voice.tone import in_stretches


def filled_pauses(
    frames: VoiceFrames,
    speech: tuple[TimeSpan, ...],
    words: Sequence[TimeSpan],
    thresholds: FillerThresholds,
) -> tuple[TimeSpan, ...]:
    """Stretches that sound like a filled pause.

    Args:
        frames: the take's frame measurements.
        speech: where the trainee speaks.
        words: where the line's words were aligned (empty if not aligned).
        thresholds: ``[voice.fillers]``.
    """
    window = max(2, int(round(thresholds.min_duration_s / frames.step_s)))
    if len(frames) < window:
        return ()
    pitch = frames.pitch_st
    candidates = frames.voiced & in_stretches(frames, speech)
    views = np.lib.stride_tricks.sliding_window_view
    pitch_windows = views(np.where(candidates, pitch, np.nan), window)
    all_voiced = ~np.isnan(pitch_windows).any(axis=1)
    with np.errstate(invalid="ignore"):
        flat = np.nanstd(np.where(all_voiced[:, None], pitch_windows, 0.0), axis=1) <= thresholds.max_pitch_spread_st
    # Spectral change inside the window (skip its first frame: it compares
    # with the frame before the window).
    steady = views(frames.spectral_change_db, window)[:, 1:].mean(axis=1) <= thresholds.max_spectral_change_db
    good = all_voiced & flat & steady
    held = np.zeros(len(frames), dtype=bool)
    for first in np.flatnonzero(good):
        held[first : first + window] = True
    word_mask = in_stretches(frames, tuple(words))
    origin = frames.times_s[0] - frames.step_s / 2
    found = []
    for start, stop in _runs(held):
        if stop - start < window:
            continue
        # Flat over the whole stretch, not only within each window: a slow
        # glide passes every window but is intonation, not a held "uh".
        if np.std(pitch[start:stop]) > thresholds.max_pitch_spread_st:
            continue
        if np.count_nonzero(word_mask[start:stop]) > thresholds.max_word_overlap_share * (stop - start):
            continue
        found.append(TimeSpan(origin + start * frames.step_s, origin + stop * frames.step_s))
    return tuple(found)
