"""The take report as one self-contained HTML file (schema ``kiosk/take-report``).

:func:`render_html` lays an already localised report out as a single HTML
page from the Jinja2 templates in ``templates/``: ``report.html.j2`` (the
page), ``timeline.svg.j2`` (the timeline chart, laid out by
:mod:`kiosk.report.timeline`) and ``report.css`` (inlined). Styles inline,
charts as inline SVG, no scripts, no fonts, images or anything else fetched.
Every visible word comes from the document (its ``strings`` for headings and
labels); nothing is translated here. The templates escape every value
(autoescape): nothing here writes markup.

The page prints on A4 portrait: sections are not split across pages, the
timeline scales to the page width, and every colour is doubled by a label, a
number or a pattern so a greyscale print still reads.

Optional strings the page uses when the document has them (and leaves out
otherwise): ``pauses``, ``unclear``, ``skipped`` (legend of the timeline).
"""

from __future__ import annotations

import base64
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from kiosk.report.document import TakeReport
from kiosk.report.timeline import MAX_CURVE_POINTS, Chart, coord, downsample, timeline_chart
from kiosk.report.view import DocumentView, calibration_line, clock, num, objects, text

__all__ = ["ReportVideo", "render_html", "write_html", "MAX_CURVE_POINTS", "downsample"]

# The gauge of the overall score: a ring of this radius and width (SVG user units).
_GAUGE_R = 52.0
_GAUGE_WIDTH = 12.0

# MarkupSafe spells these two &#39; and &#34;; the kiosk's pages have always used
# Python's &#x27; and &quot;. Only escaping writes them: a document's own "&#39;"
# is escaped to "&amp;#39;", so the replacement never touches its text.
_ENTITY_SPELLING = (("&#39;", "&#x27;"), ("&#34;", "&quot;"))


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("kiosk.report", "templates"),
        autoescape=True,  # the page and its chart are HTML and SVG (the CSS has no values in it)
        undefined=StrictUndefined,  # a misspelt name fails the tests instead of vanishing from the page
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["coord"] = coord
    return environment


# --------------------------------------------------------------------------- the page's parts


def _score_class(score: float) -> str:
    return "s-good" if score >= 75 else "s-mid" if score >= 50 else "s-low"


@dataclass(frozen=True)
class ReportVideo:
    """The take's recording for the page to play: a ``data:`` URI (embedded) or a file name beside the report."""

    src: str
    mime: str

    @classmethod
    def embedded(cls, data: bytes, mime: str) -> ReportVideo:
        """The recording inside the page itself (a downloaded report plays it with nothing beside it)."""
        return cls(f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}", mime)


@dataclass(frozen=True)
class _RecordingBit:
    text: str
    is_name: bool = False


@dataclass(frozen=True)
class _Header:
    chips: tuple[tuple[str, str], ...]  # (class, text)
    recording: tuple[_RecordingBit, ...]
    trainee: str  # their name ("" without one)
    code: str  # "Your code for My progress: ..." ("" without one)


@dataclass(frozen=True)
class _Gauge:
    """The ring around the overall score; ``arc`` is its stroke-dasharray (``None`` with no score)."""

    r: float
    width: float
    arc: str | None
    score_class: str | None


@dataclass(frozen=True)
class _Scenario:
    situation: str
    text: str


@dataclass(frozen=True)
class _Summary:
    number: str
    label: str
    sentence: str
    not_observed: bool
    gauge: _Gauge
    scenario: _Scenario | None


@dataclass(frozen=True)
class _CueRow:
    cue: str
    label: str
    meaning: str
    observed: bool
    score: int
    score_class: str
    bar_width: float
    measured: str
    target: str
    why: str
    everyday: str
    technical: str  # the measured value and target, on hover


@dataclass(frozen=True)
class _Advice:
    """A tip or a strength: its text, tagged with the name of its cue; a tip has its moment (``at``, m:ss)."""

    tag: str
    text: str
    time_s: float | None = None
    at: str = ""


@dataclass(frozen=True)
class _Missing:
    reason: str
    title: str
    advice: str


@dataclass(frozen=True)
class _Change:
    cue: str
    label: str
    before: str
    now: str
    trend: str  # better, worse or same (a class of the page)
    arrow: str
    word: str


