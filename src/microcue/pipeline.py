"""analyze(): a recording in, every participant's signals out. The same stages serve the live path."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from microcue.analysis import CallAnalysis
from microcue.errors import MicrocueError
from microcue.faces.participants import RoleSpec, build_participants
from microcue.io.sink import ParquetRowSink, ensure_writable_dir, write_json
from microcue.video import open_source

ProgressFn = Callable[[int, float], None]
"""Called after each frame with (frames done, pts_s of the frame)."""


class TrackStats:
    """Running per-track facts for the participant stage (bounded: a few numbers per track)."""

    def __init__(self) -> None:
        self.stats: dict[int, dict] = {}

    def update(self, pts_s: float, observations: Iterable, frame_size: tuple[int, int]) -> None:
        w, h = frame_size
        for o in observations:
            b = o.bbox_xyxy
            cx, cy = (b[0] + b[2]) / 2 / w, (b[1] + b[3]) / 2 / h
            s = self.stats.get(o.track_id)
            if s is None:
                s = self.stats[o.track_id] = dict(frames=0, first_s=pts_s, last_s=pts_s, cx=0.0, cy=0.0,
                                                  face_px=0.0)
            s["frames"] += 1
            n = s["frames"]
            s["last_s"] = pts_s
            s["cx"] += (cx - s["cx"]) / n
            s["cy"] += (cy - s["cy"]) / n
            s["face_px"] += (o.width_px - s["face_px"]) / n


def analyze(path: str | Path, *, roles: Iterable[RoleSpec | str] = (), fps: float | None = None,
            out_dir: str | Path | None = None, csv: bool = False, progress: ProgressFn | None = None,
            face_stage=None, signal_stage=None) -> CallAnalysis:
    """Analyse a call recording (or a folder of images) and return its participants and signal rows.

    Args:
        path: a video file (mp4, mov, mkv, webm, avi, wmv, ...) or a folder of images.
        roles: ``WHERE=ROLE[:NAME]`` strings or RoleSpec objects (see docs/signals.md).
        fps: frame rate for an image folder whose file names carry no times.
        out_dir: where to write signals.parquet, participants.json and summary.json (a temporary folder
            when None).
        csv: also write signals.csv.
        progress: called after every frame with (frames done, pts_s).

    Raises:
        MicrocueError subclasses for bad input. When the recording turns out corrupt or truncated midway,
        everything computed up to that point is written first, then the error is raised.
    """
    from microcue.faces.stage import FaceStage
    from microcue.signals.stage import SignalStage

    specs = [r if isinstance(r, RoleSpec) else RoleSpec.parse(r) for r in roles]
    source = open_source(path, fps=fps)
    out = ensure_writable_dir(out_dir) if out_dir is not None else Path(tempfile.mkdtemp(prefix="microcue-"))
    faces = face_stage or FaceStage()
    signals = signal_stage or SignalStage()
    tracks = TrackStats()
    raw_path = out / ".signals.tracks.parquet"
    started = time.perf_counter()
    n_frames = 0
    first_pts = last_pts = None
    size = None
    error: MicrocueError | None = None
    with ParquetRowSink(raw_path) as sink:
        try:
            for frame in source:
                size = frame.size
                obs = faces.update(frame)
                tracks.update(frame.pts_s, obs, size)
                for row in signals.update(frame.pts_s, frame.index, obs, size):
                    sink.write(row)
                n_frames += 1
                first_pts = frame.pts_s if first_pts is None else first_pts
                last_pts = frame.pts_s
                if progress is not None:
                    progress(n_frames, frame.pts_s)
        except MicrocueError as exc:
            error = exc  # keep what was computed, then report
    elapsed = time.perf_counter() - started
    people = build_participants(tracks.stats, specs)
    signals_path = out / "signals.parquet"
    _finalise_rows(raw_path, signals_path, people, csv_path=out / "signals.csv" if csv else None)
    summary = _summary(source, people, tracks, n_frames, (first_pts, last_pts), size, elapsed, signals_path, error)
    write_json(out / "participants.json", [p.to_dict() for p in people])
    write_json(out / "summary.json", summary)
    result = CallAnalysis(Path(path), people, summary, signals_path, out, warnings=summary["warnings"])
    if error is not None:
        raise error
    return result


def _finalise_rows(raw_path: Path, signals_path: Path, people, *, csv_path: Path | None) -> None:
    """Rewrite per-track rows as per-participant rows, one row group at a time (bounded memory)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from microcue.signals.schema import empty_frame

    track_to_pid = {t: p.id for p in people for t in p.track_ids}
    if not raw_path.exists():
        empty_frame().to_parquet(signals_path, index=False)
        if csv_path is not None:
            empty_frame().to_csv(csv_path, index=False)
        return
    reader = pq.ParquetFile(str(raw_path))
    writer = None
    keys = pa.array(list(track_to_pid), pa.int64())
    values = pa.array(list(track_to_pid.values()), pa.string())
    try:
        for i in range(reader.num_row_groups):
            table = reader.read_row_group(i)
            table = table.filter(pc.is_in(table["track_id"], value_set=keys))
            idx = pc.index_in(table["track_id"], value_set=keys)
            table = table.set_column(table.schema.get_field_index("participant"), "participant",
                                     pc.take(values, idx))
            if writer is None:
                writer = pq.ParquetWriter(str(signals_path), table.schema, compression="zstd")
                if csv_path is not None:
                    table.slice(0, 0).to_pandas().to_csv(csv_path, index=False)
            writer.write_table(table)
            if csv_path is not None and table.num_rows:
                table.to_pandas().to_csv(csv_path, mode="a", header=False, index=False)
    finally:
        if writer is not None:
            writer.close()
    raw_path.unlink(missing_ok=True)
    if writer is None:
        empty_frame().to_parquet(signals_path, index=False)


