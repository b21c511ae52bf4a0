"""The ``[vision]`` tables: when a landmark, a face or a body counts, and the thresholds of the body cues."""

from __future__ import annotations

from collections.abc import Iterator

from kiosk.calibration.schema import (
    BETWEEN_0_AND_1,
    DEGREES,
    NOT_NEGATIVE,
    POSITIVE,
    SHARE,
    Range,
    number,
    profile_table,
    table,
)

#: A blendshape coefficient (MediaPipe's face blendshapes, ARKit-style).
BLENDSHAPE = "blendshape score 0-1"
#: Mean luma of a picture region (BT.601).
LUMA = Range(0, 255)


@profile_table
class FramingThresholds:
    """Face size, centring and lighting (the ``[vision.framing]`` table)."""

    min_face_height_share: float = number(
        doc="Smallest face height that reads as head-and-shoulders framing",
        unit="share of the frame height",
        check=SHARE,
    )
    max_face_height_share: float = number(
        doc="Largest face height that reads as head-and-shoulders framing",
        unit="share of the frame height",
        check=SHARE,
    )
    max_face_offset_share: float = number(
        doc="Face centre this far from the frame centre is off-centre",
        unit="share of the frame width or height",
        check=SHARE,
    )
    min_face_luma: float = number(
        doc="Mean face luma below this is too dark to read expressions", unit="luma 0-255, BT.601", check=LUMA
    )
    max_backlight_luma_difference: float = number(
        doc="Background brighter than the face by this much reads as backlit", unit="luma 0-255", check=LUMA
    )

    def checks(self) -> Iterator[str]:
        if self.min_face_height_share >= self.max_face_height_share:
            yield (
                f"min_face_height_share ({self.min_face_height_share}) must be below "
                f"max_face_height_share ({self.max_face_height_share})."
            )


@profile_table
class EyeContactThresholds:
    """Gaze at the camera from head pose and eye blendshapes (the ``[vision.eye_contact]`` table)."""

    eye_yaw_deg_per_unit: float = number(
        doc="Horizontal eye-in-head rotation per unit of the eyeLook* blendshapes",
        unit="degrees per blendshape unit",
        check=POSITIVE,
    )
    eye_pitch_deg_per_unit: float = number(
        doc="Vertical eye-in-head rotation per unit of the eyeLook* blendshapes",
        unit="degrees per blendshape unit",
        check=POSITIVE,
    )
    max_gaze_yaw_deg: float = number(
        doc="Gaze (head + eyes) within this of the camera, sideways, counts as looking at it",
        unit="degrees",
        check=DEGREES,
    )
    max_gaze_pitch_deg: float = number(
        doc="Gaze (head + eyes) within this of the camera, up or down, counts as looking at it",
        unit="degrees",
        check=DEGREES,
    )
    eyes_closed_blink: float = number(
        doc="Eyes this closed (eyeBlink*) cannot be making eye contact", unit=BLENDSHAPE, check=SHARE
    )


@profile_table
class SmileThresholds:
    """Smiles, genuine smiles, and crying or laughing that pull the lips too (the ``[vision.smile]`` table)."""

    min_smile_intensity: float = number(
        doc="mouthSmileLeft/Right mean at or above this is a smile (FACS AU12 at intensity C)",
        unit=BLENDSHAPE,
        check=SHARE,
    )
    min_eye_squint_for_duchenne: float = number(
        doc="cheekSquint/eyeSquint at or above this means the smile reaches the eyes (AU6)",
        unit=BLENDSHAPE,
        check=SHARE,
    )
    distress_min_eye_closure: float = number(
        doc="Eyes screwed shut this far, with a smile and no laugh, read as crying", unit=BLENDSHAPE, check=SHARE
    )
    distress_min_inner_brow_raise: float = number(
        doc='The oblique "grief" brow (browInnerUp, AU1) from this far, with a smile and no laugh, reads as crying',
        unit=BLENDSHAPE,
        check=SHARE,
    )
    laugh_min_upper_lip_raise: float = number(
        doc="A raised upper lip (mouthUpperUp, AU10) from this far makes it a laugh, not crying",
        unit=BLENDSHAPE,
        check=SHARE,
    )


