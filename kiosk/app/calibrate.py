"""The trainee's 10-second calibration on the kiosk page: a dot beside the lens, the usual stance, a neutral sentence.

Before a trainee's first take at this kiosk (and on "Recalibrate") the page
records a baseline with the same camera and microphone as a take, in a
:class:`~kiosk.app.takeflow.TakeFlow` of its own: a dot at the screen's edge
nearest the lens for the first seconds, then a sentence to say. The result is
the trainee's own centre (:class:`kiosk.calibration.TraineeBaseline`),
stored under their name for this kiosk; a trainee without a name gets one for
this session only, never stored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape as html_escape

import streamlit as st

from kiosk.analysis import analyse_live_take, measure_baseline
from kiosk.app.common import Choices, countdown_s, kiosk_store
from kiosk.app.screens import countdown_screen, scoring_screen
from kiosk.app.takeflow import Phase, ProgressHook, Scorer, TakeFlow, TakeOutcome
from kiosk.calibration import TraineeBaseline, load_profile
from kiosk.errors import KioskError
from kiosk.live import LiveResult, LiveTake
from kiosk.settings import read_settings
from kiosk.store import StoreError
from kiosk.vocabulary import CameraPlacement

#: The session's own baseline when the trainee gave no name (never stored).
SESSION_BASELINE = "calibration-session-baseline"
_FLOW = "calibration-flow"
#: How often the dot and the sentence are redrawn while calibrating, in seconds.
_REDRAW_S = 0.2


def calibration_flow() -> TakeFlow:
    return st.session_state.setdefault(_FLOW, TakeFlow())


def calibrating() -> bool:
    """Whether a calibration is under way (or its result is on screen) on this page."""
    flow = st.session_state.get(_FLOW)
    return flow is not None and flow.phase is not Phase.SETUP


def leave() -> None:
    """The trainee left the page: a calibration under way is dropped and its devices freed."""
    flow = st.session_state.get(_FLOW)
    if flow is not None:
        flow.cancel()


def kiosk_name() -> str:
    return read_settings().kiosk_name


def _session_baselines() -> dict[str, TraineeBaseline]:
    # By the name typed ("" for no name): a name changed on the setup screen is another trainee.
    return st.session_state.setdefault(SESSION_BASELINE, {})


def current_baseline(trainee: str | None) -> tuple[TraineeBaseline | None, bool, str | None]:
    """The trainee's baseline at this kiosk, whether it is stored (a named trainee's, from the store) or
    this session's only, and why the store could not be read, if so."""
    session = _session_baselines().get(trainee or "")
    if not trainee:
        return session, False, None
    store, problem = kiosk_store()
    if store is None:
        return session, False, problem
    try:
        stored = store.baseline(trainee, kiosk=kiosk_name())
    except StoreError as err:
        return session, False, str(err)
    return (stored, True, None) if stored is not None else (session, False, None)


def status_line(baseline: TraineeBaseline | None, stored: bool, text: dict) -> str:
    """What the setup screen says about the trainee's calibration."""
    if baseline is None:
        return text["calibration_none"]
    if not stored:
        return text["calibration_session"]
    return text["calibration_on"].format(date=f"{baseline.taken_at:%Y-%m-%d}")


def first(trainee: str | None) -> bool:
    """Whether Start begins with the calibration: the kiosk asks for it before a first take
    (``KIOSK_CALIBRATION``), and the trainee did not choose to practise without it this session."""
    return read_settings().calibration == "first" and (trainee or "") not in st.session_state.setdefault(
        "calibration-skipped", set()
    )


def start(flow: TakeFlow, make_take: Callable[[], LiveTake], *, scenario_id: str) -> str | None:
    """Open the devices and start the calibration's countdown; a message instead if that cannot be done."""
    return flow.open(make_take, scenario_id=scenario_id, countdown_s=countdown_s())


def _measurer(choices: Choices, trainee: str | None) -> Scorer:
    """Measures the baseline on the flow's thread and stores it under the trainee's name."""
    profile = load_profile(choices.profile)
    kiosk = kiosk_name()

    def measure(result: LiveResult, on_progress: ProgressHook) -> TakeOutcome:
        on_progress(0.4, "analysing_voice")
        analysis = analyse_live_take(
            result.recorded,
            result.timeline,
            vision_calibration=profile.vision,
            voice_calibration=profile.voice,
            name="calibration",
            notes=result.notes,
        )
        on_progress(0.8, "scoring")
        baseline = measure_baseline(
            analysis,
            settings=profile.baseline,
            vision_calibration=profile.vision,
            voice_calibration=profile.voice,
            kiosk=kiosk,
            taken_at=datetime.now().astimezone(),
        )
        problems: tuple[str, ...] = ()
        if trainee:
            store, problem = kiosk_store()
            try:
                if store is None:
                    raise KioskError(problem or "The kiosk's database cannot be opened.")
                store.save_baseline(trainee, baseline)
            except KioskError as err:
                # The calibration still counts for this session; say why it is not kept.
                problems = (choices.strings["app"]["calibration_not_stored"].format(reason=err),)
        return TakeOutcome(report=None, problems=problems, extra={"baseline": baseline})

    return measure


