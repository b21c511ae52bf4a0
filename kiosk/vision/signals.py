"""Body-language signals of one frame, from its landmarks (pure functions).

Every function here takes landmark arrays and calibration thresholds and
returns plain values; nothing runs a model. A cue whose landmarks are not
visible enough is ``None`` (unknown) for that frame, never guessed.

Coordinates: image x to the right and y down, normalised 0-1 by MediaPipe;
angles are computed in pixels (x scaled by the aspect ratio) so that a square
stays square. Head and gaze angles are degrees with yaw positive towards the
image's right, pitch positive upwards.

Head and gaze angles are against the ray from the trainee's eyes to the
lens (what the other side sees: 0, 0 is a face turned to the lens), not
against the camera's axis: a face high in the picture meets the lens by
looking slightly down. The lens's own direction from the eyes, against the
camera's axis, sits beside them (``camera_yaw_deg``, ``camera_pitch_deg``,
:func:`camera_direction`); head plus camera is the head against the axis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from kiosk.calibration import VisionCalibration
from kiosk.vision.landmarks import Detections, FaceDetection, HandDetection, PoseDetection

# Pose landmark indices (MediaPipe BlazePose topology).
NOSE = 0
LEFT_EAR, RIGHT_EAR = 7, 8
LEFT_SHOULDER, RIGHT_SHOULDER = 11, 12
LEFT_ELBOW, RIGHT_ELBOW = 13, 14
LEFT_WRIST, RIGHT_WRIST = 15, 16
LEFT_HAND = (15, 17, 19, 21)  # wrist, pinky, index, thumb
RIGHT_HAND = (16, 18, 20, 22)
LEFT_HIP, RIGHT_HIP = 23, 24
LEFT_KNEE, RIGHT_KNEE = 25, 26
LEFT_ANKLE, RIGHT_ANKLE = 27, 28


@dataclass(frozen=True)
class HeadPose:
    """Head orientation in degrees: yaw (+ towards image right), pitch (+ up), roll (+ clockwise in the image)."""

    yaw_deg: float
    pitch_deg: float
    roll_deg: float


@dataclass(frozen=True)
class FrameSignals:
    """What the trainee's body said in one frame. ``None`` means unknown.

    Times in seconds from the start of the take; shares are fractions of the
    frame (0-1); angles in degrees; luma 0-255.
    """

    time_s: float
    # presence and framing
    face_found: bool
    people_in_view: int
    face_box: tuple[float, float, float, float] | None  # x0, y0, x1, y1 as shares of width/height
    face_height_share: float | None
    face_offset_x_share: float | None  # + right of centre
    face_offset_y_share: float | None  # + below centre
    face_luma: float | None
    background_luma: float | None
    too_dark: bool | None
    backlit: bool | None
    well_framed: bool | None
    # eye contact
    head_yaw_deg: float | None
    head_pitch_deg: float | None
    head_roll_deg: float | None
    gaze_yaw_deg: float | None
    gaze_pitch_deg: float | None
    camera_yaw_deg: float | None  # the ray from the eyes to the lens, against the camera's axis
    camera_pitch_deg: float | None
    eye_blink: float | None  # eyeBlink* mean, 0-1: how closed the lids are
    eyes_closed: bool | None
    eye_contact: bool | None
    # smile
    smile_intensity: float | None
    eye_squint: float | None  # cheekSquint/eyeSquint, 0-1: a smile reaching the eyes (AU6)
    smile_distress: bool | None  # the lips pulled by crying, not a smile (see smile_judgement)
    smile_reaches_eyes: bool | None
    smiling: bool | None
    # posture
    shoulder_tilt_deg: float | None
    head_tilted: bool | None
    head_dropped: bool | None
    torso_lean_deg: float | None
    shoulders_raised: bool | None
    upright: bool | None
    # arms, hands and legs
    arms_crossed: bool | None
    wrists_across_body: int | None
    hands_visible: bool | None
    hand_on_face: bool | None
    legs_crossed: bool | None

    @classmethod
    def unknown(cls, time_s: float, *, face_found: bool, people_in_view: int) -> FrameSignals:
        """A frame's signals with everything but presence unknown (``None``)."""
        return cls(
            time_s=time_s,
            face_found=face_found,
            people_in_view=people_in_view,
            face_box=None,
            face_height_share=None,
            face_offset_x_share=None,
            face_offset_y_share=None,
            face_luma=None,
            background_luma=None,
            too_dark=None,
            backlit=None,
            well_framed=None,
            head_yaw_deg=None,
            head_pitch_deg=None,
            head_roll_deg=None,
            gaze_yaw_deg=None,
            gaze_pitch_deg=None,
            camera_yaw_deg=None,
            camera_pitch_deg=None,
            eye_blink=None,
            eyes_closed=None,
            eye_contact=None,
            smile_intensity=None,
            eye_squint=None,
            smile_distress=None,
            smile_reaches_eyes=None,
            smiling=None,
            shoulder_tilt_deg=None,
            head_tilted=None,
            head_dropped=None,
            torso_lean_deg=None,
            shoulders_raised=None,
            upright=None,
            arms_crossed=None,
            wrists_across_body=None,
            hands_visible=None,
            hand_on_face=None,
            legs_crossed=None,
        )

    @property
    def others_present(self) -> bool:
        return self.people_in_view > 1


