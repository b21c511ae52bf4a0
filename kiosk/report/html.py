"""The take report as one self-contained HTML file (schema ``kiosk/take-report``).

:func:`render_html` turns an already localised take-report document into a
single HTML page: styles inline, charts as inline SVG, no scripts, no fonts,
images or anything else fetched. Every visible word comes from the document
(its ``strings`` for headings and labels); nothing is translated here. All
document text is escaped.

The page prints on A4 portrait: sections are not split across pages, the
timeline scales to the page width, and every colour is doubled by a label, a
number or a pattern so a greyscale print still reads.

Optional strings the page uses when the document has them (and leaves out
otherwise): ``pauses``, ``unclear``, ``skipped`` (legend of the timeline).
"""

from __future__ import annotations

import math
import os
import unicodedata
from html import escape
from pathlib import Path
from typing import Any, Iterable, Sequence

__all__ = ["render_html", "write_html", "MAX_CURVE_POINTS"]

#: At most this many points per curve in the timeline (min/max per bucket beyond it).
MAX_CURVE_POINTS = 1000

# Languages written with a decimal comma (numbers the page formats itself).
_DECIMAL_COMMA = {"da", "lt"}

# Timeline geometry, in SVG user units (the SVG scales to the page width).
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


# --------------------------------------------------------------------------- helpers


def _t(value: Any) -> str:
    """Escaped text of any document value (``None`` reads as nothing)."""
    return "" if value is None else escape(str(value), quote=True)


def _num(value: Any) -> float | None:
    """A finite number, or ``None`` for anything else (null, text, NaN, bools)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _f(x: float) -> str:
    """An SVG coordinate: short, no exponent."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


class _Doc:
    """Lenient access to the document: missing parts read as empty."""

    def __init__(self, document: dict[str, Any]):
        if not isinstance(document, dict):
            raise TypeError(f"the take report must be a dict (JSON object), not {type(document).__name__}")
        self.d = document
        self.lang = str(document.get("language") or "en")
        self.strings: dict[str, Any] = document.get("strings") or {}

    def s(self, key: str) -> str:
        """An escaped page string; a missing one shows its key (a visible gap, not a crash)."""
        value = self.strings.get(key)
        return _t(key if value is None else value)

    def has(self, key: str) -> bool:
        return bool(self.strings.get(key))

    def number(self, x: float, digits: int = 1) -> str:
        text = f"{x:.{digits}f}"
        return text.replace(".", ",") if self.lang.split("-")[0] in _DECIMAL_COMMA else text

    def seconds(self, x: float, digits: int = 1) -> str:
        unit = str(self.strings.get("seconds") or "s")
        gap = "" if unit and _is_wide(unit[0]) else "\u00a0"
        return _t(f"{self.number(x, digits)}{gap}{unit}")


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _text_em(text: str) -> float:
    """Rough width of ``text`` in ems (to wrap labels and keep words apart)."""
    width = 0.0
    for ch in text:
        if _is_wide(ch):
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
    if _text_em(text) <= max_em:
        return [text]
    tokens = text.split(" ") if " " in text else list(text)
    joiner = " " if " " in text else ""
    lines: list[str] = []
    current = ""
    for token in tokens:
        trial = f"{current}{joiner}{token}" if current else token
        if current and _text_em(trial) > max_em:
            lines.append(current)
            current = token
        else:
            current = trial
    lines.append(current)
    if len(lines) > max_lines:
        lines = lines[: max_lines - 1] + [joiner.join(lines[max_lines - 1 :])]
    last = lines[-1]
    while len(lines) == max_lines and _text_em(last) > max_em and len(last) > 1:
        last = last[:-2] + "\u2026"
    lines[-1] = last
    return lines


def _score_class(score: float) -> str:
    return "s-good" if score >= 75 else "s-mid" if score >= 50 else "s-low"


# --------------------------------------------------------------------------- curves


def downsample(times: Sequence[Any], values: Sequence[Any], max_points: int = MAX_CURVE_POINTS) -> list[list[tuple[float, float]]]:
    """A curve as segments of ``(time, value)`` points, broken where values are null.

    At most ``max_points`` points in all: longer curves keep the lowest and
    highest value of each bucket of samples (in time order), so peaks survive;
    a bucket with no value at all breaks the line.
    """
    points = [(_num(t), _num(v)) for t, v in zip(times, values)]
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


# --------------------------------------------------------------------------- sections


