"""A trainee's own centre, and the ``[baseline]`` table that says how it is taken and used.

A baseline is ten seconds at the kiosk: looking at a dot beside the lens,
standing or sitting as usual, saying one's name and a neutral sentence. It
gives the person's own "looking at the lens", resting mouth and lids, upright
and normal voice at this kiosk, so the cues measure change from the person
rather than from an average stranger. It is data about a person, stored with
the trainee and copied into each take's report (versioned) so the report can
be scored again.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from kiosk.calibration.schema import DEGREES, POSITIVE, SHARE, Range, number, profile_table
from kiosk.errors import KioskError

#: The version of a baseline's JSON; a reader refuses a newer one it cannot know.
BASELINE_VERSION = 1

DBFS = Range(-120, 0, noun="dBFS")


@profile_table
class BaselineSettings:
    """How a baseline is recorded, when it is refused, and how far it may move a cue (the ``[baseline]`` table)."""

    duration_s: float = number(doc="How long the baseline records", unit="seconds", check=POSITIVE)
    look_at_dot_s: float = number(
        doc="The first seconds, while the trainee looks at the dot beside the lens", unit="seconds", check=POSITIVE
    )
    min_face_share: float = number(
        doc="The face must be seen in at least this share of the judged frames, else the baseline is refused",
        unit="share of the frames",
        check=SHARE,
    )
    max_gaze_spread_deg: float = number(
        doc=(
            "While looking at the dot the gaze must hold this still (median distance from its median), else the "
            "eyes were not on the dot"
        ),
        unit="degrees",
        check=DEGREES,
    )
    max_gaze_offset_deg: float = number(
        doc=(
            "The gaze at the dot may be at most this far from the ray to the lens, either way; further, the eyes "
            "were not on the dot (or the camera's placement in the profile is wrong)"
        ),
        unit="degrees",
        check=DEGREES,
    )
    min_speech_s: float = number(
        doc="At least this much speech must be heard, else the baseline is refused", unit="seconds", check=POSITIVE
    )
    typical_rest_smile_intensity: float = number(
        doc=(
            "mouthSmile* of a neutral resting mouth, for whom [vision.smile] min_smile_intensity was set: a "
            "trainee's smile threshold moves by their own rest minus this"
        ),
        unit="blendshape score 0-1",
        check=SHARE,
    )
    max_rest_smile_intensity: float = number(
        doc="A resting mouth above this is a smile, not a rest: the baseline is refused with 'keep a neutral face'",
        unit="blendshape score 0-1",
        check=SHARE,
    )
    typical_rest_eye_blink: float = number(
        doc="eyeBlink* of open eyes at rest; a trainee's 'eyes closed' threshold moves by their own rest minus this",
        unit="blendshape score 0-1",
        check=SHARE,
    )
    pitch_floor_below_median_st: float = number(
        doc=(
            "With a baseline, pitch is tracked down to this far below the trainee's own median (never above the "
            "profile's [voice] pitch_floor_hz, never below lowest_pitch_floor_hz)"
        ),
        unit="semitones",
        check=POSITIVE,
    )
    pitch_ceiling_above_median_st: float = number(
        doc="...and up to this far above it (never below the profile's [voice] pitch_ceiling_hz)",
        unit="semitones",
        check=POSITIVE,
    )
    lowest_pitch_floor_hz: float = number(
        doc="However low a trainee's voice, pitch is not tracked below this", unit="Hz", check=POSITIVE
    )
    normal_voice_dbfs: float = number(
        doc=(
            "The level a normal speaking voice is taken to have: a baselined take's loudness is its level against "
            "the trainee's baseline voice, plus this"
        ),
        unit="dBFS",
        check=DBFS,
    )


class BaselineError(KioskError):
    """A baseline recording that cannot be used; the message says what to do."""


@dataclass(frozen=True)
class BodyBaseline:
    """The trainee's own centre as the camera sees it: angles in degrees, blendshapes 0-1.

    ``gaze_*`` is head + eyes against the ray from the eyes to the lens while
    looking at the dot; the posture angles are medians over the baseline
    (``None`` where the body was not seen).
    """

    gaze_yaw_deg: float
    gaze_pitch_deg: float
    rest_smile_intensity: float
    rest_eye_blink: float
    head_roll_deg: float
    head_pitch_deg: float
    shoulder_tilt_deg: float | None
    torso_lean_deg: float | None


@dataclass(frozen=True)
class VoiceBaseline:
    """The trainee's normal voice at this kiosk, and the room: pitch in Hz and semitones, levels in dBFS."""

    median_pitch_hz: float | None
    pitch_spread_st: float | None
    speech_dbfs: float
    noise_floor_dbfs: float | None


@dataclass(frozen=True)
class TraineeBaseline:
    """A trainee's baseline at one kiosk: when it was taken, and what it found (either part may be missing)."""

    taken_at: datetime
    kiosk: str
    body: BodyBaseline | None
    voice: VoiceBaseline | None
    version: int = BASELINE_VERSION

    def to_json(self) -> dict[str, Any]:
        """A plain-JSON copy (the ``baseline`` of a take's report, and what the store keeps)."""
        return {
            "version": self.version,
            "taken_at": self.taken_at.isoformat(timespec="seconds"),
            "kiosk": self.kiosk,
            "body": None if self.body is None else asdict(self.body),
            "voice": None if self.voice is None else asdict(self.voice),
        }

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> TraineeBaseline:
        """Read what :meth:`to_json` wrote.

        Raises:
            BaselineError: a newer version, or a document that is not a baseline.
        """
        try:
            version = int(document["version"])
            if version > BASELINE_VERSION:
                raise BaselineError(
                    f"This baseline was written by a newer kiosk (version {version}; this one reads up to "
                    f"{BASELINE_VERSION}); update the kiosk or recalibrate."
                )
            body, voice = document.get("body"), document.get("voice")
            return cls(
                taken_at=datetime.fromisoformat(document["taken_at"]),
                kiosk=str(document.get("kiosk", "")),
                body=None if body is None else BodyBaseline(**body),
                voice=None if voice is None else VoiceBaseline(**voice),
                version=version,
            )
        except (KeyError, TypeError, ValueError) as err:
            raise BaselineError(f"This is not a baseline the kiosk can read ({err!r}); recalibrate.") from err