# -- choosing the trainee ------------------------------------------------------
def face_box(face: FaceDetection) -> tuple[float, float, float, float]:
    """Bounding box of the face landmarks, as shares of the frame (x0, y0, x1, y1)."""
    xy = face.landmarks[:, :2]
    x0, y0 = np.clip(xy.min(axis=0), 0.0, 1.0)
    x1, y1 = np.clip(xy.max(axis=0), 0.0, 1.0)
    return float(x0), float(y0), float(x1), float(y1)


def trainee_index(faces: tuple[FaceDetection, ...]) -> int | None:
    """Which face is the trainee: the largest, most central one."""
    if not faces:
        return None

    def weight(face: FaceDetection) -> float:
        x0, y0, x1, y1 = face_box(face)
        area = (x1 - x0) * (y1 - y0)
        off_centre = math.hypot((x0 + x1) / 2 - 0.5, (y0 + y1) / 2 - 0.5)
        return area * (1.0 - off_centre)

    return int(max(range(len(faces)), key=lambda i: weight(faces[i])))


def matching_pose(
    poses: tuple[PoseDetection, ...], box: tuple[float, float, float, float] | None, calibration: VisionCalibration
) -> PoseDetection | None:
    """The body whose nose lies on the trainee's face (the face box, grown a little).

    Without a face there is no trainee to attribute a body to: the pose model
    alone also "finds" bodies in cartoons and posters. A body whose nose is on
    someone else's face is not the trainee's either.
    """
    if not poses or box is None:
        return None
    x0, y0, x1, y1 = box
    margin = calibration.body_nose_margin_share
    mx, my = (x1 - x0) * margin, (y1 - y0) * margin
    on_face = [
        p for p in poses if x0 - mx <= p.landmarks[NOSE, 0] <= x1 + mx and y0 - my <= p.landmarks[NOSE, 1] <= y1 + my
    ]
    if not on_face:
        return None
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return min(on_face, key=lambda p: math.hypot(p.landmarks[NOSE, 0] - cx, p.landmarks[NOSE, 1] - cy))


def people_in_view(detections: Detections) -> int:
    """How many people are in view: faces, or bodies beside a face (a face may be too small to land-mark)."""
    if not detections.faces:
        return 0
    return max(len(detections.faces), len(detections.poses))


# -- face ------------------------------------------------------------------------
def head_pose(face: FaceDetection) -> HeadPose:
    """Head yaw, pitch and roll as MediaPipe's facial transformation matrix gives them.

    These are in the frame of MediaPipe's virtual camera and carry part of
    the face's angle off the camera's axis (see ``[vision.camera]``);
    :func:`head_pose_to_camera` gives the head against the ray to the lens.
    """
    rotation = face.head_pose[:3, :3].astype(np.float64)
    forward = rotation[:, 2]  # the face's out-of-face axis in camera coordinates
    yaw = math.degrees(math.atan2(forward[0], forward[2]))
    pitch = math.degrees(math.atan2(forward[1], math.hypot(forward[0], forward[2])))
    roll = math.degrees(math.atan2(-rotation[1, 0], rotation[0, 0]))
    return HeadPose(yaw_deg=yaw, pitch_deg=pitch, roll_deg=roll)


