"""FACS action units from MediaPipe blendshapes plus pose-free landmark geometry.

Every AU is a raw intensity on a 0..1 scale (0 = no sign of the movement, 1 = a strong, unmistakable one; roughly
FACS A..E mapped to 0.2..1.0). A relaxed average face gives small non-zero values for the geometric parts (about
0.2 where a geometric term is used), so that a person whose neutral sits *below* the population's is still
measured; :class:`microcue.signals.baseline.NeutralBaseline` subtracts each person's own neutral.

Geometry: the 478 landmarks (x, y normalised to the frame, z in x's scale) are turned into pixel units with
``frame_size``, into a right-handed camera frame (y up, z toward the camera), de-rotated with the rotation part of
the facial transformation matrix (so yaw/pitch/roll are removed) and divided by the inter-ocular distance (IOD,
between the two eye centres). All geometric features are then differences in IOD units from a population
neutral, divided by a span (the change of a strong action); see ``GEOMETRY`` and docs/action-units.md.

Left/right suffixes are the subject's own sides (as in MediaPipe's ``*Left`` blendshapes).
"""

from __future__ import annotations

import numpy as np

from microcue.faces.model import BLENDSHAPE_INDEX

AU_NAMES: tuple[str, ...] = (
    "au01", "au01_l", "au01_r", "au02", "au02_l", "au02_r", "au04", "au05", "au06", "au07", "au09", "au10",
    "au12", "au12_l", "au12_r", "au14", "au14_l", "au14_r", "au15", "au17", "au20", "au23", "au24", "au25",
    "au26", "au45", "au16", "au18", "au22", "au27", "au28", "au43", "au04g", "au07g",
    "au05g", "au41", "au04m", "au11", "au38", "au34",
)
"""Column names of :func:`compute_aus` output, in order. ``_l``/``_r`` are the subject's left/right.

New columns are only ever appended: the existing ones keep their position and values (tests/test_aus.py guards
them on stored Pexels frames; the microexpression spotter is tuned on them)."""

AU_INDEX = {n: i for i, n in enumerate(AU_NAMES)}

# Landmark indices of MediaPipe's 478-point mesh. "r" = subject's right (image left when facing the camera).
_EYE = {"r": {"outer": 33, "inner": 133, "upper": (159, 158, 160), "lower": (145, 144, 153)},
        "l": {"outer": 263, "inner": 362, "upper": (386, 385, 387), "lower": (374, 373, 380)}}
_BROW = {"r": {"inner": (107, 55), "mid": (105, 52), "outer": (70, 46)},
         "l": {"inner": (336, 285), "mid": (334, 282), "outer": (300, 276)}}
_CORNER = {"r": 61, "l": 291}
_ALA = {"r": 129, "l": 358}
_LIP_LATERAL = {"r": 37, "l": 267}  # upper-lip border between the philtrum ridge and the corner
_UPPER_LIP_TOP, _UPPER_LIP_IN, _LOWER_LIP_IN, _LOWER_LIP_BOTTOM = 0, 13, 14, 17
_SUBNASALE, _NOSE_TIP, _CHIN, _NASION = 2, 1, 152, 168

