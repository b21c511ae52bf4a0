"""What every page of the kiosk shares: the sidebar choices, the line picker, the report.

Streamlit re-runs a page top to bottom on every click, so anything that must
survive (a finished report, a take being recorded) lives in
``st.session_state``; widgets take plain values (ids, not objects) because
Streamlit copies them.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from html import escape as html_escape
from pathlib import Path
from typing import Any

import streamlit as st

from kiosk.analysis import TakeAnalysis, analyse_live_take, require_a_face, score_and_report
from kiosk.app.takeflow import ProgressHook
from kiosk.calibration import (
    SETTINGS,
    TraineeBaseline,
    load_baseline_settings,
    load_media_limits,
    load_scoring_profile,
    load_vision_calibration,
    load_voice_calibration,
    profile_names,
)
from kiosk.capture.playback import browser_playable
from kiosk.errors import KioskError
from kiosk.i18n import load_strings
from kiosk.live import LiveResult
from kiosk.report.document import TakeReport
from kiosk.report.html import ReportVideo, render_html
from kiosk.report.since_last import since_last
from kiosk.scenarios import LANGUAGES, Scenario, load_scenarios
from kiosk.settings import read_settings
from kiosk.store import Store, default_url, take_record
from kiosk.store.names import name_key
from kiosk.vocabulary import CameraPlacement, Language
from kiosk.voice import prepare_line, voice_calibration_for

#: Height of the embedded report, in pixels (it scrolls inside).
REPORT_HEIGHT_PX = 1400
#: Loudness shown as an empty level meter, in dBFS.
METER_FLOOR_DBFS = -60.0


@dataclass(frozen=True)
class Choices:
    """What the trainee picked in the sidebar; ``strings`` are the words in that language
    (:func:`kiosk.report.take_report.load_strings`; the pages' own are ``strings["app"]``)."""

    language: str
    profile: str
    strings: Mapping[str, Any]


def profiles() -> list[str]:
    """Calibration profiles shipped with the kiosk, and any named by ``KIOSK_PROFILE``."""
    names = profile_names()
    extra = read_settings().profile
    if extra not in names:
        names.append(extra)
    return names


#: Session key of the pickers whose options are words of the page's language (see :func:`translated_picker`).
TRANSLATED_PICKERS = "kiosk-translated-pickers"


def current_language() -> str:
    """The language picked in the sidebar, known before its picker is drawn (English at first).

    After a reload (a new session) the address's ``?language=Dansk`` says it (the picker is bound to it,
    and Streamlit keeps its shown name there).
    """
    language = st.session_state.get("language")
    if language is None:
        shown = st.query_params.get("language")
        language = next((code for code in LANGUAGES if Language(code).native_name == shown), None)
    return language if language in LANGUAGES else LANGUAGES[0]


def translated_picker(key: str) -> str:
    """``key``, marked as a picker whose options are shown in the page's language.

    Streamlit's browser side remembers a picker's choice by its shown words: after a
    language switch they match none of the new options, so the picker would show the
    old words, or nothing chosen, until the next click. :func:`_relabel_pickers` sets
    every marked picker to its own value when the language changes, so its choice
    is sent again, in the new words.
    """
    st.session_state.setdefault(TRANSLATED_PICKERS, set()).add(key)
    return key


def _relabel_pickers() -> None:
    """The language changed (a callback, before the page runs): re-send every translated picker's choice."""
    for key in st.session_state.get(TRANSLATED_PICKERS, ()):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def language_label(language: str) -> str:
    """The language picker's label: in English too, so it can be found whatever the page's language."""
    word = load_strings(language)["app"]["language"]
    english = load_strings("en")["app"]["language"]
    return english if word == english else f"{word} / {english}"


def sidebar_choices() -> Choices:
    language = st.sidebar.selectbox(
        language_label(current_language()),
        LANGUAGES,
        format_func=lambda code: Language(code).native_name,
        key="language",
        on_change=_relabel_pickers,
        # ?language=da: a reload keeps the language (a new session starts from the address).
        bind="query-params",
    )
    strings = load_strings(language)
    names = profiles()
    default = read_settings().profile
    profile = st.sidebar.selectbox(
        strings["app"]["profile"], names, index=names.index(default) if default in names else 0, key="profile"
    )
    return Choices(language=language, profile=profile, strings=strings)


def remember_choices(choices: Choices) -> None:
    """Keep this run's sidebar choices for the page that runs next (see :func:`current_choices`)."""
    st.session_state["kiosk-choices"] = choices


def current_choices() -> Choices:
    """The sidebar's choices of this run (drawn by :func:`kiosk.app.main` before the page runs)."""
    return st.session_state["kiosk-choices"]


def pick_line(choices: Choices, *, settings: tuple[str, ...] = SETTINGS, key: str = "line") -> Scenario:
    """Setting and line pickers, then the customer's situation and the line itself.

    The choice is remembered under ``key`` (a plain session value, which
    Streamlit keeps even while the pickers are not on screen, e.g. during a take).
    """
    strings = choices.strings
    remembered = st.session_state.get(key)
    every = load_scenarios()
    chosen_before = next((s for s in every if s.id == remembered), None)
    setting = st.radio(
        strings["app"]["setting"],
        settings,
        index=settings.index(chosen_before.setting) if chosen_before and chosen_before.setting in settings else 0,
        format_func=lambda code: strings["settings"][code],
        horizontal=True,
        key=translated_picker(f"{key}-setting"),
    )
    scenarios = {s.id: s for s in every if s.setting == setting}
    ids = list(scenarios)
    chosen = st.selectbox(
        strings["report"]["line"],
        ids,
        index=ids.index(remembered) if remembered in scenarios else 0,
        format_func=lambda id_: f"{strings['kinds'][scenarios[id_].kind]}: {scenarios[id_].text_in(choices.language)}",
        key=translated_picker(f"{key}-{setting}"),
    )
    st.session_state[key] = chosen
    scenario = scenarios[chosen]
    st.markdown(f"**{strings['report']['situation']}:** {scenario.situation_in(choices.language)}")
    st.markdown(f"> {scenario.text_in(choices.language)}")
    return scenario


def next_line(scenario: Scenario, *, key: str = "line") -> None:
    """Remember the next line of the same setting (wrapping round) for the line picker."""
    ids = [s.id for s in load_scenarios() if s.setting == scenario.setting]
    following = ids[(ids.index(scenario.id) + 1) % len(ids)]
    st.session_state[key] = following
    # The picker's own widget value, if Streamlit still holds it, must not win.
    st.session_state.pop(f"{key}-{scenario.setting}", None)


@st.cache_resource(show_spinner=False)
def open_store(url: str) -> Store:
    """The store, opened once per process; takes kept while it could not be used are saved now."""
    from kiosk.store import PAGE_BUSY_TIMEOUT_S, save_kept

    store = Store(url, busy_timeout_s=PAGE_BUSY_TIMEOUT_S)
    try:
        save_kept(store)
    except KioskError:
        pass  # they wait for the next take saved
    return store


def kiosk_store() -> tuple[Store | None, str | None]:
    """The kiosk's database, opened once per process; or ``None`` and why not (one plain sentence)."""
    try:
        return open_store(default_url()), None
    except KioskError as err:
        return None, str(err)


@dataclass(frozen=True)
class _LastTry:
    """A take of this session, as "Since your last try" compares with it."""

    recorded: str
    overall: float | None
    cue_scores: Mapping[str, float | None]


class SessionTakes:
    """What this browser session knows of its own takes: the last try of each trainee and line, and the
    codes it was given. Written from a take's own thread, so behind a lock.

    A name typed at the kiosk is not proof of who types it: another trainee's
    earlier scores and code are never shown on a report because the same
    name was typed. "Since your last try" compares with this session's own
    takes only, and a code is shown to the session whose take made the
    trainee (their history is in "My progress", behind name and code).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[tuple[str, str], _LastTry] = {}
        self._codes: dict[str, str] = {}

    def last_try(self, trainee_key: str, line_id: str) -> _LastTry | None:
        with self._lock:
            return self._last.get((trainee_key, line_id))

    def remember(self, trainee_key: str, line_id: str, document: TakeReport) -> None:
        with self._lock:
            self._last[(trainee_key, line_id)] = _LastTry(
                recorded=document.recording.recorded or "",
                overall=document.overall.score,
                cue_scores={row.cue.value: row.score for row in document.cues},
            )

    def code(self, trainee_key: str) -> str | None:
        with self._lock:
            return self._codes.get(trainee_key)

    def give_code(self, trainee_key: str, code: str) -> None:
        with self._lock:
            self._codes[trainee_key] = code


def session_takes() -> SessionTakes:
    """This browser session's :class:`SessionTakes` (call on the page's own thread)."""
    return st.session_state.setdefault("kiosk-session-takes", SessionTakes())


def scored_report(
    analysis: TakeAnalysis,
    *,
    scenario: Scenario,
    choices: Choices,
    recorded_at: datetime | None = None,
    trainee: str | None = None,
    media_path: Path | None = None,
    baseline: TraineeBaseline | None = None,
    session: SessionTakes | None = None,
) -> dict:
    """Score an analysed take for its line and save it; a dict kept in ``st.session_state``.

    With the trainee's ``baseline`` the body cues and the loudness are judged
    against their own centre (:func:`kiosk.analysis.score_and_report`).

    The report carries the trainee's name and, on a retake of a line in this
    ``session``, each cue against the previous take of it ("Since your last
    try"). The take is saved to the kiosk's database (under the trainee's
    name, or anonymously, in the trainer's current workshop); the trainee's
    code (it opens "My progress") is put on the report when this session's
    take made the trainee (see :class:`SessionTakes`). A database that is busy (after a few tries), damaged or
    unreachable never loses the take: it is kept on disk and saved later
    (:func:`kiosk.store.save_or_keep`), and the report is shown with a note
    saying so.

    Raises:
        MediaError: no face in a video with no sound, or no speech in sound alone.
    """
    from kiosk.store import NAME_MAX_CHARS, StoreNameError, checked, save_or_keep

    if analysis.body is not None and analysis.body.summary.face_frame_count == 0 and analysis.voice is None:
        require_a_face(analysis.body)
    text = choices.strings["app"]
    notes: list[str] = []
    name = trainee.strip() if trainee and trainee.strip() else None
    if name is not None:
        try:
            name = checked(name)
        except StoreNameError:
            notes.append(text["name_not_kept"].format(limit=NAME_MAX_CHARS))
            name = None
    scoring_profile = load_scoring_profile(choices.profile)
    # Sound alone is scored as a phone call: said here in the page's language.
    voice_only = analysis.body is None and scenario.setting != "phone"
    if voice_only:
        setting = choices.strings["settings"][scenario.setting]
        notes.append(text["voice_only_as_phone"].format(setting=setting))
    scored = score_and_report(
        analysis,
        scoring_profile=scoring_profile,
        profile_name=choices.profile,
        language=choices.language,
        scenario=scenario,
        setting="phone" if voice_only else None,
        recorded=None if recorded_at is None else f"{recorded_at:%Y-%m-%d %H:%M}",
        baseline=baseline,
        trainee=name,
    )
    notes = list(analysis.notes) + list(scored.notes) + notes
    store, problem = kiosk_store()
    workshop_id = None
    document = scored.document
    key = "" if name is None else name_key(name)
    last = None if session is None else session.last_try(key, scenario.id)
    if last is not None:
        change = since_last(
            document,
            recorded=last.recorded,
            overall=last.overall,
            cue_scores=last.cue_scores,
            unchanged_within=scoring_profile.unchanged_within,
        )
        document = document if change is None else replace(document, since_last=change)
    known_before = True
    if store is not None:
        try:
            workshop_id = store.current_workshop_id()
            if name is not None:
                known_before = any(name_key(t.name) == key for t in store.trainees())
        except KioskError as err:
            problem = str(err)
    record = take_record(
        document,
        scored.scores,
        uid=str(uuid.uuid4()),
        trainee=name,
        profile=choices.profile,
        recorded_at=recorded_at or datetime.now(),
        duration_s=analysis.info.duration_s,
        media_path=None if media_path is None else str(media_path),
        workshop_id=workshop_id,
    )
    outcome = save_or_keep(store, record, problem=problem)
    if session is not None:
        session.remember(key, scenario.id, document)
    if outcome.saved is not None:
        code = outcome.saved.trainee_code
        if code and document.trainee is not None and session is not None:
            if not known_before:
                session.give_code(key, code)  # this take made the trainee: the code is theirs to have
            if session.code(key) == code:
                document = replace(document, trainee=replace(document.trainee, code=code))
        if store is not None:  # it is: the take was saved in it
            try:
                store.purge()  # retention is applied as takes come in, not only when a trainer looks
            except KioskError:
                pass  # and again with the next take
    elif outcome.kept is not None:
        notes.append(text["saved_later"])
    else:
        notes.append(text["not_saved"].format(reason=outcome.problem))
    return {"document": document, "notes": notes}


def _code_note(document: TakeReport, text: Mapping[str, str]) -> str | None:
    """ "Saved. Your code is ...": shown under the report (the report's header has the code too)."""
    if document.trainee is None or not document.trainee.code:
        return None
    return text["your_code"].format(code=document.trainee.code)


def score_live_take(
    result: LiveResult,
    *,
    scenario: Scenario,
    choices: Choices,
    trainee: str | None,
    on_progress: ProgressHook,
    name: str = "live take",
    baseline: TraineeBaseline | None = None,
    session: SessionTakes | None = None,
) -> dict:
    """Analyse a take recorded live (the voice; the body was analysed while recording), score and save it.

    Runs on the take flow's own thread (:class:`kiosk.app.takeflow.TakeFlow`);
    ``on_progress`` is told how far it has got. A kept recording is made
    playable in the browser here (``"video"`` of the result), once, so the
    report can play it at each tip's moment.

    Raises:
        KioskError: nothing recorded, no speech on a phone take, no face and no voice.
    """
    on_progress(0.4, "analysing_voice")
    voice_calibration = load_voice_calibration(choices.profile)
    if baseline is not None:
        # Pitch tracked around the trainee's own median (a deep voice is not lost below the usual floor).
        voice_calibration = voice_calibration_for(
            voice_calibration, baseline.voice, load_baseline_settings(choices.profile)
        )
    analysis = analyse_live_take(
        result.recorded,
        result.timeline,
        vision_calibration=load_vision_calibration(choices.profile),
        voice_calibration=voice_calibration,
        line=prepare_line(scenario.text_in(choices.language), language=choices.language),
        name=name,
        notes=result.notes,
    )
    on_progress(0.8, "scoring")
    report = scored_report(
        analysis,
        scenario=scenario,
        choices=choices,
        recorded_at=result.recorded.started_at,
        trainee=trainee,
        media_path=result.recorded.media_path,
        baseline=baseline,
        session=session,
    )
    document = report["document"]
    kept = result.recorded.media_path
    # A live take is named by its kept file, or not at all (the page's title is the trainee's name).
    report["document"] = replace(document, recording=replace(document.recording, name=kept.name if kept else ""))
    report["offer_keeping"] = kept is None  # "tick Keep my recording to watch these moments"
    if kept is not None:
        try:
            playable = browser_playable(kept)
        except KioskError:
            playable = None
        if playable is not None and len(playable.data) <= load_media_limits(choices.profile).max_played_mb * 1e6:
            report["video"] = playable
        else:
            report["notes"].append(choices.strings["app"]["kept_not_playable"])
    return report


_REPORT_SCREEN_STYLE = (
    "<style>"
    "[data-testid='stMain']:has(iframe[srcdoc]) .stElementContainer:has(h1),"
    "[data-testid='stMain']:has(iframe[srcdoc]) .stElementContainer:has(h1)"
    " + .stElementContainer:has([data-testid='stCaptionContainer']) {display:none}"
    "[data-testid='stMain']:has(iframe[srcdoc]) [data-testid='stMainBlockContainer'] {padding-top:1.5rem}"
    "</style>"
)


def show_report(result: dict, *, choices: Choices, stem: str) -> None:
    """The scored report: notes, what was missing (no score), the report itself, and downloads.

    With the take's video the report plays it, embedded in the page and in
    the downloaded report alike, so each tip's moment can be watched.
    """
    strings = choices.strings
    report = result["document"]  # a kiosk.report.document.TakeReport
    for note in result["notes"]:
        st.warning(note)
    if report.missing:
        # Nothing to score: say what was missing, never a number.
        st.error("\n\n".join(f"**{m.title}**\n\n{m.advice}" for m in report.missing))
    playable = result.get("video")
    video = None if playable is None else ReportVideo.embedded(playable.data, playable.mime)
    html = render_html(report, video=video, offer_keeping=bool(result.get("offer_keeping")))
    # The report is the screen: its own header names the trainee, so the page's title and its
    # caption give way, and the tips are seen without scrolling on a laptop.
    st.markdown(_REPORT_SCREEN_STYLE, unsafe_allow_html=True)
    st.iframe(html, height=REPORT_HEIGHT_PX)
    code_note = _code_note(report, strings["app"])
    if code_note:
        st.success(code_note)
    score, left, right = st.columns([1, 2, 2], vertical_alignment="bottom")
    score.metric(strings["report"]["overall"], "–" if report.overall.score is None else report.overall.score)
    left.download_button(
        strings["app"]["download_html"], html, file_name=f"{stem}-report.html", mime="text/html", key=f"{stem}-html"
    )
    right.download_button(
        strings["app"]["download_json"],
        json.dumps(report.to_json(), ensure_ascii=False, indent=1),
        file_name=f"{stem}-report.json",
        mime="application/json",
        key=f"{stem}-json",
    )


def countdown_s() -> int:
    """Seconds of countdown before a take (``KIOSK_COUNTDOWN_S``; 0 starts at once)."""
    return read_settings().countdown_s


#: Fixed at the window's edge nearest the lens, above Streamlit's own header.
_AT_LENS = {
    CameraPlacement.ABOVE: "top:0.4rem;left:50%;transform:translateX(-50%)",
    CameraPlacement.BELOW: "bottom:0.4rem;left:50%;transform:translateX(-50%)",
    CameraPlacement.LEFT: "left:0.4rem;top:50%;transform:translateY(-50%)",
    CameraPlacement.RIGHT: "right:0.4rem;top:50%;transform:translateY(-50%)",
}


def at_lens_style(placement: CameraPlacement) -> str:
    """CSS that pins an element to the window's edge nearest the lens (the profile's camera placement)."""
    return f"position:fixed;z-index:1000010;max-width:min(70vw,60rem);{_AT_LENS[placement]}"


def teleprompter(text: str, *, at_lens: CameraPlacement | None = None) -> None:
    """The line in large type, light on dark, to read from while looking at the camera.

    ``at_lens``: pinned to the window's edge nearest the lens, so reading it
    is as near to looking at the lens as the screen allows
    (``[vision.camera] teleprompter_far_edge_cm``).
    """
    box = (
        "font-size:2.2rem;line-height:1.35;padding:0.6em 0.8em;background:#111;color:#fff;border-radius:8px;"
        "max-width:min(70vw,60rem)"
    )
    line = f"<div class='teleprompter' style='{box}'>{html_escape(text)}</div>"
    if at_lens is not None:
        # Pinned over the page's title (hidden meanwhile); clicks go through to the page and the sidebar.
        line = (
            "<style>[data-testid='stMain'] h1 {visibility:hidden}</style>"
            f"<div style='{at_lens_style(at_lens)};pointer-events:none'>{line}</div>"
        )
    st.markdown(line, unsafe_allow_html=True)


def meter_share(level_dbfs: float | None) -> float:
    """A microphone level in dBFS as the filled share (0-1) of a level meter."""
    if level_dbfs is None:
        return 0.0
    return min(max((level_dbfs - METER_FLOOR_DBFS) / -METER_FLOOR_DBFS, 0.0), 1.0)
