"""Processes that write to a store, for the concurrency and crash tests (run with ``python -m``/path)."""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta
from pathlib import Path


def record(uid: str, trainee: str, minute: int):
    from kiosk.store import CueRecord, TakeRecord

    return TakeRecord(
        uid=uid,
        trainee=trainee,
        scenario_id="front-desk-greeting-01",
        setting="front_desk",
        language="en",
        profile="default",
        recorded_at=datetime(2026, 11, 29, 9, 0) + timedelta(minutes=minute),
        duration_s=4.0,
        overall_score=50.0 + minute % 50,
        cues=tuple(CueRecord(cue, float(minute % 100), float(minute)) for cue in ("eye_contact", "smiling", "pace")),
        report={"overall": {"score": 50 + minute % 50}},
    )


def write_many(url: str, who: str, count: int, shared: int) -> None:
    """Save ``count`` takes of one's own and ``shared`` takes both workers save (same uids)."""
    from kiosk.store import Store

    with Store(url) as store:
        for i in range(count):
            store.save_take(record(f"{who}-{i}", who, i))
            if i < shared:
                store.save_take(record(f"shared-{i}", "Both", i))


def same_names(url: str, who: str, name: str) -> None:
    """Save a take for each of 20 new names, as the other worker does, written in another case."""
    from kiosk.store import Store

    with Store(url) as store:
        for i in range(20):
            written = f"{name} {i}"
            store.save_take(record(f"{who}-{i}", written.lower() if who == "a" else written.upper(), i))


def hold_write_lock(path: str, ready: str, seconds: str) -> None:
    """Another program holding the SQLite database's write lock (BEGIN IMMEDIATE) for ``seconds``."""
    import sqlite3

    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("INSERT INTO settings (key, value) VALUES ('held-by-another-program', 'x')")
    Path(ready).write_text("holding the write lock")
    time.sleep(float(seconds))
    connection.execute("ROLLBACK")


def save_and_hang(url: str, ready: str) -> None:
    """Start saving a take, then hang inside the transaction until killed."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from kiosk.store import Store

    store = Store(url)

    @event.listens_for(Session, "after_flush")
    def hang(session, _context) -> None:
        Path(ready).write_text("inside the transaction")
        time.sleep(600)

    store.save_take(record("half-written", "Cleo", 1))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "write":
        write_many(args[0], args[1], int(args[2]), int(args[3]))
    elif command == "same-names":
        same_names(args[0], args[1], args[2])
    elif command == "hold":
        hold_write_lock(args[0], args[1], args[2])
    elif command == "hang":
        save_and_hang(args[0], args[1])
