"""The ``[vision]`` tables: when a landmark, a face or a body counts, and the thresholds of the body cues."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from kiosk.calibration.schema import (
    BETWEEN_0_AND_1,
    DEGREES,
    NOT_NEGATIVE,
    POSITIVE,
    SHARE,
    Range,
    choice,
    number,
    profile_table,
    table,
)
from kiosk.vocabulary import CameraPlacement

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
        doc="Gaze (head + eyes) within this of the ray from the eyes to the lens, sideways, counts as looking at it",
        unit="degrees",
        check=DEGREES,
    )
    max_gaze_above_camera_deg: float = number(
        doc=(
            "Gaze (head + eyes) at most this far above the ray from the eyes to the lens counts as looking at it "
            "(nothing to read sits above a camera)"
        ),
        unit="degrees",
        check=DEGREES,
    )
    max_gaze_below_camera_deg: float = number(
        doc=(
            "Gaze at most this far below the ray from the eyes to the lens counts as looking at it; further down "
            "is the screen's lower part, a sheet or the desk"
        ),
        unit="degrees",
        check=DEGREES,
    )
    eyes_closed_blink: float = number(
        doc="Eyes this closed (eyeBlink*) cannot be making eye contact", unit=BLENDSHAPE, check=SHARE
    )
    teleprompter_margin_deg: float = number(
        doc=(
            "Gaze this far past the teleprompter's far edge ([vision.camera]) still counts as reading it, next to "
            "the lens: the eyes' angle is measured this roughly"
        ),
        unit="degrees",
        check=DEGREES,
    )


@dataclass(frozen=True)
class GazeWindow:
    """How far gaze may stray from the ray to the lens, each way, and still count as looking at it (degrees)."""

    towards_image_left_deg: float
    towards_image_right_deg: float
    above_deg: float
    below_deg: float

    def holds(self, yaw_deg: float, pitch_deg: float) -> bool:
        """Whether gaze ``yaw_deg`` (+ towards the image's right) and ``pitch_deg`` (+ up) off the ray is inside."""
        return (
            -self.towards_image_left_deg <= yaw_deg <= self.towards_image_right_deg
            and -self.below_deg <= pitch_deg <= self.above_deg
        )


@profile_table
class CameraGeometry:
    """Where the camera is as seen from the face (the ``[vision.camera]`` table)."""

    horizontal_fov_deg: float = number(
        doc="The camera's horizontal field of view, to turn a place in the picture into a direction from the lens",
        unit="degrees",
        check=Range(0, 180, low_open=True, high_open=True, noun="degrees"),
    )
    landmarker_yaw_ray_share: float = number(
        doc=(
            "Share of the face's sideways angle off the camera axis that MediaPipe's facial transformation matrix "
            "already carries in its yaw (the rest of its yaw is the head relative to the ray to the lens)"
        ),
        unit="share 0-1",
        check=SHARE,
    )
    landmarker_pitch_ray_share: float = number(
        doc="The same for the pitch: the share of the face's vertical angle off the axis in the matrix's pitch",
        unit="share 0-1",
        check=SHARE,
    )
    placement: CameraPlacement = choice(
        doc="Where the camera sits against the screen the trainee reads (as the trainee sees it)",
        vocabulary=CameraPlacement,
    )
    distance_m: float = number(
        doc="How far the trainee's eyes are from the lens at this kiosk",
        unit="metres",
        check=Range(0, 5, low_open=True, noun="metres"),
    )
    teleprompter_far_edge_cm: float = number(
        doc=(
            "How far from the lens the teleprompter's text reaches, towards the screen (the kiosk page puts it "
            "at the screen's edge nearest the lens)"
        ),
        unit="centimetres",
        check=Range(0, 200, noun="centimetres"),
    )

    dot_from_lens_cm: float = number(
        doc="How far from the lens the calibration's dot is drawn, towards the screen (its centre)",
        unit="centimetres",
        check=Range(0, 200, noun="centimetres"),
    )

    def towards_screen_deg(self, angle_deg: float) -> tuple[float, float]:
        """(yaw, pitch) of a gaze ``angle_deg`` off the lens towards the screen (yaw + towards the picture's
        right, pitch + up; the trainee's left is the picture's right)."""
        return {
            CameraPlacement.ABOVE: (0.0, -angle_deg),
            CameraPlacement.BELOW: (0.0, angle_deg),
            CameraPlacement.LEFT: (-angle_deg, 0.0),  # the screen on the trainee's right: the picture's left
            CameraPlacement.RIGHT: (angle_deg, 0.0),
        }[self.placement]

    def seen_from_eyes_deg(self, from_lens_cm: float) -> float:
        """The angle between the lens and a point ``from_lens_cm`` from it on the screen, seen from the eyes."""
        return math.degrees(math.atan2(from_lens_cm / 100.0, self.distance_m))

    @property
    def dot_deg(self) -> float:
        """The angle between the lens and the calibration's dot, seen from the trainee's eyes."""
        return self.seen_from_eyes_deg(self.dot_from_lens_cm)

    @property
    def teleprompter_reach_deg(self) -> float:
        """The angle between the lens and the teleprompter's far edge, seen from the trainee's eyes."""
        return self.seen_from_eyes_deg(self.teleprompter_far_edge_cm)


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
        doc=(
            "Eyes screwed shut this far (eyeBlink*), with a smile and no laugh, read as crying; used only when the "
            "lids' landmarks are not given (eyes lowered to look down score as high)"
        ),
        unit=BLENDSHAPE,
        check=SHARE,
    )
    distress_max_eye_aperture_ratio: float = number(
        doc=(
            "Eyes screwed shut: the gap between the lids at most this share of the eye's width (both eyes' mean), "
            "with a smile and no laugh, reads as crying; lids lowered to look down keep a slit open"
        ),
        unit="ratio of lid gap to eye width",
        check=SHARE,
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
    max_folded_elbow_angle_deg: float = number(
        doc=(
            "Folded arms: each elbow bent to at most this angle between upper arm and forearm "
            "(180 is a straight arm), the wrist taken where the pose model puts it, seen or hidden"
        ),
        unit="degrees",
        check=Range(0, 180, low_open=True, high_open=True, noun="degrees"),
    )
    max_wrist_to_opposite_elbow_ratio: float = number(
        doc=(
            "Folded arms: a wrist within this distance of the other arm's elbow (or its upper arm's lower half) "
            "holds or lies under that arm"
        ),
        unit="shoulder widths",
        check=POSITIVE,
    )


@profile_table
class HandThresholds:
    """Hands found by the hand landmarker (the ``[vision.hands]`` table)."""

    min_detection_confidence: float = number(
        doc="The hand landmarker's palm detection, hand presence and tracking confidence",
        unit="confidence 0-1",
        check=BETWEEN_0_AND_1,
    )
    min_handedness_score: float = number(
        doc="A hand counts only when the landmarker is at least this sure whether it is a left or a right hand",
        unit="score 0-1",
        check=SHARE,
    )
    min_points_inside_share: float = number(
        doc="A hand is in view when at least this share of its 21 landmarks lies inside the picture",
        unit="share of the hand's landmarks",
        check=SHARE,
    )
    min_points_on_face: float = number(
        doc="A hand touches the face or neck when at least this many of its landmarks lie on them",
        unit="landmarks (of 21)",
        check=Range(1, 21, noun="landmarks"),
    )
    interval_s: float = number(
        doc=(
            "Run the hand landmarker on a judged frame only when it last ran at least this long before "
            "(within half a tick of [vision.schedule] rate_hz), by the take's timestamps (0: on every judged "
            "frame); the frames between keep its last hands"
        ),
        unit="seconds",
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
class ScheduleSettings:
    """Which frames of a take are judged (the ``[vision.schedule]`` table): the same live and offline."""

    rate_hz: float = number(
        doc=(
            "Frames judged per second of the take: for each tick k / rate_hz the frame nearest to it "
            "(a frame nearest to two ticks is judged once), whatever the source's frame rate or the machine's load"
        ),
        unit="frames per second",
        check=POSITIVE,
    )
    pose_interval_s: float = number(
        doc=(
            "Run the pose landmarker on a judged frame only when it last ran at least this long before "
            "(within half a tick of rate_hz), by the take's timestamps (0: on every judged frame); the frames "
            "between keep its last bodies"
        ),
        unit="seconds",
        check=NOT_NEGATIVE,
    )
    halves_from_s: float = number(
        doc=(
            "An upload at least this long is analysed in two halves side by side, each by its own landmarkers, "
            "on a machine with two cores or more (0: always in one pass)"
        ),
        unit="seconds",
        check=NOT_NEGATIVE,
    )
    max_backlog_s: float = number(
        doc=(
            "Live: scheduled frames waiting for the analyser, in seconds of the take, before further ones are "
            "dropped (with a note) so a machine far too slow cannot fill the memory"
        ),
        unit="seconds",
        check=POSITIVE,
    )


@profile_table
class HysteresisSettings:
    """How long a new yes/no state must hold before a cue flips to it (the ``[vision.hysteresis]`` table)."""

    eye_contact_hold_s: float = number(
        doc="Eye contact and closed eyes change only after the new state held this long",
        unit="seconds",
        check=NOT_NEGATIVE,
    )
    smile_hold_s: float = number(
        doc="Smiling and the smile reaching the eyes change only after the new state held this long",
        unit="seconds",
        check=NOT_NEGATIVE,
    )
    posture_hold_s: float = number(
        doc="Upright, head tilted or dropped and raised shoulders change only after the new state held this long",
        unit="seconds",
        check=NOT_NEGATIVE,
    )
    arms_hold_s: float = number(
        doc="Crossed arms, hands in view, a hand at the face and crossed legs change only after this long",
        unit="seconds",
        check=NOT_NEGATIVE,
    )
    framing_hold_s: float = number(
        doc="Well framed, too dark and backlit change only after the new state held this long",
        unit="seconds",
        check=NOT_NEGATIVE,
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
    camera: CameraGeometry = table(doc="The camera's field of view and the head pose's frame: [vision.camera]")
    smile: SmileThresholds = table(doc="Smiling: [vision.smile]")
    posture: PostureThresholds = table(doc="Upright posture: [vision.posture]")
    arms: ArmThresholds = table(doc="Crossed arms and hands at the face: [vision.arms]")
    hands: HandThresholds = table(doc="Hands found by the hand landmarker: [vision.hands]")
    episodes: EpisodeThresholds = table(doc="Episodes and shares: [vision.episodes]")
    schedule: ScheduleSettings = table(doc="Which frames are judged, live and offline: [vision.schedule]")
    hysteresis: HysteresisSettings = table(doc="Steady cue states: [vision.hysteresis]")

    @cached_property
    def gaze_window(self) -> GazeWindow:
        """Eye contact's limits at this kiosk: the profile's, turned to where the screen is, and wide enough
        that reading the teleprompter beside the lens is never looking away.

        ``[vision.eye_contact]`` gives them for a camera above the screen (below
        the lens is towards the screen); a camera below or beside the screen turns
        that side towards it. The trainee's left is the picture's right.
        """
        ec = self.eye_contact
        towards_screen = max(
            ec.max_gaze_below_camera_deg, self.camera.teleprompter_reach_deg + ec.teleprompter_margin_deg
        )
        sideways, away = ec.max_gaze_yaw_deg, ec.max_gaze_above_camera_deg
        placement = self.camera.placement
        if placement is CameraPlacement.ABOVE:
            return GazeWindow(sideways, sideways, away, towards_screen)
        if placement is CameraPlacement.BELOW:
            return GazeWindow(sideways, sideways, towards_screen, away)
        # Beside the screen: up and down stay as over a screen's top edge; the screen's side widens.
        screen_on_image_left = placement is CameraPlacement.LEFT  # the screen on the trainee's right
        towards_side = max(sideways, towards_screen)
        return GazeWindow(
            towards_side if screen_on_image_left else sideways,
            sideways if screen_on_image_left else towards_side,
            away,
            ec.max_gaze_below_camera_deg,
        )
