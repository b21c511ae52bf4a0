"""The store's commands, run as a user runs them: ``kiosk trainer set-pin|unlock``, ``kiosk backup``, ``kiosk export``.

Every failure is one sentence on stderr and exit code 2.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from store_workers import record

from kiosk.store import Store


@pytest.fixture
def data(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("KIOSK_DATA_DIR", str(folder))
    monkeypatch.delenv("KIOSK_DB_URL", raising=False)
    return folder


def kiosk(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


def assert_clean_failure(result: subprocess.CompletedProcess[str], *phrases: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    (message,) = [line for line in result.stderr.splitlines() if line.startswith("kiosk:")]
    for phrase in phrases:
        assert phrase in message


def test_the_trainer_pin_is_set_on_the_machine_and_trivial_pins_are_refused(data) -> None:
    assert_clean_failure(kiosk("trainer", "set-pin", stdin="2468\n"), "at least 6 digits")
    assert_clean_failure(kiosk("trainer", "set-pin", stdin="123456\n"), "first an intruder would try")
    assert_clean_failure(kiosk("trainer", "set-pin", stdin="121212\n"), "first an intruder would try")
    result = kiosk("trainer", "set-pin", stdin="583920\n")
    assert result.returncode == 0 and "Trainer PIN set" in result.stdout
    with Store() as store:
        assert store.check_trainer_pin("583920") and not store.check_trainer_pin("583921")
    result = kiosk("trainer", "set-pin", stdin="lilac otter tuesday\n")
    assert result.returncode == 0 and "changed" in result.stdout
    with Store() as store:
        assert store.check_trainer_pin("lilac otter tuesday")


def test_unlock_ends_a_lockout(data) -> None:
    with Store() as store:
        store.set_trainer_pin("583920")
        now = datetime.now(UTC)
        for i in range(12):  # 16 minutes apart: each after the last wait, the last a minute ago
            assert store.check_trainer_pin("111999", now=now - timedelta(minutes=16 * (11 - i) + 1)).checked
        assert store.trainer_pin_wait().locked
    result = kiosk("trainer", "unlock")
    assert result.returncode == 0, result.stderr
    with Store() as store:
        assert store.trainer_pin_wait().wait_s == 0 and store.check_trainer_pin("583920")


def test_backup_and_export_write_what_they_say(data, tmp_path) -> None:
    with Store() as store:
        store.save_take(record("t1", "=cmd|' /C calc'!A0", 1))
    result = kiosk("backup", str(tmp_path))
    assert result.returncode == 0 and result.stdout.startswith("Backup written: ")
    with Store(f"sqlite:///{result.stdout.split(': ', 1)[1].strip()}") as copy:
        assert [t.uid for t in copy.takes()] == ["t1"]
    assert kiosk("export", str(tmp_path / "takes.csv")).returncode == 0
    (row,) = csv.DictReader(io.StringIO((tmp_path / "takes.csv").read_text()))
    assert row["trainee"] == "'=cmd|' /C calc'!A0"
    assert_clean_failure(kiosk("export", str(tmp_path / "takes.xlsx")), ".csv", ".json")
    assert_clean_failure(kiosk("export", str(tmp_path / "missing" / "t.csv")), "does not exist")
    assert_clean_failure(kiosk("backup", str(tmp_path / "missing" / "b.db")), "does not exist")


def test_backup_of_a_database_server_prints_the_pg_dump_command(data) -> None:
    result = kiosk("backup", env={"KIOSK_DB_URL": "postgresql+psycopg://kiosk:s3cret@db.example/kiosk"})
    assert_clean_failure(result, "pg_dump", "postgresql://kiosk@db.example/kiosk")
    assert "s3cret" not in result.stderr


def test_a_damaged_database_gives_the_command_to_move_it_aside(data) -> None:
    data.mkdir()
    (data / "kiosk.db").write_bytes(b"\x00garbage" * 4096)
    assert_clean_failure(kiosk("export", str(data / "t.csv")), "is damaged", "mv ")
    assert_clean_failure(kiosk("backup"), "is damaged")
