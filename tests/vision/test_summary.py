"""Tests for kiosk.vision.summary: shares, episodes and onsets over a take.

Timelines are built by hand from :class:`FrameSignals` (every field given,
unknown ones ``None``), so each expected number can be worked out on paper;
one test runs real landmark sets (``fixtures/``, see test_signals.py) through
``frame_signals`` and summarises them. TimeSpan thresholds are read from the
default calibration profile.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from kiosk.calibration import VisionCalibration, load_vision_calibration
from kiosk.timespan import TimeSpan
from kiosk.vision.landmarks import Detections, FaceDetection, HandDetection, PoseDetection
from kiosk.vision.signals import FrameSignals, frame_signals
from kiosk.vision.summary import BODY_CUES, BodyTimeline, episodes_of, summarise, summarise_cue

FIXTURES = Path(__file__).resolve().parent / "fixtures"
NAN = math.nan


@pytest.fixture(scope="module")
def cal() -> VisionCalibration:
    return load_vision_calibration()


def frame(time_s: float, **values: object) -> FrameSignals:
    """One frame's signals: a face found, one person, every other signal unknown unless given."""
    fields: dict[str, object] = {name: None for name in FrameSignals.__dataclass_fields__}
    fields.update(time_s=time_s, face_found=True, people_in_view=1)
    fields.update(values)
    return FrameSignals(**fields)


def timeline(times: list[float], **columns: list[object]) -> BodyTimeline:
    """A timeline with the given frame times and per-frame values for some signals."""
    frames = []
    for i, t in enumerate(times):
        frames.append(frame(t, **{name: values[i] for name, values in columns.items()}))
    return BodyTimeline(frames=tuple(frames))


def at_fps(count: int, fps: float = 10.0) -> list[float]:
    return [i / fps for i in range(count)]


def assert_episodes(found: tuple[TimeSpan, ...], *pairs: tuple[float, float]) -> None:
    assert len(found) == len(pairs), found
    for episode, (start, end) in zip(found, pairs, strict=True):
        assert episode.start_s == pytest.approx(start, abs=1e-9)
        assert episode.end_s == pytest.approx(end, abs=1e-9)


# -- how long each frame stands for ------------------------------------------------
def test_frame_spans_at_a_steady_rate(cal: VisionCalibration) -> None:
    spans = timeline(at_fps(5)).frame_spans_s(max_span_s=cal.episodes.max_frame_span_s)
    assert spans == pytest.approx([0.1] * 5)


def test_frame_spans_at_a_variable_rate(cal: VisionCalibration) -> None:
    # Each frame lasts until the next; the last lasts the median frame interval.
    spans = timeline([0.0, 0.1, 0.2, 0.6, 0.7]).frame_spans_s(max_span_s=cal.episodes.max_frame_span_s)
    assert spans == pytest.approx([0.1, 0.1, 0.4, 0.1, 0.1])


def test_a_gap_in_the_file_does_not_make_one_frame_last_seconds(cal: VisionCalibration) -> None:
    cap = cal.episodes.max_frame_span_s
    spans = timeline([0.0, 2.0, 2.1]).frame_spans_s(max_span_s=cap)
    # 2.0 s and the median interval (1.05 s) are both cut to the cap.
    assert spans == pytest.approx([cap, 0.1, cap])
    assert cap < 2.0


def test_a_still_image_is_one_frame_standing_for_the_whole_take(cal: VisionCalibration) -> None:
    cap = cal.episodes.max_frame_span_s
    assert timeline([0.0]).frame_spans_s(max_span_s=cap) == pytest.approx([1.0])
    assert timeline([]).frame_spans_s(max_span_s=cap).size == 0


# -- episodes ----------------------------------------------------------------------
def _episodes(held: list[float], starts: list[float], spans: list[float], cal: VisionCalibration, **overrides: float):
    kwargs = {"merge_gap_s": cal.episodes.merge_gap_s, "min_episode_s": cal.episodes.min_episode_s}
    kwargs.update(overrides)
    return episodes_of(np.array(held, dtype=float), np.array(starts), np.array(spans), **kwargs)


