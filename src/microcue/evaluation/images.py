"""Expression accuracy on labelled still images (labels.csv with ``path,label``).

Each image is loaded with OpenCV, turned into RGB (grey images are replicated), padded by half its size on each
side and upscaled so its short side is at least ``min_side`` pixels (48x48 thumbnails must still find a face), then
run through the vendored MediaPipe Face Landmarker in IMAGE mode. The face's action units are computed, a
*still-image* neutral (a constant shipped in ``models/emotion_calibration.json``: an upper quantile of the
calibration set's relaxed faces, :func:`microcue.signals.baseline.still_image_neutral`; no image of the same person
and no label is used) is subtracted, and :func:`microcue.signals.emotions.emotion_probs` classifies it. Its
probabilities are fused with those of the vendored expression CNN on a 64x64 grey crop of the face
(:mod:`microcue.faces.expression_cnn`, :func:`microcue.signals.emotions.fuse_cnn`, per-class weights ``still_fusion``
of the shipped calibration).

A face that is not found counts as a wrong prediction (predicted label ``"no_face"``) and is counted in
``faces_not_found``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Self

import numpy as np

from microcue.errors import InputNotFoundError, InvalidInputError

NO_FACE = "no_face"


@dataclass(frozen=True, slots=True)
class ImageFace:
    """Landmarker output for one still image (the largest face).

    Attributes:
        blendshapes: ``(52,)`` MediaPipe blendshape scores.
        landmarks: ``(478, 3)`` normalised to the *prepared* (padded, upscaled) image.
        transform: ``(4, 4)`` facial transformation matrix.
        frame_size: ``(w, h)`` of the prepared image in pixels.
        crop: ``(64, 64)`` grey face crop for the expression CNN (:func:`microcue.faces.expression_cnn.face_crop`).
    """

    blendshapes: np.ndarray
    landmarks: np.ndarray
    transform: np.ndarray
    frame_size: tuple[int, int]
    crop: np.ndarray


def prepare_image(image: np.ndarray, *, pad_frac: float = 0.5, min_side: int = 384,
                  border: str = "replicate") -> np.ndarray:
    """Make any image detector-friendly: RGB uint8, padded and upscaled.

    Args:
        image: ``(H, W)`` grey, ``(H, W, 1|3|4)`` in RGB(A) order, uint8.
        pad_frac: border added on each side as a fraction of the image size. Face crops that touch the
            border are found far more often once padded.
        border: ``"replicate"`` (edge pixels) or ``"constant"`` (mid grey).
        min_side: the padded image is upscaled (cubic) so its shorter side is at least this many pixels.

    Returns:
        ``(H', W', 3)`` uint8 RGB, contiguous.
    """
    import cv2

    img = np.asarray(image)
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    elif img.ndim == 3 and img.shape[2] == 1:
        img = np.repeat(img, 3, axis=2)
    elif img.ndim == 3 and img.shape[2] == 4:
        img = img[:, :, :3]
    if img.ndim != 3 or img.shape[2] != 3 or img.shape[0] < 8 or img.shape[1] < 8:
        raise InvalidInputError(f"image must be (H, W) or (H, W, 3) with H, W >= 8, got shape {img.shape}")
    if img.dtype != np.uint8:
        img = np.clip(img, 0, 255).astype(np.uint8)
    h, w = img.shape[:2]
    ph, pw = round(h * pad_frac), round(w * pad_frac)
    if border not in ("replicate", "constant"):
        raise ValueError(f"border must be 'replicate' or 'constant', got {border!r}")
    if ph or pw:
        if border == "replicate":
            img = cv2.copyMakeBorder(img, ph, ph, pw, pw, cv2.BORDER_REPLICATE)
        else:
            img = cv2.copyMakeBorder(img, ph, ph, pw, pw, cv2.BORDER_CONSTANT, value=(128, 128, 128))
    h, w = img.shape[:2]
    scale = min_side / min(h, w)
    if scale > 1.0:
        img = cv2.resize(img, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_CUBIC)
    return np.ascontiguousarray(img)


def load_rgb(path: str | Path) -> np.ndarray:
    """Read an image file as RGB uint8 (grey files become 3 identical channels).

    OpenCV reads the usual formats (JPEG, PNG, BMP, TIFF, WebP, with EXIF orientation applied); what it cannot
    read (GIF, for one) is decoded by FFmpeg through PyAV, first frame only."""
    import cv2

    p = Path(path)
    if not p.is_file():
        raise InputNotFoundError(f"image not found: {p}")
    bgr = cv2.imread(str(p), cv2.IMREAD_COLOR)
    if bgr is not None:
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    rgb = _decode_with_av(p)
    if rgb is None:
        raise InvalidInputError(f"cannot decode image {p}: not an image OpenCV or FFmpeg can read")
    return rgb


def _decode_with_av(path: Path) -> np.ndarray | None:
    """The first frame of an image file FFmpeg can read (GIF, ...) as RGB uint8, or None."""
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return None
            for frame in container.decode(video=0):
                return np.ascontiguousarray(frame.to_ndarray(format="rgb24"))
    except (av.FFmpegError, OSError, ValueError):
        return None
    return None


PREPARATIONS: tuple[dict[str, Any], ...] = (
    {"pad_frac": 0.5, "border": "replicate"},
    {"pad_frac": 0.5, "border": "constant"},
    {"pad_frac": 0.0},
    {"pad_frac": 1.0, "border": "constant"},
    {"pad_frac": 1.0, "border": "replicate"},
)
"""Padding attempts of :meth:`ImageLandmarker.detect_image`, in order (each upscaled to >= 384 px)."""


def _blank():
    import mediapipe as mp

    return mp.Image(image_format=mp.ImageFormat.SRGB, data=np.zeros((64, 64, 3), np.uint8))


class ImageLandmarker:
    """MediaPipe FaceLandmarker in IMAGE mode from the vendored, checksummed bundle. Use as a context manager."""

    def __init__(self, *, min_detection_confidence: float = 0.3, min_presence_confidence: float = 0.3) -> None:
        from microcue.faces.landmarker import _vision, quiet_native_logs
        from microcue.faces.model import verified_model_bytes

        BaseOptions, vision = _vision()  # noqa: N806 (MediaPipe's class names)

        options = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_buffer=verified_model_bytes()),
            running_mode=vision.RunningMode.IMAGE,
            num_faces=1,
            min_face_detection_confidence=min_detection_confidence,
            min_face_presence_confidence=min_presence_confidence,
            output_face_blendshapes=True,
            output_facial_transformation_matrixes=True,
        )
        with quiet_native_logs():
            self._lm = vision.FaceLandmarker.create_from_options(options)
            self._lm.detect(_blank())

    def detect(self, rgb: np.ndarray) -> ImageFace | None:
        """Landmarks, blendshapes and transform of the face in a prepared RGB image, or None."""
        import mediapipe as mp

        from microcue.faces.expression_cnn import face_crop

        img = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        res = self._lm.detect(img)
        if not res.face_landmarks or not res.face_blendshapes or not res.facial_transformation_matrixes:
            return None
        lms = np.array([(p.x, p.y, p.z) for p in res.face_landmarks[0]], dtype=np.float64)
        bs = np.array([c.score for c in res.face_blendshapes[0]], dtype=np.float64)
        tf = np.asarray(res.facial_transformation_matrixes[0], dtype=np.float64).reshape(4, 4)
        h, w = rgb.shape[:2]
        return ImageFace(bs, lms, tf, (int(w), int(h)), face_crop(rgb, lms))

    def detect_image(self, image: np.ndarray) -> ImageFace | None:
        """Find the face in a raw image, trying the preparations of ``PREPARATIONS`` in order.

        Small and tightly cropped faces are found by different paddings; the first that works is kept. The
        returned landmarks are normalised to the prepared image that worked (``frame_size`` says its size).
        """
        for kw in PREPARATIONS:
            face = self.detect(prepare_image(image, **kw))
            if face is not None:
                return face
        return None

    def close(self) -> None:
        self._lm.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_labels(labels_csv: str | Path, *, root: str | Path | None = None) -> list[tuple[Path, str]]:
    """``(absolute image path, label)`` rows of a ``path,label`` CSV; paths are relative to ``root``
    (default: the CSV's folder). Labels are the eight of ``EMOTIONS`` (any case) or a ``EMOTION_ALIASES`` spelling;
    anything else is an error naming the row, since it could only ever be scored wrong."""
    from microcue.signals.emotions import EMOTION_ALIASES, EMOTIONS

    csv_path = Path(labels_csv)
    if not csv_path.is_file():
        raise InputNotFoundError(f"labels file not found: {csv_path}")
    base = Path(root) if root is not None else csv_path.parent
    try:
        text = csv_path.read_text(encoding="utf-8-sig")  # a spreadsheet's byte-order mark is no column
    except UnicodeDecodeError:
        raise InvalidInputError(f"{csv_path}: not a text CSV (not UTF-8); expected columns path,label") from None
    rows: list[tuple[Path, str]] = []
    with io.StringIO(text, newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or not {"path", "label"} <= set(reader.fieldnames):
            raise InvalidInputError(f"{csv_path} must have a header with columns path,label; got {reader.fieldnames}")
        for line, row in enumerate(reader, start=2):
            raw = (row["label"] or "").strip().lower()
            label = EMOTION_ALIASES.get(raw, raw)
            if label not in EMOTIONS:
                raise InvalidInputError(f"{csv_path} row {line}: label {raw!r} is not one of {', '.join(EMOTIONS)}")
            rows.append((base / row["path"], label))
    if not rows:
        raise InvalidInputError(f"{csv_path} has no rows")
    return rows


@dataclass(frozen=True, slots=True)
class StillFace:
    """What a still image's face gives the emotion model.

    Attributes:
        aus: ``(len(AU_NAMES),)`` raw AUs (not baseline-corrected).
        cnn: ``(7,)`` expression-CNN probabilities (:data:`microcue.faces.expression_cnn.CNN_CLASSES` order), or
            None where the CNN cannot run (:func:`microcue.faces.expression_cnn.available`).
    """

    aus: np.ndarray
    cnn: np.ndarray | None


def extract_features(paths: Iterable[Path]) -> list[StillFace | None]:
    """AUs and expression-CNN probabilities of each image's face, None when no face is found (the CNN's part is
    None where it cannot run on this machine)."""
    from microcue.faces.expression_cnn import ExpressionCNN, available
    from microcue.signals.aus import compute_aus

    out: list[StillFace | None] = []
    cnn = ExpressionCNN() if available() else None
    with ImageLandmarker() as lm:
        for p in paths:
            face = lm.detect_image(load_rgb(p))
            if face is None:
                out.append(None)
                continue
            aus = compute_aus(face.blendshapes, face.landmarks, face.transform, frame_size=face.frame_size)
            out.append(StillFace(aus, None if cnn is None else cnn.probs(face.crop)))
    return out


def still_probs(face: StillFace) -> np.ndarray:
    """``(8,)`` probabilities of ``EMOTIONS`` for a still image: the AU model against the shipped still-image
    neutral, fused with the expression CNN by the shipped per-class ``still_fusion`` weights
    (bench/CNN_FUSION_DECLARED.md, bench/STACK_DECLARED.md)."""
    from microcue.signals.baseline import relative_to_neutral
    from microcue.signals.emotions import emotion_probs, fuse_cnn

    neutral, weights = _still_reading()
    p_au = emotion_probs(relative_to_neutral(face.aus, neutral))
    if face.cnn is None:
        return p_au
    return fuse_cnn(p_au, face.cnn, *weights)


@lru_cache(maxsize=1)
def _still_reading() -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The shipped still-image neutral and per-class fusion weights (read once)."""
    from microcue.signals.baseline import shipped_calibration, still_image_neutral
    from microcue.signals.emotions import still_fusion_weights

    return still_image_neutral(), still_fusion_weights(shipped_calibration())


