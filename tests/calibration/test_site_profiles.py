"""Site profiles in the top-level calibration/ folder: found by name or path, installed with the kiosk,
starting from default.toml with ``extends``, and the camera's placement turning eye contact's window."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.calibration import PROFILE_DIR, GazeWindow, load_profile, profile_names, read_profile
from kiosk.errors import CalibrationError
from kiosk.vocabulary import CameraPlacement, Cue, Setting

REPO = Path(__file__).resolve().parents[2]
SITES = ("hotel-front-desk", "contact-centre-phone", "video-call-agent")


def test_the_profiles_live_at_the_top_of_the_repository_and_are_listed_default_first() -> None:
    assert PROFILE_DIR == REPO / "calibration"
    assert profile_names()[0] == "default"
    assert set(SITES) <= set(profile_names())


@pytest.mark.parametrize("site", SITES)
def test_each_site_profile_loads_by_name_and_differs_from_default_only_where_it_says(site: str) -> None:
    default, profile = load_profile("default"), load_profile(site)
    assert profile.profile.name == site and profile.profile.description
    raw = read_profile(PROFILE_DIR / f"{site}.toml")
    assert "extends" not in raw  # read into its base
    changed = {
        section
        # [framing] is not read alone: it takes the camera from [vision.camera].
        for section in ("vision", "voice", "scoring", "live", "media", "baseline")
        if getattr(profile, section) != getattr(default, section)
    }
    own = (PROFILE_DIR / f"{site}.toml").read_text(encoding="utf-8")
    assert changed and all(f"[{section}." in own or f"[{section}]" in own for section in changed)
    assert profile.voice == default.voice  # no site changes how a voice is measured


def test_the_site_differences_are_the_documented_ones() -> None:
    default = load_profile("default")
    hotel, phone, call = (load_profile(site) for site in SITES)
    assert hotel.vision.camera.distance_m == 1.0 and hotel.scoring.target(Setting.FRONT_DESK, Cue.PACE).band == (
        110.0,
        160.0,
    )
    assert phone.scoring.target(Setting.PHONE, Cue.LOUDNESS).band == (-30.0, -6.0)
    assert call.scoring.target(Setting.VIDEO_CALL, Cue.EYE_CONTACT).weight == 3.0
    assert call.vision.camera.distance_m == 0.5 and default.vision.camera.distance_m == 0.6


def test_a_trainers_copy_elsewhere_extends_default_by_name_and_is_checked_as_strictly(tmp_path: Path) -> None:
    mine = tmp_path / "our-desk.toml"
    mine.write_text(
        'extends = "hotel-front-desk"\n[profile]\nname = "our desk"\n[vision.camera]\ndistance_m = 1.4\n',
        encoding="utf-8",
    )
    profile = load_profile(mine)
    assert profile.vision.camera.distance_m == 1.4 and profile.vision.camera.horizontal_fov_deg == 70.0
    typo = tmp_path / "typo.toml"
    typo.write_text('extends = "default"\n[vision.camera]\ndistanse_m = 1.4\n', encoding="utf-8")
    with pytest.raises(CalibrationError, match=r"typo\.toml.*\[vision\.camera\].*distanse_m -> distance_m"):
        load_profile(typo)
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('extends = "default"\n[vision.camera]\nplacement = "behind"\n', encoding="utf-8")
    with pytest.raises(CalibrationError, match=r"placement must be one of 'above', 'below', 'left', 'right'"):
        load_profile(wrong)


def test_an_extends_that_is_missing_or_goes_round_is_refused_naming_the_file(tmp_path: Path) -> None:
    lost = tmp_path / "lost.toml"
    lost.write_text('extends = "nowhere"\n', encoding="utf-8")
    with pytest.raises(CalibrationError, match=r"'nowhere' \(extended by .*lost\.toml\) not found.*known profiles"):
        read_profile(lost)
    (tmp_path / "a.toml").write_text('extends = "b"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n', encoding="utf-8")
    with pytest.raises(CalibrationError, match="leads back to itself"):
        read_profile(tmp_path / "a.toml")


def test_the_gaze_window_turns_to_the_screen_and_covers_the_teleprompter() -> None:
    vision = load_profile("default").vision
    ec = vision.eye_contact
    assert vision.gaze_window == GazeWindow(
        ec.max_gaze_yaw_deg, ec.max_gaze_yaw_deg, ec.max_gaze_above_camera_deg, ec.max_gaze_below_camera_deg
    )

    def window(placement: CameraPlacement, far_edge_cm: float = 10.0) -> GazeWindow:
        camera = replace(vision.camera, placement=placement, teleprompter_far_edge_cm=far_edge_cm)
        return replace(vision, camera=camera).gaze_window

    below = window(CameraPlacement.BELOW)
    assert (below.above_deg, below.below_deg) == (ec.max_gaze_below_camera_deg, ec.max_gaze_above_camera_deg)
    # The screen on the trainee's right (the picture's left): a teleprompter reaching 20 cm that way (18.4 deg).
    left = window(CameraPlacement.LEFT, far_edge_cm=20.0)
    assert left.towards_image_left_deg == pytest.approx(18.43 + ec.teleprompter_margin_deg, abs=0.01)
    assert left.towards_image_right_deg == ec.max_gaze_yaw_deg
    assert window(CameraPlacement.RIGHT).towards_image_right_deg == ec.max_gaze_yaw_deg  # never narrower
    # A teleprompter reaching 25 cm below a lens 60 cm away (22.6 deg) is still reading, not looking away.
    tall = window(CameraPlacement.ABOVE, far_edge_cm=25.0)
    assert tall.below_deg == pytest.approx(22.62 + ec.teleprompter_margin_deg, abs=0.01)
    assert tall.holds(0.0, -24.0) and not window(CameraPlacement.ABOVE).holds(0.0, -24.0)


@pytest.mark.slow
def test_an_installed_kiosk_carries_the_site_profiles(tmp_path: Path) -> None:
    built = subprocess.run(
        # Built as pip builds it for an install (setuptools from the build's own environment).
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-q", "-w", tmp_path],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("practice_kiosk-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for profile in ("default", *SITES):
        assert f"kiosk/profiles/{profile}.toml" in names
    assert not any(name.startswith("calibration/") for name in names)  # no top-level package named calibration
