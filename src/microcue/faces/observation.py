"""What the face stage says about one face in one frame."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

N_LANDMARKS = 478
N_BLENDSHAPES = 52


def _check(name: str, arr: np.ndarray, shape: tuple[int, ...]) -> None:
    if not isinstance(arr, np.ndarray) or arr.shape != shape:
        raise ValueError(f"FaceObservation.{name} must have shape {shape}, got {getattr(arr, 'shape', None)}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"FaceObservation.{name} has non-finite values")


@dataclass(frozen=True, slots=True)
class FaceObservation:
    """One face in one frame, in full-frame coordinates.

    Attributes:
        track_id: stable id from the tracker (-1 before tracking).
        bbox_xyxy: ``(4,)`` float pixel box (x0, y0, x1, y1) around the landmarks in the full frame.
        landmarks: ``(478, 3)`` float; x, y normalised to the full frame's width and height (0..1),
            z in the same scale as x (MediaPipe's convention).
        blendshapes: ``(52,)`` float in 0..1, in MediaPipe's order (see ``BLENDSHAPE_NAMES``).
        pose_deg: ``(3,)`` yaw, pitch, roll in degrees from the facial transformation matrix
            (yaw > 0: the face turns to its own left / image right; pitch > 0: looks up; roll > 0: tilts
            clockwise in the image).
        transform: ``(4, 4)`` facial transformation matrix (canonical face -> camera space).
        quality: 0..1, how much to trust this observation (face size, pose, detector agreement).
    """

    track_id: int
    bbox_xyxy: np.ndarray
    landmarks: np.ndarray
    blendshapes: np.ndarray
    pose_deg: np.ndarray
    transform: np.ndarray
    quality: float

    def __post_init__(self) -> None:
        _check("bbox_xyxy", self.bbox_xyxy, (4,))
        _check("landmarks", self.landmarks, (N_LANDMARKS, 3))
        _check("blendshapes", self.blendshapes, (N_BLENDSHAPES,))
        _check("pose_deg", self.pose_deg, (3,))
        _check("transform", self.transform, (4, 4))
        if not 0.0 <= self.quality <= 1.0:
            raise ValueError(f"FaceObservation.quality must be in [0, 1], got {self.quality}")

    @property
    def width_px(self) -> float:
        return float(self.bbox_xyxy[2] - self.bbox_xyxy[0])

    def with_track(self, track_id: int) -> FaceObservation:
        return FaceObservation(track_id, self.bbox_xyxy, self.landmarks, self.blendshapes, self.pose_deg,
                               self.transform, self.quality)
