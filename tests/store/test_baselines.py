"""A trainee's baseline per kiosk: stored under their name, replaced on Recalibrate, gone with the trainee.

Every test runs on SQLite and PostgreSQL (the ``url`` fixture). The baseline is
a real one: measured on video-retalking face_4 (a woman talking to the lens).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from conftest import SHARED_DATA
from sqlalchemy import text
from store_fixtures import (  # noqa: F401 - fixtures: each test on both databases
    database_at,
    json_value,
    postgres_fixture,
    url_fixture,
)

from kiosk.analysis import analyse_take, measure_baseline
from kiosk.calibration import TraineeBaseline, load_profile
from kiosk.store import Store, StoreError

PROFILE = load_profile("default")


@pytest.fixture(scope="module")
def baseline() -> TraineeBaseline:
    analysis = analyse_take(
        SHARED_DATA / "video-retalking" / "face_4.mp4",
        vision_calibration=PROFILE.vision,
        voice_calibration=PROFILE.voice,
    )
    return measure_baseline(
        analysis,
        settings=PROFILE.baseline,
        vision_calibration=PROFILE.vision,
        voice_calibration=PROFILE.voice,
        kiosk="front desk 1",
        taken_at=datetime(2026, 12, 4, 9, 30, tzinfo=UTC),
    )


def test_a_baseline_is_kept_per_trainee_and_kiosk_and_recalibrating_replaces_it(url, baseline) -> None:
    with Store(url) as store:
        assert store.baseline("Ana", kiosk="front desk 1") is None  # nobody of that name yet
        store.save_baseline("Ana", baseline)
        assert store.baseline("ana ", kiosk="front desk 1") == baseline  # names compare as everywhere
        assert store.baseline("Ana", kiosk="front desk 2") is None  # another kiosk, another camera
        assert [t.name for t in store.trainees()] == ["Ana"]  # calibrating adds the trainee
        later = replace(baseline, taken_at=baseline.taken_at + timedelta(days=3))
        store.save_baseline("Ana", later)
        assert store.baseline("Ana", kiosk="front desk 1") == later
        other = replace(baseline, kiosk="front desk 2")
        store.save_baseline("Ana", other)
        assert store.baseline("Ana", kiosk="front desk 2") == other
        assert store.baseline("Ana", kiosk="front desk 1") == later
        assert store.takes() == []  # a calibration is not a take


def test_deleting_the_trainee_deletes_their_baselines(url, baseline) -> None:
    with Store(url) as store:
        store.save_baseline("Ben", baseline)
        (ben,) = store.trainees()
        store.delete_trainee(ben.id)
        assert store.baseline("Ben", kiosk=baseline.kiosk) is None
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT COUNT(*) FROM baselines").scalar() == 0


def test_a_baseline_from_a_newer_kiosk_is_refused_with_what_to_do(url, baseline) -> None:
    with Store(url) as store:
        store.save_baseline("Cleo", baseline)
        newer = json.dumps({**baseline.to_json(), "version": 99})
        with store.engine.begin() as connection:
            connection.execute(text("UPDATE baselines SET document = :d"), {"d": newer})
        with pytest.raises(StoreError, match="newer kiosk.*Recalibrate"):
            store.baseline("Cleo", kiosk=baseline.kiosk)


def test_a_database_with_verdicts_upgrades_to_baselines_without_losing_anything(url, baseline) -> None:
    # Data of the schema before: a trainee, a take and a trainer's verdict on it, written at 0004.
    with database_at(url, "0004") as connection:
        report_value = json_value(connection)
        connection.execute(
            text(
                "INSERT INTO trainees (name, name_key, code, created_at) "
                "VALUES ('Dana', 'dana', 'DANA23', '2026-11-05 10:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO takes (uid, trainee_id, scenario_id, setting, language, profile, recorded_at, "
                "duration_s, overall_score, report, media_path) VALUES ('dana-take', "
                "(SELECT id FROM trainees WHERE code = 'DANA23'), 'phone-greeting-01', "
                f"'phone', 'en', 'default', '2026-11-05 10:01:00', 3.5, 64.0, {report_value}, NULL)"
            ),
            {"report": json.dumps({"overall": {"score": 64}})},
        )
        connection.execute(
            text(
                "INSERT INTO cue_results (take_id, position, cue, score, value) "
                "VALUES ((SELECT id FROM takes WHERE uid = 'dana-take'), 0, 'pace', 80, 140)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO verdicts (take_id, cue, verdict, start_s, end_s, note, created_at) VALUES "
                "((SELECT id FROM takes WHERE uid = 'dana-take'), 'pace', 'wrong', 1.0, 2.5, 'she was slow', "
                "'2026-11-05 11:00:00')"
            )
        )
    with Store(url) as store:  # opening upgrades to the current schema (0005: baselines)
        (take,) = store.takes()
        assert (take.uid, take.trainee, take.overall_score) == ("dana-take", "Dana", 64.0)
        (verdict,) = store.verdicts()
        assert (verdict.cue, verdict.verdict, verdict.note) == ("pace", "wrong", "she was slow")
        assert store.baseline("Dana", kiosk=baseline.kiosk) is None
        store.save_baseline("Dana", baseline)
        assert store.baseline("Dana", kiosk=baseline.kiosk) == baseline
        assert [t.code for t in store.trainees()] == ["DANA23"]  # the same trainee, not a new one