# Face mesh points: the irises' centres (the refined 478-point mesh) and the eyelids.
MESH_RIGHT_IRIS, MESH_LEFT_IRIS = 468, 473
# Per eye: upper lid, lower lid (middle of each), outer and inner corner.
MESH_EYES = ((159, 145, 33, 133), (386, 374, 263, 362))


def landmarker_ray_deg(face: FaceDetection) -> tuple[float, float]:
    """(yaw, pitch) of the direction from the face to MediaPipe's virtual camera, in that camera's frame.

    The matrix's translation is where MediaPipe placed the face (its
    camera: x right, y up, looking down -z); the lens is at the origin.
    """
    tx, ty, tz = (float(v) for v in face.head_pose[:3, 3])
    if tx == 0.0 and ty == 0.0 and tz == 0.0:
        return 0.0, 0.0
    return math.degrees(math.atan2(-tx, -tz)), math.degrees(math.atan2(-ty, math.hypot(tx, tz)))


def head_pose_to_camera(face: FaceDetection, calibration: VisionCalibration) -> HeadPose:
    """The head's yaw and pitch against the ray from the face to the lens (0, 0: the face points at the lens).

    MediaPipe's matrix carries a fixed share of the face's angle off its
    virtual camera's axis (``[vision.camera] landmarker_*_ray_share``,
    measured); taking it out leaves what the face's appearance shows, the
    head against the line of sight, wherever the face is in the picture.
    Roll is the matrix's.
    """
    raw = head_pose(face)
    ray_yaw, ray_pitch = landmarker_ray_deg(face)
    cam = calibration.camera
    return HeadPose(
        yaw_deg=raw.yaw_deg - cam.landmarker_yaw_ray_share * ray_yaw,
        pitch_deg=raw.pitch_deg - cam.landmarker_pitch_ray_share * ray_pitch,
        roll_deg=raw.roll_deg,
    )


def eyes_centre(face: FaceDetection) -> tuple[float, float]:
    """Midpoint of the two irises (or of the eye corners on a 468-point mesh), as shares of the frame."""
    marks = face.landmarks
    if len(marks) > MESH_LEFT_IRIS:
        points = marks[[MESH_RIGHT_IRIS, MESH_LEFT_IRIS], :2]
    else:
        points = marks[[MESH_EYES[0][2], MESH_EYES[1][2]], :2]
    x, y = points.mean(axis=0)
    return float(x), float(y)


def camera_direction(
    point: tuple[float, float], width: int, height: int, calibration: VisionCalibration
) -> tuple[float, float]:
    """(yaw, pitch) in degrees of the ray from a point of the picture to the lens, against the camera's axis.

    A pinhole camera with the profile's horizontal field of view. A face
    left of centre meets the lens by turning towards the image's right
    (yaw +); a face above the centre by looking down (pitch -).
    """
    half_fov = math.radians(calibration.camera.horizontal_fov_deg) / 2.0
    focal_px = (width / 2.0) / math.tan(half_fov)
    dx = (point[0] - 0.5) * width  # + right of the axis
    dy = (point[1] - 0.5) * height  # + below the axis
    return math.degrees(math.atan2(-dx, focal_px)), math.degrees(math.atan2(dy, math.hypot(dx, focal_px)))


def looking_at_camera(gaze_off_yaw_deg: float, gaze_off_pitch_deg: float, calibration: VisionCalibration) -> bool:
    """Gaze (head + eyes) off the ray to the lens within the kiosk's window (:attr:`VisionCalibration.gaze_window`)."""
    return calibration.gaze_window.holds(gaze_off_yaw_deg, gaze_off_pitch_deg)


def eye_aperture_ratio(face: FaceDetection, aspect: float) -> float | None:
    """Gap between the lids over the eye's width, mean of both eyes (0: shut); ``None`` without a face mesh."""
    marks = face.landmarks
    if len(marks) <= max(max(eye) for eye in MESH_EYES):
        return None
    xy = marks[:, :2].astype(np.float64) * np.array([aspect, 1.0])
    ratios = []
    for upper, lower, outer, inner in MESH_EYES:
        width = float(np.linalg.norm(xy[outer] - xy[inner]))
        if width == 0.0:
            return None
        ratios.append(float(np.linalg.norm(xy[upper] - xy[lower])) / width)
    return sum(ratios) / len(ratios)


