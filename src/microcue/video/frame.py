"""The unit that flows out of every source."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded frame.

    Attributes:
        pts_s: presentation time in seconds, taken from the container (never index / fps).
        index: 0-based position of the frame in its source.
        image: ``(H, W, 3)`` uint8 RGB, already rotated upright when the container says so.
    """

    pts_s: float
    index: int
    image: np.ndarray

    def __post_init__(self) -> None:
        img = self.image
        if not isinstance(img, np.ndarray) or img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
            shape = getattr(img, "shape", None)
            dtype = getattr(img, "dtype", None)
            raise ValueError(f"Frame.image must be (H, W, 3) uint8 RGB, got shape={shape} dtype={dtype}")
        if not np.isfinite(self.pts_s):
            raise ValueError(f"Frame.pts_s must be finite, got {self.pts_s!r}")
        if self.index < 0:
            raise ValueError(f"Frame.index must be >= 0, got {self.index}")

    @property
    def size(self) -> tuple[int, int]:
        """``(width, height)`` in pixels."""
        return int(self.image.shape[1]), int(self.image.shape[0])
