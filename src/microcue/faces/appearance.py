"""A small appearance descriptor for re-identifying a person who comes back or after a speaker cut.

No face-recognition network ships with microcue, so identity is told by three cheap cues:

- an HSV hue/saturation histogram of the inner face (skin, glasses, beard),
- one of the ring around it (hair, clothes, the room behind them: in a call each person sits in their own room),
- a 24x24 grey thumbnail of the face aligned on the eyes (zero mean, unit variance), compared by correlation,
  which carries the face's own layout and works across tile sizes.
"""

from __future__ import annotations

import numpy as np

H_BINS, S_BINS = 16, 8
N_HIST = H_BINS * S_BINS
THUMB = 24
N_THUMB = THUMB * THUMB
DIM = 2 * N_HIST + N_THUMB

# MediaPipe mesh: eye-corner landmarks of each eye (subject's right, left).
_EYE_R = (33, 133)
_EYE_L = (263, 362)


def _hist(hsv: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    import cv2

    h = cv2.calcHist([hsv], [0, 1], mask, [H_BINS, S_BINS], [0, 180, 0, 256]).ravel().astype(np.float64)
    total = h.sum()
    return h / total if total > 0 else h


def _thumb(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """Grey face patch with the eye centres at fixed places, normalised to zero mean and unit variance."""
    import cv2

    h, w = image.shape[:2]
    px = landmarks[:, :2] * (w, h)
    er = px[list(_EYE_R)].mean(axis=0)
    el = px[list(_EYE_L)].mean(axis=0)
    # Eyes at (0.3, 0.35) and (0.7, 0.35) of the patch (image left/right).
    left_img, right_img = (er, el) if er[0] <= el[0] else (el, er)
    src = np.float32([left_img, right_img, left_img + [-(right_img - left_img)[1], (right_img - left_img)[0]]])
    d = 0.4 * THUMB
    dst = np.float32([[0.3 * THUMB, 0.35 * THUMB], [0.7 * THUMB, 0.35 * THUMB], [0.3 * THUMB, 0.35 * THUMB + d]])
    m = cv2.getAffineTransform(src, dst)
    patch = cv2.warpAffine(image, m, (THUMB, THUMB), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)
    g = cv2.cvtColor(patch, cv2.COLOR_RGB2GRAY).astype(np.float64).ravel()
    sd = g.std()
    return (g - g.mean()) / sd if sd > 1e-6 else np.zeros(N_THUMB)


def describe(image: np.ndarray, bbox_xyxy: np.ndarray, landmarks: np.ndarray | None = None) -> np.ndarray:
    """``(DIM,)`` descriptor: face histogram, context-ring histogram, eye-aligned thumbnail (zeros without
    landmarks)."""
    import cv2

    h, w = image.shape[:2]
    x0, y0, x1, y1 = (float(v) for v in bbox_xyxy)
    bw, bh = max(x1 - x0, 2.0), max(y1 - y0, 2.0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    ox0, oy0 = int(max(0, cx - 1.1 * bw)), int(max(0, cy - 1.1 * bh))
    ox1, oy1 = int(min(w, cx + 1.1 * bw)), int(min(h, cy + 1.1 * bh))
    if ox1 - ox0 < 4 or oy1 - oy0 < 4:
        return np.zeros(DIM)
    region = cv2.resize(image[oy0:oy1, ox0:ox1], (64, 64), interpolation=cv2.INTER_AREA)
    hsv = cv2.cvtColor(region, cv2.COLOR_RGB2HSV)
    sx, sy = 64 / (ox1 - ox0), 64 / (oy1 - oy0)
    mask = np.zeros((64, 64), np.uint8)
    fx0, fy0 = int((cx - 0.35 * bw - ox0) * sx), int((cy - 0.3 * bh - oy0) * sy)
    fx1, fy1 = int((cx + 0.35 * bw - ox0) * sx), int((cy + 0.4 * bh - oy0) * sy)
    mask[max(fy0, 0):max(fy1, 1), max(fx0, 0):max(fx1, 1)] = 255
    thumb = _thumb(image, landmarks) if landmarks is not None else np.zeros(N_THUMB)
    return np.concatenate([_hist(hsv, mask), _hist(hsv, 255 - mask), thumb])


def thumb_similarity(a: np.ndarray, b: np.ndarray) -> float | None:
    """Correlation (-1..1) of the aligned thumbnails, or None when either has none."""
    ta, tb = a[2 * N_HIST:], b[2 * N_HIST:]
    na, nb = np.linalg.norm(ta), np.linalg.norm(tb)
    if na < 1e-9 or nb < 1e-9:
        return None
    return float(ta @ tb / (na * nb))


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """0 (nothing in common) .. 1 (identical): histogram Bhattacharyya coefficients and thumbnail correlation.

    The thumbnail counts half when both descriptors have one; the face and ring histograms share the rest.
    """
    face = float(np.sum(np.sqrt(a[:N_HIST] * b[:N_HIST])))
    ring = float(np.sum(np.sqrt(a[N_HIST:2 * N_HIST] * b[N_HIST:2 * N_HIST])))
    t = thumb_similarity(a, b)
    if t is None:
        return 0.5 * face + 0.5 * ring
    return 0.25 * face + 0.25 * ring + 0.5 * max(t, 0.0)
