"""The hook for face thumbnails (``--thumbnails``): embed images the caller captured; capture is not done here.

``thumbnails`` maps an event id to PNG/JPEG bytes or a path to such a file. The report embeds the image of
the first event of a cue's evidence that has one, as a ``data:`` URI, so report.html stays one file.
Without ``thumbnails`` the report holds no face image at all.
"""

from __future__ import annotations

import base64
from pathlib import Path


def thumbnail_uri(value: bytes | str | Path) -> str:
    """A ``data:image/...;base64,`` URI for image bytes or an image file."""
    data = value if isinstance(value, bytes | bytearray) else Path(value).read_bytes()
    mime = "image/png" if bytes(data[:8]) == b"\x89PNG\r\n\x1a\n" else "image/jpeg"
    return f"data:{mime};base64,{base64.b64encode(bytes(data)).decode('ascii')}"
