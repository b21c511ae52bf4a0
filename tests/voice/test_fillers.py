"""Tests for kiosk.voice.fillers: filled pauses ("um", "uh", "er") found from the sound.

A filled pause is a held vowel: at least ``min_duration_s`` (0.3 s) of
(mostly) voicing whose pitch stays level or glides slowly and smoothly and
whose spectrum barely changes, inside speech and outside the aligned words
of the line.

The unit tests build speech-like audio with a known truth: "syllables" are
formant-shaped harmonic vowels, each with its own vowel quality and a pitch
glide, and the filled pause is one steady vowel between them. The last
tests run the whole voice step on the real recordings in ``shared/data`` (no
filled pause inside a reference-aligned word) and on an espeak-ng line with
a held neutral vowel inserted (found, in the right place).
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest
from conftest import SHARED_DATA

from kiosk.calibration import load_voice_calibration
from kiosk.capture import AudioTrack, RecordingSource
from kiosk.timespan import TimeSpan
from kiosk.voice import analyse_voice, prepare_line
from kiosk.voice.acoustics import measure_frames
from kiosk.voice.activity import speech_stretches
from kiosk.voice.fillers import filled_pauses

RATE = 16_000
CAL = load_voice_calibration()
FILLERS = CAL.fillers
#: Vowel formants (F1, F2, F3 in Hz) for the speech-like syllables: /i a o e æ/-ish.
SYLLABLE_VOWELS = [(300, 2300, 3000), (700, 1200, 2500), (500, 1000, 2400), (400, 1900, 2600), (650, 1700, 2500)]
#: The held filler vowel, a schwa-like "uh".
SCHWA = (550, 1100, 2450)
LEAD_S = 0.25
SYLLABLE_S = 0.2  # 0.16 s vowel + 0.04 s low-level gap
SIX_SYLLABLES_S = 6 * SYLLABLE_S


def vowel(
    f0_hz: float, seconds: float, formants: tuple[int, int, int], *, semitones: float = 0.0, rms: float = 0.2
) -> np.ndarray:
    """A harmonic source shaped by three formant resonances; pitch glides ``semitones``."""
    t = np.arange(int(round(seconds * RATE))) / RATE
    f = f0_hz * 2 ** (semitones / 12 * t / seconds)
    phase = 2 * np.pi * np.cumsum(f) / RATE
    x = np.zeros_like(t)
    for k in range(1, 40):
        partial = k * f
        weight = sum(1.0 / (1.0 + ((partial - formant) / 80.0) ** 2) for formant in formants) / np.sqrt(k)
        x += np.where(partial < RATE / 2 - 200, weight, 0.0) * np.sin(k * phase)
    return rms * x / np.sqrt(np.mean(x**2))


def syllables(count: int, seed: int, f0_hz: float = 140.0) -> np.ndarray:
    """Speech-like sound: ``count`` 0.16 s vowels of changing quality, each with a 2-4 st pitch
    glide, separated by 40 ms of faint noise."""
    rng = np.random.default_rng(seed)
    parts = []
    for i in range(count):
        start = f0_hz * 2 ** (rng.uniform(-3, 3) / 12)
        sweep = rng.choice([-1, 1]) * rng.uniform(2, 4)
        shaped = vowel(start, 0.16, SYLLABLE_VOWELS[i % 5], semitones=sweep) * np.sqrt(np.hanning(int(0.16 * RATE)))
        parts += [shaped, 0.01 * rng.normal(size=int(0.04 * RATE))]
    return np.concatenate(parts)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(round(seconds * RATE)))


def with_filler(middle: np.ndarray) -> np.ndarray:
    """Six syllables, ``middle`` (starting at 1.45 s), six more syllables; 0.25 s of silence around."""
    return np.concatenate([silence(LEAD_S), syllables(6, seed=0), middle, syllables(6, seed=1), silence(LEAD_S)])


FILLER_START_S = LEAD_S + SIX_SYLLABLES_S  # 1.45 s


def fillers_in(samples: np.ndarray, words: tuple[TimeSpan, ...] = ()) -> tuple[TimeSpan, ...]:
    audio = AudioTrack(samples=samples.astype(np.float32), sample_rate_hz=RATE, start_s=0.0)
    frames = measure_frames(audio, CAL)
    speech = speech_stretches(frames, CAL.activity)
    return filled_pauses(frames, speech, words, FILLERS)


# --- the profile ---------------------------------------------------------------------------------


# --- held vowels between speech ------------------------------------------------------------------


def test_a_steady_half_second_vowel_between_speech_is_one_filled_pause() -> None:
    (found,) = fillers_in(with_filler(vowel(120, 0.5, SCHWA)))
    assert found.start_s == pytest.approx(FILLER_START_S, abs=0.03)
    assert found.end_s == pytest.approx(FILLER_START_S + 0.5, abs=0.05)


def test_speech_like_syllables_alone_hold_no_filled_pause() -> None:
    assert fillers_in(with_filler(np.zeros(0))) == ()


def test_a_held_vowel_covered_by_an_aligned_word_is_not_a_filled_pause() -> None:
    word = TimeSpan(FILLER_START_S, FILLER_START_S + 0.5)  # e.g. a drawn-out "so"
    assert fillers_in(with_filler(vowel(120, 0.5, SCHWA)), words=(word,)) == ()


def test_a_filled_pause_may_touch_a_word_by_less_than_the_overlap_share() -> None:
    # A word ending 0.1 s into the 0.5 s vowel: 20% overlap, under max_word_overlap_share (30%).
    samples = with_filler(vowel(120, 0.5, SCHWA))
    touching = TimeSpan(FILLER_START_S - 0.4, FILLER_START_S + 0.1)
    assert len(fillers_in(samples, words=(touching,))) == 1
    covering = TimeSpan(FILLER_START_S - 0.4, FILLER_START_S + 0.25)  # 50% overlap
    assert fillers_in(samples, words=(covering,)) == ()


@pytest.mark.parametrize("seconds", [0.15, 0.2])
def test_a_held_vowel_shorter_than_min_duration_is_not_a_filled_pause(seconds: float) -> None:
    assert fillers_in(with_filler(vowel(120, seconds, SCHWA))) == ()


def test_a_vowel_gliding_8_semitones_in_half_a_second_is_not_a_filled_pause() -> None:
    assert fillers_in(with_filler(vowel(120, 0.5, SCHWA, semitones=-8.0))) == ()


def test_a_vowel_gliding_4_semitones_in_half_a_second_is_not_a_filled_pause() -> None:
    assert fillers_in(with_filler(vowel(120, 0.5, SCHWA, semitones=-4.0))) == ()


def test_held_unvoiced_noise_is_not_a_filled_pause() -> None:
    hiss = np.random.default_rng(3).normal(0.0, 0.05, int(0.5 * RATE))  # "shhh"
    assert fillers_in(with_filler(hiss)) == ()


def test_a_held_vowel_alone_outside_speech_is_not_a_filled_pause() -> None:
    audio = AudioTrack(samples=vowel(120, 0.6, SCHWA).astype(np.float32), sample_rate_hz=RATE, start_s=0.0)
    frames = measure_frames(audio, CAL)
    assert filled_pauses(frames, (), (), FILLERS) == ()
    assert len(filled_pauses(frames, speech_stretches(frames, CAL.activity), (), FILLERS)) == 1


def test_too_short_a_take_has_no_filled_pause() -> None:
    audio = AudioTrack(samples=vowel(120, 0.1, SCHWA).astype(np.float32), sample_rate_hz=RATE, start_s=0.0)
    frames = measure_frames(audio, CAL)
    assert filled_pauses(frames, speech_stretches(frames, CAL.activity), (), FILLERS) == ()


# --- real recordings: no filled pause inside a reference-aligned word ----------------------------

MEASURES = SHARED_DATA / "reference" / "speech_measures.csv"


def _transcribed_fixtures() -> list[tuple[str, str]]:
    if not MEASURES.is_file():
        return []
    with MEASURES.open(newline="") as f:
        rows = list(csv.DictReader(f))
    return [(r["file"], r["transcript"]) for r in rows if r["transcript"] and (SHARED_DATA / r["file"]).is_file()]


def _reference_words(relative: str) -> list[tuple[str, float, float]]:
    """Reference word timings: the LibriVox JSON next to the file, else ``align_words`` in the CSV."""
    timings = (SHARED_DATA / relative).with_suffix(".json")
    if timings.is_file():
        words = json.loads(timings.read_text())["w"]
        return [(w["t"], w["b"], w["b"] + w["d"]) for w in words if w["t"] != "<sil>"]
    with MEASURES.open(newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["file"] == relative)
    found = re.findall(r"(\S+)@([\d.]+)-([\d.]+)", row["align_words"])
    return [(word, float(start), float(end)) for word, start, end in found]


def _audio(path: Path) -> AudioTrack:
    with RecordingSource(path) as recording:
        audio = recording.audio()
    assert audio is not None
    return audio


def _inside_words(stretch: TimeSpan, words: list[tuple[str, float, float]]) -> list[str]:
    """The reference words that hold more than half of ``stretch``."""
    return [
        w for w, start, end in words if min(end, stretch.end_s) - max(start, stretch.start_s) > 0.5 * stretch.duration_s
    ]


@pytest.mark.parametrize(("relative", "transcript"), _transcribed_fixtures())
def test_no_filled_pause_inside_a_reference_word_of_a_read_line(
    shared_data: Path, relative: str, transcript: str
) -> None:
    words = _reference_words(relative)
    assert words, f"no reference word timings for {relative}"
    signals = analyse_voice(_audio(shared_data / relative), prepare_line(transcript), CAL)
    assert signals.aligned
    inside = {(round(f.start_s, 2), round(f.end_s, 2)): _inside_words(f, words) for f in signals.filled_pauses}
    assert not any(inside.values()), f"filled pauses inside reference words: {inside}"


@pytest.mark.parametrize(
    "relative",
    [
        f"pocketsphinx/librivox/sense_and_sensibility_01_austen_64kb-{n}.wav"
        for n in ("0870", "0880", "0890", "0920", "0930")
    ]
    + ["whisper/jfk.flac", "pocketsphinx/goforward.wav"],
)
def test_free_speech_of_read_sentences_holds_no_filled_pause(shared_data: Path, relative: str) -> None:
    # Without a line there are no words to rule stretches out: only the sound decides.
    # (The slow card names are the exception found: the held "-ven" of "seven" in
    # cards/003 and cards/005 passes for a filled pause without its line.)
    signals = analyse_voice(_audio(shared_data / relative), None, CAL)
    assert signals.speech
    assert signals.filled_pauses == ()


# --- espeak-ng: a held neutral vowel inserted in a line is found --------------------------------

LINE = "Good morning, how can I help you today?"


def _espeak(text: str, rate_wpm: int, path: Path) -> tuple[np.ndarray, int]:
    # The voice tests need espeak-ng: missing, it fails the test (./kiosk.sh test installs it).
    espeak = shutil.which("espeak-ng")
    assert espeak, "espeak-ng is not installed: apt-get install espeak-ng (./kiosk.sh test does this as root)."
    subprocess.run(
        [espeak, "-v", "en-us", "-s", str(rate_wpm), "-w", str(path), text], check=True, capture_output=True, timeout=60
    )
    with wave.open(str(path), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2"), w.getframerate()


def _first_inner_silence_end_s(samples: np.ndarray, rate: int) -> float:
    """End of the first run of digital silence (>= 50 ms) inside the speech: espeak-ng's
    clause pause after "Good morning,"."""
    zero = np.concatenate(([0], (samples == 0).astype(np.int8), [0]))
    edges = np.flatnonzero(np.diff(zero))
    for start, stop in zip(edges[0::2], edges[1::2], strict=True):
        if start > 0 and stop < len(samples) and stop - start >= 0.05 * rate:
            return stop / rate
    raise AssertionError("no clause pause in the espeak-ng audio")


@pytest.mark.parametrize("rate_wpm", [130, 175])
def test_a_held_schwa_inserted_in_a_line_is_found(tmp_path: Path, rate_wpm: int) -> None:
    # "[[@:@:@:@:@:@:]]" is espeak-ng phoneme input: a held neutral vowel (0.4-0.55 s),
    # said right after the clause pause of "Good morning," (which espeak-ng writes as zeros).
    path = tmp_path / "um.wav"
    samples, rate = _espeak("Good morning, [[@:@:@:@:@:@:]] how can I help you today?", rate_wpm, path)
    onset_s = _first_inner_silence_end_s(samples, rate)
    signals = analyse_voice(_audio(path), prepare_line(LINE), CAL)
    (found,) = signals.filled_pauses
    how = next(w for w in signals.words if w.written == "how")
    assert found.start_s == pytest.approx(onset_s, abs=0.04)
    assert found.duration_s >= 0.3
    assert found.end_s <= how.start_s + 0.03


@pytest.mark.parametrize("rate_wpm", [130, 175])
def test_the_same_line_without_the_filler_has_none(tmp_path: Path, rate_wpm: int) -> None:
    path = tmp_path / "line.wav"
    _espeak(LINE, rate_wpm, path)
    audio = _audio(path)
    assert analyse_voice(audio, prepare_line(LINE), CAL).filled_pauses == ()
    assert analyse_voice(audio, None, CAL).filled_pauses == ()
