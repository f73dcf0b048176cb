"""The face stage: every face in every frame, measured in its own crop, with a stable track id."""

from __future__ import annotations

import math

import numpy as np

from microcue.faces.appearance import describe
from microcue.faces.landmarker import CropLandmarker, FaceDetector
from microcue.faces.observation import FaceObservation
from microcue.faces.tiles import tile_pyramid
from microcue.faces.tracker import FaceTracker, iou
from microcue.video.frame import Frame


class FaceStage:
    """``update(frame) -> list[FaceObservation]`` with track ids; ``reset()`` for a new call.

    Each frame: every followed face is measured in a crop around where it is expected; then the detector
    scans a few tiles of a multi-scale pyramid (round robin), so that every part of the frame is searched
    for new or returning faces at every scale once every ``scan_period_s`` of video time (``idle_scan_period_s``
    while no face is followed). Latency: 0 frames (observations are for the frame given).

    Args:
        min_face_px: smallest face width (pixels) the tile scan is sized for.
        scan_period_s: video time for one pass over the whole tile pyramid while faces are followed.
        idle_scan_period_s: the same while no face is followed (find the first face quickly).
        crop_scale: crop side as a multiple of the face's size.
        min_detection_score: BlazeFace score for a tile detection to be measured (the landmarker then
            confirms it is a face).
        crop_deadband: a followed face's crop stays where it is until the face's expected centre has moved more
            than this fraction of the crop's side from it, or its size changed by more than 1.25 x this on the log
            scale (0: the crop follows the last measurement every frame). Where the crop sits moves the
            landmarker's blendshapes (a few pixels: up to ~0.2 for the inner brows on single frames), so a crop
            that follows each frame's own measurement feeds that back as frame-to-frame jitter. Off by default:
            tried, not kept (0.1 raised the benchmark's clean false alarms, docs/benchmarks.md).
    """

    def __init__(self, *, min_face_px: float = 36.0, scan_period_s: float = 1.5, idle_scan_period_s: float = 0.3,
                 crop_scale: float = 2.0, min_detection_score: float = 0.35, crop_deadband: float = 0.0,
                 tracker: FaceTracker | None = None) -> None:
        self.min_detection_score = min_detection_score
        self.min_face_px = min_face_px
        self.scan_period_s = scan_period_s
        self.idle_scan_period_s = idle_scan_period_s
        self.crop_scale = crop_scale
        self.crop_deadband = crop_deadband
        self.tracker = tracker or FaceTracker()
        self._detector: FaceDetector | None = None
        self._landmarker: CropLandmarker | None = None
        self.reset()

    def reset(self) -> None:
        self.tracker.reset()
        self._tiles: list[tuple[int, int, int]] = []
        self._tile_pos = 0
        self._tile_credit = 0.0
        self._last_pts: float | None = None
        self._size: tuple[int, int] | None = None
        self._anchor: dict[int, tuple[float, float, float]] = {}  # track id -> the crop's centre x, y and side

    def warm_up(self) -> None:
        """Load the models now (a live source should not wait a second for its first frame)."""
        self._ensure_models()

    def _ensure_models(self) -> None:
        if self._landmarker is None:
            self._landmarker = CropLandmarker()
            self._detector = FaceDetector(min_score=self.min_detection_score)

    def close(self) -> None:
        for m in (self._detector, self._landmarker):
            if m is not None:
                m.close()
        self._detector = self._landmarker = None

    def update(self, frame: Frame) -> list[FaceObservation]:
        self._ensure_models()
        img = frame.image
        size = frame.size
        if size != self._size:
            self._size = size
            self._tiles = tile_pyramid(*size, min_face_px=self.min_face_px)
            self._tile_pos = 0
        t = frame.pts_s
        tracker = self.tracker
        tracker.expire(t)
        out: list[tuple[FaceObservation, np.ndarray]] = []
        newcomers: list[tuple[FaceObservation, np.ndarray]] = []
        # 1. Follow the faces we have.
        for track in sorted(tracker.active, key=lambda tr: -tr.n_obs):
            center, side = self._crop(track, t)
            obs = self._landmarker.measure(img, center, side)
            if obs is None or any(iou(obs.bbox_xyxy, o.bbox_xyxy) > 0.4 for o, _ in out):
                continue  # not found, or the crop slid onto a face another (older) track already holds
            app = describe(img, obs.bbox_xyxy, obs.landmarks)
            if not tracker.is_continuation(track, app):
                newcomers.append((obs, app))  # a different person in the same place (a speaker-view cut)
                continue
            tracker.observe(track, obs.bbox_xyxy, t, app)
            out.append((obs.with_track(track.id), app))
        missing = len(out) < len(tracker.active)
        for obs, app in newcomers:
            self._adopt(obs, app, t, out)
        # 2. Look for faces nobody follows, a few tiles per frame (by video time, not frame count).
        dt = 0.04 if self._last_pts is None else min(max(t - self._last_pts, 0.0), 1.0)
        self._last_pts = t
        # Scan fast while nobody is followed or someone followed went missing (they may be elsewhere now).
        period = self.scan_period_s if out and not missing else self.idle_scan_period_s
        self._tile_credit = min(self._tile_credit + len(self._tiles) * dt / period, len(self._tiles))
        if self._tile_pos == 0 and self._tile_credit < 1 and not tracker.tracks_:
            self._tile_credit = 1.0  # the very first frame of a call is always searched
        n_tiles = int(self._tile_credit)
        self._tile_credit -= n_tiles
        for _ in range(n_tiles):
            x0, y0, side = self._tiles[self._tile_pos]
            self._tile_pos = (self._tile_pos + 1) % len(self._tiles)
            for det in self._detector.detect(_tile(img, x0, y0, side), offset=(x0, y0)):
                box = det.box_xyxy
                if any(_covers(o.bbox_xyxy, box) for o, _ in out):
                    continue
                if det.score < 0.5 and box[2] - box[0] < 48:
                    continue  # a small face needs a confident detection (logos and patterns pass at 0.35)
                c = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2 + 0.05 * (box[3] - box[1]))
                obs = self._landmarker.measure(img, c, (box[2] - box[0]) * 2.4)
                if obs is not None:
                    self._adopt(obs, describe(img, obs.bbox_xyxy, obs.landmarks), t, out)
        return [o for o, _ in out]

    def _crop(self, track, t: float) -> tuple[tuple[float, float], float]:
        """Where to measure a followed face: its expected centre and crop side, held within ``crop_deadband``."""
        c = track.predicted_center(t)
        side = track.side * self.crop_scale
        dead = self.crop_deadband
        if dead <= 0:
            return c, side
        a = self._anchor.get(track.id)
        if a is None or math.hypot(c[0] - a[0], c[1] - a[1]) > dead * a[2] or abs(math.log(side / a[2])) > 1.25 * dead:
            a = self._anchor[track.id] = (c[0], c[1], side)
        if len(self._anchor) > 2 * len(self.tracker.active) + 8:  # bounded: forget tracks no longer followed
            live = {tr.id for tr in self.tracker.active}
            self._anchor = {k: v for k, v in self._anchor.items() if k in live}
        return (a[0], a[1]), a[2]

    def _adopt(self, obs: FaceObservation, app: np.ndarray, t: float,
               out: list[tuple[FaceObservation, np.ndarray]]) -> None:
        """A face no followed track explains: give it an old id (re-identification) or a new one."""
        if any(iou(obs.bbox_xyxy, o.bbox_xyxy) > 0.3 for o, _ in out):
            return
        track = self.tracker.assign_new(obs.bbox_xyxy, t, app)
        if not any(o.track_id == track.id for o, _ in out):
            out.append((obs.with_track(track.id), app))


def _tile(img: np.ndarray, x0: int, y0: int, side: int) -> np.ndarray:
    h, w = img.shape[:2]
    tile = img[y0:min(h, y0 + side), x0:min(w, x0 + side)]
    return np.ascontiguousarray(tile)


def _covers(face_box: np.ndarray, det_box: np.ndarray) -> bool:
    """Whether a detection is a face we already measured (its centre inside the measured box)."""
    cx, cy = (det_box[0] + det_box[2]) / 2, (det_box[1] + det_box[3]) / 2
    return bool(face_box[0] <= cx <= face_box[2] and face_box[1] <= cy <= face_box[3])