def calibration_screen(
    flow: TakeFlow, choices: Choices, *, trainee: str | None, on_done: Callable[[TraineeBaseline], None]
) -> None:
    """The calibration's screens, one per phase of its flow."""
    text = choices.strings["app"]
    phase = flow.phase
    if phase is Phase.COUNTDOWN:
        st.subheader(text["calibration_title"])
        st.markdown(text["calibration_steps"])
        countdown_screen(flow, choices, cancel_key="calibration-cancel", prompt=text["calibration_sentence"])
    elif phase is Phase.RECORDING:
        st.subheader(text["calibration_title"])
        if st.button(text["cancel"], key="calibration-stop"):
            flow.cancel(text["cancelled"])
            st.rerun()
        _recording(flow, choices, trainee)
    elif phase is Phase.ANALYSING:
        st.subheader(text["calibration_title"])
        scoring_screen(flow, choices)
    elif phase is Phase.REPORT:
        _outcome(flow, choices, trainee, on_done)


def _dot_html(placement: CameraPlacement, text: str) -> str:
    # The dot sits at the screen's edge nearest the lens, so looking at it is looking (almost) at the lens.
    side = {
        CameraPlacement.ABOVE: "justify-content:center;align-items:flex-start",
        CameraPlacement.BELOW: "justify-content:center;align-items:flex-end",
        CameraPlacement.LEFT: "justify-content:flex-start;align-items:center",
        CameraPlacement.RIGHT: "justify-content:flex-end;align-items:center",
    }[placement]
    return (
        f"<div class='calibration-dot-box' style='display:flex;{side};height:14rem'>"
        "<div style='text-align:center'>"
        "<div class='calibration-dot' style='width:2.2rem;height:2.2rem;border-radius:50%;background:#d62828;"
        "margin:0.4rem auto;box-shadow:0 0 0 0.6rem rgba(214,40,40,0.18)'></div>"
        f"<div style='font-size:1.3rem'>{html_escape(text)}</div></div></div>"
    )


@st.fragment(run_every=_REDRAW_S)
def _recording(flow: TakeFlow, choices: Choices, trainee: str | None) -> None:
    """The dot, then the sentence; ends itself after the calibration's length."""
    take = flow.take
    if flow.phase is not Phase.RECORDING or take is None:
        return
    text = choices.strings["app"]
    profile = load_profile(choices.profile)
    settings = profile.baseline
    view = take.preview()
    elapsed = view.elapsed_s
    if elapsed < settings.look_at_dot_s:
        st.markdown(_dot_html(profile.vision.camera.placement, text["calibration_dot"]), unsafe_allow_html=True)
    else:
        st.markdown(f"#### {html_escape(text['calibration_say'])}")
        st.markdown(
            "<div style='font-size:2.2rem;line-height:1.35;padding:0.6em 0.8em;background:#111;color:#fff;"
            f"border-radius:8px'>{html_escape(text['calibration_sentence'])}</div>",
            unsafe_allow_html=True,
        )
    left = max(settings.duration_s - elapsed, 0.0)
    st.progress(min(elapsed / settings.duration_s, 1.0), text=text["calibration_left"].format(seconds=f"{left:.0f}"))
    if elapsed >= settings.duration_s or not take.recording:
        flow.finish(_measurer(choices, trainee))
        st.rerun(scope="app")


def _outcome(flow: TakeFlow, choices: Choices, trainee: str | None, on_done: Callable[[TraineeBaseline], None]) -> None:
    text = choices.strings["app"]
    outcome = flow.outcome
    if outcome is None:
        flow.again()
        st.rerun()
        return
    baseline = outcome.extra.get("baseline")
    if isinstance(baseline, TraineeBaseline):
        _session_baselines()[trainee or ""] = baseline
        for problem in outcome.problems:
            st.warning(problem)
        if flow.again():
            on_done(baseline)
        st.rerun()
        return
    st.subheader(text["calibration_title"])
    for problem in outcome.problems:
        st.warning(problem)
    st.error(outcome.error or text["calibration_failed"])
    again, skip = st.columns(2)
    if again.button(text["calibration_again"], key="calibration-again", type="primary"):
        if flow.again():
            st.session_state["calibration-restart"] = True
        st.rerun()
    if skip.button(text["calibration_skip"], key="calibration-skip"):
        if flow.again():
            st.session_state.setdefault("calibration-skipped", set()).add(trainee or "")
        st.rerun()


__all__ = [
    "SESSION_BASELINE",
    "calibrating",
    "calibration_flow",
    "calibration_screen",
    "current_baseline",
    "leave",
    "first",
    "start",
    "status_line",
]