_SEP = ' <span class="sep">\u00b7</span> '


def _header(doc: _Doc) -> str:
    rec = doc.d.get("recording") or {}
    scen = doc.d.get("scenario") or {}
    chips = [
        f'<span class="chip">{_t(scen.get(k))}</span>' for k in ("setting_label", "kind_label") if scen.get(k)
    ]
    if scen.get("id"):
        chips.append(f'<span class="chip chip-id">{_t(scen["id"])}</span>')
    rec_bits = []
    if rec.get("name"):
        rec_bits.append(f'<span class="rec-name">{_t(rec["name"])}</span>')
    duration = _num(rec.get("duration_s"))
    if duration is not None:
        rec_bits.append(f"<span>{doc.seconds(duration)}</span>")
    if rec.get("recorded"):
        rec_bits.append(f"<span>{_t(rec['recorded'])}</span>")
    return (
        '<header class="report-head">'
        f'<div><h1>{doc.s("title")}</h1>'
        + (f'<p class="chips">{"".join(chips)}</p>' if chips else "")
        + "</div>"
        + (f'<p class="recording">{_SEP.join(rec_bits)}</p>' if rec_bits else "")
        + "</header>"
    )


def _gauge(score: float | None) -> str:
    r, width = 52.0, 12.0
    circ = 2 * math.pi * r
    arc = ""
    if score is not None:
        share = max(0.0, min(100.0, score)) / 100.0
        arc = (
            f'<circle class="gauge-arc {_score_class(score)}" cx="64" cy="64" r="{_f(r)}" '
            f'stroke-width="{_f(width)}" stroke-dasharray="{circ * share:.2f} {circ:.2f}" '
            'transform="rotate(-90 64 64)"/>'
        )
    return (
        '<svg class="gauge-ring" viewBox="0 0 128 128" width="128" height="128" aria-hidden="true">'
        f'<circle class="gauge-track" cx="64" cy="64" r="{_f(r)}" stroke-width="{_f(width)}"/>'
        f"{arc}</svg>"
    )


def _summary(doc: _Doc) -> str:
    overall = doc.d.get("overall") or {}
    score = _num(overall.get("score"))
    number = "\u2013" if score is None else str(int(round(score)))
    label = (
        f'<p class="overall-label">{_t(overall.get("label"))}</p>'
        if score is not None and overall.get("label")
        else ""
    )
    if score is None:
        label = f'<p class="overall-label na-text">{doc.s("not_observed")}</p>'
    overall_html = (
        '<div class="card overall">'
        f'<h2>{doc.s("overall")}</h2>'
        f'<div class="gauge">{_gauge(score)}<span id="overall-score" class="gauge-num">{number}</span></div>'
        f"{label}</div>"
    )
    scen = doc.d.get("scenario")
    scen_html = ""
    if isinstance(scen, dict) and (scen.get("situation") or scen.get("text")):
        parts = []
        if scen.get("situation"):
            parts.append(f'<h3>{doc.s("situation")}</h3><p class="situation">{_t(scen["situation"])}</p>')
        if scen.get("text"):
            parts.append(f'<h3>{doc.s("line")}</h3><blockquote class="line">{_t(scen["text"])}</blockquote>')
        scen_html = f'<div class="card scenario">{"".join(parts)}</div>'
    return f'<section class="summary{"" if scen_html else " single"}">{overall_html}{scen_html}</section>'


def _bar(score: float) -> str:
    width = max(0.0, min(100.0, score))
    return (
        '<span class="bar-wrap">'
        '<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">'
        '<rect class="bar-track" x="0" y="0" width="100" height="10"/>'
        f'<rect class="bar-fill {_score_class(score)}" x="0" y="0" width="{_f(width)}" height="10"/>'
        "</svg>"
        f'<span class="bar-num">{int(round(score))}</span></span>'
    )


