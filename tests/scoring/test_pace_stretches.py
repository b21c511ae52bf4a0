"""The transcript's fast and slow stretches: each stretch of speech between pauses against the pace band.

Truth from two sources: espeak-ng reading one half of a line fast and the
other at its slowest, lengthened to 1/0.45 of its time (Praat's overlap-add:
the same words at 45% of the rate, the pitch kept), and the Montreal Forced
Aligner author's own "fast-rate reading" of a sentence (his label; tune split).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from kiosk.calibration import load_scoring_profile, load_voice_calibration
from kiosk.capture import AudioTrack, RecordingSource
from kiosk.scoring import score_take, targets_for
from kiosk.vocabulary import Direction
from kiosk.voice import analyse_voice, prepare_line, summarise_voice

sys.path.insert(0, str(Path(__file__).parents[1] / "voice"))
from speech_synth import derived_wav, read_wav, say, say_with_breaks  # noqa: E402

FAST_HALF = "the red fox has read many books"
SLOW_HALF = "but there is always more to read"


def scored(audio: AudioTrack, line: str):
    calibration = load_voice_calibration()
    profile = load_scoring_profile()
    voice = analyse_voice(audio, prepare_line(line), calibration)
    return score_take(
        setting="phone",
        targets=targets_for(profile, "phone", None),
        profile=profile,
        body_timeline=None,
        body_summary=None,
        voice=voice,
        voice_summary=summarise_voice(voice, calibration),
    )


def test_a_half_read_fast_and_a_half_read_slow_are_shaded_each_its_own_way() -> None:
    import parselmouth
    from parselmouth.praat import call

    fast, rate = read_wav(say(FAST_HALF, rate_wpm=330))
    slowest, slow_rate = read_wav(say(SLOW_HALF, rate_wpm=80))  # espeak-ng's floor: about 135 words a minute
    assert rate == slow_rate
    lengthened = call(parselmouth.Sound(slowest, sampling_frequency=rate), "Lengthen (overlap-add)", 75, 600, 1 / 0.45)
    slow = lengthened.values[0]
    gap = np.zeros(int(0.35 * rate))  # a pause between the halves: two stretches of speech
    with RecordingSource(derived_wav("fast-then-slow", np.concatenate([fast, gap, slow]), rate)) as source:
        audio = source.audio()
    assert audio is not None
    scores = scored(audio, f"{FAST_HALF} {SLOW_HALF}")
    low, high = scores.cue("pace").target.band
    directions = [(p.direction, p.value) for p in scores.pace_stretches]
    assert [d for d, _ in directions] == [Direction.HIGH, Direction.LOW], directions
    (fast_wpm, slow_wpm) = (v for _, v in directions)
    tolerance = scores.cue("pace").target.tolerance
    assert fast_wpm > high + tolerance and slow_wpm < low - tolerance
    first, second = scores.pace_stretches
    assert first.span.end_s <= len(fast) / rate + 0.1 and second.span.start_s >= (len(fast) + len(gap)) / rate - 0.1


def test_the_mfa_author_s_fast_reading_is_shaded_fast_and_never_slow() -> None:
    from kiosk.evaluation.manifest import read_manifest
    from kiosk.evaluation.media import resolve_media

    manifest = read_manifest(Path(__file__).parents[1] / "eval" / "speech.toml")
    take = next(t for t in manifest.takes if t.id == "mfa_docs_english_fast")
    assert take.split == "tune" and take.heard is not None
    with RecordingSource(resolve_media(take.media, manifest=manifest.path, take_id=take.id)) as source:
        audio = source.audio()
    assert audio is not None
    scores = scored(audio, take.heard.line or "")
    directions = {p.direction for p in scores.pace_stretches}
    assert directions == {Direction.HIGH}, scores.pace_stretches


def test_a_line_at_an_even_in_band_pace_with_breaks_is_not_shaded() -> None:
    # espeak-ng at 125: about 125 words a minute over the line, breaks included, on target; the
    # stretches' own rates wobble with their words' lengths (92 to 188), but none is clearly off.
    pieces = ["good evening and welcome", "to the harbour hotel tonight", "how can I help you today"]
    with RecordingSource(say_with_breaks(pieces, [700, 700], rate_wpm=125)) as source:
        audio = source.audio()
    assert audio is not None
    scores = scored(audio, " ".join(pieces))
    low, high = scores.cue("pace").target.band
    assert low <= (scores.cue("pace").value or 0.0) <= high, scores.cue("pace")
    assert scores.pace_stretches == ()
