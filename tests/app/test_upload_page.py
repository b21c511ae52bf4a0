"""Upload a recording: pick a line in your language, upload a take, read the scored report.

For a trainer reviewing a recorded role-play: the same analysis, scoring and
report as the kiosk and the command line; a damaged or oversized file gets a
message saying what to do.
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from conftest import SHARED_DATA
from kiosk.scenarios import load_scenarios

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
SPEAKER = SHARED_DATA / "video-retalking" / "face_2.mp4"


def upload_page() -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not app.exception
    app.sidebar.radio(key="mode").set_value("upload").run()
    assert not app.exception
    return app


def test_the_page_opens_with_a_title_a_line_to_practise_and_an_upload_prompt() -> None:
    app = upload_page()
    assert app.title[0].value == "Practice kiosk"
    assert "no picture or sound leaves it" in app.caption[0].value
    first = [s for s in load_scenarios() if s.setting == "front_desk"][0]
    assert any(first.situation_in("en") in m.value for m in app.markdown)
    assert "upload the file" in app.info[0].value
    assert "up to 200 MB" in app.get("file_uploader")[0].label


def test_the_lines_follow_the_setting_and_the_language() -> None:
    app = upload_page()
    app.radio(key="upload-line-setting").set_value("phone").run()
    phone = [s for s in load_scenarios() if s.setting == "phone"][0]
    assert any(phone.text_in("en") in m.value for m in app.markdown)
    app.sidebar.selectbox(key="language").set_value("da").run()
    assert not app.exception
    assert any(phone.situation_in("da") in m.value for m in app.markdown)


def test_an_uploaded_take_gets_the_scored_report_with_downloads() -> None:
    app = upload_page()
    app.radio(key="upload-line-setting").set_value("video_call").run()
    app.get("file_uploader")[0].set_value((SPEAKER.name, SPEAKER.read_bytes(), "video/mp4")).run()
    assert not app.exception and not app.error
    score = app.metric[0].value
    assert score.isdigit() and 0 <= int(score) <= 100
    assert {b.label for b in app.get("download_button")} == {
        "Download the report (HTML)",
        "Download the report (JSON)",
    }


def test_a_damaged_upload_says_what_to_do() -> None:
    app = upload_page()
    damaged = SPEAKER.read_bytes()[:4000]
    app.get("file_uploader")[0].set_value(("take.mp4", damaged, "video/mp4")).run()
    assert not app.exception
    assert "take.mp4" in app.error[0].value
    assert "record the take again" in app.error[0].value or "complete recording" in app.error[0].value


def test_an_upload_over_the_size_limit_is_refused_with_the_limit(monkeypatch) -> None:
    monkeypatch.setenv("KIOSK_UPLOAD_LIMIT_MB", "1")
    app = upload_page()
    assert "up to 1 MB" in app.get("file_uploader")[0].label
    big = b"\0" * (1024 * 1024 + 1)
    app.get("file_uploader")[0].set_value(("long-role-play.mp4", big, "video/mp4")).run()
    assert not app.exception
    assert "over the 1 MB limit" in app.error[0].value
    assert "KIOSK_UPLOAD_LIMIT_MB" in app.error[0].value
