"""The evaluation's figures, as pure functions of the kiosk's answers and a person's labels.

Nothing here runs the kiosk: the runner hands in what the kiosk said (per
frame, or as time spans) and the labels, and gets counts and figures back.
Times are seconds from the start of the take. A figure that has nothing to
be computed from is ``None``, never 0 or 1.

The matching rules (issue 13's targets):

* seen cues: every frame inside a labelled span and away from its edges is
  scored; the kiosk's ``None`` (unknown) counts as disagreement and is also
  reported as the unknown share.
* pauses: only pauses of at least :data:`MIN_PAUSE_S` on either side; a kiosk
  pause matches a labelled one when they overlap, one to one, the largest
  overlaps first; boundary error over the matched pairs' starts and ends.
* fillers: a kiosk filled pause matches a labelled one when they overlap or
  their centres are within :data:`FILLER_MATCH_S`, one to one, greedily.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from kiosk.evaluation.manifest import HAND_CUES, LabelWord, SeenCue, SeenLabel, without_fillers
from kiosk.timespan import TimeSpan

MIN_PAUSE_S = 0.25
"""Shortest pause scored, seconds (issue 13: "pauses >= 250 ms")."""

FILLER_MATCH_S = 0.3
"""Largest distance between a kiosk and a labelled filler's centres that still matches, seconds."""


# --- seen cues -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FrameCounts:
    """One cue's scored frames in one take (or summed over takes).

    ``agree``: kiosk value equals the label; ``unknown``: kiosk said ``None``;
    ``true_positive``/``false_positive``: kiosk said yes where the label says
    yes/no; ``label_positive``: frames labelled yes (recall's denominator,
    unknown counted as missed).
    """

    frames: int = 0
    agree: int = 0
    unknown: int = 0
    true_positive: int = 0
    false_positive: int = 0
    label_positive: int = 0

    def __add__(self, other: FrameCounts) -> FrameCounts:
        return FrameCounts(
            self.frames + other.frames,
            self.agree + other.agree,
            self.unknown + other.unknown,
            self.true_positive + other.true_positive,
            self.false_positive + other.false_positive,
            self.label_positive + other.label_positive,
        )

    @property
    def agreement(self) -> float | None:
        return ratio(self.agree, self.frames)

    @property
    def unknown_share(self) -> float | None:
        return ratio(self.unknown, self.frames)

    @property
    def kiosk_positive(self) -> int:
        return self.true_positive + self.false_positive

    @property
    def precision(self) -> float | None:
        return ratio(self.true_positive, self.kiosk_positive)

    @property
    def recall(self) -> float | None:
        return ratio(self.true_positive, self.label_positive)


def ratio(part: int, whole: int) -> float | None:
    """``part / whole``, ``None`` when ``whole`` is 0."""
    return part / whole if whole else None


def score_frames(times_s: Sequence[float], kiosk: Sequence[bool | None], labels: Sequence[SeenLabel]) -> FrameCounts:
    """Compare one cue's per-frame kiosk values with the labels of that cue in one take.

    Args:
        times_s: each frame's time.
        kiosk: the kiosk's value in each frame (``None``: unknown).
        labels: the take's labels of this cue (they do not overlap).
    """
    counts = FrameCounts()
    for time_s, said in zip(times_s, kiosk, strict=True):
        label = next((lab for lab in labels if lab.scores_frame_at(time_s)), None)
        if label is None:
            continue
        counts = counts + FrameCounts(
            frames=1,
            agree=int(said is label.value),
            unknown=int(said is None),
            true_positive=int(said is True and label.value),
            false_positive=int(said is True and not label.value),
            label_positive=int(label.value),
        )
    return counts


def any_frame_says_yes(kiosk: Sequence[bool | None]) -> bool:
    """Whether the kiosk said yes in any frame (for hand cues labelled "no" for the whole take)."""
    return any(value is True for value in kiosk)


def whole_take_false(cue: SeenCue, labels: Sequence[SeenLabel]) -> bool:
    """Whether the take's only label of ``cue`` says "no" for the whole take, for a hand cue."""
    mine = [lab for lab in labels if lab.cue == cue]
    return cue in HAND_CUES and len(mine) == 1 and mine[0].whole_take and not mine[0].value


