"""The trainer's verdicts: kept per cue of a take (migration 0004), never touching the take's scores,
deleted with their take, counted per cue as agreement, carried by an export. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from store_fixtures import (  # noqa: F401 - fixtures: each test on both databases
    database_at,
    json_value,
    postgres_fixture,
    url_fixture,
)
from store_workers import record

from kiosk.store import (
    CueAgreement,
    CueRecord,
    Store,
    TakeNotFoundError,
    VerdictError,
)
from kiosk.timespan import TimeSpan
from kiosk.vocabulary import Cue, Verdict


def _seed_0003(url: str) -> None:
    """A database at revision 0003 (before verdicts) with a workshop, two trainees and three takes."""
    with database_at(url, "0003") as connection:
        report_value = json_value(connection)
        connection.execute(
            text(
                "INSERT INTO trainees (name, name_key, code, created_at) VALUES "
                "('Ana', 'ana', 'ANA234', '2026-01-05 10:00:00'), ('Bo', 'bo', 'BOB567', '2026-01-05 10:00:00')"
            )
        )
        connection.execute(text("INSERT INTO workshops (name, created_at) VALUES ('Monday', '2026-01-05 09:00:00')"))
        connection.execute(
            text(
                "INSERT INTO workshop_members (workshop_id, trainee_id) SELECT w.id, t.id FROM workshops w, trainees t"
            )
        )
        for uid, code, minute, score in (
            ("a1", "ANA234", 1, 64.0),
            ("a2", "ANA234", 2, 71.0),
            ("b1", "BOB567", 3, 55.0),
        ):
            connection.execute(
                text(
                    "INSERT INTO takes (uid, trainee_id, workshop_id, scenario_id, setting, language, profile, "
                    "recorded_at, duration_s, overall_score, report, media_path) VALUES (:uid, "
                    "(SELECT id FROM trainees WHERE code = :code), (SELECT id FROM workshops), "
                    f"'front-desk-greeting-01', 'front_desk', 'en', 'default', :at, 4.0, :score, {report_value}, NULL)"
                ),
                {
                    "uid": uid,
                    "code": code,
                    "at": f"2026-01-05 10:0{minute}:00",
                    "score": score,
                    "report": json.dumps({"overall": {"score": round(score)}}),
                },
            )
            connection.execute(
                text(
                    "INSERT INTO cue_results (take_id, position, cue, score, value) VALUES "
                    "((SELECT id FROM takes WHERE uid = :uid), 0, 'eye_contact', 80, 0.62), "
                    "((SELECT id FROM takes WHERE uid = :uid), 1, 'arms_open', 40, 0.4), "
                    "((SELECT id FROM takes WHERE uid = :uid), 2, 'pace', NULL, NULL)"
                ),
                {"uid": uid},
            )


def test_a_0003_database_with_takes_upgrades_and_then_keeps_verdicts(url) -> None:
    _seed_0003(url)
    with Store(url) as store:  # opening upgrades to the current schema
        takes = store.takes()
        assert [(t.uid, t.trainee, t.trainee_code, t.overall_score) for t in takes] == [
            ("a1", "Ana", "ANA234", 64.0),
            ("a2", "Ana", "ANA234", 71.0),
            ("b1", "Bo", "BOB567", 55.0),
        ]
        assert takes[0].cues == (
            CueRecord("eye_contact", 80.0, 0.62),
            CueRecord("arms_open", 40.0, 0.4),
            CueRecord("pace", None, None),
        )
        (monday,) = store.workshops()
        assert [t.name for t in monday.roster] == ["Ana", "Bo"] and {t.workshop_id for t in takes} == {monday.id}
        assert store.verdicts() == []
        at = datetime(2026, 1, 6, 9, 30, tzinfo=UTC)
        kept = store.add_verdict(
            "a1", "arms_open", "wrong", span=TimeSpan(0.5, 2.0), note="arms were not crossed", now=at
        )
        assert (kept.take_uid, kept.cue, kept.verdict, kept.span, kept.note) == (
            "a1",
            Cue.ARMS_OPEN,
            Verdict.WRONG,
            TimeSpan(0.5, 2.0),
            "arms were not crossed",
        )
        assert kept.created_at == at and kept.workshop_id == monday.id and kept.score == 40.0
        assert store.verdicts(take_uid="a1") == [kept]
        assert store.takes() == takes  # a verdict changes nothing of the take


def test_verdicts_never_change_a_takes_scores_and_are_counted_per_cue(url) -> None:
    with Store(url) as store:
        monday = store.create_workshop("Monday", ["Ana", "Bo"])
        for i, who in enumerate(["Ana", "Bo", "Ana"]):
            store.save_take(replace(record(f"t{i}", who, 10 + i), workshop_id=monday.id if i < 2 else None))
        before = store.takes()
        store.add_verdict("t0", Cue.EYE_CONTACT, Verdict.RIGHT)
        store.add_verdict("t0", Cue.SMILING, Verdict.WRONG, span=TimeSpan(1.0, 2.5), note="she did smile at 0:01")
        store.add_verdict("t1", Cue.EYE_CONTACT, Verdict.WRONG, span=TimeSpan(0.0, 4.0))
        store.add_verdict("t1", Cue.PACE, Verdict.RIGHT)
        store.add_verdict("t2", Cue.EYE_CONTACT, Verdict.RIGHT)
        assert store.takes() == before
        assert store.verdict_agreement(workshop_id=monday.id) == [
            CueAgreement(Cue.EYE_CONTACT, n=2, right=1, takes=2, timed=1),
            CueAgreement(Cue.SMILING, n=1, right=0, takes=1, timed=1),
            CueAgreement(Cue.PACE, n=1, right=1, takes=1, timed=0),
        ]
        overall = store.verdict_agreement()
        assert overall[0] == CueAgreement(Cue.EYE_CONTACT, n=3, right=2, takes=3, timed=1)
        assert overall[0].agreement_share == pytest.approx(2 / 3)
        assert [v.take_uid for v in store.verdicts(workshop_id=monday.id)] == ["t0", "t0", "t1", "t1"]


def test_a_verdict_that_makes_no_sense_is_refused_with_what_is_wrong(url) -> None:
    with Store(url) as store:
        store.save_take(replace(record("t1", "Ana", 1), cues=(CueRecord("eye_contact", 70.0, 0.5),)))
        with pytest.raises(VerdictError, match=r"must end after it starts \(it was 3 s to 2 s\)"):
            store.add_verdict("t1", "eye_contact", "wrong", span=TimeSpan(3.0, 2.0))
        with pytest.raises(VerdictError, match="starts at 0 s or later"):
            store.add_verdict("t1", "eye_contact", "wrong", span=TimeSpan(-1.0, 2.0))
        with pytest.raises(VerdictError, match=r"The take is 4\.0 s long"):
            store.add_verdict("t1", "eye_contact", "wrong", span=TimeSpan(1.0, 9.0))
        with pytest.raises(VerdictError, match="no score for the cue smiling"):
            store.add_verdict("t1", "smiling", "right")
        with pytest.raises(VerdictError, match="not a cue the kiosk scores"):
            store.add_verdict("t1", "charisma", "right")
        with pytest.raises(VerdictError, match="right or wrong"):
            store.add_verdict("t1", "eye_contact", "maybe")
        with pytest.raises(VerdictError, match="at most 500 characters"):
            store.add_verdict("t1", "eye_contact", "right", note="x" * 501)
        with pytest.raises(TakeNotFoundError, match="deleted meanwhile"):
            store.add_verdict("gone", "eye_contact", "right")
        assert store.verdicts() == []
        ok = store.add_verdict("t1", "eye_contact", "right", span=TimeSpan(0.0, 4.05), note="  ")
        assert ok.span == TimeSpan(0.0, 4.05) and ok.note is None


def test_deleting_a_trainee_or_purging_a_take_removes_its_verdicts(url) -> None:
    with Store(url) as store:
        for i, who in enumerate(["Ana", "Bo", "Cleo"]):
            take = record(f"t{i}", who, i + 1)
            store.save_take(replace(take, recorded_at=datetime(2026, 11, 1 + 10 * i, 9)))
            store.add_verdict(f"t{i}", "eye_contact", "right")
        store.delete_trainee(store.find_trainee("Ana").id)
        assert [v.take_uid for v in store.verdicts()] == ["t1", "t2"]
        store.set_retention(media_days=None, take_days=14)
        assert store.purge(now=datetime(2026, 11, 26)) == (0, 1)  # Bo's take of 11 November
        assert [v.take_uid for v in store.verdicts()] == ["t2"]
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM verdicts").scalar() == 1


def test_an_export_carries_the_verdicts_to_another_store(url, tmp_path, request) -> None:
    at = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    with Store(url) as store:
        workshop = store.create_workshop("Monday", ["Ana"])
        store.save_take(replace(record("t1", "Ana", 5), workshop_id=workshop.id))
        store.add_verdict("t1", "smiling", "wrong", span=TimeSpan(0.25, 1.5), note="she did smile", now=at)
        exported = store.export_json()
    other_url = (
        f"sqlite:///{tmp_path / 'other.db'}"
        if url.startswith("sqlite")
        else request.getfixturevalue("postgres").new_database()
    )
    with Store(other_url) as other:
        assert other.import_json(json.loads(json.dumps(exported))) == 1
        assert other.import_json(exported) == 0
        (back,) = other.verdicts()
        assert (back.take_uid, back.cue, back.verdict, back.span, back.note, back.created_at) == (
            "t1",
            Cue.SMILING,
            Verdict.WRONG,
            TimeSpan(0.25, 1.5),
            "she did smile",
            at,
        )
        assert back.workshop_id == other.workshops()[0].id
        assert other.export_json()["verdicts"] == exported["verdicts"]
