"""Capture: where a take's frames and samples come from.

Every source (a recorded file, the kiosk's camera and microphone, a recording
standing in for them, or the browser) yields the same :class:`VideoFrame` and
:class:`AudioTrack` values on the take's time axis, so nothing below
``capture`` knows where a frame came from.
"""

from kiosk.capture.browser import BrowserFeed
from kiosk.capture.devices import (
    Camera,
    DeviceChoice,
    DeviceLost,
    FileCamera,
    FileMicrophone,
    Microphone,
    OpenCVCamera,
    SoundDeviceMicrophone,
    TakeClock,
    list_cameras,
    list_microphones,
    open_camera,
    open_microphone,
)
from kiosk.capture.file import RecordingSource
from kiosk.capture.recorder import RecordedTake, TakeRecorder
from kiosk.capture.take import AUDIO_SAMPLE_RATE_HZ, AudioTrack, RecordingInfo, VideoFrame

__all__ = [
    "AUDIO_SAMPLE_RATE_HZ",
    "AudioTrack",
    "BrowserFeed",
    "Camera",
    "DeviceChoice",
    "DeviceLost",
    "FileCamera",
    "FileMicrophone",
    "Microphone",
    "OpenCVCamera",
    "RecordedTake",
    "RecordingInfo",
    "RecordingSource",
    "SoundDeviceMicrophone",
    "TakeClock",
    "TakeRecorder",
    "VideoFrame",
    "list_cameras",
    "list_microphones",
    "open_camera",
    "open_microphone",
]
