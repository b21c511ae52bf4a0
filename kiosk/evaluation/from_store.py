"""The trainers' verdicts as evaluation: ``kiosk eval --from-store`` and ``kiosk export-labels``.

A verdict says whether the kiosk judged one cue of a stored take right, for
the whole take or a time range (seconds from its start). ``kiosk eval
--from-store`` counts them per cue, as ``kiosk eval`` counts frames per cue:
n verdicts, the share that said "right" (the agreement), on how many takes,
how many with a time range.

``kiosk export-labels`` writes them as an evaluation manifest
(``tests/eval/FORMAT.md``), so a centre builds its own validation set from
ordinary use. A manifest label is what a person saw in every frame of a span,
so a verdict becomes one only where that can be said without guessing:

* the cue has a per-frame counterpart (eye contact, smiling, upright, arms
  open as ``arms_crossed``); the heard cues and the one-moment cues (eye
  contact at the start, smile onset) are written as comments only;
* the take's report holds the kiosk's own answer over time (its timeline), and
  over the verdict's range the kiosk gave one answer (the other answer, where
  it could see, for no more than :data:`~kiosk.evaluation.manifest.DEFAULT_MARGIN_S`);
  "right" labels that answer, "wrong" the other one;
* the take's recording was kept: a take without one cannot be analysed again,
  so it is left out (the count is said, and written at the top of the file).

Everything else is written as a comment under its take, with the trainer's
note, so a person can label it by hand. The labels are the trainers' judgement
of the kiosk's answers, not an independent labelling: the manifest says so.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from kiosk.errors import KioskError
from kiosk.evaluation.manifest import DEFAULT_MARGIN_S, SeenCue, Split
from kiosk.evaluation.metrics import ratio
from kiosk.i18n import load_strings
from kiosk.store import CueAgreement, Store, TakeRecord, VerdictRecord, default_url, sqlite_path, verdict_agreement
from kiosk.timespan import TimeSpan
from kiosk.vocabulary import Cue, Verdict

SCHEMA = "kiosk-eval-verdicts/1"
"""The ``schema`` value of ``kiosk eval --from-store --json``; bumped when its shape changes."""

#: Scored cues whose kiosk answer is a per-frame signal a manifest can label: the manifest's
#: cue, the report's timeline band showing it (``strings["timeline"]`` key), and the label
#: value while the band says the cue was as wanted.
PER_FRAME: Mapping[Cue, tuple[SeenCue, str, bool]] = {
    Cue.EYE_CONTACT: (SeenCue.EYE_CONTACT, "eye_contact", True),
    Cue.SMILING: (SeenCue.SMILING, "smiling", True),
    Cue.UPRIGHT: (SeenCue.UPRIGHT, "upright", True),
    Cue.ARMS_OPEN: (SeenCue.ARMS_CROSSED, "arms_open", False),
}


class NoVerdictsError(KioskError):
    """The store (or the workshop asked for) has no verdicts to count or write."""


@dataclass(frozen=True)
class VerdictScope:
    """Which verdicts: all, or those on the takes of the workshop(s) of one name."""

    workshop: str | None
    workshop_ids: tuple[int, ...]

    def describe(self) -> str:
        if self.workshop is None:
            return "all workshops and takes"
        several = f" ({len(self.workshop_ids)} workshops of that name)" if len(self.workshop_ids) > 1 else ""
        return f"workshop {self.workshop}{several}"


@dataclass(frozen=True)
class VerdictEvaluation:
    """The verdicts counted per cue (report order), and what they were counted over."""

    scope: VerdictScope
    verdicts: int
    takes: int
    cues: tuple[CueAgreement, ...]
    first_entered: date
    last_entered: date

    @property
    def right(self) -> int:
        return sum(c.right for c in self.cues)

    @property
    def agreement_share(self) -> float | None:
        return ratio(self.right, self.verdicts)


def open_existing_store(url: str | None) -> Store:
    """The kiosk's database at ``url`` (default the kiosk's own), never a new empty one made by a typo.

    Raises:
        KioskError: a SQLite file that does not exist, or a database that cannot be opened.
    """
    address = url or default_url()
    path = sqlite_path(address)
    if path is not None and not path.is_file():
        raise KioskError(
            f"There is no kiosk database at {path}; give --store the address the kiosk uses "
            "(KIOSK_DB_URL, or sqlite:///PATH of its kiosk.db)."
        )
    return Store(address)


def describe_store(store: Store) -> str:
    """The store's address as shown: a file's path, or a server's URL without its password."""
    if store.path is not None:
        return str(store.path)
    return make_url(store.url).render_as_string(hide_password=True)


