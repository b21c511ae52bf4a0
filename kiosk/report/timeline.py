"""The geometry of the report's timeline chart: where every row, word, pause and mark goes.

:func:`timeline_chart` turns the document's ``timeline`` into a
:class:`Chart` of numbers in SVG user units (the SVG scales to the page
width); ``templates/timeline.svg.j2`` draws it. One time axis runs under
all the rows: the body-language bands, the voice curves, the words of the
line with the pauses shaded behind them, and the tips' numbered marks on top.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from kiosk.report.view import DocumentView, is_wide, num, objects, spans, text, word_gap

__all__ = ["MAX_CURVE_POINTS", "Chart", "coord", "downsample", "timeline_chart"]

#: At most this many points per curve in the timeline (min/max per bucket beyond it).
MAX_CURVE_POINTS = 1000

# Timeline geometry, in SVG user units.
_W = 800.0
_X0 = 132.0  # left edge of the plot (labels to the left of it)
_X1 = 788.0  # right edge of the plot
_BAND_H = 22.0
_BAND_GAP = 5.0
_CURVE_H = 58.0
_CURVE_GAP = 8.0
_WORD_FONT = 10.5
_LABEL_FONT = 10.5
_LANE_H = 14.0

# Band fills: distinct hues that also differ in lightness; each row is labelled.
_BAND_COLOURS = ("#dd6b20", "#2b6cb0", "#2f855a", "#6b46c1", "#b83280", "#2c7a7b")
_CURVE_COLOURS = ("#1a4e8a", "#9c4221", "#22543d", "#553c9a")


# --------------------------------------------------------------------------- numbers and text


def coord(x: float) -> str:
    """An SVG coordinate: short, no exponent."""
    out = f"{x:.1f}"
    return out[:-2] if out.endswith(".0") else out


def text_em(text: str) -> float:
    """Rough width of ``text`` in ems (to wrap labels and keep words apart)."""
    width = 0.0
    for ch in text:
        if is_wide(ch):
            width += 1.0
        elif ch == " ":
            width += 0.28
        elif ch.isupper() or ch in "mwMW":
            width += 0.68
        elif ch in "il.,;:'!|":
            width += 0.28
        else:
            width += 0.55
    return width


def _wrap(text: str, max_em: float, max_lines: int = 2) -> list[str]:
    """Split ``text`` into at most ``max_lines`` lines of about ``max_em`` ems."""
    if text_em(text) <= max_em:
        return [text]
    tokens = text.split(" ") if " " in text else list(text)
    joiner = " " if " " in text else ""
    lines: list[str] = []
    current = ""
    for token in tokens:
        trial = f"{current}{joiner}{token}" if current else token
        if current and text_em(trial) > max_em:
            lines.append(current)
            current = token
        else:
            current = trial
    lines.append(current)
    if len(lines) > max_lines:
        lines = lines[: max_lines - 1] + [joiner.join(lines[max_lines - 1 :])]
    last = lines[-1]
    while len(lines) == max_lines and text_em(last) > max_em and len(last) > 1:
        last = last[:-2] + "\u2026"
    lines[-1] = last
    return lines


# --------------------------------------------------------------------------- curves


def downsample(
    times: Sequence[Any], values: Sequence[Any], max_points: int = MAX_CURVE_POINTS
) -> list[list[tuple[float, float]]]:
    """A curve as segments of ``(time, value)`` points, broken where values are null.

    At most ``max_points`` points in all: longer curves keep the lowest and
    highest value of each bucket of samples (in time order), so peaks survive;
    a bucket with no value at all breaks the line.
    """
    points = [(num(t), num(v)) for t, v in zip(times, values, strict=False)]
    n = len(points)
    segments: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []

    def cut() -> None:
        nonlocal current
        if current:
            segments.append(current)
            current = []

    if n <= max_points:
        for t, v in points:
            if t is None or v is None:
                cut()
            else:
                current.append((t, v))
        cut()
        return segments
    size = math.ceil(n / max(1, max_points // 2))
    for start in range(0, n, size):
        valid = [(t, v) for t, v in points[start : start + size] if t is not None and v is not None]
        if not valid:
            cut()
            continue
        lo = min(valid, key=lambda p: p[1])
        hi = max(valid, key=lambda p: p[1])
        if lo is hi:
            current.append(lo)
        else:
            current.extend(sorted((lo, hi)))
    cut()
    return segments


# --------------------------------------------------------------------------- the chart's parts


@dataclass(frozen=True)
class Box:
    """A rectangle, in SVG user units."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class RowLabel:
    """A row's name right-aligned at ``x`` left of the plot, centred on ``y``.

    Attributes:
        lines: up to two lines, each with its offset from the line before, in ems.
    """

    x: float
    y: float
    lines: tuple[tuple[float, str], ...]


