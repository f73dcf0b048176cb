"""MediaPipe Tasks backends: the face detector for finding faces, the landmarker for each face's crop.

Both come from the one vendored bundle (its sha256 is checked before use). The detector is BlazeFace short
range, which only finds faces that fill at least ~14 % of its input: small gallery faces are found by
running it over tiles (see ``tiles.py``), and each face is then measured in a crop of its own, so a 60 px
face in a 1280x720 gallery gets the same landmark resolution as a close-up.
"""

from __future__ import annotations

import io
import math
import os
import sys
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from microcue.faces.model import verified_model_bytes
from microcue.faces.observation import FaceObservation

CROP_PX = 256
"""Side of the square image a face crop is resized to before the landmarker sees it."""


@contextmanager
def quiet_native_logs():
    """Silence MediaPipe's C++ start-up chatter (EGL, XNNPACK, feedback tensors) on the process's stderr.

    The file descriptor is redirected only while a graph is created and runs its first frame; Python
    exceptions are unaffected (they are raised, not printed). Set MICROCUE_NATIVE_LOGS=1 to see the logs.
    """
    if os.environ.get("MICROCUE_NATIVE_LOGS") == "1":
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real stderr (e.g. some embedded interpreters)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _vision():
    with quiet_native_logs():
        from mediapipe.tasks.python import BaseOptions, vision  # heavy: imported on first use

    return BaseOptions, vision


def _mp_image(rgb: np.ndarray):
    import mediapipe as mp

    return mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))


@dataclass(frozen=True, slots=True)
class Detection:
    """A face box from the detector, in full-frame pixels, with its score."""

    box_xyxy: np.ndarray
    score: float


class FaceDetector:
    """BlazeFace (short range) from the bundle: ``detect(rgb, offset=(x, y)) -> list[Detection]``."""

    def __init__(self, *, min_score: float = 0.5) -> None:
        base_options, vision = _vision()
        bundle = zipfile.ZipFile(io.BytesIO(verified_model_bytes()))
        opts = vision.FaceDetectorOptions(
            base_options=base_options(model_asset_buffer=bundle.read("face_detector.tflite")),
            running_mode=vision.RunningMode.IMAGE, min_detection_confidence=min_score)
        with quiet_native_logs():
            self._det = vision.FaceDetector.create_from_options(opts)
            self._det.detect(_mp_image(np.zeros((64, 64, 3), np.uint8)))  # first run logs too

    def detect(self, rgb: np.ndarray, *, offset: tuple[float, float] = (0.0, 0.0),
               scale: float = 1.0) -> list[Detection]:
        """Faces in ``rgb``; boxes are mapped by ``box / scale + offset`` back to full-frame pixels."""
        res = self._det.detect(_mp_image(rgb))
        out = []
        for d in res.detections:
            b = d.bounding_box
            box = np.array([b.origin_x, b.origin_y, b.origin_x + b.width, b.origin_y + b.height], float)
            box = box / scale + np.array([offset[0], offset[1], offset[0], offset[1]])
            out.append(Detection(box, float(d.categories[0].score)))
        return out

    def close(self) -> None:
        self._det.close()


def pose_from_transform(transform: np.ndarray) -> np.ndarray:
    """Yaw, pitch, roll in degrees from MediaPipe's facial transformation matrix.

    The rotation is taken from the upper 3x3 block after removing scale. Conventions: yaw > 0 when the face
    turns towards the image's right, pitch > 0 when the face tilts up, roll > 0 when the head tilts
    clockwise in the image (the subject's left ear towards the left shoulder... as seen by the camera).
    """
    r = np.asarray(transform, float)[:3, :3]
    norms = np.linalg.norm(r, axis=0)
    r = r / np.where(norms > 0, norms, 1.0)
    pitch = math.degrees(math.atan2(r[2, 1], r[2, 2]))
    yaw = math.degrees(math.asin(float(np.clip(-r[2, 0], -1.0, 1.0))))
    roll = math.degrees(math.atan2(r[1, 0], r[0, 0]))
    # Signs checked by eye on the OpenFace webcam sample (docs/action-units.md): MediaPipe's x rotation is positive
    # for a chin-down nod and its y rotation for a face turned to the image's right; both are given here in the
    # documented convention, the same as gaze_x / gaze_y (iris toward image right / up), so that a head turned away
    # with the eyes turned back to the screen cancels in gaze_aversion instead of adding up.
    return np.array([yaw, -pitch, -roll], float)


