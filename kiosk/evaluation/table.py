"""``kiosk eval``'s output: one text table per split (with n for every figure), or one JSON document."""

from __future__ import annotations

from typing import Any

from kiosk.evaluation.manifest import HAND_CUES, display_path
from kiosk.evaluation.metrics import CueFigures, ErrorFigures, FrameCounts, SpanMatch, TakeVoice, VoiceFigures
from kiosk.evaluation.runner import Evaluation, SplitFigures, TakeResult

SCHEMA = "kiosk-eval/1"
"""The ``schema`` value of the JSON document; bumped when its shape changes."""


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _pct(value: float | None, *, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.1f}%" if signed else f"{value:.1f}%"


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


# --- text ------------------------------------------------------------------------------------------


def text_report(evaluation: Evaluation, *, verbose: bool = False) -> str:
    """The tables a person reads: the manifests, then per split the seen cues and the voice; takes with ``verbose``."""
    out = [f"kiosk eval (profile {evaluation.profile})"]
    for manifest in evaluation.manifests:
        info = manifest.info
        out.append(
            f"  {info.name} ({display_path(manifest.path)}): {len(manifest.takes)} takes, "
            f"labelled by {info.labelled_by} on {info.labelled_on}; {info.method}"
        )
    if not evaluation.splits:
        out.append("\nNo take in the chosen split.")
    for split in evaluation.splits:
        out.append("")
        out.extend(_split_table(split))
    if evaluation.by_language:
        out += ["", "Per language of the lines:"]
    for split in evaluation.by_language:
        out.append("")
        out.extend(_split_table(split))
    if verbose:
        out.append("")
        out.append("Takes")
        for split in evaluation.splits:
            for result in split.takes:
                out.extend(_take_detail(result))
    return "\n".join(out)


def _split_table(split: SplitFigures) -> list[str]:
    failed = (
        f", {len(split.not_fully_scored)} not fully scored: {', '.join(t.key for t in split.not_fully_scored)}"
        if split.not_fully_scored
        else ""
    )
    language = f", {split.language}" if split.language is not None else ""
    out = [f"== {split.split.value}{language}: {len(split.takes)} takes{failed} =="]
    if split.cues:
        header = (
            f"{'seen cue':<14} {'frames':>6} {'takes':>5} {'agree':>6} {'unknown':>7} "
            f"{'precision (n)':>14} {'recall (n)':>12}  {'lowest take':<24} hands absent: takes with any"
        )
        out.append(header)
        for cue, figures in split.cues.items():
            out.append(_cue_row(cue.value, figures, hand=cue in HAND_CUES))
    if split.voice is not None:
        out.append("")
        out.extend(_voice_rows(split.voice))
    if not split.cues and split.voice is None:
        out.append("No figures: no take in this split could be scored.")
    return out


def _cue_row(name: str, figures: CueFigures, *, hand: bool) -> str:
    c = figures.counts
    lowest = f"{_share(figures.lowest_take_agreement)} {figures.lowest_take}" if figures.lowest_take else "-"
    absent = f"{figures.absent_takes_with_any} of {figures.absent_takes}" if hand and figures.absent_takes else ""
    return (
        f"{name:<14} {c.frames:>6} {figures.takes:>5} {_share(c.agreement):>6} {_share(c.unknown_share):>7} "
        f"{_share(c.precision) + f' ({c.kiosk_positive})':>14} {_share(c.recall) + f' ({c.label_positive})':>12}  "
        f"{lowest:<24} {absent}"
    ).rstrip()


def _errors(label: str, figures: ErrorFigures) -> str:
    missing = f", {figures.missing} not measured" if figures.missing else ""
    worst = f", worst {_pct(figures.worst, signed=True)} {figures.worst_take}" if figures.worst_take else ""
    return (
        f"  {label:<20} median |error| {_pct(figures.median_abs)}, mean {_pct(figures.mean_signed, signed=True)}"
        f"{worst} (n={figures.n} takes{missing})"
    )