@dataclass(frozen=True)
class BandRow:
    """A body-language row: where the cue was as wanted (``episodes``) and where it could not be seen."""

    label: str
    name: RowLabel
    track: Box
    colour: str
    episodes: tuple[Box, ...]
    unknown: tuple[Box, ...]


@dataclass(frozen=True)
class AxisLabel:
    """A value on a curve's scale, right-aligned left of the plot."""

    x: float
    y: float
    text: str


@dataclass(frozen=True)
class CurveRow:
    """A voice curve in its framed row.

    Attributes:
        path: the SVG path, one ``M`` per run of values (``None`` with no value at all).
        scale: its top and bottom values (empty without a path).
        label_x, label_y: where its name is written, in the row's top left corner.
        centre_x, centre_y: where "not observed" is written when it has no value.
    """

    label: str
    track: Box
    colour: str
    path: str | None
    scale: tuple[AxisLabel, ...]
    label_x: float
    label_y: float
    centre_x: float
    centre_y: float


@dataclass(frozen=True)
class WordMark:
    """A word of the line under its stretch of the take, in a lane so no two labels overlap.

    Attributes:
        span: the stretch it was said in.
        x, y: where its text is centred (on the baseline).
        underline: the dotted underline of an unclear word (x1, x2, y), else ``None``.
    """

    text: str
    status: str
    span: Box
    x: float
    y: float
    underline: tuple[float, float, float] | None


class SaidKind(StrEnum):
    """What a token of "what you said" is: a word of the line by how it was delivered, a filler, or a pause."""

    SAID = "said"
    UNCLEAR = "unclear"
    SKIPPED = "skipped"
    UNCHECKED = "unchecked"
    FILLER = "filler"
    PAUSE = "pause"


_WORD_KINDS = frozenset(kind.value for kind in SaidKind if kind not in (SaidKind.FILLER, SaidKind.PAUSE))
_CHECKED = frozenset({SaidKind.SAID.value, SaidKind.UNCLEAR.value, SaidKind.SKIPPED.value})


@dataclass(frozen=True)
class SaidToken:
    """A token of what the trainee said, in order: a word of the line, a filler or a pause.

    ``time_s`` is when it began (``None``: a word skipped or not timed);
    ``pace`` is "high" or "low" for a word said in a stretch spoken too fast
    or too slow, else empty; ``duration_s`` is a pause's length.
    """

    text: str
    kind: SaidKind
    time_s: float | None = None
    pace: str = ""
    duration_s: float | None = None


@dataclass(frozen=True)
class Tick:
    """A time on the axis: its grid line at ``x`` and its label."""

    x: float
    text: str
    anchor: str


