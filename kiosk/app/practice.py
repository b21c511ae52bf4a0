"""Practise at the kiosk: its own camera and microphone, a teleprompter, a live preview, the report.

The take's flow (setup -> countdown -> recording -> analysing -> report,
then again or the next line) is a :class:`kiosk.app.takeflow.TakeFlow` in
``st.session_state``, shared with the browser's self-check: two runs of the
page at once (a double click, Stop during the preview loop) never start two
takes or stop one twice, and scoring runs on the flow's own thread. The take
(:class:`kiosk.live.LiveTake`) owns the camera and the microphone and frees
them when it stops; the preview loop only reads from it.
"""

from __future__ import annotations

import base64
import io
import os
from datetime import datetime

import numpy as np
import streamlit as st
from PIL import Image

from kiosk.app import calibrate
from kiosk.app.common import (
    Choices,
    countdown_s,
    meter_share,
    pick_line,
    score_live_take,
    session_takes,
    teleprompter,
    translated_picker,
)
from kiosk.app.screens import (
    again_or_next,
    countdown_screen,
    missing_warnings,
    name_input,
    outcome_screen,
    scoring_screen,
)
from kiosk.app.takeflow import Phase, ProgressHook, Scorer, TakeFlow, TakeOutcome
from kiosk.calibration import (
    TraineeBaseline,
    load_baseline_settings,
    load_live_calibration,
    load_scoring_profile,
    load_vision_calibration,
    load_voice_calibration,
)
from kiosk.capture import DeviceChoice, list_cameras, list_microphones, open_camera, open_microphone
from kiosk.capture.devices import stand_ins_from_environment
from kiosk.datafolder import media_folder
from kiosk.errors import DeviceError, KioskError
from kiosk.live import PREVIEW_RATE_HZ, LiveResult, LiveTake, expected_line_s, line_finished
from kiosk.report.overlay import draw_overlay
from kiosk.scenarios import find_scenario
from kiosk.scoring.live_cues import LiveCoach
from kiosk.vocabulary import Setting
from kiosk.voice.live import LiveVoiceMeter

