"""Tests for kiosk.voice.syllables: syllable nuclei for a language-independent rate.

A nucleus (de Jong & Wempe 2009) is a voiced intensity peak inside speech
followed by a dip of at least ``min_dip_db`` (2 dB). Vowel-like bursts with
a known count stand in for syllables.
"""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.calibration import load_voice_calibration
from kiosk.capture import AudioTrack
from kiosk.timespan import TimeSpan
from kiosk.voice.acoustics import measure_frames
from kiosk.voice.activity import speech_stretches
from kiosk.voice.syllables import syllable_nuclei_s

RATE = 16_000
CAL = load_voice_calibration()
BURST_S = 0.12
GAP_S = 0.08
LEAD_S = 0.2


def harmonic(f0_hz: float, seconds: float, *, rms: float = 0.2, harmonics: int = 10) -> np.ndarray:
    """A voice-like tone: ``harmonics`` partials of ``f0_hz`` with 1/k amplitudes, at ``rms``."""
    t = np.arange(int(round(seconds * RATE))) / RATE
    x = sum(np.sin(2 * np.pi * k * f0_hz * t) / k for k in range(1, harmonics + 1))
    return rms * x / np.sqrt(np.mean(x**2))


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(round(seconds * RATE)))


def bursts(count: int, *, gap_level: float = 0.03, voiced: bool = True) -> np.ndarray:
    """``count`` 120 ms bursts (Hann-shaped 150 Hz vowels, or noise) with 80 ms low-level gaps
    (the same sound at ``gap_level`` of the burst amplitude, about -30 dB), 0.2 s silence around."""
    rng = np.random.default_rng(0)

    def sound(seconds: float) -> np.ndarray:
        return harmonic(150, seconds) if voiced else rng.normal(0.0, 0.2, int(round(seconds * RATE)))

    parts = [silence(LEAD_S)]
    for i in range(count):
        parts.append(sound(BURST_S) * np.hanning(int(round(BURST_S * RATE))))
        if i < count - 1:
            parts.append(gap_level * sound(GAP_S))
    parts.append(silence(LEAD_S))
    return np.concatenate(parts)


def nuclei(samples: np.ndarray, speech: tuple[TimeSpan, ...] | None = None) -> np.ndarray:
    audio = AudioTrack(samples=np.asarray(samples, dtype=np.float32), sample_rate_hz=RATE, start_s=0.0)
    frames = measure_frames(audio, CAL)
    if speech is None:
        speech = speech_stretches(frames, CAL.activity)
    return syllable_nuclei_s(frames, speech, syllables=CAL.syllables, activity=CAL.activity)


@pytest.mark.parametrize("count", [1, 3, 5, 8])
def test_one_nucleus_per_voiced_burst(count: int) -> None:
    found = nuclei(bursts(count))
    assert len(found) == count
    # Each nucleus lies inside its own burst, in time order.
    starts = LEAD_S + np.arange(count) * (BURST_S + GAP_S)
    assert np.all(found >= starts) and np.all(found <= starts + BURST_S)


def test_bursts_separated_by_silence_count_the_same() -> None:
    assert len(nuclei(bursts(5, gap_level=0.0))) == 5


def test_unvoiced_noise_bursts_have_no_nuclei() -> None:
    assert len(nuclei(bursts(5, voiced=False))) == 0


def test_a_steady_vowel_is_one_nucleus() -> None:
    samples = np.concatenate([silence(0.2), harmonic(150, 0.5), silence(0.2)])
    found = nuclei(samples)
    assert len(found) == 1
    assert 0.2 <= found[0] <= 0.7


@pytest.mark.parametrize(("dip_db", "expected"), [(1.0, 1), (3.0, 6)])
def test_peaks_count_only_when_the_dip_between_them_reaches_min_dip(dip_db: float, expected: int) -> None:
    # A 1 s vowel whose level swings dip_db five times a second: six maxima
    # (at 0, 0.2, ..., 1.0 s). A 1 dB dip is under min_dip_db (2 dB): one nucleus.
    assert CAL.syllables.min_dip_db == 2.0
    t = np.arange(int(1.0 * RATE)) / RATE
    swing = 10 ** ((-dip_db / 2 + dip_db / 2 * np.cos(2 * np.pi * 5 * t)) / 20)
    samples = np.concatenate([silence(0.2), harmonic(150, 1.0) * swing, silence(0.2)])
    assert len(nuclei(samples)) == expected


def test_nuclei_only_inside_speech() -> None:
    samples = bursts(5)
    assert len(nuclei(samples, speech=())) == 0
    # Only the first two bursts (0.2 s to 0.52 s) are given as speech.
    found = nuclei(samples, speech=(TimeSpan(0.2, 0.52),))
    assert len(found) == 2


def test_silence_has_no_nuclei() -> None:
    assert len(nuclei(silence(1.0))) == 0
    assert len(nuclei(np.zeros(0))) == 0
