"""Video-call self-check: the browser's camera and microphone, through streamlit-webrtc.

For remote agents: the same flow and report as at the kiosk, with the
framing checks that matter on a call (face size and centring, camera
height, light on the face and behind it, looking at the lens) shown live
before recording.

The browser streams to this machine over WebRTC (aiortc). With no ICE
servers configured only host candidates are used, which is all localhost
and a LAN need; ``KIOSK_ICE_SERVERS`` (a JSON list of RTCIceServer
dictionaries, e.g. ``[{"urls": "stun:stun.example.org:3478"}]``) adds STUN
or TURN servers. Browsers give pages the camera only on ``https://`` or
``localhost``: on a LAN, serve the kiosk over HTTPS (Streamlit's
``server.sslCertFile`` and ``server.sslKeyFile``).

:class:`SelfCheck` holds one trainee's session (the feed from the browser,
the preview analyser) in ``st.session_state``; the webrtc callbacks only
reach it, never ``st``. The take's flow (setup with the camera on and the
framing checks -> countdown -> recording -> analysing -> report) is the
:class:`kiosk.app.takeflow.TakeFlow` the kiosk's own page uses too.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from datetime import datetime
from typing import TYPE_CHECKING

import av
import streamlit as st

from kiosk.app.common import Choices, countdown_s, meter_share, pick_line, score_live_take, session_takes, teleprompter
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
    SETTINGS,
    FramingCalibration,
    VisionCalibration,
    load_framing_calibration,
    load_live_calibration,
    load_scoring_profile,
    load_vision_calibration,
    load_voice_calibration,
)
from kiosk.capture.browser import BrowserFeed, FeedStatus
from kiosk.capture.take import VideoFrame
from kiosk.datafolder import media_folder
from kiosk.errors import KioskError
from kiosk.i18n import load_strings
from kiosk.live import LiveResult, LiveTake
from kiosk.report.overlay import draw_overlay
from kiosk.scenarios import Scenario, find_scenario
from kiosk.scoring.framing import NO_FACE, FramingCheck, check_advice, check_label, framing_checks, framing_checks_now
from kiosk.scoring.live_cues import LiveCoach
from kiosk.settings import SettingsError, read_settings
from kiosk.vision import BodyAnalyser, FrameNotAnalysed, FrameSignals
from kiosk.vision.landmarks import Detections
from kiosk.voice.live import LiveVoiceMeter

if TYPE_CHECKING:  # the page imports streamlit_webrtc only when it draws the component (_camera)
    from streamlit_webrtc.config import Translations

#: Environment variable with extra ICE servers (JSON list of RTCIceServer dictionaries).
ICE_SERVERS_ENV = "KIOSK_ICE_SERVERS"
#: The webrtc component's key (stable: the connection survives every rerun).
WEBRTC_KEY = "browser-camera"
#: The video-call lines first; the other settings can be practised here too.
BROWSER_SETTINGS = ("video_call", *(s for s in SETTINGS if s != "video_call"))
#: How often the live panels redraw, in seconds.
REFRESH_S = 0.25
#: With the camera started, nothing from it for this long gets a warning, in seconds.
NO_MEDIA_WARN_S = 5.0
#: The preview overlay is drawn from landmarks at most this old, in seconds.
OVERLAY_MAX_AGE_S = 0.6
#: Frames of preview signals kept for the live framing checks (far more than their window).
RECENT_FRAMES = 120


def component_text(text: dict) -> Translations:
    """What the component itself says (its defaults are terse and English-only), from the pages' words."""
    return {
        "start": text["start_camera"],
        "stop": text["stop_camera"],
        "select_device": text["choose_devices"],
        "media_api_not_available": text["no_media_api"],
        "device_ask_permission": text["ask_permission"],
        "device_not_available": text["device_not_available"],
        "device_access_denied": text["device_access_denied"],
    }


def camera_help(text: dict) -> str:
    """What to do when the browser refuses or finds no camera or microphone (its words appear in the camera box).

    The browser's own error names (NotAllowedError, ...) stay as the browser writes them.
    """
    return "  \n".join(
        text[key] for key in ("help_not_allowed", "help_not_found", "help_not_readable", "help_insecure")
    )


# -- configuration -------------------------------------------------------------------