def test_consecutive_frames_form_one_episode(cal: VisionCalibration) -> None:
    # 10 fps: held from 0.1 s through the frame starting at 0.4 s, which lasts to 0.5 s.
    found = _episodes([0, 1, 1, 1, 1, 0, 0], at_fps(7), [0.1] * 7, cal)
    assert_episodes(found, (0.1, 0.5))
    assert found[0].duration_s == pytest.approx(0.4)


@pytest.mark.parametrize("gap_value", [0.0, NAN])
@pytest.mark.parametrize(("margin", "joined"), [(-0.05, True), (0.05, False)])
def test_stretches_closer_than_the_merge_gap_are_joined(
    gap_value: float, margin: float, joined: bool, cal: VisionCalibration
) -> None:
    # Held for 1 s, then one frame not held (or unknown) lasting merge_gap +/- 0.05 s, then held for 1 s.
    gap = cal.episodes.merge_gap_s + margin
    found = _episodes([1, gap_value, 1], [0.0, 1.0, 1.0 + gap], [1.0, gap, 1.0], cal)
    if joined:
        assert_episodes(found, (0.0, 2.0 + gap))
    else:
        assert_episodes(found, (0.0, 1.0), (1.0 + gap, 2.0 + gap))


def test_an_unknown_frame_ends_a_stretch(cal: VisionCalibration) -> None:
    # With merging off, NaN breaks a run just as a "not held" frame does; only held frames join.
    starts, spans = at_fps(5), [0.1] * 5
    assert_episodes(_episodes([1, 1, NAN, 1, 1], starts, spans, cal, merge_gap_s=0.0), (0.0, 0.2), (0.3, 0.5))
    assert_episodes(_episodes([1, 1, 0, 1, 1], starts, spans, cal, merge_gap_s=0.0), (0.0, 0.2), (0.3, 0.5))
    assert_episodes(_episodes([1, 1, 1, 1, 1], starts, spans, cal, merge_gap_s=0.0), (0.0, 0.5))


def test_a_long_unknown_stretch_splits_an_episode(cal: VisionCalibration) -> None:
    # 10 fps, 3 s: held, then the face lost (unknown) for a full second, then held again.
    held = [1.0] * 10 + [NAN] * 10 + [1.0] * 10
    assert 1.0 > cal.episodes.merge_gap_s
    assert_episodes(_episodes(held, at_fps(30), [0.1] * 30, cal), (0.0, 1.0), (2.0, 3.0))


@pytest.mark.parametrize(("margin", "kept"), [(-0.05, False), (0.05, True)])
def test_episodes_shorter_than_the_minimum_are_dropped(margin: float, kept: bool, cal: VisionCalibration) -> None:
    length = cal.episodes.min_episode_s + margin
    found = _episodes([0, 1, 0], [0.0, 1.0, 1.0 + length], [1.0, length, 1.0], cal)
    if kept:
        assert_episodes(found, (1.0, 1.0 + length))
    else:
        assert found == ()


def test_short_pieces_are_merged_before_the_minimum_applies(cal: VisionCalibration) -> None:
    # Two pieces, each shorter than the minimum, a short gap apart: together long enough to keep.
    piece = cal.episodes.min_episode_s * 0.75
    gap = cal.episodes.merge_gap_s * 0.5
    starts = [0.0, piece, piece + gap]
    found = _episodes([1, 0, 1], starts, [piece, gap, piece], cal)
    assert_episodes(found, (0.0, 2 * piece + gap))


def test_no_frames_no_episodes(cal: VisionCalibration) -> None:
    assert _episodes([], [], [], cal) == ()
    assert _episodes([0, 0, NAN], at_fps(3), [0.1] * 3, cal) == ()


