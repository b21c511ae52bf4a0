"""Calibration profiles: every threshold and weight, as data.

A profile is a TOML file in this folder (``default.toml``) or any path. The
vision step reads its ``[vision.*]`` tables into :class:`VisionCalibration`,
the voice step its ``[voice.*]`` tables into :class:`VoiceCalibration`,
scoring its ``[scoring.*]`` tables into :class:`ScoringProfile`, live
practice its ``[live]`` tables into :class:`LiveCalibration` and the
video-call framing checks ``[framing]`` into :class:`FramingCalibration`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from kiosk.errors import CalibrationError

PROFILE_DIR = Path(__file__).resolve().parent
DEFAULT_PROFILE = "default"


@dataclass(frozen=True)
class FramingThresholds:
    min_face_height_share: float
    max_face_height_share: float
    max_face_offset_share: float
    min_face_luma: float
    max_backlight_luma_difference: float


@dataclass(frozen=True)
class EyeContactThresholds:
    eye_yaw_deg_per_unit: float
    eye_pitch_deg_per_unit: float
    max_gaze_yaw_deg: float
    max_gaze_pitch_deg: float
    eyes_closed_blink: float


@dataclass(frozen=True)
class SmileThresholds:
    min_smile_intensity: float
    min_eye_squint_for_duchenne: float
    distress_min_eye_closure: float
    distress_min_inner_brow_raise: float
    laugh_min_upper_lip_raise: float


@dataclass(frozen=True)
class PostureThresholds:
    max_shoulder_tilt_deg: float
    max_head_tilt_deg: float
    max_head_drop_deg: float
    max_torso_lean_deg: float
    min_ear_to_shoulder_ratio: float


@dataclass(frozen=True)
class ArmThresholds:
    max_wrist_to_midline_ratio: float
    max_wrist_drop_ratio: float
    max_forearm_angle_deg: float
    face_touch_margin_share: float
    neck_below_chin_share: float


@dataclass(frozen=True)
class EpisodeThresholds:
    merge_gap_s: float
    min_episode_s: float
    max_frame_span_s: float


@dataclass(frozen=True)
class VisionCalibration:
    """The ``[vision]`` part of a calibration profile."""

    min_landmark_visibility: float
    min_face_confidence: float
    body_nose_margin_share: float
    framing: FramingThresholds
    eye_contact: EyeContactThresholds
    smile: SmileThresholds
    posture: PostureThresholds
    arms: ArmThresholds
    episodes: EpisodeThresholds


def profile_path(name_or_path: str | Path) -> Path:
    """A profile name (``default``) or a path to a ``.toml`` file -> the file."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.exists():
        return candidate
    return PROFILE_DIR / f"{name_or_path}.toml"


