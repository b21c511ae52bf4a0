"""Upload a recording: a trainer reviewing a recorded role-play, or a take made elsewhere.

Runs the same analysis, scoring and report as ``kiosk analyze --scenario ID
--report``. A finished report is kept in ``st.session_state``, keyed by the
file's hash and the choices, so it is never analysed twice.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import streamlit as st

from kiosk.analysis import analyse_take
from kiosk.app.common import Choices, pick_line, scored_report, show_report
from kiosk.calibration import load_vision_calibration, load_voice_calibration
from kiosk.errors import KioskError
from kiosk.voice import prepare_line

UPLOAD_TYPES = ["mp4", "mov", "webm", "mkv", "wav", "m4a", "flac", "mp3", "jpg", "jpeg", "png"]
#: Largest upload accepted, in megabytes, unless ``KIOSK_UPLOAD_LIMIT_MB`` says otherwise.
DEFAULT_UPLOAD_LIMIT_MB = 200


def upload_limit_mb() -> int:
    value = os.environ.get("KIOSK_UPLOAD_LIMIT_MB", "")
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_UPLOAD_LIMIT_MB


def page(choices: Choices) -> None:
    text = choices.strings["app"]
    trainee = st.text_input(text["upload_trainee"], key="upload-trainee").strip()
    scenario = pick_line(choices, key="upload-line")
    language = choices.language
    limit = upload_limit_mb()
    # The key keeps the uploaded file when the label changes with the language.
    upload = st.file_uploader(
        text["upload"].format(limit=limit), type=UPLOAD_TYPES, max_upload_size=limit, key="upload-file"
    )
    if upload is None:
        st.info(text["upload_hint"])
        return
    if upload.size > limit * 1024 * 1024:
        st.error(text["too_big"].format(name=upload.name, size=f"{upload.size / 1e6:.0f}", limit=limit))
        return
    data = upload.getvalue()
    key = (hashlib.sha256(data).hexdigest(), scenario.id, language, choices.profile, trainee)
    reports = st.session_state.setdefault("reports", {})
    if key not in reports:
        # The upload is analysed from a temporary file that is deleted straight after.
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / Path(upload.name).name
            path.write_bytes(data)
            progress = st.progress(0.0, text=text["analysing_take"])
            expected = {"frames": 1}
            done = {"frames": 0}

            def on_start(info) -> None:
                expected["frames"] = max(int(info.duration_s * info.frame_rate_hz), 1)

            def on_frame(_signals) -> None:
                done["frames"] += 1
                progress.progress(min(done["frames"] / expected["frames"], 1.0), text=text["analysing_take"])

            try:
                analysis = analyse_take(
                    path,
                    vision_calibration=load_vision_calibration(choices.profile),
                    voice_calibration=load_voice_calibration(choices.profile),
                    line=prepare_line(scenario.text_in(language), language=language),
                    on_start=on_start,
                    on_frame=on_frame,
                )
                reports[key] = scored_report(analysis, scenario=scenario, choices=choices, trainee=trainee or None)
            except KioskError as err:
                progress.empty()
                st.error(str(err))
                return
            progress.empty()
    show_report(reports[key], choices=choices, stem=Path(upload.name).stem)