# -- one cue -----------------------------------------------------------------------
def test_share_is_weighted_by_frame_span_at_a_variable_rate(cal: VisionCalibration) -> None:
    # Frames at 0, 0.1, 0.2, 0.6, 0.7 s stand for 0.1, 0.1, 0.4, 0.1, 0.1 s. Smiling in the first
    # and third: 0.5 s of 0.8 s observed = 0.625 (counting frames would say 2/5 = 0.4).
    tl = timeline([0.0, 0.1, 0.2, 0.6, 0.7], smiling=[True, False, True, False, False])
    summary = summarise_cue(tl, "smiling", cal)
    assert summary.observed_s == pytest.approx(0.8)
    assert summary.share == pytest.approx(0.625)


def test_unknown_frames_count_for_neither_side(cal: VisionCalibration) -> None:
    # 10 fps: smiling, unknown, not smiling, unknown -> 0.1 s of 0.2 s observed.
    tl = timeline(at_fps(4), smiling=[True, None, False, None])
    summary = summarise_cue(tl, "smiling", cal)
    assert summary.observed_s == pytest.approx(0.2)
    assert summary.share == pytest.approx(0.5)


def test_a_cue_never_observed_has_no_share(cal: VisionCalibration) -> None:
    summary = summarise_cue(timeline(at_fps(5), legs_crossed=[None] * 5), "legs_crossed", cal)
    assert summary.observed_s == 0.0
    assert summary.share is None
    assert summary.episodes == () and summary.first_onset_s is None and summary.longest_s == 0.0


def test_onset_and_longest_episode(cal: VisionCalibration) -> None:
    # 10 fps, 4 s: a 0.1 s blip of smiling at 0.5 s (too short to be an episode, but it counts in
    # the share), then smiles from 1.0 to 1.5 s and from 2.0 to 3.2 s.
    n = 40
    smiling = [False] * n
    for i in [5, *range(10, 15), *range(20, 32)]:
        smiling[i] = True
    assert 0.1 < cal.episodes.min_episode_s and 0.5 > cal.episodes.merge_gap_s
    summary = summarise_cue(timeline(at_fps(n), smiling=smiling), "smiling", cal)
    assert_episodes(summary.episodes, (1.0, 1.5), (2.0, 3.2))
    assert summary.first_onset_s == pytest.approx(1.0)
    assert summary.longest_s == pytest.approx(1.2)
    assert summary.share == pytest.approx(18 / 40)
    assert summary.cue == "smiling"


def test_summarising_where_a_cue_did_not_hold(cal: VisionCalibration) -> None:
    # Look-aways: eye contact False. 10 fps, 3 s: contact, away 0.8-1.6 s, contact, face lost
    # (unknown) 2.0-2.5 s, away 2.5-3.0 s.
    contact: list[object] = [True] * 8 + [False] * 8 + [True] * 4 + [None] * 5 + [False] * 5
    tl = timeline(at_fps(30), eye_contact=contact)
    away = summarise_cue(tl, "eye_contact", cal, value=0.0)
    assert_episodes(away.episodes, (0.8, 1.6), (2.5, 3.0))
    assert away.observed_s == pytest.approx(2.5)
    assert away.share == pytest.approx(1.3 / 2.5)
    assert away.first_onset_s == pytest.approx(0.8)
    held = summarise_cue(tl, "eye_contact", cal)
    assert held.share == pytest.approx(1.2 / 2.5)
    assert held.share + away.share == pytest.approx(1.0)


def test_a_still_image_has_share_one(cal: VisionCalibration) -> None:
    summary = summarise_cue(timeline([0.0], smiling=[True]), "smiling", cal)
    assert summary.share == 1.0
    assert summary.observed_s == 1.0
    assert_episodes(summary.episodes, (0.0, 1.0))
    assert summary.first_onset_s == 0.0
    no = summarise_cue(timeline([0.0], smiling=[False]), "smiling", cal)
    assert no.share == 0.0 and no.episodes == ()


def test_column_maps_unknown_to_nan_and_booleans_to_numbers() -> None:
    tl = timeline(at_fps(3), smiling=[True, None, False], head_yaw_deg=[1.5, None, -2.0])
    smiling = tl.column("smiling")
    assert smiling[0] == 1.0 and math.isnan(smiling[1]) and smiling[2] == 0.0
    yaw = tl.column("head_yaw_deg")
    assert yaw[0] == 1.5 and math.isnan(yaw[1]) and yaw[2] == -2.0
    assert tl.times_s == pytest.approx([0.0, 0.1, 0.2])