def _summary(source, people, tracks, n_frames, pts_range, size, elapsed, signals_path, error) -> dict:
    import pyarrow.parquet as pq

    info = getattr(source, "info", None)
    warnings = []
    if error is not None:
        warnings.append(str(error))
    if not people:
        warnings.append("no faces found in this recording")
    per = []
    if people and signals_path.exists():
        table = pq.read_table(signals_path, columns=None)
        df = table.to_pandas()
        for p in people:
            rows = df[df["participant"] == p.id]
            probs = {e: float(rows[f"p_{e}"].mean()) for e in _emotions() if f"p_{e}" in rows}
            per.append(dict(
                id=p.id, name=p.name, role=p.role, frames=int(len(rows)),
                share_of_frames=round(len(rows) / n_frames, 4) if n_frames else 0.0,
                mean_emotion=probs,
                dominant_emotion=max(probs, key=probs.get) if probs else None,
                mean_valence=_mean(rows, "valence"), mean_engagement=_mean(rows, "engagement")))
    return dict(
        source=str(getattr(source, "path", "")),
        kind="video" if info is not None else "images",
        width=size[0] if size else (info.width if info else None),
        height=size[1] if size else (info.height if info else None),
        container_duration_s=getattr(info, "duration_s", None),
        codec=getattr(info, "codec", None),
        frames=n_frames,
        first_pts_s=pts_range[0],
        last_pts_s=pts_range[1],
        participants=per,
        faces_found=bool(people),
        processing_s=round(elapsed, 3),
        frames_per_s=round(n_frames / elapsed, 2) if elapsed > 0 else None,
        complete=error is None,
        warnings=warnings,
        microcue_version=_version(),
    )


def _mean(df, col):
    return float(np.nanmean(df[col].to_numpy(float))) if col in df and len(df) else None


def _emotions():
    from microcue.signals.emotions import EMOTIONS

    return EMOTIONS


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("microcue")
    except PackageNotFoundError:
        return "unknown"
