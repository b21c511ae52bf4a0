"""Tests for kiosk.voice.activity: where the trainee speaks and where they pause.

Speech is loud relative to the take's peak and the room's floor and holds
voicing; silences of at least ``min_pause_s`` (0.25 s) between stretches of
speech are pauses, shorter ones are bridged. Signals are built with a known
truth: harmonic tones ("voice"), digital silence, white noise, a click.
"""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.calibration import load_voice_calibration
from kiosk.capture import AudioTrack
from kiosk.timespan import TimeSpan
from kiosk.voice.acoustics import measure_frames
from kiosk.voice.activity import pauses_between, speech_stretches, speech_threshold_dbfs

RATE = 16_000
CAL = load_voice_calibration()
ACTIVITY = CAL.activity


def harmonic(f0_hz: float, seconds: float, *, rms: float = 0.2, harmonics: int = 10) -> np.ndarray:
    """A voice-like tone: ``harmonics`` partials of ``f0_hz`` with 1/k amplitudes, at ``rms``."""
    t = np.arange(int(round(seconds * RATE))) / RATE
    x = sum(np.sin(2 * np.pi * k * f0_hz * t) / k for k in range(1, harmonics + 1))
    return rms * x / np.sqrt(np.mean(x**2))


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(round(seconds * RATE)))


def speech_in(samples: np.ndarray, start_s: float = 0.0) -> tuple[TimeSpan, ...]:
    audio = AudioTrack(samples=np.asarray(samples, dtype=np.float32), sample_rate_hz=RATE, start_s=start_s)
    return speech_stretches(measure_frames(audio, CAL), ACTIVITY)


def tone_gap_tone(gap_s: float) -> np.ndarray:
    """0.2 s silence, 150 Hz for 0.5 s, ``gap_s`` of digital silence, 200 Hz for 0.5 s, 0.2 s silence."""
    return np.concatenate([silence(0.2), harmonic(150, 0.5), silence(gap_s), harmonic(200, 0.5), silence(0.2)])


def test_profile_pause_is_a_quarter_second() -> None:
    assert ACTIVITY.min_pause_s == 0.25


def test_tone_silence_tone_is_two_stretches_and_one_pause() -> None:
    speech = speech_in(tone_gap_tone(0.4))
    assert len(speech) == 2
    first, second = speech
    # Each stretch reaches ~30 ms beyond its tone (see the pause below).
    assert first.start_s == pytest.approx(0.2, abs=0.04)
    assert second.end_s == pytest.approx(1.6, abs=0.04)
    (pause,) = pauses_between(speech)
    assert pause == TimeSpan(first.end_s, second.start_s)
    # The pause lies inside the true silence (0.7 s to 1.1 s) and is at most
    # 70 ms short of it: Praat's intensity window (3.2 / 75 Hz = 43 ms) smears
    # each edge of the tones over about 30 ms above the silence threshold.
    assert 0.7 <= pause.start_s <= 0.74
    assert 1.06 <= pause.end_s <= 1.1
    assert 0.33 <= pause.duration_s <= 0.4


def test_pause_length_matches_the_silence_within_20_ms() -> None:
    (pause,) = pauses_between(speech_in(tone_gap_tone(0.4)))
    assert pause.duration_s == pytest.approx(0.4, abs=0.02)


@pytest.mark.parametrize("gap_s", [0.05, 0.15, 0.2])
def test_a_gap_shorter_than_a_pause_is_bridged(gap_s: float) -> None:
    speech = speech_in(tone_gap_tone(gap_s))
    assert len(speech) == 1
    assert pauses_between(speech) == ()
    assert speech[0].start_s == pytest.approx(0.2, abs=0.04)
    assert speech[0].end_s == pytest.approx(1.2 + gap_s, abs=0.04)


def test_a_long_silence_is_a_pause_of_about_its_length() -> None:
    (pause,) = pauses_between(speech_in(tone_gap_tone(1.0)))
    assert pause.duration_s == pytest.approx(1.0, abs=0.07)


