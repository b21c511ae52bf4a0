"""The scored report of a take: a localised, JSON-ready document (versioned schema).

Everything a trainee reads is in it, already in their language: the overall
score and its label, each cue's score with what it means, the tips tied to
moments and words of the take, strengths, and a timeline. The HTML report
(``kiosk.report.html``) and the app only lay it out.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Mapping
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from kiosk.errors import KioskError
from kiosk.scoring import CueScore, TakeScores
from kiosk.vision.summary import BodyTimeline
from kiosk.voice.signals import WORD_SAID, WORD_SKIPPED, VoiceSignals

SCHEMA_ID = "kiosk/take-report"
SCHEMA_VERSION = 1
#: Languages the report is written in (each has a strings file).
REPORT_LANGUAGES: tuple[str, ...] = ("en", "zh", "lt", "da")
#: Cues whose value is a share 0-1, shown as a percentage.
_SHARE_CUES = frozenset(
    {"eye_contact", "eye_contact_at_start", "smiling", "upright", "arms_open", "phrase_ends",
     "filled_pauses", "line_delivered"}
)
#: Decimals shown for the other cues' values.
_DECIMALS = {"smile_onset": 1, "pace": 0, "pace_syllables": 1, "pitch_variety": 1, "loudness": 0,
             "even_loudness": 1}
#: Most words of the line quoted in a tip.
_WORDS_IN_TIP = 6
#: Words quoted for a moment: those said from this long before it starts...
_QUOTE_LEAD_S = 0.25
#: ...to its end, or at least this long after its start (a moment may be an instant).
_QUOTE_MIN_SPAN_S = 0.5
#: Most points per timeline curve (the HTML stays small).
_CURVE_POINTS = 1000


class ReportLanguageError(KioskError):
    """The report cannot be written in the language asked for."""


class ScenarioLike(Protocol):
    id: str
    setting: str
    kind: str

    def text_in(self, language: str) -> str: ...

    def situation_in(self, language: str) -> str: ...


@cache
def load_strings(language: str) -> Mapping[str, Any]:
    """The report's words in ``language`` (read once per process).

    Raises:
        ReportLanguageError: a language without a strings file.
    """
    if language not in REPORT_LANGUAGES:
        raise ReportLanguageError(
            f"No report language {language!r}; choose one of {', '.join(REPORT_LANGUAGES)}."
        )
    text = resources.files("kiosk.report").joinpath("strings", f"{language}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _clock(seconds: float) -> str:
    whole = max(0, int(round(seconds)))
    return f"{whole // 60}:{whole % 60:02d}"


#: Languages written with a decimal comma.
_DECIMAL_COMMA = frozenset({"da", "lt"})


def _number(cue: str, value: float, language: str) -> str:
    text = f"{value:.0%}" if cue in _SHARE_CUES else f"{value:.{_DECIMALS.get(cue, 1)}f}"
    return text.replace(".", ",") if language in _DECIMAL_COMMA else text


def _words_at(voice: VoiceSignals | None, start_s: float, end_s: float) -> str:
    if voice is None or not voice.words:
        return ""
    said = [w for w in voice.words if w.status == WORD_SAID and w.start_s is not None and w.end_s is not None
            and w.end_s > start_s - _QUOTE_LEAD_S and w.start_s < max(end_s, start_s + _QUOTE_MIN_SPAN_S)]
    return " ".join(w.written for w in said[:_WORDS_IN_TIP])


def _cue_text(
    cue: CueScore, key: str, strings: Mapping[str, Any], voice: VoiceSignals | None, language: str
) -> str:
    template = strings["cues"][cue.cue][key]
    low, high = cue.target.band
    moment = cue.moment
    words = _words_at(voice, moment.start_s, moment.end_s) if moment else ""
    clause = strings["report"]["while_saying"].format(words=words) if words else ""
    prefix = ""
    if moment is not None and "{time}" not in template and "{words_clause}" not in template:
        # Tie the tip to its moment even where the sentence does not name it.
        prefix = strings["report"]["at_moment"].format(time=_clock(moment.start_s), words_clause=clause)
        if language != "zh":
            template = template[:1].lower() + template[1:]
    return prefix + template.format(
        time=_clock(moment.start_s if moment else 0.0),
        duration=_number("", moment.duration_s, language) if moment else "0",
        value=_number(cue.cue, cue.value, language) if cue.value is not None else "",
        low=_number(cue.cue, low, language),
        high=_number(cue.cue, high, language),
        words_clause=clause,
    )


def _tip_text(cue: CueScore, strings: Mapping[str, Any], voice: VoiceSignals | None, language: str) -> str:
    """The tip for a cue below full marks, in the words that fit what happened."""
    if cue.moment is None:  # a still image: no moment to point at
        words = strings["cues"][cue.cue]
        low, high = cue.target.band
        target = words["target"].format(low=_number(cue.cue, low, language), high=_number(cue.cue, high, language))
        return strings["report"]["still_tip"].format(label=words["label"], target=target)
    if cue.direction == "never":
        return strings["cues"][cue.cue]["never"]
    if cue.cue == "line_delivered" and cue.value == 0.0:
        return strings["cues"][cue.cue]["none"]
    return _cue_text(cue, cue.direction if cue.direction in ("low", "high") else "low", strings, voice, language)


def _strength_text(cue: CueScore, strings: Mapping[str, Any]) -> str:
    # Full marks on smiling with a band from 0 means the line wanted no smile.
    if cue.cue == "smiling" and cue.target.band[0] == 0.0:
        return strings["cues"][cue.cue]["strength_calm"]
    return strings["cues"][cue.cue]["strength"]


def _bands(timeline: BodyTimeline | None, strings: Mapping[str, Any]) -> list[dict[str, Any]]:
    if timeline is None or not timeline.frames:
        return []
    bands = []
    for name, field, wanted in (
        ("smiling", "smiling", 1.0),
        ("eye_contact", "eye_contact", 1.0),
        ("upright", "upright", 1.0),
        ("arms_open", "arms_crossed", 0.0),
    ):
        bands.append({
            "label": strings["timeline"][name],
            "episodes": [[e.start_s, e.end_s] for e in timeline.stretches_where(field, wanted)],
            "unknown": [[e.start_s, e.end_s] for e in timeline.stretches_where(field, np.nan)],
        })
    return bands


def _curve(label: str, times: np.ndarray, values: np.ndarray) -> dict[str, Any]:
    step = max(1, math.ceil(len(times) / _CURVE_POINTS))
    return {
        "label": label,
        "times_s": [round(float(t), 3) for t in times[::step]],
        "values": [None if not np.isfinite(v) else round(float(v), 2) for v in values[::step]],
    }


def take_report(
    scores: TakeScores,
    *,
    language: str,
    recording_name: str,
    duration_s: float,
    profile: str,
    scenario: ScenarioLike | None = None,
    body_timeline: BodyTimeline | None = None,
    voice: VoiceSignals | None = None,
    recorded: str | None = None,
) -> dict[str, Any]:
    """The report document for a scored take, in ``language``.

    Raises:
        ReportLanguageError: a language without a strings file.
    """
    strings = load_strings(language)
    cues = []
    for cue in scores.cues:
        words = strings["cues"][cue.cue]
        low, high = cue.target.band
        cues.append({
            "cue": cue.cue,
            "label": words["label"],
            "meaning": words["meaning"],
            "observed": cue.observed,
            "score": None if cue.score is None else int(round(cue.score)),
            "measured": None if cue.value is None else words["measured"].format(
                value=_number(cue.cue, cue.value, language)),
            "target": words["target"].format(low=_number(cue.cue, low, language),
                                             high=_number(cue.cue, high, language)),
            "why_not_observed": None if cue.reason is None else strings["reasons"][cue.reason],
        })
    tips = [
        {"cue": cue.cue, "time_s": round(cue.moment.start_s, 2) if cue.moment else 0.0,
         "text": _tip_text(cue, strings, voice, language)}
        for cue in scores.tips
    ]
    strengths = [{"cue": cue.cue, "text": _strength_text(cue, strings)} for cue in scores.strengths]
    timeline: dict[str, Any] = {
        "duration_s": round(duration_s, 3),
        "bands": _bands(body_timeline, strings),
        "curves": [],
        "words": [],
        "pauses": [],
        "markers": [{"time_s": tip["time_s"], "label": str(i + 1)} for i, tip in enumerate(tips)],
    }
    if voice is not None and len(voice.frames):
        timeline["curves"] = [
            _curve(strings["timeline"]["pitch"], voice.frames.times_s, voice.frames.pitch_st),
            _curve(strings["timeline"]["loudness"], voice.frames.times_s,
                   np.where(voice.frames.loudness_dbfs > -100.0, voice.frames.loudness_dbfs, np.nan)),
        ]
        timeline["words"] = [
            {"text": w.written, "start_s": w.start_s, "end_s": w.end_s, "status": w.status}
            for w in voice.words if w.start_s is not None or w.status == WORD_SKIPPED
        ]
        timeline["pauses"] = [[round(p.start_s, 3), round(p.end_s, 3)] for p in voice.pauses]
    return _clean({
        "schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "language": language,
        "strings": dict(strings["report"]),
        "scenario": None if scenario is None else {
            "id": scenario.id,
            "setting_label": strings["settings"][scenario.setting],
            "kind_label": strings["kinds"][scenario.kind],
            "situation": scenario.situation_in(language),
            "text": scenario.text_in(language),
        },
        "recording": {"name": recording_name, "duration_s": duration_s, "recorded": recorded},
        "profile": profile,
        "setting": scores.setting,
        "overall": {
            "score": None if scores.overall is None else int(round(scores.overall)),
            "label": strings["report"]["no_overall"] if scores.label is None else strings["labels"][scores.label],
        },
        "cues": cues,
        "tips": tips,
        "strengths": strengths,
        "timeline": timeline,
    })


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else round(value, 4)
    if isinstance(value, (np.floating, np.integer)):
        return _clean(value.item())
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


@lru_cache(maxsize=1)
def report_schema() -> dict[str, Any]:
    """The JSON Schema the report document follows."""
    text = resources.files("kiosk.report").joinpath("take_report.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def write_report_json(document: dict[str, Any], path: Path) -> None:
    """Write atomically: a crash never leaves half a file where the old one was."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(document, indent=1, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
    tmp.replace(path)
