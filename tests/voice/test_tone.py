"""Tests for kiosk.voice.tone: pitch spread, phrase-end movement, voice breaks, clipping.

Pitch contours are synthesised exactly (harmonic tones whose frequency
glides geometrically, i.e. linearly in semitones), so the expected movement
in semitones is known.
"""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.calibration import load_voice_calibration
from kiosk.capture import AudioTrack
from kiosk.timespan import TimeSpan
from kiosk.voice.acoustics import VoiceFrames, measure_frames
from kiosk.voice.activity import speech_stretches
from kiosk.voice.tone import (
    clipped_share,
    in_stretches,
    phrase_end_movement,
    pitch_spread_st,
    robust_spread,
    speech_loudness,
    voice_breaks_s,
)

RATE = 16_000
CAL = load_voice_calibration()
TONE = CAL.tone


def glide(f0_hz: float, seconds: float, semitones: float = 0.0, *, rms: float = 0.2) -> np.ndarray:
    """A voice-like tone (10 harmonics, 1/k) gliding ``semitones`` linearly in semitones."""
    t = np.arange(int(round(seconds * RATE))) / RATE
    f = f0_hz * 2 ** (semitones / 12 * t / seconds)
    phase = 2 * np.pi * np.cumsum(f) / RATE
    x = sum(np.sin(k * phase) / k for k in range(1, 11))
    return rms * x / np.sqrt(np.mean(x**2))


def step(f0_hz: float, to_hz: float, seconds_each: float = 0.3) -> np.ndarray:
    """A tone that jumps from ``f0_hz`` to ``to_hz`` halfway, with a continuous phase."""
    n = int(round(seconds_each * RATE))
    f = np.concatenate([np.full(n, f0_hz), np.full(n, to_hz)])
    phase = 2 * np.pi * np.cumsum(f) / RATE
    x = sum(np.sin(k * phase) / k for k in range(1, 11))
    return 0.2 * x / np.sqrt(np.mean(x**2))


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(round(seconds * RATE)))


def analyse(samples: np.ndarray) -> tuple[VoiceFrames, tuple[TimeSpan, ...]]:
    padded = np.concatenate([silence(0.2), samples, silence(0.2)])
    audio = AudioTrack(samples=padded.astype(np.float32), sample_rate_hz=RATE, start_s=0.0)
    frames = measure_frames(audio, CAL)
    return frames, speech_stretches(frames, CAL.activity)


def phrase_end_of(samples: np.ndarray):
    frames, speech = analyse(samples)
    assert len(speech) == 1
    return phrase_end_movement(frames, speech[0].end_s, speech[0].start_s, TONE)


# --- phrase ends ---------------------------------------------------------------------------------


def test_a_glide_falling_4_semitones_is_falling() -> None:
    end = phrase_end_of(glide(150, 0.4, -4.0))
    assert end.movement == "falling"
    # Measured as the median of the last third minus that of the first third
    # of the last 0.35 s: about 0.6 of the glide.
    assert -4.0 <= end.change_st <= -TONE.phrase_end_min_change_st


def test_a_glide_rising_4_semitones_is_rising() -> None:
    end = phrase_end_of(glide(150, 0.4, 4.0))
    assert end.movement == "rising"
    assert TONE.phrase_end_min_change_st <= end.change_st <= 4.0


@pytest.mark.parametrize("semitones", [0.0, 1.0, -1.0])
def test_a_flat_or_nearly_flat_end_is_level(semitones: float) -> None:
    end = phrase_end_of(glide(150, 0.4, semitones))
    assert end.movement == "level"
    assert abs(end.change_st) < TONE.phrase_end_min_change_st


def test_only_the_end_of_the_phrase_counts() -> None:
    # Rises 6 st over 0.5 s, then falls 6 st over the last 0.4 s: falling.
    end = phrase_end_of(np.concatenate([glide(120, 0.5, 6.0), glide(120 * 2**0.5, 0.4, -6.0)]))
    assert end.movement == "falling"