def _cues(doc: _Doc) -> str:
    cues = [c for c in doc.d.get("cues") or [] if isinstance(c, dict)]
    if not cues:
        return ""
    rows = []
    for cue in cues:
        score = _num(cue.get("score"))
        observed = cue.get("observed") is not False and score is not None
        name = f'<span class="cue-name">{_t(cue.get("label") or cue.get("cue"))}</span>'
        if cue.get("meaning"):
            name += f'<span class="cue-meaning">{_t(cue["meaning"])}</span>'
        if observed:
            rows.append(
                f'<tr class="cue" data-cue="{_t(cue.get("cue"))}">'
                f'<th scope="row">{name}</th><td class="score">{_bar(score)}</td>'
                f'<td class="measured">{_t(cue.get("measured"))}</td>'
                f'<td class="target">{_t(cue.get("target"))}</td></tr>'
            )
        else:
            why = cue.get("why_not_observed") or cue.get("measured")
            rows.append(
                f'<tr class="cue not-observed" data-cue="{_t(cue.get("cue"))}">'
                f'<th scope="row">{name}</th>'
                f'<td class="score"><span class="na">{doc.s("not_observed")}</span></td>'
                f'<td class="why" colspan="2">{_t(why)}</td></tr>'
            )
    return (
        f'<section class="cues"><h2>{doc.s("cues")}</h2>'
        '<table class="cue-table"><thead><tr><td></td>'
        f'<th scope="col">{doc.s("score")}</th><th scope="col">{doc.s("measured")}</th>'
        f'<th scope="col">{doc.s("target")}</th></tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table></section>'
    )


def _advice(doc: _Doc) -> str:
    labels = {c.get("cue"): c.get("label") for c in doc.d.get("cues") or [] if isinstance(c, dict)}
    tips = [t for t in doc.d.get("tips") or [] if isinstance(t, dict)]
    strengths = [s for s in doc.d.get("strengths") or [] if isinstance(s, dict)]

    def tag(item: dict[str, Any]) -> str:
        label = labels.get(item.get("cue"))
        return f'<span class="tag">{_t(label)}</span>' if label else ""

    blocks = []
    if tips:
        items = "".join(
            f'<li class="tip"><span class="badge">{i}</span><span class="tip-body">{tag(t)}'
            f'<span class="tip-text">{_t(t.get("text"))}</span></span></li>'
            for i, t in enumerate(tips, start=1)
        )
        blocks.append(f'<div class="tips"><h2>{doc.s("tips")}</h2><ol class="tip-list">{items}</ol></div>')
    if strengths:
        items = "".join(
            f'<li class="strength"><span class="check" aria-hidden="true"></span><span class="tip-body">{tag(s)}'
            f'<span class="tip-text">{_t(s.get("text"))}</span></span></li>'
            for s in strengths
        )
        blocks.append(
            f'<div class="strengths"><h2>{doc.s("strengths")}</h2><ul class="strength-list">{items}</ul></div>'
        )
    if not blocks:
        return ""
    return f'<section class="advice{"" if len(blocks) == 2 else " single"}">{"".join(blocks)}</section>'


# --------------------------------------------------------------------------- timeline


def _spans(value: Any) -> Iterable[tuple[float, float]]:
    for span in value or []:
        if isinstance(span, (list, tuple)) and len(span) >= 2:
            a, b = _num(span[0]), _num(span[1])
            if a is not None and b is not None and b > a:
                yield a, b


def _nice_step(duration: float, max_ticks: int = 12) -> float:
    for step in (0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600):
        if duration / step <= max_ticks:
            return float(step)
    return float(math.ceil(duration / max_ticks / 3600) * 3600)


def _duration(doc: _Doc, tl: dict[str, Any]) -> float:
    for value in (tl.get("duration_s"), (doc.d.get("recording") or {}).get("duration_s")):
        d = _num(value)
        if d is not None and d > 0:
            return d
    ends = [b for band in tl.get("bands") or [] for _, b in _spans(band.get("episodes"))]
    ends += [_num(w.get("end_s")) or 0.0 for w in tl.get("words") or [] if isinstance(w, dict)]
    ends += [_num(t) or 0.0 for c in tl.get("curves") or [] for t in (c.get("times_s") or [])[-1:]]
    return max([1.0] + ends)


def _label_lines(x: float, y_mid: float, text: str, cls: str = "row-label") -> str:
    lines = _wrap(text, (_X0 - 14) / _LABEL_FONT)
    dy0 = -(len(lines) - 1) * 0.55
    tspans = "".join(
        f'<tspan x="{_f(x)}" dy="{(dy0 if i == 0 else 1.1):.2f}em">{_t(line)}</tspan>' for i, line in enumerate(lines)
    )
    return f'<text class="{cls}" x="{_f(x)}" y="{_f(y_mid)}" dominant-baseline="central" text-anchor="end">{tspans}</text>'


