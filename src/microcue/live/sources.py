"""Live frame sources. Each yields ``(Frame, captured_wall_s)``: the frame and when it was captured.

A session reads the call (``--replay`` or ``--screen``: the others' faces) and/or the seller's own camera
(``--camera``, or ``--replay-self``: a recording played as if it were that camera), at the same time.

- ``ReplaySource``: a recording played at its real speed (how the tests drive live mode). A frame is
  "captured" when the replay clock makes it due (start + pts / speed), not when it was decoded. With
  ``wait=True`` (``--no-drop``) the replay waits for processing instead: every frame is processed and, when the
  machine falls behind, the replay's clock pauses with it (it plays slower than real time; the words of its
  audio stay in step with its frames). Same frames in, same events out, whatever the machine's load.
- ``CameraSource``: a webcam through OpenCV; ``pts_s`` is the capture time since the source started
  (a camera has no container). Capture times are wall-clock time.time() seconds, like the runner's.

Sources never buffer: the runner's bounded queue decides what is dropped when the machine falls behind (a source
whose ``wait`` is true is made to wait for room instead).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

from microcue.errors import InputNotFoundError, InvalidInputError
from microcue.video.frame import Frame


class ReplaySource:
    """A recording replayed in real time (``speed`` x). ``max_seconds`` stops it after that much video.

    ``wait``: the runner waits for room in its queue instead of dropping this source's frames, and the replay
    clock (``start_wall``) moves on by however late a frame is handed over, so it never runs ahead of its frames.
    """

    def __init__(self, path: str | Path, *, speed: float = 1.0, max_seconds: float | None = None,
                 wait: bool = False, clock=time.time, sleep=time.sleep) -> None:
        from microcue.video.file import VideoFileSource

        self.source = VideoFileSource(path)
        self.path = Path(path)
        self.speed = float(speed)
        self.max_seconds = max_seconds
        self.wait = bool(wait)
        self._clock, self._sleep = clock, sleep
        self.name = f"replay:{Path(path).name}"
        self.start_wall: float | None = None
        """When the first frame was due (wall clock); the replay clock's origin, for the audio (live_words)."""
        self.first_pts: float = 0.0

    def __iter__(self) -> Iterator[tuple[Frame, float]]:
        first_pts = None
        for frame in self.source:
            if first_pts is None:
                first_pts = frame.pts_s
                self.first_pts, self.start_wall = first_pts, self._clock()
            if self.max_seconds is not None and frame.pts_s - first_pts >= self.max_seconds:
                return
            due = self.start_wall + (frame.pts_s - first_pts) / self.speed
            ahead = due - self._clock()
            if ahead > 0:
                self._sleep(ahead)
            elif self.wait:  # handed over late (the runner was behind): the replay clock paused meanwhile
                self.start_wall -= ahead
                due -= ahead
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


class ScreenSource:
    """A region of the screen where the call window is (``mss``; X11 on Linux, also macOS and Windows).

    ``region`` is ``(x, y, width, height)`` in screen pixels, or None for the whole first monitor. Frames are
    grabbed at most ``max_fps`` times a second; ``pts_s`` is the grab time since the source started.
    """

    def __init__(self, region: tuple[int, int, int, int] | None = None, *, max_fps: float = 30.0,
                 max_seconds: float | None = None, clock=time.time, sleep=time.sleep) -> None:
        try:
            import mss
        except ImportError:
            raise InvalidInputError("--screen needs the 'mss' package (pip install 'microcue[server]')") from None
        try:
            self._mss = mss.mss()
            mon = self._mss.monitors[1] if len(self._mss.monitors) > 1 else self._mss.monitors[0]
        except Exception as exc:  # noqa: BLE001 - no display, no permission: one clear line
            raise InvalidInputError(f"--screen: cannot read the screen ({exc})") from None
        if region is None:
            region = (mon["left"], mon["top"], mon["width"], mon["height"])
        x, y, w, h = (int(v) for v in region)
        if w <= 0 or h <= 0:
            raise InvalidInputError(f"--screen {x},{y},{w},{h}: width and height must be positive")
        self.box = {"left": x, "top": y, "width": w, "height": h}
        self.max_fps, self.max_seconds = max_fps, max_seconds
        self._clock, self._sleep = clock, sleep
        self.name = f"screen:{x},{y},{w},{h}"

    def __iter__(self) -> Iterator[tuple[Frame, float]]:
        import numpy as np

        start = self._clock()
        index = 0
        try:
            while True:
                now = self._clock()
                if self.max_seconds is not None and now - start >= self.max_seconds:
                    return
                shot = self._mss.grab(self.box)
                rgb = np.ascontiguousarray(np.asarray(shot)[:, :, 2::-1])  # BGRA -> RGB
                yield Frame(pts_s=now - start, index=index, image=rgb), now
                index += 1
                wait = (start + index / self.max_fps) - self._clock()
                if wait > 0:
                    self._sleep(wait)
        finally:
            self._mss.close()


def parse_region(text: str | None) -> tuple[int, int, int, int] | None:
    """``"x,y,w,h"`` -> a tuple; ``""`` or None -> the whole screen."""
    if not text:
        return None
    try:
        x, y, w, h = (int(v) for v in text.split(","))
    except ValueError:
        raise InvalidInputError(f"--screen {text!r}: expected x,y,width,height in pixels, e.g. 0,0,1280,720") from None
    return x, y, w, h


def open_live_sources(*, replay: str | Path | None = None, camera: int | None = None, screen: str | None = None,
                      replay_self: str | Path | None = None, max_seconds: float | None = None, speed: float = 1.0,
                      wait: bool = False):
    """The CLI's sources: ``(call, self)``, either may be None but not both.

    The call (the others' faces): ``replay`` (a recording) or ``screen`` ("x,y,w,h" or "" = whole screen). The
    seller's own camera: ``camera`` (a webcam number) or ``replay_self`` (a recording played as if it were that
    camera). At most one of each pair. ``wait``: the replays wait for processing instead of losing frames
    (``--no-drop``); a camera or the screen cannot wait.
    """
    if wait and replay is None and replay_self is None:
        raise InvalidInputError("--no-drop: only a replayed recording can wait for processing (a camera or the "
                                "screen goes on regardless); give --replay FILE or --replay-self FILE")
    if replay is not None and screen is not None:
        raise InvalidInputError("give one call source: --replay FILE or --screen [x,y,w,h], not both")
    if camera is not None and replay_self is not None:
        raise InvalidInputError("give one own-camera source: --camera N or --replay-self FILE, not both")
    if all(v is None for v in (replay, camera, screen, replay_self)):
        raise InvalidInputError("give a source: --replay FILE or --screen [x,y,w,h] (the call), and/or "
                                "--camera N or --replay-self FILE (your own camera)")
    call = own = None
    if replay is not None:
        call = ReplaySource(replay, speed=speed, max_seconds=max_seconds, wait=wait)
    elif screen is not None:
        call = ScreenSource(parse_region(screen), max_seconds=max_seconds)
    if replay_self is not None:
        own = ReplaySource(replay_self, speed=speed, max_seconds=max_seconds, wait=wait)
    elif camera is not None:
        own = CameraSource(camera, max_seconds=max_seconds)
    return call, own
