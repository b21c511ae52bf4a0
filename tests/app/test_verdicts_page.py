"""The trainer's verdicts on the dashboard (AppTest): marking a take's cues right or wrong, with a time range
and a note, the per-cue agreement for the workshop and overall, and clear messages for bad input, a take
deleted meanwhile and a busy database."""

from __future__ import annotations

from datetime import datetime

import pytest
from test_trainer_faults import NO_SQL, shown, write_lock_held
from test_workshops_page import PIN, button, kiosk_data_fixture, opened, unlocked  # noqa: F401 - kiosk_data: a fresh kiosk for each test

from kiosk.store import CueRecord, Store, TakeRecord
from kiosk.timespan import TimeSpan
from kiosk.vocabulary import Cue, Verdict

pytestmark = pytest.mark.slow


def take(uid: str, trainee: str, minute: int, workshop_id: int | None) -> TakeRecord:
    return TakeRecord(
        uid=uid,
        trainee=trainee,
        scenario_id="front-desk-greeting-01",
        setting="front_desk",
        language="en",
        profile="default",
        recorded_at=datetime(2026, 12, 1, 10, minute),
        duration_s=4.0,
        overall_score=62.0,
        cues=(
            CueRecord("eye_contact", 80.0, 0.7),
            CueRecord("smiling", 20.0, 0.1),
            CueRecord("arms_open", None, None),
            CueRecord("pace", 90.0, 150.0),
        ),
        report={"cues": [{"cue": "eye_contact", "measured": "70% of the take"}]},
        workshop_id=workshop_id,
    )


@pytest.fixture
def monday(kiosk_data) -> int:
    """Monday's workshop (current) with Ana's and Bo's takes; Cleo's take belongs to no workshop."""
    with Store(kiosk_data) as store:
        workshop = store.create_workshop("Monday", ["Ana", "Bo"])
        store.set_current_workshop(workshop.id)
        store.save_take(take("ana-1", "Ana", 1, workshop.id))
        store.save_take(take("bo-1", "Bo", 2, workshop.id))
        store.save_take(take("cleo-1", "Cleo", 3, None))
    return workshop.id


def mark(app, uid: str, cue: str, verdict: str, start=None, end=None, note: str = ""):
    app.selectbox(key="verdict-take").select(uid).run()
    app.selectbox(key="verdict-cue").select(cue)
    app.radio(key="verdict-value").set_value(verdict)
    app.number_input(key="verdict-from").set_value(start)
    app.number_input(key="verdict-to").set_value(end)
    app.text_input(key="verdict-note").input(note)
    return button(app, "Keep the verdict").click().run()


#: The columns of the dashboard's tables (AppTest does not expose a static table's key).
CUES = ["Cue", "Score", "Measured"]
VERDICTS = ["Cue", "Verdict", "Time range", "Note", "When"]
AGREEMENT = ["Cue", "Verdicts", "Agreement %"]


def tables(app, columns: list[str]) -> list[list[list]]:
    """The rows of every table on the page with these columns, in page order."""
    return [t.value.values.tolist() for t in app.dataframe if list(t.value.columns) == columns]


