"""Expression probabilities of a small face CNN, from a grey crop of the face.

The vendored model is fer's int8 mini-Xception (``models/expression_cnn.tflite``; MIT, Octavio Arriaga's
face_classification via Justin Shenk's fer 25.10.3; trained on FER2013, which is not in ../shared/data), run by
LiteRT (``ai-edge-litert``). It sees pixels the AU layer does not measure (furrows, wrinkles, the shape of the eyes),
so the AU model and it err differently; :func:`microcue.signals.emotions.fuse_cnn` combines the two. Model card:
docs/model-card-expression-cnn.md.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from microcue.errors import ModelError
from microcue.faces.model import checked_bytes, vendored_path

MODEL_FILE = "expression_cnn.tflite"
MODEL_SHA256 = "65e3961bb68f497bd02a8d075da8409364db90004edb80c0c6cb15647c4de559"
CROP_PX = 64
CNN_CLASSES: tuple[str, ...] = ("anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral")
"""The model's seven outputs, in its order (FER2013's classes in microcue's names; no contempt)."""

# Eye corners (MediaPipe indices; the subject's right eye is on the image left): the crop is turned so the line
# through the two eyes' centres is level.
_RIGHT_EYE = (33, 133)
_LEFT_EYE = (362, 263)


def available() -> bool:
    """Whether this machine can run the CNN: LiteRT (``ai-edge-litert``) has no build for some platforms (Intel
    Macs). Without it, still images are read by the action units alone and say so."""
    import importlib.util

    try:
        return importlib.util.find_spec("ai_edge_litert") is not None
    except (ImportError, ValueError):
        return False


def model_path() -> Path:
    """Path of the vendored CNN inside the installed package."""
    return vendored_path(MODEL_FILE)


@lru_cache(maxsize=1)
def verified_model_bytes() -> bytes:
    """The CNN's bytes after checking its sha256; raises ModelError if missing or altered."""
    return checked_bytes(model_path(), MODEL_SHA256, "expression model")


def face_crop(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """``(64, 64)`` uint8 grey crop of the face, the eye line level.

    Args:
        image: ``(H, W, 3)`` RGB or ``(H, W)`` grey uint8 frame.
        landmarks: ``(478, 2+)`` MediaPipe landmarks with x, y normalised to ``image``'s width and height.

    The square is centred on the landmarks' extent, its side the larger of their width and height (measured
    after levelling), with no margin: about the box a face detector draws, which is what the model was fed.
    """
    import cv2

    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    h, w = grey.shape[:2]
    pts = np.asarray(landmarks, dtype=np.float64)[:, :2] * (w, h)
    d = pts[list(_LEFT_EYE)].mean(0) - pts[list(_RIGHT_EYE)].mean(0)
    angle = float(np.degrees(np.arctan2(d[1], d[0])))
    rot = cv2.getRotationMatrix2D((0.0, 0.0), angle, 1.0)
    level = pts @ rot[:, :2].T
    lo, hi = level.min(0), level.max(0)
    side = float(max(hi - lo))
    if side <= 1.0:
        raise ValueError("face_crop: the landmarks span less than a pixel")
    centre = (lo + hi) / 2.0
    scale = CROP_PX / side
    m = rot * scale
    m[:, 2] = CROP_PX / 2.0 - centre * scale
    return cv2.warpAffine(grey, m, (CROP_PX, CROP_PX), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)


class ExpressionCNN:
    """The vendored CNN, loaded once per instance (a LiteRT interpreter is not shared between threads)."""

    def __init__(self) -> None:
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError:
            raise ModelError("the expression CNN needs ai-edge-litert, which is not installed (it has no build for "
                             "this platform)") from None

        from microcue.faces.landmarker import quiet_native_logs

        model = verified_model_bytes()
        with quiet_native_logs():  # LiteRT announces its CPU delegate on stderr when it first runs
            self._it = Interpreter(model_content=model, num_threads=1)
            self._it.allocate_tensors()
            self._in = self._it.get_input_details()[0]["index"]
            self._out = self._it.get_output_details()[0]["index"]
            self.probs(np.zeros((CROP_PX, CROP_PX), np.uint8))

    def probs(self, crop: np.ndarray) -> np.ndarray:
        """``(7,)`` probabilities in :data:`CNN_CLASSES` order for one :func:`face_crop`."""
        if crop.shape != (CROP_PX, CROP_PX):
            raise ValueError(f"ExpressionCNN.probs needs a ({CROP_PX}, {CROP_PX}) crop, got {crop.shape}")
        x = (crop.astype(np.float32) / 255.0 - 0.5) * 2.0
        self._it.set_tensor(self._in, x[None, :, :, None])
        self._it.invoke()
        p = np.asarray(self._it.get_tensor(self._out)[0], dtype=np.float64)
        return p / p.sum()