def score_predictions(y_true: list[str], y_pred: list[str], *, labels: Iterable[str] | None = None) -> dict[str, Any]:
    """Accuracy, per-class recall (over the true labels present), their mean, and a confusion table.

    ``confusion[true][pred]`` counts; predictions outside ``labels`` (``no_face``, ``contempt`` on a set without
    it) get their own column.
    """
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true and y_pred differ in length: {len(y_true)} vs {len(y_pred)}")
    true_labels = list(labels) if labels is not None else sorted(set(y_true))
    pred_labels = true_labels + sorted(set(y_pred) - set(true_labels))
    confusion = {t: {p: 0 for p in pred_labels} for t in true_labels}
    for t, p in zip(y_true, y_pred):
        if t in confusion:
            confusion[t][p] += 1
    recall = {}
    for t in true_labels:
        n_t = sum(confusion[t].values())
        if n_t:
            recall[t] = confusion[t][t] / n_t
    n = len(y_true)
    return {
        "n": n,
        "accuracy": float(np.mean([t == p for t, p in zip(y_true, y_pred)])) if n else float("nan"),
        "mean_per_class_recall": float(np.mean(list(recall.values()))) if recall else float("nan"),
        "per_class_recall": recall,
        "labels": true_labels,
        "confusion": confusion,
        "faces_not_found": int(sum(p == NO_FACE for p in y_pred)),
    }


