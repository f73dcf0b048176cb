"""The vendored MediaPipe Face Landmarker bundle, checked before use."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from pathlib import Path

from microcue.errors import ModelError

MODEL_FILE = "face_landmarker.task"
MODEL_SHA256 = "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff"

BLENDSHAPE_NAMES: tuple[str, ...] = (
    "_neutral", "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "cheekPuff", "cheekSquintLeft", "cheekSquintRight", "eyeBlinkLeft", "eyeBlinkRight", "eyeLookDownLeft",
    "eyeLookDownRight", "eyeLookInLeft", "eyeLookInRight", "eyeLookOutLeft", "eyeLookOutRight",
    "eyeLookUpLeft", "eyeLookUpRight", "eyeSquintLeft", "eyeSquintRight", "eyeWideLeft", "eyeWideRight",
    "jawForward", "jawLeft", "jawOpen", "jawRight", "mouthClose", "mouthDimpleLeft", "mouthDimpleRight",
    "mouthFrownLeft", "mouthFrownRight", "mouthFunnel", "mouthLeft", "mouthLowerDownLeft",
    "mouthLowerDownRight", "mouthPressLeft", "mouthPressRight", "mouthPucker", "mouthRight",
    "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper", "mouthSmileLeft",
    "mouthSmileRight", "mouthStretchLeft", "mouthStretchRight", "mouthUpperUpLeft", "mouthUpperUpRight",
    "noseSneerLeft", "noseSneerRight",
)
"""MediaPipe's 52 blendshape names in output order. "Left"/"Right" are the subject's own sides."""

BLENDSHAPE_INDEX = {name: i for i, name in enumerate(BLENDSHAPE_NAMES)}


def vendored_path(name: str) -> Path:
    """Path of a file vendored in the installed package's ``models/`` folder."""
    return Path(str(resources.files("microcue") / "models" / name))


def checked_bytes(path: Path, sha256: str, what: str) -> bytes:
    """A vendored model's bytes after checking its sha256; raises ModelError (naming ``what``) if missing or
    altered."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"{what} missing at {path}: reinstall microcue ({exc.strerror})") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise ModelError(f"{what} at {path} has sha256 {digest[:12]}..., expected {sha256[:12]}...: "
                         "the file is damaged or replaced; reinstall microcue")
    return data


def model_path() -> Path:
    """Path of the vendored bundle inside the installed package."""
    return vendored_path(MODEL_FILE)


@lru_cache(maxsize=1)
def verified_model_bytes() -> bytes:
    """The bundle's bytes after checking its sha256; raises ModelError if missing or altered."""
    return checked_bytes(model_path(), MODEL_SHA256, "face model")