def _pair(shapes: dict[str, float], stem: str) -> float:
    return (shapes.get(stem + "Left", 0.0) + shapes.get(stem + "Right", 0.0)) / 2.0


def eye_rotation_deg(shapes: dict[str, float], calibration: VisionCalibration) -> tuple[float, float]:
    """Eye-in-head (yaw, pitch) in degrees from the ``eyeLook*`` blendshapes.

    The subject's left eye looking out and right eye looking in both turn the
    gaze towards the subject's left, which is the image's right.
    """
    c = calibration.eye_contact
    towards_image_right = (
        shapes.get("eyeLookOutLeft", 0.0)
        + shapes.get("eyeLookInRight", 0.0)
        - shapes.get("eyeLookInLeft", 0.0)
        - shapes.get("eyeLookOutRight", 0.0)
    ) / 2.0
    upwards = _pair(shapes, "eyeLookUp") - _pair(shapes, "eyeLookDown")
    return towards_image_right * c.eye_yaw_deg_per_unit, upwards * c.eye_pitch_deg_per_unit


def eye_squint(shapes: dict[str, float]) -> float:
    """How far the cheeks and lids squint (cheekSquint or eyeSquint, 0-1): a smile reaching the eyes."""
    return max(_pair(shapes, "cheekSquint"), _pair(shapes, "eyeSquint"))


def smile_judgement(
    shapes: dict[str, float], calibration: VisionCalibration, eye_aperture: float | None = None
) -> tuple[float, bool, bool, bool]:
    """(intensity 0-1, reaches the eyes, smiling, crying's signature) from the blendshapes.

    A smile is the lip-corner pull (``mouthSmile*``) unless the face shows the
    signature of crying: eyes screwed shut or the grief brow, without the
    raised upper lip of a laugh. Eyes screwed shut are told by the gap
    between the lids (``eye_aperture``, :func:`eye_aperture_ratio`): lids
    lowered to look down keep a slit open, so a closed-lip smile down at a
    sheet is still a smile. Without it, ``eyeBlink*`` stands in (it also
    scores a downcast look).
    """
    c = calibration.smile
    intensity = _pair(shapes, "mouthSmile")
    squint = eye_squint(shapes)
    upper_lip_raise = _pair(shapes, "mouthUpperUp")
    screwed_shut = (
        eye_aperture <= c.distress_max_eye_aperture_ratio
        if eye_aperture is not None
        else _pair(shapes, "eyeBlink") >= c.distress_min_eye_closure
    )
    distress = upper_lip_raise < c.laugh_min_upper_lip_raise and (
        screwed_shut or shapes.get("browInnerUp", 0.0) >= c.distress_min_inner_brow_raise
    )
    smiling = intensity >= c.min_smile_intensity and not distress
    return intensity, smiling and squint >= c.min_eye_squint_for_duchenne, smiling, distress


