"""Practise at the kiosk: its own camera and microphone, a teleprompter, a live preview, the report.

The flow is a small state machine in ``st.session_state["practice"]``:
setup -> countdown -> recording -> analysing -> report, then again or the
next line. The take being recorded (:class:`kiosk.live.LiveTake`) lives
there too, so a click (Stop) re-runs the page without losing it; the
preview loop on the recording screen only reads from it.
"""

from __future__ import annotations

import os
import time
from datetime import datetime

import streamlit as st

from kiosk.app.common import (
    Choices,
    countdown_s,
    media_folder,
    meter_share,
    next_line,
    pick_line,
    score_live_take,
    show_report,
    teleprompter,
)
from kiosk.calibration import (
    load_live_calibration,
    load_scoring_profile,
    load_vision_calibration,
    load_voice_calibration,
)
from kiosk.capture import DeviceChoice, list_cameras, list_microphones, open_camera, open_microphone
from kiosk.capture.devices import stand_ins_from_environment
from kiosk.errors import DeviceError, KioskError
from kiosk.live import PREVIEW_RATE_HZ, LiveTake, expected_line_s, line_finished
from kiosk.report.overlay import draw_overlay
from kiosk.scenarios import find_scenario
from kiosk.scoring.live_cues import LiveCoach
from kiosk.voice.live import LiveVoiceMeter



def _state() -> dict:
    return st.session_state.setdefault("practice", {"phase": "setup"})


@st.cache_data(ttl=30, show_spinner=False)
def _cameras() -> list[DeviceChoice]:
    return list_cameras()


def _microphones() -> tuple[list[DeviceChoice], str | None]:
    try:
        return list_microphones(), None
    except DeviceError as err:
        return [], str(err)


def _device_settings(choices: Choices) -> dict:
    """Camera, microphone, mirror and a level check, in the sidebar."""
    text = choices.strings["app"]
    camera_stand_in, microphone_stand_in = stand_ins_from_environment()
    box = st.sidebar.expander(text["devices"], expanded=False)
    cameras = _cameras()
    if camera_stand_in:
        cameras = [DeviceChoice(camera_stand_in, text["stand_in"].format(name=os.path.basename(camera_stand_in))), *cameras]
    microphones, portaudio_problem = _microphones()
    if microphone_stand_in:
        microphones = [
            DeviceChoice(microphone_stand_in, text["stand_in"].format(name=os.path.basename(microphone_stand_in))),
            *microphones,
        ]
    labels = {c.id: c.label for c in [*cameras, *microphones]}
    camera = box.selectbox(
        text["camera"], [c.id for c in cameras] or [None], format_func=lambda i: labels.get(i, text["no_camera_found"]), key="camera"
    )
    microphone = box.selectbox(
        text["microphone"],
        [m.id for m in microphones] or [None],
        format_func=lambda i: labels.get(i, text["no_microphone_found"]),
        key="microphone",
    )
    if portaudio_problem and not microphone_stand_in:
        box.warning(portaudio_problem)
    mirror = box.checkbox(text["mirror"], value=True, key="mirror")
    if microphone is not None and box.button(text["level_check"], key="level-check"):
        _level_check(box, microphone, choices)
    return {"camera": camera, "microphone": microphone, "mirror": mirror, "portaudio_problem": portaudio_problem}


def _level_check(box, microphone: str, choices: Choices) -> None:
    """Listen for a moment and show how loud the microphone hears the room."""
    text = choices.strings["app"]
    import threading

    from kiosk.capture import TakeClock

    try:
        with open_microphone(microphone) as source:
            meter = LiveVoiceMeter(
                load_live_calibration(choices.profile).voice, load_voice_calibration(choices.profile)
            )
            stop = threading.Event()
            clock = TakeClock()
            reading = None
            for block in source.blocks(clock, stop):
                reading = meter.feed(block.samples, block.start_s)
                if clock.now() > 1.5:
                    stop.set()
    except KioskError as err:
        box.error(str(err))
        return
    level = reading.level_dbfs if reading is not None else None
    heard = text["level_nothing"] if level is None else f"{level:.0f} dBFS"
    box.progress(meter_share(level), text=text["level"].format(level=heard))


def _open_take(state: dict, devices: dict, scenario, choices: Choices, keep: bool) -> str | None:
    """Open the devices and prepare the take; an error message instead if a device fails."""
    text = choices.strings["app"]
    needs_camera = scenario.setting != "phone"
    if needs_camera and devices["camera"] is None:
        return text["no_camera"]
    if devices["microphone"] is None:
        return devices["portaudio_problem"] or text["no_microphone"]
    camera = microphone = None
    try:
        camera = open_camera(devices["camera"]) if needs_camera else None
        microphone = open_microphone(devices["microphone"])
    except KioskError as err:
        if camera is not None:
            camera.close()
        return str(err)
    media = None
    if keep:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        media = media_folder() / f"{stamp}-{scenario.id}.mkv"
    try:
        live = load_live_calibration(choices.profile)
        vision = load_vision_calibration(choices.profile)
        take = LiveTake(
            camera=camera,
            microphone=microphone,
            vision_calibration=vision,
            coach=LiveCoach.for_scenario(
                scenario,
                language=choices.language,
                live=live,
                scoring=load_scoring_profile(choices.profile),
                vision=vision,
            ),
            voice_meter=LiveVoiceMeter(live.voice, load_voice_calibration(choices.profile)),
            keep_media_at=media,
        )
    except KioskError as err:  # no models, a broken profile: free the devices and say what to do
        for device in (camera, microphone):
            if device is not None:
                device.close()
        return str(err)
    state.update(camera=camera, microphone=microphone, take=take, live=live)
    return None


