"""Workshops: the trainer's dashboard behind a PIN, and a trainee's own progress behind their code.

The trainer PIN is set on the kiosk's machine (``kiosk trainer set-pin``),
never by whoever opens the page first; it is kept only as a salted hash.
Wrong PINs, and wrong trainee codes, slow the next tries down and then lock
them out, counted in the database (see :mod:`kiosk.store.access`). An
unlocked dashboard or an opened progress page belongs to one visit: it
locks again after :data:`VISIT_IDLE_S` untouched, when the browser switches
to another mode, and on a reload.

On the dashboard the trainer creates a workshop and its roster (it becomes
the current one: new takes belong to it), follows the group's takes as they
come in, each trainee's progress per cue, the group's weakest cues and first
take against latest, exports CSV and JSON, deletes a trainee with all their
data, and sets how long recordings and takes are kept. Under the group's
takes the trainer checks a take: marks each scored cue the kiosk got right or
wrong (for the whole take or a time range, with a note), and sees per cue how
often the kiosk agreed with the trainers, in this workshop and overall; a
verdict never changes the trainee's scores. A trainee sees only
their own takes, opened with the short code the kiosk gave them (and their
name, if they like); a name alone opens nothing.

Names are shown as plain text, never as Markdown (:func:`plain`), and a busy
or damaged database gets a message saying what to do, never a traceback.
"""

from __future__ import annotations

import json
import math
import re
import shlex
import time

import pandas as pd
import streamlit as st

from kiosk.app.common import Choices, open_store
from kiosk.errors import KioskError
from kiosk.report.progress import first_and_latest, progress_by_cue, weakest_cues
from kiosk.settings import read_settings
from kiosk.store import (
    NAME_MAX_CHARS,
    Attempt,
    CueAgreement,
    Store,
    StoreBusyError,
    StoreDamagedError,
    StoreError,
    StoreNameError,
    TakeNotFoundError,
    TakeRecord,
    TraineeRecord,
    VerdictError,
    default_url,
)
from kiosk.store.store import VERDICT_END_SLACK_S, VERDICT_NOTE_MAX_CHARS
from kiosk.timespan import TimeSpan
from kiosk.vocabulary import Verdict

#: How often the dashboard's table of takes refreshes, in seconds.
LIVE_TABLE_REFRESH_S = 5
#: An unlocked dashboard, or an opened "My progress", untouched this long locks again, in seconds.
VISIT_IDLE_S = 15 * 60
#: The command that sets the trainer PIN, run in the kiosk's folder.
SET_PIN_COMMAND = ".venv/bin/kiosk trainer set-pin"

# Session keys of the two visits, and of a widget each draws on every run
# while open: Streamlit forgets a widget's state after a full run that did
# not draw it, so a missing mark means the browser was in another mode.
_TRAINER_VISIT, _TRAINER_MARK = "trainer-visit", "trainer-lock"
_PROGRESS_VISIT, _PROGRESS_MARK = "progress-visit", "my-close"
_ASCII_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def plain(text: str) -> str:
    """``text`` for a Markdown element (alerts, captions, labels), shown as typed: every ASCII
    punctuation character backslash-escaped, so a name is never a link, an image or formatting."""
    return _ASCII_PUNCTUATION.sub(r"\\\1", " ".join(text.split()))


def leave_trainer() -> None:
    """Lock the dashboard: the browser is in another mode (the main app calls this for every other mode)."""
    st.session_state.pop(_TRAINER_VISIT, None)


def leave_progress() -> None:
    """Close "My progress": the browser is in another mode (as :func:`leave_trainer`)."""
    st.session_state.pop(_PROGRESS_VISIT, None)


def _open_visit(visit: str, **details: object) -> None:
    st.session_state[visit] = {"at": time.monotonic(), "fresh": True, **details}


def _visit(visit: str, mark: str) -> dict | None:
    """The visit opened earlier in this browser session, if still open (and kept open for another idle spell)."""
    state = st.session_state.get(visit)
    if state is None:
        return None
    away = mark not in st.session_state and not state["fresh"]
    if away or time.monotonic() - state["at"] > VISIT_IDLE_S:
        st.session_state.pop(visit, None)
        return None
    state = {**state, "at": time.monotonic(), "fresh": False}
    st.session_state[visit] = state
    return state


