"""Where to look for faces: a pyramid of overlapping square tiles scanned a few at a time.

BlazeFace finds a face only when it spans roughly 14 % or more of its input, so one pass over a
1280x720 gallery misses 60 px faces. The pyramid's tiles go down to ``min_face_px / 0.16`` pixels, so a
face of ``min_face_px`` fills about a sixth of its smallest tile. Tiles overlap by ``overlap`` so that a
face on a tile border is whole in some tile.
"""

from __future__ import annotations

import math

import numpy as np

DETECTOR_MIN_FRACTION = 0.16


def tile_pyramid(width: int, height: int, *, min_face_px: float = 36.0, overlap: float = 0.35,
                 step: float = 0.6) -> list[tuple[int, int, int]]:
    """Square tiles ``(x0, y0, side)`` covering the frame at sizes from the whole frame down.

    The first tile is the whole frame (as a square side = the long edge, letterboxed by the detector).
    Each next level shrinks the side by ``step`` until it reaches ``min_face_px / 0.16``.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"frame size must be positive, got {width}x{height}")
    long_side = max(width, height)
    smallest = max(64.0, min_face_px / DETECTOR_MIN_FRACTION)
    tiles: list[tuple[int, int, int]] = [(0, 0, long_side)]
    sides = []
    side = float(min(width, height))
    if side >= long_side * 0.9:
        side *= step
    while side >= smallest:
        sides.append(side)
        side *= step
    if not sides or sides[-1] > smallest / step ** 0.5:
        sides.append(smallest)
    for side in sides:
        stride = side * (1.0 - overlap)
        nx = math.ceil((width - side) / stride) + 1 if width > side else 1
        ny = math.ceil((height - side) / stride) + 1 if height > side else 1
        xs = np.linspace(0, max(0.0, width - side), nx)
        ys = np.linspace(0, max(0.0, height - side), ny)
        tiles.extend((int(round(x)), int(round(y)), int(round(side))) for y in ys for x in xs)
    return tiles
