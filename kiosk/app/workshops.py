"""Workshops: the trainer's dashboard behind a PIN, and a trainee's own progress.

The trainer sets a PIN on first use (kept only as a salted hash in the
database); without it the dashboard shows nothing. There the trainer
creates a workshop and its roster and makes it the current one (new takes
belong to it), follows the group's takes as they come in, each trainee's
progress per cue, the group's weakest cues and first take against latest,
exports CSV and JSON, deletes a trainee with all their data, and sets how
long recordings and takes are kept. A trainee sees only their own takes,
found by name or short code.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from kiosk.app.common import Choices, kiosk_store
from kiosk.report.progress import first_and_latest, progress_by_cue, weakest_cues
from kiosk.store import Store, StoreError, TakeRecord

#: How often the dashboard's table of takes refreshes, in seconds.
LIVE_TABLE_REFRESH_S = 5


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
        {_cue_label(choices, cue): pd.Series({p.recorded_at: p.score for p in points}) for cue, points in series.items()}
    ).sort_index()
    st.line_chart(frame, y_label="0-100")


def _pin_gate(store: Store, text: dict) -> bool:
    """Whether the dashboard may open; draws the PIN forms when not."""
    if st.session_state.get("trainer-unlocked"):
        return True
    if not store.has_trainer_pin():
        st.info(text["pin_first_use"])
        with st.form("trainer-set-pin"):
            pin = st.text_input(text["pin_new"], type="password", key="pin-new")
            again = st.text_input(text["pin_again"], type="password", key="pin-again")
            if st.form_submit_button(text["pin_set"]):
                if pin != again:
                    st.error(text["pin_mismatch"])
                else:
                    try:
                        store.set_trainer_pin(pin)
                    except StoreError as err:
                        st.error(str(err))
                    else:
                        st.session_state["trainer-unlocked"] = True
                        st.rerun()
        return False
    with st.form("trainer-pin"):
        pin = st.text_input(text["pin"], type="password", key="pin")
        if st.form_submit_button(text["pin_open"]):
            if store.check_trainer_pin(pin):
                st.session_state["trainer-unlocked"] = True
                st.rerun()
            st.error(text["pin_wrong"])
    return False


def trainer_page(choices: Choices) -> None:
    text = choices.strings["app"]
    store, problem = kiosk_store()
    if store is None:
        st.error(text["store_unavailable"].format(reason=problem))
        return
    if not _pin_gate(store, text):
        return
    if st.button(text["lock"], key="trainer-lock"):
        st.session_state["trainer-unlocked"] = False
        st.rerun()
    workshop_tab, progress_tab, data_tab = st.tabs([text["tab_workshop"], text["tab_progress"], text["tab_data"]])
    with workshop_tab:
        _workshop_tab(store, choices)
    with progress_tab:
        _progress_tab(store, choices)
    with data_tab:
        _data_tab(store, choices)


def _workshop_tab(store: Store, choices: Choices) -> None:
    text = choices.strings["app"]
    with st.form("new-workshop", clear_on_submit=True):
        name = st.text_input(text["workshop_name"], key="workshop-name")
        roster = st.text_area(text["workshop_roster"], key="workshop-roster")
        if st.form_submit_button(text["workshop_create"]):
            try:
                created = store.create_workshop(name, [n.strip() for n in roster.splitlines() if n.strip()])
            except StoreError as err:
                st.error(str(err))
            else:
                store.set_current_workshop(created.id)
                st.success(text["workshop_created"].format(name=created.name))
    workshops = {w.id: w for w in store.workshops()}
    if not workshops:
        return
    current = store.current_workshop_id()
    ids = [None, *workshops]
    chosen = st.selectbox(
        text["workshop_current"],
        ids,
        index=ids.index(current) if current in ids else 0,
        format_func=lambda i: text["workshop_none"] if i is None else workshops[i].name,
        key="workshop-current",
    )
    if chosen != current:
        store.set_current_workshop(chosen)
    if chosen is not None:
        roster = ", ".join(t.name for t in workshops[chosen].roster)
        st.caption(f"{text['workshop_roster_label']}: {roster or '-'}")
        _live_takes(store, chosen, choices)


@st.fragment(run_every=LIVE_TABLE_REFRESH_S)
def _live_takes(store: Store, workshop_id: int, choices: Choices) -> None:
    """The group's takes as they come in (refreshes by itself)."""
    takes = store.takes(workshop_id=workshop_id)
    st.subheader(choices.strings["app"]["workshop_takes"].format(count=len(takes)))
    if takes:
        st.dataframe(_takes_table(takes, choices), hide_index=True, key="workshop-takes")


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
                [{text["col_cue"]: _cue_label(choices, w.cue), text["col_mean"]: round(w.mean_score),
                  text["col_trainees"]: w.trainees} for w in weakest]
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
        who = st.selectbox(text["progress_of"], list(trainees), format_func=lambda i: trainees[i].name, key="progress-of")
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
        new_media = st.number_input(text["retention_media"], min_value=0, value=media_days or 0, step=1, key="retention-media")
        new_takes = st.number_input(text["retention_takes"], min_value=0, value=take_days or 0, step=1, key="retention-takes")
        if st.form_submit_button(text["retention_save"]):
            store.set_retention(media_days=int(new_media) or None, take_days=int(new_takes) or None)
            removed, deleted = store.purge()
            st.success(text["retention_done"].format(recordings=removed, takes=deleted))
    st.subheader(text["delete_trainee"])
    trainees = {t.id: t for t in store.trainees()}
    if not trainees:
        return
    who = st.selectbox(text["col_trainee"], list(trainees), format_func=lambda i: trainees[i].name, key="delete-who")
    sure = st.checkbox(text["delete_confirm"].format(name=trainees[who].name), key="delete-sure")
    if st.button(text["delete_button"], disabled=not sure, key="delete-button"):
        count = store.delete_trainee(who)
        st.session_state.pop("delete-sure", None)
        st.success(text["deleted"].format(name=trainees[who].name, count=count))


def trainee_page(choices: Choices) -> None:
    """A trainee's own takes and progress, by name or short code; nobody else's."""
    text = choices.strings["app"]
    store, problem = kiosk_store()
    if store is None:
        st.error(text["store_unavailable"].format(reason=problem))
        return
    asked = st.text_input(text["my_name_or_code"], key="my-name").strip()
    if not asked:
        st.info(text["my_hint"])
        return
    trainee = store.find_trainee(asked)
    if trainee is None:
        st.warning(text["my_not_found"].format(name=asked))
        return
    takes = store.takes(trainee_id=trainee.id)
    st.caption(text["my_code"].format(name=trainee.name, code=trainee.code))
    if not takes:
        st.info(text["no_takes_yet"])
        return
    _progress_charts(takes, choices)
    st.dataframe(_takes_table(takes, choices), hide_index=True, key="my-takes")
