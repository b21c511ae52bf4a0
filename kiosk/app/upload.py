"""The minimal page: upload a recorded take, see its body-language summary.

The full practice flow (teleprompter, webcam, report) is a later step; this
page already runs the same analysis as ``kiosk analyze``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from kiosk.analysis import analyse_recording, require_a_face
from kiosk.calibration import DEFAULT_PROFILE, load_vision_calibration
from kiosk.errors import KioskError
from kiosk.report.text import CUE_LABELS

UPLOAD_TYPES = ["mp4", "mov", "webm", "mkv", "jpg", "jpeg", "png"]


def _cue_rows(summary) -> list[dict[str, object]]:
    rows = []
    for cue in summary.cues:
        if cue.cue in ("face_found", "others_present"):
            continue
        rows.append(
            {
                "cue": CUE_LABELS[cue.cue],
                "share of take": "unknown" if cue.share is None else f"{cue.share * 100:.0f}%",
                "first seen": "-" if cue.first_onset_s is None else f"{cue.first_onset_s:.1f} s",
                "episodes": ", ".join(f"{e.start_s:.1f}-{e.end_s:.1f} s" for e in cue.episodes[:4]) or "-",
            }
        )
    return rows


def main() -> None:
    st.set_page_config(page_title="Practice kiosk", layout="centered")
    st.title("Practice kiosk")
    st.caption("Everything runs on this machine: no picture or sound leaves it.")
    upload = st.file_uploader("Upload a recorded take", type=UPLOAD_TYPES)
    if upload is None:
        st.info("Choose a video of a take (mp4, mov, webm, mkv) to see how your body language came across.")
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(upload.name).name
        path.write_bytes(upload.getbuffer())
        progress = st.progress(0.0, text="Analysing the take...")
        expected = {"frames": 1}
        done = {"frames": 0}

        def on_start(info) -> None:
            expected["frames"] = max(int(info.duration_s * info.frame_rate_hz), 1)

        def on_frame(_signals) -> None:
            done["frames"] += 1
            progress.progress(min(done["frames"] / expected["frames"], 1.0), text="Analysing the take...")

        try:
            analysis = analyse_recording(
                path, load_vision_calibration(DEFAULT_PROFILE), on_start=on_start, on_frame=on_frame
            )
            require_a_face(analysis)
        except KioskError as err:
            progress.empty()
            st.error(str(err))
            return
        progress.empty()
    summary = analysis.summary
    st.subheader(f"{upload.name}: {analysis.info.describe()}")
    if summary.max_people_in_view > 1:
        st.warning(f"Up to {summary.max_people_in_view} people were in view; the analysis follows the largest, most central face.")
    st.table(_cue_rows(summary))