@dataclass(frozen=True)
class Chart:
    """The timeline, laid out: everything :file:`timeline.svg.j2` draws, and what its legend lists.

    Attributes:
        width, height: the SVG's size in user units.
        plot_x0, plot_x1: the plot's left and right edges (labels to the left).
        plot_top, axis_y: the top of the rows and the time axis under them.
        words_label: the name of the words' row (``None`` without aligned words or fillers).
        words: the line's words and the filled pauses ("um", status ``filler``) on the axis.
        said: what was said, in order: the line's words with each filler at its place.
        untimed: words of the line said but not placed on the axis (listed under it).
        key_unknown, key_pauses, key_tips, key_unclear, key_fillers: the legend's entries.
    """

    width: float
    height: float
    plot_x0: float
    plot_x1: float
    plot_top: float
    axis_y: float
    bands: tuple[BandRow, ...]
    curves: tuple[CurveRow, ...]
    words_label: RowLabel | None
    words: tuple[WordMark, ...]
    pauses: tuple[Box, ...]
    ticks: tuple[Tick, ...]
    markers: tuple[tuple[float, str], ...]
    said: tuple[SaidToken, ...]
    untimed: tuple[str, ...]
    key_unknown: bool
    key_pauses: bool
    key_tips: bool
    key_unclear: bool
    key_fillers: bool
    duration_s: float = 0.0

    def said_has(self, kind: str) -> bool:
        """Whether "what you said" holds a token of ``kind`` (a :class:`SaidKind` value)."""
        return any(t.kind == kind for t in self.said)

    def gap(self, before: SaidToken, after: SaidToken) -> str:
        """What goes between two tokens of "what you said": a space, none between two Chinese characters."""
        marks = (SaidKind.FILLER, SaidKind.PAUSE)
        return " " if before.kind in marks or after.kind in marks else word_gap(before.text, after.text)

    def said_pace(self, direction: str) -> bool:
        """Whether "what you said" shades a word as said too fast ("high") or too slow ("low")."""
        return any(t.pace == direction for t in self.said)

    @property
    def has_key(self) -> bool:
        return self.key_unknown or self.key_pauses or self.key_tips or self.key_unclear or self.key_fillers

    @property
    def skipped(self) -> tuple[str, ...]:
        """The line's words left out."""
        return tuple(t.text for t in self.said if t.kind is SaidKind.SKIPPED)


# --------------------------------------------------------------------------- layout


def _nice_step(duration: float, max_ticks: int = 12) -> float:
    for step in (0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600):
        if duration / step <= max_ticks:
            return float(step)
    return float(math.ceil(duration / max_ticks / 3600) * 3600)


def _duration(doc: DocumentView, tl: Mapping[str, Any]) -> float:
    for value in (tl.get("duration_s"), doc.part("recording").get("duration_s")):
        d = num(value)
        if d is not None and d > 0:
            return d
    ends = [b for band in objects(tl.get("bands")) for _, b in spans(band.get("episodes"))]
    ends += [num(w.get("end_s")) or 0.0 for w in objects(tl.get("words"))]
    ends += [num(t) or 0.0 for c in objects(tl.get("curves")) for t in (c.get("times_s") or [])[-1:]]
    return max([1.0, *ends])


def _row_label(y_mid: float, text: str) -> RowLabel:
    lines = _wrap(text, (_X0 - 14) / _LABEL_FONT)
    dy0 = -(len(lines) - 1) * 0.55
    return RowLabel(_X0 - 8, y_mid, tuple((dy0 if i == 0 else 1.1, line) for i, line in enumerate(lines)))


def _place_words(
    words: list[Mapping[str, Any]], x_of: Callable[[float], float]
) -> tuple[list[tuple[Mapping[str, Any], float, float, float, int]], int]:
    """Greedy lanes so no two word labels overlap: (word, x_start, x_end, x_text, lane)."""
    lane_ends: list[float] = []
    placed = []
    for w in sorted(words, key=lambda w: num(w.get("start_s")) or 0.0):
        xa, xb = x_of(num(w["start_s"]) or 0.0), x_of(num(w["end_s"]) or 0.0)
        width = text_em(str(w.get("text") or "")) * _WORD_FONT
        centre = min(max((xa + xb) / 2, _X0 + width / 2), _X1 - width / 2)
        left = centre - width / 2
        lane = next((i for i, end in enumerate(lane_ends) if end + 4 <= left), None)
        if lane is None:
            lane_ends.append(0.0)
            lane = len(lane_ends) - 1
        lane_ends[lane] = centre + width / 2
        placed.append((w, xa, xb, centre, lane))
    return placed, len(lane_ends)


