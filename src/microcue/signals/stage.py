"""The signal stage: a face observation becomes a signal row against its person's own neutral face.

Two halves, so a call can be split across processes:

- ``raw_features(obs, frame_size)`` is stateless (runs next to the face stage, in any worker);
- ``SignalStage.personalise(key, raw)`` is stateful per person (baseline, smoothing of slow signals) and runs
  in time order in one place.

``SignalStage.update(pts_s, index, observations, frame_size)`` does both, for the live path.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from microcue.faces.observation import FaceObservation
from microcue.signals import gaze as gz
from microcue.signals.aus import AU_NAMES, compute_aus
from microcue.signals.baseline import NeutralBaseline
from microcue.signals.emotions import EMOTIONS, emotion_probs, valence_arousal

RAW_AU = tuple(f"raw_{a}" for a in AU_NAMES)


def raw_features(obs: FaceObservation, frame_size: tuple[int, int]) -> dict:
    """Everything about one face in one frame that needs no memory of the past."""
    aus = compute_aus(obs.blendshapes, obs.landmarks, obs.transform, frame_size=frame_size)
    w, h = frame_size
    b = obs.bbox_xyxy
    gx, gy = gz.gaze_direction(obs.landmarks, frame_size=frame_size)
    row = dict(
        track_id=int(obs.track_id), quality=float(obs.quality), face_px=float(b[2] - b[0]),
        face_x=float((b[0] + b[2]) / 2 / w), face_y=float((b[1] + b[3]) / 2 / h),
        yaw=float(obs.pose_deg[0]), pitch=float(obs.pose_deg[1]), roll=float(obs.pose_deg[2]),
        gaze_x=float(gx), gaze_y=float(gy), iod_px=float(gz.interocular_px(obs.landmarks, frame_size=frame_size)),
        mouth_open=float(gz.mouth_opening(obs.landmarks, frame_size=frame_size)),
    )
    row.update({k: float(v) for k, v in zip(RAW_AU, aus)})
    return row


class _Person:
    """Per-person state: the neutral baseline, a face-size baseline, and short windows (bounded)."""

    def __init__(self, mouth_window: int) -> None:
        self.baseline = NeutralBaseline()
        self.scale_ref: float | None = None
        self.mouth = deque(maxlen=mouth_window)


class SignalStage:
    """Signal rows from face observations, each person measured against their own neutral.

    Args:
        mouth_window_s: window for mouth activity (the variability of mouth opening; speech is a 3-6 Hz
            open/close rhythm that an expression does not have). About 15 frames at 30 fps.
        scale_rate: how fast the face-size reference adapts (per frame), so a lean-in shows as a ratio > 1
            for some seconds before it becomes the new normal.
    Latency: 0 frames (mouth activity looks back only).
    """

    def __init__(self, *, mouth_window: int = 15, scale_rate: float = 0.002) -> None:
        self.mouth_window = mouth_window
        self.scale_rate = scale_rate
        self.reset()

    def reset(self) -> None:
        self.people_: dict = {}

    def update(self, pts_s: float, index: int, observations: list[FaceObservation],
               frame_size: tuple[int, int]) -> list[dict]:
        rows = []
        for obs in observations:
            raw = raw_features(obs, frame_size)
            raw["time_s"] = float(pts_s)
            raw["frame_index"] = int(index)
            rows.append(self.personalise(obs.track_id, raw))
        return rows

    def personalise(self, key, raw: dict) -> dict:
        """One raw row (from ``raw_features`` plus time_s and frame_index) -> a full signal row."""
        person = self.people_.get(key)
        if person is None:
            person = self.people_[key] = _Person(self.mouth_window)
        aus_raw = np.array([raw[k] for k in RAW_AU], float)
        delta = person.baseline.update(aus_raw, quality=raw["quality"])
        probs = emotion_probs(delta)
        valence, arousal = valence_arousal(probs, delta)
        iod = raw["iod_px"]
        if person.scale_ref is None:
            person.scale_ref = iod
        else:
            person.scale_ref += self.scale_rate * (iod - person.scale_ref)
        scale = iod / person.scale_ref if person.scale_ref > 0 else 1.0
        person.mouth.append(raw["mouth_open"])
        activity = float(np.std(person.mouth)) if len(person.mouth) >= 3 else 0.0
        expressivity = float(np.clip(np.sort(delta)[-3:].mean(), 0, 1))
        on_screen = gz.on_screen(raw["gaze_x"], raw["gaze_y"], raw["yaw"], raw["pitch"])
        row = dict(time_s=raw["time_s"], frame_index=raw["frame_index"], participant="",
                   track_id=raw["track_id"], quality=raw["quality"], face_px=raw["face_px"],
                   face_x=raw["face_x"], face_y=raw["face_y"])
        row.update({a: float(v) for a, v in zip(AU_NAMES, delta)})
        row.update({f"p_{e}": float(p) for e, p in zip(EMOTIONS, probs)})
        row.update(yaw=raw["yaw"], pitch=raw["pitch"], roll=raw["roll"], gaze_x=raw["gaze_x"],
                   gaze_y=raw["gaze_y"], on_screen=on_screen, blink=float(raw["raw_au45"]),
                   face_scale=float(scale), mouth_open=raw["mouth_open"], mouth_activity=activity,
                   expressivity=expressivity,
                   engagement=gz.engagement(on_screen=on_screen, expressivity=expressivity, scale_ratio=scale),
                   valence=float(valence), arousal=float(arousal),
                   emotion_confidence=float(np.max(probs) * raw["quality"]),
                   baseline_ready=bool(person.baseline.ready))
        return row