@dataclass(frozen=True)
class _SinceLast:
    title: str
    overall: _Change | None
    cues: tuple[_Change, ...]


@dataclass(frozen=True)
class _Page:
    lang: str
    title: str
    schema: str
    profile: str
    header: _Header
    summary: _Summary
    cues: tuple[_CueRow, ...]
    tips: tuple[_Advice, ...]
    strengths: tuple[_Advice, ...]
    chart: Chart | None
    missing: tuple[_Missing, ...]
    cues_observed: bool
    since_last: _SinceLast | None
    video: ReportVideo | None
    watch_hint: str
    line_id: str
    file_name: str


def _header(doc: DocumentView) -> _Header:
    rec = doc.part("recording")
    scen = doc.part("scenario")
    # The line's id is for trainers: it is in their details, not in the trainee's header.
    chips = [("chip", text(scen.get(k))) for k in ("setting_label", "kind_label") if scen.get(k)]
    trainee = doc.part("trainee")
    name, code = text(trainee.get("name")), text(trainee.get("code"))
    bits = []
    if rec.get("name") and not name:  # a trainee's take is named by them; its file is in the trainers' details
        bits.append(_RecordingBit(text(rec["name"]), is_name=True))
    duration = num(rec.get("duration_s"))
    if duration is not None:
        bits.append(_RecordingBit(doc.seconds(duration)))
    if rec.get("recorded"):
        bits.append(_RecordingBit(text(rec["recorded"])))
    calibration = calibration_line(doc)
    if calibration:
        bits.append(_RecordingBit(calibration))
    return _Header(
        tuple(chips),
        tuple(bits),
        trainee=name,
        code=doc.s("your_code").format(code=code) if code and doc.has("your_code") else "",
    )


def _gauge(score: float | None) -> _Gauge:
    if score is None:
        return _Gauge(_GAUGE_R, _GAUGE_WIDTH, None, None)
    circ = 2 * math.pi * _GAUGE_R
    share = max(0.0, min(100.0, score)) / 100.0
    return _Gauge(_GAUGE_R, _GAUGE_WIDTH, f"{circ * share:.2f} {circ:.2f}", _score_class(score))


def _summary(doc: DocumentView) -> _Summary:
    overall = doc.part("overall")
    score = num(overall.get("score"))
    scen = doc.part("scenario")
    situation, line = text(scen.get("situation")), text(scen.get("text"))
    return _Summary(
        number="\u2013" if score is None else str(int(round(score))),
        label=text(overall.get("label")),
        sentence=text(overall.get("sentence")),
        not_observed=score is None,
        gauge=_gauge(score),
        scenario=_Scenario(situation, line) if situation or line else None,
    )


def _cue_row(cue: Mapping[str, Any]) -> _CueRow:
    score = num(cue.get("score"))
    measured, target = text(cue.get("measured")), text(cue.get("target"))
    return _CueRow(
        cue=text(cue.get("cue")),
        label=text(cue.get("label") or cue.get("cue")),
        meaning=text(cue.get("meaning")),
        observed=cue.get("observed") is not False and score is not None,
        score=0 if score is None else int(round(score)),
        score_class="" if score is None else _score_class(score),
        bar_width=0.0 if score is None else max(0.0, min(100.0, score)),
        measured=measured,
        target=target,
        why=text(cue.get("why_not_observed") or cue.get("measured")),
        # Reports stored before the everyday words show the measured value and target instead.
        everyday=text(cue.get("everyday")) or " · ".join(t for t in (measured, target) if t),
        technical=" · ".join(t for t in (measured, target) if t),
    )


def _advice(doc: DocumentView, key: str, *, moments: bool = False) -> tuple[_Advice, ...]:
    labels = {c.get("cue"): c.get("label") for c in objects(doc.d.get("cues"))}
    still = (num(doc.part("recording").get("duration_s")) or 0.0) <= 0.0
    advice = []
    for a in objects(doc.d.get(key)):
        time_s = num(a.get("time_s")) if moments and not still else None
        advice.append(
            _Advice(
                text(labels.get(a.get("cue"))),
                text(a.get("text")),
                time_s=None if time_s is None else round(time_s, 2),
                at="" if time_s is None else clock(time_s),
            )
        )
    return tuple(advice)


