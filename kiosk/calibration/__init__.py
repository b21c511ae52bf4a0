"""Calibration profiles: every threshold and weight, as data.

A profile is a TOML file in the repository's top-level ``calibration/``
folder (``default.toml`` and the site profiles, installed as the data package
``kiosk.profiles``) or at any path; ``extends = "default"`` starts it from
another profile, so a site profile holds only what differs at the site.
:func:`load_profile` reads it once per process into a :class:`Profile`, whose
sections are typed, documented dataclasses: :class:`VisionCalibration`
(``[vision.*]``), :class:`VoiceCalibration` (``[voice.*]``),
:class:`ScoringProfile` (``[scoring.*]``), :class:`LiveCalibration`
(``[live.*]``), :class:`FramingCalibration` (``[framing]``) and
:class:`MediaLimits` (``[media]``). Each step asks for its own section with
``load_vision_calibration(profile)`` and the like.

Every key is declared once, with what it is, its unit and the values it
allows (:mod:`kiosk.calibration.schema`); a profile with a missing, unknown or
out-of-range key, or keys that contradict each other, is refused with the
file, table and key. To add a threshold: declare its field in the section's
module and add it, with where the number comes from, to ``default.toml``.
"""

from kiosk.calibration.baseline import (
    BASELINE_VERSION,
    BaselineError,
    BaselineSettings,
    BodyBaseline,
    TraineeBaseline,
    VoiceBaseline,
)
from kiosk.calibration.framing import FramingCalibration
from kiosk.calibration.live import AutoStopSettings, LiveCalibration, LiveCueTiming, LiveVoiceSettings
from kiosk.calibration.media import MediaLimits
from kiosk.calibration.profile import (
    DEFAULT_PROFILE,
    PROFILE_DIR,
    Profile,
    ProfileInfo,
    load_baseline_settings,
    load_framing_calibration,
    load_live_calibration,
    load_media_limits,
    load_profile,
    load_scoring_profile,
    load_vision_calibration,
    load_voice_calibration,
    profile_names,
    profile_path,
    read_profile,
)
from kiosk.calibration.scoring import (
    BODY_CUES_SCORED,
    CUES_BY_SETTING,
    SETTINGS,
    VOICE_CUES,
    CueTarget,
    ScoringProfile,
)
from kiosk.calibration.vision import (
    ArmThresholds,
    EpisodeThresholds,
    EyeContactThresholds,
    FramingThresholds,
    GazeWindow,
    PostureThresholds,
    SmileThresholds,
    VisionCalibration,
)
from kiosk.calibration.voice import (
    AlignmentSettings,
    FillerThresholds,
    LanguageVoice,
    SyllableThresholds,
    SynthesisAlignmentSettings,
    ToneThresholds,
    VoiceActivityThresholds,
    VoiceCalibration,
)

__all__ = [
    "BASELINE_VERSION",
    "BaselineError",
    "BaselineSettings",
    "BodyBaseline",
    "TraineeBaseline",
    "VoiceBaseline",
    "load_baseline_settings",
    "BODY_CUES_SCORED",
    "CUES_BY_SETTING",
    "DEFAULT_PROFILE",
    "PROFILE_DIR",
    "SETTINGS",
    "VOICE_CUES",
    "AlignmentSettings",
    "LanguageVoice",
    "SynthesisAlignmentSettings",
    "ArmThresholds",
    "AutoStopSettings",
    "CueTarget",
    "EpisodeThresholds",
    "EyeContactThresholds",
    "FillerThresholds",
    "FramingCalibration",
    "FramingThresholds",
    "GazeWindow",
    "LiveCalibration",
    "LiveCueTiming",
    "LiveVoiceSettings",
    "MediaLimits",
    "PostureThresholds",
    "Profile",
    "ProfileInfo",
    "ScoringProfile",
    "SmileThresholds",
    "SyllableThresholds",
    "ToneThresholds",
    "VisionCalibration",
    "VoiceActivityThresholds",
    "VoiceCalibration",
    "load_framing_calibration",
    "load_live_calibration",
    "load_media_limits",
    "load_profile",
    "load_scoring_profile",
    "load_vision_calibration",
    "load_voice_calibration",
    "profile_names",
    "profile_path",
    "read_profile",
]