def scope_of(store: Store, workshop: str | None) -> VerdictScope:
    """The workshops of that name (compared as typed, spaces at the ends ignored); all when ``None``.

    Raises:
        KioskError: no workshop has that name (the message lists the names there are).
    """
    if workshop is None:
        return VerdictScope(None, ())
    wanted = workshop.strip()
    every = store.workshops()
    ids = tuple(w.id for w in every if w.name == wanted)
    if not ids:
        names = ", ".join(sorted({w.name for w in every})) or "none yet"
        raise KioskError(f"No workshop is named {wanted!r}; the workshops are: {names}.")
    return VerdictScope(wanted, ids)


def scoped_verdicts(store: Store, scope: VerdictScope) -> list[VerdictRecord]:
    """The verdicts in ``scope``, in the order they were entered.

    Raises:
        NoVerdictsError: there are none (with what to do).
    """
    if scope.workshop is None:
        found = store.verdicts()
    else:
        found = [v for workshop_id in scope.workshop_ids for v in store.verdicts(workshop_id=workshop_id)]
        found.sort(key=lambda v: v.id)
    if not found:
        raise NoVerdictsError(
            f"No trainer's verdicts are stored for {scope.describe()}: mark cues right or wrong under a take "
            "on the trainer's dashboard (Workshop tab), then run this again."
        )
    return found


def evaluate_store(store: Store, workshop: str | None = None) -> VerdictEvaluation:
    """Count the stored verdicts per cue.

    Raises:
        KioskError: an unknown workshop; :class:`NoVerdictsError`: no verdicts.
    """
    scope = scope_of(store, workshop)
    found = scoped_verdicts(store, scope)
    return VerdictEvaluation(
        scope=scope,
        verdicts=len(found),
        takes=len({v.take_uid for v in found}),
        cues=tuple(verdict_agreement(found)),
        first_entered=min(v.created_at for v in found).date(),
        last_entered=max(v.created_at for v in found).date(),
    )


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def verdict_table(evaluation: VerdictEvaluation, *, source: str) -> str:
    """The table a person reads, laid out as ``kiosk eval``'s: one row per cue, with n for every figure."""
    e = evaluation
    out = [
        f"kiosk eval --from-store ({source})",
        f"  trainers' verdicts on {e.scope.describe()}, entered {e.first_entered} to {e.last_entered}; "
        "agree = the share of verdicts saying the kiosk judged the cue right",
        "",
        f"== verdicts: {e.verdicts} on {e.takes} takes, agree {_share(e.agreement_share)} ==",
        f"{'cue':<20} {'verdicts':>8} {'takes':>5} {'agree':>6} {'right':>5} {'wrong':>5} {'timed':>5}",
    ]
    for c in e.cues:
        out.append(
            f"{c.cue.value:<20} {c.n:>8} {c.takes:>5} {_share(c.agreement_share):>6} "
            f"{c.right:>5} {c.n - c.right:>5} {c.timed:>5}"
        )
    out.append("timed: verdicts on a time range of the take; the others judge the whole take.")
    return "\n".join(out)


def verdict_json(evaluation: VerdictEvaluation, *, source: str) -> dict[str, Any]:
    """The same figures for machines."""
    e = evaluation
    return {
        "schema": SCHEMA,
        "source": source,
        "workshop": e.scope.workshop,
        "verdicts": e.verdicts,
        "takes": e.takes,
        "agreement": None if e.agreement_share is None else round(e.agreement_share, 4),
        "entered": [e.first_entered.isoformat(), e.last_entered.isoformat()],
        "cues": {
            c.cue.value: {
                "n": c.n,
                "right": c.right,
                "takes": c.takes,
                "timed": c.timed,
                "agreement": None if c.agreement_share is None else round(c.agreement_share, 4),
            }
            for c in e.cues
        },
    }


