"""Gaze, blink, face scale, mouth activity and engagement: pure functions over one face's arrays.

All functions accept a leading batch dimension (``(..., 478, 3)`` landmarks) unless noted.
"""

from __future__ import annotations

import numpy as np

# MediaPipe refined mesh: 468..472 = subject's right iris (centre first), 473..477 = subject's left iris.
_IRIS = {"r": 468, "l": 473}
# The corner-to-corner line runs below the pupil: a straight-ahead iris sits ~0.1 half-widths above it
# (median over frontal faces); subtracted so that 0 means straight ahead.
_VERTICAL_REST = 0.1
_EYE = {
    "r": {"outer": 33, "inner": 133, "upper": 159, "lower": 145},
    "l": {"outer": 263, "inner": 362, "upper": 386, "lower": 374},
}


def _px(landmarks: np.ndarray, frame_size: tuple[int, int]) -> np.ndarray:
    lm = np.asarray(landmarks, dtype=np.float64)
    if lm.shape[-2:] != (478, 3):
        raise ValueError(f"landmarks must have shape (..., 478, 3), got {lm.shape}")
    w, h = float(frame_size[0]), float(frame_size[1])
    return lm[..., :2] * np.array([w, h])


def gaze_offset(landmarks: np.ndarray, *, frame_size: tuple[int, int] = (1, 1)) -> np.ndarray:
    """Where the irises sit inside the eyes: ``(..., 2)`` = (horizontal, vertical), each about -1..1.

    For each eye the iris centre is expressed in the eye's own frame: horizontal = signed distance from the
    mid-point of the two corners along the corner-to-corner axis divided by half the eye width (+ = toward the
    image right, i.e. the subject looks to their own left); vertical = signed distance perpendicular to that axis
    divided by half the eye width (+ = up). Both eyes are averaged. Head rotation is NOT added: this is the eye-
    in-head direction (combine with ``pose_deg`` for gaze in the world). 0, 0 = looking straight out of the face.
    A pure gaze at the camera with a frontal head gives |offset| < ~0.15.
    """
    p = _px(landmarks, frame_size)
    out = []
    for s in ("r", "l"):
        e = _EYE[s]
        a, b = p[..., e["outer"], :], p[..., e["inner"], :]
        left, right = (a, b) if s == "r" else (b, a)  # image-left corner, image-right corner
        mid = 0.5 * (left + right)
        axis = right - left
        half = 0.5 * np.linalg.norm(axis, axis=-1)
        half = np.where(half > 1e-9, half, 1.0)
        u = axis / (2 * half)[..., None]
        v = np.stack([u[..., 1], -u[..., 0]], axis=-1)  # image "up" when the eye line is horizontal
        d = p[..., _IRIS[s], :] - mid
        out.append(np.stack([(d * u).sum(-1) / half, (d * v).sum(-1) / half], axis=-1))
    res = 0.5 * (out[0] + out[1])
    res[..., 1] -= _VERTICAL_REST
    return np.clip(res, -1.0, 1.0)


def gaze_aversion(offset: np.ndarray, pose_deg: np.ndarray | None = None, *, eye_gain_deg: float = 35.0) -> np.ndarray:
    """How far gaze points away from the camera in degrees (approx.), ``(..., 2)`` offset -> ``(...)``.

    ``angle = hypot(yaw + eye_gain_deg * offset_h, pitch + eye_gain_deg * offset_v)`` where ``eye_gain_deg``
    converts the normalised iris offset into degrees (an iris at the eye corner is about 35 degrees off axis).
    """
    o = np.asarray(offset, dtype=np.float64)
    yaw = pitch = 0.0
    if pose_deg is not None:
        pd_ = np.asarray(pose_deg, dtype=np.float64)
        yaw, pitch = pd_[..., 0], pd_[..., 1]
    return np.hypot(yaw + eye_gain_deg * o[..., 0], pitch + eye_gain_deg * o[..., 1])


def blink(au45: np.ndarray | float, *, threshold: float = 0.45) -> np.ndarray:
    """Eyes closed in this frame: AU45 (mean eyeBlink) at or above ``threshold`` (default 0.45). Boolean array.

    Counting blinks (closed runs of 1-8 frames) is the caller's job; this is the per-frame state.
    """
    return np.asarray(au45, dtype=np.float64) >= threshold


def face_scale(landmarks: np.ndarray, *, frame_size: tuple[int, int]) -> np.ndarray:
    """Inter-ocular distance in pixels (between the eye centres, mean of the two corners of each eye).

    Divide by the person's own baseline to get a lean-in / lean-back ratio (> 1 = closer to the camera).
    Affected by yaw (foreshortening, about cos(yaw)).
    """
    p = _px(landmarks, frame_size)
    r = 0.5 * (p[..., 33, :] + p[..., 133, :])
    le = 0.5 * (p[..., 263, :] + p[..., 362, :])
    return np.linalg.norm(le - r, axis=-1)


