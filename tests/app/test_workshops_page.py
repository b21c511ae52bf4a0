"""Workshops in the app: every take saved, a trainee's own progress, the trainer's dashboard behind a PIN."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import SHARED_DATA
from kiosk.store import CueRecord, Store, TakeRecord

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
SPEAKER = SHARED_DATA / "video-retalking" / "face_2.mp4"


@pytest.fixture
def kiosk_data(monkeypatch, tmp_path) -> str:
    """A kiosk with its own database under tmp_path (each test a fresh one)."""
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("KIOSK_DB_URL", raising=False)
    monkeypatch.setenv("KIOSK_COUNTDOWN_S", "0")
    return f"sqlite:///{tmp_path / 'kiosk.db'}"


def opened(mode: str) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=120).run()
    app.sidebar.radio(key="mode").set_value(mode).run()
    assert not app.exception, app.exception
    return app


def button(app: AppTest, label: str):
    return next(b for b in app.button if b.label == label)


def saved(url: str, trainee: str, day: int, overall: float, workshop_id: int | None = None) -> None:
    with Store(url) as store:
        store.save_take(
            TakeRecord(
                uid=f"{trainee}-{day}", trainee=trainee, scenario_id="front-desk-greeting-01", setting="front_desk",
                language="en", profile="default", recorded_at=datetime(2026, 11, day, 10), duration_s=4.0,
                overall_score=overall, cues=(CueRecord("eye_contact", overall, 0.5),), report={},
                workshop_id=workshop_id,
            )
        )


def test_an_uploaded_take_is_saved_under_the_trainee_s_name_and_shows_in_their_progress(kiosk_data) -> None:
    app = opened("upload")
    app.text_input(key="upload-trainee").input("Ana").run()
    app.get("file_uploader")[0].set_value((SPEAKER.name, SPEAKER.read_bytes(), "video/mp4")).run()
    assert not app.exception and app.metric[0].value.isdigit()
    with Store(kiosk_data) as store:
        (take,) = store.takes()
    assert take.trainee == "Ana" and round(take.overall_score) == int(app.metric[0].value)
    app.sidebar.radio(key="mode").set_value("progress").run()
    app.text_input(key="my-name").input("ana").run()
    assert not app.exception
    assert f"your code is {take.trainee_code}" in app.caption[-1].value or any(
        take.trainee_code in c.value for c in app.caption
    )
    assert len(app.dataframe) == 1 and len(app.dataframe[0].value) == 1


def test_a_trainee_sees_only_their_own_takes(kiosk_data) -> None:
    saved(kiosk_data, "Ana", 2, 40.0)
    saved(kiosk_data, "Bo", 3, 80.0)
    saved(kiosk_data, "Ana", 4, 60.0)
    app = opened("progress")
    app.text_input(key="my-name").input("Ana").run()
    table = app.dataframe[0].value
    assert len(table) == 2 and set(table["Trainee"]) == {"Ana"}
    app.text_input(key="my-name").input("Nobody").run()
    assert "No takes under" in app.warning[0].value


def test_the_dashboard_refuses_without_the_pin(kiosk_data) -> None:
    with Store(kiosk_data) as store:
        store.set_trainer_pin("2468")
    saved(kiosk_data, "Ana", 2, 40.0)
    app = opened("trainer")
    assert not app.dataframe and not app.get("download_button") and not app.tabs
    app.text_input(key="pin").input("1111")
    app.button[0].click().run()
    assert "not right" in app.error[0].value
    assert not app.tabs and not app.get("download_button")
    app.text_input(key="pin").input("2468")
    app.button[0].click().run()
    assert not app.exception
    assert len(app.tabs) == 3
    assert {b.label for b in app.get("download_button")} == {"Export the takes (CSV)", "Export everything (JSON)"}


def test_the_first_trainer_sets_the_pin_and_it_is_stored_hashed(kiosk_data) -> None:
    app = opened("trainer")
    assert "No trainer PIN is set yet" in app.info[0].value
    app.text_input(key="pin-new").input("9753")
    app.text_input(key="pin-again").input("9753")
    app.button[0].click().run()
    assert not app.exception and len(app.tabs) == 3
    with Store(kiosk_data) as store:
        assert store.check_trainer_pin("9753") and not store.check_trainer_pin("9754")


def test_a_workshop_created_on_the_dashboard_collects_the_takes_that_follow(kiosk_data) -> None:
    with Store(kiosk_data) as store:
        store.set_trainer_pin("2468")
    app = opened("trainer")
    app.text_input(key="pin").input("2468")
    app.button[0].click().run()
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


def test_deleting_a_trainee_on_the_dashboard_removes_their_takes(kiosk_data) -> None:
    with Store(kiosk_data) as store:
        store.set_trainer_pin("2468")
    saved(kiosk_data, "Ana", 2, 40.0)
    saved(kiosk_data, "Bo", 3, 80.0)
    app = opened("trainer")
    app.text_input(key="pin").input("2468")
    app.button[0].click().run()
    app.selectbox(key="delete-who").select_index(0).run()  # trainees are listed by name: Ana first
    assert app.button(key="delete-button").disabled
    app.checkbox(key="delete-sure").check().run()
    app.button(key="delete-button").click().run()
    assert not app.exception and "Ana and 1 take(s) deleted" in app.success[-1].value
    with Store(kiosk_data) as store:
        assert [t.trainee for t in store.takes()] == ["Bo"]