def rtc_configuration(environ: dict[str, str] | None = None) -> tuple[dict, str | None]:
    """The RTC configuration for browser and server, and a message if ``KIOSK_ICE_SERVERS`` was refused.

    A refused value falls back to host candidates only (localhost and a LAN still work).
    """
    try:
        return {"iceServers": [dict(server) for server in read_settings(environ).ice_servers]}, None
    except SettingsError as err:
        return {"iceServers": []}, f"{err} Until then only this network is used (fine on localhost and a LAN)."


# -- one trainee's session -----------------------------------------------------------------


class SelfCheck:
    """The browser feed and the framing preview, for one trainee.

    The webrtc callbacks (:meth:`on_video_frames`, :meth:`on_audio_frame`)
    run on aiortc's threads; everything else on the page's script threads,
    of which two may run at once (a click starts a new run before the old
    one ends), so the preview analyser is used and replaced under a lock.
    The take itself belongs to the page's :class:`~kiosk.app.takeflow.TakeFlow`;
    while it records, :meth:`attach` connects the feed to it.
    """

    def __init__(self) -> None:
        self.feed = BrowserFeed()
        self.mirror = True
        self.take: LiveTake | None = None
        self._lock = threading.Lock()
        self._preview_lock = threading.Lock()
        self._analyser: BodyAnalyser | None = None
        self._analyser_calibration: VisionCalibration | None = None
        self._recent: deque[FrameSignals] = deque(maxlen=RECENT_FRAMES)
        self._preview_detections: tuple[Detections, float] | None = None  # and time_s on the feed's clock

    # -- callbacks (aiortc's threads) --------------------------------------------------
    async def on_video_frames(self, frames: list[av.VideoFrame]) -> list[av.VideoFrame]:
        """Record every picture that queued up; send back the newest with the overlay."""
        for frame in frames:
            self.feed.on_video_frame(frame)
        picture = self.feed.latest_frame()
        if picture is None:
            return [frames[-1]]
        shown = draw_overlay(picture.rgb, self._overlay_detections(), mirror=self.mirror)
        return [av.VideoFrame.from_ndarray(shown, format="rgb24")]

    def on_audio_frame(self, frame: av.AudioFrame) -> None:
        self.feed.on_audio_frame(frame)

    def _overlay_detections(self) -> Detections | None:
        """The newest landmarks, unless they lag the picture they would be drawn on too far."""
        take = self.take
        if take is not None and take.recording:
            view = take.current_view()  # the video callback is not the page watching
            if view.detections is None or view.frame is None:
                return None
            lag = view.frame.time_s - view.detections.time_s
            return view.detections if lag <= OVERLAY_MAX_AGE_S else None
        with self._lock:
            preview = self._preview_detections
        newest = self.feed.newest_time_s()
        if preview is None or newest is None or newest - preview[1] > OVERLAY_MAX_AGE_S:
            return None
        return preview[0]

    # -- before recording -----------------------------------------------------------------
    def framing_now(self, vision: VisionCalibration, framing: FramingCalibration) -> tuple[FramingCheck, ...] | None:
        """Analyse the newest picture (if new) and judge the framing over the last moments (``None``: no picture)."""
        frame = self.feed.latest_frame()
        if frame is None:
            return None
        with self._lock:
            recent = list(self._recent)
        if not recent or frame.time_s > recent[-1].time_s:
            signals = self._analyse_preview(frame, vision)
            if signals is not None:
                recent.append(signals)
        return framing_checks_now(recent, framing)

    def _analyse_preview(self, frame: VideoFrame, vision: VisionCalibration) -> FrameSignals | None:
        with self._preview_lock:
            if self._analyser is None or self._analyser_calibration != vision:
                if self._analyser is not None:
                    self._analyser.close()
                self._analyser = BodyAnalyser(vision, isolated=True)
                self._analyser_calibration = vision
            try:
                detections = self._analyser.detect(frame)
            except FrameNotAnalysed:
                return None  # the analyser's process died on this picture; the next one gets a new one
            except KioskError:
                self._analyser.close()  # it keeps failing: start afresh with the next picture
                self._analyser = None
                return None
            signals = self._analyser.interpret(detections, frame)
        with self._lock:
            if self._recent and frame.time_s <= self._recent[-1].time_s:
                return signals  # another run got a newer picture in first
            self._preview_detections = (detections, frame.time_s)
            self._recent.append(signals)
        return signals

    def release_preview(self) -> None:
        """Free the preview analyser (the camera is off, or a take records); made again when needed."""
        with self._preview_lock:
            if self._analyser is not None:
                self._analyser.close()
                self._analyser = None
        with self._lock:
            self._preview_detections = None
            self._recent.clear()

    # -- the take -------------------------------------------------------------------------------
    def attach(self, take: LiveTake) -> None:
        """Send the browser's pictures and sound to ``take`` (started) until :meth:`detach`.

        Raises:
            RuntimeError: ``take`` was not started, so it has no clock to stamp the frames on.
        """
        clock = take.recorder.clock
        if clock is None:
            raise RuntimeError("Only a started take can be attached to the browser's feed.")
        self.release_preview()  # one analyser process per trainee at a time
        self.take = take
        self.feed.attach(take, clock)

    def detach(self) -> None:
        self.feed.detach()
        self.take = None


