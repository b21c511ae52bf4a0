"""The screens a live take goes through, shared by the kiosk page and the video-call self-check.

Each screen draws one phase of a :class:`~kiosk.app.takeflow.TakeFlow`. What
changes while the trainee watches (the countdown's number, the scoring's
progress) is an ``st.fragment`` that redraws on its own, so the page's run
ends at once: no screen is left greyed out under the next, and a click is
answered straight away.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from kiosk.app.common import Choices, next_line, show_report, teleprompter
from kiosk.app.takeflow import Phase, TakeFlow
from kiosk.calibration import load_live_calibration
from kiosk.live import LivePreview, LiveTake, Missing
from kiosk.scenarios import find_scenario
from kiosk.store import NAME_MAX_CHARS
from kiosk.vocabulary import CameraPlacement

#: How often the countdown's number and the scoring's progress are redrawn, in seconds.
REDRAW_S = 0.2


def countdown_screen(
    flow: TakeFlow,
    choices: Choices,
    *,
    cancel_key: str,
    attach: Callable[[LiveTake], None] | None = None,
    detach: Callable[[], None] | None = None,
    prompt: str | None = None,
    cancelled: str | None = None,
    at_lens: CameraPlacement | None = None,
) -> None:
    """The line on the teleprompter (or ``prompt``; at the window's edge nearest the lens if ``at_lens``) and
    3-2-1; Cancel drops the take and says ``cancelled`` (default: the take's words). ``attach`` connects a
    pushed source."""
    text = choices.strings["app"]
    if st.button(text["cancel"], key=cancel_key):
        flow.cancel(cancelled or text["cancelled"], detach=detach)
        st.rerun()
    line = prompt if prompt is not None else find_scenario(flow.scenario_id).text_in(choices.language)
    teleprompter(line, at_lens=at_lens)
    _countdown_number(flow, attach)


@st.fragment(run_every=REDRAW_S)
def _countdown_number(flow: TakeFlow, attach: Callable[[LiveTake], None] | None) -> None:
    if flow.phase is not Phase.COUNTDOWN:
        return
    flow.keep_alive()
    left = flow.countdown_left_s
    if left <= 0:
        flow.begin_recording(attach=attach)
        st.rerun(scope="app")
    st.markdown(f"<div style='font-size:5rem;text-align:center'>{int(left) + 1}</div>", unsafe_allow_html=True)


@st.fragment(run_every=REDRAW_S)
def scoring_screen(flow: TakeFlow, choices: Choices) -> None:
    """The progress bar while the flow's thread scores the take; the report once it is there."""
    if flow.wait_for_report(0.0):
        st.rerun(scope="app")
    share, words = flow.progress
    st.progress(share, text=choices.strings["app"][words])


def outcome_screen(flow: TakeFlow, choices: Choices, *, stem: str) -> None:
    """The scored report, or why the take could not be scored (with what went wrong while recording)."""
    outcome = flow.outcome
    if outcome is None:
        return
    if outcome.report is None:
        for problem in outcome.problems:
            st.warning(problem)
        st.error(outcome.error)
        return
    show_report(outcome.report, choices=choices, stem=stem)


#: The words (``[app]`` strings) for what a take goes without while it records.
MISSING_WORDS = {Missing.VOICE: "live_no_sound", Missing.PERSON: "live_no_person"}


def missing_warnings(view: LivePreview, choices: Choices) -> None:
    """While recording: a warning for each of the voice and the person missing for ``[live] absent_for_s``
    (drawn by the preview's fragment, so it goes as soon as the voice or the person is back)."""
    absent_for_s = load_live_calibration(choices.profile).cues.absent_for_s
    for missing in view.missing(absent_for_s):
        st.warning(choices.strings["app"][MISSING_WORDS[missing]], icon=":material/warning:")


#: The address's parameter that keeps the trainee's name through a reload (``?name=Ana``).
NAME_PARAM = "name"


def name_input(label: str, form: dict, *, key: str) -> str:
    """The trainee's name field on a setup screen; the name is also kept in ``form["trainee"]``.

    The name is kept in the page's address (``?name=Ana``) for as long as it is typed, through the
    take and its report, so a reload (a new session) finds it again. That address shows the name to
    whoever uses the kiosk next: clearing the field removes it from the address at once.
    """
    if key not in st.session_state:
        # First drawn in this session (after a reload: from the address), or back from a take (the field was
        # off the screen, so Streamlit dropped its value).
        st.session_state[key] = form.get("trainee") or st.query_params.get(NAME_PARAM, "")[:NAME_MAX_CHARS]
    name = st.text_input(label, max_chars=NAME_MAX_CHARS, key=key).strip()
    form["trainee"] = name
    if name and st.query_params.get(NAME_PARAM) != name:
        st.query_params[NAME_PARAM] = name
    elif not name and NAME_PARAM in st.query_params:
        del st.query_params[NAME_PARAM]
    return name


def again_or_next(
    flow: TakeFlow,
    choices: Choices,
    *,
    again_key: str,
    next_key: str,
    line_key: str,
    on_again: Callable[[], None] | None = None,
) -> None:
    """Two buttons under a report: the same line again, or the next line of the setting.

    The same words in every mode ("Try the line again", "Next line"): a trainee who practised at the kiosk
    finds the same buttons in the self-check."""
    text = choices.strings["app"]
    scenario = find_scenario(flow.scenario_id)
    again, following = st.columns(2)
    if again.button(text["again"], key=again_key, type="primary"):
        if flow.again() and on_again is not None:
            on_again()
        st.rerun()
    if following.button(text["next"], key=next_key):
        if flow.again():
            next_line(scenario, key=line_key)
        st.rerun()


__all__ = ["again_or_next", "countdown_screen", "missing_warnings", "name_input", "outcome_screen", "scoring_screen"]
