"""The profile's [live] and [framing] tables: checked on load, reusing the numbers that exist.

A live timing that is missing, not positive, or contradicts another (a cue
shown longer than the gap between cues) is refused with the file and key;
the framing checks take face size, centring and lighting from
[vision.framing] and the lens target from the video-call scoring band
rather than keeping copies.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.calibration import (
    PROFILE_DIR,
    load_framing_calibration,
    load_live_calibration,
    load_scoring_profile,
    load_vision_calibration,
)
from kiosk.errors import CalibrationError


def profile_with(tmp_path: Path, *edits: str) -> Path:
    """The default profile with each (old, new) pair of ``edits`` replaced once."""
    text = (PROFILE_DIR / "default.toml").read_text(encoding="utf-8")
    for old, new in zip(edits[0::2], edits[1::2], strict=True):
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "custom.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_default_live_timings_leave_room_between_cues() -> None:
    live = load_live_calibration()
    assert live.cues.show_for_s <= live.cues.min_gap_s <= live.cues.repeat_gap_s
    assert live.cues.off_for_s < live.cues.smile_off_for_s
    assert live.voice.level_window_s == pytest.approx(0.1)
    assert live.voice.min_speech_for_rate_s <= live.voice.window_s


def test_the_framing_checks_reuse_the_vision_and_scoring_numbers() -> None:
    framing = load_framing_calibration()
    assert framing.thresholds == load_vision_calibration().framing
    assert framing.min_lens_share == load_scoring_profile().target("video_call", "eye_contact").band[0]
    assert 0 < framing.max_camera_pitch_deg < 90


def test_a_profile_without_a_live_table_is_refused(tmp_path: Path) -> None:
    # fmt: off
    path = profile_with(
        tmp_path,
        "[live]\n", "[not_live]\n",
        "[live.voice]\n", "[not_live.voice]\n",
        "[live.auto_stop]\n", "[not_live.auto_stop]\n",
    )
    # fmt: on
    with pytest.raises(CalibrationError, match=r"no \[live\] table"):
        load_live_calibration(path)


def test_the_take_stops_by_itself_after_a_pause_longer_than_a_breath() -> None:
    auto_stop = load_live_calibration().auto_stop
    assert auto_stop.silence_after_s > 1.0  # pauses for breath between sentences are shorter
    assert auto_stop.longest_factor > 1.0
    assert 2.0 <= auto_stop.syllables_per_s <= 4.0  # slow, so a line is not cut short


def test_a_missing_auto_stop_setting_is_named(tmp_path: Path) -> None:
    path = profile_with(tmp_path, "silence_after_s = 2.0\n", "")
    with pytest.raises(CalibrationError, match=r"\[live.auto_stop\] silence_after_s must be a positive number"):
        load_live_calibration(path)


def test_a_missing_live_timing_is_named(tmp_path: Path) -> None:
    path = profile_with(tmp_path, "repeat_gap_s = 15.0\n", "")
    with pytest.raises(CalibrationError, match=r"\[live\] repeat_gap_s must be a positive number, got None"):
        load_live_calibration(path)


def test_a_zero_wait_is_refused(tmp_path: Path) -> None:
    path = profile_with(tmp_path, "off_for_s = 2.0\n", "off_for_s = 0\n")
    with pytest.raises(CalibrationError, match=r"\[live\] off_for_s must be a positive number, got 0"):
        load_live_calibration(path)


def test_a_cue_shown_longer_than_the_gap_between_cues_is_refused(tmp_path: Path) -> None:
    path = profile_with(tmp_path, "show_for_s = 2.0\n", "show_for_s = 8.0\n")
    with pytest.raises(CalibrationError, match=r"show_for_s <= min_gap_s <= repeat_gap_s"):
        load_live_calibration(path)


def test_a_missing_live_voice_table_is_named(tmp_path: Path) -> None:
    path = profile_with(tmp_path, "[live.voice]\n", "[live_voice]\n")
    with pytest.raises(CalibrationError, match=r"\[live.voice\] is missing"):
        load_live_calibration(path)


def test_a_level_window_longer_than_the_window_is_refused(tmp_path: Path) -> None:
    path = profile_with(tmp_path, "level_window_s = 0.1\n", "level_window_s = 5.0\n")
    with pytest.raises(CalibrationError, match=r"level_window_s \(5.0\) must be at most window_s"):
        load_live_calibration(path)


def test_an_impossible_camera_pitch_is_refused(tmp_path: Path) -> None:
    path = profile_with(tmp_path, "max_camera_pitch_deg = 14.0\n", "max_camera_pitch_deg = 95.0\n")
    with pytest.raises(CalibrationError, match=r"\[framing\] max_camera_pitch_deg must be degrees between 0 and 90"):
        load_framing_calibration(path)


def test_a_profile_without_a_framing_table_is_refused(tmp_path: Path) -> None:
    path = profile_with(tmp_path, "[framing]\n", "[not_framing]\n")
    with pytest.raises(CalibrationError, match=r"no \[framing\] table"):
        load_framing_calibration(path)
