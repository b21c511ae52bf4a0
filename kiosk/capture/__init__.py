"""Capture: where a take's frames and samples come from.

Every source (a recorded file here; devices and the browser elsewhere) yields
the same :class:`VideoFrame` and :class:`AudioTrack` values, so nothing below
``capture`` knows where a frame came from.
"""

from kiosk.capture.file import RecordingSource
from kiosk.capture.take import AUDIO_SAMPLE_RATE_HZ, AudioTrack, RecordingInfo, VideoFrame

__all__ = ["AUDIO_SAMPLE_RATE_HZ", "AudioTrack", "RecordingInfo", "RecordingSource", "VideoFrame"]
