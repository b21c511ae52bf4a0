"""The pages when the database is locked by another process or damaged: a message and a way on, never a
traceback, and never a lost take (AppTest).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from test_workshops_page import SPEAKER, button, kiosk_data_fixture, my_progress, opened, saved, unlocked  # noqa: F401 - kiosk_data: a fresh kiosk for each test

from kiosk.app.common import open_store
from kiosk.store import Store, pending_folder

pytestmark = pytest.mark.slow

WORKERS = Path(__file__).resolve().parents[1] / "store" / "store_workers.py"
NO_SQL = ("SELECT", "INSERT", "BEGIN", "[SQL", "sqlalche.me", "Traceback", "OperationalError", "DatabaseError")


@contextmanager
def write_lock_held(database: Path, seconds: float = 60):
    """Another process holding the database's write lock (BEGIN IMMEDIATE) until the block ends."""
    ready = database.parent / "holding"
    holder = subprocess.Popen([sys.executable, str(WORKERS), "hold", str(database), str(ready), str(seconds)])
    try:
        while not ready.exists():
            assert holder.poll() is None
            time.sleep(0.05)
        yield holder
    finally:
        holder.kill()
        holder.wait()


def shown(app) -> str:
    return " ".join(e.value for kind in ("error", "warning", "info", "success") for e in getattr(app, kind))


def upload(app, name: str = "Ana") -> None:
    app.text_input(key="upload-trainee").input(name).run()
    app.get("file_uploader")[0].set_value((SPEAKER.name, SPEAKER.read_bytes(), "video/mp4")).run()


def test_while_another_process_holds_the_write_lock_the_pages_read_and_say_when_to_retry(kiosk_data, tmp_path) -> None:
    ana = saved(kiosk_data, "Ana", 2, 40.0)
    dashboard = unlocked(kiosk_data)
    progress = opened("progress")
    my_progress(progress, ana, "Ana")
    with write_lock_held(tmp_path / "kiosk.db") as holder:
        # Open pages keep reading while the lock is held: no wait, no error.
        dashboard.run()
        progress.run()
        assert holder.poll() is None
        assert not dashboard.exception and len(dashboard.tabs) == 3 and not dashboard.error
        assert not progress.exception and len(progress.dataframe) == 1
        # A write says the database is busy, with a button to try again; no SQL, no traceback.
        dashboard.text_input(key="workshop-name").input("Monday")
        button(dashboard, "Create the workshop").click().run()
        assert not dashboard.exception and "database is busy" in shown(dashboard)
        assert dashboard.button(key="store-retry").label == "Try again"
        assert not any(word in shown(dashboard) for word in NO_SQL)
        # So does a PIN try, or a code, on a fresh page (each try is written down).
        fresh = opened("trainer")
        fresh.text_input(key="pin").input("111999")
        button(fresh, "Open the dashboard").click().run()
        assert not fresh.exception and "database is busy" in shown(fresh) and not fresh.tabs
        assert holder.poll() is None  # all within the 60 s the other process holds the lock
    dashboard.button(key="store-retry").click().run()  # the lock is gone: the retry works
    dashboard.text_input(key="workshop-name").input("Monday")
    button(dashboard, "Create the workshop").click().run()
    assert not dashboard.exception and "Monday" in dashboard.success[0].value


def test_an_upload_while_the_database_is_locked_shows_its_report_and_the_take_is_saved_later(
    kiosk_data, tmp_path
) -> None:
    saved(kiosk_data, "Bo", 2, 40.0)
    app = opened("upload")
    with write_lock_held(tmp_path / "kiosk.db") as holder:
        upload(app)
        assert holder.poll() is None
    assert not app.exception and app.metric[0].value.isdigit()
    notes = " ".join(w.value for w in app.warning)
    assert "will be saved later" in notes and not any(word in notes for word in NO_SQL)
    (kept,) = pending_folder().iterdir()
    with Store(kiosk_data) as store:
        assert [t.trainee for t in store.takes()] == ["Bo"]
    # The next time the kiosk opens its database, the kept take goes in.
    open_store.clear()
    opened("trainer")
    assert not kept.exists()
    with Store(kiosk_data) as store:
        takes = {t.trainee: t for t in store.takes()}
    assert set(takes) == {"Ana", "Bo"} and round(takes["Ana"].overall_score) == int(app.metric[0].value)


@pytest.fixture
def damaged(kiosk_data, tmp_path) -> Path:
    database = tmp_path / "kiosk.db"
    database.write_bytes(os.urandom(32 * 1024))
    return database


@pytest.mark.parametrize("mode", ["trainer", "progress"])
def test_a_damaged_database_gives_the_pages_what_to_do_not_a_traceback(damaged, mode) -> None:
    app = opened(mode)
    assert not app.exception
    said = re.sub(r"\\(.)", r"\1", app.error[0].value)  # as the browser shows it (Markdown escapes undone)
    assert f"The kiosk's database {damaged} is damaged" in said
    assert app.code[0].value.startswith("mkdir -p ") and f"mv {damaged}*" in app.code[0].value
    assert not any(word in shown(app) for word in NO_SQL)


def test_an_upload_with_a_damaged_database_still_shows_the_report_and_keeps_the_take(damaged) -> None:
    app = opened("upload")
    upload(app)
    assert not app.exception and app.metric[0].value.isdigit()
    assert any("will be saved later" in w.value for w in app.warning)
    (kept,) = pending_folder().iterdir()
    assert kept.stat().st_mode & 0o077 == 0
