"""The trainer dashboard and "My progress" against someone trying their luck, through the pages (AppTest).

PIN and code guessing are counted by what the page let through at a fixed
clock (the store's ``utc_now``), never by wall time; names are checked to
reach the browser as text, never as Markdown that could fetch an image.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from e2e_support import switch_to
from sqlalchemy import text
from streamlit.testing.v1 import AppTest
from test_workshops_page import PIN, button, kiosk_data_fixture, my_progress, opened, saved, unlocked  # noqa: F401 - kiosk_data: a fresh kiosk for each test

from kiosk.app import workshops
from kiosk.app.common import open_store
from kiosk.store import Store
from kiosk.store.access import TRAINEE_CODE, TRAINER_PIN

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    """The store's clock, held still (and moved by the test)."""
    now = {"t": NOW}
    monkeypatch.setattr("kiosk.store.store.utc_now", lambda: now["t"])
    return now


def guess(app: AppTest, pin: str) -> str:
    """One guess through the PIN form; what the page said: wrong (checked), wait, locked or open."""
    app.text_input(key="pin").input(pin)
    button(app, "Open the dashboard").click().run()
    assert not app.exception
    if app.tabs:
        return "open"
    said = " ".join(e.value for e in app.error) + " ".join(w.value for w in app.warning)
    if "not right" in said:
        return "wrong"
    return "locked" if "locked for" in said else "wait" if "wait" in said else said


def test_guessing_the_pin_through_the_page_is_slowed_down_and_a_new_session_does_not_reset_it(
    kiosk_data, clock
) -> None:
    with Store(kiosk_data) as store:
        store.set_trainer_pin(PIN)
    app = opened("trainer")
    said = [guess(app, f"{500000 + i}") for i in range(40)]
    # 3 wrong PINs are checked; every other guess in that moment is refused unchecked, even the right one.
    assert said.count("wrong") == TRAINER_PIN.free_failures and said.count("wait") == 40 - TRAINER_PIN.free_failures
    assert guess(app, PIN) == "wait"
    with Store(kiosk_data) as store, store.engine.connect() as connection:
        stored = json.loads(
            connection.execute(text("SELECT value FROM settings WHERE key = :k"), {"k": TRAINER_PIN.setting}).scalar()
        )
    assert stored["failures"] == 3 and datetime.fromisoformat(stored["next_try"]) == NOW + timedelta(seconds=5)
    # A new browser session, even a restarted kiosk, finds the wait where it was.
    open_store.clear()
    fresh = opened("trainer")
    assert any("wait 5 s" in w.value for w in fresh.warning)
    # Ten wrong PINs, each after its wait: locked for 15 minutes.
    for _ in range(TRAINER_PIN.lockout_after - TRAINER_PIN.free_failures):
        clock["t"] += timedelta(seconds=TRAINER_PIN.lockout_s)
        assert guess(fresh, "500999") in ("wrong", "locked")
    clock["t"] += timedelta(seconds=60)
    assert guess(fresh, PIN) == "locked"
    assert any("locked for 14 min" in w.value for w in fresh.warning)
    clock["t"] += timedelta(seconds=TRAINER_PIN.lockout_s)
    assert guess(fresh, PIN) == "open"


def test_an_unlocked_dashboard_locks_when_the_browser_goes_to_another_mode(kiosk_data) -> None:
    app = unlocked(kiosk_data)
    switch_to(app, "upload")
    switch_to(app, "trainer")
    assert not app.exception and not app.tabs and app.text_input(key="pin") is not None


def test_an_unlocked_dashboard_locks_after_a_quarter_of_an_hour_untouched(kiosk_data) -> None:
    app = unlocked(kiosk_data)
    app.run()
    assert len(app.tabs) == 3  # still open on the next click
    visit = app.session_state["trainer-visit"]
    app.session_state["trainer-visit"] = {**visit, "at": time.monotonic() - workshops.VISIT_IDLE_S - 1}
    app.run()
    assert not app.tabs and app.text_input(key="pin") is not None


def test_leave_trainer_locks_the_dashboard() -> None:
    # What the main app calls when the browser picks another mode.
    def page() -> None:
        import streamlit as st

        from kiosk.app import workshops

        st.session_state["trainer-visit"] = {"at": 0.0, "fresh": False}
        st.session_state["progress-visit"] = {"at": 0.0, "fresh": False}
        workshops.leave_trainer()
        st.text(",".join(sorted(k for k in st.session_state if k.endswith("-visit"))))

    app = AppTest.from_function(page).run()
    assert app.text[0].value == "progress-visit"


def test_a_name_alone_opens_no_one_s_progress(kiosk_data) -> None:
    saved(kiosk_data, "Ana", 2, 40.0)
    app = opened("progress")
    assert "A name alone opens nothing" in app.info[0].value
    my_progress(app, "", "Ana")
    assert not app.exception and not app.dataframe and "Type your code too" in app.warning[0].value
    assert not any("Ana" in c.value for c in app.caption)


