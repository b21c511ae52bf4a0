"""Streamlit pages of the kiosk (run with ``streamlit run streamlit_app.py``).

Three ways to practise, picked in the sidebar: at the kiosk with its own
camera and microphone, a video-call self-check with the browser's camera and
microphone, or uploading a recording. Every scored take is saved (see
``kiosk.store``); a trainee sees their own progress, the trainer the whole
group's behind a PIN.

The pages' own words are the ``[app]`` table of the report's strings files
(``kiosk/i18n/strings/*.toml``), in the language picked in the sidebar.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from kiosk.app import browser, practice, workshops
from kiosk.app.common import current_language, remember_choices, sidebar_choices
from kiosk.i18n import load_strings
from kiosk.settings import SettingsError, read_settings

#: The pages, in the order of the sidebar; each one's name is ``mode_<id>`` in the
#: ``[app]`` strings and its file is ``kiosk/app/pages/<id>.py``. The first is the default.
PAGES: tuple[str, ...] = ("practice", "browser", "upload", "progress", "trainer")
PAGE_FOLDER = Path(__file__).resolve().parent / "pages"

#: Page id -> what to do when the trainee goes to another page.
LEAVE = {
    "practice": practice.leave,
    "browser": browser.leave,
    "progress": workshops.leave_progress,
    "trainer": workshops.leave_trainer,
}


def main() -> None:
    # The page list comes before the language picker: its words follow the
    # language picked on the last run (English at first).
    text = load_strings(current_language())["app"]
    st.set_page_config(page_title=text["title"], layout="wide")
    try:
        read_settings()
    except SettingsError as err:  # a wrong KIOSK_* value: say which, and run nothing
        st.error(str(err))
        st.stop()
    pages = {
        page: st.Page(PAGE_FOLDER / f"{page}.py", title=text[f"mode_{page}"], url_path=page, default=page == PAGES[0])
        for page in PAGES
    }
    current = st.navigation(list(pages.values()))
    # The default page's address is the site's root: its url_path is empty.
    here = current.url_path or PAGES[0]
    st.title(text["title"])
    st.caption(text["privacy"])
    for other, leave in LEAVE.items():
        if other != here:
            leave()  # a take left running frees its camera, microphone and analyser
    remember_choices(sidebar_choices())
    current.run()


__all__ = ["LEAVE", "PAGES", "main"]