def _idle(visit: str) -> bool:
    state = st.session_state.get(visit)
    return state is None or time.monotonic() - state["at"] > VISIT_IDLE_S


def _store(text: dict) -> Store | None:
    """The kiosk's database, or ``None`` after saying on the page why not and what to do."""
    try:
        return open_store(default_url())
    except StoreError as err:
        _store_problem(err, text)
    except KioskError as err:
        st.error(text["store_unavailable"].format(reason=plain(str(err))))
    return None


def _store_problem(err: StoreError, text: dict) -> None:
    """A database that cannot be used, said plainly: busy (try again), damaged (what to run), or why."""
    if isinstance(err, StoreBusyError):
        st.warning(text["store_busy"])
        st.button(text["try_again"], key="store-retry")
    elif isinstance(err, StoreDamagedError):
        open_store.clear()  # opened again, and checked again, once the file is replaced
        st.error(text["store_damaged"].format(path=plain(str(err.path))))
        st.code(err.command, language="bash")
    else:
        st.error(text["store_unavailable"].format(reason=plain(str(err))))


def _cue_label(choices: Choices, cue: str) -> str:
    """A cue's name in the trainee's language (the report's words)."""
    if cue == "overall":
        return choices.strings["report"]["overall"]
    return choices.strings["cues"].get(cue, {}).get("label", cue)


def _takes_table(takes: list[TakeRecord], choices: Choices) -> pd.DataFrame:
    text = choices.strings["app"]
    return pd.DataFrame(
        [
            {
                text["col_when"]: t.recorded_at.strftime("%Y-%m-%d %H:%M"),
                text["col_trainee"]: t.trainee or text["anonymous"],
                text["col_line"]: t.scenario_id,
                text["col_overall"]: None if t.overall_score is None else round(t.overall_score),
                **{_cue_label(choices, c.cue): None if c.score is None else round(c.score) for c in t.cues},
            }
            for t in reversed(takes)
        ]
    )


def _progress_charts(takes: list[TakeRecord], choices: Choices) -> None:
    series = progress_by_cue(takes)
    if not series:
        st.info(choices.strings["app"]["no_takes_yet"])
        return
    frame = pd.DataFrame(
        {
            _cue_label(choices, cue): pd.Series({p.recorded_at: p.score for p in points})
            for cue, points in series.items()
        }
    ).sort_index()
    st.line_chart(frame, y_label="0-100")


def _wait_message(attempt: Attempt, text: dict, *, locked_key: str, wait_key: str) -> None:
    if attempt.wait_s > 0:
        key = locked_key if attempt.locked else wait_key
        st.warning(text[key].format(seconds=math.ceil(attempt.wait_s), minutes=math.ceil(attempt.wait_s / 60)))


def _set_pin_command() -> str:
    """The exact command that sets the PIN for this kiosk's database (the same settings as the kiosk)."""
    settings = read_settings()
    if settings.db_url:
        return f"KIOSK_DB_URL='…' {SET_PIN_COMMAND}"  # the address has the server's password: never on a page
    if settings.data_dir is not None:
        return f"KIOSK_DATA_DIR={shlex.quote(str(settings.data_dir))} {SET_PIN_COMMAND}"
    return SET_PIN_COMMAND


def _pin_gate(store: Store, text: dict) -> bool:
    """Whether the dashboard may open in this visit; draws the PIN form (or what to run) when not."""
    if _visit(_TRAINER_VISIT, _TRAINER_MARK) is not None:
        return True
    if not store.has_trainer_pin():
        st.info(text["pin_not_set"])
        st.code(_set_pin_command(), language="bash")
        return False
    with st.form("trainer-pin", clear_on_submit=True):
        pin = st.text_input(text["pin"], type="password", key="pin")
        submitted = st.form_submit_button(text["pin_open"])
    attempt = store.check_trainer_pin(pin) if submitted else store.trainer_pin_wait()
    if attempt:
        _open_visit(_TRAINER_VISIT)
        st.rerun()
    if attempt.checked:
        st.error(text["pin_wrong"])
    _wait_message(attempt, text, locked_key="pin_locked", wait_key="pin_wait")
    return False