def _spans(label: str, match: SpanMatch, takes: int, *, boundaries: bool) -> str:
    row = (
        f"  {label:<20} precision {_share(match.precision)} (n={match.kiosk} kiosk), "
        f"recall {_share(match.recall)} (n={match.labelled} labelled)"
    )
    if boundaries:
        row += (
            f", median boundary error {_num(match.median_boundary_error_ms, 0)} ms (n={len(match.boundary_errors_ms)})"
        )
    return row + f" [{takes} takes]"


def _voice_rows(voice: VoiceFigures) -> list[str]:
    d = voice.delivered
    delivered = (
        f"  {'line delivered':<20} kiosk mean {_share(d.kiosk_mean)}, label mean {_share(d.label_mean)}, "
        f"mean |difference| {_share(d.mean_abs_error)}; labelled >= 0.9 but kiosk below: {d.short}"
        + (f" ({', '.join(d.short_takes)})" if d.short_takes else "")
        + f" (n={d.n} takes{f', {d.missing} not measured' if d.missing else ''})"
    )
    return [
        f"voice ({voice.takes} takes with heard labels)",
        _errors("words per minute", voice.wpm),
        _spans("pauses >= 250 ms", voice.pauses, voice.pause_takes, boundaries=True),
        _spans("filled pauses", voice.fillers, voice.filler_takes, boundaries=False),
        _errors("median pitch", voice.pitch),
        delivered,
    ]


def _take_detail(result: TakeResult) -> list[str]:
    take = result.take
    length = f", {result.duration_s:.1f} s" if result.duration_s is not None else ""
    out = [f"  {result.key} ({take.split.value}, {result.media.name}{length}, {result.frames} frames)"]
    if result.problem:
        out.append(f"    not scored: {result.problem}")
    for cue, item in result.seen.items():
        c = item.counts
        extra = f", some frame said yes: {item.any_yes_when_absent}" if item.any_yes_when_absent is not None else ""
        out.append(
            f"    {cue.value:<14} agreement {_share(c.agreement)} of {c.frames} frames, "
            f"unknown {_share(c.unknown_share)}{extra}"
        )
    if result.line is not None:
        said = f": {result.words_said} of {result.line_words} words said" if result.line_words is not None else ""
        if result.unchecked_words:
            said += f" ({result.unchecked_words} not checkable)"
        out.append(f'    line "{result.line}"{said}')
    v = result.voice
    if v is not None:
        out.append(
            f"    wpm {_num(v.wpm_kiosk)} vs {_num(v.wpm_label)} ({_pct(v.wpm_error_pct, signed=True)}); "
            f"pitch {_num(v.pitch_kiosk_hz)} vs {_num(v.pitch_label_hz)} Hz ({_pct(v.pitch_error_pct, signed=True)}); "
            f"delivered {_share(v.delivered_kiosk)} vs {_share(v.delivered_label)}"
        )
        for name, match in (("pauses", v.pauses), ("fillers", v.fillers)):
            if match is not None:
                out.append(
                    f"    {name}: {match.kiosk} kiosk, {match.labelled} labelled, {match.matched} matched"
                    + (
                        f", median boundary error {_num(match.median_boundary_error_ms, 0)} ms"
                        if match.boundary_errors_ms
                        else ""
                    )
                )
    return out


# --- JSON ----------------------------------------------------------------------------------------


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def _counts_json(c: FrameCounts) -> dict[str, Any]:
    return {
        "frames": c.frames,
        "agreement": _round(c.agreement),
        "unknown_share": _round(c.unknown_share),
        "precision": _round(c.precision),
        "precision_n": c.kiosk_positive,
        "recall": _round(c.recall),
        "recall_n": c.label_positive,
    }


def _cue_json(figures: CueFigures) -> dict[str, Any]:
    return {
        **_counts_json(figures.counts),
        "takes": figures.takes,
        "lowest_take": figures.lowest_take,
        "lowest_take_agreement": _round(figures.lowest_take_agreement),
        "absent_takes": figures.absent_takes,
        "absent_takes_with_any": figures.absent_takes_with_any,
    }


def _spans_json(match: SpanMatch | None, takes: int | None = None) -> dict[str, Any] | None:
    if match is None:
        return None
    document: dict[str, Any] = {
        "kiosk": match.kiosk,
        "labelled": match.labelled,
        "matched": match.matched,
        "precision": _round(match.precision),
        "recall": _round(match.recall),
        "median_boundary_error_ms": _round(match.median_boundary_error_ms, 1),
        "boundaries": len(match.boundary_errors_ms),
    }
    if takes is not None:
        document["takes"] = takes
    return document


