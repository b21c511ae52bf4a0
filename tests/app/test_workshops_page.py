"""Workshops in the app: every take saved, a trainee's own progress behind their name and code,
the trainer's dashboard behind a PIN, read afresh from the database on every run."""

from __future__ import annotations

import csv
import io
import math
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from conftest import SHARED_DATA
from e2e_support import switch_to
from streamlit.testing.v1 import AppTest

from kiosk.store import CueRecord, Store, TakeRecord

pytestmark = pytest.mark.slow  # whole recordings analysed (see pyproject.toml's markers)

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
SPEAKER = SHARED_DATA / "video-retalking" / "face_2.mp4"
PIN = "284917"


@pytest.fixture(name="kiosk_data")
def kiosk_data_fixture(monkeypatch, tmp_path) -> str:
    """A kiosk with its own database under tmp_path (each test a fresh one)."""
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("KIOSK_DB_URL", raising=False)
    monkeypatch.setenv("KIOSK_COUNTDOWN_S", "0")
    monkeypatch.setenv("KIOSK_CALIBRATION", "offered")
    return f"sqlite:///{tmp_path / 'kiosk.db'}"


def opened(mode: str) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=120).run()
    switch_to(app, mode)
    assert not app.exception, app.exception
    return app


def button(app: AppTest, label: str):
    return next(b for b in app.button if b.label == label)


LINE = "Good evening, welcome to the hotel! Are you checking in with us tonight?"  # front-desk-greeting-01


def saved(
    url: str, trainee: str, day: int, overall: float | None, workshop_id: int | None = None, *, smiling=None
) -> str:
    """Save a take of ``trainee`` (smiling not observed unless given); their code."""
    with Store(url) as store:
        return store.save_take(
            TakeRecord(
                uid=f"{trainee}-{day}",
                trainee=trainee,
                scenario_id="front-desk-greeting-01",
                setting="front_desk",
                language="en",
                profile="default",
                recorded_at=datetime(2026, 11, day, 10),
                duration_s=4.0,
                overall_score=overall,
                cues=(CueRecord("eye_contact", overall, 0.5), CueRecord("smiling", smiling, None)),
                report={},
                workshop_id=workshop_id,
            )
        ).trainee_code


def my_progress(app: AppTest, code: str, name: str) -> AppTest:
    app.text_input(key="my-code").input(code)
    app.text_input(key="my-name").input(name)
    return button(app, "Show my takes").click().run()


def unlocked(url: str) -> AppTest:
    """The dashboard, opened with the PIN (set on the machine, as ``kiosk trainer set-pin`` does)."""
    with Store(url) as store:
        if not store.has_trainer_pin():
            store.set_trainer_pin(PIN)
    app = opened("trainer")
    app.text_input(key="pin").input(PIN)
    button(app, "Open the dashboard").click().run()
    assert not app.exception and len(app.tabs) == 3
    return app


def test_an_uploaded_take_is_saved_under_the_trainee_s_name_and_shows_in_their_progress(kiosk_data) -> None:
    app = opened("upload")
    app.text_input(key="upload-trainee").input("Ana").run()
    app.get("file_uploader")[0].set_value((SPEAKER.name, SPEAKER.read_bytes(), "video/mp4")).run()
    assert not app.exception and app.metric[0].value.isdigit()
    with Store(kiosk_data) as store:
        (take,) = store.takes()
    assert take.trainee == "Ana" and round(take.overall_score) == int(app.metric[0].value)
    # The report's notes give the trainee their code...
    assert any(f"Your code is {take.trainee_code}" in m.value for m in [*app.warning, *app.success, *app.info])
    switch_to(app, "progress")
    my_progress(app, take.trainee_code.lower(), "ana")  # ...which, with their name, opens their progress
    assert not app.exception
    assert any(take.trainee_code in c.value for c in app.caption)
    assert len(app.dataframe) == 1 and len(app.dataframe[0].value) == 1
    # Their report opens again from the list, as the kiosk showed it after the take.
    assert not app.metric
    app.selectbox(key="my-report").select(take.uid).run()
    assert not app.exception and app.metric[0].value == str(round(take.overall_score))
    assert {b.label for b in app.get("download_button")} >= {"Download the report (HTML)"}


def test_a_trainee_sees_only_their_own_takes(kiosk_data) -> None:
    ana = saved(kiosk_data, "Ana", 2, 40.0)
    saved(kiosk_data, "Bo", 3, 80.0)
    saved(kiosk_data, "Ana", 4, 60.0)
    app = opened("progress")
    my_progress(app, ana, "Ana")
    table = app.dataframe[0].value
    assert len(table) == 2 and set(table["Trainee"]) == {"Ana"}


