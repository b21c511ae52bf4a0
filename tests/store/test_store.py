"""The store: trainees, workshops and scored takes, safe under several kiosks and crashes.

SQLite (WAL) by default, PostgreSQL for a centre's shared server: every test
runs on both (a real server on loopback, see ``postgres_server.py`` and the
``url`` fixture in ``store_fixtures.py``). Every
write is one transaction; the schema is brought up to date by migrations;
exports load back; a trainee is deleted with every row and file of theirs.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from store_fixtures import (  # noqa: F401 - fixtures: each test on both databases
    database_at,
    json_value,
    postgres_fixture,
    url_fixture,
)
from store_workers import record

from kiosk.store import CueRecord, Store, StoreError, upgrade_schema

WORKERS = Path(__file__).resolve().parent / "store_workers.py"


def test_a_saved_take_reads_back_as_it_was_saved(url) -> None:
    saved = record("take-1", "Ana", 7)
    with Store(url) as store:
        store.save_take(saved)
        (back,) = store.takes()
    assert back.uid == "take-1" and back.trainee == "Ana" and len(back.trainee_code) == 6
    assert back.cues == saved.cues and back.report == saved.report
    assert back.recorded_at == saved.recorded_at and back.overall_score == saved.overall_score


def test_saving_the_same_take_twice_stores_it_once(url) -> None:
    with Store(url) as store:
        first = store.save_take(record("take-1", "Ana", 1))
        again = store.save_take(record("take-1", "Ana", 1))
        assert first == again and len(store.takes()) == 1
        assert first.trainee_code == store.find_trainee("Ana").code  # the trainee's code, to give them
        assert store.save_take(record("take-2", None, 2)).trainee_code is None


def test_the_sqlite_database_is_in_wal_mode_with_foreign_keys_enforced(tmp_path) -> None:
    with Store(f"sqlite:///{tmp_path / 'kiosk.db'}") as store:
        store.save_take(record("take-1", "Ana", 1))
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_two_processes_writing_at_once_lose_nothing_and_duplicate_nothing(url) -> None:
    # Both start on an empty database: creating the schema is raced too.
    workers = [subprocess.Popen([sys.executable, str(WORKERS), "write", url, who, "40", "15"]) for who in ("Ana", "Bo")]
    assert [w.wait(timeout=240) for w in workers] == [0, 0]
    with Store(url) as store:
        takes = store.takes()
    uids = [t.uid for t in takes]
    assert len(uids) == len(set(uids)) == 40 + 40 + 15
    assert {t.trainee for t in takes} == {"Ana", "Bo", "Both"}
    assert all(len(t.cues) == 3 for t in takes)


def test_a_process_killed_while_saving_a_take_leaves_the_database_consistent(url, tmp_path) -> None:
    with Store(url) as store:
        store.save_take(record("before", "Ana", 1))
    ready = tmp_path / "ready"
    worker = subprocess.Popen([sys.executable, str(WORKERS), "hang", url, str(ready)])
    deadline = time.monotonic() + 60
    while not ready.exists():
        assert worker.poll() is None, "the worker ended before reaching the transaction"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with Store(url) as store:
        with store.engine.connect() as connection:
            orphans = "SELECT count(*) FROM cue_results WHERE take_id NOT IN (SELECT id FROM takes)"
            assert connection.exec_driver_sql(orphans).scalar() == 0
        assert [t.uid for t in store.takes()] == ["before"]
        assert store.find_trainee("Cleo") is None  # the trainee added in the same transaction is gone too
        store.save_take(record("after", "Cleo", 2))  # and the database takes writes again
        assert len(store.takes()) == 2


def test_a_database_of_the_first_schema_upgrades_without_losing_its_takes(url) -> None:
    with database_at(url, "0001") as connection:
        report_value = json_value(connection)
        connection.execute(
            text("INSERT INTO trainees (name, code, created_at) VALUES ('Ana', 'ANA234', '2026-01-05 10:00:00')")
        )
        connection.execute(
            text(
                "INSERT INTO takes (uid, trainee_id, scenario_id, setting, language, profile, recorded_at, "
                "duration_s, overall_score, report, media_path) VALUES ('old-take', "
                "(SELECT id FROM trainees WHERE code = 'ANA234'), 'phone-greeting-01', "
                f"'phone', 'en', 'default', '2026-01-05 10:01:00', 3.5, 64.0, {report_value}, NULL)"
            ),
            {"report": json.dumps({"overall": {"score": 64}})},
        )
        connection.execute(
            text(
                "INSERT INTO cue_results (take_id, position, cue, score, value) "
                "VALUES ((SELECT id FROM takes WHERE uid = 'old-take'), 0, 'pace', 80, 140)"
            )
        )
    with Store(url) as store:  # opening upgrades to the current schema
        (old,) = store.takes()
        assert (old.uid, old.trainee, old.trainee_code, old.overall_score) == ("old-take", "Ana", "ANA234", 64.0)
        assert old.cues == (CueRecord("pace", 80.0, 140.0),) and old.report == {"overall": {"score": 64}}
        assert old.workshop_id is None
        workshop = store.create_workshop("January group", ["Ana"])
        store.save_take(replace(record("new-take", "Ana", 3), workshop_id=workshop.id))
        assert [t.workshop_id for t in store.takes()] == [None, workshop.id]
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == _head()


def _head() -> str:
    """The newest migration's revision (what opening a store upgrades to)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from kiosk.store.store import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    (head,) = ScriptDirectory.from_config(config).get_heads()
    return head