#: JPEG quality of the live preview (0-100): a picture of about 30-60 kB, sent 24 times a second.
PREVIEW_JPEG_QUALITY = 80


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
        cameras = [
            DeviceChoice(camera_stand_in, text["stand_in"].format(name=os.path.basename(camera_stand_in))),
            *cameras,
        ]
    microphones, portaudio_problem = _microphones()
    if microphone_stand_in:
        microphones = [
            DeviceChoice(microphone_stand_in, text["stand_in"].format(name=os.path.basename(microphone_stand_in))),
            *microphones,
        ]
    labels = {c.id: c.label for c in [*cameras, *microphones]}
    # None: no device found, shown as such.
    camera_ids: list[str | None] = [c.id for c in cameras] or [None]
    microphone_ids: list[str | None] = [m.id for m in microphones] or [None]
    camera = box.selectbox(
        text["camera"],
        camera_ids,
        format_func=lambda i: labels.get(i, text["no_camera_found"]),
        key=translated_picker("camera"),
    )
    microphone = box.selectbox(
        text["microphone"],
        microphone_ids,
        format_func=lambda i: labels.get(i, text["no_microphone_found"]),
        key=translated_picker("microphone"),
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


def _make_take(
    devices: dict, scenario, choices: Choices, keep: bool, baseline: TraineeBaseline | None = None
) -> LiveTake:
    """Open the devices and prepare the take (its analyser in a child process of its own).

    Raises:
        KioskError: a device or the models cannot be had; nothing is left open.
    """
    text = choices.strings["app"]
    needs_camera = scenario.setting != "phone"
    if needs_camera and devices["camera"] is None:
        raise KioskError(text["no_camera"])
    if devices["microphone"] is None:
        raise KioskError(devices["portaudio_problem"] or text["no_microphone"])
    camera = microphone = None
    try:
        camera = open_camera(devices["camera"]) if needs_camera else None
        microphone = open_microphone(devices["microphone"])
    except KioskError:
        if camera is not None:
            camera.close()
        raise
    media = None
    if keep:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        media = media_folder() / f"{stamp}-{scenario.id}.mkv"
    try:
        live = load_live_calibration(choices.profile)
        vision = load_vision_calibration(choices.profile)
        coach = LiveCoach.for_scenario(
            scenario,
            language=choices.language,
            live=live,
            scoring=load_scoring_profile(choices.profile),
            vision=vision,
        )
        meter = LiveVoiceMeter(live.voice, load_voice_calibration(choices.profile))
    except KioskError:  # a broken profile: free the devices and say what to do
        for device in (camera, microphone):
            if device is not None:
                device.close()
        raise
    # From here the take owns the devices (it closes them, also if it cannot be made).
    return LiveTake(
        camera=camera,
        microphone=microphone,
        vision_calibration=vision,
        coach=coach,
        voice_meter=meter,
        keep_media_at=media,
        isolated=True,
        unwatched_stop_s=live.auto_stop.unwatched_s,
        # The live cues judge the trainee against their own centre, as the report will.
        body_baseline=baseline.body if baseline is not None else None,
        baseline_settings=load_baseline_settings(choices.profile),
    )


def _flow() -> TakeFlow:
    return st.session_state.setdefault("practice-flow", TakeFlow())


def _form() -> dict:
    """What the trainee typed and ticked on the setup screen (kept while the screen is away)."""
    return st.session_state.setdefault("practice-form", {})


def leave() -> None:
    """The trainee left the page: a take not yet scored (or a calibration) is dropped and its devices freed."""
    flow = st.session_state.get("practice-flow")
    if flow is not None:
        flow.cancel()
    calibrate.leave()


def page(choices: Choices) -> None:
    flow = _flow()
    devices = _device_settings(choices)
    flow.drop_if_abandoned(choices.strings["app"]["take_abandoned"])
    # Each screen draws into the same slot, so the next one replaces it at
    # once instead of leaving the last screen's widgets greyed out below.
    with st.empty().container():
        phase = flow.phase
        if phase is Phase.SETUP and calibrate.calibrating():
            trainee = _form().get("trainee") or None
            calibrate.calibration_screen(
                calibrate.calibration_flow(),
                choices,
                trainee=trainee,
                # Calibrated before the first take: the take follows at once.
                on_done=lambda _: _form().update(autostart=_form().pop("take_after_calibration", False)),
            )
        elif phase is Phase.SETUP:
            _setup(flow, devices, choices)
        elif phase is Phase.COUNTDOWN:
            countdown_screen(
                flow,
                choices,
                cancel_key="cancel",
                at_lens=load_vision_calibration(choices.profile).camera.placement,
            )
        elif phase is Phase.RECORDING:
            _recording(flow, devices, choices)
        elif phase is Phase.ANALYSING:
            scoring_screen(flow, choices)
        else:
            _report(flow, choices)


def _setup(flow: TakeFlow, devices: dict, choices: Choices) -> None:
    text = choices.strings["app"]
    form = _form()
    name_input(text["name"], form, key="trainee-name")
    scenario = pick_line(choices, key="practice-line")
    form["keep"] = st.checkbox(text["keep"], value=form.get("keep", False), key="keep-recording")
    trainee = form["trainee"] or None
    on_camera = Setting(scenario.setting).on_camera
    calibration = calibrate.current(trainee, choices.profile)
    baseline = calibrate.usable(calibration, on_camera=on_camera)
    calibrating = calibrate.calibration_flow()
    for message in [*flow.pop_messages(), *calibrating.pop_messages(), *calibrate.pop_notes()]:
        st.warning(message)
    status, again = st.columns([4, 1])
    status.caption(calibrate.status_line(calibration, trainee, on_camera=on_camera, text=text))
    recalibrate = again.button(
        text["recalibrate"] if baseline is not None else text["calibrate"], key="recalibrate"
    ) or st.session_state.pop("calibration-restart", False)
    # "Try the line again" comes straight back here and starts at once.
    start = form.pop("autostart", False) or st.button(text["start"], type="primary", key="start")
    if recalibrate or (start and baseline is None and calibrate.first(trainee)):
        # Before a trainee's first take at this kiosk: their 10-second calibration, then the take.
        form["take_after_calibration"] = bool(start)
        problem = calibrate.start(
            calibrating, lambda: _make_take(devices, scenario, choices, False), scenario_id=scenario.id
        )
        if problem:
            st.error(problem)
            return
        st.rerun()
    if start:
        problem = flow.open(
            lambda: _make_take(devices, scenario, choices, form["keep"], baseline),
            scenario_id=scenario.id,
            countdown_s=countdown_s(),
        )
        if problem:
            st.error(problem)
            return
        st.rerun()
    else:
        st.info(text["start_hint"])


def _scorer(flow: TakeFlow, choices: Choices) -> Scorer:
    """Scores the flow's take for its line, under the trainee's name and against their baseline if they have
    one (on the flow's thread)."""
    scenario = find_scenario(flow.scenario_id)
    trainee = _form().get("trainee") or None
    on_camera = Setting(scenario.setting).on_camera
    baseline = calibrate.usable(calibrate.current(trainee, choices.profile), on_camera=on_camera)

    session = session_takes()  # read here, on the page's thread; the scoring runs on the take's own

    def score(result: LiveResult, on_progress: ProgressHook) -> TakeOutcome:
        report = score_live_take(
            result,
            scenario=scenario,
            choices=choices,
            trainee=trainee,
            on_progress=on_progress,
            baseline=baseline,
            session=session,
        )
        return TakeOutcome(report=report)

    return score


def _recording(flow: TakeFlow, devices: dict, choices: Choices) -> None:
    text = choices.strings["app"]
    scenario = find_scenario(flow.scenario_id)
    if st.button(text["stop"], type="primary", key="stop"):
        flow.finish(_scorer(flow, choices))
        st.rerun()
    # Pinned next to the lens: reading the line is as near to looking at the customer as the screen allows.
    teleprompter(scenario.text_in(choices.language), at_lens=load_vision_calibration(choices.profile).camera.placement)
    _recording_live(flow, devices["mirror"], choices)


def preview_html(rgb: np.ndarray) -> str:
    """The preview picture as an ``<img>`` holding its JPEG inline.

    ``st.image`` serves each picture from a URL that the next redraw (24 a
    second) deletes: on a busy machine the browser asked for it too late and
    showed a broken picture or none. Inline, there is nothing to fetch.
    Encoded by Pillow: OpenCV's colour conversion would start a pool of
    worker threads in the server that outlives the take.
    """
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=PREVIEW_JPEG_QUALITY)
    jpeg = buffer.getvalue()
    data = base64.b64encode(jpeg).decode("ascii")
    return (
        f"<img class='kiosk-preview' alt='' style='width:100%;display:block;border-radius:0.5rem' "
        f"src='data:image/jpeg;base64,{data}'>"
    )