def _curve_row(
    doc: DocumentView, index: int, curve: Mapping[str, Any], y: float, x_of: Callable[[float], float]
) -> CurveRow:
    """Pitch, loudness: one framed row each, the line broken at nulls."""
    segments = downsample(curve.get("times_s") or [], curve.get("values") or [])
    values = [v for seg in segments for _, v in seg]
    path: str | None = None
    scale: tuple[AxisLabel, ...] = ()
    if values:
        lo, hi = min(values), max(values)
        if hi - lo < 1e-9:
            lo, hi = lo - 1.0, hi + 1.0
        pad = (hi - lo) * 0.08
        lo, hi = lo - pad, hi + pad
        top, bottom = y + 14.0, y + _CURVE_H - 4.0

        def y_of(v: float) -> float:
            return bottom - (bottom - top) * (v - lo) / (hi - lo)

        digits = 0 if hi - lo >= 8 else 1
        scale = (
            AxisLabel(_X0 - 6, top, doc.number(hi - pad, digits)),
            AxisLabel(_X0 - 6, bottom, doc.number(lo + pad, digits)),
        )
        runs = []
        for seg in segments:
            pts = [(x_of(t), y_of(v)) for t, v in seg]
            run = "M" + " L".join(f"{coord(px)} {coord(py)}" for px, py in pts)
            runs.append(run + (" h0.01" if len(pts) == 1 else ""))  # a lone point still shows as a dot
        path = " ".join(runs)
    return CurveRow(
        label=str(curve.get("label") or ""),
        track=Box(_X0, y, _X1 - _X0, _CURVE_H),
        colour=_CURVE_COLOURS[index % len(_CURVE_COLOURS)],
        path=path,
        scale=scale,
        label_x=_X0 + 5,
        label_y=y + 10,
        centre_x=(_X0 + _X1) / 2,
        centre_y=y + _CURVE_H / 2 + 4,
    )


def timeline_chart(doc: DocumentView) -> Chart | None:
    """The document's timeline laid out, or ``None`` when it has nothing to draw."""
    tl = doc.d.get("timeline")
    if not isinstance(tl, Mapping):
        return None
    bands = objects(tl.get("bands"))
    curves = objects(tl.get("curves"))
    words = objects(tl.get("words"))
    aligned = [
        w
        for w in words
        if w.get("status") != "skipped" and num(w.get("start_s")) is not None and num(w.get("end_s")) is not None
    ]
    skipped = [w for w in words if w.get("status") == "skipped"]
    # Words not checked (not in the dictionary, or a language without an aligner) show only in "what you said".
    untimed = [w for w in words if w.get("status") not in ("skipped", "unchecked") and w not in aligned]
    pauses = list(spans(tl.get("pauses")))
    fillers = list(spans(tl.get("fillers")))
    markers = [m for m in objects(tl.get("markers")) if num(m.get("time_s")) is not None]
    filler_text = str(doc.strings.get("filler") or "um")
    pace = [
        (a, b, str(mark.get("direction")))
        for mark in objects(tl.get("pace"))
        for a, b in spans([mark.get("span")])
        if mark.get("direction") in ("low", "high")
    ]
    said = tuple(
        replace(t, text=doc.seconds(t.duration_s)) if t.kind is SaidKind.PAUSE and t.duration_s is not None else t
        for t in what_was_said(words, fillers, filler_text, pauses=pauses, pace=pace)
    )
    if not (bands or curves or aligned or skipped or untimed or fillers or said):
        return None
    heard = aligned + [{"text": filler_text, "start_s": a, "end_s": b, "status": "filler"} for a, b in fillers]

    duration = _duration(doc, tl)

    def x_of(t: float) -> float:
        return _X0 + (_X1 - _X0) * max(0.0, min(duration, t)) / duration

    def stretch(a: float, b: float, y: float, height: float) -> Box:
        return Box(x_of(a), y, max(0.8, x_of(b) - x_of(a)), height)

    y = 22.0 if markers else 6.0
    plot_top = y

    # Rows of the body cues.
    band_rows = []
    for i, band in enumerate(bands):
        label = str(band.get("label") or "")
        band_rows.append(
            BandRow(
                label=label,
                name=_row_label(y + _BAND_H / 2, label),
                track=Box(_X0, y, _X1 - _X0, _BAND_H),
                colour=_BAND_COLOURS[i % len(_BAND_COLOURS)],
                episodes=tuple(stretch(a, b, y + 2, _BAND_H - 4) for a, b in spans(band.get("episodes"))),
                unknown=tuple(stretch(a, b, y + 2, _BAND_H - 4) for a, b in spans(band.get("unknown"))),
            )
        )
        y += _BAND_H + _BAND_GAP
    if bands:
        y += 3

    curve_rows = []
    for i, curve in enumerate(curves):
        curve_rows.append(_curve_row(doc, i, curve, y, x_of))
        y += _CURVE_H + _CURVE_GAP

    # The words of the line on the same axis.
    words_label = None
    marks = []
    if heard:
        placed, lanes = _place_words(heard, x_of)
        strip = y + 1
        words_label = _row_label(strip + 3 + lanes * _LANE_H / 2, str(doc.strings.get("words") or "words"))
        for w, xa, xb, xt, lane in placed:
            status = str(w.get("status") or "said")
            ty = strip + 4 + (lane + 1) * _LANE_H - 3
            half = text_em(str(w.get("text") or "")) * _WORD_FONT / 2
            marks.append(
                WordMark(
                    text=text(w.get("text")),
                    status=status,
                    span=Box(xa, strip, max(1.0, xb - xa - 0.6), 4),
                    x=xt,
                    y=ty,
                    underline=(xt - half, xt + half, ty + 2.5) if status == "unclear" else None,
                )
            )
        y = strip + 4 + lanes * _LANE_H + 4
    axis_y = y + 2

    # Pauses shaded and the grid behind everything; markers on top.
    step = _nice_step(duration)
    digits = 0 if step >= 1 else (1 if abs(step * 10 - round(step * 10)) < 1e-9 else 2)
    ticks = tuple(
        Tick(x_of(t), doc.seconds(t, digits), "start" if t == 0 else "middle")
        for t in (i * step for i in range(int(duration / step + 1e-9) + 1))
    )
    return Chart(
        width=_W,
        height=axis_y + 22,
        plot_x0=_X0,
        plot_x1=_X1,
        plot_top=plot_top,
        axis_y=axis_y,
        bands=tuple(band_rows),
        curves=tuple(curve_rows),
        words_label=words_label,
        words=tuple(marks),
        pauses=tuple(stretch(a, b, plot_top, axis_y - plot_top) for a, b in pauses),
        ticks=ticks,
        markers=tuple((x_of(num(m["time_s"]) or 0.0), text(m.get("label"))) for m in markers),
        said=said,
        untimed=tuple(text(w.get("text")) for w in untimed),
        key_unknown=any(list(spans(b.get("unknown"))) for b in bands),
        key_pauses=bool(pauses) and doc.has("pauses"),
        key_tips=bool(markers) and bool(doc.d.get("tips")),
        key_unclear=any(w.get("status") == "unclear" for w in aligned) and doc.has("unclear"),
        key_fillers=bool(fillers) and doc.has("fillers"),
        duration_s=duration,
    )


