"""Recording a take from live sources: every frame and sample, on worker threads.

The recorder keeps every frame the camera delivers and all the sound, writes
a file only when the trainee asked to keep the recording, and keeps what was
recorded when a device is lost, saying so.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from conftest import SHARED_DATA
from kiosk.capture import (
    AUDIO_SAMPLE_RATE_HZ,
    AudioTrack,
    FileCamera,
    FileMicrophone,
    OpenCVCamera,
    RecordingSource,
    TakeRecorder,
    VideoFrame,
)

FACE = SHARED_DATA / "video-retalking" / "face_5.mp4"  # 4.9 s, 25 fps, speech


def source_counts(path):
    with RecordingSource(path) as source:
        return sum(1 for _ in source.frames()), source.audio()


def wait_until_done(recorder: TakeRecorder, limit_s: float = 30.0) -> None:
    deadline = time.monotonic() + limit_s
    while recorder.recording and time.monotonic() < deadline:
        time.sleep(0.02)


def test_a_take_from_a_stand_in_camera_and_microphone_keeps_every_frame_and_all_the_sound(tmp_path) -> None:
    frames, track = source_counts(FACE)
    seen = []
    recorder = TakeRecorder(
        camera=FileCamera(FACE, realtime=False),
        microphone=FileMicrophone(FACE, realtime=False),
        on_frame=seen.append,
    )
    recorder.start()
    wait_until_done(recorder)
    take = recorder.stop()
    assert take.ended_by_source
    assert take.frame_count == frames == len(seen)
    assert take.frame_size == (seen[0].width, seen[0].height)
    np.testing.assert_array_equal(take.audio.samples, track.samples)
    assert take.audio.sample_rate_hz == AUDIO_SAMPLE_RATE_HZ
    assert take.media_path is None and take.problems == ()
    assert list(tmp_path.iterdir()) == []  # nothing written unless asked


def test_keeping_the_recording_writes_a_file_with_the_same_frames_and_sound(tmp_path) -> None:
    frames, track = source_counts(FACE)
    kept = tmp_path / "takes" / "take.mkv"
    recorder = TakeRecorder(
        camera=FileCamera(FACE, realtime=False), microphone=FileMicrophone(FACE, realtime=False), keep_media_at=kept
    )
    with recorder:
        wait_until_done(recorder)
    take = recorder.stop()
    assert take.media_path == kept and kept.exists()
    with RecordingSource(kept) as saved:
        assert saved.info.has_video and saved.info.has_audio
        again = list(saved.frames())
        sound = saved.audio()
    assert len(again) == frames
    assert sound.duration_s == pytest.approx(track.duration_s, abs=0.05)
    # PCM at 16 bits: the kept sound is the recorded sound to within quantisation.
    n = min(len(sound.samples), len(track.samples))
    assert np.max(np.abs(sound.samples[:n] - track.samples[:n])) < 1e-3


def test_a_camera_lost_mid_take_keeps_what_was_recorded_and_says_so() -> None:
    # OpenCV reading a file fails at its end exactly as at an unplugged webcam.
    frames, _ = source_counts(FACE)
    recorder = TakeRecorder(camera=OpenCVCamera(str(FACE)), microphone=FileMicrophone(FACE))
    recorder.start()
    wait_until_done(recorder)
    take = recorder.stop()
    assert take.frame_count >= frames - 2
    assert len(take.problems) == 1
    assert "The camera stopped at" in take.problems[0]
    assert "keeps what was recorded" in take.problems[0]
    # The microphone went on to the end of its recording.
    assert take.audio.duration_s == pytest.approx(4.9, abs=0.2)


def test_stopping_early_ends_the_take_where_it_was_stopped() -> None:
    recorder = TakeRecorder(camera=FileCamera(FACE), microphone=FileMicrophone(FACE))
    recorder.start()
    time.sleep(1.0)
    take = recorder.stop()
    assert 0.9 < take.duration_s < 1.6
    assert not take.ended_by_source
    assert take.audio.duration_s < 1.6
    assert 15 <= take.frame_count <= 40  # 25 fps for about a second
    assert not recorder.recording and recorder.stopped


def test_pushed_frames_and_sound_are_recorded_like_a_device_s(tmp_path) -> None:
    # The browser mode pushes what it receives instead of attaching sources.
    recorder = TakeRecorder(expect_video=True, expect_audio=True, keep_media_at=tmp_path / "pushed.mkv")
    recorder.start()
    picture = np.full((48, 64, 3), 128, np.uint8)
    for i in range(10):
        recorder.add_frame(VideoFrame(time_s=i / 10, rgb=picture))
        recorder.add_audio(AudioTrack(np.full(1600, 0.1, np.float32), AUDIO_SAMPLE_RATE_HZ, i / 10))
    take = recorder.stop()
    recorder.add_frame(VideoFrame(time_s=2.0, rgb=picture))  # after the stop: ignored
    assert take.frame_count == 10 and take.frame_size == (64, 48)
    assert take.audio.duration_s == pytest.approx(1.0)
    with RecordingSource(take.media_path) as saved:
        assert len(list(saved.frames())) == 10


def test_a_recorder_records_one_take_only() -> None:
    recorder = TakeRecorder(expect_video=True)
    recorder.start()
    recorder.stop()
    with pytest.raises(RuntimeError, match="one take"):
        recorder.start()