def release_devices() -> None:
    """Stop a take in progress and free the camera and microphone (leaving the page, or after a take)."""
    state = _state()
    take = state.pop("take", None)
    if take is not None:
        take.stop()
    for name in ("camera", "microphone"):
        device = state.pop(name, None)
        if device is not None:
            device.close()


def page(choices: Choices) -> None:
    state = _state()
    devices = _device_settings(choices)
    phase = state["phase"]
    # Each screen draws into the same slot, so the next one replaces it at
    # once instead of leaving the last screen's widgets greyed out below.
    with st.empty().container():
        if phase == "setup":
            _setup(state, devices, choices)
        elif phase == "countdown":
            _countdown(state, choices)
        elif phase == "recording":
            _recording(state, devices, choices)
        elif phase == "analysing":
            _analysing(state, choices)
        else:
            _report(state, choices)


def leave() -> None:
    """The trainee left the page mid-take: drop the take and free the devices."""
    state = _state()
    if state.get("take") is not None:
        release_devices()
        state.update(phase="setup")


def _setup(state: dict, devices: dict, choices: Choices) -> None:
    text = choices.strings["app"]
    state["trainee"] = st.text_input(text["name"], value=state.get("trainee", ""), key="trainee-name").strip()
    scenario = pick_line(choices, key="practice-line")
    keep = st.checkbox(text["keep"], value=state.get("keep", False), key="keep-recording")
    state["keep"] = keep
    # "Try the line again" comes straight back here and starts at once.
    if state.pop("autostart", False) or st.button(text["start"], type="primary", key="start"):
        problem = _open_take(state, devices, scenario, choices, keep)
        if problem:
            st.error(problem)
            return
        state.update(phase="countdown", scenario_id=scenario.id)
        st.rerun()
    else:
        st.info(text["start_hint"])


def _countdown(state: dict, choices: Choices) -> None:
    scenario = find_scenario(state["scenario_id"])
    teleprompter(scenario.text_in(choices.language))
    number = st.empty()
    for remaining in range(countdown_s(), 0, -1):
        number.markdown(f"<div style='font-size:5rem;text-align:center'>{remaining}</div>", unsafe_allow_html=True)
        time.sleep(1.0)
    state["take"].start()
    state["phase"] = "recording"
    st.rerun()


def _recording(state: dict, devices: dict, choices: Choices) -> None:
    take: LiveTake = state["take"]
    text = choices.strings["app"]
    scenario = find_scenario(state["scenario_id"])
    line_text = scenario.text_in(choices.language)
    if st.button(text["stop"], type="primary", key="stop"):
        state["phase"] = "analysing"
        st.rerun()
    teleprompter(line_text)
    left, right = st.columns([3, 1])
    picture = left.empty()
    cue_box = right.empty()
    level_box = right.empty()
    clock_box = right.empty()
    live = state["live"]
    expected_s = expected_line_s(
        line_text,
        language=choices.language,
        syllables_per_word=load_scoring_profile(choices.profile).syllables_per_word,
        syllables_per_s=live.auto_stop.syllables_per_s,
    )
    shown = None
    while take.recording:
        view = take.preview()
        if view.frame is not None and view.frame is not shown:
            shown = view.frame
            picture.image(draw_overlay(view.frame.rgb, view.detections, mirror=devices["mirror"]), width="stretch", output_format="JPEG")
        cue_box.markdown(
            f"<div style='font-size:2.5rem;font-weight:700;color:#b35c00'>{view.cue.text if view.cue else '&nbsp;'}</div>",
            unsafe_allow_html=True,
        )
        level = view.voice.level_dbfs if view.voice is not None else None
        level_box.progress(meter_share(level), text=text["microphone"])
        clock_box.caption(text["elapsed"].format(seconds=f"{view.elapsed_s:.0f}"))
        if line_finished(view, expected_s=expected_s, settings=live.auto_stop):
            break
        time.sleep(1.0 / PREVIEW_RATE_HZ)
    # Free the devices now, not on the next run: a trainee who closed the
    # page would otherwise leave the camera on.
    state["result"] = take.stop()
    release_devices()
    state["phase"] = "analysing"
    st.rerun()


def _analysing(state: dict, choices: Choices) -> None:
    text = choices.strings["app"]
    scenario = find_scenario(state["scenario_id"])
    progress = st.progress(0.1, text=text["finishing"])
    result = state.pop("result", None) or state["take"].stop()
    release_devices()
    try:
        report = score_live_take(
            result, scenario=scenario, choices=choices, trainee=state.get("trainee"), progress=progress
        )
    except KioskError as err:
        progress.empty()
        state.update(phase="report", report=None, error=str(err), problems=list(result.recorded.problems))
        st.rerun()
        return
    if result.recorded.media_path is not None:
        report["notes"].append(text["kept_at"].format(path=result.recorded.media_path))
    progress.empty()
    state.update(phase="report", report=report, error=None)
    st.rerun()


def _report(state: dict, choices: Choices) -> None:
    text = choices.strings["app"]
    scenario = find_scenario(state["scenario_id"])
    if state.get("error"):
        for problem in state.get("problems", []):
            st.warning(problem)
        st.error(state["error"])
    else:
        name = state.get("trainee") or "take"
        show_report(state["report"], choices=choices, stem=f"{name}-{scenario.id}".replace(" ", "_"))
    again, following = st.columns(2)
    if again.button(text["again"], key="again"):
        state.update(phase="setup", report=None, error=None, autostart=True)
        st.rerun()
    if following.button(text["next"], key="next"):
        next_line(scenario, key="practice-line")
        state.update(phase="setup", report=None, error=None)
        st.rerun()
