"""One pass of the face stage over a time range of a recording: raw rows to Parquet, track facts back.

``analyze`` runs one such pass over the whole call, or several over consecutive time ranges in worker
processes (both cores on a long call) and stitches the tracks at the boundaries (``stitch.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from microcue.errors import MicrocueError


@dataclass
class TrackFacts:
    """What the parent needs of a track from one pass: where and when it was, and what it looked like."""

    frames: int
    first_s: float
    last_s: float
    cx: float
    cy: float
    face_px: float
    first_bbox: list[float]
    last_bbox: list[float]
    appearance: list[float]

    def merge(self, other: TrackFacts) -> None:
        n = self.frames + other.frames
        self.cx = (self.cx * self.frames + other.cx * other.frames) / n
        self.cy = (self.cy * self.frames + other.cy * other.frames) / n
        self.face_px = (self.face_px * self.frames + other.face_px * other.frames) / n
        if other.first_s < self.first_s:
            self.first_s, self.first_bbox = other.first_s, other.first_bbox
        if other.last_s > self.last_s:
            self.last_s, self.last_bbox = other.last_s, other.last_bbox
        self.frames = n

    def stats(self) -> dict:
        return dict(frames=self.frames, first_s=self.first_s, last_s=self.last_s, cx=self.cx, cy=self.cy,
                    face_px=self.face_px)


@dataclass
class PassResult:
    """The outcome of one pass. ``error`` is the one-line message of a bad-input error met midway."""

    raw_path: str
    frames: int = 0
    first_pts_s: float | None = None
    last_pts_s: float | None = None
    size: tuple[int, int] | None = None
    tracks: dict[int, TrackFacts] = field(default_factory=dict)
    error: str | None = None
    error_type: str | None = None


def face_pass(path: str, raw_path: str, *, fps: float | None = None, start_s: float = 0.0,
              end_s: float | None = None, progress=None) -> PassResult:
    """Run faces + stateless features over ``[start_s, end_s)`` of ``path``, writing raw rows to ``raw_path``.

    Rows carry the pass's own track ids and a frame index counted from the start of the range.
    """
    from microcue.faces.stage import FaceStage
    from microcue.io.sink import ParquetRowSink
    from microcue.signals.stage import raw_features
    from microcue.video import open_source

    if start_s > 0 or end_s is not None:
        from microcue.video.file import VideoFileSource

        source = VideoFileSource(path, start_s=start_s, end_s=end_s)
    else:
        source = open_source(path, fps=fps)
    from microcue.video.prefetch import prefetch

    stage = FaceStage()
    res = PassResult(raw_path=raw_path)
    with ParquetRowSink(raw_path) as sink:
        try:
            for frame in prefetch(source):
                obs = stage.update(frame)
                size = frame.size
                for o in obs:
                    row = raw_features(o, size)
                    row["time_s"] = frame.pts_s
                    row["frame_index"] = res.frames
                    sink.write(row)
                    _note(res.tracks, o, frame.pts_s, size, stage)
                res.frames += 1
                res.size = size
                res.first_pts_s = frame.pts_s if res.first_pts_s is None else res.first_pts_s
                res.last_pts_s = frame.pts_s
                if progress is not None:
                    progress(res.frames, frame.pts_s)
        except MicrocueError as exc:
            res.error, res.error_type = str(exc), type(exc).__name__
        finally:
            stage.close()
    for tid, facts in res.tracks.items():
        track = stage.tracker.tracks_.get(tid)
        if track is not None:
            facts.appearance = [float(v) for v in track.appearance]
    return res


def _note(tracks: dict[int, TrackFacts], o, pts_s: float, size, stage) -> None:
    w, h = size
    b = [float(v) for v in o.bbox_xyxy]
    cx, cy = (b[0] + b[2]) / 2 / w, (b[1] + b[3]) / 2 / h
    f = tracks.get(o.track_id)
    if f is None:
        tracks[o.track_id] = TrackFacts(1, pts_s, pts_s, cx, cy, b[2] - b[0], b, b, [])
        return
    f.frames += 1
    f.last_s, f.last_bbox = pts_s, b
    f.cx += (cx - f.cx) / f.frames
    f.cy += (cy - f.cy) / f.frames
    f.face_px += (b[2] - b[0] - f.face_px) / f.frames


def appearance_of(facts: TrackFacts) -> np.ndarray:
    return np.asarray(facts.appearance, float) if facts.appearance else np.zeros(0)
