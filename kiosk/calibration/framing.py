"""The ``[framing]`` table: the video-call framing checks, reusing numbers the profile keeps elsewhere."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kiosk.calibration.schema import DEGREES, POSITIVE, derived, number, profile_table
from kiosk.calibration.vision import FramingThresholds
from kiosk.vocabulary import Cue, Setting


def _lens_share(tables: Mapping[str, Any]) -> float:
    return float(tables["scoring"].target(Setting.VIDEO_CALL, Cue.EYE_CONTACT).band[0])


@profile_table
class FramingCalibration:
    """What the video-call framing checks compare against (the ``[framing]`` table, and numbers kept elsewhere)."""

    thresholds: FramingThresholds = derived(
        doc="Face size, centring and lighting",
        unit="see FramingThresholds",
        source="[vision.framing]",
        needs=("vision",),
        compute=lambda tables: tables["vision"].framing,
    )
    max_camera_pitch_deg: float = number(
        doc=(
            "Head pitch against the ray from the eyes to the lens beyond which the camera sits too low "
            "(+, the face points above the lens) or too high (-)"
        ),
        unit="degrees",
        check=DEGREES,
    )
    min_lens_share: float = derived(
        doc="Looking at the lens for at least this share of the time passes",
        unit="share 0-1 of the time",
        source="the low end of the [scoring.video_call.eye_contact] band",
        needs=("scoring",),
        compute=_lens_share,
    )
    window_s: float = number(doc="The live check reads the last this long of frames", unit="seconds", check=POSITIVE)