def read_profile(name_or_path: str | Path = DEFAULT_PROFILE) -> dict[str, Any]:
    """Parse a profile file into a plain dict.

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


def _top_table(name_or_path: str | Path, key: str) -> tuple[Path, dict[str, Any]]:
    """The profile's file and its ``[key]`` table.

    Raises:
        CalibrationError: the profile is missing, malformed, or has no such table.
    """
    path = profile_path(name_or_path)
    table = read_profile(name_or_path).get(key)
    if not isinstance(table, dict):
        raise CalibrationError(f"Calibration profile {path} has no [{key}] table; add it (see default.toml).")
    return path, table


def _number(table: dict[str, Any], key: str, where: str, path: Path, *, ok: Any, must: str) -> float:
    """``table[key]`` as a float, if it is a number for which ``ok(value)`` holds.

    Raises:
        CalibrationError: naming the file, table and key, and what the value ``must`` be.
    """
    value = table.get(key)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not ok(value):
        raise CalibrationError(f"Calibration profile {path}: [{where}] {key} must be {must}, got {value!r}.")
    return float(value)


def _section(cls: type, table: Any, where: str, path: Path) -> Any:
    if not isinstance(table, dict):
        raise CalibrationError(f"Calibration profile {path}: [{where}] is missing; add it (see default.toml).")
    values = {}
    for field in fields(cls):
        if field.name not in table:
            raise CalibrationError(
                f"Calibration profile {path}: [{where}] has no {field.name}; add it (see default.toml)."
            )
        value = table[field.name]
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise CalibrationError(
                f"Calibration profile {path}: [{where}] {field.name} = {value!r} is not a number."
            )
        values[field.name] = float(value)
    return cls(**values)


@lru_cache(maxsize=8)
def load_vision_calibration(name_or_path: str | Path = DEFAULT_PROFILE) -> VisionCalibration:
    """Read and validate the vision thresholds of a profile (cached per process).

    Raises:
        CalibrationError: the profile is missing, malformed, or lacks a threshold.
    """
    path, table = _top_table(name_or_path, "vision")
    return VisionCalibration(
        min_landmark_visibility=_number(
            table, "min_landmark_visibility", "vision", path, ok=lambda v: 0.0 <= v <= 1.0, must="a number from 0 to 1"
        ),
        min_face_confidence=_number(
            table, "min_face_confidence", "vision", path, ok=lambda v: 0.0 < v < 1.0, must="a number between 0 and 1"
        ),
        body_nose_margin_share=_number(
            table, "body_nose_margin_share", "vision", path, ok=lambda v: v >= 0.0, must="a number of 0 or more"
        ),
        framing=_section(FramingThresholds, table.get("framing"), "vision.framing", path),
        eye_contact=_section(EyeContactThresholds, table.get("eye_contact"), "vision.eye_contact", path),
        smile=_section(SmileThresholds, table.get("smile"), "vision.smile", path),
        posture=_section(PostureThresholds, table.get("posture"), "vision.posture", path),
        arms=_section(ArmThresholds, table.get("arms"), "vision.arms", path),
        episodes=_section(EpisodeThresholds, table.get("episodes"), "vision.episodes", path),
    )


@dataclass(frozen=True)
class VoiceActivityThresholds:
    peak_quantile: float
    min_pause_s: float
    silence_below_peak_db: float
    noise_floor_quantile: float
    min_noise_floor_s: float
    min_snr_db: float
    min_speech_dbfs: float
    min_voiced_s: float


@dataclass(frozen=True)
class SyllableThresholds:
    min_dip_db: float


@dataclass(frozen=True)
class ToneThresholds:
    monotone_max_spread_st: float
    min_voiced_for_tone_s: float
    phrase_end_window_s: float
    phrase_end_min_change_st: float
    min_phrase_end_voiced_s: float
    min_phrase_tail_s: float
    too_quiet_dbfs: float
    too_loud_dbfs: float
    clip_level: float
    min_clipped_run_samples: float
    voice_break_min_jump_st: float
    max_break_gap_s: float


@dataclass(frozen=True)
class FillerThresholds:
    min_duration_s: float
    max_pitch_spread_st: float
    max_spectral_change_db: float
    max_word_overlap_share: float


@dataclass(frozen=True)
class AlignmentSettings:
    beam: float
    word_beam: float
    wide_beam: float
    wide_word_beam: float
    comfort_noise_dbfs: float
    margin_s: float
    max_skipped_words: float
    stopped_early_within_s: float
    min_relative_word_score: float
    min_line_score_per_frame: float
    min_word_score_per_frame: float
    min_speech_in_line_share: float


@dataclass(frozen=True)
class VoiceCalibration:
    """The ``[voice]`` part of a calibration profile."""

    pitch_floor_hz: float
    pitch_ceiling_hz: float
    frame_step_s: float
    activity: VoiceActivityThresholds
    syllables: SyllableThresholds
    tone: ToneThresholds
    fillers: FillerThresholds
    alignment: AlignmentSettings


@lru_cache(maxsize=8)
def load_voice_calibration(name_or_path: str | Path = DEFAULT_PROFILE) -> VoiceCalibration:
    """Read and validate the voice thresholds of a profile (cached per process).

    Raises:
        CalibrationError: the profile is missing, malformed, or lacks a threshold.
    """
    path, table = _top_table(name_or_path, "voice")
    top = {
        key: _number(table, key, "voice", path, ok=lambda v: v > 0, must="a positive number")
        for key in ("pitch_floor_hz", "pitch_ceiling_hz", "frame_step_s")
    }
    if top["pitch_floor_hz"] >= top["pitch_ceiling_hz"]:
        raise CalibrationError(
            f"Calibration profile {path}: [voice] pitch_floor_hz ({top['pitch_floor_hz']}) must be below "
            f"pitch_ceiling_hz ({top['pitch_ceiling_hz']})."
        )
    return VoiceCalibration(
        **top,
        activity=_section(VoiceActivityThresholds, table.get("activity"), "voice.activity", path),
        syllables=_section(SyllableThresholds, table.get("syllables"), "voice.syllables", path),
        tone=_section(ToneThresholds, table.get("tone"), "voice.tone", path),
        fillers=_section(FillerThresholds, table.get("fillers"), "voice.fillers", path),
        alignment=_section(AlignmentSettings, table.get("alignment"), "voice.alignment", path),
    )


#: Settings a line can be practised in.
SETTINGS: tuple[str, ...] = ("front_desk", "phone", "video_call")
#: Cues scored in every setting (voice), and those scored only on camera (body).
VOICE_CUES: tuple[str, ...] = (
    "pace",
    "pace_syllables",
    "pitch_variety",
    "phrase_ends",
    "loudness",
    "even_loudness",
    "filled_pauses",
    "line_delivered",
)
BODY_CUES_SCORED: tuple[str, ...] = (
    "eye_contact",
    "eye_contact_at_start",
    "smiling",
    "smile_onset",
    "upright",
    "arms_open",
)
#: Which cues each setting scores: the phone is voice only.
CUES_BY_SETTING: dict[str, tuple[str, ...]] = {
    "front_desk": BODY_CUES_SCORED + VOICE_CUES,
    "phone": VOICE_CUES,
    "video_call": BODY_CUES_SCORED + VOICE_CUES,
}


@dataclass(frozen=True)
class CueTarget:
    """One cue's target in one setting.

    Attributes:
        band: (low, high) in the cue's unit; inside it the cue scores 100.
        tolerance: how far outside the band the score reaches 0 (linearly).
        weight: the cue's weight in the overall score.
    """

    band: tuple[float, float]
    tolerance: float
    weight: float


@dataclass(frozen=True)
class ScoringProfile:
    """The ``[scoring]`` part of a calibration profile."""

    excellent: float
    good: float
    fair: float
    no_smile_max_share: float
    falling_ends_min_share: float
    start_window_s: float
    syllables_per_word: float
    targets: dict[str, dict[str, CueTarget]]  # setting -> cue -> target

    def target(self, setting: str, cue: str) -> CueTarget:
        return self.targets[setting][cue]


def _cue_target(table: Any, where: str, path: Path) -> CueTarget:
    if not isinstance(table, dict):
        raise CalibrationError(f"Calibration profile {path}: [{where}] is missing; add it (see default.toml).")
    band = table.get("band")
    if (
        not isinstance(band, list)
        or len(band) != 2
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in band)
    ):
        raise CalibrationError(
            f"Calibration profile {path}: [{where}] band must be two numbers [low, high], got {band!r}."
        )
    if band[0] > band[1]:
        raise CalibrationError(
            f"Calibration profile {path}: [{where}] band {band!r} is upside down; write it as [low, high]."
        )
    values = {
        key: _number(table, key, where, path, ok=lambda v: v > 0, must="a positive number")
        for key in ("tolerance", "weight")
    }
    return CueTarget(band=(float(band[0]), float(band[1])), **values)


@lru_cache(maxsize=8)
def load_scoring_profile(name_or_path: str | Path = DEFAULT_PROFILE) -> ScoringProfile:
    """Read and validate the scoring targets of a profile (cached per process).

    Raises:
        CalibrationError: missing table, a setting missing a cue, a band upside down.
    """
    path, table = _top_table(name_or_path, "scoring")
    labels = {
        key: _number(table, key, "scoring", path, ok=lambda v: 0 <= v <= 100, must="a score from 0 to 100")
        for key in ("excellent", "good", "fair")
    }
    if not labels["excellent"] >= labels["good"] >= labels["fair"]:
        raise CalibrationError(
            f"Calibration profile {path}: [scoring] needs excellent >= good >= fair, got {labels}."
        )
    settings = {
        key: _number(table, key, "scoring", path, ok=lambda v: v >= 0, must="a number of 0 or more")
        for key in ("no_smile_max_share", "falling_ends_min_share", "start_window_s", "syllables_per_word")
    }
    targets: dict[str, dict[str, CueTarget]] = {}
    for setting, cues in CUES_BY_SETTING.items():
        section = table.get(setting)
        if not isinstance(section, dict):
            raise CalibrationError(
                f"Calibration profile {path}: [scoring.{setting}] is missing; add it (see default.toml)."
            )
        unknown = sorted(set(section) - set(cues))
        if unknown:
            raise CalibrationError(
                f"Calibration profile {path}: [scoring.{setting}] has unknown cues {unknown}; "
                f"known for this setting: {', '.join(cues)}."
            )
        targets[setting] = {
            cue: _cue_target(section.get(cue), f"scoring.{setting}.{cue}", path) for cue in cues
        }
    return ScoringProfile(targets=targets, **labels, **settings)


@dataclass(frozen=True)
class LiveCueTiming:
    """When a live cue may be shown, in seconds (the ``[live]`` table).

    Attributes:
        off_for_s: a cue's signal must have been off this long, without a break.
        smile_off_for_s: the same for "Smile".
        min_gap_s: at most one cue every this many seconds (start to start).
        show_for_s: a cue stays on screen this long.
        repeat_gap_s: the same cue is not shown again within this many seconds.
    """

    off_for_s: float
    smile_off_for_s: float
    min_gap_s: float
    show_for_s: float
    repeat_gap_s: float


@dataclass(frozen=True)
class LiveVoiceSettings:
    """The live voice meter's windows, in seconds (the ``[live.voice]`` table)."""

    window_s: float
    level_window_s: float
    noise_window_s: float
    rate_every_s: float
    min_speech_for_rate_s: float


