"""The signal-row schema, in one place. docs/signals.md documents every column."""

from __future__ import annotations

from microcue.signals.aus import AU_NAMES
from microcue.signals.emotions import EMOTIONS

ID_COLUMNS = ("time_s", "frame_index", "participant", "track_id", "quality", "face_px", "face_x", "face_y")
POSE_COLUMNS = ("yaw", "pitch", "roll")
OTHER_COLUMNS = ("gaze_x", "gaze_y", "on_screen", "blink", "face_scale", "mouth_open", "mouth_activity",
                 "expressivity", "engagement", "valence", "arousal", "emotion_confidence", "baseline_ready")


POSTCALL_COLUMNS = ("time_s", "participant", "quality", "face_px", "face_x", "face_y", "face_scale", "au04", "au06",
                    "au07", "au12", "au14", "au23", "au24", "baseline_ready", "mouth_activity", "on_screen", "valence",
                    "arousal", "engagement", "expressivity", *(f"p_{e}" for e in EMOTIONS))
"""The columns the post-call job reads (speakers, cues, seller metrics, thumbnails, the report and the store's
per-second means): it loads only these (~40 % of the table). A post-call module that starts reading another column
must add it here; tests/test_postcall_columns.py checks that the sample call's outputs do not change."""


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
