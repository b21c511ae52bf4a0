"""Syllable nuclei, for a language-independent speaking rate (pure functions).

After de Jong & Wempe (2009), "Praat script to detect syllable nuclei and
measure speech rate automatically", Behavior Research Methods 41(2): a
nucleus is a peak of intensity inside speech, followed by a dip of at least
``min_dip_db`` before the next peak, where the voice has a pitch.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from kiosk.calibration import SyllableThresholds, VoiceActivityThresholds
from kiosk.timespan import TimeSpan
from kiosk.voice.acoustics import VoiceFrames
from kiosk.voice.activity import speech_threshold_dbfs


def syllable_nuclei_s(
    frames: VoiceFrames,
    speech: tuple[TimeSpan, ...],
    *,
    syllables: SyllableThresholds,
    activity: VoiceActivityThresholds,
) -> np.ndarray:
    """Times (seconds from the start of the take) of the syllable nuclei."""
    loudness = frames.loudness_dbfs
    if len(loudness) < 3 or not speech:
        return np.zeros(0)
    threshold = speech_threshold_dbfs(loudness, frames.voiced, activity, step_s=frames.step_s)
    rising = loudness[1:-1] > loudness[:-2]
    not_falling_after = loudness[1:-1] >= loudness[2:]
    peaks = np.flatnonzero(rising & not_falling_after & (loudness[1:-1] >= threshold)) + 1
    if len(peaks) == 0:
        return np.zeros(0)
    # The dip after each peak: the lowest point before the next peak (or the end).
    bounds = np.append(peaks, len(loudness))
    dips = np.array([loudness[a : b + 1 if b < len(loudness) else b].min() for a, b in pairwise(bounds)])
    kept = peaks[(loudness[peaks] - dips) >= syllables.min_dip_db]
    kept = kept[frames.voiced[kept]]
    times = frames.times_s[kept]
    inside = np.zeros(len(times), dtype=bool)
    for stretch in speech:
        inside |= (times >= stretch.start_s) & (times <= stretch.end_s)
    return times[inside]
