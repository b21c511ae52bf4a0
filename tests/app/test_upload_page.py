"""Upload a recording: pick a line in your language, upload a take, read the scored report.

For a trainer reviewing a recorded role-play: the same analysis, scoring and
report as the kiosk and the command line; a damaged or oversized file gets a
message saying what to do.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SHARED_DATA
from e2e_support import switch_to
from streamlit.testing.v1 import AppTest

from kiosk.scenarios import load_scenarios

pytestmark = pytest.mark.slow  # whole recordings analysed (see pyproject.toml's markers)

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
SPEAKER = SHARED_DATA / "video-retalking" / "face_2.mp4"


def upload_page() -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not app.exception
    switch_to(app, "upload")
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


def test_a_file_name_longer_than_the_file_system_allows_still_gets_its_report() -> None:
    app = upload_page()
    name = "rollespil-" + "å" * 150 + ".mp4"  # over 300 bytes: no file system takes it as a name
    assert len(name.encode()) > 255
    app.get("file_uploader")[0].set_value((name, SPEAKER.read_bytes(), "video/mp4")).run()
    assert not app.exception and not app.error
    assert app.metric[0].value.isdigit()


def test_a_damaged_upload_is_named_by_its_own_name_never_a_server_path() -> None:
    app = upload_page()
    app.get("file_uploader")[0].set_value(("role-play.mp4", SPEAKER.read_bytes()[:4000], "video/mp4")).run()
    message = app.error[0].value
    assert message.startswith("role-play.mp4 ")
    assert "/tmp" not in message and "kiosk-upload" not in message


def test_an_empty_upload_is_called_empty() -> None:
    app = upload_page()
    app.get("file_uploader")[0].set_value(("take.mp4", b"", "video/mp4")).run()
    assert not app.exception
    assert "take.mp4 is empty (0 bytes)" in app.error[0].value


def test_a_text_file_renamed_mp4_is_called_not_a_video_or_sound_file_in_plain_words() -> None:
    notes = b"Greet the guest by name, then ask about the journey.\n" * 40
    app = upload_page()
    app.get("file_uploader")[0].set_value(("role-play.mp4", notes, "video/mp4")).run()
    assert not app.exception
    message = app.error[0].value
    assert message.startswith("role-play.mp4 is not a video or sound file the kiosk can read"), message
    # Never FFmpeg's words, nor the server's temporary copy.
    assert "Invalid data" not in message and "/tmp" not in message and "kiosk-upload" not in message
    # In the page's language, the empty file too.
    app.sidebar.selectbox(key="language").set_value("da").run()
    assert app.error[0].value.startswith("role-play.mp4 er ikke en video- eller lydfil")
    app.get("file_uploader")[0].set_value(("tom.mp4", b"", "video/mp4")).run()
    assert app.error[0].value.startswith("tom.mp4 er tom (0 byte)")


def test_a_picture_too_large_to_decode_is_refused_with_the_limit(tmp_path) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "capture"))
    from test_file import png_bomb

    bomb = png_bomb(tmp_path / "bomb.png", 16_000)
    app = upload_page()
    app.get("file_uploader")[0].set_value(("portrait.png", bomb.read_bytes(), "image/png")).run()
    assert not app.exception
    assert "portrait.png has pictures larger than the kiosk analyses (50 million pixels)" in app.error[0].value


def test_a_full_temporary_folder_is_a_message_not_a_traceback(tiny_filesystem, monkeypatch) -> None:
    import tempfile

    folder = tiny_filesystem(64)  # far smaller than the 0.5 MB upload
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    app = upload_page()
    app.get("file_uploader")[0].set_value((SPEAKER.name, SPEAKER.read_bytes(), "video/mp4")).run()
    assert not app.exception
    assert "no room to store the upload" in app.error[0].value
    assert list(folder.iterdir()) == []  # the partial copy went with its temporary folder


def test_uploads_are_analysed_one_at_a_time_in_the_order_they_came() -> None:
    import threading
    import time

    from kiosk.app.analysis_queue import AnalysisQueue

    queue = AnalysisQueue()
    running, order, told = [], [], {}
    lock = threading.Lock()

    def analyse(name: str) -> None:
        with queue.turn(lambda ahead: told.setdefault(name, []).append(ahead)):
            with lock:
                running.append(name)
                assert len(running) == 1, running
            order.append(name)
            time.sleep(0.3)
            with lock:
                running.remove(name)

    threads = []
    for name in ("first", "second", "third"):
        threads.append(threading.Thread(target=analyse, args=(name,)))
        threads[-1].start()
        time.sleep(0.05)
    for thread in threads:
        thread.join(timeout=10)
    assert order == ["first", "second", "third"]
    assert "first" not in told and told["second"][0] == 1 and told["third"][0] == 2
    assert queue.ahead_of_new() == 0


def test_a_trainee_who_leaves_the_queue_gives_up_the_place() -> None:
    from kiosk.app.analysis_queue import AnalysisQueue

    queue = AnalysisQueue()

    class Left(Exception):
        pass

    def leave(_ahead: int) -> None:
        raise Left

    with queue.turn():
        try:
            with queue.turn(leave):
                raise AssertionError("the second analysis ran while the first held the turn")
        except Left:
            pass
        assert queue.ahead_of_new() == 1
    assert queue.ahead_of_new() == 0
