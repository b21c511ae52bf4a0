"""Per-frame acoustics of a take's audio: loudness, pitch, spectral change, clipping.

Pitch and intensity come from Praat (through praat-parselmouth): its
autocorrelation pitch tracker is the reference the kiosk is checked against
and was the most accurate and fast enough (see ``kiosk bench voice``).
Everything is sampled on one grid of frames, ``frame_step_s`` apart, with
times in seconds from the start of the take.

Every measurement except clipping is made on the output of the voice
front-end, :func:`front_end`: a zero-phase Butterworth high-pass that removes
DC, rumble and mains hum below ``high_pass_hz`` (rumble 20 dB above the voice
otherwise sets the take's loudness peak, hides the speech and gives the
pitch tracker a "voice" at the hum). Clipping is read from the samples as
recorded, where the rails are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import parselmouth
from scipy import signal

from kiosk.calibration import VoiceCalibration
from kiosk.capture import AudioTrack
from kiosk.errors import MediaError

#: Praat reads samples as pascals; its intensity is dB re 20 uPa. An RMS of
#: 1.0 (full scale) is therefore 20*log10(1/2e-5) = 93.98 dB in Praat.
PRAAT_DB_AT_FULL_SCALE = 20.0 * np.log10(1.0 / 2e-5)
#: Loudness reported for digital silence (dBFS), instead of minus infinity.
SILENCE_DBFS = -120.0
#: Frames per block in the short-window analysis (bounds memory on long takes).
_BLOCK_FRAMES = 4096
#: Spectral-change analysis window: 25 ms, the usual speech frame.
_SPECTRUM_WINDOW_S = 0.025
#: Spectral change is compared over the band that carries vowel formants.
_SPECTRUM_BAND_HZ = (100.0, 4000.0)


@dataclass(frozen=True)
class VoiceFrames:
    """Frame-by-frame measurements of a take's audio.

    Attributes:
        times_s: (n,) frame centres, seconds from the start of the take.
        loudness_dbfs: (n,) RMS level in dB re full scale (Praat intensity, whose
            window is 3.2 / pitch floor long: smooth, for levels and syllables).
        edge_loudness_dbfs: (n,) RMS level over 25 ms around the frame centre,
            dBFS: sharp enough in time to find where speech starts and stops.
        f0_hz: (n,) fundamental frequency in Hz, NaN where unvoiced.
        spectral_change_db: (n,) mean absolute change of the log spectrum from
            the previous frame, dB (0 for the first frame).
        clipped: (n,) True where the frame holds a run of clipped samples.
        step_s: spacing of the frames in seconds.
    """

    times_s: np.ndarray
    loudness_dbfs: np.ndarray
    edge_loudness_dbfs: np.ndarray
    f0_hz: np.ndarray
    spectral_change_db: np.ndarray
    clipped: np.ndarray
    step_s: float

    @property
    def voiced(self) -> np.ndarray:
        """(n,) True where a pitch was found."""
        return ~np.isnan(self.f0_hz)

    @property
    def pitch_st(self) -> np.ndarray:
        """(n,) pitch in semitones re 100 Hz, NaN where unvoiced."""
        return semitones_re_100hz(self.f0_hz)

    def __len__(self) -> int:
        return len(self.times_s)

    def index_at(self, time_s: float) -> int:
        """The frame covering ``time_s`` (clamped to the take)."""
        if len(self.times_s) == 0:
            return 0
        start = self.times_s[0] - self.step_s / 2
        return int(np.clip(np.floor((time_s - start) / self.step_s), 0, len(self.times_s) - 1))


def semitones_re_100hz(f0_hz: np.ndarray | float) -> np.ndarray:
    """Pitch in semitones relative to 100 Hz (NaN stays NaN)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return 12.0 * np.log2(np.asarray(f0_hz, dtype=float) / 100.0)


def validate_audio(audio: AudioTrack) -> None:
    """Raise if ``audio`` is not mono float samples this step can read.

    Raises:
        MediaError: samples not 1-D, not finite, or a non-positive sample rate.
    """
    samples = audio.samples
    if samples.ndim != 1:
        raise MediaError(f"Invalid shape for mono audio: ndim={samples.ndim}, shape={samples.shape}; pass one channel.")
    if audio.sample_rate_hz <= 0:
        raise MediaError(f"Invalid audio sample rate {audio.sample_rate_hz} Hz.")
    if samples.size and not np.all(np.isfinite(samples)):
        raise MediaError("The audio holds NaN or infinite samples; re-record or re-export the take.")


def high_pass_sections(calibration: VoiceCalibration, sample_rate_hz: int) -> np.ndarray:
    """The front-end's Butterworth high-pass as second-order sections (scipy ``sos``)."""
    return np.asarray(
        signal.butter(
            int(calibration.high_pass_order),
            calibration.high_pass_hz,
            btype="highpass",
            fs=sample_rate_hz,
            output="sos",
        )
    )