def _missing(doc: DocumentView) -> tuple[_Missing, ...]:
    return tuple(
        _Missing(text(m.get("reason")), text(m.get("title")), text(m.get("advice")))
        for m in objects(doc.d.get("missing"))
    )


def _change(doc: DocumentView, cue: str, label: str, before: Any, now: Any, within: float) -> _Change | None:
    a, b = num(before), num(now)
    if a is None or b is None:
        return None
    delta = b - a
    trend = "same" if abs(delta) <= within else "better" if delta > 0 else "worse"
    arrow = {"same": "=", "better": "↑", "worse": "↓"}[trend]
    shown = f"{delta:+.0f}" if trend != "same" else ""
    word = doc.s(trend) + (f" ({shown})" if shown else "")
    return _Change(cue, label, str(int(round(a))), str(int(round(b))), trend, arrow, word)


def _since_last(doc: DocumentView) -> _SinceLast | None:
    since = doc.part("since_last")
    if not since or not doc.has("since_last"):
        return None
    within = num(since.get("unchanged_within")) or 0.0
    overall = _change(doc, "overall", doc.s("overall"), since.get("overall_before"), since.get("overall_now"), within)
    cues = tuple(
        change
        for c in objects(since.get("cues"))
        if (change := _change(doc, text(c.get("cue")), text(c.get("label")), c.get("before"), c.get("now"), within))
    )
    if overall is None and not cues:
        return None
    return _SinceLast(doc.s("since_last").format(date=text(since.get("recorded"))), overall, cues)


def _page(doc: DocumentView, video: ReportVideo | None, offer_keeping: bool) -> _Page:
    rec = doc.part("recording")
    trainee = text(doc.part("trainee").get("name"))
    shown = trainee or text(rec.get("name"))
    tips = _advice(doc, "tips", moments=True)
    cues = tuple(_cue_row(c) for c in objects(doc.d.get("cues")))
    hint = ""
    if offer_keeping and video is None and any(t.at for t in tips) and doc.has("watch_needs_recording"):
        hint = doc.s("watch_needs_recording")
    return _Page(
        lang=doc.lang,
        title=doc.s("title") + (f" \u2013 {shown}" if shown else ""),
        schema=f"{text(doc.d.get('schema'))}/{text(doc.d.get('schema_version'))}",
        profile=text(doc.d.get("profile")),
        header=_header(doc),
        summary=_summary(doc),
        cues=cues,
        tips=tips,
        strengths=_advice(doc, "strengths"),
        chart=timeline_chart(doc),
        missing=_missing(doc),
        cues_observed=any(c.observed for c in cues),
        since_last=_since_last(doc),
        video=video,
        watch_hint=hint,
        line_id=text(doc.part("scenario").get("id")),
        file_name=text(rec.get("name")) if trainee else "",
    )


# --------------------------------------------------------------------------- the page


def render_html(
    document: TakeReport | Mapping[str, Any], *, video: ReportVideo | None = None, offer_keeping: bool = False
) -> str:
    """The take report as one self-contained HTML page (see the module docstring).

    ``document`` is the report, or its JSON form as stored (read leniently:
    see :mod:`kiosk.report.view`); ``video`` the take's recording to play at
    the moments the report points to; ``offer_keeping``: without it, say that
    ticking "Keep my recording" before a take allows that (a live take that
    was not kept; an upload or a stored report has no such box).

    Raises:
        TypeError: ``document`` is neither.
    """
    doc = DocumentView(document.to_json() if isinstance(document, TakeReport) else document)
    page = (
        _environment()
        .get_template("report.html.j2")
        .render(page=_page(doc, video, offer_keeping), s=doc.s, has=doc.has)
    )
    for jinja, ours in _ENTITY_SPELLING:
        page = page.replace(jinja, ours)
    return page


def write_html(
    document: TakeReport | Mapping[str, Any], path: str | os.PathLike[str], *, video: ReportVideo | None = None
) -> Path:
    """Write the report to ``path`` atomically (``NAME.part`` first, then renamed over it)."""
    path = Path(path)
    page = render_html(document, video=video)
    part = path.with_name(path.name + ".part")
    try:
        with open(part, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(page)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return path