def test_my_progress_opens_only_with_the_trainee_s_own_name_and_code_together(kiosk_data, clock) -> None:
    ana = saved(kiosk_data, "Ana Silva", 2, 40.0)
    bo = saved(kiosk_data, "Bo", 3, 80.0)
    app = opened("progress")

    def refused(said: str) -> None:
        assert not app.exception and not app.dataframe, said
        assert any(said in m.value for m in [*app.warning, *app.error]), said
        assert not any("Ana" in c.value or ana in c.value for c in app.caption)
        clock["t"] += timedelta(seconds=TRAINEE_CODE.lockout_s)  # past any wait: each try is checked

    my_progress(app, ana, "")
    refused("Type your name too")  # a code alone, read over someone's shoulder, opens nothing either
    my_progress(app, "ZZZ999", "Ana Silva")
    refused("does not match")  # the name with a wrong code
    my_progress(app, ana, "Bo")
    refused("does not match")  # a colleague's name with your code
    my_progress(app, bo, "Ana Silva")
    refused("does not match")  # your name with a colleague's code
    my_progress(app, ana, "Ana")
    refused("does not match")  # part of the name: no fuzzy match on this side
    my_progress(app, ana.lower(), " ANA  silva ")  # the name as the store compares it: any case or spacing
    assert not app.exception and set(app.dataframe[0].value["Trainee"]) == {"Ana Silva"}


def test_wrong_codes_are_refused_and_slowed_down(kiosk_data, clock) -> None:
    ana = saved(kiosk_data, "Ana", 2, 40.0)
    saved(kiosk_data, "Bo", 3, 80.0)
    app = opened("progress")
    my_progress(app, ana, "Bo")  # the right code with someone else's name
    assert not app.dataframe and "does not match" in app.error[0].value
    refused = checked = 0
    for i in range(30):
        my_progress(app, f"ZZZ{i:03d}", "Ana")
        assert not app.exception and not app.dataframe
        if any("does not match" in e.value for e in app.error):
            checked += 1
        elif any("wait" in w.value for w in app.warning):
            refused += 1
    assert checked == TRAINEE_CODE.free_failures - 1 and refused == 30 - checked
    my_progress(app, ana, "Ana")  # even a right code waits its turn
    assert not app.dataframe
    clock["t"] += timedelta(seconds=TRAINEE_CODE.lockout_s)
    my_progress(app, ana, "Ana")
    assert len(app.dataframe) == 1 and set(app.dataframe[0].value["Trainee"]) == {"Ana"}
    # The opened progress closes when the browser goes elsewhere.
    switch_to(app, "upload")
    switch_to(app, "progress")
    assert not app.dataframe and app.text_input(key="my-code") is not None


EVIL_NAMES = [
    "![x](http://evil.example/pixel.png)",
    "[click me](http://evil.example/)",
    "Ana <img src=http://evil.example/b.png>",
    "**Bo** :red[big] $x^2$ `code`",
]


def rendered_as_markdown(app: AppTest) -> list[str]:
    """Every piece of text the page sends to the browser as Markdown (alerts, captions, labels...)."""
    values = [
        e.value
        for kind in ("markdown", "caption", "success", "info", "warning", "error", "subheader")
        for e in getattr(app, kind)
    ]
    labels = [w.label for kind in ("checkbox", "selectbox", "text_input", "button") for w in getattr(app, kind)]
    return values + labels


def assert_no_live_markdown(pieces: list[str]) -> None:
    for piece in pieces:
        bare = re.sub(r"\\.", "", piece)  # what is left once escaped characters are taken out
        assert "![" not in bare and "](" not in bare and "<img" not in bare and "**Bo**" not in bare, piece


def test_names_are_shown_as_plain_text_on_the_dashboard(kiosk_data) -> None:
    for day, name in enumerate(EVIL_NAMES, start=1):
        saved(kiosk_data, name, day, 50.0)
    app = unlocked(kiosk_data)
    app.text_input(key="workshop-name").input(EVIL_NAMES[0])
    app.text_area(key="workshop-roster").input("\n".join(EVIL_NAMES))
    button(app, "Create the workshop").click().run()
    app.checkbox(key="delete-sure").check().run()
    assert not app.exception
    pieces = rendered_as_markdown(app)
    assert any(r"\!\[x\]\(http\:" in p for p in pieces)  # the names are there, escaped
    assert_no_live_markdown(pieces)
    assert app.text[0].value == ", ".join(EVIL_NAMES)  # the roster, as st.text: plain
    app.button(key="delete-button").click().run()
    assert_no_live_markdown(rendered_as_markdown(app))


def test_names_are_shown_as_plain_text_on_my_progress(kiosk_data) -> None:
    code = saved(kiosk_data, EVIL_NAMES[0], 1, 50.0)
    app = opened("progress")
    my_progress(app, code, EVIL_NAMES[0])
    assert not app.exception and len(app.dataframe) == 1
    assert_no_live_markdown(rendered_as_markdown(app))
    assert any(code in c.value and r"\!\[x\]" in c.value for c in app.caption)


def test_an_old_name_too_long_for_the_rules_does_not_break_the_dashboard(kiosk_data) -> None:
    saved(kiosk_data, "Ana", 1, 50.0)
    with Store(kiosk_data) as store, store.engine.begin() as connection:
        connection.execute(text("UPDATE trainees SET name = :n"), {"n": "Ana " + "x" * 300})  # SQLite took it before
    app = unlocked(kiosk_data)
    assert not app.exception and len(app.tabs) == 3
    app.text_input(key="workshop-name").input("Group")
    app.text_area(key="workshop-roster").input("y" * 81)
    button(app, "Create the workshop").click().run()
    assert not app.exception and "at most 80 characters" in app.error[0].value
