"""Live frame sources. Each yields ``(Frame, captured_wall_s)``: the frame and when it was captured.

- ``ReplaySource``: a recording played at its real speed (how the tests drive live mode). A frame is
  "captured" when the replay clock makes it due (start + pts / speed), not when it was decoded.
- ``CameraSource``: a webcam through OpenCV; ``pts_s`` is the capture time since the source started
  (a camera has no container). Capture times are wall-clock time.time() seconds, like the runner.s.

Sources never buffer: the runner's bounded queue decides what is dropped when the machine falls behind.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

from microcue.errors import InputNotFoundError, InvalidInputError
from microcue.video.frame import Frame


class ReplaySource:
    """A recording replayed in real time (``speed`` x). ``max_seconds`` stops it after that much video."""

    def __init__(self, path: str | Path, *, speed: float = 1.0, max_seconds: float | None = None,
                 clock=time.time, sleep=time.sleep) -> None:
        from microcue.video.file import VideoFileSource

        self.source = VideoFileSource(path)
        self.speed = float(speed)
        self.max_seconds = max_seconds
        self._clock, self._sleep = clock, sleep
        self.name = f"replay:{Path(path).name}"

    def __iter__(self) -> Iterator[tuple[Frame, float]]:
        start_wall = None
        first_pts = None
        for frame in self.source:
            if first_pts is None:
                first_pts, start_wall = frame.pts_s, self._clock()
            if self.max_seconds is not None and frame.pts_s - first_pts >= self.max_seconds:
                return
            due = start_wall + (frame.pts_s - first_pts) / self.speed
            wait = due - self._clock()
            if wait > 0:
                self._sleep(wait)
            yield frame, due


class CameraSource:
    """A webcam (``index`` as OpenCV numbers them). Raises InputNotFoundError when it cannot be opened; a
    camera that stops delivering frames ends the iteration (the runner saves the session)."""

    def __init__(self, index: int = 0, *, max_seconds: float | None = None, clock=time.time) -> None:
        import cv2

        self._cap = cv2.VideoCapture(index)
        if not self._cap.isOpened():
            raise InputNotFoundError(f"camera {index}: cannot be opened (is it connected and free?)")
        self.max_seconds = max_seconds
        self._clock = clock
        self.name = f"camera:{index}"

    def __iter__(self) -> Iterator[tuple[Frame, float]]:
        import cv2
        import numpy as np

        start = self._clock()
        index = 0
        try:
            while True:
                ok, bgr = self._cap.read()
                now = self._clock()
                if not ok or bgr is None:
                    return  # unplugged or closed: end cleanly
                if self.max_seconds is not None and now - start >= self.max_seconds:
                    return
                rgb = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
                yield Frame(pts_s=now - start, index=index, image=rgb), now
                index += 1
        finally:
            self._cap.release()


def open_live_source(*, replay: str | Path | None = None, camera: int | None = None,
                     max_seconds: float | None = None, speed: float = 1.0):
    """One source from the CLI's options (exactly one of them)."""
    if (replay is None) == (camera is None):
        raise InvalidInputError("give exactly one source: --replay FILE or --camera N")
    if replay is not None:
        return ReplaySource(replay, speed=speed, max_seconds=max_seconds)
    return CameraSource(camera, max_seconds=max_seconds)