def trainer_page(choices: Choices) -> None:
    text = choices.strings["app"]
    store = _store(text)
    if store is None:
        return
    try:
        if not _pin_gate(store, text):
            return
        if st.button(text["lock"], key=_TRAINER_MARK):
            st.session_state.pop(_TRAINER_VISIT, None)
            st.rerun()
        workshop_tab, progress_tab, data_tab = st.tabs([text["tab_workshop"], text["tab_progress"], text["tab_data"]])
        with workshop_tab:
            _workshop_tab(store, choices)
        with progress_tab:
            _progress_tab(store, choices)
        with data_tab:
            _data_tab(store, choices)
    except StoreError as err:
        _store_problem(err, text)


def _choose_current(store: Store) -> None:
    """The trainer picked another current workshop (a callback: before the page is drawn again)."""
    try:
        store.set_current_workshop(st.session_state["workshop-current"])
    except StoreError as err:
        st.session_state["workshop-current-problem"] = err


def _workshop_tab(store: Store, choices: Choices) -> None:
    text = choices.strings["app"]
    with st.form("new-workshop", clear_on_submit=True):
        name = st.text_input(text["workshop_name"], key="workshop-name", max_chars=NAME_MAX_CHARS)
        roster = st.text_area(text["workshop_roster"], key="workshop-roster")
        create = st.form_submit_button(text["workshop_create"])
    if create:
        try:
            created = store.create_workshop(name, [n.strip() for n in roster.splitlines() if n.strip()])
        except StoreNameError as err:
            st.error(plain(str(err)))
        else:
            store.set_current_workshop(created.id)
            st.success(text["workshop_created"].format(name=plain(created.name)))
    problem = st.session_state.pop("workshop-current-problem", None)
    if problem is not None:
        _store_problem(problem, text)
    workshops = {w.id: w for w in store.workshops()}
    if not workshops:
        _verdict_section(store, None, choices)
        return
    current = store.current_workshop_id()
    ids = [None, *workshops]
    # The database says which workshop is current; the picker shows that. (It
    # used to keep the workshop it showed on the last run and, seeing it differ
    # from a workshop just created, made the old one current again.) The
    # trainer's own pick is saved by the callback before this runs.
    st.session_state["workshop-current"] = current if current in ids else None
    chosen = st.selectbox(
        text["workshop_current"],
        ids,
        format_func=lambda i: text["workshop_none"] if i is None else workshops[i].name,
        key="workshop-current",
        on_change=_choose_current,
        args=(store,),
    )
    if chosen is not None:
        st.caption(f"{text['workshop_roster_label']}:")
        st.text(", ".join(t.name for t in workshops[chosen].roster) or "-")
        _live_takes(store, chosen, choices)
    _verdict_section(store, chosen, choices)


@st.fragment(run_every=LIVE_TABLE_REFRESH_S)
def _live_takes(store: Store, workshop_id: int, choices: Choices) -> None:
    """The group's takes as they come in (refreshes by itself, until the visit has been idle too long)."""
    if _idle(_TRAINER_VISIT):
        st.rerun(scope="app")  # the whole page: it asks for the PIN again
    try:
        takes = store.takes(workshop_id=workshop_id)
    except StoreError as err:
        _store_problem(err, choices.strings["app"])
        return
    st.subheader(choices.strings["app"]["workshop_takes"].format(count=len(takes)))
    if takes:
        st.dataframe(_takes_table(takes, choices), hide_index=True, key="workshop-takes")


# Session keys of the verdict form: the take checked, the form's fields, and the message of the last verdict kept.
_VERDICT_TAKE = "verdict-take"
_VERDICT_FIELDS = ("verdict-from", "verdict-to", "verdict-note")
_VERDICT_DONE = "verdict-done"


