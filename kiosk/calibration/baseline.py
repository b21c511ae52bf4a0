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

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from kiosk.calibration.schema import DEGREES, NOT_NEGATIVE, POSITIVE, SHARE, Range, number, profile_table
from kiosk.errors import KioskError
from kiosk.vocabulary import CalibrationProblem

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
    dot_settle_s: float = number(
        doc="The first part of the dot's time is left out: the eyes are still travelling to it",
        unit="seconds",
        check=NOT_NEGATIVE,
    )
    min_dot_share: float = number(
        doc="The face and open eyes must be seen in at least this share of the dot's judged frames",
        unit="share of the frames",
        check=SHARE,
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
            "The gaze at the dot may read at most this far from the ray to the lens, either way (after the dot's "
            "own angle); further, the eyes were on something else"
        ),
        unit="degrees",
        check=DEGREES,
    )
    session_keep_s: float = number(
        doc=(
            "A baseline kept for the session only (a trainee without a name) is forgotten after this long: a "
            "kiosk's page stays open all day, and the next trainee is someone else"
        ),
        unit="seconds",
        check=POSITIVE,
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
    max_smile_cut_intensity: float = number(
        doc=(
            "However a trainee's mouth rests, mouthSmile* from this up is a smile (their threshold moves up to "
            "here, no further)"
        ),
        unit="blendshape score 0-1",
        check=SHARE,
    )
    typical_rest_eye_blink: float = number(
        doc="eyeBlink* of open eyes at rest; a trainee's 'eyes closed' threshold moves by their own rest minus this",
        unit="blendshape score 0-1",
        check=SHARE,
    )
    max_eyes_closed_cut: float = number(
        doc="However a trainee's lids rest, eyeBlink* from this up is closed eyes (their threshold moves up to here)",
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
    typical_room_floor_dbfs: float = number(
        doc=(
            "The noise floor of a typical room through a typical microphone gain: a baselined take's loudness is "
            "its level with the gain taken out, by how far the baseline's room floor sits from this"
        ),
        unit="dBFS",
        check=DBFS,
    )
    max_gain_correction_db: float = number(
        doc="The gain taken out is at most this, either way (a floor far off is a noise gate or a noisy room)",
        unit="dB",
        check=NOT_NEGATIVE,
    )

    def checks(self) -> Iterator[str]:
        if not self.dot_settle_s < self.look_at_dot_s < self.duration_s:
            yield (
                f"needs dot_settle_s < look_at_dot_s < duration_s, got {self.dot_settle_s}, {self.look_at_dot_s} "
                f"and {self.duration_s}."
            )
        if not self.typical_rest_smile_intensity < self.max_rest_smile_intensity < self.max_smile_cut_intensity:
            yield (
                "needs typical_rest_smile_intensity < max_rest_smile_intensity < max_smile_cut_intensity, got "
                f"{self.typical_rest_smile_intensity}, {self.max_rest_smile_intensity} and "
                f"{self.max_smile_cut_intensity}."
            )
        if not self.typical_rest_eye_blink < self.max_eyes_closed_cut:
            yield (
                f"typical_rest_eye_blink ({self.typical_rest_eye_blink}) must be below max_eyes_closed_cut "
                f"({self.max_eyes_closed_cut})."
            )


class BaselineError(KioskError):
    """A baseline recording that cannot be used; the message says what to do.

    ``problem`` names why (the app words it in the trainee's language with
    ``values``); ``None`` for a stored baseline that cannot be read.
    """

    def __init__(
        self, message: str, problem: CalibrationProblem | None = None, values: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.problem = problem
        self.values = dict(values or {})


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