# -- the page --------------------------------------------------------------------------------


def _check() -> SelfCheck:
    return st.session_state.setdefault("browser-check", SelfCheck())


def _flow() -> TakeFlow:
    return st.session_state.setdefault("browser-flow", TakeFlow())


def _form() -> dict:
    """What the trainee typed and ticked on the setup screen."""
    return st.session_state.setdefault("browser-form", {})


def leave() -> None:
    """The trainee left the page: a take not yet scored is dropped, the preview analyser freed."""
    check = st.session_state.get("browser-check")
    flow = st.session_state.get("browser-flow")
    if flow is not None:
        flow.cancel(detach=check.detach if check is not None else None)
    if check is not None:
        check.release_preview()


def _camera(check: SelfCheck, rtc: dict, text: dict):
    """The webrtc component: the browser's camera and microphone in, the preview with the overlay back."""
    from streamlit_webrtc import WebRtcMode, create_audio_sink_track, webrtc_streamer

    return webrtc_streamer(
        key=WEBRTC_KEY,
        mode=WebRtcMode.SENDRECV,
        rtc_configuration=rtc,
        media_stream_constraints={
            "video": {"width": {"max": 1280}, "height": {"max": 720}, "frameRate": {"max": 30}},
            # The browser's own processing would change the loudness and the pauses the report measures.
            "audio": {"echoCancellation": False, "noiseSuppression": False, "autoGainControl": False},
        },
        queued_video_frames_callback=check.on_video_frames,
        # Sound only goes one way (nothing echoes back) and no block is dropped.
        sink_audio_track=create_audio_sink_track(check.on_audio_frame, key=f"{WEBRTC_KEY}-sound"),
        video_html_attrs={"autoPlay": True, "controls": False, "muted": True, "style": {"width": "100%"}},
        translations=component_text(text),
    )


def page(choices: Choices) -> None:
    check = _check()
    flow = _flow()
    form = _form()
    text = choices.strings["app"]
    rtc, ice_problem = rtc_configuration()
    flow.drop_if_abandoned(text["take_abandoned"])
    left, right = st.columns([2, 3])
    # The component is always drawn first and in the same place, so the connection survives every phase.
    with left:
        context = _camera(check, rtc, text)
        check.mirror = st.checkbox(text["mirror"], value=True, key="browser-mirror")
        if ice_problem:
            st.error(ice_problem)
    playing = bool(context.state.playing)
    if playing:
        form.setdefault("playing_since", time.monotonic())
    else:
        form.pop("playing_since", None)
    phase = flow.phase
    # Each screen draws into the same slot: the setup form is gone at once when the countdown starts.
    with right, st.empty().container():
        if phase is Phase.SETUP:
            _setup(flow, check, choices, playing)
        elif phase is Phase.COUNTDOWN:
            _countdown(flow, check, choices, playing)
        elif phase is Phase.RECORDING:
            _recording(flow, check, choices, playing)
        elif phase is Phase.ANALYSING:
            scoring_screen(flow, choices)
        else:
            _report_buttons(flow, choices)
    if flow.phase is Phase.REPORT:
        outcome_screen(flow, choices, stem=f"self-check-{flow.scenario_id}")


