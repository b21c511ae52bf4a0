"""Progress over stored takes, for the trainer's dashboard and a trainee's own view.

Pure functions of :class:`kiosk.store.TakeRecord` sequences (oldest first):
each cue's scores over time, the group's weakest cues, and each trainee's
first take against their latest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from kiosk.store import TakeRecord


@dataclass(frozen=True)
class CuePoint:
    """One take's score (0-100) for a cue: which take it was (1 for the first of the takes charted),
    when it was recorded, and its line."""

    take_number: int
    recorded_at: datetime
    scenario_id: str
    score: float


@dataclass(frozen=True)
class WeakCue:
    """A cue the group does least well: its mean score over each trainee's latest take of it."""

    cue: str
    mean_score: float
    trainees: int


@dataclass(frozen=True)
class FirstAndLatest:
    """A trainee's first take against their latest: overall and per-cue scores (``None`` where not observed)."""

    trainee: str
    takes: int
    first_overall: float | None
    latest_overall: float | None
    first_cues: dict[str, float | None]
    latest_cues: dict[str, float | None]

    @property
    def overall_change(self) -> float | None:
        if self.first_overall is None or self.latest_overall is None:
            return None
        return self.latest_overall - self.first_overall


def progress_by_cue(takes: Sequence[TakeRecord]) -> dict[str, list[CuePoint]]:
    """Each cue's observed scores in time order (``"overall"`` first), for charts.

    Takes are numbered 1, 2, 3... in time order over all of ``takes``: a cue
    not observed in a take leaves a gap at that number, so every cue's chart
    counts the same takes.
    """
    series: dict[str, list[CuePoint]] = {}
    for number, take in enumerate(sorted(takes, key=lambda t: t.recorded_at), start=1):
        if take.overall_score is not None:
            series.setdefault("overall", []).append(
                CuePoint(number, take.recorded_at, take.scenario_id, take.overall_score)
            )
        for cue in take.cues:
            if cue.score is not None:
                series.setdefault(cue.cue, []).append(CuePoint(number, take.recorded_at, take.scenario_id, cue.score))
    if "overall" in series:
        series = {"overall": series["overall"], **series}
    return series


def weakest_cues(takes: Sequence[TakeRecord], *, count: int = 3) -> list[WeakCue]:
    """The ``count`` cues with the lowest mean over each trainee's latest observed score of them.

    Anonymous takes count as one trainee each (they cannot be told apart).
    """
    latest: dict[tuple[str, str], float] = {}
    for index, take in enumerate(sorted(takes, key=lambda t: t.recorded_at)):
        who = take.trainee_code or take.trainee or f"anonymous-{index}"
        for cue in take.cues:
            if cue.score is not None:
                latest[(cue.cue, who)] = cue.score
    by_cue: dict[str, list[float]] = {}
    for (name, _), score in latest.items():
        by_cue.setdefault(name, []).append(score)
    ranked = sorted(
        (WeakCue(cue, float(np.mean(scores)), len(scores)) for cue, scores in by_cue.items()),
        key=lambda w: (w.mean_score, w.cue),
    )
    return ranked[:count]


def first_and_latest(takes: Sequence[TakeRecord]) -> list[FirstAndLatest]:
    """For each named trainee with takes: their first take against their latest, by name."""
    by_trainee: dict[str, list[TakeRecord]] = {}
    for take in sorted(takes, key=lambda t: t.recorded_at):
        if take.trainee:
            by_trainee.setdefault(take.trainee, []).append(take)
    return [
        FirstAndLatest(
            trainee=name,
            takes=len(own),
            first_overall=own[0].overall_score,
            latest_overall=own[-1].overall_score,
            first_cues={c.cue: c.score for c in own[0].cues},
            latest_cues={c.cue: c.score for c in own[-1].cues},
        )
        for name, own in sorted(by_trainee.items())
    ]