GEOMETRY: dict[str, tuple[float, float]] = {
    # name: (population neutral, signed span). term = clip(NEUTRAL_LEVEL + (g - neutral) / span, 0, 1)
    # Neutral = medians over relaxed, frontal faces (x, z in IOD; y in eye-to-subnasale units); span = the change
    # of a strong posed action (sign: direction of the movement). See docs/action-units.md.
    "brow_inner": (0.51, +0.10),   # AU1 raises the inner brow above the eye line
    "brow_outer": (0.38, +0.08),   # AU2 raises the outer brow
    "brow_lower": (0.51, -0.10),   # AU4 lowers the inner brow (same measurement, opposite sign)
    "brow_slope": (0.13, +0.06),   # AU1 lifts the inner end relative to the outer end (oblique "sad" brows)
    "brow_v": (0.13, -0.06),       # AU4 pulls the inner end below the outer end ("V" brows)
    "brow_gap": (0.50, -0.04),     # AU4 draws the brows together
    "eye_open": (0.20, +0.06),     # AU5 widens the eye aperture
    "eye_narrow": (0.20, -0.08),   # AU7 narrows it
    "lower_lid": (-0.055, +0.035),  # AU6/AU7 raise the lower lid
    "ala": (0.81, -0.08),          # AU9 lifts the nostril wings toward the eyes
    "nose_lip": (0.333, -0.08),    # AU10 shortens subnasale -> upper-lip border
    "corner_up": (-0.01, +0.16),   # AU12 lifts the lip corner above the lip centre
    "corner_down": (-0.01, -0.08),  # AU15 pulls it below
    "corner_back": (-0.30, -0.09),  # AU14 (with AU12) pulls the corner back into the cheek
    "mouth_w": (0.755, +0.20),     # AU20 stretches the mouth sideways
    "red_thin": (0.39, -0.08),     # AU23/AU24 narrow the red of the lips (upper + lower vermilion height)
    "chin": (0.70, +0.15),         # AU17 pushes the lower lip up, away from the chin's lowest point
    "jaw": (1.49, +0.30),          # AU26 drops the jaw (subnasale -> chin)
    "jaw_wide": (1.49, +0.60),     # AU27 stretches the mouth wide open (a jaw drop twice AU26's span)
    "eye_closed": (0.20, -0.12),   # AU43 lids drooping / closed (eye aperture toward 0)
    "lower_lip_down": (0.0, +0.12),  # AU16 pulls the lower lip down (lip gap not explained by the jaw)
    "pucker": (0.755, -0.12),      # AU18 narrows the mouth (corners toward the mid-line)
    # Added with au05g..au34 (neutral = median of the 78 posed-neutral Taiwanese images, rounded; span about the
    # 2nd/98th percentile of all their images minus that neutral):
    "upper_lid": (0.137, +0.06),   # AU5 (geometry only): the upper lid rises above the eye-corner line
    "lid_droop": (0.137, -0.10),   # AU41: the upper lid sinks toward the eye-corner line (not a blink)
    "brow_pull": (0.488, -0.05),   # AU4, corrugator part only: the inner brows drawn toward each other
    "lip_lateral": (-0.305, +0.12),  # AU11: the upper lip's lateral part rises toward the nose wing
    "nostril": (0.648, +0.10),     # AU38: the nostril wings spread apart
}
NEUTRAL_LEVEL = 0.2
"""Value of a geometric term on the population's neutral face (so a person below it still registers)."""


def _bs(blendshapes: np.ndarray, name: str) -> np.ndarray:
    return blendshapes[..., BLENDSHAPE_INDEX[name]]


def canonical_landmarks(landmarks: np.ndarray, transform: np.ndarray, *, frame_size: tuple[int, int]) -> np.ndarray:
    """Landmarks with head pose removed, in inter-ocular-distance units.

    Args:
        landmarks: ``(..., 478, 3)`` normalised (x, y in 0..1 of width/height, z in x's scale).
        transform: ``(..., 4, 4)`` facial transformation matrix (canonical face -> camera space).
        frame_size: ``(width, height)`` in pixels of the image the landmarks are normalised to.

    Returns:
        ``(..., 478, 3)``: x toward the subject's left (image right), y up, z toward the camera; origin at the
        midpoint of the eye centres. x and z are in inter-ocular distances (IOD, between the eye centres); y is in
        units of the eye-line-to-subnasale height (rigid and robust to crops resized to another aspect ratio),
        so the subnasale sits at y = -1.
    """
    lm = np.asarray(landmarks, dtype=np.float64)
    tf = np.asarray(transform, dtype=np.float64)
    w, h = float(frame_size[0]), float(frame_size[1])
    p = np.stack([lm[..., 0] * w, -lm[..., 1] * h, -lm[..., 2] * w], axis=-1)
    rot = tf[..., :3, :3]
    rot = rot / np.cbrt(np.abs(np.linalg.det(rot)))[..., None, None]
    # camera = R @ canonical  ->  canonical = R^T @ camera (row vectors: p @ R)
    q = p @ rot
    eye_r = 0.5 * (q[..., 33, :] + q[..., 133, :])
    eye_l = 0.5 * (q[..., 263, :] + q[..., 362, :])
    iod = np.linalg.norm(eye_l - eye_r, axis=-1)
    iod = np.where(iod > 1e-9, iod, 1.0)
    centre = 0.5 * (eye_r + eye_l)
    q = q - centre[..., None, :]
    # Vertical unit: eye line -> subnasale (rigid, and immune to face crops resized to a different aspect).
    vert = -q[..., _SUBNASALE, 1]
    vert = np.where(vert > 1e-9, vert, iod)
    scale = np.stack([iod, vert, iod], axis=-1)
    return q / scale[..., None, :]


