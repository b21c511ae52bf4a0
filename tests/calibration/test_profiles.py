"""Calibration profiles: every threshold as data, checked on load.

A profile that is missing a value, has a non-number where a number belongs,
or an impossible range is refused with a message naming the file and key.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from kiosk.calibration import PROFILE_DIR, load_vision_calibration, load_voice_calibration, read_profile
from kiosk.errors import CalibrationError


def write_profile(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "custom.toml"
    path.write_text(text, encoding="utf-8")
    return path


def default_text() -> str:
    return (PROFILE_DIR / "default.toml").read_text(encoding="utf-8")


def test_the_default_profile_loads_for_vision_and_voice() -> None:
    vision = load_vision_calibration()
    voice = load_voice_calibration()
    assert vision.min_face_confidence == pytest.approx(0.55)
    assert voice.activity.min_pause_s == pytest.approx(0.25)
    assert voice.pitch_floor_hz < voice.pitch_ceiling_hz


def test_every_voice_threshold_has_its_source_written_beside_it() -> None:
    # Each [voice.*] table is preceded by comments: the number never stands alone.
    text = default_text()
    voice_part = text[text.index("[voice]") :]
    for block in voice_part.split("\n\n"):
        keys = [line for line in block.splitlines() if line and not line.startswith(("#", "["))]
        if keys:
            assert any(line.startswith("#") for line in block.splitlines()), block


def test_a_profile_without_a_voice_table_is_refused(tmp_path: Path) -> None:
    text = default_text()
    path = write_profile(tmp_path, text[: text.index("# ----")])
    with pytest.raises(CalibrationError, match=r"no \[voice\] table"):
        load_voice_calibration(path)


def test_a_missing_voice_key_is_named(tmp_path: Path) -> None:
    path = write_profile(tmp_path, default_text().replace("min_pause_s = 0.25\n", ""))
    with pytest.raises(CalibrationError, match=r"\[voice.activity\] has no min_pause_s"):
        load_voice_calibration(path)


def test_a_non_numeric_voice_value_is_named(tmp_path: Path) -> None:
    path = write_profile(tmp_path, default_text().replace("min_dip_db = 2.0", 'min_dip_db = "two"'))
    with pytest.raises(CalibrationError, match=r"min_dip_db = 'two' is not a number"):
        load_voice_calibration(path)


def test_an_upside_down_pitch_range_is_refused(tmp_path: Path) -> None:
    path = write_profile(tmp_path, default_text().replace("pitch_floor_hz = 75.0", "pitch_floor_hz = 600.0"))
    with pytest.raises(CalibrationError, match="must be below pitch_ceiling_hz"):
        load_voice_calibration(path)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = write_profile(tmp_path, "[voice\n")
    with pytest.raises(CalibrationError, match="custom.toml is not valid TOML"):
        read_profile(path)


def test_the_default_profile_is_plain_toml() -> None:
    data = tomllib.loads(default_text())
    assert {"vision", "voice"} <= set(data)


def test_every_setting_of_the_default_profile_has_every_cue() -> None:
    from kiosk.calibration import CUES_BY_SETTING, load_scoring_profile

    profile = load_scoring_profile()
    for setting, cues in CUES_BY_SETTING.items():
        assert set(profile.targets[setting]) == set(cues)


def test_a_profile_missing_a_cue_is_refused(tmp_path: Path) -> None:
    from kiosk.calibration import load_scoring_profile

    text = default_text()
    start = text.index("[scoring.phone.pitch_variety]")
    end = text.index("[scoring.phone.phrase_ends]")
    path = write_profile(tmp_path, text[:start] + text[end:])
    with pytest.raises(CalibrationError, match=r"\[scoring.phone.pitch_variety\] is missing"):
        load_scoring_profile(path)


def test_an_upside_down_band_is_refused(tmp_path: Path) -> None:
    from kiosk.calibration import load_scoring_profile

    text = default_text()
    start = text.index("[scoring.phone.pace]")
    fixed = text[:start] + text[start:].replace("band = [120.0, 170.0]", "band = [170.0, 120.0]", 1)
    path = write_profile(tmp_path, fixed)
    with pytest.raises(CalibrationError, match=r"\[scoring.phone.pace\] band \[170.0, 120.0\] is upside down"):
        load_scoring_profile(path)
