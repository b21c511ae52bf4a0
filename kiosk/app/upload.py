"""Upload a recording: a trainer reviewing a recorded role-play, or a take made elsewhere.

Runs the same analysis, scoring and report as ``kiosk analyze --scenario ID
--report``. A finished report is kept in ``st.session_state``, keyed by the
file's hash and the choices, so it is never analysed twice. The server
analyses one upload at a time (the others see their place in the queue),
within the profile's ``[media]`` limits, with the landmarkers in a child
process; messages name the upload, never the server's temporary folder.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import av
import streamlit as st

from kiosk.analysis import analyse_take
from kiosk.app.analysis_queue import AnalysisQueue
from kiosk.app.common import Choices, pick_line, scored_report, session_takes, show_report
from kiosk.calibration import load_media_limits, load_vision_calibration, load_voice_calibration
from kiosk.capture.playback import PlayableMedia, browser_playable
from kiosk.errors import KioskError
from kiosk.settings import read_settings
from kiosk.store import NAME_MAX_CHARS
from kiosk.voice import prepare_line

UPLOAD_TYPES = ["mp4", "mov", "webm", "mkv", "wav", "m4a", "flac", "mp3", "jpg", "jpeg", "png"]


#: Largest upload accepted, in megabytes, unless ``KIOSK_UPLOAD_LIMIT_MB`` says otherwise.
def upload_limit_mb() -> int:
    """The largest upload accepted, in megabytes (``KIOSK_UPLOAD_LIMIT_MB``)."""
    return read_settings().upload_limit_mb


#: Longest part of an uploaded file's name kept for the temporary copy, in bytes
#: (file systems allow 255; the name only has to keep its ending).
TEMP_NAME_BYTES = 100
#: Longest upload name shown in a message, in characters.
SHOWN_NAME_CHARS = 80


@st.cache_resource(show_spinner=False)
def analysis_queue() -> AnalysisQueue:
    """The server's one queue for analysing uploads (shared by every session)."""
    return AnalysisQueue()


def shown_name(name: str) -> str:
    """An upload's name as messages show it: its last part, without control characters, not too long."""
    plain = "".join(ch for ch in Path(name).name if ch.isprintable()) or "the upload"
    return plain if len(plain) <= SHOWN_NAME_CHARS else plain[: SHOWN_NAME_CHARS - 1] + "…"


def temporary_name(name: str) -> str:
    """A safe file name for the upload's temporary copy: its own name, shortened, keeping its ending."""
    suffix = Path(name).suffix.lower()
    suffix = suffix if suffix.lstrip(".") in UPLOAD_TYPES else ""
    stem = "".join(ch if ch.isalnum() or ch in "-_ " else "_" for ch in Path(name).stem).strip() or "upload"
    stem = stem.encode("utf-8")[:TEMP_NAME_BYTES].decode("utf-8", errors="ignore") or "upload"
    return stem + suffix


def plain_error(err: KioskError, name: str, text: Mapping[str, str]) -> str:
    """What went wrong with an upload, in plain words of the page's language where FFmpeg's would show.

    A file FFmpeg cannot open or decode (a text file renamed ``.mp4``, a cut-off
    download) is "not a video or sound file the kiosk can read, or damaged",
    never FFmpeg's "Invalid data found when processing input"; the other
    messages (too long, no sound on a phone take, ...) say what to do already.
    """
    if isinstance(err.__cause__, (av.FFmpegError, UnicodeDecodeError)):
        return text["upload_not_media"].format(name=name)
    return str(err)


def page(choices: Choices) -> None:
    text = choices.strings["app"]
    # Kept in the address (?upload-trainee=...): a reload keeps it; clearing the name clears it there too.
    trainee = st.text_input(
        text["upload_trainee"], max_chars=NAME_MAX_CHARS, key="upload-trainee", bind="query-params"
    ).strip()
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
    name = shown_name(upload.name)
    if upload.size > limit * 1024 * 1024:
        st.error(text["too_big"].format(name=name, size=f"{upload.size / 1e6:.0f}", limit=limit))
        return
    if upload.size == 0:
        st.error(text["upload_empty"].format(name=name))
        return
    data = upload.getvalue()
    key = (hashlib.sha256(data).hexdigest(), scenario.id, language, choices.profile, trainee)
    reports = st.session_state.setdefault("reports", {})
    if key not in reports:
        waiting = st.empty()
        with analysis_queue().turn(lambda ahead: waiting.info(text["queue_wait"].format(ahead=ahead))):
            waiting.empty()
            report = _analyse_upload(data, upload.name, name, scenario=scenario, choices=choices, trainee=trainee)
        if report is None:
            return
        reports[key] = report
    show_report(reports[key], choices=choices, stem=Path(temporary_name(upload.name)).stem)


def _analyse_upload(data: bytes, file_name: str, name: str, *, scenario, choices: Choices, trainee: str) -> dict | None:
    """Analyse, score and save one upload from a private temporary copy; ``None`` after showing why not."""
    text = choices.strings["app"]
    progress = st.progress(0.0, text=text["analysing_take"])
    duration = {"s": 0.0}

    # Progress by the take's clock: the analysis judges frames on a fixed schedule, not every decoded frame.
    def on_start(info) -> None:
        duration["s"] = info.duration_s

    def on_progress(analysed_s: float) -> None:
        share = analysed_s / duration["s"] if duration["s"] > 0 else 0.0
        progress.progress(min(max(share, 0.0), 1.0), text=text["analysing_take"])

    try:
        # The upload is analysed from a private temporary copy that is deleted straight after.
        with tempfile.TemporaryDirectory(prefix="kiosk-upload-") as folder:
            path = Path(folder) / temporary_name(file_name)
            try:
                path.write_bytes(data)
            except OSError as err:
                raise KioskError(text["no_room_for_upload"].format(reason=os.strerror(err.errno or 0))) from err
            analysis = analyse_take(
                path,
                vision_calibration=load_vision_calibration(choices.profile),
                voice_calibration=load_voice_calibration(choices.profile),
                line=prepare_line(scenario.text_in(choices.language), language=choices.language),
                on_start=on_start,
                on_progress=on_progress,
                name=name,
                limits=load_media_limits(choices.profile),
                isolated=True,
            )
            result = scored_report(
                analysis, scenario=scenario, choices=choices, trainee=trainee or None, session=session_takes()
            )
            result["video"] = _playable(path, choices)
            return result
    except KioskError as err:
        st.error(plain_error(err, name, text))
        return None
    except OSError as err:  # the temporary folder itself could not be made
        st.error(text["no_room_for_upload"].format(reason=os.strerror(err.errno or 0)))
        return None
    finally:
        progress.empty()


def _playable(path: Path, choices: Choices) -> PlayableMedia | None:
    """The upload as the report plays it at each tip's moment; ``None`` if it is too large or cannot be played."""
    if path.stat().st_size > load_media_limits(choices.profile).max_played_mb * 1_000_000:
        return None
    try:
        playable = browser_playable(path)
    except KioskError:
        return None  # a picture, or video the browser could only play after encoding it again
    return playable if len(playable.data) <= load_media_limits(choices.profile).max_played_mb * 1_000_000 else None