@dataclass(frozen=True)
class AutoStopSettings:
    """When a take stops by itself (the ``[live.auto_stop]`` table).

    Attributes:
        syllables_per_s: a slow speaking rate, for how long a line should take.
        silence_after_s: silence after the trainee's speech that ends the take, seconds.
        longest_factor: a take stops at this many times the line's expected length.
        media_lost_s: a take from the browser ends when neither picture nor sound
            has arrived for this long, seconds.
        longest_browser_take_s: a take from the browser ends after this long, seconds.
        unwatched_s: a take no page has shown for this long stops by itself
            (the page was reloaded or closed), seconds.
    """

    syllables_per_s: float
    silence_after_s: float
    longest_factor: float
    media_lost_s: float
    longest_browser_take_s: float
    unwatched_s: float


@dataclass(frozen=True)
class LiveCalibration:
    """The ``[live]`` part of a calibration profile."""

    cues: LiveCueTiming
    voice: LiveVoiceSettings
    auto_stop: AutoStopSettings


def _positive_numbers(cls: type, table: Any, where: str, path: Path) -> Any:
    """Every field of ``cls`` from ``table`` as a positive number."""
    if not isinstance(table, dict):
        raise CalibrationError(f"Calibration profile {path}: [{where}] is missing; add it (see default.toml).")
    return cls(
        **{
            f.name: _number(table, f.name, where, path, ok=lambda v: v > 0, must="a positive number")
            for f in fields(cls)
        }
    )


