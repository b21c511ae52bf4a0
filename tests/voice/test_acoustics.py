"""Tests for kiosk.voice.acoustics: the frame measurements every voice stage reads.

Each test builds a signal whose truth is known by construction (a harmonic
tone of a given pitch, a sine of a given RMS, digital silence, a clipped
stretch) and checks what ``measure_frames`` reports for it.
"""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.calibration import load_voice_calibration
from kiosk.capture import AudioTrack
from kiosk.errors import MediaError
from kiosk.voice.acoustics import (
    PRAAT_DB_AT_FULL_SCALE,
    SILENCE_DBFS,
    measure_frames,
    semitones_re_100hz,
    validate_audio,
)

RATE = 16_000
CAL = load_voice_calibration()


def harmonic(f0_hz: float, seconds: float, *, rms: float = 0.2, harmonics: int = 10) -> np.ndarray:
    """A voice-like tone: ``harmonics`` partials of ``f0_hz`` with 1/k amplitudes, at ``rms``."""
    t = np.arange(int(round(seconds * RATE))) / RATE
    x = sum(np.sin(2 * np.pi * k * f0_hz * t) / k for k in range(1, harmonics + 1))
    return rms * x / np.sqrt(np.mean(x**2))


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(round(seconds * RATE)))


def track(samples: np.ndarray, start_s: float = 0.0) -> AudioTrack:
    return AudioTrack(samples=np.asarray(samples, dtype=np.float32), sample_rate_hz=RATE, start_s=start_s)


def frames_between(frames, start_s: float, end_s: float) -> np.ndarray:
    return (frames.times_s >= start_s) & (frames.times_s <= end_s)


# --- the frame grid ------------------------------------------------------------------------------


def test_one_frame_every_step_centred_in_its_step() -> None:
    frames = measure_frames(track(harmonic(150, 1.0)), CAL)
    assert frames.step_s == CAL.frame_step_s == 0.01
    assert len(frames) == 100
    np.testing.assert_allclose(frames.times_s, (np.arange(100) + 0.5) * 0.01)
    for name in ("loudness_dbfs", "f0_hz", "spectral_change_db", "clipped"):
        assert getattr(frames, name).shape == (100,), name


def test_times_are_on_the_take_axis_from_start_s() -> None:
    samples = np.concatenate([silence(0.2), harmonic(150, 0.5), silence(0.2)])
    at_zero = measure_frames(track(samples, 0.0), CAL)
    at_two = measure_frames(track(samples, 2.0), CAL)
    np.testing.assert_allclose(at_two.times_s, at_zero.times_s + 2.0)
    # The same sound, so the same measurements (to within a tenth of a dB).
    np.testing.assert_allclose(at_two.loudness_dbfs, at_zero.loudness_dbfs, atol=0.2)
    assert at_two.index_at(2.355) == at_zero.index_at(0.355) == 35
    # The tone is found where it is on the take's axis: 2.2 s to 2.7 s.
    voiced = at_two.times_s[at_two.voiced]
    assert voiced.min() == pytest.approx(2.2, abs=0.04)
    assert voiced.max() == pytest.approx(2.7, abs=0.04)


def test_the_pitch_track_does_not_depend_on_start_s() -> None:
    t = np.arange(int(0.5 * RATE)) / RATE
    glide = 0.2 * np.sin(2 * np.pi * 150 * (1 + 0.93 * t) * t)  # 150 -> ~290 Hz
    samples = np.concatenate([silence(0.2), glide, silence(0.2)])
    at_zero = measure_frames(track(samples, 0.0), CAL)
    at_half = measure_frames(track(samples, 0.5), CAL)
    np.testing.assert_allclose(at_half.f0_hz, at_zero.f0_hz, rtol=1e-3)


def test_index_at_clamps_to_the_take() -> None:
    frames = measure_frames(track(harmonic(150, 0.5), start_s=1.0), CAL)
    assert frames.index_at(0.0) == 0
    assert frames.index_at(1.0) == 0
    assert frames.index_at(1.015) == 1
    assert frames.index_at(99.0) == len(frames) - 1


