"""The trainee's 10-second calibration on the kiosk page: a dot beside the lens, the usual stance, a neutral sentence.

Before a trainee's first take at this kiosk (and on "Recalibrate") the page
records a baseline with the same camera and microphone as a take, in a
:class:`~kiosk.app.takeflow.TakeFlow` of its own: a dot at the window's edge
nearest the lens for the first seconds, then a sentence to say. The result is
the trainee's own centre (:class:`kiosk.calibration.TraineeBaseline`),
stored under their name for this kiosk; a trainee without a name gets one for
this session only, never stored, forgotten after ``[baseline] session_keep_s``.
The flow's thread never touches ``st.session_state``: the page takes the
result from the flow's outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from html import escape as html_escape

import streamlit as st

from kiosk.analysis import analyse_live_take, measure_baseline
from kiosk.app.common import Choices, at_lens_style, countdown_s, kiosk_store, teleprompter
from kiosk.app.screens import REDRAW_S, countdown_screen, scoring_screen
from kiosk.app.takeflow import Phase, ProgressHook, Scorer, TakeFlow, TakeOutcome
from kiosk.calibration import BaselineError, TraineeBaseline, load_profile
from kiosk.errors import KioskError
from kiosk.live import LiveResult, LiveTake
from kiosk.settings import read_settings
from kiosk.store import StoreError
from kiosk.vocabulary import CalibrationWhen

_FLOW = "calibration-flow"
#: The session's own baselines by the name typed ("" for none), with when they were taken (never stored).
_SESSION = "calibration-session-baselines"
_SKIPPED = "calibration-skipped"
_NOTES = "calibration-notes"


@dataclass(frozen=True)
class TraineeCalibration:
    """What the page knows of a trainee's calibration: the baseline (or none), whether it is stored, and why
    the store could not be read or written, if so."""

    baseline: TraineeBaseline | None
    stored: bool
    problem: str | None = None


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


def _session(trainee: str | None, profile: str) -> TraineeBaseline | None:
    kept: dict[str, TraineeBaseline] = st.session_state.setdefault(_SESSION, {})
    baseline = kept.get(trainee or "")
    if baseline is None:
        return None
    age_s = (datetime.now().astimezone() - baseline.taken_at).total_seconds()
    if not trainee and age_s > load_profile(profile).baseline.session_keep_s:
        del kept[""]  # the next trainee at an open page is someone else
        return None
    return baseline


def current(trainee: str | None, profile: str) -> TraineeCalibration:
    """The trainee's calibration at this kiosk: a named trainee's from the store, or this session's if newer
    (a recalibration the store could not keep)."""
    session = _session(trainee, profile)
    if not trainee:
        return TraineeCalibration(session, stored=False)
    store, problem = kiosk_store()
    stored = None
    if store is not None:
        try:
            stored = store.baseline(trainee, kiosk=kiosk_name())
        except StoreError as err:
            problem = str(err)
    if session is not None and (stored is None or session.taken_at > stored.taken_at):
        return TraineeCalibration(session, stored=False, problem=problem)
    return TraineeCalibration(stored, stored=stored is not None, problem=problem)


def usable(calibration: TraineeCalibration, *, on_camera: bool) -> TraineeBaseline | None:
    """The baseline to judge a take by: a voice-only one (calibrated for a phone line) does not do for a take
    on camera."""
    baseline = calibration.baseline
    if baseline is None or (on_camera and baseline.body is None):
        return None
    return baseline


def first(trainee: str | None) -> bool:
    """Whether Start begins with the calibration: the kiosk asks for it before a first take
    (``KIOSK_CALIBRATION``), and the trainee did not choose to practise without it this session."""
    skipped: set[str] = st.session_state.setdefault(_SKIPPED, set())
    return read_settings().calibration is CalibrationWhen.FIRST and (trainee or "") not in skipped


def status_line(calibration: TraineeCalibration, trainee: str | None, *, on_camera: bool, text: Mapping) -> str:
    """What the setup screen says about the trainee's calibration."""
    baseline = calibration.baseline
    if baseline is not None and on_camera and baseline.body is None:
        return text["calibration_voice_only"]
    if baseline is None:
        return text["calibration_none"] if first(trainee) else text["calibration_none_offered"]
    if calibration.stored:
        return text["calibration_on"].format(date=f"{baseline.taken_at:%Y-%m-%d}")
    time = f"{baseline.taken_at:%H:%M}"
    if trainee:
        return text["calibration_not_kept"].format(time=time, reason=calibration.problem or "-")
    return text["calibration_session_at"].format(time=time)


def pop_notes() -> list[str]:
    """What the last calibration left to say on the setup screen (each shown once)."""
    notes: list[str] = st.session_state.pop(_NOTES, [])
    return notes


def start(flow: TakeFlow, make_take: Callable[[], LiveTake], *, scenario_id: str) -> str | None:
    """Open the devices and start the calibration's countdown; a message instead if that cannot be done."""
    return flow.open(make_take, scenario_id=scenario_id, countdown_s=countdown_s())


