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
their own takes, opened with their name and the short code the kiosk gave
them together (the name compared as the store compares names); a name alone,
or a code with someone else's name, opens nothing. Only the trainer's
pickers search names forgivingly (any part, any case, accents stripped).

Everything on the dashboard is read from the database when it is drawn:
the group's takes and the Progress tab read it again by themselves every few
seconds, and the exports read it when their button is pressed, so a
dashboard left open through a workshop never shows yesterday's numbers.
Progress charts show one small chart per cue, take 1, 2, 3... along, with
the profile's "good" score shaded; a trainee's past reports open again.

Names are shown as plain text, never as Markdown (:func:`plain`), and a busy
or damaged database gets a message saying what to do, never a traceback.
"""

from __future__ import annotations

import math
import re
import shlex
import time
import unicodedata
from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from kiosk.app.common import Choices, open_store, show_report
from kiosk.calibration import load_scoring_profile
from kiosk.errors import KioskError
from kiosk.report.document import ReportDocumentError, TakeReport
from kiosk.report.progress import CuePoint, first_and_latest, progress_by_cue, weakest_cues
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
    dumps_export,
    line_text,
)
from kiosk.store.store import VERDICT_END_SLACK_S, VERDICT_NOTE_MAX_CHARS
from kiosk.timespan import TimeSpan
from kiosk.vocabulary import Verdict

#: How often the dashboard's table of takes refreshes, in seconds.
LIVE_TABLE_REFRESH_S = 5
#: How often the dashboard's Progress tab reads the database again by itself, in seconds.
PROGRESS_REFRESH_S = 10
#: Small progress charts side by side, and the height of each (its title and axes included), in pixels.
CHARTS_PER_ROW, CHART_HEIGHT_PX = 3, 250
#: A table's text column is this many pixels per character of its longest cell, plus the cell's padding:
#: wide enough that no name or line is cut (a wide character, e.g. Chinese, counts twice).
CHAR_PX, CELL_PADDING_PX = 8, 32
#: The colour and opacity of the shaded band of a good score on the progress charts.
GOOD_BAND_COLOUR, GOOD_BAND_OPACITY = "#2e7d32", 0.15
#: What an empty cell shows (a cue not observed, a score not known): never "None".
EMPTY_CELL = "–"
#: An unlocked dashboard, or an opened "My progress", untouched this long locks again, in seconds.
VISIT_IDLE_S = 15 * 60
#: The command that sets the trainer PIN, run in the kiosk's folder.
SET_PIN_COMMAND = ".venv/bin/kiosk trainer set-pin"

# Session keys of the two visits, and of a widget each draws on every run
# while open: Streamlit forgets a widget's state after a full run that did
# not draw it, so a missing mark means the browser was in another mode.
_TRAINER_VISIT, _TRAINER_MARK = "trainer-visit", "trainer-lock"
_PROGRESS_VISIT, _PROGRESS_MARK = "progress-visit", "my-close"
_PROGRESS_SCOPE = "progress-scope"
#: The scope picker's "all takes" (no workshop has id 0; a None value would show as nothing chosen).
_ALL_WORKSHOPS = 0
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


def _touch(visit: str) -> None:
    """The visit is in use (a widget's callback): a click that reruns only a fragment, never passing
    :func:`_visit`, still keeps the visit open for another idle spell."""
    state = st.session_state.get(visit)
    if state is not None:
        st.session_state[visit] = {**state, "at": time.monotonic()}


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


def _line_title(scenario_id: str, choices: Choices) -> str:
    """A line as people know it: its words in the page's language (its id only if it is not shipped)."""
    return line_text(scenario_id, choices.language) or scenario_id


def _score_cell(score: float | None) -> str:
    """A score as a table shows it: a whole number, or :data:`EMPTY_CELL` when there is none."""
    return EMPTY_CELL if score is None or math.isnan(score) else str(round(score))


def _text_width_px(text: str) -> int:
    characters = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return CELL_PADDING_PX + CHAR_PX * characters


def _table(rows: Sequence[dict[str, object]], *, key: str | None = None, where: DeltaGenerator | None = None) -> None:
    """Rows as a table: each text column as wide as its longest cell (no name or line is cut), scores
    right-aligned, and no cell ever "None": a value missing (a cue another take has) shows :data:`EMPTY_CELL`."""
    frame = pd.DataFrame(list(rows))
    config: dict[str, Any] = {}
    for column in frame.columns:
        values = list(frame[column])
        if all(isinstance(v, int | float) and not isinstance(v, bool) and not pd.isna(v) for v in values):
            continue  # numbers, every one there: shown (and sorted) as numbers
        cells = [EMPTY_CELL if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in values]
        frame[column] = pd.Series(cells, index=frame.index, dtype=object)
        scores = all(c == EMPTY_CELL or c.lstrip("+-").isdigit() for c in cells)
        config[str(column)] = st.column_config.TextColumn(
            width=max(_text_width_px(str(column)), *map(_text_width_px, cells)),
            alignment="right" if scores else "left",
        )
    (where or st).dataframe(frame, hide_index=True, column_config=config, key=key)


def _takes_rows(takes: Sequence[TakeRecord], choices: Choices) -> list[dict[str, object]]:
    """The takes, newest first, as table rows: when, who, the overall score, the line's words, each cue's score."""
    text = choices.strings["app"]
    return [
        {
            text["col_when"]: t.recorded_at.strftime("%Y-%m-%d %H:%M"),
            text["col_trainee"]: t.trainee or text["anonymous"],
            text["col_overall"]: _score_cell(t.overall_score),
            text["col_line"]: _line_title(t.scenario_id, choices),
            **{_cue_label(choices, c.cue): _score_cell(c.score) for c in t.cues},
        }
        for t in reversed(takes)
    ]


def _good_score(takes: Sequence[TakeRecord], choices: Choices) -> float:
    """The score from which the report calls a take good, in the takes' profile (the page's if they mix)."""
    used = {t.profile for t in takes}
    for profile in ([*used] if len(used) == 1 else []) + [choices.profile]:
        try:
            return load_scoring_profile(profile).good
        except (KioskError, OSError):
            continue  # a profile gone since the take: the page's own
    return load_scoring_profile().good


def _cue_chart(
    title: str | dict[str, str], points: Sequence[CuePoint], *, takes: int, good: float, choices: Choices
) -> dict[str, Any]:
    """One cue's scores, take by take (1 is the first take), over the shaded band of a good score.

    A Vega-Lite specification written out (as Altair would write it, without
    Altair's validation of every chart: a trainee's 14 charts are drawn again
    on each refresh of the dashboard).
    """
    text = choices.strings["app"]
    last = max(takes, 2)
    x = {"type": "quantitative", "title": text["col_take"], "scale": {"domain": [1, last], "nice": False}}
    y = {"type": "quantitative", "title": text["col_score"], "scale": {"domain": [0, 100]}}
    rows = [
        {
            "take": p.take_number,
            "score": round(p.score),
            "when": f"{p.recorded_at:%Y-%m-%d %H:%M}",
            "line": _line_title(p.scenario_id, choices),
        }
        for p in points
    ]
    band = {
        "data": {"values": [{"first": 1, "last": last, "low": good, "high": 100}]},
        "mark": {"type": "rect", "color": GOOD_BAND_COLOUR, "opacity": GOOD_BAND_OPACITY},
        "encoding": {
            "x": {"field": "first", **x},
            "x2": {"field": "last"},
            "y": {"field": "low", **y},
            "y2": {"field": "high"},
        },
    }
    line = {
        "data": {"values": rows},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "take", **x, "axis": {"format": "d", "tickMinStep": 1}},
            "y": {"field": "score", **y},
            "tooltip": [
                {"field": "take", "type": "quantitative", "title": text["col_take"]},
                {"field": "when", "type": "nominal", "title": text["col_when"]},
                {"field": "line", "type": "nominal", "title": text["col_line"]},
                {"field": "score", "type": "quantitative", "title": text["col_score"]},
            ],
        },
    }
    return {"title": title, "height": CHART_HEIGHT_PX, "layer": [band, line]}