def geometry_features(canon: np.ndarray) -> dict[str, np.ndarray]:
    """Raw geometric measurements (IOD units, y up) from :func:`canonical_landmarks` output ``(..., 478, 3)``."""
    c = canon
    y, x = c[..., 1], c[..., 0]

    def mean_y(idx: tuple[int, ...]) -> np.ndarray:
        return y[..., list(idx)].mean(axis=-1)

    f: dict[str, np.ndarray] = {}
    lip_centre_y = 0.5 * (y[..., _UPPER_LIP_IN] + y[..., _LOWER_LIP_IN])
    mid_x = 0.5 * (x[..., _UPPER_LIP_TOP] + x[..., _LOWER_LIP_BOTTOM])
    for s in ("l", "r"):
        e, b = _EYE[s], _BROW[s]
        eye_y = 0.5 * (y[..., e["outer"]] + y[..., e["inner"]])
        f[f"brow_inner_{s}"] = mean_y(b["inner"]) - eye_y
        f[f"brow_outer_{s}"] = mean_y(b["outer"]) - eye_y
        f[f"eye_open_{s}"] = mean_y(e["upper"]) - mean_y(e["lower"])
        f[f"lower_lid_{s}"] = mean_y(e["lower"]) - eye_y
        f[f"ala_{s}"] = y[..., e["inner"]] - y[..., _ALA[s]]
        f[f"corner_h_{s}"] = y[..., _CORNER[s]] - lip_centre_y
        f[f"corner_x_{s}"] = np.abs(x[..., _CORNER[s]] - mid_x)
        f[f"corner_z_{s}"] = c[..., _CORNER[s], 2] - c[..., _UPPER_LIP_TOP, 2]
        f[f"upper_lid_{s}"] = mean_y(e["upper"]) - eye_y
        f[f"lip_lateral_{s}"] = y[..., _LIP_LATERAL[s]] - y[..., _SUBNASALE]
    f["brow_gap"] = x[..., _BROW["l"]["inner"][0]] - x[..., _BROW["r"]["inner"][0]]
    f["nose_lip"] = y[..., _SUBNASALE] - y[..., _UPPER_LIP_TOP]
    f["lip_gap"] = y[..., _UPPER_LIP_IN] - y[..., _LOWER_LIP_IN]
    f["jaw"] = y[..., _SUBNASALE] - y[..., _CHIN]
    f["chin"] = y[..., _LOWER_LIP_BOTTOM] - y[..., _CHIN]
    f["upper_red"] = y[..., _UPPER_LIP_TOP] - y[..., _UPPER_LIP_IN]
    f["lower_red"] = y[..., _LOWER_LIP_IN] - y[..., _LOWER_LIP_BOTTOM]
    f["mouth_w"] = f["corner_x_l"] + f["corner_x_r"]
    f["nostril"] = x[..., _ALA["l"]] - x[..., _ALA["r"]]
    return f


def _geo(g: np.ndarray, name: str) -> np.ndarray:
    neutral, span = GEOMETRY[name]
    return np.clip(NEUTRAL_LEVEL + (g - neutral) / span, 0.0, 1.0)