def test_the_trainer_marks_cues_and_sees_how_often_the_kiosk_agreed(kiosk_data, monday) -> None:
    app = unlocked(kiosk_data)
    assert any(h.value == "Was the kiosk right?" for h in app.subheader)
    picker = app.selectbox(key="verdict-take")
    line = "Good evening, welcome to the hotel! Are you checking in with us tonight?"  # front-desk-greeting-01
    assert picker.options == [f"2026-12-01 10:02 · Bo · {line} · 62", f"2026-12-01 10:01 · Ana · {line} · 62"]
    mark(app, "ana-1", "smiling", "wrong", 1.0, 2.5, "she did smile at 0:01")
    assert not app.exception and "Kept: Smiling was wrong." in app.success[0].value
    assert app.number_input(key="verdict-from").value is None and app.text_input(key="verdict-note").value == ""
    # The take's scored cues (arms not observed: not offered), and its verdict.
    assert tables(app, CUES)[0] == [["Eye contact", 80, "70% of the take"], ["Smiling", 20, ""], ["Pace", 90, ""]]
    assert app.selectbox(key="verdict-cue").options == ["Eye contact", "Smiling", "Pace"]
    ((row,),) = tables(app, VERDICTS)
    assert row[:4] == ["Smiling", "wrong", "1.0–2.5 s", "she did smile at 0:01"]
    mark(app, "ana-1", "eye_contact", "right")
    mark(app, "bo-1", "eye_contact", "wrong", note="looked at his notes")
    assert not app.exception
    with Store(kiosk_data) as store:
        kept = [(v.take_uid, v.cue, v.verdict, v.span, v.note) for v in store.verdicts()]
        assert kept == [
            ("ana-1", Cue.SMILING, Verdict.WRONG, TimeSpan(1.0, 2.5), "she did smile at 0:01"),
            ("ana-1", Cue.EYE_CONTACT, Verdict.RIGHT, None, None),
            ("bo-1", Cue.EYE_CONTACT, Verdict.WRONG, None, "looked at his notes"),
        ]
        assert [(c.cue, c.score) for c in store.take("ana-1").cues][:2] == [("eye_contact", 80.0), ("smiling", 20.0)]
        # A verdict entered elsewhere, on a take of no workshop: the page reads it on its next run.
        store.add_verdict("cleo-1", "eye_contact", "right")
    app.run()
    workshop, overall = tables(app, AGREEMENT)
    assert workshop == [["Eye contact", 2, 50], ["Smiling", 1, 0]]
    assert overall == [["Eye contact", 3, 67], ["Smiling", 1, 0]]


def test_a_verdict_that_makes_no_sense_gets_a_message_and_nothing_is_kept(kiosk_data, monday) -> None:
    with Store(kiosk_data) as store:
        store.set_trainer_pin(PIN)
    closed = opened("trainer")  # behind the trainer PIN: no take, no verdict form
    assert not closed.tabs and not closed.get("number_input")
    assert "verdict-take" not in {w.key for w in closed.selectbox}
    app = unlocked(kiosk_data)
    mark(app, "ana-1", "smiling", "wrong", 3.0, 2.0)
    assert "The range must end after it starts (you gave 3.0 s to 2.0 s)." in app.error[0].value
    mark(app, "ana-1", "smiling", "wrong", 1.0, None)
    assert "Give both times, or neither" in app.error[0].value
    mark(app, "ana-1", "smiling", "wrong", 1.0, 9.0)
    assert "This take is 4.0 s long" in app.error[0].value
    assert not app.exception
    with Store(kiosk_data) as store:
        assert store.verdicts() == []


def test_a_take_deleted_meanwhile_or_a_busy_database_gets_a_message_not_a_traceback(
    kiosk_data, monday, tmp_path
) -> None:
    app = unlocked(kiosk_data)
    app.selectbox(key="verdict-take").select("ana-1").run()
    with Store(kiosk_data) as store:
        store.delete_trainee(store.find_trainee("Ana").id)
    button(app, "Keep the verdict").click().run()
    assert not app.exception
    assert "That take was deleted meanwhile: nothing was kept." in app.warning[0].value
    assert app.selectbox(key="verdict-take").value == "bo-1"
    with write_lock_held(tmp_path / "kiosk.db") as holder:
        mark(app, "bo-1", "pace", "right")
        assert holder.poll() is None
    assert not app.exception and "database is busy" in shown(app)
    assert not any(word in shown(app) for word in NO_SQL)
    mark(app, "bo-1", "pace", "right")  # the lock is gone: the same verdict is kept
    with Store(kiosk_data) as store:
        assert [(v.take_uid, v.cue) for v in store.verdicts()] == [("bo-1", Cue.PACE)]
