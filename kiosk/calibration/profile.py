"""A whole profile: found by name or path, parsed and checked once per process, handed out by section."""

from __future__ import annotations

import importlib.util
import threading
import tomllib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from kiosk.calibration.baseline import BaselineSettings
from kiosk.calibration.framing import FramingCalibration
from kiosk.calibration.live import LiveCalibration
from kiosk.calibration.media import MediaLimits
from kiosk.calibration.schema import profile_table, read_tables, table, text
from kiosk.calibration.scoring import ScoringProfile
from kiosk.calibration.vision import VisionCalibration
from kiosk.calibration.voice import VoiceCalibration
from kiosk.errors import CalibrationError


def _profile_dir() -> Path:
    # The repository's top-level calibration/ folder, installed as the data
    # package kiosk.profiles (setup.py); found without importing it.
    spec = importlib.util.find_spec("kiosk.profiles")
    if spec is None or not spec.submodule_search_locations:
        raise CalibrationError("The kiosk's site profiles are missing (kiosk.profiles); reinstall the kiosk.")
    return Path(next(iter(spec.submodule_search_locations))).resolve()


#: Where the site profiles are: ``calibration/`` at the top of the repository.
PROFILE_DIR = _profile_dir()
DEFAULT_PROFILE = "default"
#: A profile may start from another and change only some keys: ``extends = "default"``.
EXTENDS_KEY = "extends"


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
    baseline: BaselineSettings = table(doc="A trainee's own baseline: how it is taken and used: [baseline]")
    profile: ProfileInfo = table(doc="Its name and description: [profile]", default_factory=ProfileInfo)


def profile_path(name_or_path: str | Path) -> Path:
    """A profile name (``default``) or a path to a ``.toml`` file -> the file."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.exists():
        return candidate
    return PROFILE_DIR / f"{name_or_path}.toml"


def profile_names() -> list[str]:
    """The site profiles shipped in ``calibration/``, by name (``default`` first)."""
    names = sorted(p.stem for p in PROFILE_DIR.glob("*.toml"))
    return sorted(names, key=lambda name: name != DEFAULT_PROFILE)


def _parse(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise CalibrationError(f"Calibration profile {path} is not valid TOML ({err}); fix the file.") from err
    except OSError as err:
        raise CalibrationError(f"Calibration profile {path} cannot be read ({err.strerror}); check the file.") from err


def _merged(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` laid over it, table by table (a key in ``changes`` wins)."""
    merged = dict(base)
    for key, value in changes.items():
        below = merged.get(key)
        merged[key] = _merged(below, value) if isinstance(below, dict) and isinstance(value, dict) else value
    return merged


def read_profile(name_or_path: str | Path = DEFAULT_PROFILE) -> dict[str, Any]:
    """Parse a profile file into a plain dict (unchecked: :func:`load_profile` checks it).

    A profile that says ``extends = "default"`` (a name, or a path relative to
    its own folder) is that profile with this file's keys laid over it, so a
    site profile holds only what differs at the site.

    Raises:
        CalibrationError: missing file, invalid TOML, or an ``extends`` that is
            not a profile or goes round in a circle, naming the file.
    """
    return _read(profile_path(name_or_path), name_or_path, ())


def _base_path(path: Path, base: str) -> Path:
    """What ``extends = base`` in ``path`` means: a file beside it, else a shipped profile by name."""
    if base.endswith(".toml") or "/" in base:
        return path.parent / base  # an absolute path stays absolute
    beside = path.parent / f"{base}.toml"
    return beside if beside.is_file() else PROFILE_DIR / f"{base}.toml"


def _read(path: Path, asked: str | Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    if not path.is_file():
        known = ", ".join(profile_names())
        within = f" (extended by {chain[-1]})" if chain else ""
        raise CalibrationError(
            f"Calibration profile {str(asked)!r}{within} not found at {path}; known profiles: {known}."
        )
    data = _parse(path)
    base = data.pop(EXTENDS_KEY, None)
    if base is None:
        return data
    if not isinstance(base, str) or not base.strip():
        raise CalibrationError(
            f'Calibration profile {path}: {EXTENDS_KEY} must name a profile (extends = "default"), got {base!r}.'
        )
    base_path = _base_path(path, base)
    resolved = path.resolve()
    if base_path.resolve() in (*chain, resolved):
        raise CalibrationError(
            f"Calibration profile {path}: extends {base!r}, which leads back to itself; extend a profile "
            "that does not extend this one."
        )
    return _merged(_read(base_path, base, (*chain, resolved)), data)


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


def load_baseline_settings(name_or_path: str | Path = DEFAULT_PROFILE) -> BaselineSettings:
    """The ``[baseline]`` table of a profile (see :func:`load_profile`)."""
    return load_profile(name_or_path).baseline


def load_media_limits(name_or_path: str | Path = DEFAULT_PROFILE) -> MediaLimits:
    """The ``[media]`` limits on recordings of a profile (see :func:`load_profile`)."""
    return load_profile(name_or_path).media
