"""Stable ids for faces across a call: motion for frame-to-frame, appearance for comebacks and cuts."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from microcue.faces.appearance import similarity


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two xyxy boxes."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


@dataclass
class Track:
    """One person's track. ``appearance`` is a slow running mean of their descriptor."""

    id: int
    bbox: np.ndarray
    last_pts_s: float
    first_pts_s: float
    appearance: np.ndarray
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))
    last_appearance: np.ndarray | None = None
    n_obs: int = 1
    active: bool = True

    def predicted_center(self, pts_s: float) -> tuple[float, float]:
        dt = min(max(pts_s - self.last_pts_s, 0.0), 0.5)
        c = (self.bbox[:2] + self.bbox[2:]) / 2 + self.velocity * dt
        return float(c[0]), float(c[1])

    @property
    def side(self) -> float:
        return float(max(self.bbox[2] - self.bbox[0], self.bbox[3] - self.bbox[1]))


class FaceTracker:
    """Keeps tracks and decides which id a face belongs to.

    Args:
        lost_after_s: a track not seen for this long stops being followed frame by frame and waits in
            the re-identification gallery.
        reid_min_similarity: appearance similarity (0..1) a returning face needs to take an old id.
        cut_max_similarity: below this similarity to its own track's running appearance, a face measured where
            a track was is treated as a different person (a speaker-view cut), not as the track's continuation.
        cut_max_step_similarity: the same for the similarity to the track's previous frame: a cut is abrupt,
            while a person's own face changes little from one frame to the next.
        reid_recent_min_similarity: the similarity that suffices for a track that vanished less than
            ``recent_s`` ago, when it is clearly the closest candidate (a speaker-view cut, two windows crossing).
        max_gallery: how many lost tracks are remembered (bounded memory in a long call).
    """

    def __init__(self, *, lost_after_s: float = 0.8, reid_min_similarity: float = 0.75,
                 cut_max_similarity: float = 0.6, cut_max_step_similarity: float = 0.75,
                 reid_recent_min_similarity: float = 0.62, recent_s: float = 1.0,
                 appearance_rate: float = 0.05, max_gallery: int = 64) -> None:
        self.reid_recent_min_similarity = reid_recent_min_similarity
        self.recent_s = recent_s
        self.lost_after_s = lost_after_s
        self.reid_min_similarity = reid_min_similarity
        self.cut_max_similarity = cut_max_similarity
        self.cut_max_step_similarity = cut_max_step_similarity
        self.appearance_rate = appearance_rate
        self.max_gallery = max_gallery
        self.reset()

    def reset(self) -> None:
        self.tracks_: dict[int, Track] = {}
        self._next_id = 0

    @property
    def active(self) -> list[Track]:
        return [t for t in self.tracks_.values() if t.active]

    def is_continuation(self, track: Track, appearance: np.ndarray) -> bool:
        """Whether a face measured in a track's crop is still that person (False at a speaker cut)."""
        if not appearance.any():
            return True
        if track.last_appearance is not None and (
                similarity(track.last_appearance, appearance) < self.cut_max_step_similarity):
            return False
        return track.n_obs < 3 or similarity(track.appearance, appearance) >= self.cut_max_similarity

    def observe(self, track: Track, bbox: np.ndarray, pts_s: float, appearance: np.ndarray) -> None:
        """Fold a measurement into its track."""
        dt = pts_s - track.last_pts_s
        c_new = (bbox[:2] + bbox[2:]) / 2
        c_old = (track.bbox[:2] + track.bbox[2:]) / 2
        if 0 < dt < 0.5:
            track.velocity = 0.6 * track.velocity + 0.4 * (c_new - c_old) / dt
        else:
            track.velocity = np.zeros(2)
        track.bbox = bbox.astype(float)
        track.last_pts_s = pts_s
        track.n_obs += 1
        if appearance.any():
            track.last_appearance = appearance
            rate = max(self.appearance_rate, 1.0 / track.n_obs)
            track.appearance = (1 - rate) * track.appearance + rate * appearance
        track.active = True

    def expire(self, pts_s: float) -> None:
        """Move tracks unseen for ``lost_after_s`` to the gallery; forget the oldest beyond ``max_gallery``."""
        for t in self.tracks_.values():
            if t.active and pts_s - t.last_pts_s > self.lost_after_s:
                t.active = False
        lost = sorted((t for t in self.tracks_.values() if not t.active), key=lambda t: t.last_pts_s)
        for t in lost[: max(0, len(lost) - self.max_gallery)]:
            del self.tracks_[t.id]

    def assign_new(self, bbox: np.ndarray, pts_s: float, appearance: np.ndarray) -> Track:
        """A face no active track explains: give it back a lost id if it looks like one, else a new id."""
        scored = []
        for t in self.tracks_.values():
            # Any track not seen in this frame may be this face: lost ones, and followed ones whose face just
            # moved elsewhere (a speaker-view cut moves a person from a thumbnail to the main tile).
            if t.last_pts_s >= pts_s or not appearance.any():
                continue
            sim = similarity(t.appearance, appearance)
            # A face back where it was lost a moment ago needs less appearance evidence.
            if pts_s - t.last_pts_s < 2.0 and iou(t.bbox, bbox) > 0.3:
                sim += 0.1
            scored.append((sim, pts_s - t.last_pts_s, t))
        scored.sort(key=lambda x: -x[0])
        best = None
        if scored:
            sim, gone_s, cand = scored[0]
            runner_up = scored[1][0] if len(scored) > 1 else 0.0
            if sim >= self.reid_min_similarity:
                best = cand
            elif (sim >= self.reid_recent_min_similarity and gone_s <= self.recent_s
                  and sim - runner_up >= 0.1):
                best = cand  # appeared as another just vanished, and clearly closest to it: a cut or a crossing
        if best is not None:
            best.velocity = np.zeros(2)
            self.observe(best, bbox, pts_s, appearance)
            return best
        track = Track(self._next_id, bbox.astype(float), pts_s, pts_s, appearance.astype(float),
                      last_appearance=appearance if appearance.any() else None)
        self._next_id += 1
        self.tracks_[track.id] = track
        return track
