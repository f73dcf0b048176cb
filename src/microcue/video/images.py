"""Frames from a folder of images, with times from the file names or a declared rate."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from microcue.errors import InputNotFoundError, InvalidInputError
from microcue.video.frame import Frame

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}


def time_from_name(stem: str) -> float | None:
    """Seconds from a file name such as ``t=1.250``, ``000031_1.250s`` or ``frame-1.25s``; None otherwise.

    Only a number with a decimal point or an ``s`` suffix counts as a time, so ``frame_0001`` is not one.
    """
    m = re.search(r"(\d+\.\d+)s?$", stem) or re.search(r"(\d+)s$", stem)
    return float(m.group(1)) if m else None


class ImageFolderSource:
    """Iterate the images of a folder in name order as frames.

    Times come from the file names (see ``time_from_name``) when every name has one, else from ``fps``
    (frame i at i / fps: the rate is declared by the user, not averaged from anything). Without either,
    it raises InvalidInputError naming what to add.
    """

    def __init__(self, folder: str | Path, *, fps: float | None = None) -> None:
        self.path = Path(folder)
        if not self.path.exists():
            raise InputNotFoundError(f"{self.path}: no such folder")
        files = sorted(p for p in self.path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise InvalidInputError(f"{self.path}: no images (.png, .jpg, ...) in this folder")
        times = [time_from_name(p.stem) for p in files]
        if all(t is not None for t in times):
            order = np.argsort(np.asarray(times, dtype=float), kind="stable")
            self.files = [files[i] for i in order]
            self.times = [float(times[i]) for i in order]
            if len(set(self.times)) != len(self.times):
                raise InvalidInputError(f"{self.path}: two images carry the same time in their names")
        elif fps is not None:
            if not fps > 0:
                raise InvalidInputError(f"--fps must be > 0, got {fps}")
            self.files = files
            self.times = [i / float(fps) for i in range(len(files))]
        else:
            raise InvalidInputError(f"{self.path}: image names carry no times (e.g. 000001_0.040s.png); "
                                    "give the frame rate with --fps")

    def __iter__(self) -> Iterator[Frame]:
        import cv2

        for i, (p, t) in enumerate(zip(self.files, self.times)):
            bgr = cv2.imread(str(p), cv2.IMREAD_COLOR)
            if bgr is None:
                raise InvalidInputError(f"{p}: not a readable image")
            yield Frame(pts_s=t, index=i, image=np.ascontiguousarray(bgr[:, :, ::-1]))
