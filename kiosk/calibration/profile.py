"""A whole profile: found by name or path, parsed and checked once per process, handed out by section."""

from __future__ import annotations

import threading
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from kiosk.calibration.framing import FramingCalibration
from kiosk.calibration.live import LiveCalibration
from kiosk.calibration.media import MediaLimits
from kiosk.calibration.schema import profile_table, read_tables, table, text
from kiosk.calibration.scoring import ScoringProfile
from kiosk.calibration.vision import VisionCalibration
from kiosk.calibration.voice import VoiceCalibration
from kiosk.errors import CalibrationError

PROFILE_DIR = Path(__file__).resolve().parent
DEFAULT_PROFILE = "default"


@profile_table
class ProfileInfo:
    """What a profile is for (the ``[profile]`` table; optional)."""

    name: str = text(doc="The profile's name", default="")
    description: str = text(doc="What the profile is for: the camera, the setting, the site", default="")


@profile_table
class Profile:
    """A calibration profile: every threshold, band and weight the kiosk judges by."""

    vision: VisionCalibration = table(doc="Landmarks, faces and the body cues' thresholds: [vision]")
    voice: VoiceCalibration = table(doc="Pitch, speech, tone, fillers and the aligner: [voice]")
    scoring: ScoringProfile = table(doc="Score labels and every cue's target per setting: [scoring]")
    live: LiveCalibration = table(doc="Live cues, the live voice meter and stopping: [live]")
    framing: FramingCalibration = table(doc="The video-call framing checks: [framing]")
    media: MediaLimits = table(doc="The recordings the kiosk analyses: [media]")
    profile: ProfileInfo = table(doc="Its name and description: [profile]", default_factory=ProfileInfo)


def profile_path(name_or_path: str | Path) -> Path:
    """A profile name (``default``) or a path to a ``.toml`` file -> the file."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.exists():
        return candidate
    return PROFILE_DIR / f"{name_or_path}.toml"


def read_profile(name_or_path: str | Path = DEFAULT_PROFILE) -> dict[str, Any]:
    """Parse a profile file into a plain dict (unchecked: :func:`load_profile` checks it).

    Raises:
        CalibrationError: missing file or invalid TOML, naming the file.
    """
    path = profile_path(name_or_path)
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in PROFILE_DIR.glob("*.toml")))
        raise CalibrationError(f"Calibration profile {name_or_path!r} not found at {path}; known profiles: {known}.")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise CalibrationError(f"Calibration profile {path} is not valid TOML ({err}); fix the file.") from err


# Streamlit serves each session from its own thread: without the lock two pages
# opening at once would both parse the file.
_LOADING = threading.Lock()


def load_profile(name_or_path: str | Path = DEFAULT_PROFILE) -> Profile:
    """Read and check a whole profile, once per file per process (``default`` and its path are one file).

    Raises:
        CalibrationError: the file is missing or not TOML, or (all at once) every
            table or key that is missing, unknown or out of range, and every rule
            between keys that is broken, each with its table and key.
    """
    path = profile_path(name_or_path)
    if not path.is_file():
        read_profile(name_or_path)  # raises, naming the profiles there are
    with _LOADING:
        return _load(path.resolve())


@lru_cache(maxsize=8)
def _load(path: Path) -> Profile:
    return read_tables(Profile, read_profile(path), path)


# One accessor per section, as the steps have always called them.


def load_vision_calibration(name_or_path: str | Path = DEFAULT_PROFILE) -> VisionCalibration:
    """The ``[vision]`` tables of a profile (see :func:`load_profile`)."""
    return load_profile(name_or_path).vision


def load_voice_calibration(name_or_path: str | Path = DEFAULT_PROFILE) -> VoiceCalibration:
    """The ``[voice]`` tables of a profile (see :func:`load_profile`)."""
    return load_profile(name_or_path).voice


def load_scoring_profile(name_or_path: str | Path = DEFAULT_PROFILE) -> ScoringProfile:
    """The ``[scoring]`` tables of a profile (see :func:`load_profile`)."""
    return load_profile(name_or_path).scoring


def load_live_calibration(name_or_path: str | Path = DEFAULT_PROFILE) -> LiveCalibration:
    """The ``[live]`` tables of a profile (see :func:`load_profile`)."""
    return load_profile(name_or_path).live


def load_framing_calibration(name_or_path: str | Path = DEFAULT_PROFILE) -> FramingCalibration:
    """The framing checks' numbers of a profile: ``[framing]``, ``[vision.framing]`` and the lens target."""
    return load_profile(name_or_path).framing


def load_media_limits(name_or_path: str | Path = DEFAULT_PROFILE) -> MediaLimits:
    """The ``[media]`` limits on recordings of a profile (see :func:`load_profile`)."""
    return load_profile(name_or_path).media
