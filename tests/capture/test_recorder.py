"""Recording a take from live sources: every frame and sample, on worker threads.

The recorder keeps every frame the camera delivers and all the sound, writes
a file only when the trainee asked to keep the recording, and keeps what was
recorded when a device is lost, saying so.
"""

from __future__ import annotations

import threading
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


def test_a_full_disk_ends_the_recording_not_the_take_and_leaves_no_partial_file(tiny_filesystem, monkeypatch) -> None:
    import kiosk.capture.recorder as recorder_module

    # Enough room to start (the free-space check is passed on purpose), far too little for 5 s of video.
    folder = tiny_filesystem(300)
    monkeypatch.setattr(recorder_module, "MIN_FREE_FOR_RECORDING_MB", 0.0)
    kept = folder / "takes" / "take.mkv"
    frames, track = source_counts(FACE)
    recorder = TakeRecorder(
        camera=FileCamera(FACE, realtime=False), microphone=FileMicrophone(FACE, realtime=False), keep_media_at=kept
    )
    recorder.start()
    wait_until_done(recorder)
    started = time.monotonic()
    take = recorder.stop()
    assert time.monotonic() - started < recorder_module.WRITER_FINISH_TIMEOUT_S
    # Every frame and all the sound are still there for the report.
    assert take.frame_count == frames
    assert take.audio.duration_s == pytest.approx(track.duration_s, abs=0.05)
    assert take.media_path is None
    assert len(take.problems) == 1 and "the disk is full" in take.problems[0]
    assert "scores are kept" in take.problems[0]
    assert not kept.exists(), "a partial recording was left behind"
    assert not any(t.name == "take-writer" and t.is_alive() for t in threading.enumerate())
    # Space freed again: the next take keeps its recording.
    again = folder / "takes" / "again.mkv"
    monkeypatch.setattr(recorder_module, "MIN_FREE_FOR_RECORDING_MB", 0.0)
    short = TakeRecorder(expect_video=True, expect_audio=True, keep_media_at=again)
    short.start()
    short.add_frame(VideoFrame(time_s=0.0, rgb=np.zeros((32, 32, 3), np.uint8)))
    assert short.stop().media_path == again and again.exists()


def test_too_little_free_space_keeps_no_recording_and_says_so_before_writing(tiny_filesystem) -> None:
    folder = tiny_filesystem(300)
    recorder = TakeRecorder(expect_video=True, expect_audio=True, keep_media_at=folder / "takes" / "take.mkv")
    recorder.start()
    recorder.add_frame(VideoFrame(time_s=0.0, rgb=np.zeros((32, 32, 3), np.uint8)))
    take = recorder.stop()
    assert take.frame_count == 1 and take.media_path is None
    assert take.problems and "MB are free on the disk" in take.problems[0]
    assert list(folder.iterdir()) == []


def test_a_kept_recording_and_its_folder_are_private(tmp_path) -> None:
    import stat

    kept = tmp_path / "data" / "takes" / "take.mkv"
    recorder = TakeRecorder(expect_video=True, keep_media_at=kept)
    recorder.start()
    recorder.add_frame(VideoFrame(time_s=0.0, rgb=np.zeros((32, 32, 3), np.uint8)))
    assert recorder.stop().media_path == kept
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(kept.parent.parent.stat().st_mode) == 0o700


def test_stop_from_two_threads_at_once_stops_once_and_both_get_the_same_take() -> None:
    recorder = TakeRecorder(camera=FileCamera(FACE), microphone=FileMicrophone(FACE), close_sources=True)
    recorder.start()
    recorder.start()  # a second Start: nothing more
    time.sleep(0.5)
    barrier = threading.Barrier(4)
    takes = []

    def stop() -> None:
        barrier.wait()
        takes.append(recorder.stop())

    threads = [threading.Thread(target=stop) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(takes) == 4 and all(t is takes[0] for t in takes)
    assert not any(t.name.startswith("take-") and t.is_alive() for t in threading.enumerate())


def test_a_take_stopped_before_it_started_is_empty_and_frees_its_devices() -> None:
    closed = []

    class Tracked(FileMicrophone):
        def close(self) -> None:
            closed.append(self)
            super().close()

    recorder = TakeRecorder(microphone=Tracked(FACE), close_sources=True)
    take = recorder.stop()
    assert take.frame_count == 0 and take.duration_s == 0.0 and take.audio is None
    assert len(closed) == 1
    assert recorder.stop() is take


def test_a_writer_that_dies_mid_take_ends_the_recording_with_a_message(tmp_path, monkeypatch) -> None:
    import kiosk.capture.recorder as recorder_module

    written = []
    original = recorder_module._MediaWriter._write_video

    def dies_at_the_tenth_frame(self, frame) -> None:
        written.append(frame.time_s)
        if len(written) == 10:
            raise RuntimeError("the encoder crashed")
        original(self, frame)

    monkeypatch.setattr(recorder_module._MediaWriter, "_write_video", dies_at_the_tenth_frame)
    kept = tmp_path / "takes" / "take.mkv"
    recorder = TakeRecorder(
        camera=FileCamera(FACE, realtime=False), microphone=FileMicrophone(FACE, realtime=False), keep_media_at=kept
    )
    recorder.start()
    wait_until_done(recorder)
    take = recorder.stop()
    frames, _ = source_counts(FACE)
    assert take.frame_count == frames and take.media_path is None
    assert len(take.problems) == 1 and "writing the file failed" in take.problems[0]
    assert not kept.exists()


def test_a_writer_stuck_on_a_hung_disk_is_given_up_on_within_its_time_limit(tmp_path, monkeypatch) -> None:
    import kiosk.capture.recorder as recorder_module

    hung = threading.Event()

    def hangs(self, frame) -> None:
        hung.wait(60)  # a write that never returns, as on a dead network disk

    monkeypatch.setattr(recorder_module._MediaWriter, "_write_video", hangs)
    monkeypatch.setattr(recorder_module, "WRITER_FINISH_TIMEOUT_S", 1.0)
    monkeypatch.setattr(recorder_module, "WRITER_STALL_S", 0.2)
    kept = tmp_path / "takes" / "take.mkv"
    recorder = TakeRecorder(expect_video=True, keep_media_at=kept)
    recorder.start()
    picture = np.zeros((32, 32, 3), np.uint8)
    started = time.monotonic()
    for i in range(recorder_module.WRITER_QUEUE_ITEMS + 20):
        recorder.add_frame(VideoFrame(time_s=i / 30, rgb=picture))
    assert time.monotonic() - started < 3.0, "the capture was held up by the stuck writer"
    take = recorder.stop()
    assert time.monotonic() - started < 6.0
    assert take.frame_count == recorder_module.WRITER_QUEUE_ITEMS + 20 and take.media_path is None
    assert "could not keep up" in take.problems[0] or "took longer than" in take.problems[0]
    hung.set()
    deadline = time.monotonic() + 5
    while kept.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not kept.exists()