# -- the whole take ------------------------------------------------------------------
def _hand_built_take() -> BodyTimeline:
    """3 s at 10 fps.

    - face lost (no face, nobody in view) for frames 10-12 (1.0-1.3 s);
    - a second person in view for frames 20-24 (2.0-2.5 s);
    - eye contact: yes 0-0.9 s, looks away 1.3-2.0 s (0.7 s), yes after 2.0 s except a
      0.1 s glance away at 2.5 s;
    - smiling 0.3-0.9 s; head yaw 2 degrees with the face, except 30 degrees while looking away.
    """
    frames = []
    for i in range(30):
        t = i / 10
        if 10 <= i <= 12:
            frames.append(frame(t, face_found=False, people_in_view=0))
            continue
        away = 13 <= i <= 19 or i == 25
        frames.append(
            frame(
                t,
                people_in_view=2 if 20 <= i <= 24 else 1,
                eye_contact=not away,
                smiling=3 <= i <= 8,
                smile_intensity=0.8 if 3 <= i <= 8 else 0.1,
                head_yaw_deg=30.0 if away else 2.0,
                head_pitch_deg=-1.0,
                upright=True,
                arms_crossed=False,
            )
        )
    return BodyTimeline(frames=tuple(frames))


def test_summarise_a_hand_built_take(cal: VisionCalibration) -> None:
    body = summarise(_hand_built_take(), cal)
    assert body.duration_s == pytest.approx(3.0)
    assert body.frame_count == 30
    assert body.face_frame_count == 27
    assert body.max_people_in_view == 2
    assert [c.cue for c in body.cues] == list(BODY_CUES)

    assert body.cue("face_found").share == pytest.approx(27 / 30)
    assert body.cue("face_found").observed_s == pytest.approx(3.0)
    others = body.cue("others_present")
    assert others.share == pytest.approx(5 / 30)
    assert_episodes(others.episodes, (2.0, 2.5))

    smiling = body.cue("smiling")
    assert smiling.observed_s == pytest.approx(2.7)  # the face-lost frames are unknown
    assert smiling.share == pytest.approx(0.6 / 2.7)
    assert smiling.first_onset_s == pytest.approx(0.3)

    contact = body.cue("eye_contact")
    assert contact.share == pytest.approx(1.9 / 2.7)
    # The 0.1 s glance at 2.5 s is shorter than the merge gap: eye contact 2.0-3.0 s is one episode.
    assert_episodes(contact.episodes, (0.0, 1.0), (2.0, 3.0))
    # The longest look-away is 1.3-2.0 s; the lost face before it is not counted as looking away.
    assert_episodes((body.longest_look_away,), (1.3, 2.0))

    assert body.cue("upright").share == 1.0
    assert body.cue("arms_crossed").share == 0.0
    assert body.cue("legs_crossed").share is None  # never observed
    assert body.median_head_yaw_deg == pytest.approx(2.0)  # 19 frames at 2, 8 at 30; face-lost frames ignored
    assert body.median_head_pitch_deg == pytest.approx(-1.0)
    assert body.median_smile_intensity == pytest.approx(0.1)
    with pytest.raises(KeyError):
        body.cue("no_such_cue")


def test_medians_ignore_unknown_frames(cal: VisionCalibration) -> None:
    # Three frames without a face, then yaw 10 and 20 degrees: the median is 15, not 0.
    tl = timeline(at_fps(5), head_yaw_deg=[None, None, None, 10.0, 20.0], smile_intensity=[None, None, None, 0.2, 0.6])
    body = summarise(tl, cal)
    assert body.median_head_yaw_deg == pytest.approx(15.0)
    assert body.median_smile_intensity == pytest.approx(0.4)
    assert body.median_head_pitch_deg is None