@dataclass(frozen=True)
class TakeCue:
    """One cue in one take: its frame counts, and for hand cues labelled "no" throughout, whether any frame said yes."""

    take: str
    counts: FrameCounts
    any_yes_when_absent: bool | None = None


@dataclass(frozen=True)
class CueFigures:
    """One cue over a set of takes.

    Attributes:
        counts: frame counts summed over the takes.
        takes: takes with at least one scored frame.
        lowest_take, lowest_take_agreement: the take with the lowest frame agreement.
        absent_takes: takes labelled "no" for the whole take (hand cues only; else 0).
        absent_takes_with_any: of those, takes where any frame said yes.
    """

    counts: FrameCounts
    takes: int
    lowest_take: str | None
    lowest_take_agreement: float | None
    absent_takes: int = 0
    absent_takes_with_any: int = 0


def cue_figures(per_take: Sequence[TakeCue]) -> CueFigures:
    """Pool one cue's per-take counts (frames summed: a long take weighs more)."""
    total = FrameCounts()
    for item in per_take:
        total = total + item.counts
    scored = [item for item in per_take if item.counts.frames]
    lowest = min(scored, key=lambda item: (item.counts.agreement or 0.0, item.take), default=None)
    absent = [item for item in per_take if item.any_yes_when_absent is not None]
    return CueFigures(
        counts=total,
        takes=len(scored),
        lowest_take=lowest.take if lowest else None,
        lowest_take_agreement=lowest.counts.agreement if lowest else None,
        absent_takes=len(absent),
        absent_takes_with_any=sum(1 for item in absent if item.any_yes_when_absent),
    )


# --- voice ---------------------------------------------------------------------------------------


def overlap_s(a: TimeSpan, b: TimeSpan) -> float:
    """How long two spans share, seconds (0 when apart)."""
    return max(0.0, min(a.end_s, b.end_s) - max(a.start_s, b.start_s))


def long_pauses(pauses: Sequence[TimeSpan], min_pause_s: float = MIN_PAUSE_S) -> tuple[TimeSpan, ...]:
    """The pauses of at least ``min_pause_s``."""
    return tuple(p for p in pauses if p.duration_s >= min_pause_s - 1e-9)


def match_pauses(kiosk: Sequence[TimeSpan], labelled: Sequence[TimeSpan]) -> tuple[tuple[int, int], ...]:
    """Pairs (kiosk index, label index) of overlapping pauses, one to one, the largest overlap first."""
    candidates = sorted(
        ((overlap_s(k, lab), i, j) for i, k in enumerate(kiosk) for j, lab in enumerate(labelled)),
        key=lambda c: (-c[0], c[1], c[2]),
    )
    return _greedy((i, j) for shared, i, j in candidates if shared > 0)


def match_fillers(
    kiosk: Sequence[TimeSpan], labelled: Sequence[TimeSpan], within_s: float = FILLER_MATCH_S
) -> tuple[tuple[int, int], ...]:
    """Pairs (kiosk index, label index) of fillers that overlap or have centres within ``within_s``.

    One to one: overlapping pairs first (largest overlap first), then the
    closest centres.
    """

    def centre(span: TimeSpan) -> float:
        return (span.start_s + span.end_s) / 2

    candidates = []
    for i, k in enumerate(kiosk):
        for j, lab in enumerate(labelled):
            shared = overlap_s(k, lab)
            distance = abs(centre(k) - centre(lab))
            if shared > 0 or distance <= within_s + 1e-9:
                candidates.append((-shared, distance, i, j))
    return _greedy((i, j) for _, _, i, j in sorted(candidates))