def _place_words(words: list[dict[str, Any]], x_of) -> tuple[list[tuple[dict[str, Any], float, float, float, int]], int]:
    """Greedy lanes so no two word labels overlap: (word, x_start, x_end, x_text, lane)."""
    lane_ends: list[float] = []
    placed = []
    for w in sorted(words, key=lambda w: _num(w.get("start_s")) or 0.0):
        xa, xb = x_of(_num(w["start_s"])), x_of(_num(w["end_s"]))
        width = _text_em(str(w.get("text") or "")) * _WORD_FONT
        centre = min(max((xa + xb) / 2, _X0 + width / 2), _X1 - width / 2)
        left = centre - width / 2
        lane = next((i for i, end in enumerate(lane_ends) if end + 4 <= left), None)
        if lane is None:
            lane_ends.append(0.0)
            lane = len(lane_ends) - 1
        lane_ends[lane] = centre + width / 2
        placed.append((w, xa, xb, centre, lane))
    return placed, len(lane_ends)


def _timeline(doc: _Doc) -> str:
    tl = doc.d.get("timeline")
    if not isinstance(tl, dict):
        return ""
    bands = [b for b in tl.get("bands") or [] if isinstance(b, dict)]
    curves = [c for c in tl.get("curves") or [] if isinstance(c, dict)]
    words = [w for w in tl.get("words") or [] if isinstance(w, dict)]
    aligned = [
        w for w in words
        if w.get("status") != "skipped" and _num(w.get("start_s")) is not None and _num(w.get("end_s")) is not None
    ]
    skipped = [w for w in words if w.get("status") == "skipped"]
    untimed = [w for w in words if w.get("status") != "skipped" and w not in aligned]
    pauses = list(_spans(tl.get("pauses")))
    markers = [m for m in tl.get("markers") or [] if isinstance(m, dict) and _num(m.get("time_s")) is not None]
    if not (bands or curves or aligned or skipped or untimed):
        return ""

    duration = _duration(doc, tl)

    def x_of(t: float) -> float:
        return _X0 + (_X1 - _X0) * max(0.0, min(duration, t)) / duration

    out: list[str] = []
    y = 22.0 if markers else 6.0
    plot_top = y

    # Rows of the body cues.
    band_svg = []
    for i, band in enumerate(bands):
        colour = _BAND_COLOURS[i % len(_BAND_COLOURS)]
        label = str(band.get("label") or "")
        parts = [
            _label_lines(_X0 - 8, y + _BAND_H / 2, label),
            f'<rect class="track" x="{_f(_X0)}" y="{_f(y)}" width="{_f(_X1 - _X0)}" height="{_f(_BAND_H)}"/>',
        ]
        for a, b in _spans(band.get("episodes")):
            parts.append(
                f'<rect class="episode" x="{_f(x_of(a))}" y="{_f(y + 2)}" width="{_f(max(0.8, x_of(b) - x_of(a)))}" '
                f'height="{_f(_BAND_H - 4)}" fill="{colour}"/>'
            )
        for a, b in _spans(band.get("unknown")):
            parts.append(
                f'<rect class="unknown" x="{_f(x_of(a))}" y="{_f(y + 2)}" width="{_f(max(0.8, x_of(b) - x_of(a)))}" '
                f'height="{_f(_BAND_H - 4)}" fill="url(#kr-hatch)"/>'
            )
        band_svg.append(f'<g class="band" data-label="{_t(label)}">{"".join(parts)}</g>')
        y += _BAND_H + _BAND_GAP
    if bands:
        y += 3

    # Pitch, loudness: one framed row each, the line broken at nulls.
    curve_svg = []
    for i, curve in enumerate(curves):
        colour = _CURVE_COLOURS[i % len(_CURVE_COLOURS)]
        segments = downsample(curve.get("times_s") or [], curve.get("values") or [])
        label = str(curve.get("label") or "")
        parts = [f'<rect class="track" x="{_f(_X0)}" y="{_f(y)}" width="{_f(_X1 - _X0)}" height="{_f(_CURVE_H)}"/>']
        values = [v for seg in segments for _, v in seg]
        if values:
            lo, hi = min(values), max(values)
            if hi - lo < 1e-9:
                lo, hi = lo - 1.0, hi + 1.0
            pad = (hi - lo) * 0.08
            lo, hi = lo - pad, hi + pad
            top, bottom = y + 14.0, y + _CURVE_H - 4.0

            def y_of(v: float, lo: float = lo, hi: float = hi, top: float = top, bottom: float = bottom) -> float:
                return bottom - (bottom - top) * (v - lo) / (hi - lo)

            digits = 0 if hi - lo >= 8 else 1
            parts.append(
                f'<text class="axis-label" x="{_f(_X0 - 6)}" y="{_f(top)}" dominant-baseline="central" '
                f'text-anchor="end">{_t(doc.number(hi - pad, digits))}</text>'
                f'<text class="axis-label" x="{_f(_X0 - 6)}" y="{_f(bottom)}" dominant-baseline="central" '
                f'text-anchor="end">{_t(doc.number(lo + pad, digits))}</text>'
            )
            d = []
            for seg in segments:
                pts = [(x_of(t), y_of(v)) for t, v in seg]
                d.append("M" + " L".join(f"{_f(px)} {_f(py)}" for px, py in pts) + (" h0.01" if len(pts) == 1 else ""))
            parts.append(
                f'<path class="curve-line" d="{" ".join(d)}" stroke="{colour}" clip-path="url(#kr-plot)"/>'
            )
        else:
            parts.append(
                f'<text class="na-text" x="{_f((_X0 + _X1) / 2)}" y="{_f(y + _CURVE_H / 2 + 4)}" '
                f'text-anchor="middle">{doc.s("not_observed")}</text>'
            )
        parts.append(f'<text class="curve-label" x="{_f(_X0 + 5)}" y="{_f(y + 10)}">{_t(label)}</text>')
        curve_svg.append(f'<g class="curve" data-label="{_t(label)}">{"".join(parts)}</g>')
        y += _CURVE_H + _CURVE_GAP

    # The words of the line on the same axis.
    word_svg = []
    if aligned:
        placed, lanes = _place_words(aligned, x_of)
        strip = y + 1
        word_svg.append(_label_lines(_X0 - 8, strip + 3 + lanes * _LANE_H / 2, doc.strings.get("words") or "words"))
        for w, xa, xb, xt, lane in placed:
            status = str(w.get("status") or "said")
            word_svg.append(
                f'<rect class="word-span st-{_t(status)}" x="{_f(xa)}" y="{_f(strip)}" '
                f'width="{_f(max(1.0, xb - xa - 0.6))}" height="4"/>'
            )
            ty = strip + 4 + (lane + 1) * _LANE_H - 3
            word_svg.append(
                f'<text class="word st-{_t(status)}" data-status="{_t(status)}" x="{_f(xt)}" y="{_f(ty)}" '
                f'text-anchor="middle">{_t(w.get("text"))}</text>'
            )
            if status == "unclear":
                half = _text_em(str(w.get("text") or "")) * _WORD_FONT / 2
                word_svg.append(
                    f'<line class="unclear-mark" x1="{_f(xt - half)}" x2="{_f(xt + half)}" '
                    f'y1="{_f(ty + 2.5)}" y2="{_f(ty + 2.5)}"/>'
                )
        y = strip + 4 + lanes * _LANE_H + 4
    axis_y = y + 2

    # Pauses shaded and the grid behind everything; markers on top.
    step = _nice_step(duration)
    ticks = [i * step for i in range(int(duration / step + 1e-9) + 1)]
    digits = 0 if step >= 1 else (1 if abs(step * 10 - round(step * 10)) < 1e-9 else 2)
    shade = [
        f'<rect class="pause" x="{_f(x_of(a))}" y="{_f(plot_top)}" width="{_f(max(0.8, x_of(b) - x_of(a)))}" '
        f'height="{_f(axis_y - plot_top)}"/>'
        for a, b in pauses
    ]
    back = [
        f'<line class="grid" x1="{_f(x_of(t))}" x2="{_f(x_of(t))}" y1="{_f(plot_top)}" y2="{_f(axis_y)}"/>'
        for t in ticks
    ]
    axis = [f'<line class="axis" x1="{_f(_X0)}" x2="{_f(_X1)}" y1="{_f(axis_y)}" y2="{_f(axis_y)}"/>']
    for t in ticks:
        x = x_of(t)
        anchor = "start" if t == 0 else "middle"
        axis.append(
            f'<line class="axis" x1="{_f(x)}" x2="{_f(x)}" y1="{_f(axis_y)}" y2="{_f(axis_y + 4)}"/>'
            f'<text class="tick" x="{_f(x)}" y="{_f(axis_y + 15)}" text-anchor="{anchor}">{doc.seconds(t, digits)}</text>'
        )
    marker_svg = []
    for m in markers:
        x = x_of(_num(m["time_s"]))  # type: ignore[arg-type]
        marker_svg.append(
            f'<g class="marker"><line x1="{_f(x)}" x2="{_f(x)}" y1="{_f(11)}" y2="{_f(axis_y)}"/>'
            f'<circle cx="{_f(x)}" cy="10" r="8"/>'
            f'<text x="{_f(x)}" y="10" dominant-baseline="central" text-anchor="middle">{_t(m.get("label"))}</text></g>'
        )
    height = axis_y + 22
    defs = (
        "<defs>"
        '<pattern id="kr-hatch" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="5" height="5" fill="#edf2f7"/><line x1="0" y1="0" x2="0" y2="5" stroke="#718096" stroke-width="1.6"/>'
        "</pattern>"
        '<pattern id="kr-hatch-word" width="3" height="3" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="3" height="3" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="3" stroke="#4a5568" stroke-width="1.2"/>'
        "</pattern>"
        f'<clipPath id="kr-plot"><rect x="{_f(_X0)}" y="0" width="{_f(_X1 - _X0)}" height="{_f(height)}"/></clipPath>'
        "</defs>"
    )
    out.append(
        f'<svg class="timeline-chart" viewBox="0 0 {_f(_W)} {_f(height)}" width="{_f(_W)}" height="{_f(height)}" '
        f'role="img" aria-label="{doc.s("timeline")}">'
        + defs
        + f'<g class="back">{"".join(back)}</g>'
        + f'<g class="bands">{"".join(band_svg)}</g>'
        + f'<g class="curves">{"".join(curve_svg)}</g>'
        + f'<g class="words">{"".join(word_svg)}</g>'
        + f'<g class="pauses">{"".join(shade)}</g>'
        + f'<g class="time-axis">{"".join(axis)}</g>'
        + f'<g class="markers">{"".join(marker_svg)}</g>'
        + "</svg>"
    )

    # Legend: only entries the document has words for and the chart shows.
    legend = []
    if any(list(_spans(b.get("unknown"))) for b in bands):
        legend.append(
            '<span class="key"><svg viewBox="0 0 16 10" width="16" height="10" aria-hidden="true">'
            '<rect width="16" height="10" fill="url(#kr-hatch)" stroke="#718096" stroke-width="0.5"/></svg>'
            f'{doc.s("not_observed")}</span>'
        )
    if pauses and doc.has("pauses"):
        legend.append(
            '<span class="key"><svg viewBox="0 0 16 10" width="16" height="10" aria-hidden="true">'
            '<rect class="pause" width="16" height="10"/></svg>'
            f'{doc.s("pauses")}</span>'
        )
    if markers and doc.d.get("tips"):
        legend.append(f'<span class="key"><span class="badge small">1</span>{doc.s("tips")}</span>')
    if any(w.get("status") == "unclear" for w in aligned) and doc.has("unclear"):
        legend.append(f'<span class="key"><span class="w-unclear">{doc.s("unclear")}</span></span>')
    extra = []
    if skipped:
        label = f'<span class="key-label">{doc.s("skipped")}</span> ' if doc.has("skipped") else ""
        extra.append(
            f'<p class="skipped-words">{label}'
            + " ".join(f'<s class="skipped-word">{_t(w.get("text"))}</s>' for w in skipped)
            + "</p>"
        )
    if untimed:
        extra.append(
            '<p class="untimed-words">'
            + " ".join(f'<span class="untimed-word">{_t(w.get("text"))}</span>' for w in untimed)
            + "</p>"
        )
    legend_html = f'<p class="legend">{"".join(legend)}</p>' if legend else ""
    return (
        f'<section class="timeline"><h2>{doc.s("timeline")}</h2><div class="chart">{out[0]}</div>'
        f'{legend_html}{"".join(extra)}</section>'
    )


