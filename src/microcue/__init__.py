"""microcue: reads the faces in a sales video call and tells a salesperson what they would otherwise miss.

The public API stays light to import: heavy libraries (MediaPipe, PyAV, pandas) load on first use.

    >>> import microcue
    >>> result = microcue.analyze("call.mp4", roles=["left=seller:Dana", "right=buyer"], out_dir="out")
    >>> result.signals            # pandas DataFrame, one row per (time_s, participant)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["analyze", "open_source", "CallAnalysis", "Frame", "FaceObservation", "Participant", "RoleSpec",
           "MicrocueError", "__version__"]
__version__ = "0.1.0"

from microcue.errors import MicrocueError

if TYPE_CHECKING:  # pragma: no cover
    from microcue.analysis import CallAnalysis
    from microcue.faces.observation import FaceObservation
    from microcue.faces.participants import Participant, RoleSpec
    from microcue.pipeline import analyze
    from microcue.video import open_source
    from microcue.video.frame import Frame

_LAZY = {
    "analyze": ("microcue.pipeline", "analyze"),
    "open_source": ("microcue.video", "open_source"),
    "CallAnalysis": ("microcue.analysis", "CallAnalysis"),
    "Frame": ("microcue.video.frame", "Frame"),
    "FaceObservation": ("microcue.faces.observation", "FaceObservation"),
    "Participant": ("microcue.faces.participants", "Participant"),
    "RoleSpec": ("microcue.faces.participants", "RoleSpec"),
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'microcue' has no attribute {name!r}")