def _errors_json(figures: ErrorFigures) -> dict[str, Any]:
    return {
        "n": figures.n,
        "median_abs_error_pct": _round(figures.median_abs, 2),
        "mean_error_pct": _round(figures.mean_signed, 2),
        "worst_error_pct": _round(figures.worst, 2),
        "worst_take": figures.worst_take,
        "not_measured": figures.missing,
    }


def _voice_json(voice: VoiceFigures) -> dict[str, Any]:
    d = voice.delivered
    return {
        "takes": voice.takes,
        "wpm": _errors_json(voice.wpm),
        "pauses": _spans_json(voice.pauses, voice.pause_takes),
        "fillers": _spans_json(voice.fillers, voice.filler_takes),
        "pitch": _errors_json(voice.pitch),
        "line_delivered": {
            "n": d.n,
            "kiosk_mean": _round(d.kiosk_mean),
            "label_mean": _round(d.label_mean),
            "mean_abs_error": _round(d.mean_abs_error),
            "short": d.short,
            "short_takes": list(d.short_takes),
            "not_measured": d.missing,
        },
    }


def _take_voice_json(v: TakeVoice | None) -> dict[str, Any] | None:
    if v is None:
        return None
    return {
        "wpm_kiosk": _round(v.wpm_kiosk, 2),
        "wpm_label": _round(v.wpm_label, 2),
        "wpm_error_pct": _round(v.wpm_error_pct, 2),
        "pauses": _spans_json(v.pauses),
        "fillers": _spans_json(v.fillers),
        "pitch_kiosk_hz": _round(v.pitch_kiosk_hz, 2),
        "pitch_label_hz": _round(v.pitch_label_hz, 2),
        "pitch_error_pct": _round(v.pitch_error_pct, 2),
        "line_delivered_kiosk": _round(v.delivered_kiosk),
        "line_delivered_label": _round(v.delivered_label),
    }


def _take_json(result: TakeResult) -> dict[str, Any]:
    take = result.take
    return {
        "key": result.key,
        "id": take.id,
        "split": take.split.value,
        "setting": take.setting,
        "language": take.language,
        "media": str(result.media),
        "duration_s": _round(result.duration_s, 3),
        "frames": result.frames,
        "problem": result.problem,
        "line": result.line,
        "words_said": result.words_said,
        "line_words": result.line_words,
        "unchecked_words": result.unchecked_words,
        "seen": {
            cue.value: {**_counts_json(item.counts), "any_yes_when_absent": item.any_yes_when_absent}
            for cue, item in result.seen.items()
        },
        "voice": _take_voice_json(result.voice),
    }


def json_document(evaluation: Evaluation) -> dict[str, Any]:
    """The evaluation for machines: the manifests, the figures per split, and every take."""
    return {
        "schema": SCHEMA,
        "profile": evaluation.profile,
        "manifests": [
            {
                "path": display_path(m.path),
                "name": m.info.name,
                "labelled_by": m.info.labelled_by,
                "labelled_on": m.info.labelled_on,
                "method": m.info.method,
                "takes": len(m.takes),
            }
            for m in evaluation.manifests
        ],
        "splits": {
            split.split.value: {
                "takes": len(split.takes),
                "problems": {t.key: t.problem for t in split.not_fully_scored},
                "seen": {cue.value: _cue_json(figures) for cue, figures in split.cues.items()},
                "voice": _voice_json(split.voice) if split.voice is not None else None,
            }
            for split in evaluation.splits
        },
        "by_language": {
            language: {
                split.split.value: {
                    "takes": len(split.takes),
                    "seen": {cue.value: _cue_json(figures) for cue, figures in split.cues.items()},
                    "voice": _voice_json(split.voice) if split.voice is not None else None,
                }
                for split in evaluation.by_language
                if split.language == language
            }
            for language in sorted({s.language for s in evaluation.by_language if s.language is not None})
        },
        "takes": [_take_json(result) for split in evaluation.splits for result in split.takes],
    }


__all__ = ["SCHEMA", "json_document", "text_report"]