def test_the_dashboard_refuses_without_the_pin(kiosk_data) -> None:
    with Store(kiosk_data) as store:
        store.set_trainer_pin(PIN)
    saved(kiosk_data, "Ana", 2, 40.0)
    app = opened("trainer")
    assert not app.dataframe and not app.get("download_button") and not app.tabs
    app.text_input(key="pin").input("111999")
    button(app, "Open the dashboard").click().run()
    assert "not right" in app.error[0].value
    assert not app.tabs and not app.get("download_button")
    app.text_input(key="pin").input(PIN)
    button(app, "Open the dashboard").click().run()
    assert not app.exception
    assert len(app.tabs) == 3
    assert {b.label for b in app.get("download_button")} == {"Export the takes (CSV)", "Export everything (JSON)"}


def test_the_first_visitor_cannot_set_the_pin_the_page_says_which_command_does(kiosk_data, tmp_path) -> None:
    app = opened("trainer")
    assert "No trainer PIN is set yet" in app.info[0].value
    assert app.code[0].value == f"KIOSK_DATA_DIR={tmp_path} .venv/bin/kiosk trainer set-pin"
    assert not app.text_input and not app.button and not app.tabs  # nothing to type a PIN into
    with Store(kiosk_data) as store:
        assert not store.has_trainer_pin()
        store.set_trainer_pin("975310")  # what the command does, on the machine
    app.run()
    assert app.text_input(key="pin") is not None and not app.code


def test_a_workshop_created_on_the_dashboard_collects_the_takes_that_follow(kiosk_data) -> None:
    app = unlocked(kiosk_data)
    app.text_input(key="workshop-name").input("Monday group")
    app.text_area(key="workshop-roster").input("Ana\nBo")
    button(app, "Create the workshop").click().run()
    assert not app.exception and "Monday group" in app.success[0].value
    with Store(kiosk_data) as store:
        (workshop,) = store.workshops()
        assert store.current_workshop_id() == workshop.id
        assert [t.name for t in workshop.roster] == ["Ana", "Bo"]
    saved(kiosk_data, "Ana", 5, 55.0, workshop_id=workshop.id)
    app.run()
    assert any("The group's takes (1)" in h.value for h in app.subheader)


def test_each_new_workshop_becomes_the_current_one(kiosk_data) -> None:
    # Before the fix the picker put the workshop it showed back as current:
    # takes of Tuesday's group were filed under Monday's.
    app = unlocked(kiosk_data)
    for name in ("Monday group", "Tuesday group", "Wednesday group"):
        app.text_input(key="workshop-name").input(name)
        button(app, "Create the workshop").click().run()
        assert not app.exception
        with Store(kiosk_data) as store:
            current = {w.id: w.name for w in store.workshops()}[store.current_workshop_id()]
        assert current == name
        chosen = app.selectbox(key="workshop-current")
        assert chosen.value == store.current_workshop_id()
        app.run()  # and it stays current on the next run
        with Store(kiosk_data) as store:
            assert {w.id: w.name for w in store.workshops()}[store.current_workshop_id()] == name
    # The trainer can still pick another one, or none.
    with Store(kiosk_data) as store:
        monday = next(w.id for w in store.workshops() if w.name == "Monday group")
    app.selectbox(key="workshop-current").select(monday).run()
    with Store(kiosk_data) as store:
        assert store.current_workshop_id() == monday
    app.selectbox(key="workshop-current").select(None).run()
    with Store(kiosk_data) as store:
        assert store.current_workshop_id() is None


def test_deleting_a_trainee_on_the_dashboard_removes_their_takes(kiosk_data) -> None:
    saved(kiosk_data, "Ana", 2, 40.0)
    saved(kiosk_data, "Bo", 3, 80.0)
    app = unlocked(kiosk_data)
    app.selectbox(key="delete-of").select_index(0).run()  # trainees are listed by name: Ana first
    assert app.button(key="delete-button").disabled
    app.checkbox(key="delete-sure").check().run()
    app.button(key="delete-button").click().run()
    assert not app.exception and "Ana and 1 take(s) deleted" in app.success[-1].value
    with Store(kiosk_data) as store:
        assert [t.trainee for t in store.takes()] == ["Bo"]


@pytest.fixture(name="exports")
def exports_fixture(monkeypatch) -> dict:
    """What each download button of the page gives, by label, as a click in the browser would get it."""
    from streamlit.elements.widgets.button import ButtonMixin

    given: dict = {}
    draw = ButtonMixin.download_button

    def spy(self, label, data, *args, **kwargs):
        given[label] = data
        return draw(self, label, data, *args, **kwargs)

    monkeypatch.setattr(ButtonMixin, "download_button", spy)
    return given


def clicked(data) -> str:
    return data() if callable(data) else data


def tables(app: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in app.dataframe]


def table_with(app: AppTest, column: str) -> pd.DataFrame:
    return next(t for t in tables(app) if column in t.columns)


