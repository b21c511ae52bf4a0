"""The body-language summary as a short table for the terminal."""

from __future__ import annotations

from kiosk.capture.take import AudioTrack, RecordingInfo
from kiosk.vision.summary import BodySummary, CueSummary

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
        + (f"; up to {summary.max_people_in_view} people in view (the trainee is the largest, most central face)"
           if summary.max_people_in_view > 1 else "")
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
            f"{label:<26} {cue.share * 100:5.0f}% {_time(cue.observed_s):>9} {_time(cue.first_onset_s):>7}  {_episodes(cue)}"
        )
    if summary.longest_look_away is not None:
        e = summary.longest_look_away
        lines.append(f"\nLongest look-away: {e.duration_s:.1f} s ({e.start_s:.1f}-{e.end_s:.1f} s).")
    return "\n".join(lines)
