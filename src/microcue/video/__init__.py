"""Frame sources: a recording (PyAV, exact pts), a folder of images; camera and screen come with live mode."""

from __future__ import annotations

from pathlib import Path

from microcue.video.frame import Frame

__all__ = ["Frame", "open_source"]


def open_source(path: str | Path, *, fps: float | None = None):
    """A frame source for a recording or a folder of images (``fps`` applies to image folders only)."""
    path = Path(path)
    if path.is_dir():
        from microcue.video.images import ImageFolderSource

        return ImageFolderSource(path, fps=fps)
    from microcue.video.file import VideoFileSource

    return VideoFileSource(path)
