"""Progress over stored takes: per-cue series, the group's weakest cues, first against latest."""

from __future__ import annotations

from datetime import datetime

import pytest

from kiosk.report.progress import first_and_latest, progress_by_cue, weakest_cues
from kiosk.store import CueRecord, TakeRecord


def take(trainee: str | None, day: int, overall: float | None, **cues: float | None) -> TakeRecord:
    return TakeRecord(
        uid=f"{trainee}-{day}",
        trainee=trainee,
        trainee_code=trainee.upper()[:6] if trainee else None,
        scenario_id="front-desk-greeting-01",
        setting="front_desk",
        language="en",
        profile="default",
        recorded_at=datetime(2026, 11, day, 10),
        duration_s=4.0,
        overall_score=overall,
        cues=tuple(CueRecord(cue, score, None) for cue, score in cues.items()),
        report={},
    )


GROUP = [
    take("Ana", 2, 40.0, eye_contact=20.0, pace=60.0, smiling=None),
    take("Ana", 9, 70.0, eye_contact=65.0, pace=80.0, smiling=50.0),
    take("Bo", 3, 55.0, eye_contact=30.0, pace=90.0, smiling=70.0),
    take("Bo", 1, 50.0, eye_contact=10.0, pace=95.0, smiling=60.0),  # out of order on purpose
    take(None, 5, 30.0, eye_contact=5.0, pace=100.0, smiling=0.0),
]


def test_each_cue_s_scores_come_in_time_order_and_unobserved_ones_are_left_out() -> None:
    series = progress_by_cue([t for t in GROUP if t.trainee == "Ana"])
    assert [p.score for p in series["overall"]] == [40.0, 70.0]
    assert [p.score for p in series["eye_contact"]] == [20.0, 65.0]
    assert [p.score for p in series["smiling"]] == [50.0]  # not observed in the first take
    bo = progress_by_cue([t for t in GROUP if t.trainee == "Bo"])
    assert [p.recorded_at.day for p in bo["pace"]] == [1, 3]


def test_takes_are_numbered_in_time_order_and_a_cue_not_observed_leaves_a_gap() -> None:
    series = progress_by_cue([t for t in GROUP if t.trainee == "Ana"])
    assert list(series) == ["overall", "eye_contact", "pace", "smiling"]  # the overall score first
    assert [p.take_number for p in series["eye_contact"]] == [1, 2]
    assert [p.take_number for p in series["smiling"]] == [2]  # take 1 did not show it
    everyone = progress_by_cue(GROUP)
    assert [(p.take_number, p.recorded_at.day) for p in everyone["overall"]] == [(1, 1), (2, 2), (3, 3), (4, 5), (5, 9)]
    assert {p.scenario_id for p in everyone["pace"]} == {"front-desk-greeting-01"}


def test_the_group_s_weakest_cues_use_each_trainee_s_latest_take() -> None:
    weakest = weakest_cues(GROUP, count=2)
    # eye contact latest: Ana 65, Bo 30, anonymous 5 -> 33.3; smiling: 50, 70, 0 -> 40.
    assert [w.cue for w in weakest] == ["eye_contact", "smiling"]
    assert weakest[0].mean_score == pytest.approx((65 + 30 + 5) / 3)
    assert weakest[0].trainees == 3


def test_first_against_latest_per_named_trainee() -> None:
    rows = {r.trainee: r for r in first_and_latest(GROUP)}
    assert set(rows) == {"Ana", "Bo"}
    assert (rows["Ana"].first_overall, rows["Ana"].latest_overall, rows["Ana"].overall_change) == (40.0, 70.0, 30.0)
    assert rows["Bo"].first_cues["eye_contact"] == 10.0 and rows["Bo"].latest_cues["eye_contact"] == 30.0
    assert rows["Bo"].takes == 2


def test_no_takes_means_no_progress() -> None:
    assert progress_by_cue([]) == {} and weakest_cues([]) == [] and first_and_latest([]) == []