def classify_faces(faces: list[StillFace | None]) -> list[str]:
    """Predicted label per still face (:func:`still_probs`; ``no_face`` for None)."""
    from microcue.signals.emotions import EMOTIONS

    return [NO_FACE if f is None else EMOTIONS[int(np.argmax(still_probs(f)))] for f in faces]


def evaluate_images(labels_csv: str | Path, *, root: str | Path | None = None) -> dict[str, Any]:
    """Classify every image in ``labels_csv`` and score it.

    Args:
        labels_csv: CSV with columns ``path,label`` (labels among ``EMOTIONS``).
        root: folder the paths are relative to (default: the CSV's folder).

    Returns:
        dict with ``n``, ``accuracy``, ``mean_per_class_recall`` (mean over the true classes present),
        ``per_class_recall`` {label: recall}, ``labels`` (row order of the confusion), ``confusion``
        {true: {pred: count}}, ``faces_not_found`` (those count as wrong predictions, column ``no_face``) and
        ``expression_cnn`` (False where the CNN cannot run on this machine and the action units read alone).
    """
    rows = read_labels(labels_csv, root=root)
    for p, _ in rows:
        if not p.is_file():
            raise InputNotFoundError(f"image listed in {labels_csv} not found: {p}")
    for p, _ in rows:  # a file that is no image stops the run now, not after the face model has run on the rest
        load_rgb(p)
    feats = extract_features([p for p, _ in rows])
    y_true = [lab for _, lab in rows]
    from microcue.faces.expression_cnn import available

    return {**score_predictions(y_true, classify_faces(feats)), "expression_cnn": available()}


def format_report(result: dict[str, Any]) -> str:
    """Human-readable summary and confusion matrix of an :func:`evaluate_images` result."""
    labels = result["labels"]
    conf = result["confusion"]
    cols = list(next(iter(conf.values())).keys()) if conf else labels
    lines = [
        f"images: {result['n']}   faces not found: {result['faces_not_found']} (counted as wrong)",
        f"accuracy: {result['accuracy']:.3f}   mean per-class recall: {result['mean_per_class_recall']:.3f}",
        *([] if result.get("expression_cnn", True) else
          ["read by the action units alone: the expression CNN needs ai-edge-litert, which has no build for this "
           "platform"]),
        "",
        "per-class recall: " + ", ".join(f"{k} {v:.2f}" for k, v in result["per_class_recall"].items()),
        "",
        "confusion (rows = true, columns = predicted):",
    ]
    short = [c[:5] for c in cols]
    lines.append(f"{'':>10} " + " ".join(f"{s:>5}" for s in short))
    for t in labels:
        lines.append(f"{t:>10} " + " ".join(f"{conf[t][c]:>5d}" for c in cols))
    return "\n".join(lines)