def front_end(audio: AudioTrack, calibration: VoiceCalibration) -> AudioTrack:
    """The voice front-end: ``audio`` without DC and without energy below ``high_pass_hz``.

    A Butterworth high-pass of ``high_pass_order``, run forwards and
    backwards (``scipy.signal.sosfiltfilt``): zero phase, so no onset or
    pause moves in time. Every voice measure reads its output, so speech,
    pauses, pitch and the aligner see the same sound.

    Raises:
        MediaError: see :func:`validate_audio`.
    """
    validate_audio(audio)
    samples = audio.samples.astype(np.float64, copy=False)
    if len(samples) < 2:
        return audio
    sections = high_pass_sections(calibration, audio.sample_rate_hz)
    # The DC offset first (the filter would remove it too, but slowly at the ends).
    centred = samples - np.mean(samples)
    pad = min(len(samples) - 1, 3 * (2 * len(sections) + 1))
    filtered = signal.sosfiltfilt(sections, centred, padlen=pad)
    return AudioTrack(samples=filtered.astype(np.float32), sample_rate_hz=audio.sample_rate_hz, start_s=audio.start_s)


def measure_frames(
    audio: AudioTrack, calibration: VoiceCalibration, *, filtered: AudioTrack | None = None
) -> VoiceFrames:
    """Measure loudness, pitch, spectral change and clipping every ``frame_step_s``.

    Args:
        audio: mono samples in [-1, 1] on the take's time axis, as recorded.
        calibration: pitch range and frame step (``[voice]``), clip level (``[voice.tone]``).
        filtered: ``front_end(audio, calibration)`` if the caller has it already.

    Raises:
        MediaError: see :func:`validate_audio`.
    """
    validate_audio(audio)
    step = calibration.frame_step_s
    rate = audio.sample_rate_hz
    raw = audio.samples.astype(np.float64, copy=False)
    if filtered is None:
        filtered = front_end(audio, calibration)
    samples = filtered.samples.astype(np.float64, copy=False)
    count = len(samples) // max(1, round(step * rate))
    times = audio.start_s + (np.arange(count) + 0.5) * step
    if count < 3:
        empty = np.zeros(count)
        silent = empty + SILENCE_DBFS
        return VoiceFrames(times, silent, silent.copy(), empty + np.nan, empty, empty.astype(bool), step)

    sound = parselmouth.Sound(samples, sampling_frequency=rate, start_time=audio.start_s)
    loudness = _loudness_dbfs(sound, times, calibration)
    f0 = _pitch_hz(sound, times, calibration)
    edge_loudness, change = _short_frames(samples, rate, times - audio.start_s)
    clipped = _clipped_frames(raw, rate, times - audio.start_s, step, calibration)
    return VoiceFrames(times, loudness, edge_loudness, f0, change, clipped, step)