@lru_cache(maxsize=8)
def load_live_calibration(name_or_path: str | Path = DEFAULT_PROFILE) -> LiveCalibration:
    """Read and validate the live-practice settings of a profile (cached per process).

    Raises:
        CalibrationError: missing table or value, a value not positive, or
            timings that contradict each other.
    """
    path, table = _top_table(name_or_path, "live")
    cues = _positive_numbers(LiveCueTiming, table, "live", path)
    if not cues.show_for_s <= cues.min_gap_s <= cues.repeat_gap_s:
        raise CalibrationError(
            f"Calibration profile {path}: [live] needs show_for_s <= min_gap_s <= repeat_gap_s, got "
            f"{cues.show_for_s}, {cues.min_gap_s}, {cues.repeat_gap_s}."
        )
    voice = _positive_numbers(LiveVoiceSettings, table.get("voice"), "live.voice", path)
    if not voice.level_window_s <= voice.window_s:
        raise CalibrationError(
            f"Calibration profile {path}: [live.voice] level_window_s ({voice.level_window_s}) must be at most "
            f"window_s ({voice.window_s})."
        )
    if not voice.min_speech_for_rate_s <= voice.window_s:
        raise CalibrationError(
            f"Calibration profile {path}: [live.voice] min_speech_for_rate_s ({voice.min_speech_for_rate_s}) "
            f"must be at most window_s ({voice.window_s})."
        )
    auto_stop = _positive_numbers(AutoStopSettings, table.get("auto_stop"), "live.auto_stop", path)
    return LiveCalibration(cues=cues, voice=voice, auto_stop=auto_stop)