def test_too_little_voicing_is_unknown() -> None:
    # 30 ms of voice: fewer than 5 voiced frames.
    frames, _ = analyse(glide(150, 0.03))
    end = phrase_end_movement(frames, 0.5, 0.0, TONE)
    assert end.movement == "unknown"
    assert np.isnan(end.change_st)
    # Unvoiced sound (noise) only: unknown as well.
    frames, _ = analyse(np.random.default_rng(0).normal(0.0, 0.1, RATE // 2))
    assert phrase_end_movement(frames, 0.9, 0.0, TONE).movement == "unknown"


def test_phrase_end_keeps_the_end_time_it_was_asked_about() -> None:
    frames, _ = analyse(glide(150, 0.4, -4.0))
    assert phrase_end_movement(frames, 0.55, 0.1, TONE).end_s == 0.55


# --- pitch spread --------------------------------------------------------------------------------


def test_robust_spread_is_the_sd_of_normal_values() -> None:
    values = np.random.default_rng(0).normal(5.0, 2.0, 2000)
    assert robust_spread(values) == pytest.approx(2.0, rel=0.05)


def test_robust_spread_ignores_nan_and_a_few_octave_errors() -> None:
    rng = np.random.default_rng(1)
    values = rng.normal(0.0, 2.0, 1000)
    polluted = np.concatenate([values, np.full(300, np.nan), np.full(20, 12.0), np.full(20, -12.0)])
    assert robust_spread(polluted) == pytest.approx(robust_spread(values), rel=0.06)
    assert np.nanstd(polluted) > 1.4 * robust_spread(polluted)  # a plain SD is thrown off


def test_robust_spread_of_nothing_is_nan() -> None:
    assert np.isnan(robust_spread(np.array([])))
    assert np.isnan(robust_spread(np.array([np.nan, np.nan])))


def test_pitch_spread_of_a_flat_voice_is_near_zero() -> None:
    frames, speech = analyse(glide(150, 0.8))
    assert pitch_spread_st(frames, speech) < 0.1


def test_pitch_spread_of_an_even_octave_glide() -> None:
    # Uniform over 12 st: median absolute deviation 3 st, robust SD 1.4826 * 3 = 4.45 st.
    frames, speech = analyse(glide(150, 1.0, 12.0))
    assert pitch_spread_st(frames, speech) == pytest.approx(4.45, abs=0.3)


# --- voice breaks --------------------------------------------------------------------------------


@pytest.mark.parametrize(("from_hz", "to_hz"), [(150, 300), (300, 150), (200, 100)])
def test_an_abrupt_octave_jump_is_a_voice_break(from_hz: float, to_hz: float) -> None:
    frames, speech = analyse(step(from_hz, to_hz))
    breaks = voice_breaks_s(frames, speech, TONE)
    assert len(breaks) == 1
    assert breaks[0] == pytest.approx(0.5, abs=0.015)  # 0.2 s of lead-in + 0.3 s


def test_a_smooth_glide_of_3_semitones_is_not_a_break() -> None:
    # 3 st in 50 ms (steep for speech, but continuous), with steady stretches either side.
    samples = np.concatenate([glide(150, 0.3), glide(150, 0.05, 3.0), glide(150 * 2**0.25, 0.3)])
    frames, speech = analyse(samples)
    assert len(voice_breaks_s(frames, speech, TONE)) == 0


def test_jumps_outside_speech_are_not_breaks() -> None:
    frames, _ = analyse(step(150, 300))
    assert len(voice_breaks_s(frames, (), TONE)) == 0


def test_an_abrupt_jump_of_8_semitones_is_a_voice_break() -> None:
    frames, speech = analyse(step(150, 240))
    assert len(voice_breaks_s(frames, speech, TONE)) == 1


# --- clipping and loudness -----------------------------------------------------------------------


def test_clipped_share_is_the_share_of_speech_frames_with_clipping() -> None:
    t = np.arange(int(0.8 * RATE)) / RATE
    samples = 0.5 * np.sin(2 * np.pi * 200 * t)
    hot = slice(int(0.3 * RATE), int(0.5 * RATE))
    samples[hot] = np.clip(4.0 * samples[hot], -1.0, 1.0)  # 0.2 s of 0.8 s overdriven
    frames, speech = analyse(samples)
    assert len(speech) == 1
    assert clipped_share(frames, speech) == pytest.approx(0.25, abs=0.04)
    assert clipped_share(frames, ()) == 0.0


def test_clean_speech_has_no_clipping() -> None:
    frames, speech = analyse(glide(150, 0.5))
    assert clipped_share(frames, speech) == 0.0


def test_speech_loudness_is_the_voiced_speech_frames() -> None:
    frames, speech = analyse(glide(150, 0.5, rms=0.1))
    loudness = speech_loudness(frames, speech)
    assert len(loudness) >= 45
    assert np.median(loudness) == pytest.approx(-20.0, abs=1.0)
    assert len(speech_loudness(frames, ())) == 0


def test_in_stretches_is_half_open_on_frame_centres() -> None:
    frames, _ = analyse(glide(150, 0.5))
    mask = in_stretches(frames, (TimeSpan(0.1, 0.2), TimeSpan(0.5, 0.505)))
    np.testing.assert_allclose(
        frames.times_s[mask], [0.105, 0.115, 0.125, 0.135, 0.145, 0.155, 0.165, 0.175, 0.185, 0.195]
    )
    assert not in_stretches(frames, ()).any()
