"""One recorded take through capture and body analysis: used by the CLI and the app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.calibration import VisionCalibration
from kiosk.capture import AudioTrack, RecordingInfo, RecordingSource
from kiosk.errors import MediaError
from kiosk.vision import BodySummary, BodyTimeline, FrameSignals, analyse_frames, summarise


@dataclass(frozen=True)
class BodyAnalysis:
    """A recorded take's body language: what was recorded, per frame, and in summary."""

    info: RecordingInfo
    audio: AudioTrack | None
    timeline: BodyTimeline
    summary: BodySummary


def analyse_recording(
    path: str | Path,
    calibration: VisionCalibration,
    *,
    on_start: Callable[[RecordingInfo], None] | None = None,
    on_frame: Callable[[FrameSignals], None] | None = None,
) -> BodyAnalysis:
    """Decode a recording and analyse every frame.

    Raises:
        MediaError: unreadable file, no video stream, no decodable frame.
    """
    with RecordingSource(path) as source:
        info = source.info
        if not info.has_video:
            raise MediaError(
                f"{info.path} has no video ({info.describe()}); body language needs a video: "
                "record the take with the camera on."
            )
        if on_start is not None:
            on_start(info)
        timeline = analyse_frames(source.frames(), calibration=calibration, on_frame=on_frame)
        audio = source.audio()
    return BodyAnalysis(info=info, audio=audio, timeline=timeline, summary=summarise(timeline, calibration))


def require_a_face(analysis: BodyAnalysis) -> None:
    """Raise if the trainee was never seen.

    Raises:
        MediaError: no face in any frame.
    """
    if analysis.summary.face_frame_count == 0:
        raise MediaError(
            f"No face was found in any of the {analysis.summary.frame_count} frames of {analysis.info.path.name}; "
            "the trainee should face the camera, lit from the front and fully in frame, then record again."
        )
