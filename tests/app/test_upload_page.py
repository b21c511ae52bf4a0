"""The minimal Streamlit page renders and tells the trainee what to do."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"


def test_page_opens_with_a_title_and_an_upload_prompt() -> None:
    app = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not app.exception
    assert app.title[0].value == "Practice kiosk"
    assert "no picture or sound leaves it" in app.caption[0].value
    assert "Choose a video of a take" in app.info[0].value