def _track_position(xs: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each of ``times``: the Praat frame before it, the weight of the
    frame after it (0-1), and whether it lies within the track."""
    step = xs[1] - xs[0]
    position = (times - xs[0]) / step
    inside = (position >= -0.5) & (position <= len(xs) - 0.5)
    # Before the first frame or after the last, the end frame alone decides.
    below = np.clip(np.floor(position).astype(int), 0, len(xs) - 2)
    weight = np.clip(position - below, 0.0, 1.0)
    return below, weight, inside


def _interpolate(xs: np.ndarray, values: np.ndarray, times: np.ndarray, fill: float) -> np.ndarray:
    """Sample a continuous Praat track (frame times ``xs``) at ``times``, linearly."""
    if len(xs) == 0:
        return np.full(len(times), fill)
    if len(xs) == 1:
        return np.full(len(times), values[0])
    out = np.interp(times, xs, values)
    _, _, inside = _track_position(xs, times)
    out[~inside] = fill
    return out


def _interpolate_pitch(xs: np.ndarray, f0: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Sample a Praat pitch track at ``times``: linear in log frequency
    between two voiced frames; where one neighbour is unvoiced, the nearer
    frame decides (at exactly half-way, both must be voiced)."""
    if len(xs) < 2:
        return np.full(len(times), f0[0] if len(xs) == 1 else np.nan)
    below, weight, inside = _track_position(xs, times)
    above = np.minimum(below + 1, len(xs) - 1)
    low, high = f0[below], f0[above]
    with np.errstate(invalid="ignore"):
        between = np.exp2((1 - weight) * np.log2(low) + weight * np.log2(high))
    nearer = np.where(weight < 0.5, low, high)
    # Half-way up to float noise (which depends on start_s) counts as a tie.
    tie = np.abs(weight - 0.5) < 1e-6
    out = np.where(np.isnan(low) | np.isnan(high), np.where(tie, np.nan, nearer), between)
    out[~inside] = np.nan
    return out


def _loudness_dbfs(sound: parselmouth.Sound, times: np.ndarray, calibration: VoiceCalibration) -> np.ndarray:
    try:
        intensity = sound.to_intensity(minimum_pitch=calibration.pitch_floor_hz, time_step=calibration.frame_step_s)
    except parselmouth.PraatError:
        # Shorter than Praat's analysis window (about 3/floor seconds).
        return np.full(len(times), SILENCE_DBFS)
    values = intensity.values[0] - PRAAT_DB_AT_FULL_SCALE
    values = np.maximum(values, SILENCE_DBFS)
    xs = np.asarray(intensity.xs())
    if len(xs) == 0:
        return np.full(len(times), SILENCE_DBFS)
    # Praat's first and last intensity frames sit half a window in from the
    # ends; the frames outside take the nearest value (np.interp's edges).
    return np.interp(times, xs, values)


def _pitch_hz(sound: parselmouth.Sound, times: np.ndarray, calibration: VoiceCalibration) -> np.ndarray:
    try:
        pitch = sound.to_pitch_ac(
            time_step=calibration.frame_step_s,
            pitch_floor=calibration.pitch_floor_hz,
            pitch_ceiling=calibration.pitch_ceiling_hz,
        )
    except parselmouth.PraatError:
        return np.full(len(times), np.nan)
    track = pitch.selected_array
    f0 = track["frequency"].astype(float)
    # Praat's own voicing decision, with its strength held to the profile's
    # floor: whispered or breathy noise otherwise passes with a spurious pitch.
    f0[(f0 <= 0) | (track["strength"] < calibration.min_voicing_strength)] = np.nan
    return _interpolate_pitch(np.asarray(pitch.xs()), f0, times)


def _short_frames(samples: np.ndarray, rate: int, centres_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Over 25 ms around each centre: the RMS level (dBFS) and the mean
    |change| of the band-limited log spectrum from the previous frame (dB).

    Worked through in blocks of frames, in float32, so a long take does not
    hold every frame's spectrum at once.
    """
    window = int(round(_SPECTRUM_WINDOW_S * rate))
    n_fft = 1 << (window - 1).bit_length()
    padded = np.pad(samples.astype(np.float32), (window // 2, window))
    starts = np.clip(np.rint(centres_s * rate).astype(int), 0, len(samples))
    views = np.lib.stride_tricks.sliding_window_view(padded, window)
    taper = np.hanning(window).astype(np.float32)
    freqs = np.fft.rfftfreq(n_fft, 1.0 / rate)
    band = (freqs >= _SPECTRUM_BAND_HZ[0]) & (freqs <= min(_SPECTRUM_BAND_HZ[1], rate / 2))
    level = np.empty(len(starts))
    change = np.zeros(len(starts))
    previous = None
    for first in range(0, len(starts), _BLOCK_FRAMES):
        frames = views[starts[first : first + _BLOCK_FRAMES]]
        with np.errstate(divide="ignore"):
            level[first : first + len(frames)] = np.maximum(
                10.0 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1)), SILENCE_DBFS
            )
        spectrum = np.abs(np.fft.rfft(frames * taper, n=n_fft, axis=1))[:, band]
        shape = 20.0 * np.log10(spectrum + 1e-9)
        # Only the spectral shape matters, not how loud the frame is.
        shape -= shape.mean(axis=1, keepdims=True)
        if previous is not None:
            shape = np.vstack([previous, shape])
        differences = np.mean(np.abs(np.diff(shape, axis=0)), axis=1)
        offset = first if previous is not None else first + 1
        change[offset : offset + len(differences)] = differences
        previous = shape[-1:]
    return level, change


def _clipped_frames(
    samples: np.ndarray, rate: int, centres_s: np.ndarray, step: float, calibration: VoiceCalibration
) -> np.ndarray:
    tone = calibration.tone
    at_rails = np.abs(samples) >= tone.clip_level
    min_run = max(1, int(tone.min_clipped_run_samples))
    if not at_rails.any():
        return np.zeros(len(centres_s), dtype=bool)
    # Runs of consecutive samples at the rails, at least min_run long.
    run_ok = np.convolve(at_rails.astype(np.int32), np.ones(min_run, dtype=np.int32), mode="same") >= min_run
    clipped_samples = at_rails & run_ok
    half = int(round(step * rate / 2))
    cumulative = np.concatenate(([0], np.cumsum(clipped_samples)))
    centre = np.rint(centres_s * rate).astype(int)
    lo = np.clip(centre - half, 0, len(samples))
    hi = np.clip(centre + half, 0, len(samples))
    return (cumulative[hi] - cumulative[lo]) > 0