# --- the manifest -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeenLabelOut:
    """One label to write: ``value`` of ``cue`` over ``span`` (``None``: the whole take)."""

    cue: SeenCue
    value: bool
    span: TimeSpan | None


@dataclass(frozen=True)
class ExportedLabels:
    """A manifest written from the verdicts, and what went into it.

    Attributes:
        text: the manifest (TOML).
        takes: takes written (their recording was kept).
        labels: ``[[take.seen]]`` labels written.
        comments: verdicts on written takes that are comments only (see the module's notes).
        without_recording: takes with verdicts left out because their recording was not kept.
    """

    text: str
    takes: int
    labels: int
    comments: int
    without_recording: int


def kiosk_answer(report: Mapping[str, Any], cue: Cue, span: TimeSpan) -> bool | str:
    """The kiosk's per-frame answer for a cue over ``span``, from the report's timeline.

    Returns:
        ``True``: the cue was as wanted (e.g. eye contact, arms open) over the span;
        ``False``: it was not; otherwise why it cannot be said (a short phrase).
    """
    _, band_key, _ = PER_FRAME[cue]
    try:
        language = str(report["language"])
        bands = report["timeline"]["bands"]
        name = load_strings(language)["timeline"][band_key]
    except (KeyError, TypeError, KioskError):
        return "the stored report has no timeline of it"
    band = next((b for b in bands if isinstance(b, Mapping) and b.get("label") == name), None)
    try:
        wanted_s = _overlap(span, band["episodes"]) if band is not None else None
        unknown_s = _overlap(span, band["unknown"]) if band is not None else None
    except (KeyError, TypeError, ValueError):
        wanted_s = unknown_s = None
    if wanted_s is None or unknown_s is None:
        return "the stored report has no timeline of it"
    other_s = max(span.duration_s - wanted_s - unknown_s, 0.0)
    if wanted_s <= DEFAULT_MARGIN_S and other_s <= DEFAULT_MARGIN_S:
        return "the kiosk could not see it then"
    if wanted_s > DEFAULT_MARGIN_S and other_s > DEFAULT_MARGIN_S:
        return "the kiosk's answer changed within the range; mark a narrower range"
    return wanted_s > other_s


def _overlap(span: TimeSpan, spans: Sequence[Sequence[float]]) -> float:
    """Seconds of ``span`` covered by the report's ``[start_s, end_s]`` pairs."""
    return sum(max(0.0, min(span.end_s, float(end)) - max(span.start_s, float(start))) for start, end in spans)


def label_of(verdict: VerdictRecord, take: TakeRecord) -> SeenLabelOut | str:
    """The manifest label a verdict gives, or why it gives none (a short phrase)."""
    if verdict.cue not in PER_FRAME:
        return "not a per-frame cue a manifest labels"
    seen_cue, _, value_when_wanted = PER_FRAME[verdict.cue]
    answer = kiosk_answer(take.report, verdict.cue, verdict.span or TimeSpan(0.0, take.duration_s))
    if isinstance(answer, str):
        return answer
    kiosk_value = value_when_wanted if answer else not value_when_wanted
    value = kiosk_value if verdict.verdict is Verdict.RIGHT else not kiosk_value
    return SeenLabelOut(seen_cue, value, verdict.span)


