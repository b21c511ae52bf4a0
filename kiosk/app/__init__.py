"""Streamlit pages of the kiosk (run with ``streamlit run streamlit_app.py``).

Three ways to practise, picked in the sidebar: at the kiosk with its own
camera and microphone, a video-call self-check with the browser's camera and
microphone, or uploading a recording. Every scored take is saved (see
``kiosk.store``); a trainee sees their own progress, the trainer the whole
group's behind a PIN.

The pages' own words are the ``[app]`` table of the report's strings files
(``kiosk/report/strings/*.toml``), in the language picked in the sidebar.
"""

from __future__ import annotations

import streamlit as st

from kiosk.app import browser, practice, upload, workshops
from kiosk.app.common import current_language, sidebar_choices
from kiosk.report.take_report import load_strings

#: Mode id -> page; each mode's name is ``mode_<id>`` in the ``[app]`` strings.
MODES = {
    "practice": practice.page,
    "browser": browser.page,
    "upload": upload.page,
    "progress": workshops.trainee_page,
    "trainer": workshops.trainer_page,
}


#: Mode id -> what to do when the trainee switches to another mode.
LEAVE = {
    "practice": practice.leave,
    "browser": browser.leave,
    "progress": workshops.leave_progress,
    "trainer": workshops.leave_trainer,
}


def main() -> None:
    # The mode picker comes before the language picker: its words follow the
    # language picked on the last run (English at first).
    text = load_strings(current_language())["app"]
    st.set_page_config(page_title=text["title"], layout="wide")
    st.title(text["title"])
    st.caption(text["privacy"])
    mode = st.sidebar.radio(text["mode"], list(MODES), format_func=lambda m: text[f"mode_{m}"], key="mode")
    for other, leave in LEAVE.items():
        if other != mode:
            leave()  # a take left running frees its camera, microphone and analyser
    choices = sidebar_choices()
    MODES[mode](choices)


__all__ = ["main"]
