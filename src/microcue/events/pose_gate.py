"""Head-pose gate for expression episodes: an episode whose AU evidence is only what the head's own rotation moves
is a pose leak (docs/action-units.md "Head pose: what the de-rotation leaves"), not an expression.

Internal to EventSpotter (one call from ``_finish``; the file and live paths share it). The spotter keeps a short
history of each row's pose (:class:`PoseHistory`); for a finished episode :func:`pose_change` gives the rotation
between just before its onset and its apex, and the largest chin-down / chin-up / turn excursion from the
pre-onset pose between onset and offset (the AU rises the episode is judged by, ``amax``, are maxima over that same
span). :func:`pose_explained` then says whether every AU that moved is one the rotation is measured to move, by no
more than that rotation explains. Brows (AU1 / AU2, and AU4 except with a turn), the lid raise AU5 and the smile
(AU12) are never explained: they stay evidence of an expression.
"""

from __future__ import annotations

import math
import warnings
from collections import deque

import numpy as np

LEAK_PER_DEG: dict[str, dict[str, float]] = {
    "down": {"au06": 0.0051, "au07": 0.0051, "au09": 0.020, "au10": 0.027, "au23": 0.036, "au24": 0.022},
    "up": {"au10": 0.012, "au15": 0.0049, "au17": 0.016, "au20": 0.011},
    "turn": {"au04": 0.013, "au09": 0.0062, "au14": 0.0047},
}
"""Rise of an AU (signal units, i.e. above the person's neutral, as the spotter sees it) per degree of head rotation
away from the pose just before the episode: the 0.9-quantile of the AU in the chin-down (>= 12 deg), chin-up and
turned (|yaw| >= 12 deg) frames minus its median with the head within 4 deg of its usual pose, divided by the
group's mean angle (19.5, 24.3 and 21.1 deg). Measured on the OpenFace webcam sample's nod / turn segments (13.3-23 s,
the segments of bench/pose_leak.py, chosen by eye; signals of the current code), the clip of the leak table in
docs/action-units.md. An AU is listed for a direction when that leak alone reaches 0.1 (``min_activation``, the
smallest threshold the spotter uses), except the brows (AU1/AU2/AU4: AU4 only with a turn, where the leak table
shows it) and AU12 (a smile stays evidence): chin-down AU4 0.23 and AU12 0.14, chin-up AU4g 0.29 are left out.
AU26 (chin up 0.24) is a support channel and never counts as evidence here."""

SUPPORT = frozenset({"au26"})


class PoseHistory:
    """Pose and gaze of the last ``keep_s`` seconds of rows: (t, pitch, yaw, gaze_x, gaze_y); NaN where absent."""

    def __init__(self, keep_s: float = 60.0) -> None:
        self.keep_s = keep_s
        self.rows_: deque[tuple[float, float, float, float, float]] = deque()

    def add(self, t: float, row: dict) -> None:
        self.rows_.append((t, *(as_float(row.get(k)) for k in ("pitch", "yaw", "gaze_x", "gaze_y"))))
        while self.rows_ and self.rows_[0][0] < t - self.keep_s:
            self.rows_.popleft()

    def window(self, t0: float, t1: float) -> np.ndarray:
        a = [r for r in self.rows_ if t0 <= r[0] <= t1]
        return np.array(a, dtype=float).reshape(-1, 5)


def pose_change(hist: PoseHistory, onset: float, apex: float, offset: float, pre_s: float = 0.5) -> dict | None:
    """The head's rotation over an episode, in degrees (pitch > 0 = face up, yaw > 0 = toward the image's right):
    ``pitch`` / ``yaw`` / ``gaze_x`` / ``gaze_y``: at the apex (median of rows within 0.1 s) minus just before onset
    (median over ``pre_s`` before it; the first rows of the episode when there are none); ``down`` / ``up`` /
    ``turn``: the largest chin-down, chin-up and |yaw| excursion from the pre-onset pose between onset and offset.
    None when the rows carry no pose."""
    pre = hist.window(onset - pre_s, onset)
    during = hist.window(onset, offset)
    if not len(during):
        return None
    if not np.isfinite(pre[:, 1:3]).all(axis=1).any():
        pre = during[: max(1, min(3, len(during)))]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns (no gaze in the rows): NaN, no warning
        ref = np.nanmedian(pre[:, 1:], axis=0) if len(pre) else np.full(4, np.nan)
        near = during[np.abs(during[:, 0] - apex) <= 0.1]
        at = np.nanmedian((near if len(near) else during)[:, 1:], axis=0)
        dp = during[:, 1] - ref[0]
        dy = np.abs(during[:, 2] - ref[1])
    if not (np.isfinite(ref[:2]).all() and np.isfinite(dp).any()):
        return None
    d = at - ref
    return {
        "pitch": float(d[0]),
        "yaw": float(d[1]),
        "gaze_x": float(d[2]),
        "gaze_y": float(d[3]),
        "down": float(max(0.0, -np.nanmin(dp))),
        "up": float(max(0.0, np.nanmax(dp))),
        "turn": float(np.nanmax(dy)) if np.isfinite(dy).any() else 0.0,
    }


def pose_explained(
    moved: dict[str, float], rise: dict[str, float], change: dict | None, *, min_deg: float, margin: float,
    min_z: float = 1.0,
) -> bool:
    """Whether every AU of the episode's evidence -- ``moved`` (name -> peak in units of its threshold) at
    ``min_z`` or more, AU26 left out -- is one that a rotation of at least ``min_deg`` in this episode moves, and its
    rise (``rise``: AU scale, above the local floor) is at most ``margin`` x the leak that rotation explains
    (:data:`LEAK_PER_DEG` x degrees). False when nothing rotated that far or there is no evidence."""
    if change is None or min_deg <= 0:
        return False
    dirs = {k: change[k] for k in LEAK_PER_DEG if change.get(k, 0.0) >= min_deg}
    evidence = [a for a, z in moved.items() if z >= min_z and a not in SUPPORT]
    if not dirs or not evidence:
        return False
    for a in evidence:
        cap = max((LEAK_PER_DEG[k].get(a, 0.0) * deg for k, deg in dirs.items()), default=0.0)
        if cap <= 0.0 or rise.get(a, 0.0) > margin * cap:
            return False
    return True


def as_float(v) -> float:
    """A row value as a float; NaN when missing or not a number."""
    if v is None:
        return math.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan
