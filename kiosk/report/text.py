"""The take's summary (body language, voice) as short tables for the terminal."""

from __future__ import annotations

from kiosk.capture.take import AudioTrack, RecordingInfo
from kiosk.report.timeline import SaidKind, what_was_said
from kiosk.vision.summary import BodySummary, CueSummary
from kiosk.voice import VoiceSignals, VoiceSummary

#: How each cue reads to a trainer.
CUE_LABELS: dict[str, str] = {
    "face_found": "Face in view",
    "others_present": "Others in view",
    "well_framed": "Well framed",
    "too_dark": "Face too dark",
    "backlit": "Backlit",
    "eye_contact": "Eye contact",
    "eyes_closed": "Eyes closed",
    "smiling": "Smiling",
    "smile_reaches_eyes": "Smile reaches the eyes",
    "upright": "Upright posture",
    "head_tilted": "Head tilted",
    "head_dropped": "Head dropped",
    "shoulders_raised": "Shoulders raised (tense)",
    "arms_crossed": "Arms crossed",
    "hands_visible": "Hands visible",
    "hand_on_face": "Hand on face or neck",
    "legs_crossed": "Legs crossed",
}


def _time(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.1f} s"


def _episodes(cue: CueSummary, limit: int = 3) -> str:
    if not cue.episodes:
        return "-"
    shown = ", ".join(f"{e.start_s:.1f}-{e.end_s:.1f} s" for e in cue.episodes[:limit])
    more = len(cue.episodes) - limit
    return shown + (f" (+{more} more)" if more > 0 else "")


def summary_table(info: RecordingInfo, audio: AudioTrack | None, summary: BodySummary) -> str:
    """A readable summary of a take's body language, one cue a line."""
    lines = [
        f"{info.path.name}: {info.describe()}",
        f"Face found in {summary.face_frame_count} of {summary.frame_count} frames"
        + (
            f"; up to {summary.max_people_in_view} people in view (the trainee is the largest, most central face)"
            if summary.max_people_in_view > 1
            else ""
        )
        + ".",
    ]
    if audio is None:
        lines.append("No audio track: voice cues need a recording with sound.")
    header = f"{'cue':<26} {'share':>6} {'observed':>9} {'first':>7}  episodes"
    lines += ["", header, "-" * len(header)]
    for cue in summary.cues:
        if cue.cue in ("face_found", "others_present"):
            continue
        label = CUE_LABELS[cue.cue]
        if cue.share is None:
            lines.append(f"{label:<26} {'unknown':>6}   (not visible in this take)")
            continue
        lines.append(
            f"{label:<26} {cue.share * 100:5.0f}% {_time(cue.observed_s):>9} {_time(cue.first_onset_s):>7}"
            f"  {_episodes(cue)}"
        )
    if summary.longest_look_away is not None:
        e = summary.longest_look_away
        lines.append(f"\nLongest look-away: {e.duration_s:.1f} s ({e.start_s:.1f}-{e.end_s:.1f} s).")
    return "\n".join(lines)


def _seconds(value: float | None, unit: str = "s", digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f} {unit}"


def voice_table(signals: VoiceSignals, summary: VoiceSummary, *, min_pause_s: float) -> str:
    """A readable summary of a take's voice: pace, pauses, tone, the line.

    Args:
        min_pause_s: the profile's shortest pause, for the label.
    """
    lines = ["", "Voice", "-----"]
    if not summary.speech_found:
        lines += [f"  {note}" for note in summary.notes]
        return "\n".join(lines)
    rows = [
        ("First word after", _seconds(summary.first_word_s)),
        ("Speaking time", _seconds(summary.speaking_s)),
        ("Words per minute", "-" if summary.words_per_minute is None else f"{summary.words_per_minute:.0f}"),
        ("Syllables per second", _seconds(summary.speech_rate_syl_per_s, "(speech rate)", 2)),
        ("Articulation rate", _seconds(summary.articulation_rate_syl_per_s, "syl/s (while speaking)", 2)),
        (
            f"Pauses ({min_pause_s * 1000:.0f} ms or more)",
            f"{summary.pause_count}"
            + (
                f", mean {summary.pause_mean_s:.2f} s, longest {summary.longest_pause_s:.2f} s"
                if summary.pause_count
                else ""
            ),
        ),
        ("Filled pauses (um, uh)", f"{summary.filled_pause_count}"),
        (
            "Pitch",
            "-"
            if summary.f0_median_hz is None
            else f"median {summary.f0_median_hz:.0f} Hz ({summary.f0_median_st:+.1f} st re 100 Hz)"
            + (
                ""
                if summary.pitch_spread_st is None
                else f", spread {summary.pitch_spread_st:.1f} st" + (" - monotone" if summary.monotone else "")
            ),
        ),
        (
            "Phrase ends",
            f"{summary.falling_ends} falling, {summary.level_ends} level, {summary.rising_ends} rising",
        ),
        (
            "Loudness",
            "-"
            if summary.loudness_median_dbfs is None
            else f"median {summary.loudness_median_dbfs:.0f} dBFS, spread {summary.loudness_spread_db:.1f} dB"
            + (" - too quiet" if summary.too_quiet else "")
            + (" - too loud" if summary.too_loud else ""),
        ),
        ("Clipped", f"{summary.clipped_share:.0%} of speech"),
        ("Voice breaks", f"{summary.voice_break_count}"),
    ]
    if signals.line is not None:
        delivered = "-" if summary.line_delivered_share is None else f"{summary.line_delivered_share:.0%}"
        checked = summary.line_words - len(summary.unchecked_words)
        if signals.line.language != "en":
            rows.append(("Line delivered", "not checked (no aligner for this language)"))
        elif checked == 0:
            rows.append(("Line delivered", "not checked (no word of the line is in the pronunciation dictionary)"))
        else:
            unchecked = f", {len(summary.unchecked_words)} not checked" if summary.unchecked_words else ""
            rows.append(
                ("Line delivered", f"{delivered} ({summary.words_said} of {checked} checked words said{unchecked})")
            )
        if summary.skipped_words:
            rows.append(("Skipped", ", ".join(summary.skipped_words)))
        if summary.unclear_words:
            rows.append(("Unclear or replaced", ", ".join(summary.unclear_words)))
        said = what_was_said(
            [{"text": w.written, "status": w.status.value, "start_s": w.start_s} for w in signals.words],
            [(f.start_s, f.end_s) for f in signals.filled_pauses],
            "(um/uh)",
        )
        if any(token.kind is SaidKind.FILLER for token in said):
            marked = {"filler": "{}", "skipped": "[{} skipped]", "unclear": "{}?"}
            rows.append(("What you said", " ".join(marked.get(t.kind, "{}").format(t.text) for t in said)))
    width = max(len(label) for label, _ in rows)
    lines += [f"{label:<{width}}  {value}" for label, value in rows]
    if signals.pauses:
        where = []
        for pause in signals.pauses[:5]:
            after = ""
            if pause.after_word is not None and signals.line is not None:
                after = f" after '{signals.line.words[pause.after_word].written}'"
            where.append(f"{pause.start_s:.1f} s ({pause.duration_s:.2f} s){after}")
        lines.append(f"{'Pauses at':<{width}}  " + "; ".join(where) + (" ..." if len(signals.pauses) > 5 else ""))
    lines += [f"Note: {note}" for note in summary.notes]
    return "\n".join(lines)