def _progress_charts(takes: Sequence[TakeRecord], choices: Choices, *, key: str) -> None:
    """One small chart per cue (the overall score first) of these takes, numbered 1, 2, 3... in time order."""
    series = progress_by_cue(takes)
    if not series:
        st.info(choices.strings["app"]["no_takes_yet"])
        return
    good = _good_score(takes, choices)
    st.caption(choices.strings["app"]["chart_caption"].format(good=round(good)))
    cues = list(series)
    labels = [_cue_label(choices, cue) for cue in cues]
    for first in range(0, len(cues), CHARTS_PER_ROW):
        row = cues[first : first + CHARTS_PER_ROW]
        for column, cue in zip(st.columns(CHARTS_PER_ROW), row, strict=False):
            label = _cue_label(choices, cue)
            # Two cues of one name (pace in words or in syllables): each says what it measures.
            meaning = choices.strings["cues"].get(cue, {}).get("meaning", "")
            title = {"text": label, "subtitle": meaning} if labels.count(label) > 1 and meaning else label
            chart = _cue_chart(title, series[cue], takes=len(takes), good=good, choices=choices)
            column.vega_lite_chart(spec=chart, key=f"{key}-{cue}")


def _past_reports(takes: Sequence[TakeRecord], choices: Choices, *, key: str, visit: str) -> None:
    """The reports of these takes, newest first: one picked opens again as the kiosk showed it."""
    text = choices.strings["app"]
    st.subheader(text["my_reports"])
    by_uid = {t.uid: t for t in reversed(takes)}
    uid = st.selectbox(
        text["my_report_pick"],
        list(by_uid),
        index=None,
        placeholder=text["my_report_choose"],
        format_func=lambda u: _take_label(by_uid[u], choices),
        key=key,
        on_change=_touch,
        args=(visit,),
    )
    if uid is None:
        return
    take = by_uid[uid]
    try:
        document = TakeReport.from_json(take.report)
    except ReportDocumentError as err:
        st.warning(text["report_unreadable"].format(reason=plain(str(err))))
        return
    show_report({"document": document, "notes": []}, choices=choices, stem=f"take-{take.recorded_at:%Y%m%d-%H%M%S}")


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
        _table(_takes_rows(takes, choices), key="workshop-takes")


