"""Streamlit pages of the kiosk (run with ``streamlit run streamlit_app.py``).

Three ways to practise, picked in the sidebar: at the kiosk with its own
camera and microphone, a video-call self-check with the browser's camera and
microphone, or uploading a recording.
"""

from __future__ import annotations

import streamlit as st

from kiosk.app import browser, practice, upload
from kiosk.app.common import sidebar_choices

#: Mode id -> (label, page).
MODES = {
    "practice": ("Practise at the kiosk", practice.page),
    "browser": ("Video-call self-check", browser.page),
    "upload": ("Upload a recording", upload.page),
}


def main() -> None:
    st.set_page_config(page_title="Practice kiosk", layout="wide")
    st.title("Practice kiosk")
    st.caption("Everything runs on this machine: no picture or sound leaves it.")
    mode = st.sidebar.radio("Mode", list(MODES), format_func=lambda m: MODES[m][0], key="mode")
    if mode != "practice":
        practice.leave()  # a take left running at the kiosk frees its camera and microphone
    choices = sidebar_choices()
    MODES[mode][1](choices)


__all__ = ["main"]
