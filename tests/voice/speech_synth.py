"""Synthetic speech for the voice tests: espeak-ng, generated at test time.

espeak-ng (``/usr/bin/espeak-ng``, voice ``en-us``) says a line at a chosen
rate into a WAV file (22.05 kHz mono 16-bit) in a temporary folder made once
per test process and removed at exit. Each (text, rate, SSML) is generated
once and cached, so a test module can ask for the same take repeatedly.

espeak-ng writes *digital silence* (samples exactly 0) before, between and
after its speech, so the waveform itself is a reference the tests can
measure without the code under test: :func:`voiced_span_s` (first to last
sample above 1% of the peak) and :func:`silent_gaps_s` (runs of exact
zeros, e.g. an SSML ``<break>``).

The helpers here only generate and measure audio; they never call ``kiosk``.
"""

from __future__ import annotations

import atexit
import hashlib
import shutil
import subprocess
import tempfile
import wave
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

ESPEAK = shutil.which("espeak-ng") or "/usr/bin/espeak-ng"
VOICE = "en-us"


def espeak_available() -> bool:
    return Path(ESPEAK).is_file()


# The voice tests need espeak-ng; a missing one is a failed setup, never a
# skipped test (``./kiosk.sh test`` installs it).
if not espeak_available():
    raise RuntimeError("espeak-ng is not installed: apt-get install espeak-ng (./kiosk.sh test does this as root).")


@cache
def _folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="kiosk-speech-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def _name(*parts: object) -> str:
    return hashlib.sha1(repr(parts).encode()).hexdigest()[:16]


@cache
def _espeak(text: str, rate_wpm: int, ssml: bool, voice: str = VOICE, pitch: int = 50) -> Path:
    path = _folder() / f"espeak-{_name(text, rate_wpm, ssml, voice, pitch)}.wav"
    command = [ESPEAK, "-v", voice, "-s", str(rate_wpm), "-p", str(pitch), "-w", str(path)]
    if ssml:
        command.append("-m")
    command.append(text)
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    return path


def say(text: str, rate_wpm: int = 160) -> Path:
    """``text`` said by espeak-ng at ``rate_wpm`` (its ``-s``, words per minute)."""
    return _espeak(text, rate_wpm, False)


def say_ssml(ssml: str, rate_wpm: int = 160) -> Path:
    """An SSML document (``<speak>...</speak>``) said by espeak-ng (``-m``)."""
    return _espeak(ssml, rate_wpm, True)


def say_with_breaks(pieces: list[str], breaks_ms: list[int], rate_wpm: int = 160) -> Path:
    """``pieces`` said in turn with an SSML ``<break time="...ms"/>`` between each pair.

    ``len(breaks_ms) == len(pieces) - 1``. Write the pieces without
    punctuation at their ends, so espeak-ng adds no clause pause of its own
    next to the break.
    """
    assert len(breaks_ms) == len(pieces) - 1, "one break between each pair of pieces"
    body = escape(pieces[0])
    for pause, piece in zip(breaks_ms, pieces[1:], strict=True):
        body += f' <break time="{int(pause)}ms"/> {escape(piece)}'
    return say_ssml(f"<speak>{body}</speak>", rate_wpm)


def say_as(ssml: str, *, voice: str, rate_wpm: int, pitch: int = 50) -> Path:
    """An SSML document said by another espeak-ng voice (``"da+f3"``: Danish, female variant 3) and pitch (0-99)."""
    return _espeak(ssml, rate_wpm, True, voice, pitch)


def with_pink_noise(samples: np.ndarray, snr_db: float, *, seed: int) -> np.ndarray:
    """``samples`` with pink noise (Kellet's filter of white noise) ``snr_db`` below the speech's power.

    The speech's power is read over the samples above 1% of the peak (not the
    digital silence around it), as a room's noise is heard against a voice.
    """
    from scipy import signal

    rng = np.random.default_rng(seed)
    white = rng.standard_normal(len(samples) + 2000)
    pink = signal.lfilter(
        [0.049922035, -0.095993537, 0.050612699, -0.004408786], [1, -2.494956002, 2.017265875, -0.522189400], white
    )[2000:]
    speech = samples[np.abs(samples) > 0.01 * np.abs(samples).max()]
    power = float(np.mean(speech**2))
    pink *= np.sqrt(power / 10 ** (snr_db / 10) / float(np.mean(pink**2)))
    return samples + pink


def say_flat(text: str, rate_wpm: int = 160) -> Path:
    """``text`` with its pitch range flattened: SSML ``<prosody range="x-low">``."""
    return say_ssml(f'<speak><prosody range="x-low">{escape(text)}</prosody></speak>', rate_wpm)


# --- reading, writing and measuring WAV files -------------------------------------------------


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """(samples as float64 in [-1, 1], shape (n,) or (n, channels); sample rate) of a 16-bit WAV."""
    with wave.open(str(path), "rb") as w:
        assert w.getsampwidth() == 2, f"{path}: expected 16-bit samples"
        channels, rate = w.getnchannels(), w.getframerate()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768.0
    return (data.reshape(-1, channels) if channels > 1 else data), rate


def write_wav(path: Path, samples: np.ndarray, rate_hz: int) -> Path:
    """Write float samples in [-1, 1] (shape (n,) or (n, channels)) as a 16-bit PCM WAV."""
    samples = np.asarray(samples, dtype=np.float64)
    channels = 1 if samples.ndim == 1 else samples.shape[1]
    pcm = np.round(np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(int(rate_hz))
        w.writeframes(pcm.tobytes())
    return path


def derived_wav(tag: str, samples: np.ndarray, rate_hz: int) -> Path:
    """Write ``samples`` into the session folder under a name made from ``tag``."""
    return write_wav(_folder() / f"{_name(tag)}.wav", samples, rate_hz)


def resample(samples: np.ndarray, from_hz: int, to_hz: int) -> np.ndarray:
    """A mono signal resampled by FFmpeg's resampler (PyAV), band-limited."""
    import av

    pcm = np.round(np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int16).reshape(1, -1)
    frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
    frame.sample_rate = int(from_hz)
    resampler = av.AudioResampler(format="s16", layout="mono", rate=int(to_hz))
    chunks = [out.to_ndarray().reshape(-1) for out in (*resampler.resample(frame), *resampler.resample(None))]
    return np.concatenate(chunks).astype(np.float64) / 32768.0


def voiced_span_s(samples: np.ndarray, rate_hz: int, *, share_of_peak: float = 0.01) -> tuple[float, float]:
    """(first, last) time in seconds of a sample above ``share_of_peak`` of the peak magnitude."""
    magnitude = np.abs(samples if samples.ndim == 1 else samples.max(axis=1))
    loud = np.flatnonzero(magnitude > share_of_peak * magnitude.max())
    return float(loud[0] / rate_hz), float((loud[-1] + 1) / rate_hz)


def silent_gaps_s(samples: np.ndarray, rate_hz: int, *, min_s: float = 0.2) -> list[tuple[float, float]]:
    """(start, end) in seconds of each run of digital silence (exact zeros) of at least ``min_s``
    strictly inside the speech (leading and trailing silence excluded)."""
    silent = (samples if samples.ndim == 1 else np.abs(samples).max(axis=1)) == 0
    edges = np.flatnonzero(np.diff(np.concatenate(([0], silent.astype(np.int8), [0]))))
    gaps = []
    for start, stop in zip(edges[0::2], edges[1::2], strict=True):
        if start > 0 and stop < len(silent) and (stop - start) / rate_hz >= min_s:
            gaps.append((float(start / rate_hz), float(stop / rate_hz)))
    return gaps