def compute_aus_batch(blendshapes: np.ndarray, landmarks: np.ndarray, transform: np.ndarray, *,
                      frame_size: tuple[int, int]) -> np.ndarray:
    """Vectorised :func:`compute_aus`: ``(N, 52)``, ``(N, 478, 3)``, ``(N, 4, 4)`` -> ``(N, len(AU_NAMES))``.

    All faces must come from frames of the same ``frame_size`` ``(width, height)``.
    """
    bs = np.asarray(blendshapes, dtype=np.float64)
    lm = np.asarray(landmarks, dtype=np.float64)
    tf = np.asarray(transform, dtype=np.float64)
    if bs.ndim != 2 or bs.shape[1] != 52:
        raise ValueError(f"blendshapes must have shape (N, 52), got {bs.shape}")
    n = bs.shape[0]
    if lm.shape != (n, 478, 3) or tf.shape != (n, 4, 4):
        raise ValueError(f"landmarks must be (N, 478, 3) and transform (N, 4, 4) with N={n}, "
                         f"got {lm.shape} and {tf.shape}")
    if len(frame_size) != 2 or min(frame_size) <= 0:
        raise ValueError(f"frame_size must be (width, height) > 0, got {frame_size}")
    f = geometry_features(canonical_landmarks(lm, tf, frame_size=frame_size))

    def b(name: str) -> np.ndarray:
        return _bs(bs, name)

    def pair(name: str) -> tuple[np.ndarray, np.ndarray]:  # (left, right) of a blendshape pair
        return b(name + "Left"), b(name + "Right")

    out = np.zeros((n, len(AU_NAMES)))

    def put(name: str, value: np.ndarray) -> None:
        out[:, AU_INDEX[name]] = np.clip(value, 0.0, 1.0)

    inner_up = b("browInnerUp")
    for s, side in (("l", "Left"), ("r", "Right")):
        slope = f[f"brow_inner_{s}"] - f[f"brow_outer_{s}"]
        put(f"au01_{s}", 0.4 * inner_up + 0.3 * _geo(f[f"brow_inner_{s}"], "brow_inner")
            + 0.3 * _geo(slope, "brow_slope"))
        put(f"au02_{s}", 0.5 * b("browOuterUp" + side) + 0.5 * _geo(f[f"brow_outer_{s}"], "brow_outer"))
        corner_geo = _geo(f[f"corner_h_{s}"], "corner_up")
        put(f"au12_{s}", 0.5 * b("mouthSmile" + side) + 0.5 * corner_geo)
        put(f"au14_{s}", 0.5 * b("mouthDimple" + side) + 0.5 * _geo(f[f"corner_z_{s}"], "corner_back"))
    for au in ("au01", "au02", "au12", "au14"):
        put(au, 0.5 * (out[:, AU_INDEX[au + "_l"]] + out[:, AU_INDEX[au + "_r"]]))

    brow_in = 0.5 * (f["brow_inner_l"] + f["brow_inner_r"])
    eye_open = 0.5 * (f["eye_open_l"] + f["eye_open_r"])
    lower_lid = 0.5 * (f["lower_lid_l"] + f["lower_lid_r"])
    corner_h = 0.5 * (f["corner_h_l"] + f["corner_h_r"])
    red = f["upper_red"] + f["lower_red"]
    bl, br = pair("browDown")
    brow_slope = brow_in - 0.5 * (f["brow_outer_l"] + f["brow_outer_r"])
    put("au04", 0.4 * 0.5 * (bl + br) + 0.2 * _geo(brow_in, "brow_lower") + 0.2 * _geo(f["brow_gap"], "brow_gap")
        + 0.2 * _geo(brow_slope, "brow_v"))
    put("au05", 0.5 * np.mean(pair("eyeWide"), axis=0) + 0.5 * _geo(eye_open, "eye_open"))
    put("au06", 0.5 * np.mean(pair("cheekSquint"), axis=0) + 0.5 * _geo(lower_lid, "lower_lid"))
    put("au07", 0.4 * np.mean(pair("eyeSquint"), axis=0) + 0.3 * _geo(eye_open, "eye_narrow")
        + 0.3 * _geo(lower_lid, "lower_lid"))
    ala = 0.5 * (f["ala_l"] + f["ala_r"])
    put("au09", 0.4 * np.mean(pair("noseSneer"), axis=0) + 0.6 * _geo(ala, "ala"))
    put("au10", 0.4 * np.mean(pair("mouthUpperUp"), axis=0) + 0.6 * _geo(f["nose_lip"], "nose_lip"))
    put("au15", 0.5 * np.mean(pair("mouthFrown"), axis=0) + 0.5 * _geo(corner_h, "corner_down"))
    put("au17", 0.5 * b("mouthShrugLower") + 0.5 * _geo(f["chin"], "chin"))
    # a smile widens the mouth too: remove the part MediaPipe attributes to smiling
    stretch_geo = np.clip(_geo(f["mouth_w"], "mouth_w") - np.mean(pair("mouthSmile"), axis=0), 0, 1)
    put("au20", 0.5 * np.mean(pair("mouthStretch"), axis=0) + 0.5 * stretch_geo)
    press = np.mean(pair("mouthPress"), axis=0)
    thin = _geo(red, "red_thin")
    put("au23", 0.3 * press + 0.7 * thin)
    put("au24", 0.6 * press + 0.4 * thin)
    put("au25", f["lip_gap"] / 0.15)
    put("au26", 0.5 * b("jawOpen") + 0.5 * _geo(f["jaw"], "jaw"))
    put("au45", np.mean(pair("eyeBlink"), axis=0))
    # Added AUs (docs/action-units.md, "Added AUs"): separate what the combined AUs above mix.
    put("au16", 0.5 * np.mean(pair("mouthLowerDown"), axis=0)
        + 0.5 * _geo(f["lip_gap"] - 0.1 * (f["jaw"] - GEOMETRY["jaw"][0]) / GEOMETRY["jaw"][1], "lower_lip_down"))
    put("au18", 0.5 * b("mouthPucker") + 0.5 * _geo(f["mouth_w"], "pucker"))
    put("au22", b("mouthFunnel"))
    put("au27", _geo(f["jaw"], "jaw_wide") + 0.5 * np.clip(b("jawOpen") - 0.5, 0, 1))
    put("au28", np.mean([b("mouthRollLower"), b("mouthRollUpper")], axis=0))
    put("au43", 0.5 * np.mean(pair("eyeBlink"), axis=0) + 0.5 * _geo(eye_open, "eye_closed"))
    # geometric-only brow lowering / lid tightening (blendshape-free views of AU4 and AU7)
    put("au04g", (_geo(brow_in, "brow_lower") + _geo(f["brow_gap"], "brow_gap") + _geo(brow_slope, "brow_v")) / 3)
    put("au07g", 0.5 * _geo(eye_open, "eye_narrow") + 0.5 * _geo(lower_lid, "lower_lid"))
    # Appended columns (docs/action-units.md, "Added AUs, second set"): single-mechanism geometric views that the
    # mixed AUs above blur (upper lid vs lower lid, brow pull vs brow height) and AUs they lack.
    upper_lid = 0.5 * (f["upper_lid_l"] + f["upper_lid_r"])
    put("au05g", _geo(upper_lid, "upper_lid"))
    put("au41", _geo(upper_lid, "lid_droop"))
    put("au04m", _geo(f["brow_gap"], "brow_pull"))
    put("au11", _geo(0.5 * (f["lip_lateral_l"] + f["lip_lateral_r"]), "lip_lateral"))
    put("au38", _geo(f["nostril"], "nostril"))
    put("au34", b("cheekPuff"))
    return out


