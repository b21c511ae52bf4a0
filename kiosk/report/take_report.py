"""The scored report of a take: a localised document (:class:`~kiosk.report.document.TakeReport`).

Everything a trainee reads is in it, already in their language: the overall
score and its label, each cue's score with what it means, the tips tied to
moments and words of the take, strengths, and a timeline. The HTML report
(``kiosk.report.html``) and the app only lay it out; its JSON form follows a
versioned schema (``take_report.schema.json``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from kiosk.calibration import TraineeBaseline
from kiosk.i18n import load_strings
from kiosk.report.document import (
    SCHEMA_ID,
    SCHEMA_VERSION,
    Band,
    CueRow,
    Curve,
    Marker,
    MissingPart,
    Overall,
    PaceMark,
    Recording,
    ReportScenario,
    ReportTrainee,
    Strength,
    TakeReport,
    Timeline,
    TimelineWord,
    Tip,
)
from kiosk.report.view import clock, joined_words
from kiosk.scoring import CueScore, PaceStretch, TakeScores
from kiosk.scoring.registry import CUE_SPECS
from kiosk.timespan import TimeSpan
from kiosk.vision.summary import BodyTimeline
from kiosk.vocabulary import Cue, Direction, Language, Setting, WordStatus
from kiosk.voice.signals import VoiceSignals

__all__ = ["SCHEMA_ID", "SCHEMA_VERSION", "TakeReport", "report_schema", "take_report", "write_report_json"]
#: Most words of the line quoted in a tip.
_WORDS_IN_TIP = 6
#: Words quoted for a moment: those said from this long before it starts...
_QUOTE_LEAD_S = 0.25
#: ...to its end, or at least this long after its start (a moment may be an instant).
_QUOTE_MIN_SPAN_S = 0.5
#: Most points per timeline curve (the HTML stays small).
_CURVE_POINTS = 1000


class ScenarioLike(Protocol):
    """What the report reads of a line (:class:`kiosk.scenarios.Scenario`), read-only."""

    @property
    def id(self) -> str: ...

    @property
    def setting(self) -> str: ...

    @property
    def kind(self) -> str: ...

    def text_in(self, language: str) -> str: ...

    def situation_in(self, language: str) -> str: ...


def _number(cue: Cue | None, value: float, language: str) -> str:
    """A cue's value as its spec shows it (a percentage, or so many decimals); seconds with one decimal."""
    spec = CUE_SPECS[cue] if cue is not None else None
    text = f"{value:.0%}" if spec is not None and spec.percent else f"{value:.{spec.decimals if spec else 1}f}"
    return text.replace(".", ",") if Language(language).decimal_comma else text


def _words_at(voice: VoiceSignals | None, start_s: float, end_s: float) -> str:
    if voice is None or not voice.words:
        return ""
    said = [
        w
        for w in voice.words
        if w.status == WordStatus.SAID
        and w.start_s is not None
        and w.end_s is not None
        and w.end_s > start_s - _QUOTE_LEAD_S
        and w.start_s < max(end_s, start_s + _QUOTE_MIN_SPAN_S)
    ]
    return joined_words(w.written for w in said[:_WORDS_IN_TIP])