# --------------------------------------------------------------------------- page

_CSS = """
@page { size: A4 portrait; margin: 12mm 12mm 14mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: #edf0f4; color: #1a202c; line-height: 1.4; font-size: 15px;
  font-family: "Noto Sans", "Segoe UI", "Helvetica Neue", Arial, "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; }
:lang(zh) body, body:lang(zh) { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "Source Han Sans SC", "Noto Sans", sans-serif; }
main.report { max-width: 940px; margin: 24px auto; background: #fff; padding: 28px 32px 32px; border-radius: 10px;
  box-shadow: 0 1px 4px rgba(0,0,0,.12); }
h1 { font-size: 1.75em; margin: 0 0 4px; }
h2 { font-size: 1.15em; margin: 0 0 10px; break-after: avoid; page-break-after: avoid; }
h3 { font-size: .8em; text-transform: uppercase; letter-spacing: .04em; color: #4a5568; margin: 0 0 2px; }
:lang(zh) h3 { text-transform: none; letter-spacing: 0; }
section { margin-top: 22px; break-inside: avoid; page-break-inside: avoid; }
.report-head { display: flex; justify-content: space-between; align-items: flex-start; gap: 16px; flex-wrap: wrap;
  border-bottom: 2px solid #1a202c; padding-bottom: 10px; }
.chips { margin: 0; display: flex; flex-wrap: wrap; gap: 6px; }
.chip { border: 1px solid #4a5568; border-radius: 999px; padding: 1px 10px; font-size: .82em; }
.chip-id { border-style: dashed; color: #4a5568; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.recording { margin: 4px 0 0; color: #2d3748; font-size: .9em; text-align: right; }
.rec-name { font-weight: 600; }
.sep { color: #a0aec0; }
.summary { display: grid; grid-template-columns: 220px 1fr; gap: 16px; }
.summary.single { grid-template-columns: 220px; }
.card { border: 1px solid #cbd5e0; border-radius: 8px; padding: 14px 16px; }
.overall { text-align: center; }
.gauge { position: relative; width: 128px; height: 128px; margin: 0 auto; }
.gauge-ring { display: block; }
.gauge-track { fill: none; stroke: #e2e8f0; }
.gauge-arc { fill: none; stroke-linecap: butt; }
.gauge-num { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center;
  font-size: 44px; font-weight: 700; }
.overall-label { margin: 6px 0 0; font-weight: 600; font-size: 1.1em; }
.scenario p, .scenario blockquote { margin: 0 0 10px; }
blockquote.line { border-left: 4px solid #1a202c; padding: 4px 0 4px 12px; font-size: 1.1em; font-style: italic; }
:lang(zh) blockquote.line { font-style: normal; }
.cue-table { width: 100%; border-collapse: collapse; font-size: .92em; }
.cue-table thead th { text-align: left; font-size: .8em; color: #4a5568; font-weight: 600; border-bottom: 1px solid #a0aec0; padding: 4px 8px; }
.cue-table tbody th, .cue-table td { text-align: left; vertical-align: top; padding: 7px 8px; border-bottom: 1px solid #e2e8f0; }
.cue-table tbody th { font-weight: normal; width: 30%; }
.cue-table tr { break-inside: avoid; page-break-inside: avoid; }
.cue-name { display: block; font-weight: 600; }
.cue-meaning { display: block; font-size: .85em; color: #4a5568; }
td.score { width: 22%; }
.bar-wrap { display: flex; align-items: center; gap: 8px; }
svg.bar { width: 100%; height: 12px; display: block; flex: 1; }
.bar-track { fill: #edf2f7; stroke: #718096; stroke-width: .6; vector-effect: non-scaling-stroke; }
.bar-num { font-weight: 700; min-width: 2.2em; text-align: right; font-variant-numeric: tabular-nums; }
.s-good { fill: #2f855a; stroke: #2f855a; }
.s-mid { fill: #d69e2e; stroke: #d69e2e; }
.s-low { fill: #c53030; stroke: #c53030; }
.bar-fill { stroke: none; }
.gauge-arc.s-good, .gauge-arc.s-mid, .gauge-arc.s-low { fill: none; }
.na { display: inline-block; border: 1px dashed #718096; border-radius: 4px; padding: 0 8px; color: #4a5568; font-size: .9em; }
.na-text { color: #4a5568; font-style: italic; }
td.why { font-style: italic; color: #4a5568; }
.advice { display: grid; grid-template-columns: 3fr 2fr; gap: 20px; }
.advice.single { grid-template-columns: 1fr; }
.tip-list, .strength-list { list-style: none; margin: 0; padding: 0; }
.tip-list li, .strength-list li { display: flex; gap: 10px; margin-bottom: 10px; break-inside: avoid; }
.badge { flex: none; display: inline-flex; align-items: center; justify-content: center; width: 1.7em; height: 1.7em;
  border-radius: 50%; background: #1a202c; color: #fff; font-weight: 700; font-size: .9em; }
.badge.small { width: 1.4em; height: 1.4em; font-size: .75em; margin-right: 4px; }
.check { flex: none; width: 1.2em; height: 1.2em; margin-top: .15em; border: 2px solid #2f855a; border-radius: 50%; position: relative; }
.check::after { content: ""; position: absolute; left: .3em; top: .08em; width: .3em; height: .55em;
  border: solid #2f855a; border-width: 0 2px 2px 0; transform: rotate(45deg); }
.tag { display: block; font-size: .78em; font-weight: 600; color: #4a5568; text-transform: uppercase; letter-spacing: .03em; }
:lang(zh) .tag { text-transform: none; letter-spacing: 0; }
.chart svg { width: 100%; height: auto; display: block; }
.timeline-chart text { font-size: 10.5px; fill: #1a202c; }
.timeline-chart .track { fill: none; stroke: #cbd5e0; stroke-width: .8; }
.timeline-chart .episode { stroke: #1a202c; stroke-width: .5; }
.timeline-chart .unknown { stroke: #718096; stroke-width: .5; }
.timeline-chart .curve-line { fill: none; stroke-width: 1.4; stroke-linejoin: round; stroke-linecap: round; }
.timeline-chart .curve-label { font-weight: 600; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.timeline-chart .axis-label, .timeline-chart .tick { fill: #4a5568; font-size: 9.5px; font-variant-numeric: tabular-nums; }
.timeline-chart .axis { stroke: #1a202c; stroke-width: 1; }
.timeline-chart .grid { stroke: #e2e8f0; stroke-width: .8; }
.pause { fill: #718096; fill-opacity: .22; }
.timeline-chart .marker line { stroke: #1a202c; stroke-width: 1.2; stroke-dasharray: 4 3; }
.timeline-chart .marker circle { fill: #1a202c; }
.timeline-chart .marker text { fill: #fff; font-weight: 700; font-size: 10px; }
.timeline-chart .word-span { fill: #4a5568; }
.timeline-chart .word-span.st-unclear { fill: url(#kr-hatch-word); stroke: #4a5568; stroke-width: .5; }
.timeline-chart .word-span.st-unchecked { fill: #a0aec0; }
.timeline-chart .word.st-unclear { font-style: italic; fill: #4a5568; }
.timeline-chart .word.st-unchecked { fill: #4a5568; }
.timeline-chart .unclear-mark { stroke: #4a5568; stroke-width: 1; stroke-dasharray: 1.5 1.5; }
.legend { display: flex; flex-wrap: wrap; gap: 16px; font-size: .82em; color: #2d3748; margin: 8px 0 0; }
.key { display: inline-flex; align-items: center; gap: 6px; }
.key svg { display: inline-block; }
.w-unclear { font-style: italic; text-decoration: underline dotted; }
.skipped-words, .untimed-words { margin: 6px 0 0; font-size: .9em; }
.key-label { color: #4a5568; }
.skipped-word { color: #4a5568; text-decoration-thickness: 1.5px; }
@media print {
  body { background: #fff; font-size: 10pt; }
  main.report { max-width: none; margin: 0; padding: 0; box-shadow: none; border-radius: 0; }
  section { margin-top: 14px; }
  .summary { grid-template-columns: 52mm 1fr; }
  .summary.single { grid-template-columns: 52mm; }
  .card { padding: 8px 12px; }
  .chart svg { max-width: 100%; }
}
""".strip()


def render_html(document: dict[str, Any]) -> str:
    """The take report as one self-contained HTML page (see the module docstring)."""
    doc = _Doc(document)
    rec = document.get("recording") or {}
    title = doc.s("title") + (f" \u2013 {_t(rec['name'])}" if rec.get("name") else "")
    body = "".join((_header(doc), _summary(doc), _cues(doc), _advice(doc), _timeline(doc)))
    meta = [
        f'<meta name="kiosk-schema" content="{_t(document.get("schema"))}/{_t(document.get("schema_version"))}">'
    ]
    if document.get("profile"):
        meta.append(f'<meta name="kiosk-profile" content="{_t(document["profile"])}">')
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{_t(doc.lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        + "\n".join(meta)
        + f"\n<title>{title}</title>\n<style>\n{_CSS}\n</style>\n</head>\n"
        f'<body>\n<main class="report">\n{body}\n</main>\n</body>\n</html>\n'
    )


def write_html(document: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write the report to ``path`` atomically (``NAME.part`` first, then renamed over it)."""
    path = Path(path)
    text = render_html(document)
    part = path.with_name(path.name + ".part")
    try:
        with open(part, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return path
