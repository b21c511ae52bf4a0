"""The analysis of a take (body language and voice) as a JSON document (versioned schema).

The schema is ``body_analysis.schema.json`` beside this module; bump
:data:`SCHEMA_VERSION` with any change a reader would notice.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from kiosk import __version__
from kiosk.capture.take import AudioTrack, RecordingInfo
from kiosk.report.voice_json import voice_section
from kiosk.timespan import TimeSpan
from kiosk.vision.summary import BodySummary, BodyTimeline
from kiosk.voice import VoiceSignals, VoiceSummary

SCHEMA_ID = "kiosk/body-analysis"
SCHEMA_VERSION = 2


def _clean(value: Any) -> Any:
    """JSON has no NaN or tuples; round floats to what is meaningful (1 ms, 1e-4)."""
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else round(value, 4)
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, Path):
        return str(value)
    return value


def _episode(episode: TimeSpan | None) -> dict[str, float] | None:
    if episode is None:
        return None
    return {"start_s": episode.start_s, "end_s": episode.end_s, "duration_s": episode.duration_s}


def body_document(
    info: RecordingInfo,
    audio: AudioTrack | None,
    timeline: BodyTimeline | None,
    summary: BodySummary | None,
    *,
    profile: str,
    voice: VoiceSignals | None = None,
    voice_summary: VoiceSummary | None = None,
) -> dict[str, Any]:
    """Everything ``kiosk analyze --json`` writes, as plain JSON-ready data.

    ``timeline`` and ``summary`` are ``None`` for a take without video;
    ``voice`` and ``voice_summary`` for a take without sound.
    """

    doc = {
        "schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "kiosk_version": __version__,
        "profile": profile,
        "recording": {
            "path": str(info.path),
            "container": info.container,
            "duration_s": info.duration_s,
            "width": info.width,
            "height": info.height,
            "frame_rate_hz": info.frame_rate_hz,
            "rotation_deg": info.rotation_deg,
            "video_codec": info.video_codec,
            "audio_codec": info.audio_codec,
        },
        "audio": {
            "present": audio is not None,
            "start_s": audio.start_s if audio is not None else None,
            "duration_s": audio.duration_s if audio is not None else None,
            "sample_rate_hz": audio.sample_rate_hz if audio is not None else None,
        },
        "summary": None
        if summary is None
        else {
            "duration_s": summary.duration_s,
            "frame_count": summary.frame_count,
            "face_frame_count": summary.face_frame_count,
            "max_people_in_view": summary.max_people_in_view,
            "others_present": summary.max_people_in_view > 1,
            "longest_look_away": _episode(summary.longest_look_away),
            "median_head_yaw_deg": summary.median_head_yaw_deg,
            "median_head_pitch_deg": summary.median_head_pitch_deg,
            "median_smile_intensity": summary.median_smile_intensity,
            "cues": {
                cue.cue: {
                    "observed_s": cue.observed_s,
                    "share": cue.share,
                    "first_onset_s": cue.first_onset_s,
                    "longest_s": cue.longest_s,
                    "episodes": [_episode(e) for e in cue.episodes],
                }
                for cue in summary.cues
            },
        },
        "timeline": [] if timeline is None else [asdict(frame) for frame in timeline.frames],
        "voice": None if voice is None or voice_summary is None else voice_section(voice, voice_summary),
    }
    return _clean(doc)


@lru_cache(maxsize=1)
def body_schema() -> dict[str, Any]:
    """The JSON Schema the document follows."""
    text = resources.files("kiosk.report").joinpath("body_analysis.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def write_body_document(document: dict[str, Any], path: Path) -> None:
    """Write atomically: a crash never leaves half a file where the old one was."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(document, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    tmp.replace(path)