def _cue_text(cue: CueScore, key: str, strings: Mapping[str, Any], voice: VoiceSignals | None, language: str) -> str:
    template = strings["cues"][cue.cue][key]
    low, high = cue.target.band
    moment = cue.moment
    words = _words_at(voice, moment.start_s, moment.end_s) if moment else ""
    clause = strings["report"]["while_saying"].format(words=words) if words else ""
    prefix = ""
    if moment is not None and "{time}" not in template and "{words_clause}" not in template:
        # Tie the tip to its moment even where the sentence does not name it.
        prefix = strings["report"]["at_moment"].format(time=clock(moment.start_s), words_clause=clause)
        if language != "zh":
            template = template[:1].lower() + template[1:]
    return prefix + template.format(
        time=clock(moment.start_s if moment else 0.0),
        duration=_number(None, moment.duration_s, language) if moment else "0",
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
        return _one_full_stop(strings["report"]["still_tip"].format(label=words["label"], target=target))
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


def _json_number(value: float, digits: int = 4) -> float | None:
    """``value`` as the document writes it: ``None`` where not finite, else rounded to ``digits`` (at most 4)."""
    number = float(value)
    return round(round(number, digits), 4) if math.isfinite(number) else None


def _seconds(value: float, digits: int = 4) -> float:
    """A time the schema requires, rounded as :func:`_json_number`."""
    return round(round(float(value), digits), 4)


def _span(span: TimeSpan, digits: int = 4) -> TimeSpan:
    return TimeSpan(_seconds(span.start_s, digits), _seconds(span.end_s, digits))


def _bands(timeline: BodyTimeline | None, strings: Mapping[str, Any]) -> tuple[Band, ...]:
    if timeline is None or not timeline.frames:
        return ()
    bands = []
    for name, field, wanted in (
        ("smiling", "smiling", 1.0),
        ("eye_contact", "eye_contact", 1.0),
        ("upright", "upright", 1.0),
        ("arms_open", "arms_crossed", 0.0),
    ):
        bands.append(
            Band(
                label=strings["timeline"][name],
                episodes=tuple(_span(e) for e in timeline.stretches_where(field, wanted)),
                unknown=tuple(_span(e) for e in timeline.stretches_where(field, np.nan)),
            )
        )
    return tuple(bands)


def _curve(label: str, times: np.ndarray, values: np.ndarray) -> Curve:
    step = max(1, math.ceil(len(times) / _CURVE_POINTS))
    return Curve(
        label=label,
        times_s=tuple(_seconds(t, 3) for t in times[::step]),
        values=tuple(_json_number(v, 2) for v in values[::step]),
    )


def _everyday(cue: CueScore, strings: Mapping[str, Any], measured: str | None, target: str) -> str:
    """How a cue went in a trainee's words: on target, a little or too low or high, and the value if it means much."""
    if not cue.observed:
        return ""
    report = strings["report"]
    words = strings["cues"][cue.cue]
    if cue.direction in (Direction.LOW, Direction.HIGH):
        key = "state_low" if cue.direction is Direction.LOW else "state_high"
        state_word = words.get(key, report[key])
        degree = "a_little" if cue.slightly_off else "too"  # the profile's slightly_off_min_score
        state = report[degree].format(state=state_word)
    elif cue.direction is Direction.NEVER:
        return strings["reasons"]["never_smiled"]
    else:
        state = report["on_target"]
    if measured and CUE_SPECS[Cue(cue.cue)].everyday_value:
        return _one_full_stop(report["everyday"].format(state=state, measured=measured, target=target))
    return _one_full_stop(report["everyday_short"].format(state=state, target=target))


def _one_full_stop(sentence: str) -> str:
    """A sentence whose last word is an abbreviation ("žodž./min.") ends with its dot, not two."""
    return sentence[:-1] if sentence.endswith("..") and not sentence.endswith("...") else sentence


def _cue_row(cue: CueScore, strings: Mapping[str, Any], language: str) -> CueRow:
    words = strings["cues"][cue.cue]
    low, high = cue.target.band
    measured = None if cue.value is None else words["measured"].format(value=_number(cue.cue, cue.value, language))
    target = words["target"].format(low=_number(cue.cue, low, language), high=_number(cue.cue, high, language))
    return CueRow(
        cue=Cue(cue.cue),
        label=words["label"],
        meaning=words["meaning"],
        observed=bool(cue.observed),
        score=None if cue.score is None else int(round(cue.score)),
        measured=measured,
        target=target,
        why_not_observed=None if cue.reason is None else strings["reasons"][cue.reason],
        everyday=_everyday(cue, strings, measured, target),
    )


def _labels(cues: tuple[CueScore, ...], strings: Mapping[str, Any], *, first_capital: bool) -> str:
    """Cue names joined for a sentence ("Pace and eye contact"), lower case after the first where asked."""
    labels = []
    for i, cue in enumerate(cues):
        label = strings["cues"][cue.cue]["label"]
        labels.append(label if first_capital and i == 0 else label[:1].lower() + label[1:])
    return strings["report"]["list_and"].join(labels)


def _in_a_sentence(scores: TakeScores, strings: Mapping[str, Any]) -> str:
    """The take in one sentence: what went well (up to two), and what to work on next (the first tip)."""
    report = strings["report"]
    if scores.overall is None:
        return ""
    strong = scores.strengths[:2]
    weak = scores.tips[:1]
    if strong and weak:
        return report["in_a_sentence_both"].format(
            strong=_labels(strong, strings, first_capital=True), weak=_labels(weak, strings, first_capital=False)
        )
    if weak:
        return report["in_a_sentence_weak"].format(weak=_labels(weak, strings, first_capital=False))
    return report["in_a_sentence_strong"]


def _timeline(
    duration_s: float,
    tips: tuple[Tip, ...],
    body_timeline: BodyTimeline | None,
    voice: VoiceSignals | None,
    strings: Mapping[str, Any],
    pace: tuple[PaceStretch, ...] = (),
) -> Timeline:
    markers = tuple(Marker(time_s=tip.time_s, label=str(i + 1)) for i, tip in enumerate(tips))
    timeline = Timeline(duration_s=_seconds(duration_s, 3), bands=_bands(body_timeline, strings), markers=markers)
    if voice is None or not len(voice.frames):
        return timeline
    loudness = np.where(voice.frames.loudness_dbfs > -100.0, voice.frames.loudness_dbfs, np.nan)
    return replace(
        timeline,
        curves=(
            _curve(strings["timeline"]["pitch"], voice.frames.times_s, voice.frames.pitch_st),
            _curve(strings["timeline"]["loudness"], voice.frames.times_s, loudness),
        ),
        words=tuple(
            TimelineWord(
                text=w.written,
                start_s=None if w.start_s is None else _json_number(w.start_s),
                end_s=None if w.end_s is None else _json_number(w.end_s),
                status=WordStatus(w.status),
            )
            # Every word of the line: timed where it was said, skipped or not checked at its place.
            for w in voice.words
        ),
        pauses=tuple(_span(p, 3) for p in voice.pauses),
        fillers=tuple(_span(f, 3) for f in voice.filled_pauses),
        pace=tuple(PaceMark(_span(p.span, 3), p.direction) for p in pace),
    )


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
    baseline: TraineeBaseline | None = None,
    trainee: str | None = None,
) -> TakeReport:
    """The report document for a scored take, in ``language`` (of ``trainee``, if they gave a name).

    Raises:
        LanguageError: a language without a strings file.
    """
    strings = load_strings(language)
    tips = tuple(
        Tip(
            cue=Cue(cue.cue),
            time_s=_seconds(cue.moment.start_s, 2) if cue.moment else 0.0,
            text=_tip_text(cue, strings, voice, language),
        )
        for cue in scores.tips
    )
    line = None
    if scenario is not None:
        line = ReportScenario(
            id=scenario.id,
            setting_label=strings["settings"][scenario.setting],
            kind_label=strings["kinds"][scenario.kind],
            situation=scenario.situation_in(language),
            text=scenario.text_in(language),
        )
    return TakeReport(
        language=Language(language),
        strings=dict(strings["report"]),
        scenario=line,
        recording=Recording(name=recording_name, duration_s=_seconds(duration_s), recorded=recorded),
        profile=profile,
        setting=Setting(scores.setting),
        overall=Overall(
            score=None if scores.overall is None else int(round(scores.overall)),
            label=(
                strings["report"]["no_score"]
                if scores.missing
                else strings["report"]["no_overall"]
                if scores.label is None
                else strings["labels"][scores.label]
            ),
            sentence=_in_a_sentence(scores, strings),
        ),
        cues=tuple(_cue_row(cue, strings, language) for cue in scores.cues),
        tips=tips,
        strengths=tuple(Strength(cue=Cue(cue.cue), text=_strength_text(cue, strings)) for cue in scores.strengths),
        timeline=_timeline(duration_s, tips, body_timeline, voice, strings, scores.pace_stretches),
        baseline=baseline,
        trainee=None if not trainee else ReportTrainee(name=trainee),
        missing=tuple(
            MissingPart(
                sense=m.sense,
                reason=m.reason,
                title=strings["missing"][m.reason],
                advice=strings["missing"][f"{m.reason}_advice"],
            )
            for m in scores.missing
        ),
    )


@lru_cache(maxsize=1)
def report_schema() -> dict[str, Any]:
    """The JSON Schema the report document follows."""
    text = resources.files("kiosk.report").joinpath("take_report.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def write_report_json(report: TakeReport, path: Path) -> None:
    """Write the report's JSON atomically: a crash never leaves half a file where the old one was."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    text = json.dumps(report.to_json(), indent=1, ensure_ascii=False, allow_nan=False)
    tmp.write_text(text + "\n", encoding="utf-8")
    tmp.replace(path)
