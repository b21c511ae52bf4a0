"""The take report as typed, frozen dataclasses, and its JSON form (schema ``kiosk/take-report`` v1).

:class:`TakeReport` is what :func:`kiosk.report.take_report.take_report`
builds and what the app, the command line and the store read. It holds the
document exactly as it is written: every text already in the trainee's
language, numbers already rounded, so :meth:`TakeReport.to_json` only
changes the shape (enums to their strings, spans to ``[start_s, end_s]``
pairs) and ``TakeReport.from_json(report.to_json()) == report``.

The JSON form is the versioned contract (``take_report.schema.json``): it is
what the kiosk stores in its database, writes with ``--json`` and offers for
download. Its keys are written in the order of the fields here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kiosk.calibration import BaselineError, TraineeBaseline
from kiosk.errors import KioskError
from kiosk.timespan import TimeSpan
from kiosk.vocabulary import Cue, Direction, Language, NotObserved, Sense, Setting, WordStatus

SCHEMA_ID = "kiosk/take-report"
SCHEMA_VERSION = 1

JSON = dict[str, Any]


class ReportDocumentError(KioskError):
    """A stored report is not a take report of the schema version this kiosk reads."""


def _span(span: TimeSpan) -> list[float]:
    return [span.start_s, span.end_s]


def _spans(value: Sequence[Sequence[float]]) -> tuple[TimeSpan, ...]:
    return tuple(TimeSpan(float(start_s), float(end_s)) for start_s, end_s in value)


def _float_or_none(value: float | None) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class ReportScenario:
    """The scripted line the take was scored for, in the report's language."""

    id: str
    setting_label: str
    kind_label: str
    situation: str
    text: str

    def to_json(self) -> JSON:
        return {
            "id": self.id,
            "setting_label": self.setting_label,
            "kind_label": self.kind_label,
            "situation": self.situation,
            "text": self.text,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReportScenario:
        return cls(
            id=data["id"],
            setting_label=data["setting_label"],
            kind_label=data["kind_label"],
            situation=data["situation"],
            text=data["text"],
        )


@dataclass(frozen=True)
class Recording:
    """The recording scored: its file name, length and when it was made (as shown, ``None`` if unknown)."""

    name: str
    duration_s: float
    recorded: str | None

    def to_json(self) -> JSON:
        return {"name": self.name, "duration_s": self.duration_s, "recorded": self.recorded}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Recording:
        return cls(name=data["name"], duration_s=float(data["duration_s"]), recorded=data["recorded"])


@dataclass(frozen=True)
class Overall:
    """The overall score 0-100 (``None`` when no cue was observed, or half the take is missing), its word,
    and one sentence saying what went well and what to work on next."""

    score: int | None
    label: str
    sentence: str = ""

    def to_json(self) -> JSON:
        return {"score": self.score, "label": self.label, "sentence": self.sentence}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Overall:
        # Reports stored before the sentence have none.
        return cls(score=data["score"], label=data["label"], sentence=data.get("sentence", ""))


@dataclass(frozen=True)
class ReportTrainee:
    """Whose take it is: the name they gave, and their code for "My progress" once the take is saved."""

    name: str
    code: str | None = None

    def to_json(self) -> JSON:
        return {"name": self.name, "code": self.code}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReportTrainee:
        return cls(name=data["name"], code=data.get("code"))


@dataclass(frozen=True)
class MissingPart:
    """Half of the take that was not there at all (nobody seen, nothing heard): what, and what to check."""

    sense: Sense
    reason: NotObserved
    title: str
    advice: str

    def to_json(self) -> JSON:
        return {"sense": self.sense.value, "reason": self.reason.value, "title": self.title, "advice": self.advice}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MissingPart:
        return cls(
            sense=Sense(data["sense"]), reason=NotObserved(data["reason"]), title=data["title"], advice=data["advice"]
        )


@dataclass(frozen=True)
class CueChange:
    """One cue's score on the previous take of the line and on this one."""

    cue: Cue
    label: str
    before: int
    now: int

    def to_json(self) -> JSON:
        return {"cue": self.cue.value, "label": self.label, "before": self.before, "now": self.now}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CueChange:
        return cls(cue=Cue(data["cue"]), label=data["label"], before=int(data["before"]), now=int(data["now"]))


@dataclass(frozen=True)
class SinceLast:
    """This take against the trainee's previous take of the same line.

    Attributes:
        recorded: when the previous take was made, as shown.
        overall_before: its overall score, and ``overall_now`` this one's (``None`` where there was none).
        cues: the cues scored on both takes, in this report's order.
        unchanged_within: a change of at most this many points reads as "the same".
    """

    recorded: str
    overall_before: int | None
    overall_now: int | None
    cues: tuple[CueChange, ...]
    unchanged_within: float

    def to_json(self) -> JSON:
        return {
            "recorded": self.recorded,
            "overall_before": self.overall_before,
            "overall_now": self.overall_now,
            "cues": [c.to_json() for c in self.cues],
            "unchanged_within": self.unchanged_within,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SinceLast:
        return cls(
            recorded=data["recorded"],
            overall_before=data["overall_before"],
            overall_now=data["overall_now"],
            cues=tuple(CueChange.from_json(c) for c in data["cues"]),
            unchanged_within=float(data["unchanged_within"]),
        )


@dataclass(frozen=True)
class CueRow:
    """One cue's row of the score table.

    Attributes:
        cue: which cue.
        label: its name, and ``meaning`` what it measures, in the report's language.
        observed: False when the take did not show it; then ``score`` and
            ``measured`` are ``None`` and ``why_not_observed`` says why.
        score: 0-100.
        measured: the measured value in words ("62% of the take").
        target: the band it was scored against, in words.
        everyday: how it went in a trainee's words ("A little fast: 172 words
            per minute; aim for 130 to 160 words per minute"); the measured
            value and target above are the trainer's details.
    """

    cue: Cue
    label: str
    meaning: str
    observed: bool
    score: int | None
    measured: str | None
    target: str
    why_not_observed: str | None
    everyday: str = ""

    def to_json(self) -> JSON:
        return {
            "cue": self.cue.value,
            "label": self.label,
            "meaning": self.meaning,
            "observed": self.observed,
            "score": self.score,
            "measured": self.measured,
            "target": self.target,
            "why_not_observed": self.why_not_observed,
            "everyday": self.everyday,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CueRow:
        return cls(
            cue=Cue(data["cue"]),
            label=data["label"],
            meaning=data["meaning"],
            observed=bool(data["observed"]),
            score=data["score"],
            measured=data["measured"],
            target=data["target"],
            why_not_observed=data["why_not_observed"],
            everyday=data.get("everyday", ""),  # reports stored before it have none
        )


@dataclass(frozen=True)
class Tip:
    """Something to try, tied to the moment of the take it is about (``time_s``; 0 for a still)."""

    cue: Cue
    time_s: float
    text: str

    def to_json(self) -> JSON:
        return {"cue": self.cue.value, "time_s": self.time_s, "text": self.text}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Tip:
        return cls(cue=Cue(data["cue"]), time_s=float(data["time_s"]), text=data["text"])


@dataclass(frozen=True)
class Strength:
    """Something that went well."""

    cue: Cue
    text: str

    def to_json(self) -> JSON:
        return {"cue": self.cue.value, "text": self.text}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Strength:
        return cls(cue=Cue(data["cue"]), text=data["text"])


@dataclass(frozen=True)
class Band:
    """A body-language row of the timeline: where the cue was as wanted, and where it could not be seen."""

    label: str
    episodes: tuple[TimeSpan, ...]
    unknown: tuple[TimeSpan, ...]

    def to_json(self) -> JSON:
        return {
            "label": self.label,
            "episodes": [_span(e) for e in self.episodes],
            "unknown": [_span(e) for e in self.unknown],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Band:
        return cls(label=data["label"], episodes=_spans(data["episodes"]), unknown=_spans(data["unknown"]))


@dataclass(frozen=True)
class Curve:
    """A voice curve of the timeline (pitch in semitones, loudness in dBFS); ``None`` where unvoiced or silent."""

    label: str
    times_s: tuple[float, ...]
    values: tuple[float | None, ...]

    def to_json(self) -> JSON:
        return {"label": self.label, "times_s": list(self.times_s), "values": list(self.values)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Curve:
        return cls(
            label=data["label"],
            times_s=tuple(float(t) for t in data["times_s"]),
            values=tuple(_float_or_none(v) for v in data["values"]),
        )


@dataclass(frozen=True)
class TimelineWord:
    """A word of the line on the timeline; a skipped or unaligned word has no times."""

    text: str
    start_s: float | None
    end_s: float | None
    status: WordStatus

    def to_json(self) -> JSON:
        return {"text": self.text, "start_s": self.start_s, "end_s": self.end_s, "status": self.status.value}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TimelineWord:
        return cls(
            text=data["text"],
            start_s=_float_or_none(data["start_s"]),
            end_s=_float_or_none(data["end_s"]),
            status=WordStatus(data["status"]),
        )


@dataclass(frozen=True)
class Marker:
    """A numbered mark on the timeline: where tip ``label`` points."""

    time_s: float
    label: str

    def to_json(self) -> JSON:
        return {"time_s": self.time_s, "label": self.label}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Marker:
        return cls(time_s=float(data["time_s"]), label=data["label"])


@dataclass(frozen=True)
class PaceMark:
    """A stretch of speech spoken faster (``HIGH``) or slower (``LOW``) than the pace band."""

    span: TimeSpan
    direction: Direction

    def to_json(self) -> JSON:
        return {"span": _span(self.span), "direction": self.direction.value}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PaceMark:
        start_s, end_s = data["span"]
        return cls(span=TimeSpan(float(start_s), float(end_s)), direction=Direction(data["direction"]))


@dataclass(frozen=True)
class Timeline:
    """The take moment by moment, on one time axis of ``duration_s`` seconds."""

    duration_s: float
    bands: tuple[Band, ...] = ()
    curves: tuple[Curve, ...] = ()
    words: tuple[TimelineWord, ...] = ()
    pauses: tuple[TimeSpan, ...] = ()
    markers: tuple[Marker, ...] = ()
    fillers: tuple[TimeSpan, ...] = ()  # filled pauses ("um", "uh"), where they were said
    pace: tuple[PaceMark, ...] = ()  # stretches spoken too fast or too slow

    def to_json(self) -> JSON:
        return {
            "duration_s": self.duration_s,
            "bands": [b.to_json() for b in self.bands],
            "curves": [c.to_json() for c in self.curves],
            "words": [w.to_json() for w in self.words],
            "pauses": [_span(p) for p in self.pauses],
            "markers": [m.to_json() for m in self.markers],
            "fillers": [_span(f) for f in self.fillers],
            "pace": [p.to_json() for p in self.pace],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Timeline:
        return cls(
            duration_s=float(data["duration_s"]),
            bands=tuple(Band.from_json(b) for b in data["bands"]),
            curves=tuple(Curve.from_json(c) for c in data["curves"]),
            words=tuple(TimelineWord.from_json(w) for w in data["words"]),
            pauses=_spans(data["pauses"]),
            markers=tuple(Marker.from_json(m) for m in data["markers"]),
            # Reports stored before fillers were drawn have none.
            fillers=_spans(data.get("fillers", [])),
            pace=tuple(PaceMark.from_json(p) for p in data.get("pace", [])),
        )


@dataclass(frozen=True)
class TakeReport:
    """The scored report of one take, ready to show.

    Attributes:
        language: the language every text of it is written in.
        strings: the page's own words in that language (headings, column
            names, the unit of seconds...), keyed as the strings' ``[report]``.
        scenario: the line it was scored for (``None`` for a take without one).
        recording: the recording scored.
        profile: the calibration profile it was scored with.
        setting: the setting it was scored as.
        overall: the overall score and its word.
        cues: every cue of the setting, in profile order.
        tips: up to three things to try, most worth it first.
        strengths: up to three things that went well.
        timeline: the take moment by moment.
        baseline: the trainee's own baseline the take was judged against
            (``None``: the profile's thresholds, not calibrated to the person).
        trainee: whose take it is (``None``: no name given).
        missing: the halves of the take that were not there at all (then
            there is no overall score; the page says what to check).
        since_last: against the trainee's previous take of the line (``None``: a first take).
    """

    language: Language
    strings: Mapping[str, str]
    scenario: ReportScenario | None
    recording: Recording
    profile: str
    setting: Setting
    overall: Overall
    cues: tuple[CueRow, ...]
    tips: tuple[Tip, ...]
    strengths: tuple[Strength, ...]
    timeline: Timeline
    baseline: TraineeBaseline | None = None
    trainee: ReportTrainee | None = None
    missing: tuple[MissingPart, ...] = ()
    since_last: SinceLast | None = None

    def cue(self, cue: Cue | str) -> CueRow:
        """The row of ``cue``.

        Raises:
            KeyError: a cue the report has no row for.
        """
        for row in self.cues:
            if row.cue == cue:
                return row
        raise KeyError(cue)

    def to_json(self) -> JSON:
        """The document as JSON-ready plain values (the versioned schema)."""
        return {
            "schema": SCHEMA_ID,
            "schema_version": SCHEMA_VERSION,
            "language": self.language.value,
            "strings": dict(self.strings),
            "scenario": None if self.scenario is None else self.scenario.to_json(),
            "recording": self.recording.to_json(),
            "profile": self.profile,
            "setting": self.setting.value,
            "overall": self.overall.to_json(),
            "cues": [c.to_json() for c in self.cues],
            "tips": [t.to_json() for t in self.tips],
            "strengths": [s.to_json() for s in self.strengths],
            "timeline": self.timeline.to_json(),
            "baseline": None if self.baseline is None else self.baseline.to_json(),
            "trainee": None if self.trainee is None else self.trainee.to_json(),
            "missing": [m.to_json() for m in self.missing],
            "since_last": None if self.since_last is None else self.since_last.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TakeReport:
        """Read a document written by :meth:`to_json` (as stored in the database or a ``--json`` file).

        Raises:
            ReportDocumentError: not a take report, one of another schema
                version, or one with a part missing or of the wrong kind.
        """
        if not isinstance(data, Mapping):
            raise ReportDocumentError(f"A take report is a JSON object, not {type(data).__name__}.")
        schema = (data.get("schema"), data.get("schema_version"))
        if schema != (SCHEMA_ID, SCHEMA_VERSION):
            raise ReportDocumentError(
                f"Not a {SCHEMA_ID} version {SCHEMA_VERSION} document (it says {schema[0]!r} version {schema[1]!r})."
            )
        try:
            return cls(
                language=Language(data["language"]),
                strings={str(k): str(v) for k, v in data["strings"].items()},
                scenario=None if data["scenario"] is None else ReportScenario.from_json(data["scenario"]),
                recording=Recording.from_json(data["recording"]),
                profile=data["profile"],
                setting=Setting(data["setting"]),
                overall=Overall.from_json(data["overall"]),
                cues=tuple(CueRow.from_json(c) for c in data["cues"]),
                tips=tuple(Tip.from_json(t) for t in data["tips"]),
                strengths=tuple(Strength.from_json(s) for s in data["strengths"]),
                timeline=Timeline.from_json(data["timeline"]),
                # Reports stored before baselines have none: they were judged by the profile alone.
                baseline=None if data.get("baseline") is None else TraineeBaseline.from_json(data["baseline"]),
                # Reports stored before these parts have none of them.
                trainee=None if data.get("trainee") is None else ReportTrainee.from_json(data["trainee"]),
                missing=tuple(MissingPart.from_json(m) for m in data.get("missing", [])),
                since_last=None if data.get("since_last") is None else SinceLast.from_json(data["since_last"]),
            )
        except KeyError as err:
            raise ReportDocumentError(f"The take report has no {err.args[0]!r}.") from None
        except (TypeError, ValueError, AttributeError, BaselineError) as err:
            raise ReportDocumentError(f"The take report is malformed: {err}") from None


__all__ = [
    "SCHEMA_ID",
    "SCHEMA_VERSION",
    "Band",
    "CueChange",
    "CueRow",
    "Curve",
    "Marker",
    "MissingPart",
    "Overall",
    "PaceMark",
    "Recording",
    "ReportDocumentError",
    "ReportScenario",
    "ReportTrainee",
    "SinceLast",
    "Strength",
    "TakeReport",
    "Timeline",
    "TimelineWord",
    "Tip",
]