def test_stretches_are_on_the_take_axis() -> None:
    at_zero = speech_in(tone_gap_tone(0.4))
    at_three = speech_in(tone_gap_tone(0.4), start_s=3.0)
    assert len(at_three) == 2
    for a, b in zip(at_zero, at_three, strict=True):
        assert b.start_s == pytest.approx(a.start_s + 3.0, abs=1e-6)
        assert b.end_s == pytest.approx(a.end_s + 3.0, abs=1e-6)


def test_white_noise_alone_is_not_speech() -> None:
    noise = np.random.default_rng(0).normal(0.0, 0.1, 2 * RATE)
    assert speech_in(noise) == ()


def test_a_click_is_not_speech() -> None:
    samples = silence(1.0)
    samples[8000:8080] = np.random.default_rng(0).normal(0.0, 0.5, 80)  # a 5 ms burst
    assert speech_in(samples) == ()


def test_a_short_voiced_blip_is_not_speech() -> None:
    # Voiced, but holds less voicing than min_voiced_s (0.08 s).
    assert ACTIVITY.min_voiced_s == pytest.approx(0.08)
    samples = np.concatenate([silence(0.5), harmonic(150, 0.04), silence(0.5)])
    assert speech_in(samples) == ()


def test_speech_under_constant_noise_20_db_below_is_found() -> None:
    clean = tone_gap_tone(0.4)
    noise = np.random.default_rng(2).normal(0.0, 1.0, len(clean))
    noise *= 0.2 / 10.0 / np.sqrt(np.mean(noise**2))  # tones at RMS 0.2, noise 20 dB below
    speech = speech_in(clean + noise)
    assert len(speech) == 2
    assert speech[0].start_s == pytest.approx(0.2, abs=0.03)
    assert speech[0].end_s == pytest.approx(0.7, abs=0.03)
    assert speech[1].start_s == pytest.approx(1.1, abs=0.03)
    assert speech[1].end_s == pytest.approx(1.6, abs=0.03)
    (pause,) = pauses_between(speech)
    assert pause.duration_s == pytest.approx(0.4, abs=0.04)


def test_a_muted_microphone_is_not_speech() -> None:
    # A voice at -70 dBFS: under min_speech_dbfs (-60) whatever the floor.
    assert speech_in(tone_gap_tone(0.4) * 10 ** (-56 / 20)) == ()


def test_speech_threshold_is_the_strictest_of_peak_floor_and_absolute_limits() -> None:
    audio = AudioTrack(samples=tone_gap_tone(0.4).astype(np.float32), sample_rate_hz=RATE, start_s=0.0)
    frames = measure_frames(audio, CAL)
    peak = float(np.quantile(frames.edge_loudness_dbfs, 0.99))
    threshold = speech_threshold_dbfs(frames.edge_loudness_dbfs, frames.voiced, ACTIVITY, step_s=frames.step_s)
    # Digital silence puts the floor at -120 dBFS, so the peak rule decides.
    assert threshold == pytest.approx(peak - ACTIVITY.silence_below_peak_db)


def test_nothing_to_measure_gives_no_speech_and_no_pauses() -> None:
    assert speech_in(np.zeros(0)) == ()
    assert speech_in(silence(1.0)) == ()
    assert pauses_between(()) == ()
    assert pauses_between((TimeSpan(0.0, 1.0),)) == ()


def test_pauses_are_the_gaps_between_consecutive_stretches() -> None:
    speech = (TimeSpan(0.0, 1.0), TimeSpan(1.5, 2.0), TimeSpan(3.0, 3.2))
    assert pauses_between(speech) == (TimeSpan(1.0, 1.5), TimeSpan(2.0, 3.0))
    assert TimeSpan(1.0, 1.5).duration_s == pytest.approx(0.5)