@dataclass(frozen=True)
class FramingCalibration:
    """What the video-call framing checks compare against.

    Attributes:
        thresholds: face size, centring and lighting (the ``[vision.framing]`` table).
        max_camera_pitch_deg: head pitch beyond which the camera is too low or too high, degrees.
        min_lens_share: share 0-1 of the time looking at the lens that passes (the low
            end of ``[scoring.video_call.eye_contact]``).
        window_s: seconds of frames the live check reads.
    """

    thresholds: FramingThresholds
    max_camera_pitch_deg: float
    min_lens_share: float
    window_s: float


@lru_cache(maxsize=8)
def load_framing_calibration(name_or_path: str | Path = DEFAULT_PROFILE) -> FramingCalibration:
    """Read and validate the framing checks' thresholds of a profile (cached per process).

    Raises:
        CalibrationError: the ``[framing]``, ``[vision.framing]`` or scoring tables are
            missing or malformed.
    """
    path, table = _top_table(name_or_path, "framing")
    return FramingCalibration(
        thresholds=load_vision_calibration(name_or_path).framing,
        max_camera_pitch_deg=_number(
            table, "max_camera_pitch_deg", "framing", path, ok=lambda v: 0 < v < 90, must="degrees between 0 and 90"
        ),
        min_lens_share=load_scoring_profile(name_or_path).target("video_call", "eye_contact").band[0],
        window_s=_number(table, "window_s", "framing", path, ok=lambda v: v > 0, must="a positive number"),
    )


@dataclass(frozen=True)
class MediaLimits:
    """Recordings the kiosk agrees to analyse (the ``[media]`` table).

    Attributes:
        max_duration_s: longest recording, seconds.
        max_pixels: largest picture, width times height.
    """

    max_duration_s: float
    max_pixels: float


@lru_cache(maxsize=8)
def load_media_limits(name_or_path: str | Path = DEFAULT_PROFILE) -> MediaLimits:
    """Read and validate the limits on recordings of a profile (cached per process).

    Raises:
        CalibrationError: the ``[media]`` table is missing, or a limit is not positive.
    """
    path, table = _top_table(name_or_path, "media")
    return _positive_numbers(MediaLimits, table, "media", path)