@profile_table
class PostureThresholds:
    """Upright posture (the ``[vision.posture]`` table)."""

    max_shoulder_tilt_deg: float = number(
        doc="Shoulder line more than this from horizontal is a visible lean to one side",
        unit="degrees",
        check=DEGREES,
    )
    max_head_tilt_deg: float = number(doc="Head roll beyond this reads as a tilted head", unit="degrees", check=DEGREES)
    max_head_drop_deg: float = number(
        doc="Head pitched down beyond this reads as looking down, head dropped", unit="degrees", check=DEGREES
    )
    max_torso_lean_deg: float = number(
        doc="Torso (hips to shoulders) more than this from vertical is slouching or leaning",
        unit="degrees",
        check=DEGREES,
    )
    min_ear_to_shoulder_ratio: float = number(
        doc="Vertical ear-to-shoulder distance below this means shoulders drawn up towards the ears (tension)",
        unit="ratio to the shoulder width",
        check=NOT_NEGATIVE,
    )


@profile_table
class ArmThresholds:
    """Crossed arms and hands at the face (the ``[vision.arms]`` table)."""

    max_wrist_to_midline_ratio: float = number(
        doc="Crossed arms: a wrist within this of the body's midline, or past it, is across the body",
        unit="shoulder widths",
        check=NOT_NEGATIVE,
    )
    max_wrist_drop_ratio: float = number(
        doc="Crossed arms: the wrist no higher than the shoulders nor lower than this below them (on the chest)",
        unit="shoulder widths",
        check=POSITIVE,
    )
    max_forearm_angle_deg: float = number(
        doc="Crossed arms: the forearm within this of level (a hand raised to the face has a steep forearm)",
        unit="degrees",
        check=DEGREES,
    )
    face_touch_margin_share: float = number(
        doc="A hand point within the face box grown by this much on each side touches the face",
        unit="share of the face box size",
        check=NOT_NEGATIVE,
    )
    neck_below_chin_share: float = number(
        doc="The face box grown downwards by this much takes in the neck",
        unit="share of the face box height",
        check=NOT_NEGATIVE,
    )


@profile_table
class EpisodeThresholds:
    """How per-frame cues become episodes and shares of the take (the ``[vision.episodes]`` table)."""

    merge_gap_s: float = number(
        doc="Runs of a cue closer than this are one episode (a blink does not end a smile)",
        unit="seconds",
        check=NOT_NEGATIVE,
    )
    min_episode_s: float = number(
        doc="Episodes shorter than this are dropped from the list (they still count in shares)",
        unit="seconds",
        check=NOT_NEGATIVE,
    )
    max_frame_span_s: float = number(
        doc="A frame stands for the time until the next one, but never more than this (gaps, dropped frames)",
        unit="seconds",
        check=POSITIVE,
    )


@profile_table
class VisionCalibration:
    """The ``[vision]`` part of a calibration profile."""

    min_landmark_visibility: float = number(
        doc="A pose landmark counts as seen from this MediaPipe visibility",
        unit="visibility score 0-1",
        check=SHARE,
    )
    min_face_confidence: float = number(
        doc="Face detection, presence and tracking confidence (0.55 drops one-frame faces in cartoon titles)",
        unit="confidence 0-1",
        check=BETWEEN_0_AND_1,
    )
    body_nose_margin_share: float = number(
        doc="A body is the trainee's when its nose lies on the trainee's face box grown by this on each side",
        unit="share of the face box",
        check=NOT_NEGATIVE,
    )
    framing: FramingThresholds = table(doc="Face size, centring and lighting: [vision.framing]")
    eye_contact: EyeContactThresholds = table(doc="Looking at the camera: [vision.eye_contact]")
    smile: SmileThresholds = table(doc="Smiling: [vision.smile]")
    posture: PostureThresholds = table(doc="Upright posture: [vision.posture]")
    arms: ArmThresholds = table(doc="Crossed arms and hands at the face: [vision.arms]")
    episodes: EpisodeThresholds = table(doc="Episodes and shares: [vision.episodes]")
