"""A small appearance descriptor for re-identifying a person who comes back or after a speaker cut.

No face-recognition network ships with microcue, so identity is told by colour: an HSV hue/saturation
histogram of the inner face (skin, glasses, beard) and one of the ring around it (hair, clothes, the room
behind them). In a call each person sits in their own room, which makes the ring very distinctive.
"""

from __future__ import annotations

import numpy as np

H_BINS, S_BINS = 16, 8


def _hist(hsv: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    import cv2

    h = cv2.calcHist([hsv], [0, 1], mask, [H_BINS, S_BINS], [0, 180, 0, 256]).ravel().astype(np.float64)
    total = h.sum()
    return h / total if total > 0 else h


def describe(image: np.ndarray, bbox_xyxy: np.ndarray) -> np.ndarray:
    """``(2 * H_BINS * S_BINS,)`` descriptor: inner-face histogram then context-ring histogram."""
    import cv2

    h, w = image.shape[:2]
    x0, y0, x1, y1 = (float(v) for v in bbox_xyxy)
    bw, bh = max(x1 - x0, 2.0), max(y1 - y0, 2.0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    # Context: the box grown 2.2x; resize so the cost does not depend on the face size.
    ox0, oy0 = int(max(0, cx - 1.1 * bw)), int(max(0, cy - 1.1 * bh))
    ox1, oy1 = int(min(w, cx + 1.1 * bw)), int(min(h, cy + 1.1 * bh))
    if ox1 - ox0 < 4 or oy1 - oy0 < 4:
        return np.zeros(2 * H_BINS * S_BINS)
    region = cv2.resize(image[oy0:oy1, ox0:ox1], (64, 64), interpolation=cv2.INTER_AREA)
    hsv = cv2.cvtColor(region, cv2.COLOR_RGB2HSV)
    sx, sy = 64 / (ox1 - ox0), 64 / (oy1 - oy0)
    mask = np.zeros((64, 64), np.uint8)
    fx0, fy0 = int((cx - 0.35 * bw - ox0) * sx), int((cy - 0.3 * bh - oy0) * sy)
    fx1, fy1 = int((cx + 0.35 * bw - ox0) * sx), int((cy + 0.4 * bh - oy0) * sy)
    mask[max(fy0, 0):max(fy1, 1), max(fx0, 0):max(fx1, 1)] = 255
    return np.concatenate([_hist(hsv, mask), _hist(hsv, 255 - mask)])


def similarity(a: np.ndarray, b: np.ndarray, *, face_weight: float = 0.5) -> float:
    """Bhattacharyya coefficient (0 = nothing in common, 1 = identical), face and context weighted."""
    n = H_BINS * S_BINS
    face = float(np.sum(np.sqrt(a[:n] * b[:n])))
    ctx = float(np.sum(np.sqrt(a[n:] * b[n:])))
    return face_weight * face + (1 - face_weight) * ctx