def _take_label(take: TakeRecord, text: dict) -> str:
    """A take in the picker (plain text: options are never Markdown)."""
    overall = "–" if take.overall_score is None else round(take.overall_score)
    who = take.trainee or text["anonymous"]
    return f"{take.recorded_at:%Y-%m-%d %H:%M} · {who} · {take.scenario_id} · {overall}"


def _verdict_section(store: Store, workshop_id: int | None, choices: Choices) -> None:
    """Check a take (of the chosen workshop, or every take): its cues, the verdict form, its verdicts,
    then the agreement per cue. Read from the database on every run: a new take or verdict shows at once."""
    text = choices.strings["app"]
    st.subheader(text["verdict_heading"])
    st.caption(text["verdict_intro"])
    takes = [t for t in reversed(store.takes(workshop_id=workshop_id)) if any(c.score is not None for c in t.cues)]
    picked = st.session_state.get(_VERDICT_TAKE)
    if picked is not None and picked not in {t.uid for t in takes}:
        st.session_state.pop(_VERDICT_TAKE, None)
        if store.take(picked) is None:
            st.warning(text["verdict_take_gone"])
    done = st.session_state.pop(_VERDICT_DONE, None)
    if done is not None:
        st.success(done)
    if not takes:
        st.caption(text["verdict_no_takes"])
    else:
        by_uid = {t.uid: t for t in takes}
        uid = st.selectbox(
            text["verdict_take"], list(by_uid), format_func=lambda u: _take_label(by_uid[u], text), key=_VERDICT_TAKE
        )
        _verdict_form(store, by_uid[uid], choices)
    _agreement_tables(store, workshop_id, choices)


def _verdict_form(store: Store, take: TakeRecord, choices: Choices) -> None:
    text = choices.strings["app"]
    measured = {c.get("cue"): c.get("measured") for c in take.report.get("cues", []) if isinstance(c, dict)}
    scored = [c for c in take.cues if c.score is not None]
    st.dataframe(
        pd.DataFrame(
            [
                {
                    text["col_cue"]: _cue_label(choices, c.cue),
                    text["col_score"]: round(c.score),
                    text["col_measured"]: measured.get(c.cue) or "",
                }
                for c in scored
                if c.score is not None
            ]
        ),
        hide_index=True,
        key="verdict-cues",
    )
    # The form is the take's own: a click meant for a take deleted meanwhile never lands on another one.
    with st.form(f"verdict-form-{take.uid}"):
        cue = st.selectbox(
            text["col_cue"], [c.cue for c in scored], format_func=lambda c: _cue_label(choices, c), key="verdict-cue"
        )
        said = st.radio(
            text["verdict_value"],
            [Verdict.RIGHT.value, Verdict.WRONG.value],
            format_func=lambda v: text[f"verdict_{v}"],
            horizontal=True,
            key="verdict-value",
        )
        left, right = st.columns(2)
        start = left.number_input(
            text["verdict_from"], min_value=0.0, value=None, step=0.1, format="%.1f", key="verdict-from"
        )
        end = right.number_input(
            text["verdict_to"], min_value=0.0, value=None, step=0.1, format="%.1f", key="verdict-to"
        )
        note = st.text_input(text["verdict_note"], max_chars=VERDICT_NOTE_MAX_CHARS, key="verdict-note")
        submitted = st.form_submit_button(text["verdict_save"])
    if submitted:
        _keep_verdict(store, take, cue, said, start, end, note, choices)
    verdicts = store.verdicts(take_uid=take.uid)
    if not verdicts:
        st.caption(text["verdict_none_yet"])
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    text["col_cue"]: _cue_label(choices, v.cue),
                    text["col_verdict"]: text[f"verdict_{v.verdict.value}"],
                    text["col_range"]: text["verdict_whole_take"]
                    if v.span is None
                    else f"{v.span.start_s:.1f}–{v.span.end_s:.1f} s",
                    text["col_note"]: v.note or "",
                    text["col_when"]: f"{v.created_at:%Y-%m-%d %H:%M} UTC",
                }
                for v in verdicts
            ]
        ),
        hide_index=True,
        key="verdict-list",
    )