def test_summarise_an_empty_take(cal: VisionCalibration) -> None:
    body = summarise(BodyTimeline(frames=()), cal)
    assert body.duration_s == 0.0 and body.frame_count == 0 and body.face_frame_count == 0
    assert body.max_people_in_view == 0
    assert all(c.share is None and c.episodes == () for c in body.cues)
    assert body.longest_look_away is None
    assert body.median_head_yaw_deg is None and body.median_smile_intensity is None


def test_summarise_a_take_without_a_face(cal: VisionCalibration) -> None:
    # A cartoon title card: frames with nobody in view. Face cues are unknown, not "no".
    tl = BodyTimeline(frames=tuple(frame(i / 10, face_found=False, people_in_view=0) for i in range(10)))
    body = summarise(tl, cal)
    assert body.cue("face_found").share == 0.0
    assert body.cue("eye_contact").share is None
    assert body.longest_look_away is None
    assert body.face_frame_count == 0


# -- real landmark sets through frame_signals into the summary ----------------------------
def _real_detections(name: str, time_s: float) -> Detections:
    rec = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    faces = tuple(
        FaceDetection(
            landmarks=np.array(f["landmarks"], dtype=np.float32),
            blendshapes=dict(f["blendshapes"]),
            head_pose=np.array(f["head_pose"], dtype=np.float32),
        )
        for f in rec["faces"]
    )
    poses = tuple(
        PoseDetection(
            landmarks=np.array(p["landmarks"], dtype=np.float32),
            visibility=np.array(p["visibility"], dtype=np.float32),
            world=np.array(p["world"], dtype=np.float32),
        )
        for p in rec["poses"]
    )
    hands = tuple(
        HandDetection(np.array(h["landmarks"], dtype=np.float32), h["handedness"], h["handedness_score"])
        for h in rec["hands"]
    )
    return Detections(time_s=time_s, width=rec["width"], height=rec["height"], faces=faces, poses=poses, hands=hands)


def _real_signals(name: str, time_s: float, cal: VisionCalibration) -> FrameSignals:
    det = _real_detections(name, time_s)
    rgb = np.full((det.height // 8, det.width // 8, 3), 128, dtype=np.uint8)
    return frame_signals(det, rgb, cal)


def test_summarise_a_real_still_image(cal: VisionCalibration) -> None:
    # The business-person photo analysed as a one-frame take.
    body = summarise(BodyTimeline(frames=(_real_signals("business_person", 0.0, cal),)), cal)
    assert body.duration_s == 1.0 and body.frame_count == 1 and body.face_frame_count == 1
    assert body.cue("smiling").share == 1.0
    assert body.cue("eye_contact").share == 1.0
    assert body.cue("arms_crossed").share == 1.0  # folded arms: a forearm across, the other arm resting on it
    assert body.cue("hands_visible").share == 1.0
    assert body.cue("legs_crossed").share is None  # knees not in the picture
    assert body.longest_look_away is None


def test_summarise_real_frames_crying_then_laughing(cal: VisionCalibration) -> None:
    # The WolfgangLanger fixtures stood in for a take: 1 s of the crying frame, then 1 s of the
    # laughing frame, at 10 fps. Crying is not smiling, so smiling starts with the laugh.
    crying = [_real_signals("crying_wolfganglanger_1s", i / 10, cal) for i in range(10)]
    laughing = [_real_signals("laughing_wolfganglanger_11s", 1.0 + i / 10, cal) for i in range(10)]
    body = summarise(BodyTimeline(frames=tuple(crying + laughing)), cal)
    smiling = body.cue("smiling")
    assert smiling.share == pytest.approx(0.5)
    assert smiling.first_onset_s == pytest.approx(1.0)
    assert_episodes(smiling.episodes, (1.0, 2.0))
    # Eyes shut while crying: not eye contact for that second.
    assert body.cue("eyes_closed").share == pytest.approx(0.5)
    assert_episodes((body.longest_look_away,), (0.0, 1.0))
    # Arms out of view throughout: unknown, not "not crossed".
    assert body.cue("arms_crossed").share is None