def _greedy(pairs: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    used_k: set[int] = set()
    used_l: set[int] = set()
    chosen = []
    for i, j in pairs:
        if i not in used_k and j not in used_l:
            used_k.add(i)
            used_l.add(j)
            chosen.append((i, j))
    return tuple(sorted(chosen))


def boundary_errors_ms(
    kiosk: Sequence[TimeSpan], labelled: Sequence[TimeSpan], pairs: Sequence[tuple[int, int]]
) -> tuple[float, ...]:
    """|start difference| and |end difference| of every matched pair, milliseconds."""
    errors = []
    for i, j in pairs:
        errors.append(abs(kiosk[i].start_s - labelled[j].start_s) * 1000.0)
        errors.append(abs(kiosk[i].end_s - labelled[j].end_s) * 1000.0)
    return tuple(errors)


def percent_error(kiosk: float | None, label: float | None) -> float | None:
    """Signed error of the kiosk's value in percent of the label's (``None`` if either is missing)."""
    if kiosk is None or label is None or label == 0:
        return None
    return (kiosk - label) / label * 100.0


def wpm_from_words(words: Sequence[LabelWord], language: str) -> float | None:
    """Words per minute from labelled word timings: words other than fillers over first start to last end."""
    spoken = [w for w in words if without_fillers(w.text, language)]
    if not spoken:
        return None
    span_s = max(w.end_s for w in spoken) - min(w.start_s for w in spoken)
    return len(spoken) / span_s * 60.0 if span_s > 0 else None


@dataclass(frozen=True)
class SpanMatch:
    """Kiosk spans against labelled ones in one take (or summed over takes)."""

    kiosk: int = 0
    labelled: int = 0
    matched: int = 0
    boundary_errors_ms: tuple[float, ...] = ()

    def __add__(self, other: SpanMatch) -> SpanMatch:
        return SpanMatch(
            self.kiosk + other.kiosk,
            self.labelled + other.labelled,
            self.matched + other.matched,
            self.boundary_errors_ms + other.boundary_errors_ms,
        )

    @property
    def precision(self) -> float | None:
        return ratio(self.matched, self.kiosk)

    @property
    def recall(self) -> float | None:
        return ratio(self.matched, self.labelled)

    @property
    def median_boundary_error_ms(self) -> float | None:
        return statistics.median(self.boundary_errors_ms) if self.boundary_errors_ms else None


def pause_match(kiosk: Sequence[TimeSpan], labelled: Sequence[TimeSpan]) -> SpanMatch:
    """Pauses of at least :data:`MIN_PAUSE_S`, matched by overlap, with their boundary errors."""
    k, lab = long_pauses(kiosk), long_pauses(labelled)
    pairs = match_pauses(k, lab)
    return SpanMatch(len(k), len(lab), len(pairs), boundary_errors_ms(k, lab, pairs))


def filler_match(kiosk: Sequence[TimeSpan], labelled: Sequence[TimeSpan]) -> SpanMatch:
    """Filled pauses matched by overlap or close centres."""
    pairs = match_fillers(kiosk, labelled)
    return SpanMatch(len(kiosk), len(labelled), len(pairs))


@dataclass(frozen=True)
class TakeVoice:
    """One take's voice figures: the kiosk's value, the label's, and where they are compared.

    ``None`` where the label (or the kiosk's value) is missing.
    """

    take: str
    wpm_kiosk: float | None = None
    wpm_label: float | None = None
    pauses: SpanMatch | None = None
    fillers: SpanMatch | None = None
    pitch_kiosk_hz: float | None = None
    pitch_label_hz: float | None = None
    delivered_kiosk: float | None = None
    delivered_label: float | None = None

    @property
    def wpm_error_pct(self) -> float | None:
        return percent_error(self.wpm_kiosk, self.wpm_label)

    @property
    def pitch_error_pct(self) -> float | None:
        return percent_error(self.pitch_kiosk_hz, self.pitch_label_hz)


@dataclass(frozen=True)
class ErrorFigures:
    """Signed errors over takes: n, median of |error|, mean signed error, the largest |error| and its take.

    ``missing``: takes with a label whose kiosk value was ``None`` (not measured).
    """

    n: int
    median_abs: float | None
    mean_signed: float | None
    worst: float | None
    worst_take: str | None
    missing: int = 0


def error_figures(errors: Mapping[str, float | None]) -> ErrorFigures:
    """Pool per-take signed errors (``None``: the kiosk gave no value although a label exists)."""
    known = {take: e for take, e in errors.items() if e is not None}
    missing = len(errors) - len(known)
    if not known:
        return ErrorFigures(0, None, None, None, None, missing)
    worst_take = max(known, key=lambda take: (abs(known[take]), take))
    return ErrorFigures(
        n=len(known),
        median_abs=statistics.median(abs(e) for e in known.values()),
        mean_signed=statistics.fmean(known.values()),
        worst=known[worst_take],
        worst_take=worst_take,
        missing=missing,
    )


@dataclass(frozen=True)
class DeliveredFigures:
    """Line delivered over takes: the kiosk's share against the label's.

    Attributes:
        n: takes with a labelled share (``missing`` of them had no kiosk value).
        kiosk_mean, label_mean: mean shares.
        mean_abs_error: mean |kiosk - label|.
        short: takes labelled at least ``full_share`` that the kiosk put below it.
    """

    n: int
    kiosk_mean: float | None
    label_mean: float | None
    mean_abs_error: float | None
    short: int
    missing: int = 0
    short_takes: tuple[str, ...] = field(default=())


FULL_DELIVERY_SHARE = 0.9
"""A line counts as delivered at this share (issue 13: "correctly read lines ... >= 90% delivered")."""


def delivered_figures(per_take: Sequence[TakeVoice]) -> DeliveredFigures:
    """Pool line delivered over the takes with a labelled share."""
    labelled = [t for t in per_take if t.delivered_label is not None]
    both = [t for t in labelled if t.delivered_kiosk is not None]
    short = tuple(
        t.take
        for t in labelled
        if t.delivered_label is not None
        and t.delivered_label >= FULL_DELIVERY_SHARE
        and (t.delivered_kiosk is None or t.delivered_kiosk < FULL_DELIVERY_SHARE)
    )
    if not both:
        return DeliveredFigures(len(labelled), None, None, None, len(short), len(labelled), short)
    return DeliveredFigures(
        n=len(labelled),
        kiosk_mean=statistics.fmean(t.delivered_kiosk for t in both if t.delivered_kiosk is not None),
        label_mean=statistics.fmean(t.delivered_label for t in both if t.delivered_label is not None),
        mean_abs_error=statistics.fmean(
            abs(t.delivered_kiosk - t.delivered_label)
            for t in both
            if t.delivered_kiosk is not None and t.delivered_label is not None
        ),
        short=len(short),
        missing=len(labelled) - len(both),
        short_takes=short,
    )


@dataclass(frozen=True)
class VoiceFigures:
    """The voice over a set of takes."""

    takes: int
    wpm: ErrorFigures
    pauses: SpanMatch
    pause_takes: int
    fillers: SpanMatch
    filler_takes: int
    pitch: ErrorFigures
    delivered: DeliveredFigures


def voice_figures(per_take: Sequence[TakeVoice]) -> VoiceFigures:
    """Pool the voice figures: spans summed over takes (micro-average), errors per take."""
    pauses = [t.pauses for t in per_take if t.pauses is not None]
    fillers = [t.fillers for t in per_take if t.fillers is not None]
    return VoiceFigures(
        takes=len(per_take),
        wpm=error_figures({t.take: t.wpm_error_pct for t in per_take if t.wpm_label is not None}),
        pauses=sum(pauses, SpanMatch()),
        pause_takes=len(pauses),
        fillers=sum(fillers, SpanMatch()),
        filler_takes=len(fillers),
        pitch=error_figures({t.take: t.pitch_error_pct for t in per_take if t.pitch_label_hz is not None}),
        delivered=delivered_figures(per_take),
    )


__all__ = [
    "FILLER_MATCH_S",
    "FULL_DELIVERY_SHARE",
    "MIN_PAUSE_S",
    "CueFigures",
    "DeliveredFigures",
    "ErrorFigures",
    "FrameCounts",
    "SpanMatch",
    "TakeCue",
    "TakeVoice",
    "VoiceFigures",
    "any_frame_says_yes",
    "boundary_errors_ms",
    "cue_figures",
    "delivered_figures",
    "error_figures",
    "filler_match",
    "long_pauses",
    "match_fillers",
    "match_pauses",
    "overlap_s",
    "pause_match",
    "percent_error",
    "ratio",
    "score_frames",
    "voice_figures",
    "whole_take_false",
    "wpm_from_words",
]