def test_the_upgraded_schema_matches_the_current_tables(url) -> None:
    from sqlalchemy import inspect

    from kiosk.store.schema import Base

    with Store(url) as store:
        found = inspect(store.engine)
        for table in Base.metadata.sorted_tables:
            assert {c["name"] for c in found.get_columns(table.name)} == {c.name for c in table.columns}, table.name


def test_an_export_loads_back_into_an_empty_store_unchanged(url, tmp_path, request) -> None:
    with Store(url) as store:
        workshop = store.create_workshop("Monday", ["Ana", "Bo"])
        for i, who in enumerate(["Ana", "Bo", None, "Ana"]):
            take = record(f"t{i}", who, i)
            store.save_take(replace(take, workshop_id=workshop.id if i < 2 else None))
        exported = store.export_json()
        csv_text = store.export_csv()
    other_url = (
        f"sqlite:///{tmp_path / 'other.db'}"
        if url.startswith("sqlite")
        else request.getfixturevalue("postgres").new_database()
    )
    with Store(other_url) as other:
        assert other.import_json(json.loads(json.dumps(exported))) == 4
        again = other.export_json()
        assert other.import_json(again) == 0  # importing twice adds nothing
        assert len(other.workshops()) == 1 and len(other.trainees()) == 2
    assert again["takes"] == exported["takes"]
    assert again["trainees"] == exported["trainees"]
    assert again["workshops"] == exported["workshops"]
    lines = csv_text.splitlines()
    assert lines[0].startswith("take,trainee,code,workshop,recorded_at,scenario,line,") and lines[0].endswith(
        "eye_contact,smiling,pace"
    )
    assert len(lines) == 5 and ",Ana," in lines[1]


def test_the_exports_carry_the_workshop_s_name_and_the_line_s_words(url) -> None:
    # A trainer reads names: "Monday group" and the line, not the workshop's id 1 and front-desk-greeting-01.
    with Store(url) as store:
        workshop = store.create_workshop("Monday group", ["Ana"])
        store.save_take(replace(record("t0", "Ana", 0), workshop_id=workshop.id))
        store.save_take(record("t1", None, 1))
        store.save_take(replace(record("t2", None, 2), scenario_id="a-line-no-longer-shipped"))
        rows = {row["take"]: row for row in csv.DictReader(io.StringIO(store.export_csv()))}
        takes = {t["uid"]: t for t in store.export_json()["takes"]}
    words = "Good evening, welcome to the hotel! Are you checking in with us tonight?"
    assert rows["t0"]["workshop"] == "Monday group" and rows["t1"]["workshop"] == ""
    assert rows["t0"]["scenario"] == "front-desk-greeting-01" and rows["t0"]["line"] == words
    assert rows["t2"]["line"] == "" and rows["t2"]["scenario"] == "a-line-no-longer-shipped"
    assert (takes["t0"]["workshop"], takes["t0"]["workshop_id"]) == ("Monday group", workshop.id)
    assert takes["t0"]["line"] == words and takes["t1"]["workshop"] is None


def test_deleting_a_trainee_removes_every_row_and_recording_of_theirs(url, tmp_path) -> None:
    media = []
    with Store(url) as store:
        for i, who in enumerate(["Ana", "Bo", "Ana"]):
            path = tmp_path / f"take-{i}.mkv"
            path.write_bytes(b"recording")
            media.append(path)
            store.save_take(replace(record(f"t{i}", who, i), media_path=str(path)))
        store.create_workshop("Group", ["Ana", "Bo"])
        ana = store.find_trainee("ana")
        assert store.delete_trainee(ana.id) == 2
        assert [t.trainee for t in store.takes()] == ["Bo"]
        assert store.find_trainee(ana.code) is None
        assert [t.name for t in store.workshops()[0].roster] == ["Bo"]
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM cue_results").scalar() == 3
            assert connection.exec_driver_sql("SELECT count(*) FROM workshop_members").scalar() == 1
        with pytest.raises(StoreError, match="No trainee"):
            store.delete_trainee(ana.id)
    assert [p.exists() for p in media] == [False, True, False]