def mouth_opening(landmarks: np.ndarray, *, frame_size: tuple[int, int] = (1, 1)) -> np.ndarray:
    """Inner-lip gap (landmarks 13-14) divided by mouth width (61-291): 0 closed, ~0.5 wide open.

    A per-frame value; speech shows as its short-time variability (e.g. rolling std over 0.5 s), which the
    caller computes.
    """
    p = _px(landmarks, frame_size)
    gap = np.linalg.norm(p[..., 13, :] - p[..., 14, :], axis=-1)
    width = np.linalg.norm(p[..., 61, :] - p[..., 291, :], axis=-1)
    return gap / np.where(width > 1e-9, width, 1.0)


def gaze_direction(landmarks: np.ndarray, *, frame_size: tuple[int, int] = (1, 1)) -> np.ndarray:
    """Alias of :func:`gaze_offset` (``(..., 2)``: horizontal, vertical)."""
    return gaze_offset(landmarks, frame_size=frame_size)


def interocular_px(landmarks: np.ndarray, *, frame_size: tuple[int, int]) -> np.ndarray:
    """Alias of :func:`face_scale` (inter-ocular distance in pixels)."""
    return face_scale(landmarks, frame_size=frame_size)


def on_screen(
    gaze_x: np.ndarray | float,
    gaze_y: np.ndarray | float,
    yaw: np.ndarray | float,
    pitch: np.ndarray | float,
    *,
    max_angle_deg: float = 20.0,
) -> np.ndarray:
    """Looking at (or near) the screen: :func:`gaze_aversion` at most ``max_angle_deg`` (default 20). Boolean."""
    off = np.stack(np.broadcast_arrays(np.asarray(gaze_x, float), np.asarray(gaze_y, float)), axis=-1)
    pose = np.stack(np.broadcast_arrays(np.asarray(yaw, float), np.asarray(pitch, float)), axis=-1)
    return gaze_aversion(off, pose) <= max_angle_deg


def engagement(
    gaze: np.ndarray | None = None,
    pose_deg: np.ndarray | None = None,
    expressivity: np.ndarray | float = 0.0,
    scale_ratio: np.ndarray | float = 1.0,
    *,
    on_screen: np.ndarray | float | None = None,
    max_angle_deg: float = 30.0,
) -> np.ndarray:
    """Engagement score in [0, 1] from where the person looks, how much their face moves and how close they are.

    Formula (all terms in [0, 1])::

        attention  = clip(1 - gaze_aversion(gaze, pose_deg) / max_angle_deg, 0, 1)    # 1 = looking at the screen
                     (or the given ``on_screen`` value, 0/1 or a fraction, when gaze and pose are not given)
        animation  = clip(expressivity / 0.3, 0, 1)                                  # 1 = clearly expressive face
        proximity  = clip(0.5 + 2 * (scale_ratio - 1), 0, 1)                         # 0.5 at the usual distance;
                                                                                     # 1 at +25 % closer (leaning in)
        engagement = 0.6 * attention + 0.25 * animation + 0.15 * proximity

    Args:
        gaze: ``(..., 2)`` from :func:`gaze_offset`.
        pose_deg: ``(..., 3)`` yaw, pitch, roll in degrees.
        expressivity: ``(...)`` from :func:`microcue.signals.baseline.expressivity` (AU deltas, 0..1).
        scale_ratio: ``(...)`` face scale divided by the person's baseline face scale.
        on_screen: alternative to ``gaze``/``pose_deg``: attention given directly (e.g. :func:`on_screen`).
        max_angle_deg: gaze-away angle at which attention reaches 0 (default 30 degrees).
    """
    if gaze is not None:
        attention = np.clip(1.0 - gaze_aversion(gaze, pose_deg) / max_angle_deg, 0.0, 1.0)
    elif on_screen is not None:
        attention = np.clip(np.asarray(on_screen, dtype=np.float64), 0.0, 1.0)
    else:
        raise ValueError("engagement needs gaze (with pose_deg) or on_screen")
    animation = np.clip(np.asarray(expressivity, dtype=np.float64) / 0.3, 0.0, 1.0)
    proximity = np.clip(0.5 + 2.0 * (np.asarray(scale_ratio, dtype=np.float64) - 1.0), 0.0, 1.0)
    return np.clip(0.6 * attention + 0.25 * animation + 0.15 * proximity, 0.0, 1.0)
