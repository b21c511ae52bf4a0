"""The upload page: pick a line in your language, see its situation, upload a take."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from kiosk.scenarios import load_scenarios

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"


def opened() -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not app.exception
    return app


def test_page_opens_with_a_title_a_line_to_practise_and_an_upload_prompt() -> None:
    app = opened()
    assert app.title[0].value == "Practice kiosk"
    assert "no picture or sound leaves it" in app.caption[0].value
    first = [s for s in load_scenarios() if s.setting == "front_desk"][0]
    assert any(first.situation_in("en") in m.value for m in app.markdown)
    assert "upload the file" in app.info[0].value


def test_the_lines_follow_the_setting_and_the_language() -> None:
    app = opened()
    app.sidebar.radio[0].set_value("phone").run()
    phone = [s for s in load_scenarios() if s.setting == "phone"][0]
    assert any(phone.text_in("en") in m.value for m in app.markdown)
    app.sidebar.selectbox[0].set_value("da").run()
    assert not app.exception
    assert any(phone.situation_in("da") in m.value for m in app.markdown)
