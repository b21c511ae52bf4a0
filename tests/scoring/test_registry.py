"""The cue registry: every cue has its spec, its targets and its words, and one cue, "Flow", added through it.

A cue is added in four places: a member of ``kiosk.vocabulary.Cue``, its
spec and measure in ``kiosk/scoring/registry.py``, its targets in the
profile's ``[scoring.<setting>]`` tables, and its words in every strings
file. These tests fail when one of the four is missing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import SHARED_DATA

from kiosk.calibration import load_scoring_profile, load_voice_calibration
from kiosk.capture import AudioTrack, RecordingSource
from kiosk.i18n import LANGUAGES, load_strings
from kiosk.scoring import score_take, targets_for
from kiosk.scoring.live_cues import live_cues_for
from kiosk.scoring.registry import CUE_SPECS
from kiosk.vocabulary import Cue, Direction, LineKind, Setting
from kiosk.voice import analyse_voice, prepare_line, summarise_voice

sys.path.insert(0, str(Path(__file__).parents[1] / "voice"))
from speech_synth import read_wav, say_with_breaks, silent_gaps_s  # noqa: E402

CUE_WORDS = ("label", "meaning", "measured", "target", "low", "high", "strength")


def test_every_cue_has_one_spec_in_cue_order() -> None:
    assert list(CUE_SPECS) == list(Cue)
    for cue, spec in CUE_SPECS.items():
        assert spec.cue is cue and callable(spec.measure) and spec.unit and spec.measures
        assert spec.percent == (spec.unit == "share")


@pytest.mark.parametrize("setting", list(Setting))
def test_the_profile_has_targets_for_every_cue_its_setting_scores(setting: Setting) -> None:
    profile = load_scoring_profile()
    assert list(profile.targets[setting]) == [cue for cue in Cue if cue.scored_in(setting)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_cue_has_its_words_in_every_language(language: str) -> None:
    words = load_strings(language)["cues"]
    for cue in Cue:
        missing = [key for key in CUE_WORDS if not words.get(cue.value, {}).get(key)]
        assert not missing, f"[cues.{cue.value}] in {language} lacks {missing}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_live_cue_a_spec_names_has_its_words(language: str) -> None:
    words = load_strings(language)["live_cues"]
    for spec in CUE_SPECS.values():
        for live_cue in spec.live_cues.values():
            assert words.get(live_cue.value), f"[live_cues] {live_cue.value} missing in {language}"


def test_the_live_coach_follows_the_registry() -> None:
    assert live_cues_for("phone", LineKind.GREETING) == ("slower", "louder")
    assert live_cues_for("front_desk", LineKind.GREETING) == (
        "look_up",
        "arms_open",
        "stand_tall",
        "slower",
        "louder",
        "smile",
    )
    assert "sit_up" in live_cues_for("video_call", LineKind.DE_ESCALATION)
    assert "smile" not in live_cues_for("video_call", LineKind.DE_ESCALATION)


# -- "Flow": the longest pause inside the line, the cue added through the registry --------------------

PIECES = ["Good evening and welcome", "your room is ready", "breakfast is served until ten"]
LINE = "Good evening and welcome. Your room is ready. Breakfast is served until ten."


def flow_of(audio: AudioTrack, line: str | None):
    """The "Flow" cue of a phone take's sound, scored against the default profile."""
    signals = analyse_voice(audio, prepare_line(line) if line else None, load_voice_calibration())
    summary = summarise_voice(signals, load_voice_calibration())
    profile = load_scoring_profile()
    scores = score_take(
        setting="phone",
        targets=targets_for(profile, "phone"),
        profile=profile,
        body_timeline=None,
        body_summary=None,
        voice=signals,
        voice_summary=summary,
    )
    return scores.cue(Cue.LONGEST_PAUSE), summary


def audio_of(path: Path) -> AudioTrack:
    with RecordingSource(path) as source:
        audio = source.audio()
    assert audio is not None
    return audio


def scored_with_breaks(breaks_ms: list[int]):
    path = say_with_breaks(PIECES, breaks_ms, rate_wpm=160)
    samples, rate = read_wav(path)
    flow, _ = flow_of(audio_of(path), LINE)
    return flow, silent_gaps_s(samples, rate, min_s=0.2)


def test_a_short_breath_between_sentences_keeps_the_flow_in_band() -> None:
    flow, gaps = scored_with_breaks([400, 500])
    assert len(gaps) == 2
    assert flow.observed and flow.direction is Direction.IN_BAND and flow.score == 100.0
    assert flow.value == pytest.approx(max(end - start for start, end in gaps), abs=0.1)


def test_a_long_stall_mid_line_is_scored_down_and_the_tip_points_at_it() -> None:
    flow, gaps = scored_with_breaks([400, 2500])
    stall_start, stall_end = gaps[1]
    assert flow.value == pytest.approx(stall_end - stall_start, abs=0.1)
    assert flow.direction is Direction.HIGH and 40.0 < flow.score < 70.0  # 2.5 s: 1 s past the band of a 2 s tolerance
    assert flow.moment.start_s == pytest.approx(stall_start, abs=0.1)
    assert flow.moment.end_s == pytest.approx(stall_end, abs=0.1)


def test_real_read_speech_has_its_longest_pause_measured() -> None:
    """JFK's inaugural sentence, read with its commas: a speech's pauses, measured as the voice step finds them."""
    flow, summary = flow_of(audio_of(SHARED_DATA / "whisper" / "jfk.flac"), None)
    assert flow.observed and flow.value == pytest.approx(summary.longest_pause_s)
    assert 0.25 <= flow.value <= 2.0