def _no_media_warnings(status: FeedStatus, form: dict, text: dict, *, needs_video: bool) -> list[str]:
    """What is missing from the browser, once it has had time to send it."""
    since = form.get("playing_since")
    if since is None or time.monotonic() - since < NO_MEDIA_WARN_S:
        return []
    problems = []
    if needs_video and not status.has_video:
        problems.append(text["no_picture_sent"])
    if not status.has_audio:
        problems.append(text["no_sound_sent"])
    return problems


def _setup(flow: TakeFlow, check: SelfCheck, choices: Choices, playing: bool) -> None:
    text = choices.strings["app"]
    form = _form()
    name_input(text["name"], form, key="browser-name")
    scenario = pick_line(choices, settings=BROWSER_SETTINGS, key="browser-line")
    form["keep"] = st.checkbox(text["keep"], value=form.get("keep", False), key="browser-keep")
    for message in flow.pop_messages():
        st.warning(message)
    if not playing:
        check.release_preview()
        st.info(text["camera_hint"])
        # The browser tells the page, not the kiosk, why a camera did not start: say what each message means.
        with st.expander(text["help_title"]):
            st.warning(camera_help(text))
        return
    needs_video = scenario.setting != "phone"
    if st.button(text["record"], type="primary", key="browser-record"):
        problem = _missing_for_take(check.feed.status(), text, needs_video=needs_video)
        if problem:
            st.warning(problem)
        else:
            problem = flow.open(
                lambda: _make_take(check, scenario, choices, keep=form["keep"]),
                scenario_id=scenario.id,
                countdown_s=countdown_s(),
            )
            if problem:
                st.error(problem)
            else:
                st.rerun()
    _setup_live(flow, check, choices.profile, choices.language, needs_video)


@st.fragment(run_every=REFRESH_S)
def _setup_live(flow: TakeFlow, check: SelfCheck, profile: str, language: str, needs_video: bool) -> None:
    """What the browser sends, and the framing checks on the newest pictures (redrawn a few times a second)."""
    if flow.phase is not Phase.SETUP:
        return
    text = load_strings(language)["app"]
    for problem in _no_media_warnings(check.feed.status(), _form(), text, needs_video=needs_video):
        st.warning(problem)
    if needs_video:
        checks = check.framing_now(load_vision_calibration(profile), load_framing_calibration(profile))
        _show_checks(checks, language, title=text["framing_now"])


def _missing_for_take(status: FeedStatus, text: dict, *, needs_video: bool) -> str | None:
    if needs_video and not status.has_video:
        return text["no_picture_yet"]
    if not status.has_audio:
        return text["no_sound_yet"]
    return None


def _make_take(check: SelfCheck, scenario: Scenario, choices: Choices, *, keep: bool) -> LiveTake:
    """The take the browser's pictures and sound will be pushed into (analysed in a child process)."""
    status = check.feed.status()
    live = load_live_calibration(choices.profile)
    vision = load_vision_calibration(choices.profile)
    media = None
    if keep:
        media = media_folder() / f"{datetime.now():%Y%m%d-%H%M%S}-browser-{scenario.id}.mkv"
    return LiveTake(
        vision_calibration=vision,
        coach=LiveCoach(
            scenario.setting,
            scenario.kind,
            language=choices.language,
            targets=scenario.targets,
            live=live,
            scoring=load_scoring_profile(choices.profile),
            vision=vision,
        ),
        voice_meter=LiveVoiceMeter(live.voice, load_voice_calibration(choices.profile)),
        keep_media_at=media,
        expect_video=status.has_video,
        expect_audio=status.has_audio,
        isolated=True,
        unwatched_stop_s=live.auto_stop.unwatched_s,
    )


def _countdown(flow: TakeFlow, check: SelfCheck, choices: Choices, playing: bool) -> None:
    """3, 2, 1 over the line, then the take starts recording the browser's pictures and sound."""
    if not playing:
        flow.cancel(choices.strings["app"]["stopped_before"])
        st.rerun()
    countdown_screen(flow, choices, cancel_key="browser-cancel", attach=check.attach, detach=check.detach)