@st.fragment(run_every=1.0 / PREVIEW_RATE_HZ)
def _recording_live(flow: TakeFlow, mirror: bool, choices: Choices) -> None:
    """The mirrored preview with the landmarks, the live cue, the microphone level and the time.

    Redrawn on its own, many times a second, while the rest of the page stays
    as it is; it ends the take when the line has been said and a pause
    followed, or when the camera and microphone end.
    """
    take = flow.take
    if flow.phase is not Phase.RECORDING or take is None:
        return
    text = choices.strings["app"]
    view = take.preview()
    missing_warnings(view, choices)  # "We can't hear you", "We can't see you"
    left, right = st.columns([3, 1])
    if view.frame is not None:
        left.html(preview_html(draw_overlay(view.frame.rgb, view.detections, mirror=mirror)))
    right.markdown(
        f"<div style='font-size:2.5rem;font-weight:700;color:#b35c00'>{view.cue.text if view.cue else '&nbsp;'}</div>",
        unsafe_allow_html=True,
    )
    level = view.voice.level_dbfs if view.voice is not None else None
    right.progress(meter_share(level), text=text["microphone"])
    right.caption(text["elapsed"].format(seconds=f"{view.elapsed_s:.0f}"))
    scenario = find_scenario(flow.scenario_id)
    live = load_live_calibration(choices.profile)
    expected_s = expected_line_s(
        scenario.text_in(choices.language),
        language=choices.language,
        syllables_per_word=load_scoring_profile(choices.profile).syllables_per_word,
        syllables_per_s=live.auto_stop.syllables_per_s,
    )
    if not take.recording or line_finished(view, expected_s=expected_s, settings=live.auto_stop):
        # The line was said, or the devices ended: score it (once, whichever run gets here first).
        flow.finish(_scorer(flow, choices))
        st.rerun(scope="app")


def _report(flow: TakeFlow, choices: Choices) -> None:
    if flow.outcome is None:
        flow.again()
        st.rerun()
    name = _form().get("trainee") or "take"
    outcome_screen(flow, choices, stem=f"{name}-{flow.scenario_id}".replace(" ", "_"))
    again_or_next(
        flow,
        choices,
        again_key="again",
        next_key="next",
        line_key="practice-line",
        # "Try the line again" records straight away.
        on_again=lambda: _form().update(autostart=True),
    )