def _keep_verdict(
    store: Store,
    take: TakeRecord,
    cue: str,
    said: str,
    start: float | None,
    end: float | None,
    note: str,
    choices: Choices,
) -> None:
    """Check the form's times, keep the verdict, and start the page again with an empty form (or say why not)."""
    text = choices.strings["app"]
    if (start is None) != (end is None):
        st.error(text["verdict_span_half"])
        return
    span = None if start is None or end is None else TimeSpan(float(start), float(end))
    if span is not None and span.end_s <= span.start_s:
        st.error(text["verdict_span_order"].format(start=f"{span.start_s:.1f}", end=f"{span.end_s:.1f}"))
        return
    if span is not None and span.end_s > take.duration_s + VERDICT_END_SLACK_S:
        st.error(text["verdict_span_long"].format(duration=f"{take.duration_s:.1f}"))
        return
    try:
        kept = store.add_verdict(take.uid, cue, said, span=span, note=note)
    except TakeNotFoundError:
        st.session_state.pop(_VERDICT_TAKE, None)
        st.warning(text["verdict_take_gone"])
        return
    except VerdictError as err:
        st.error(text["verdict_refused"].format(reason=plain(str(err))))
        return
    except StoreBusyError:
        st.warning(text["store_busy"])
        return
    for key in _VERDICT_FIELDS:
        st.session_state.pop(key, None)
    st.session_state[_VERDICT_DONE] = text["verdict_saved"].format(
        cue=_cue_label(choices, kept.cue), verdict=text[f"verdict_{kept.verdict.value}"]
    )
    st.rerun()


def _agreement_frame(rows: list[CueAgreement], choices: Choices) -> pd.DataFrame:
    text = choices.strings["app"]
    return pd.DataFrame(
        [
            {
                text["col_cue"]: _cue_label(choices, a.cue),
                text["col_verdicts"]: a.n,
                text["col_agreement"]: None if a.agreement_share is None else round(100 * a.agreement_share),
            }
            for a in rows
        ]
    )


def _agreement_tables(store: Store, workshop_id: int | None, choices: Choices) -> None:
    """Per cue, how often the trainers said the kiosk was right: in this workshop (if one is chosen) and overall."""
    text = choices.strings["app"]
    st.subheader(text["agreement_heading"])
    scopes: list[tuple[str, int | None, str]] = [(text["agreement_overall"], None, "agreement-overall")]
    if workshop_id is not None:
        scopes.insert(0, (text["agreement_workshop"], workshop_id, "agreement-workshop"))
    for columns, (title, scope, key) in zip(st.columns(len(scopes)), scopes, strict=True):
        rows = store.verdict_agreement(workshop_id=scope)
        columns.caption(title)
        if rows:
            columns.dataframe(_agreement_frame(rows, choices), hide_index=True, key=key)
        else:
            columns.caption(text["agreement_none"])


def _progress_tab(store: Store, choices: Choices) -> None:
    text = choices.strings["app"]
    workshops = {w.id: w for w in store.workshops()}
    scope = st.selectbox(
        text["progress_scope"],
        [None, *workshops],
        format_func=lambda i: text["all_takes"] if i is None else workshops[i].name,
        key="progress-scope",
    )
    takes = store.takes(workshop_id=scope)
    weakest = weakest_cues(takes)
    if weakest:
        st.subheader(text["weakest"])
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        text["col_cue"]: _cue_label(choices, w.cue),
                        text["col_mean"]: round(w.mean_score),
                        text["col_trainees"]: w.trainees,
                    }
                    for w in weakest
                ]
            ),
            hide_index=True,
        )
    rows = first_and_latest(takes)
    if rows:
        st.subheader(text["first_latest"])
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        text["col_trainee"]: r.trainee,
                        text["col_takes"]: r.takes,
                        text["col_first"]: None if r.first_overall is None else round(r.first_overall),
                        text["col_latest"]: None if r.latest_overall is None else round(r.latest_overall),
                        text["col_change"]: None if r.overall_change is None else round(r.overall_change),
                    }
                    for r in rows
                ]
            ),
            hide_index=True,
        )
    trainees = {t.id: t for t in store.trainees()}
    if trainees:
        who = st.selectbox(
            text["progress_of"], list(trainees), format_func=lambda i: trainees[i].name, key="progress-of"
        )
        _progress_charts(store.takes(trainee_id=who, workshop_id=scope), choices)