def test_retention_removes_old_recordings_and_if_set_old_takes(url, tmp_path) -> None:
    with Store(url) as store:
        for day, uid in ((1, "old"), (20, "recent")):
            path = tmp_path / f"{uid}.mkv"
            path.write_bytes(b"recording")
            take = record(uid, "Ana", 0)
            store.save_take(replace(take, recorded_at=datetime(2026, 11, day, 9), media_path=str(path)))
        store.set_retention(media_days=7, take_days=None)
        assert store.purge(now=datetime(2026, 11, 25)) == (1, 0)
        assert [(t.uid, t.media_path is None) for t in store.takes()] == [("old", True), ("recent", False)]
        assert not (tmp_path / "old.mkv").exists() and (tmp_path / "recent.mkv").exists()
        store.set_retention(media_days=7, take_days=14)
        assert store.purge(now=datetime(2026, 11, 25)) == (0, 1)
        assert [t.uid for t in store.takes()] == ["recent"]
        with pytest.raises(StoreError, match="at least one day"):
            store.set_retention(media_days=0, take_days=None)


def test_the_trainer_pin_is_kept_only_as_a_salted_hash(url) -> None:
    with Store(url) as store:
        assert not store.has_trainer_pin() and not store.check_trainer_pin("284917")
        store.set_trainer_pin("284917")
        assert store.check_trainer_pin("284917") and not store.check_trainer_pin("284918")
        with store.engine.connect() as connection:
            stored = connection.exec_driver_sql("SELECT value FROM settings WHERE key = 'trainer_pin'").scalar()
        assert "284917" not in stored and stored.startswith("scrypt$")
        with pytest.raises(StoreError, match="at least 6 digits"):
            store.set_trainer_pin("2468")
        with pytest.raises(StoreError, match="first an intruder would try"):
            store.set_trainer_pin("000000")
        assert store.check_trainer_pin("284917")  # a refused new PIN left the old one


def test_a_database_that_cannot_be_opened_says_what_to_check(tmp_path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    with pytest.raises((StoreError, OSError)):
        Store(f"sqlite:///{blocker / 'kiosk.db'}")
    with pytest.raises(StoreError, match="not a valid SQLAlchemy URL"):
        Store("not a url at all")
    with pytest.raises(StoreError, match="could not be opened"):
        Store("postgresql+psycopg://kiosk@127.0.0.1:9/kiosk")


def test_upgrading_a_current_database_again_changes_nothing(url) -> None:
    with Store(url) as store:
        store.save_take(record("t1", "Ana", 1))
        upgrade_schema(store.engine)
        assert [t.uid for t in store.takes()] == ["t1"]


@pytest.fixture(scope="module")
def scored_take():
    from conftest import SHARED_DATA

    from kiosk.analysis import analyse_take, score_and_report
    from kiosk.calibration import load_scoring_profile, load_vision_calibration, load_voice_calibration
    from kiosk.scenarios import find_scenario
    from kiosk.voice import prepare_line

    scenario = find_scenario("video-call-greeting-01")
    analysis = analyse_take(
        SHARED_DATA / "video-retalking" / "face_2.mp4",
        vision_calibration=load_vision_calibration(),
        voice_calibration=load_voice_calibration(),
        line=prepare_line(scenario.text_in("en")),
    )
    return analysis, score_and_report(
        analysis, scoring_profile=load_scoring_profile(), profile_name="default", language="en", scenario=scenario
    )


def test_a_real_scored_take_is_stored_with_its_scores_values_and_report(url, scored_take) -> None:
    from kiosk.store import take_record

    analysis, scored = scored_take
    saved = take_record(
        scored.document,
        scored.scores,
        uid="real-1",
        trainee="Ana",
        profile="default",
        recorded_at=datetime(2026, 11, 29, 10, 0),
        duration_s=analysis.info.duration_s,
    )
    with Store(url) as store:
        store.save_take(saved)
        (back,) = store.takes()
    document = back.report
    assert back.scenario_id == "video-call-greeting-01" and back.setting == "video_call"
    assert round(back.overall_score) == document["overall"]["score"]
    for cue in document["cues"]:
        stored = back.cue_score(cue["cue"])
        assert (stored is None) == (cue["score"] is None)
        if stored is not None:
            assert round(stored) == cue["score"]
    eye_contact = next(c for c in back.cues if c.cue == "eye_contact")
    assert 0.0 <= eye_contact.value <= 1.0  # a share of the time, in the cue's unit