def square_crop(image: np.ndarray, center: tuple[float, float], side: float
                ) -> tuple[np.ndarray, float, float, float]:
    """A ``CROP_PX`` square crop of ``side`` pixels around ``center`` (padded with black at the edges).

    Returns ``(crop, x0, y0, side)`` so that full-frame = crop_pixel * side / CROP_PX + (x0, y0).
    """
    import cv2

    h, w = image.shape[:2]
    side = max(8.0, float(side))
    x0 = center[0] - side / 2
    y0 = center[1] - side / 2
    # An affine warp crops, pads and resizes in one pass and never copies the whole frame.
    s = CROP_PX / side
    m = np.array([[s, 0, -x0 * s], [0, s, -y0 * s]], np.float32)
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
    crop = cv2.warpAffine(image, m, (CROP_PX, CROP_PX), flags=interp, borderMode=cv2.BORDER_CONSTANT)
    return crop, x0, y0, side


class CropLandmarker:
    """The Face Landmarker (IMAGE mode, stateless) run on one face's square crop.

    IMAGE mode keeps every frame's measurement independent: no smoothing across frames that would blunt a
    three-frame microexpression, and one instance serves every face in the call.
    """

    def __init__(self, *, max_faces_per_crop: int = 2, min_score: float = 0.5) -> None:
        base_options, vision = _vision()
        opts = vision.FaceLandmarkerOptions(
            base_options=base_options(model_asset_buffer=verified_model_bytes()),
            running_mode=vision.RunningMode.IMAGE, num_faces=max_faces_per_crop,
            min_face_detection_confidence=min_score, min_face_presence_confidence=min_score,
            output_face_blendshapes=True, output_facial_transformation_matrixes=True)
        with quiet_native_logs():
            self._lm = vision.FaceLandmarker.create_from_options(opts)
            self._lm.detect(_mp_image(np.zeros((64, 64, 3), np.uint8)))  # first run logs too

    def measure(self, image: np.ndarray, center: tuple[float, float], side: float) -> FaceObservation | None:
        """The face nearest ``center`` in a crop of ``side`` px, in full-frame coordinates, or None."""
        h, w = image.shape[:2]
        crop, x0, y0, side = square_crop(image, center, side)
        res = self._lm.detect(_mp_image(crop))
        if not res.face_landmarks:
            return None
        best, best_d = None, float("inf")
        for i, pts in enumerate(res.face_landmarks):
            xy = np.array([[p.x, p.y, p.z] for p in pts], float)
            c = xy[:, :2].mean(axis=0)
            d = float(np.hypot(c[0] - 0.5, c[1] - 0.5))
            if d < best_d:
                best, best_d = (i, xy), d
        i, crop_lm = best
        if best_d > 0.35:
            return None  # only a neighbour's face at the crop's edge
        lm = np.empty_like(crop_lm)
        lm[:, 0] = (crop_lm[:, 0] * side + x0) / w
        lm[:, 1] = (crop_lm[:, 1] * side + y0) / h
        lm[:, 2] = crop_lm[:, 2] * side / w
        bs = np.array([c.score for c in res.face_blendshapes[i]], float)
        tf = np.asarray(res.facial_transformation_matrixes[i], float)
        px = lm[:, :2] * (w, h)
        bbox = np.concatenate([px.min(axis=0), px.max(axis=0)])
        pose = pose_from_transform(tf)
        return FaceObservation(-1, bbox, lm, bs, pose, tf, _quality(bbox, pose, crop_lm))

    def close(self) -> None:
        self._lm.close()


def _quality(bbox: np.ndarray, pose: np.ndarray, crop_lm: np.ndarray) -> float:
    """0..1 from face size (pixels across), head turn, and how well the face sits inside its crop."""
    width = float(bbox[2] - bbox[0])
    size_q = float(np.clip((width - 24.0) / (96.0 - 24.0), 0.0, 1.0))
    turn = max(abs(pose[0]) / 50.0, abs(pose[1]) / 40.0)
    pose_q = float(np.clip(1.0 - turn**2, 0.0, 1.0))
    inside = float(np.mean((crop_lm[:, 0] > 0) & (crop_lm[:, 0] < 1) & (crop_lm[:, 1] > 0) & (crop_lm[:, 1] < 1)))
    return float(np.clip(0.25 + 0.75 * size_q, 0, 1) * pose_q * inside)
