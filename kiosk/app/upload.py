"""The upload page: pick a line, upload a recorded take, read the scored report.

The live practice flow (teleprompter, webcam, browser devices) comes later;
this page runs the same analysis, scoring and report as
``kiosk analyze --scenario ID --report``. Streamlit re-runs this script on
every interaction, so a finished report is kept in ``st.session_state``,
keyed by the file's hash and the choices, and never analysed twice.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components

from kiosk.analysis import analyse_take, score_and_report
from kiosk.calibration import (
    DEFAULT_PROFILE,
    SETTINGS,
    load_scoring_profile,
    load_vision_calibration,
    load_voice_calibration,
)
from kiosk.errors import KioskError
from kiosk.report.html import render_html
from kiosk.report.take_report import load_strings
from kiosk.scenarios import LANGUAGES, load_scenarios
from kiosk.voice import prepare_line

UPLOAD_TYPES = ["mp4", "mov", "webm", "mkv", "wav", "m4a", "flac", "mp3", "jpg", "jpeg", "png"]
#: Languages by their own names, for the picker.
LANGUAGE_NAMES = {"en": "English", "zh": "简体中文", "lt": "Lietuvių", "da": "Dansk"}
#: Height of the embedded report, in pixels (it scrolls inside).
REPORT_HEIGHT_PX = 1400


def _scored(path: Path, scenario, language: str, on_start, on_frame) -> dict:
    analysis = analyse_take(
        path,
        vision_calibration=load_vision_calibration(DEFAULT_PROFILE),
        voice_calibration=load_voice_calibration(DEFAULT_PROFILE),
        line=prepare_line(scenario.text_in(language), language=language),
        on_start=on_start,
        on_frame=on_frame,
    )
    if analysis.body is not None and analysis.body.summary.face_frame_count == 0 and analysis.voice is None:
        from kiosk.analysis import require_a_face

        require_a_face(analysis.body)
    scored = score_and_report(
        analysis,
        scoring_profile=load_scoring_profile(DEFAULT_PROFILE),
        profile_name=DEFAULT_PROFILE,
        language=language,
        scenario=scenario,
    )
    return {"document": scored.document, "notes": list(scored.notes) + list(analysis.notes)}


def main() -> None:
    st.set_page_config(page_title="Practice kiosk", layout="wide")
    st.title("Practice kiosk")
    st.caption("Everything runs on this machine: no picture or sound leaves it.")

    language = st.sidebar.selectbox(
        "Language", LANGUAGES, format_func=lambda code: LANGUAGE_NAMES.get(code, code), key="language"
    )
    strings = load_strings(language)
    setting = st.sidebar.radio(
        "Setting", SETTINGS, format_func=lambda code: strings["settings"][code], key="setting"
    )
    # Options are ids (plain strings): Streamlit copies widget values.
    scenarios = {s.id: s for s in load_scenarios() if s.setting == setting}
    chosen = st.selectbox(
        strings["report"]["line"],
        list(scenarios),
        format_func=lambda id_: f"{strings['kinds'][scenarios[id_].kind]}: {scenarios[id_].text_in(language)}",
        key=f"scenario-{setting}",
    )
    scenario = scenarios[chosen]
    st.markdown(f"**{strings['report']['situation']}:** {scenario.situation_in(language)}")
    st.markdown(f"> {scenario.text_in(language)}")

    upload = st.file_uploader("Upload a recorded take", type=UPLOAD_TYPES)
    if upload is None:
        st.info(
            "Record yourself saying the line above (video, or sound alone for the phone), "
            "then upload the file to see your scores and three things to try."
        )
        return
    data = upload.getvalue()
    key = (hashlib.sha256(data).hexdigest(), scenario.id, language)
    reports = st.session_state.setdefault("reports", {})
    if key not in reports:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / Path(upload.name).name
            path.write_bytes(data)
            progress = st.progress(0.0, text="Analysing the take...")
            expected = {"frames": 1}
            done = {"frames": 0}

            def on_start(info) -> None:
                expected["frames"] = max(int(info.duration_s * info.frame_rate_hz), 1)

            def on_frame(_signals) -> None:
                done["frames"] += 1
                progress.progress(min(done["frames"] / expected["frames"], 1.0), text="Analysing the take...")

            try:
                reports[key] = _scored(path, scenario, language, on_start, on_frame)
            except KioskError as err:
                progress.empty()
                st.error(str(err))
                return
            progress.empty()
    result = reports[key]
    document = result["document"]
    for note in result["notes"]:
        st.warning(note)
    overall = document["overall"]
    st.metric(strings["report"]["overall"], "–" if overall["score"] is None else overall["score"])
    st.caption(overall["label"])
    html = render_html(document)
    components.html(html, height=REPORT_HEIGHT_PX, scrolling=True)
    stem = Path(upload.name).stem
    st.download_button("Download the report (HTML)", html, file_name=f"{stem}-report.html", mime="text/html")
    st.download_button(
        "Download the report (JSON)",
        json.dumps(document, ensure_ascii=False, indent=1),
        file_name=f"{stem}-report.json",
        mime="application/json",
    )