# --- pitch ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("f0_hz", [100.0, 150.0, 220.0])
def test_pitch_of_a_harmonic_tone_within_one_percent(f0_hz: float) -> None:
    frames = measure_frames(track(harmonic(f0_hz, 0.6)), CAL)
    middle = frames_between(frames, 0.1, 0.5)
    assert frames.voiced[middle].all()
    np.testing.assert_allclose(frames.f0_hz[middle], f0_hz, rtol=0.01)


def test_pitch_in_semitones_re_100_hz() -> None:
    np.testing.assert_allclose(semitones_re_100hz(np.array([100.0, 200.0, 50.0])), [0.0, 12.0, -12.0])
    assert np.isnan(semitones_re_100hz(np.nan))
    frames = measure_frames(track(harmonic(200, 0.5)), CAL)
    middle = frames_between(frames, 0.1, 0.4)
    np.testing.assert_allclose(frames.pitch_st[middle], 12.0, atol=0.1)


def test_tone_between_silences_is_voiced_only_where_it_sounds() -> None:
    samples = np.concatenate([silence(0.3), harmonic(150, 0.4), silence(0.3)])
    frames = measure_frames(track(samples), CAL)
    assert frames.voiced[frames_between(frames, 0.35, 0.65)].all()
    assert not frames.voiced[frames_between(frames, 0.0, 0.25)].any()
    assert not frames.voiced[frames_between(frames, 0.75, 1.0)].any()


def test_white_noise_has_no_pitch() -> None:
    noise = np.random.default_rng(0).normal(0.0, 0.1, RATE)
    frames = measure_frames(track(noise), CAL)
    assert frames.voiced.mean() < 0.05


# --- loudness ------------------------------------------------------------------------------------


def test_loudness_of_a_sine_at_rms_0_1_is_minus_20_dbfs() -> None:
    t = np.arange(RATE) / RATE
    sine = 0.1 * np.sqrt(2) * np.sin(2 * np.pi * 440 * t)
    frames = measure_frames(track(sine), CAL)
    middle = frames_between(frames, 0.1, 0.9)
    np.testing.assert_allclose(frames.loudness_dbfs[middle], -20.0, atol=1.0)


def test_loudness_follows_the_level_in_db() -> None:
    quiet = measure_frames(track(harmonic(150, 0.5, rms=0.01)), CAL)
    loud = measure_frames(track(harmonic(150, 0.5, rms=0.1)), CAL)
    middle = frames_between(quiet, 0.1, 0.4)
    difference = np.median(loud.loudness_dbfs[middle]) - np.median(quiet.loudness_dbfs[middle])
    assert difference == pytest.approx(20.0, abs=0.5)


def test_full_scale_constant_in_praat_units() -> None:
    assert PRAAT_DB_AT_FULL_SCALE == pytest.approx(93.98, abs=0.01)


def test_digital_silence_is_silence_dbfs_without_pitch() -> None:
    frames = measure_frames(track(silence(1.0)), CAL)
    assert len(frames) == 100
    assert (frames.loudness_dbfs == SILENCE_DBFS).all()
    assert np.isnan(frames.f0_hz).all()
    assert not frames.clipped.any()


# --- spectral change -----------------------------------------------------------------------------


