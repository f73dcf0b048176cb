"""Frames from a recording, with each frame's presentation time from the container (PyAV)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from microcue.errors import InputNotFoundError, InvalidInputError
from microcue.video.frame import Frame

VIDEO_SUFFIXES = {".mp4", ".mov", ".mkv", ".webm", ".avi", ".wmv", ".m4v", ".mpg", ".mpeg", ".flv", ".ts"}


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about the video stream (before decoding)."""

    path: Path
    width: int
    height: int
    duration_s: float | None
    frame_count: int | None
    average_fps: float | None
    codec: str
    rotation_deg: int
    has_audio: bool


def _av():
    import av  # imported here so that `import microcue` stays light

    return av


def _open(path: Path):
    av = _av()
    if not path.exists():
        raise InputNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise InvalidInputError(f"{path}: is a folder; give a video file, or use the image-folder source")
    if path.stat().st_size == 0:
        raise InvalidInputError(f"{path}: the file is empty (0 bytes), not a recording")
    try:
        return av.open(str(path), mode="r")
    except av.error.FFmpegError as exc:
        raise InvalidInputError(f"{path}: not a readable recording ({_reason(exc)})") from None


def _reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(":")[-1].strip() or type(exc).__name__


def probe(path: str | Path) -> VideoInfo:
    """Read the container header; raises InvalidInputError when there is no video stream."""
    path = Path(path)
    container = _open(path)
    try:
        return _info(path, container)
    finally:
        container.close()


def _info(path: Path, container) -> VideoInfo:
    if not container.streams.video:
        kinds = sorted({s.type for s in container.streams}) or ["no streams"]
        raise InvalidInputError(f"{path}: has no video stream (found: {', '.join(kinds)}); "
                                "microcue needs the video of the call")
    stream = container.streams.video[0]
    duration = None
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        duration = container.duration / 1_000_000
    rate = stream.average_rate or stream.guessed_rate
    ctx = stream.codec_context
    return VideoInfo(
        path=path, width=int(ctx.width), height=int(ctx.height), duration_s=duration,
        frame_count=int(stream.frames) or None, average_fps=float(rate) if rate else None,
        codec=ctx.name, rotation_deg=0, has_audio=bool(container.streams.audio),
    )


def upright(image: np.ndarray, rotation_deg: float) -> np.ndarray:
    """Apply the container's display rotation (PyAV: degrees counter-clockwise) to an RGB array."""
    k = int(round(rotation_deg / 90.0)) % 4
    return np.ascontiguousarray(np.rot90(image, k=k)) if k else image


class VideoFileSource:
    """Iterate a recording's frames in presentation order, one at a time.

    ``pts_s`` is ``frame.pts * time_base`` from the container, so variable frame rate is exact. Frames are
    turned upright when the stream carries a display rotation. Memory is one decoded frame at a time.

    Raises:
        InputNotFoundError, InvalidInputError: on open, for a missing path or a file that is not a video.
        InvalidInputError: while iterating, when the data is corrupt or ends before the container says
            it should (truncated); frames already yielded stay valid.
    """

    def __init__(self, path: str | Path, *, start_s: float = 0.0, end_s: float | None = None) -> None:
        self.path = Path(path)
        self.start_s = float(start_s)
        self.end_s = end_s
        container = _open(self.path)
        try:
            self.info = _info(self.path, container)
        finally:
            container.close()
        self.frames_decoded = 0
        self.last_pts_s: float | None = None

    def __iter__(self) -> Iterator[Frame]:
        av = _av()
        container = _open(self.path)
        try:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            if self.start_s > 0:
                container.seek(int(self.start_s / stream.time_base), stream=stream, backward=True)
            index = 0
            last_pts = None
            try:
                for vf in container.decode(stream):
                    if vf.pts is None:
                        continue  # a frame without a timestamp cannot be placed in time
                    t = float(vf.pts * vf.time_base)
                    if last_pts is not None and t <= last_pts:
                        continue  # duplicated or out-of-order timestamps: keep time strictly increasing
                    if t < self.start_s - 1e-6:
                        continue
                    if self.end_s is not None and t >= self.end_s:
                        break
                    img = upright(vf.to_ndarray(format="rgb24"), vf.rotation or 0)
                    last_pts = t
                    self.last_pts_s = t
                    self.frames_decoded += 1
                    yield Frame(pts_s=t, index=index, image=img)
                    index += 1
            except av.error.FFmpegError as exc:
                where = f"after {last_pts:.2f} s" if last_pts is not None else "before the first frame"
                raise InvalidInputError(f"{self.path}: the video data is corrupt {where} "
                                        f"({_reason(exc)})") from None
            self._check_complete(last_pts)
        finally:
            container.close()

    def _check_complete(self, last_pts: float | None) -> None:
        if self.end_s is not None:
            return
        dur = self.info.duration_s
        fps = self.info.average_fps or 25.0
        if last_pts is None:
            raise InvalidInputError(f"{self.path}: no frame could be decoded; the file is corrupt or truncated")
        # The last frame starts about one frame before the end; allow 3 frames, 0.25 s or 2 %.
        if dur is not None and dur > 0 and last_pts + 1.0 / fps < dur - max(0.25, 3.0 / fps, 0.02 * dur):
            raise InvalidInputError(f"{self.path}: the video stops at {last_pts:.2f} s but the container "
                                    f"says {dur:.2f} s; the file looks truncated")
