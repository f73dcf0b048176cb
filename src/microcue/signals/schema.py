"""The signal-row schema, in one place. docs/signals.md documents every column."""

from __future__ import annotations

from microcue.signals.aus import AU_NAMES
from microcue.signals.emotions import EMOTIONS

ID_COLUMNS = ("time_s", "frame_index", "participant", "track_id", "quality", "face_px", "face_x", "face_y")
POSE_COLUMNS = ("yaw", "pitch", "roll")
OTHER_COLUMNS = ("gaze_x", "gaze_y", "on_screen", "blink", "face_scale", "mouth_open", "mouth_activity",
                 "expressivity", "engagement", "valence", "arousal", "emotion_confidence", "baseline_ready")


def columns() -> list[str]:
    """Every column of a signal row, in order."""
    return (list(ID_COLUMNS) + list(AU_NAMES) + [f"p_{e}" for e in EMOTIONS] + list(POSE_COLUMNS)
            + list(OTHER_COLUMNS))


def empty_frame():
    """An empty DataFrame with the signal-row columns (for calls in which no face was found)."""
    import pandas as pd

    df = pd.DataFrame({c: pd.Series(dtype="float64") for c in columns()})
    df["participant"] = df["participant"].astype("string")
    df["track_id"] = df["track_id"].astype("int64")
    df["frame_index"] = df["frame_index"].astype("int64")
    df["baseline_ready"] = df["baseline_ready"].astype("bool")
    return df
