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
from microcue.signals.baseline import expressivity as expressivity_of
from microcue.signals.emotions import EMOTIONS, SpeechHold, confidence, row_probs, valence_arousal

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

    def __init__(self) -> None:
        self.baseline = NeutralBaseline()
        self.scale_ref: float | None = None
        self.mouth: deque[tuple[float, float]] = deque(maxlen=512)  # (time_s, opening); bounded
        self.speech = SpeechHold()  # is the mouth talking (held over the pauses between words)


class SignalStage:
    """Signal rows from face observations, each person measured against their own neutral.

    Args:
        mouth_window_s: window (video seconds) for mouth activity, the standard deviation of mouth opening
            over it: speech is a 3-6 Hz open/close rhythm that a held expression does not have.
        scale_tau_s: time constant (video seconds) of the face-size reference, so a lean-in shows as a ratio
            above 1 for some seconds before it becomes the new normal.
    Latency: 0 frames (mouth activity looks back only).
    """

    def __init__(self, *, mouth_window_s: float = 0.5, scale_tau_s: float = 30.0) -> None:
        self.mouth_window_s = mouth_window_s
        self.scale_tau_s = scale_tau_s
        self.reset()

    def reset(self) -> None:
        self.people_: dict = {}

    def baseline(self, key) -> NeutralBaseline | None:
        """The neutral baseline learned for ``key`` so far (None before its first row)."""
        person = self.people_.get(key)
        return None if person is None else person.baseline

    def set_baseline(self, key, baseline: NeutralBaseline) -> None:
        """Start ``key`` from a saved calibration instead of the population prior."""
        person = self.people_.get(key)
        if person is None:
            person = self.people_[key] = _Person()
        person.baseline = baseline

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
            person = self.people_[key] = _Person()
        aus_raw = np.array([raw[k] for k in RAW_AU], float)
        delta = person.baseline.update(aus_raw, quality=raw["quality"])
        iod = raw["iod_px"]
        t = raw["time_s"]
        if person.scale_ref is None:
            person.scale_ref = iod
        else:
            dt = min(max(t - person.mouth[-1][0], 0.0), 5.0) if person.mouth else 0.0
            person.scale_ref += (1.0 - np.exp(-dt / self.scale_tau_s)) * (iod - person.scale_ref)
        scale = iod / person.scale_ref if person.scale_ref > 0 else 1.0
        person.mouth.append((t, raw["mouth_open"]))
        while person.mouth and person.mouth[0][0] < t - self.mouth_window_s:
            person.mouth.popleft()
        activity = float(np.std([v for _, v in person.mouth])) if len(person.mouth) >= 3 else 0.0
        probs = row_probs(delta, person.speech.update(t, activity))  # talking: its mouth AUs are not expression
        valence, arousal = valence_arousal(probs, delta)
        expressivity = float(expressivity_of(delta))
        gaze = np.array([raw["gaze_x"], raw["gaze_y"]])
        pose = np.array([raw["yaw"], raw["pitch"], raw["roll"]])
        on_screen = bool(gz.on_screen(raw["gaze_x"], raw["gaze_y"], raw["yaw"], raw["pitch"]))
        engagement = float(gz.engagement(gaze, pose, expressivity, scale))
        row = dict(time_s=raw["time_s"], frame_index=raw["frame_index"], participant="",
                   track_id=raw["track_id"], quality=raw["quality"], face_px=raw["face_px"],
                   face_x=raw["face_x"], face_y=raw["face_y"])
        row.update({a: float(v) for a, v in zip(AU_NAMES, delta)})
        row.update({f"p_{e}": float(p) for e, p in zip(EMOTIONS, probs)})
        row.update(yaw=raw["yaw"], pitch=raw["pitch"], roll=raw["roll"], gaze_x=raw["gaze_x"],
                   gaze_y=raw["gaze_y"], on_screen=on_screen, blink=float(raw["raw_au45"]),
                   face_scale=float(scale), mouth_open=raw["mouth_open"], mouth_activity=activity,
                   expressivity=expressivity,
                   engagement=engagement,
                   valence=float(valence), arousal=float(arousal),
                   emotion_confidence=float(confidence(probs, quality=raw["quality"])),
                   baseline_ready=bool(person.baseline.ready))
        return row