def _data_tab(store: Store, choices: Choices) -> None:
    text = choices.strings["app"]
    left, right = st.columns(2)
    left.download_button(text["export_csv"], store.export_csv(), file_name="kiosk-takes.csv", mime="text/csv")
    right.download_button(
        text["export_json"],
        json.dumps(store.export_json(), ensure_ascii=False, indent=1),
        file_name="kiosk-export.json",
        mime="application/json",
    )
    st.subheader(text["retention"])
    media_days, take_days = store.retention()
    with st.form("retention"):
        new_media = st.number_input(
            text["retention_media"], min_value=0, value=media_days or 0, step=1, key="retention-media"
        )
        new_takes = st.number_input(
            text["retention_takes"], min_value=0, value=take_days or 0, step=1, key="retention-takes"
        )
        if st.form_submit_button(text["retention_save"]):
            store.set_retention(media_days=int(new_media) or None, take_days=int(new_takes) or None)
            removed, deleted = store.purge()
            st.success(text["retention_done"].format(recordings=removed, takes=deleted))
    st.subheader(text["delete_trainee"])
    trainees = {t.id: t for t in store.trainees()}
    if not trainees:
        return
    clashes = store.name_clashes()
    if clashes:
        st.info(text["name_clashes"].format(count=len(clashes)))
        st.dataframe(
            pd.DataFrame([{text["col_trainee"]: t.name, text["col_code"]: t.code} for t in clashes]), hide_index=True
        )
    who = st.selectbox(
        text["col_trainee"],
        list(trainees),
        format_func=lambda i: f"{trainees[i].name} ({trainees[i].code})",
        key="delete-who",
    )
    sure = st.checkbox(text["delete_confirm"].format(name=plain(trainees[who].name)), key="delete-sure")
    if st.button(text["delete_button"], disabled=not sure, key="delete-button"):
        count = store.delete_trainee(who)
        st.session_state.pop("delete-sure", None)
        st.success(text["deleted"].format(name=plain(trainees[who].name), count=count))


def trainee_page(choices: Choices) -> None:
    """A trainee's own takes and progress, opened with their short code (and name); nobody else's."""
    text = choices.strings["app"]
    store = _store(text)
    if store is None:
        return
    try:
        trainee = _progress_gate(store, text)
        if trainee is None:
            return
        st.caption(text["my_code"].format(name=plain(trainee.name), code=trainee.code))
        if st.button(text["my_close"], key=_PROGRESS_MARK):
            st.session_state.pop(_PROGRESS_VISIT, None)
            st.rerun()
        takes = store.takes(trainee_id=trainee.id)
        if not takes:
            st.info(text["no_takes_yet"])
            return
        _progress_charts(takes, choices)
        st.dataframe(_takes_table(takes, choices), hide_index=True, key="my-takes")
    except StoreError as err:
        _store_problem(err, text)


def _progress_gate(store: Store, text: dict) -> TraineeRecord | None:
    """The trainee whose progress this visit opened, or ``None`` after drawing the code form."""
    visit = _visit(_PROGRESS_VISIT, _PROGRESS_MARK)
    if visit is not None:
        return visit["trainee"]
    with st.form("my-progress"):
        code = st.text_input(text["my_code_input"], key="my-code", max_chars=16)
        name = st.text_input(text["my_name_optional"], key="my-name", max_chars=NAME_MAX_CHARS)
        submitted = st.form_submit_button(text["my_show"])
    if not submitted:
        st.info(text["my_code_hint"])
        return None
    if not code.strip():
        st.warning(text["my_code_needed"])  # a name alone opens nothing
        return None
    check = store.trainee_by_code(code, name=name.strip() or None)
    if check.trainee is not None:
        _open_visit(_PROGRESS_VISIT, trainee=check.trainee)
        st.rerun()
    if check.attempt.checked:
        st.error(text["my_code_wrong"])
    _wait_message(check.attempt, text, locked_key="my_code_locked", wait_key="my_code_wait")
    return None