def compute_aus(blendshapes: np.ndarray, landmarks: np.ndarray, transform: np.ndarray, *,
                frame_size: tuple[int, int]) -> np.ndarray:
    """Action-unit intensities of one face.

    Args:
        blendshapes: ``(52,)`` MediaPipe blendshape scores in ``BLENDSHAPE_NAMES`` order.
        landmarks: ``(478, 3)`` normalised to the frame (x, y in 0..1).
        transform: ``(4, 4)`` facial transformation matrix.
        frame_size: ``(width, height)`` of the frame in pixels (needed to undo the non-square normalisation).

    Returns:
        ``(len(AU_NAMES),)`` float in 0..1, columns named by ``AU_NAMES`` (formulas: docs/action-units.md).
    """
    bs = np.asarray(blendshapes, dtype=np.float64)
    lm = np.asarray(landmarks, dtype=np.float64)
    tf = np.asarray(transform, dtype=np.float64)
    if bs.shape != (52,) or lm.shape != (478, 3) or tf.shape != (4, 4):
        raise ValueError(f"compute_aus expects blendshapes (52,), landmarks (478, 3), transform (4, 4); "
                         f"got {bs.shape}, {lm.shape}, {tf.shape}")
    return compute_aus_batch(bs[None], lm[None], tf[None], frame_size=frame_size)[0]