def test_the_dashboard_opens_progress_on_the_current_workshop_and_shows_takes_saved_while_it_is_open(
    kiosk_data, exports
) -> None:
    with Store(kiosk_data) as store:
        earlier = store.create_workshop("Last week", ["Bo"])
        monday = store.create_workshop("Monday group", ["Ana Silva"])
        store.set_current_workshop(monday.id)
    saved(kiosk_data, "Bo", 1, 30.0, workshop_id=earlier.id)
    saved(kiosk_data, "Ana Silva", 2, 40.0, workshop_id=monday.id)
    app = unlocked(kiosk_data)
    assert app.selectbox(key="progress-scope").value == monday.id  # not "All workshops"
    assert table_with(app, "Change").to_dict("records") == [
        {"Trainee": "Ana Silva", "Takes": 1, "First": "40", "Latest": "40", "Change": "+0"}
    ]
    assert app.selectbox(key="progress-of").value is not None  # Ana, the one trainee of Monday's group
    charts = len(app.get("vega_lite_chart"))
    # A take made at the kiosk while the dashboard is open, then the dashboard's next run.
    saved(kiosk_data, "Ana Silva", 3, 70.0, workshop_id=monday.id, smiling=90.0)
    app.run()
    assert not app.exception and app.selectbox(key="progress-scope").value == monday.id
    assert table_with(app, "Change").to_dict("records") == [
        {"Trainee": "Ana Silva", "Takes": 2, "First": "40", "Latest": "70", "Change": "+30"}
    ]
    assert len(app.get("vega_lite_chart")) == charts + 1  # smiling was seen for the first time
    rows = list(csv.DictReader(io.StringIO(clicked(exports["Export the takes (CSV)"]))))
    assert [(r["trainee"], r["workshop"], r["line"], r["overall"]) for r in rows] == [
        ("Bo", "Last week", LINE, "30"),
        ("Ana Silva", "Monday group", LINE, "40"),
        ("Ana Silva", "Monday group", LINE, "70"),
    ]
    assert '"workshop": "Monday group"' in clicked(exports["Export everything (JSON)"])


def test_the_dashboard_s_tables_show_the_line_s_words_and_never_none(kiosk_data) -> None:
    with Store(kiosk_data) as store:
        monday = store.create_workshop("Monday group", ["Ana Silva"])
        store.set_current_workshop(monday.id)
    saved(kiosk_data, "Ana Silva", 2, None, workshop_id=monday.id)  # nothing could be scored
    saved(kiosk_data, "Ana Silva", 3, 70.0, workshop_id=monday.id)
    with Store(kiosk_data) as store:  # a take of another setting: cues the others do not have
        store.save_take(
            TakeRecord(
                uid="phone",
                trainee="Bo",
                scenario_id="phone-greeting-01",
                setting="phone",
                language="en",
                profile="default",
                recorded_at=datetime(2026, 11, 4, 10),
                duration_s=4.0,
                overall_score=55.0,
                cues=(CueRecord("pace", 55.0, 150.0),),
                report={},
                workshop_id=monday.id,
            )
        )
    app = unlocked(kiosk_data)
    assert not app.exception
    takes = table_with(app, "Line")
    assert list(takes["Line"])[1:] == [LINE, LINE] and list(takes["Overall"]) == ["55", "70", "–"]
    assert list(takes["Smiling"]) == ["–", "–", "–"] and list(takes["Pace"]) == ["55", "–", "–"]
    for shown in tables(app):
        cells = [c for column in shown.columns for c in shown[column]]
        assert not any(c is None or c == "None" or (isinstance(c, float) and math.isnan(c)) for c in cells), shown
        assert not any("front-desk-greeting" in str(c) for c in cells)


def test_the_trainer_s_search_finds_a_trainee_by_any_part_of_the_name_without_accents(kiosk_data) -> None:
    for day, name in enumerate(["Ana Silva", "Åse Ødegård", "Bo"], start=1):
        saved(kiosk_data, name, day, 50.0)
    app = unlocked(kiosk_data)
    assert len(app.selectbox(key="progress-of").options) == 3
    app.text_input(key="progress-find").input("ana").run()
    assert [o.split(" (")[0] for o in app.selectbox(key="progress-of").options] == ["Ana Silva"]
    app.text_input(key="progress-find").input("ase").run()
    assert [o.split(" (")[0] for o in app.selectbox(key="progress-of").options] == ["Åse Ødegård"]
    app.text_input(key="delete-find").input("ODEG").run()
    assert [o.split(" (")[0] for o in app.selectbox(key="delete-of").options] == ["Åse Ødegård"]
    app.text_input(key="progress-find").input("zz").run()
    assert not app.exception and any("No trainee matches" in c.value for c in app.caption)