def test_spectral_change_is_small_in_a_steady_tone_and_jumps_where_the_sound_changes() -> None:
    rng = np.random.default_rng(1)
    samples = np.concatenate([harmonic(150, 0.5), rng.normal(0.0, 0.2, RATE // 2)])
    frames = measure_frames(track(samples), CAL)
    assert frames.spectral_change_db[0] == 0.0
    steady = frames_between(frames, 0.1, 0.45)
    assert frames.spectral_change_db[steady].mean() < 1.0
    change = frames_between(frames, 0.49, 0.52)
    assert frames.spectral_change_db[change].max() > 10.0
    # Noise changes from frame to frame: far from steady.
    assert frames.spectral_change_db[frames_between(frames, 0.6, 0.9)].mean() > 4.0


def test_spectral_change_ignores_overall_level() -> None:
    samples = np.concatenate([harmonic(150, 0.3, rms=0.02), harmonic(150, 0.3, rms=0.2)])
    frames = measure_frames(track(samples), CAL)
    after_step = frames_between(frames, 0.33, 0.55)
    assert frames.spectral_change_db[after_step].max() < 1.0


# --- clipping ------------------------------------------------------------------------------------


def test_clipped_frames_only_where_the_signal_was_clipped() -> None:
    t = np.arange(int(0.8 * RATE)) / RATE
    samples = 0.5 * np.sin(2 * np.pi * 200 * t)
    hot = slice(int(0.3 * RATE), int(0.5 * RATE))
    samples[hot] = np.clip(4.0 * samples[hot], -1.0, 1.0)  # overdriven: flat tops at the rails
    frames = measure_frames(track(samples), CAL)
    assert frames.clipped[frames_between(frames, 0.31, 0.49)].all()
    outside = (frames.times_s < 0.3 - CAL.frame_step_s) | (frames.times_s > 0.5 + CAL.frame_step_s)
    assert not frames.clipped[outside].any()


def test_single_full_scale_samples_are_not_clipping() -> None:
    t = np.arange(int(0.8 * RATE)) / RATE
    samples = 0.5 * np.sin(2 * np.pi * 200 * t)
    samples[4000] = 1.0  # one sample at the rail
    samples[6000:6002] = -1.0  # two: shorter than min_clipped_run_samples (3)
    assert CAL.tone.min_clipped_run_samples == 3
    assert not measure_frames(track(samples), CAL).clipped.any()


# --- malformed and short input -------------------------------------------------------------------


def test_validate_audio_rejects_two_dimensional_samples_naming_the_shape() -> None:
    stereo = AudioTrack(samples=np.zeros((1600, 2), dtype=np.float32), sample_rate_hz=RATE, start_s=0.0)
    with pytest.raises(MediaError, match=r"\(1600, 2\)"):
        validate_audio(stereo)
    with pytest.raises(MediaError, match=r"\(1600, 2\)"):
        measure_frames(stereo, CAL)


def test_validate_audio_rejects_non_finite_samples_and_bad_rates() -> None:
    samples = harmonic(150, 0.1).astype(np.float32)
    samples[10] = np.nan
    with pytest.raises(MediaError, match="NaN"):
        validate_audio(track(samples))
    with pytest.raises(MediaError, match="sample rate"):
        validate_audio(AudioTrack(samples=np.zeros(160, dtype=np.float32), sample_rate_hz=0, start_s=0.0))
    validate_audio(track(harmonic(150, 0.1)))  # a good track passes


@pytest.mark.parametrize("sample_count", [0, 1, 160, 320, 479, 480, 800])
def test_very_short_audio_does_not_raise(sample_count: int) -> None:
    t = np.arange(sample_count) / RATE
    frames = measure_frames(track(0.3 * np.sin(2 * np.pi * 150 * t)), CAL)
    assert len(frames) == int(sample_count / RATE / CAL.frame_step_s)
    assert frames.loudness_dbfs.shape == frames.f0_hz.shape == frames.clipped.shape == (len(frames),)
    if sample_count < 480:  # under 30 ms: no measurement at all
        assert (frames.loudness_dbfs == SILENCE_DBFS).all()
        assert np.isnan(frames.f0_hz).all()


def test_a_long_take_is_measured_in_blocks_with_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    import kiosk.voice.acoustics as acoustics

    rng = np.random.default_rng(7)
    samples = (0.1 * rng.standard_normal(RATE * 12)).astype(np.float32)  # 1200 frames
    monkeypatch.setattr(acoustics, "_BLOCK_FRAMES", 500)
    blocks = measure_frames(track(samples), CAL)
    monkeypatch.setattr(acoustics, "_BLOCK_FRAMES", 100_000)
    whole = measure_frames(track(samples), CAL)
    np.testing.assert_allclose(blocks.spectral_change_db, whole.spectral_change_db, atol=1e-4)
    np.testing.assert_allclose(blocks.edge_loudness_dbfs, whole.edge_loudness_dbfs, atol=1e-4)
    assert blocks.spectral_change_db[0] == 0.0 and np.all(blocks.spectral_change_db[1:] > 0)


def test_every_whole_frame_of_the_take_is_measured() -> None:
    for seconds in (0.29, 0.47, 1.0):
        frames = measure_frames(track(np.zeros(int(round(seconds * RATE)), dtype=np.float32)), CAL)
        assert len(frames) == int(round(seconds * 100))