def _toml(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def _comment(text: str) -> str:
    return " ".join(text.split())


def _describe(verdict: VerdictRecord) -> str:
    where = "whole take" if verdict.span is None else f"{verdict.span.start_s:g}-{verdict.span.end_s:g} s"
    note = f': "{_comment(verdict.note)}"' if verdict.note else ""
    return f"{verdict.cue.value} {verdict.verdict.value} ({where}, {verdict.created_at:%Y-%m-%d}){note}"


def _media_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as media:
        for block in iter(lambda: media.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_of(
    store: Store, workshop: str | None = None, *, split: Split = Split.HELD_OUT, today: date | None = None
) -> ExportedLabels:
    """The stored verdicts as a manifest (``tests/eval/FORMAT.md``): one ``[[take]]`` per take with a kept recording.

    Raises:
        KioskError: an unknown workshop, or no take with verdicts has a kept recording;
        :class:`NoVerdictsError`: no verdicts.
    """
    scope = scope_of(store, workshop)
    found = scoped_verdicts(store, scope)
    takes = {t.uid: t for t in store.takes()}
    by_take: dict[str, list[VerdictRecord]] = {}
    for verdict in found:
        by_take.setdefault(verdict.take_uid, []).append(verdict)
    kept = {uid: takes[uid] for uid in by_take if takes[uid].media_path and Path(str(takes[uid].media_path)).is_file()}
    missing = len(by_take) - len(kept)
    if not kept:
        raise KioskError(
            f"None of the {len(by_take)} take(s) with verdicts ({scope.describe()}) has its recording kept, "
            "so there is nothing a manifest could point at; mark takes whose trainee chose to keep the recording."
        )
    name = f"trainer-verdicts-{scope.workshop or 'all'}"
    labelled_by = f"the trainers' verdicts on the kiosk's dashboard ({scope.describe()})"
    out = [
        "# Written by `kiosk export-labels` from the trainers' verdicts in the kiosk's database.",
        "# Each label is the kiosk's own per-frame answer over the verdict's range where a trainer marked the cue",
        "# right, and the other answer where marked wrong; other verdicts are comments under their take.",
        f"# {missing} take(s) with verdicts left out: their recording was not kept."
        if missing
        else "# Every take with verdicts had its recording kept.",
        "",
        "[manifest]",
        f"name = {_toml(name)}",
        f"labelled_by = {_toml(labelled_by)}",
        f'labelled_on = "{(today or date.today()).isoformat()}"',
        "method = \"trainers judged the kiosk's report of each take right or wrong per cue (not an independent "
        "labelling: they saw the kiosk's answers); converted by kiosk export-labels\"",
    ]
    labels = comments = 0
    for uid, take in kept.items():
        media = Path(str(take.media_path)).resolve()
        out += [
            "",
            "[[take]]",
            f"id = {_toml(uid)}",
            f'split = "{split.value}"',
            f"setting = {_toml(take.setting)}",
            f"language = {_toml(take.language)}",
            'licence = "recorded at this kiosk, kept with the trainee\'s consent; not for sharing"',
            f'media = {{ path = {_toml(str(media))}, sha256 = "{_media_sha256(media)}" }}',
            f"note = {_toml(f'line {take.scenario_id}, recorded {take.recorded_at:%Y-%m-%d %H:%M}')}",
        ]
        baseline = take.report.get("baseline") if isinstance(take.report, Mapping) else None
        if isinstance(baseline, Mapping):
            # The labels are what the trainer saw, true whatever the kiosk judged by; kiosk eval re-runs the take
            # by the profile alone, so its figures for this take are the profile's, not the calibrated ones.
            taken = str(baseline.get("taken_at", ""))[:10]
            out.append(f"# scored against the trainee's baseline of {taken}; kiosk eval judges it by the profile alone")
        written: dict[SeenCue, list[TimeSpan]] = {}
        for verdict in by_take[uid]:
            label = label_of(verdict, take)
            if isinstance(label, SeenLabelOut):
                span = label.span or TimeSpan(0.0, take.duration_s)
                if any(span.overlaps(other) for other in written.get(label.cue, [])):
                    label = "overlaps an earlier verdict's label of the same cue"
            if isinstance(label, str):
                out.append(f"# verdict {_describe(verdict)}: not a label ({label})")
                comments += 1
                continue
            written.setdefault(label.cue, []).append(span)
            out += [
                f"# verdict {_describe(verdict)}",
                "[[take.seen]]",
                f'cue = "{label.cue.value}"',
                f"value = {'true' if label.value else 'false'}",
            ]
            if label.span is not None:
                out += [f"start_s = {float(label.span.start_s)!r}", f"end_s = {float(label.span.end_s)!r}"]
            labels += 1
    return ExportedLabels(
        text="\n".join(out) + "\n", takes=len(kept), labels=labels, comments=comments, without_recording=missing
    )


__all__ = [
    "PER_FRAME",
    "SCHEMA",
    "ExportedLabels",
    "NoVerdictsError",
    "VerdictEvaluation",
    "VerdictScope",
    "describe_store",
    "evaluate_store",
    "kiosk_answer",
    "label_of",
    "manifest_of",
    "open_existing_store",
    "scope_of",
    "verdict_json",
    "verdict_table",
]