# Session keys of the verdict form: the take checked, the form's fields, and the message of the last verdict kept.
_VERDICT_TAKE = "verdict-take"
_VERDICT_FIELDS = ("verdict-from", "verdict-to", "verdict-note")
_VERDICT_DONE = "verdict-done"


def _take_label(take: TakeRecord, choices: Choices) -> str:
    """A take in a picker (plain text: options are never Markdown): when, who, the line's words, the overall score."""
    who = take.trainee or choices.strings["app"]["anonymous"]
    line = _line_title(take.scenario_id, choices)
    return f"{take.recorded_at:%Y-%m-%d %H:%M} · {who} · {line} · {_score_cell(take.overall_score)}"


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
            text["verdict_take"], list(by_uid), format_func=lambda u: _take_label(by_uid[u], choices), key=_VERDICT_TAKE
        )
        _verdict_form(store, by_uid[uid], choices)
    _agreement_tables(store, workshop_id, choices)


def _verdict_form(store: Store, take: TakeRecord, choices: Choices) -> None:
    text = choices.strings["app"]
    measured = {c.get("cue"): c.get("measured") for c in take.report.get("cues", []) if isinstance(c, dict)}
    scored = [c for c in take.cues if c.score is not None]
    _table(
        [
            {
                text["col_cue"]: _cue_label(choices, c.cue),
                text["col_score"]: round(c.score),
                text["col_measured"]: measured.get(c.cue) or "",
            }
            for c in scored
            if c.score is not None
        ],
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
    _table(
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
        ],
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


def _agreement_rows(rows: list[CueAgreement], choices: Choices) -> list[dict[str, object]]:
    text = choices.strings["app"]
    return [
        {
            text["col_cue"]: _cue_label(choices, a.cue),
            text["col_verdicts"]: a.n,
            text["col_agreement"]: round(100 * a.right / a.n),  # every row has a verdict: n >= 1
        }
        for a in rows
    ]


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
            _table(_agreement_rows(rows, choices), key=key, where=columns)
        else:
            columns.caption(text["agreement_none"])


def _progress_tab(store: Store, choices: Choices) -> None:
    """The group's weakest cues, first take against latest, and one trainee's charts and reports; on the
    current workshop when the dashboard opens, read again from the database by itself (:func:`_progress_live`)."""
    if _PROGRESS_SCOPE not in st.session_state:
        st.session_state[_PROGRESS_SCOPE] = store.current_workshop_id() or _ALL_WORKSHOPS
    _progress_live(store, choices)


@st.fragment(run_every=PROGRESS_REFRESH_S)
def _progress_live(store: Store, choices: Choices) -> None:
    if _idle(_TRAINER_VISIT):
        st.rerun(scope="app")  # the whole page: it asks for the PIN again
    text = choices.strings["app"]
    try:
        workshops = {w.id: w for w in store.workshops()}
        if st.session_state.get(_PROGRESS_SCOPE) not in workshops:
            st.session_state[_PROGRESS_SCOPE] = _ALL_WORKSHOPS  # a workshop deleted meanwhile, or none yet
        st.caption(text["progress_refresh"].format(seconds=PROGRESS_REFRESH_S))
        picked = st.selectbox(
            text["progress_scope"],
            [_ALL_WORKSHOPS, *workshops],
            format_func=lambda i: text["all_takes"] if i == _ALL_WORKSHOPS else workshops[i].name,
            key=_PROGRESS_SCOPE,
            on_change=_touch,
            args=(_TRAINER_VISIT,),
        )
        scope = None if picked == _ALL_WORKSHOPS else picked
        takes = store.takes(workshop_id=scope)
        weakest = weakest_cues(takes)
        if weakest:
            st.subheader(text["weakest"])
            _table(
                [
                    {
                        text["col_cue"]: _cue_label(choices, w.cue),
                        text["col_mean"]: _score_cell(w.mean_score),
                        text["col_trainees"]: w.trainees,
                    }
                    for w in weakest
                ],
                key="progress-weakest",
            )
        rows = first_and_latest(takes)
        if rows:
            st.subheader(text["first_latest"])
            _table(
                [
                    {
                        text["col_trainee"]: r.trainee,
                        text["col_takes"]: r.takes,
                        text["col_first"]: _score_cell(r.first_overall),
                        text["col_latest"]: _score_cell(r.latest_overall),
                        text["col_change"]: EMPTY_CELL if r.overall_change is None else f"{round(r.overall_change):+d}",
                    }
                    for r in rows
                ],
                key="progress-first-latest",
            )
        codes = {t.trainee_code for t in takes if t.trainee_code}
        if scope is not None:
            codes |= {t.code for t in workshops[scope].roster}
        who = _trainee_picker(store, choices, key="progress", only=codes if scope is not None else None)
        if who is not None:
            own = store.takes(trainee_id=who.id, workshop_id=scope)
            _progress_charts(own, choices, key="progress-chart")
            if own:
                _past_reports(own, choices, key="progress-report", visit=_TRAINER_VISIT)
    except StoreError as err:
        _store_problem(err, text)


def _trainee_picker(store: Store, choices: Choices, *, key: str, only: set[str] | None = None) -> TraineeRecord | None:
    """A search box and the trainees it finds (any part of the name, any case, accents stripped, or the code);
    ``only``: the codes of the trainees to offer (``None``: everyone). The one picked, or ``None``."""
    text = choices.strings["app"]
    typed = st.text_input(
        text["find_trainee"], key=f"{key}-find", max_chars=NAME_MAX_CHARS, on_change=_touch, args=(_TRAINER_VISIT,)
    )
    found = {t.id: t for t in store.search_trainees(typed) if only is None or t.code in only}
    if not found:
        if typed.strip():
            st.caption(text["find_none"].format(text=plain(typed)))
        return None
    who = st.selectbox(
        text["progress_of"] if key == "progress" else text["col_trainee"],
        list(found),
        format_func=lambda i: f"{found[i].name} ({found[i].code})",
        key=f"{key}-of",
        on_change=_touch,
        args=(_TRAINER_VISIT,),
    )
    return found.get(who) if who is not None else None


def _data_tab(store: Store, choices: Choices) -> None:
    text = choices.strings["app"]
    left, right = st.columns(2)
    # The files are read from the database when the button is pressed, never kept from an earlier run.
    left.download_button(
        text["export_csv"],
        store.export_csv,
        file_name="kiosk-takes.csv",
        mime="text/csv",
        on_click="ignore",
        key="export-csv",
    )
    right.download_button(
        text["export_json"],
        lambda: dumps_export(store.export_json()),
        file_name="kiosk-export.json",
        mime="application/json",
        on_click="ignore",
        key="export-json",
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
    if not store.trainees():
        return
    clashes = store.name_clashes()
    if clashes:
        st.info(text["name_clashes"].format(count=len(clashes)))
        _table([{text["col_trainee"]: t.name, text["col_code"]: t.code} for t in clashes], key="name-clashes")
    who = _trainee_picker(store, choices, key="delete")
    if who is None:
        return
    sure = st.checkbox(text["delete_confirm"].format(name=plain(who.name)), key="delete-sure")
    if st.button(text["delete_button"], disabled=not sure, key="delete-button"):
        count = store.delete_trainee(who.id)
        st.session_state.pop("delete-sure", None)
        st.success(text["deleted"].format(name=plain(who.name), count=count))


def trainee_page(choices: Choices) -> None:
    """A trainee's own takes, progress and reports, opened with their name and short code; nobody else's."""
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
        _progress_charts(takes, choices, key="my-chart")
        _table(_takes_rows(takes, choices), key="my-takes")
        _past_reports(takes, choices, key="my-report", visit=_PROGRESS_VISIT)
    except StoreError as err:
        _store_problem(err, text)


def _progress_gate(store: Store, text: dict) -> TraineeRecord | None:
    """The trainee whose progress this visit opened, or ``None`` after drawing the name-and-code form.

    Both are needed: a name alone opens nothing, and neither does a code alone
    (a code seen over someone's shoulder is not enough). The name is compared
    the store's way (:func:`~kiosk.store.name_key`: any case, no fuzzy match);
    a right code with another trainee's name counts as a wrong try.
    """
    visit = _visit(_PROGRESS_VISIT, _PROGRESS_MARK)
    if visit is not None:
        return visit["trainee"]
    with st.form("my-progress"):
        name = st.text_input(text["my_name_input"], key="my-name", max_chars=NAME_MAX_CHARS)
        code = st.text_input(text["my_code_input"], key="my-code", max_chars=16)
        submitted = st.form_submit_button(text["my_show"])
    if not submitted:
        st.info(text["my_code_hint"])
        return None
    if not code.strip():
        st.warning(text["my_code_needed"])  # a name alone opens nothing
        return None
    if not name.strip():
        st.warning(text["my_name_needed"])  # nor does a code alone
        return None
    check = store.trainee_by_code(code, name=name)
    if check.trainee is not None:
        _open_visit(_PROGRESS_VISIT, trainee=check.trainee)
        st.rerun()
    if check.attempt.checked:
        st.error(text["my_code_wrong"])
    _wait_message(check.attempt, text, locked_key="my_code_locked", wait_key="my_code_wait")
    return None