def region_luma(rgb: np.ndarray, box: tuple[float, float, float, float]) -> tuple[float, float]:
    """Mean BT.601 luma (0-255) inside a box and in the rest of the frame."""
    h, w = rgb.shape[:2]
    # About 90 rows are plenty for a mean and keep this well under a millisecond.
    step = max(1, min(h, w) // 90)
    small = rgb[::step, ::step].astype(np.float32)
    luma = small @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    sh, sw = luma.shape
    x0, y0, x1, y1 = (int(box[0] * sw), int(box[1] * sh), int(math.ceil(box[2] * sw)), int(math.ceil(box[3] * sh)))
    inside = luma[y0:y1, x0:x1]
    mask = np.ones_like(luma, dtype=bool)
    mask[y0:y1, x0:x1] = False
    face = float(inside.mean()) if inside.size else float("nan")
    rest = float(luma[mask].mean()) if mask.any() else face
    return face, rest


# -- body ------------------------------------------------------------------------
def _px(pose: PoseDetection, index: int, aspect: float) -> np.ndarray:
    """A landmark in width-normalised pixels (x, y), so angles are true."""
    return np.array([pose.landmarks[index, 0] * aspect, pose.landmarks[index, 1]], dtype=np.float64)


def _seen_each(pose: PoseDetection, calibration: VisionCalibration, points: list[int] | np.ndarray) -> np.ndarray:
    """Per landmark: visible enough and inside the frame.

    MediaPipe keeps a high visibility for shoulders just below the frame edge
    (0.8-0.99 on head-and-shoulders portraits): their positions are guesses,
    so a point outside the picture is never used.
    """
    xy = pose.landmarks[points, :2]
    inside = np.all((xy >= 0.0) & (xy <= 1.0), axis=1)
    return inside & (pose.visibility[points] >= calibration.min_landmark_visibility)


def _seen(pose: PoseDetection, calibration: VisionCalibration, *indices: int) -> bool:
    """Every one of these landmarks is seen (see :func:`_seen_each`)."""
    return bool(np.all(_seen_each(pose, calibration, list(indices))))


def shoulder_tilt_deg(pose: PoseDetection, aspect: float, calibration: VisionCalibration) -> float | None:
    """Angle of the shoulder line from horizontal, degrees (+ when the image-right shoulder is lower)."""
    if not _seen(pose, calibration, LEFT_SHOULDER, RIGHT_SHOULDER):
        return None
    left, right = _px(pose, LEFT_SHOULDER, aspect), _px(pose, RIGHT_SHOULDER, aspect)
    a, b = (left, right) if left[0] >= right[0] else (right, left)  # a is on the image right
    return math.degrees(math.atan2(a[1] - b[1], a[0] - b[0]))


def torso_lean_deg(pose: PoseDetection, calibration: VisionCalibration) -> float | None:
    """Sideways lean of the hips-to-shoulders line from vertical, in the picture plane, degrees (+ towards the
    pose model's +x; signed so that a trainee's own lean can be taken out, see :mod:`kiosk.vision.baseline`).

    Only the picture plane: the pose model's depth (z) is too rough from one
    frontal camera (an upright person in a photo measures 24 deg with it).
    """
    if not _seen(pose, calibration, LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP):
        return None
    w = pose.world.astype(np.float64)
    spine = (w[LEFT_SHOULDER] + w[RIGHT_SHOULDER]) / 2 - (w[LEFT_HIP] + w[RIGHT_HIP]) / 2
    sideways, up = float(spine[0]), float(-spine[1])  # world y points down
    if sideways == 0.0 and up == 0.0:
        return None
    return math.degrees(math.atan2(sideways, up))


def shoulder_width(pose: PoseDetection, aspect: float) -> float:
    return float(np.linalg.norm(_px(pose, LEFT_SHOULDER, aspect) - _px(pose, RIGHT_SHOULDER, aspect)))


def shoulders_raised(pose: PoseDetection, aspect: float, calibration: VisionCalibration) -> bool | None:
    """Shoulders drawn up towards the ears: small vertical ear-to-shoulder gap for the shoulder width."""
    if not _seen(pose, calibration, LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_EAR, RIGHT_EAR):
        return None
    width = shoulder_width(pose, aspect)
    if width == 0.0:
        return None
    ears_y = (pose.landmarks[LEFT_EAR, 1] + pose.landmarks[RIGHT_EAR, 1]) / 2
    shoulders_y = (pose.landmarks[LEFT_SHOULDER, 1] + pose.landmarks[RIGHT_SHOULDER, 1]) / 2
    return bool((shoulders_y - ears_y) / width < calibration.posture.min_ear_to_shoulder_ratio)


def wrists_across_body(pose: PoseDetection, aspect: float, calibration: VisionCalibration) -> int | None:
    """How many forearms are folded across the torso (0, 1 or 2); ``None`` if the arms are not seen.

    A forearm is folded across when its wrist lies near or past the body's
    midline towards the opposite side, below the shoulders and not far below
    them, and the forearm runs roughly level (a hand raised to the chest, say
    holding glasses, has a steep forearm and does not count).
    """
    if not _seen(pose, calibration, LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_WRIST, RIGHT_WRIST, LEFT_ELBOW, RIGHT_ELBOW):
        return None
    width = shoulder_width(pose, aspect)
    if width == 0.0:
        return None
    left_sh, right_sh = _px(pose, LEFT_SHOULDER, aspect), _px(pose, RIGHT_SHOULDER, aspect)
    mid = (left_sh + right_sh) / 2
    arms = calibration.arms
    count = 0
    for wrist, elbow, own_shoulder in ((LEFT_WRIST, LEFT_ELBOW, left_sh), (RIGHT_WRIST, RIGHT_ELBOW, right_sh)):
        w, e = _px(pose, wrist, aspect), _px(pose, elbow, aspect)
        own_side = math.copysign(1.0, own_shoulder[0] - mid[0])
        # + when the wrist is on its own side of the midline, - when past it.
        from_midline = (w[0] - mid[0]) * own_side / width
        drop = (w[1] - mid[1]) / width
        forearm_deg = math.degrees(math.atan2(abs(w[1] - e[1]), abs(w[0] - e[0])))
        if (
            from_midline <= arms.max_wrist_to_midline_ratio
            and 0.0 <= drop <= arms.max_wrist_drop_ratio
            and forearm_deg <= arms.max_forearm_angle_deg
        ):
            count += 1
    return count


# -- hands (the hand landmarker) and folded arms ----------------------------------
def hand_counts(hand: HandDetection, calibration: VisionCalibration) -> bool:
    """A real hand in view: the landmarker is sure enough of its handedness, and enough of its
    landmarks lie inside the picture (MediaPipe places the rest of a cut-off hand past the edge)."""
    thresholds = calibration.hands
    if hand.handedness_score < thresholds.min_handedness_score:
        return False
    xy = hand.landmarks[:, :2]
    inside = np.all((xy >= 0.0) & (xy <= 1.0), axis=1)
    return bool(inside.mean() >= thresholds.min_points_inside_share)


def hands_in_view(hands: tuple[HandDetection, ...] | None, calibration: VisionCalibration) -> bool | None:
    """At least one hand found by the hand landmarker counts (:func:`hand_counts`).

    ``None`` when the hand landmarker did not run on the frame. The pose
    model's wrist and finger points are not used: it guesses them for hands
    outside the picture.
    """
    if hands is None:
        return None
    return any(hand_counts(hand, calibration) for hand in hands)


def face_region(
    box: tuple[float, float, float, float], calibration: VisionCalibration
) -> tuple[float, float, float, float]:
    """The face box grown by the touch margin on each side and down over the neck (x0, y0, x1, y1)."""
    arms = calibration.arms
    x0, y0, x1, y1 = box
    mx, my = (x1 - x0) * arms.face_touch_margin_share, (y1 - y0) * arms.face_touch_margin_share
    return x0 - mx, y0 - my, x1 + mx, y1 + (y1 - y0) * arms.neck_below_chin_share


def hand_touches_face(
    hands: tuple[HandDetection, ...] | None, box: tuple[float, float, float, float], calibration: VisionCalibration
) -> bool | None:
    """A hand found by the hand landmarker lies on the face or neck.

    At least ``[vision.hands] min_points_on_face`` of its landmarks inside
    the picture and inside :func:`face_region`. ``None`` when the hand
    landmarker did not run on the frame; ``False`` when it ran and found no
    hand there (it finds a hand pressed over the mouth that the pose model
    loses).
    """
    if hands is None:
        return None
    x0, y0, x1, y1 = face_region(box, calibration)
    for hand in hands:
        if not hand_counts(hand, calibration):
            continue
        xy = hand.landmarks[:, :2]
        inside_frame = np.all((xy >= 0.0) & (xy <= 1.0), axis=1)
        on_face = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
        if int(np.count_nonzero(inside_frame & on_face)) >= calibration.hands.min_points_on_face:
            return True
    return False


def _angle_at_deg(a: np.ndarray, vertex: np.ndarray, b: np.ndarray) -> float:
    """The angle a-vertex-b in degrees (0-180); 180 when either side has no length."""
    u, v = a - vertex, b - vertex
    norms = float(np.linalg.norm(u) * np.linalg.norm(v))
    if norms == 0.0:
        return 180.0
    return math.degrees(math.acos(max(-1.0, min(1.0, float(np.dot(u, v)) / norms))))


def _distance_to_segment(point: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """Distance from ``point`` to the segment a-b."""
    ab = b - a
    length2 = float(np.dot(ab, ab))
    t = 0.0 if length2 == 0.0 else max(0.0, min(1.0, float(np.dot(point - a, ab)) / length2))
    return float(np.linalg.norm(point - (a + t * ab)))


def arms_folded(pose: PoseDetection, aspect: float, calibration: VisionCalibration) -> bool | None:
    """Folded (crossed) arms: both elbows bent, both forearms turned in across the body, and a
    wrist at the other arm's elbow. ``None`` unless both shoulders and both elbows are seen.

    A hidden wrist is evidence, not a gap: in folded arms one hand is tucked
    under the other arm (pose visibility about 0.3) and the pose model still
    places it under that arm. So each wrist is taken where the pose model
    puts it, seen or not, for the bend of its elbow and the direction of its
    forearm. The wrist at the other arm's elbow (within
    ``max_wrist_to_opposite_elbow_ratio`` shoulder widths of that elbow or the
    lower half of its upper arm, between the shoulder line and
    ``max_wrist_drop_ratio`` below it, inside the picture) must be a seen
    one, unless both wrists lie at the other elbows.
    """
    if not _seen(pose, calibration, LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_ELBOW, RIGHT_ELBOW):
        return None
    width = shoulder_width(pose, aspect)
    if width == 0.0:
        return None
    arms = calibration.arms
    left_sh, right_sh = _px(pose, LEFT_SHOULDER, aspect), _px(pose, RIGHT_SHOULDER, aspect)
    mid = (left_sh + right_sh) / 2
    bent_inwards: list[bool] = []
    at_other_elbow: list[bool] = []
    wrist_seen: list[bool] = []
    sides = (
        (LEFT_SHOULDER, LEFT_ELBOW, LEFT_WRIST, RIGHT_SHOULDER, RIGHT_ELBOW),
        (RIGHT_SHOULDER, RIGHT_ELBOW, RIGHT_WRIST, LEFT_SHOULDER, LEFT_ELBOW),
    )
    for shoulder, elbow, wrist, other_shoulder, other_elbow in sides:
        s, e, w = _px(pose, shoulder, aspect), _px(pose, elbow, aspect), _px(pose, wrist, aspect)
        own_side = math.copysign(1.0, s[0] - mid[0])
        bent = _angle_at_deg(s, e, w) <= arms.max_folded_elbow_angle_deg
        inwards = (w[0] - e[0]) * own_side < 0.0
        bent_inwards.append(bent and inwards)
        oe, osh = _px(pose, other_elbow, aspect), _px(pose, other_shoulder, aspect)
        near = _distance_to_segment(w, oe, (oe + osh) / 2) / width <= arms.max_wrist_to_opposite_elbow_ratio
        drop = (w[1] - mid[1]) / width
        in_picture = bool(np.all((pose.landmarks[wrist, :2] >= 0.0) & (pose.landmarks[wrist, :2] <= 1.0)))
        at_other_elbow.append(near and 0.0 <= drop <= arms.max_wrist_drop_ratio and in_picture)
        wrist_seen.append(_seen(pose, calibration, wrist))
    if not all(bent_inwards):
        return False
    return any(seen and at for seen, at in zip(wrist_seen, at_other_elbow, strict=True)) or all(at_other_elbow)


def legs_crossed(pose: PoseDetection, calibration: VisionCalibration) -> bool | None:
    """Ankles (or knees) on the opposite sides from their hips; ``None`` unless knees and ankles are seen."""
    if not _seen(pose, calibration, LEFT_HIP, RIGHT_HIP, LEFT_KNEE, RIGHT_KNEE, LEFT_ANKLE, RIGHT_ANKLE):
        return None
    x = pose.landmarks[:, 0]
    hips = math.copysign(1.0, x[LEFT_HIP] - x[RIGHT_HIP])
    return bool((x[LEFT_ANKLE] - x[RIGHT_ANKLE]) * hips < 0 or (x[LEFT_KNEE] - x[RIGHT_KNEE]) * hips < 0)


# -- the frame ---------------------------------------------------------------------
def _all_known(*values: bool | None) -> bool:
    return all(v is not None for v in values)


def frame_signals(detections: Detections, rgb: np.ndarray, calibration: VisionCalibration) -> FrameSignals:
    """Interpret one frame's detections as the trainee's body-language signals.

    Args:
        detections: what the landmarkers found in the frame.
        rgb: the frame itself, ``(height, width, 3)`` uint8, for lighting.
        calibration: thresholds from the calibration profile.
    """
    aspect = detections.width / detections.height if detections.height else 1.0
    index = trainee_index(detections.faces)
    face = detections.faces[index] if index is not None else None
    box = face_box(face) if face is not None else None
    pose = matching_pose(detections.poses, box, calibration)
    people = people_in_view(detections)

    signals = FrameSignals.unknown(detections.time_s, face_found=face is not None, people_in_view=people)
    if face is not None and box is not None:
        fr = calibration.framing
        height_share = box[3] - box[1]
        offset_x, offset_y = (box[0] + box[2]) / 2 - 0.5, (box[1] + box[3]) / 2 - 0.5
        face_luma, background_luma = region_luma(rgb, box)
        # Head and gaze against the ray to the lens; the lens against the camera's axis.
        head = head_pose_to_camera(face, calibration)
        camera_yaw, camera_pitch = camera_direction(eyes_centre(face), detections.width, detections.height, calibration)
        eye_yaw, eye_pitch = eye_rotation_deg(face.blendshapes, calibration)
        gaze_yaw, gaze_pitch = head.yaw_deg + eye_yaw, head.pitch_deg + eye_pitch
        ec = calibration.eye_contact
        blink = _pair(face.blendshapes, "eyeBlink")
        closed = blink >= ec.eyes_closed_blink
        intensity, duchenne, smiling, distress = smile_judgement(
            face.blendshapes, calibration, eye_aperture_ratio(face, aspect)
        )
        signals = replace(
            signals,
            face_box=box,
            face_height_share=height_share,
            face_offset_x_share=offset_x,
            face_offset_y_share=offset_y,
            face_luma=face_luma,
            background_luma=background_luma,
            too_dark=face_luma < fr.min_face_luma,
            backlit=background_luma - face_luma > fr.max_backlight_luma_difference,
            well_framed=fr.min_face_height_share <= height_share <= fr.max_face_height_share
            and abs(offset_x) <= fr.max_face_offset_share
            and abs(offset_y) <= fr.max_face_offset_share,
            head_yaw_deg=head.yaw_deg,
            head_pitch_deg=head.pitch_deg,
            head_roll_deg=head.roll_deg,
            gaze_yaw_deg=gaze_yaw,
            gaze_pitch_deg=gaze_pitch,
            camera_yaw_deg=camera_yaw,
            camera_pitch_deg=camera_pitch,
            eye_blink=blink,
            eyes_closed=closed,
            eye_contact=not closed and looking_at_camera(gaze_yaw, gaze_pitch, calibration),
            smile_intensity=intensity,
            eye_squint=eye_squint(face.blendshapes),
            smile_distress=distress,
            smile_reaches_eyes=duchenne,
            smiling=smiling,
            head_tilted=abs(head.roll_deg) > calibration.posture.max_head_tilt_deg,
            # Against the lens: a face high in the picture that looks down to meet it has not dropped.
            head_dropped=head.pitch_deg < -calibration.posture.max_head_drop_deg,
        )

    if pose is not None:
        tilt = shoulder_tilt_deg(pose, aspect, calibration)
        lean = torso_lean_deg(pose, calibration)
        raised = shoulders_raised(pose, aspect, calibration)
        across = wrists_across_body(pose, aspect, calibration)
        signals = replace(
            signals,
            shoulder_tilt_deg=tilt,
            torso_lean_deg=lean,
            shoulders_raised=raised,
            wrists_across_body=across,
            arms_crossed=arms_folded(pose, aspect, calibration),
            legs_crossed=legs_crossed(pose, calibration),
        )

    # Hands only from the hand landmarker, and only for a trainee (a face).
    if box is not None:
        signals = replace(
            signals,
            hands_visible=hands_in_view(detections.hands, calibration),
            hand_on_face=hand_touches_face(detections.hands, box, calibration),
        )

    # Upright needs the shoulders and the head; the torso lean counts when the hips are seen.
    tilt = signals.shoulder_tilt_deg
    dropped, tilted = signals.head_dropped, signals.head_tilted
    if tilt is not None and _all_known(dropped, tilted):
        p = calibration.posture
        lean = signals.torso_lean_deg
        signals = replace(
            signals,
            upright=abs(tilt) <= p.max_shoulder_tilt_deg
            and not dropped
            and not tilted
            and (lean is None or abs(lean) <= p.max_torso_lean_deg),
        )
    return signals
