"""Voice activity: where the trainee speaks and where they pause (pure functions).

Speech is where the loudness stands clear of both the take's own peak range
and the room's noise floor, reaching out at its edges to a lower level
(hysteresis), and holds some voicing; every silence of at
least ``min_pause_s`` between two stretches of speech is a pause.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from kiosk.calibration import VoiceActivityThresholds
from kiosk.timespan import TimeSpan
from kiosk.voice.acoustics import VoiceFrames


def noise_floor_dbfs(
    loudness: np.ndarray, voiced: np.ndarray, thresholds: VoiceActivityThresholds, *, step_s: float
) -> float | None:
    """The room's noise floor (dBFS): a low quantile of the unvoiced frames' loudness.

    ``None`` when the unvoiced frames add up to less than ``min_noise_floor_s``:
    the few at the edges of a take that is voice from end to end are not a room.
    """
    unvoiced = loudness[~voiced]
    if len(unvoiced) == 0 or len(unvoiced) * step_s < thresholds.min_noise_floor_s:
        return None
    return float(np.quantile(unvoiced, thresholds.noise_floor_quantile))


def speech_threshold_dbfs(
    loudness: np.ndarray, voiced: np.ndarray, thresholds: VoiceActivityThresholds, *, step_s: float
) -> float:
    """The level (dBFS) above which a frame of ``loudness`` may be speech in this take.

    The room's noise floor is read from the unvoiced frames only, and only
    when there are enough of them, so a take that is voice from end to end
    (no silence around it) is not mistaken for a noisy room.
    """
    if len(loudness) == 0:
        return float("inf")
    peak = float(np.quantile(loudness, thresholds.peak_quantile))
    threshold = max(peak - thresholds.silence_below_peak_db, thresholds.min_speech_dbfs)
    floor = noise_floor_dbfs(loudness, voiced, thresholds, step_s=step_s)
    if floor is not None:
        threshold = max(threshold, floor + thresholds.min_snr_db)
    return threshold


def edge_threshold_dbfs(
    loudness: np.ndarray, voiced: np.ndarray, thresholds: VoiceActivityThresholds, *, step_s: float
) -> float:
    """The lower level (dBFS) to which a stretch of speech extends at its edges (hysteresis).

    A stretch is found where the loudness passes :func:`speech_threshold_dbfs`
    and reaches out to where it drops below this: ``min_edge_snr_db`` over the
    room's noise floor (never below ``min_speech_dbfs``, never above the speech
    threshold). The quiet beginnings and ends of words (a soft onset, a final
    consonant, a trailing-off) stand above a noisy room by less than the core
    of a syllable does; without this they are cut off and each pause grows.
    Without a measured noise floor (the take is voice from end to end, or
    digital silence around it) the speech threshold is the edge too.
    """
    threshold = speech_threshold_dbfs(loudness, voiced, thresholds, step_s=step_s)
    floor = noise_floor_dbfs(loudness, voiced, thresholds, step_s=step_s)
    if floor is None:
        return threshold
    peak = float(np.quantile(loudness, thresholds.peak_quantile))
    edge = max(floor + thresholds.min_edge_snr_db, peak - thresholds.silence_below_peak_db, thresholds.min_speech_dbfs)
    return min(edge, threshold)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open index ranges [start, stop) where ``mask`` is True."""
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True))


def speech_stretches(frames: VoiceFrames, thresholds: VoiceActivityThresholds) -> tuple[TimeSpan, ...]:
    """Stretches of speech, with silences shorter than a pause bridged.

    Returns:
        Stretches in time order; empty when nothing in the take is speech.
    """
    if len(frames) == 0:
        return ()
    step = frames.step_s
    # The 25 ms level, not Praat's smoother intensity: its ~43 ms window
    # would shorten every pause by about 60 ms.
    loudness = frames.edge_loudness_dbfs
    loud = loudness >= speech_threshold_dbfs(loudness, frames.voiced, thresholds, step_s=frames.step_s)
    # Hysteresis: each loud run reaches out while the level stays above the edge threshold.
    above_edge = loudness >= edge_threshold_dbfs(loudness, frames.voiced, thresholds, step_s=frames.step_s)
    # Voiced frames above the edge are speech too: a quiet word in a noisy
    # room is still periodic, the room is not.
    core = loud | (frames.voiced & above_edge)
    active = np.zeros_like(loud)
    for start, stop in _runs(above_edge):
        if core[start:stop].any():
            active[start:stop] = True
    bridge = int(round(thresholds.min_pause_s / step))
    voiced = frames.voiced

    def bridged(mask: np.ndarray) -> np.ndarray:
        out = mask.copy()
        runs = _runs(mask)
        for (_, stop), (start, _) in pairwise(runs):
            if start - stop < bridge:
                out[stop:start] = True
        return out

    # Bridge first so a word's voicing counts for the whole word, then drop
    # stretches without enough voice (clicks, fans), then bridge again.
    merged = bridged(active)
    min_voiced = int(round(thresholds.min_voiced_s / step))
    kept = np.zeros_like(merged)
    for start, stop in _runs(merged):
        if np.count_nonzero(voiced[start:stop] & active[start:stop]) >= max(1, min_voiced):
            kept[start:stop] = True
    kept = bridged(kept)
    origin = frames.times_s[0] - step / 2
    return tuple(TimeSpan(origin + start * step, origin + stop * step) for start, stop in _runs(kept))


def pauses_between(speech: tuple[TimeSpan, ...]) -> tuple[TimeSpan, ...]:
    """The silences between consecutive stretches of speech."""
    return tuple(TimeSpan(a.end_s, b.start_s) for a, b in pairwise(speech))