def refusal(err: BaselineError, text: Mapping[str, str]) -> str:
    """Why a calibration could not be used, in the trainee's language."""
    key = f"calibration_refused_{err.problem}" if err.problem is not None else ""
    return text[key].format(**err.values) if key in text else str(err)


def _measurer(choices: Choices, trainee: str | None) -> Scorer:
    """Measures the baseline on the flow's thread and stores it under the trainee's name."""
    profile = load_profile(choices.profile)
    kiosk = kiosk_name()
    text = choices.strings["app"]

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
        try:
            baseline = measure_baseline(
                analysis,
                settings=profile.baseline,
                vision_calibration=profile.vision,
                voice_calibration=profile.voice,
                kiosk=kiosk,
                taken_at=datetime.now().astimezone(),
            )
        except BaselineError as err:
            return TakeOutcome(report=None, error=refusal(err, text), problems=tuple(result.notes))
        problem = None
        if trainee:
            store, problem = kiosk_store()
            try:
                if store is not None:
                    store.save_baseline(trainee, baseline)
            except KioskError as err:
                problem = str(err)
        # Kept for the session too: what the setup screen shows if the store could not keep it.
        return TakeOutcome(report=None, extra={"baseline": baseline, "not_stored": problem})

    return measure


def calibration_screen(
    flow: TakeFlow, choices: Choices, *, trainee: str | None, on_done: Callable[[TraineeBaseline], None]
) -> None:
    """The calibration's screens, one per phase of its flow."""
    text = choices.strings["app"]
    phase = flow.phase
    if phase in (Phase.COUNTDOWN, Phase.RECORDING):
        st.subheader(text["calibration_title"])
        if st.button(text["calibration_skip"], key="calibration-skip-now"):
            flow.cancel()
            st.session_state.setdefault(_SKIPPED, set()).add(trainee or "")
            st.rerun()
        if phase is Phase.COUNTDOWN:
            st.markdown(text["calibration_steps"])
            countdown_screen(
                flow,
                choices,
                cancel_key="calibration-cancel",
                prompt=text["calibration_sentence"],
                cancelled=text["calibration_cancelled"],
            )
            return
        if st.button(text["cancel"], key="calibration-stop"):
            flow.cancel(text["calibration_cancelled"])
            st.rerun()
        _recording(flow, choices, trainee)
    elif phase is Phase.ANALYSING:
        st.subheader(text["calibration_title"])
        scoring_screen(flow, choices)
    elif phase is Phase.REPORT:
        _outcome(flow, choices, trainee, on_done)


def _dot_html(choices: Choices, words: str) -> str:
    # The dot sits at the window's edge nearest the lens, so looking at it is looking (almost) at the lens;
    # [vision.camera] dot_from_lens_cm says how far that is, and the baseline takes it back.
    placement = load_profile(choices.profile).vision.camera.placement
    return (
        f"<div class='calibration-dot-box' style='{at_lens_style(placement)};text-align:center;pointer-events:none'>"
        "<div class='calibration-dot' style='width:2.2rem;height:2.2rem;border-radius:50%;background:#d62828;"
        "margin:0.3rem auto;box-shadow:0 0 0 0.6rem rgba(214,40,40,0.18)'></div>"
        f"<div style='font-size:1.3rem;background:rgba(255,255,255,0.9);padding:0.1rem 0.5rem'>"
        f"{html_escape(words)}</div></div>"
    )


@st.fragment(run_every=REDRAW_S)
def _recording(flow: TakeFlow, choices: Choices, trainee: str | None) -> None:
    """The dot, then the sentence; ends itself after the calibration's length."""
    take = flow.take
    if flow.phase is not Phase.RECORDING or take is None:
        return
    text = choices.strings["app"]
    settings = load_profile(choices.profile).baseline
    elapsed = take.preview().elapsed_s
    if elapsed < settings.look_at_dot_s:
        st.markdown(_dot_html(choices, text["calibration_dot"]), unsafe_allow_html=True)
    else:
        st.markdown(f"#### {html_escape(text['calibration_say'])}")
        teleprompter(text["calibration_sentence"])
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
        st.session_state.setdefault(_SESSION, {})[trainee or ""] = baseline
        if outcome.extra.get("not_stored"):
            st.session_state.setdefault(_NOTES, []).append(
                text["calibration_not_kept"].format(
                    time=f"{baseline.taken_at:%H:%M}", reason=outcome.extra["not_stored"]
                )
            )
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
            st.session_state.setdefault(_SKIPPED, set()).add(trainee or "")
        st.rerun()


__all__ = [
    "TraineeCalibration",
    "calibrating",
    "calibration_flow",
    "calibration_screen",
    "current",
    "first",
    "leave",
    "pop_notes",
    "refusal",
    "start",
    "status_line",
    "usable",
]
