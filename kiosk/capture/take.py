"""What the capture step hands to analysis: frames and audio on one time axis.

Time is in seconds from the start of the take everywhere. For a recorded file
the start of the take is the earliest start of its audio and video streams, so
a frame at ``time_s`` and an audio sample at ``time_s`` happened together.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Every audio track leaves capture at this rate, mono, float32 in [-1, 1].
AUDIO_SAMPLE_RATE_HZ = 16_000


@dataclass(frozen=True)
class VideoFrame:
    """One decoded picture.

    Attributes:
        time_s: presentation time in seconds from the start of the take.
        rgb: ``(height, width, 3)`` uint8, C-contiguous, upright (any rotation
            metadata already applied).
    """

    time_s: float
    rgb: np.ndarray

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])


@dataclass(frozen=True)
class AudioTrack:
    """A take's sound, resampled for analysis.

    Attributes:
        samples: mono float32 samples in [-1, 1] at ``sample_rate_hz``.
        sample_rate_hz: always :data:`AUDIO_SAMPLE_RATE_HZ` out of capture.
        start_s: time of the first sample, seconds from the start of the take.
    """

    samples: np.ndarray
    sample_rate_hz: int
    start_s: float

    @property
    def duration_s(self) -> float:
        return len(self.samples) / float(self.sample_rate_hz)


@dataclass(frozen=True)
class RecordingInfo:
    """What a recording holds, read from its headers before decoding.

    Attributes:
        path: the file.
        container: demuxer name as FFmpeg reports it (``mov,mp4,...``, ``matroska,webm``).
        duration_s: length in seconds (0.0 when the container does not say).
        has_video / has_audio: whether the streams exist.
        width / height: upright picture size in pixels (after rotation), 0 without video.
        frame_rate_hz: average frame rate (0.0 when unknown or for a still image).
        rotation_deg: clockwise rotation applied to make the picture upright.
        audio_codec / video_codec: codec names, ``""`` when absent.
    """

    path: Path
    container: str
    duration_s: float
    has_video: bool
    has_audio: bool
    width: int
    height: int
    frame_rate_hz: float
    rotation_deg: int
    video_codec: str
    audio_codec: str

    @property
    def is_still_image(self) -> bool:
        return self.has_video and self.container in {"image2", "png_pipe", "jpeg_pipe", "webp_pipe"}

    def describe(self) -> str:
        """One line for a trainer: what is in the file."""
        parts = []
        if self.has_video:
            kind = "still image" if self.is_still_image else f"video {self.frame_rate_hz:.3g} fps"
            parts.append(f"{kind} {self.width}x{self.height}")
        else:
            parts.append("no video (audio only)")
        parts.append(f"audio ({self.audio_codec})" if self.has_audio else "no audio track")
        if self.duration_s:
            parts.append(f"{self.duration_s:.1f} s")
        return ", ".join(parts)