def _scorer(flow: TakeFlow, choices: Choices) -> Scorer:
    """Scores the flow's take and judges its framing (on the flow's thread)."""
    scenario = find_scenario(flow.scenario_id)
    trainee = _form().get("trainee") or None

    session = session_takes()  # read here, on the page's thread; the scoring runs on the take's own

    def score(result: LiveResult, on_progress: ProgressHook) -> TakeOutcome:
        report = score_live_take(
            result,
            scenario=scenario,
            choices=choices,
            trainee=trainee,
            on_progress=on_progress,
            name=f"self-check {scenario.id}",
            session=session,
        )
        framing = None
        if result.timeline is not None:
            framing = framing_checks(result.timeline, load_framing_calibration(choices.profile))
        return TakeOutcome(report=report, extra={"framing": framing})

    return score


def _end_take(flow: TakeFlow, check: SelfCheck, choices: Choices, note: str | None = None) -> None:
    flow.finish(_scorer(flow, choices), detach=check.detach, notes=(note,) if note else ())
    st.rerun()


def _recording(flow: TakeFlow, check: SelfCheck, choices: Choices, playing: bool) -> None:
    text = choices.strings["app"]
    scenario = find_scenario(flow.scenario_id)
    stop = st.button(text["stop"], type="primary", key="browser-stop")
    if stop or not playing:
        _end_take(flow, check, choices, None if playing else text["stopped_during"])
    teleprompter(scenario.text_in(choices.language))
    _recording_live(flow, check, choices)


@st.fragment(run_every=REFRESH_S)
def _recording_live(flow: TakeFlow, check: SelfCheck, choices: Choices) -> None:
    """The live cue, the microphone level and the time; the take ends if the browser stops sending."""
    take = flow.take
    if flow.phase is not Phase.RECORDING or take is None:
        return
    text = choices.strings["app"]
    auto_stop = load_live_calibration(choices.profile).auto_stop
    view = take.preview()
    missing_warnings(view, choices)  # "We can't hear you", "We can't see you"
    st.markdown(
        f"<div style='font-size:2.2rem;font-weight:700;color:#b35c00;min-height:3rem'>"
        f"{view.cue.text if view.cue else '&nbsp;'}</div>",
        unsafe_allow_html=True,
    )
    level = view.voice.level_dbfs if view.voice is not None else None
    st.progress(meter_share(level), text=text["microphone"])
    st.caption(text["recording"].format(seconds=f"{view.elapsed_s:.0f}"))
    status = check.feed.status()
    since = [s for s in (status.since_video_s, status.since_audio_s) if s is not None]
    if not since or min(since) > auto_stop.media_lost_s:
        _end_take(flow, check, choices, text["media_lost"])
    elif view.elapsed_s > auto_stop.longest_browser_take_s:
        _end_take(flow, check, choices, text["take_too_long"].format(seconds=f"{auto_stop.longest_browser_take_s:.0f}"))


def _report_buttons(flow: TakeFlow, choices: Choices) -> None:
    text = choices.strings["app"]
    st.markdown(f"> {find_scenario(flow.scenario_id).text_in(choices.language)}")
    outcome = flow.outcome
    if outcome is not None and outcome.extra.get("framing"):
        _show_checks(outcome.extra["framing"], choices.language, title=text["framing_take"])
    again_or_next(
        flow,
        choices,
        again_key="browser-again",
        next_key="browser-next",
        line_key="browser-line",
    )


def _show_checks(checks: tuple[FramingCheck, ...] | None, language: str, *, title: str) -> None:
    """The framing checks as a short list: a tick, or what to change."""
    st.markdown(f"**{title}**")
    strings = load_strings(language)
    if checks is None:
        st.caption(strings["app"]["waiting"])
        return
    if all(c.advice == NO_FACE for c in checks):
        st.warning(check_advice(checks[0], language))
        return
    good = strings["framing"]["ok"]
    lines = []
    for item in checks:
        label = check_label(item, language)
        if item.passed:
            lines.append(f"- :green[:material/check_circle:] {label}: {good}")
        elif item.passed is None:
            lines.append(f"- :gray[:material/help:] {label}: –")
        else:
            lines.append(f"- :orange[:material/warning:] {label}: {check_advice(item, language)}")
    st.markdown("\n".join(lines))


__all__ = ["SelfCheck", "leave", "page", "rtc_configuration"]