def what_was_said(
    words: list[Mapping[str, Any]],
    fillers: list[tuple[float, float]],
    filler_text: str,
    *,
    pauses: list[tuple[float, float]] | None = None,
    pace: list[tuple[float, float, str]] | None = None,
) -> tuple[SaidToken, ...]:
    """The line's words in their order, each filler and pause put before the first word said after it began.

    A word said inside a stretch of ``pace`` (start, end, "high" or "low")
    carries that direction. Empty unless some word of the line was checked
    (free speech, or a language without an aligner, has no transcript here).
    """
    if not any(word.get("status") in _CHECKED for word in words):
        return ()
    waiting = sorted(
        [(a, b, SaidKind.FILLER) for a, b in fillers] + [(a, b, SaidKind.PAUSE) for a, b in pauses or []],
        key=lambda item: item[0],
    )

    def inserted(start: float, end: float, kind: SaidKind) -> SaidToken:
        if kind is SaidKind.FILLER:
            return SaidToken(filler_text, kind, time_s=start)
        return SaidToken("", kind, time_s=start, duration_s=end - start)

    tokens: list[SaidToken] = []
    for word in words:
        start = num(word.get("start_s"))
        while start is not None and waiting and waiting[0][0] < start:
            tokens.append(inserted(*waiting.pop(0)))
        status = str(word.get("status") or "said")
        kind = SaidKind(status) if status in _WORD_KINDS else SaidKind.SAID  # lenient: a damaged document
        shade = ""
        if start is not None:
            shade = next((direction for a, b, direction in pace or [] if a <= start < b), "")
        tokens.append(SaidToken(text(word.get("text")), kind, time_s=start, pace=shade))
    # What came after the last word: fillers still count; a pause after the line is only its end.
    tokens += [inserted(*item) for item in waiting if item[2] is SaidKind.FILLER]
    return tuple(tokens)
