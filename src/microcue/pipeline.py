"""analyze(): a recording in, every participant's signals out.

Flow: face pass(es) -> stitched tracks -> participants -> personalised signal rows -> outputs. The face pass is
the same FaceStage + raw_features the live path runs frame by frame; a long recording is cut into consecutive
time ranges run in worker processes (one per core), whose tracks are stitched at the boundaries, then one
process applies each person's baseline in time order, so baselines never restart at a boundary.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

from microcue.analysis import CallAnalysis
from microcue.errors import InvalidInputError
from microcue.facepass import PassResult, face_pass
from microcue.faces.participants import MIN_TRACK_FRAMES, MIN_TRACK_S, RoleSpec, build_participants
from microcue.io.sink import ParquetRowSink, ensure_writable_dir, write_json
from microcue.stitch import stitch
from microcue.video import open_source

ProgressFn = Callable[[int, float], None]
"""Called as frames are done with (frames done so far, video seconds done so far)."""

MIN_CHUNK_S = 8.0
"""A recording is split across processes only when each part gets at least this much video."""


def analyze(path: str | Path, *, roles: Iterable[RoleSpec | str] = (), fps: float | None = None,
            out_dir: str | Path | None = None, csv: bool = False, workers: int | None = None,
            calibrations: str | Path | None = None, progress: ProgressFn | None = None) -> CallAnalysis:
    """Analyse a call recording (or a folder of images) and return its participants and signal rows.

    Args:
        path: a video file (mp4, mov, mkv, webm, avi, wmv, ...) or a folder of images.
        roles: ``WHERE=ROLE[:NAME]`` strings or RoleSpec objects (see README).
        fps: frame rate for an image folder whose file names carry no times.
        out_dir: where to write signals.parquet, participants.json and summary.json (a temporary folder
            when None).
        csv: also write signals.csv.
        workers: processes for the face pass (default: the machine's cores, at most one per
            ``MIN_CHUNK_S`` seconds of video; 1 runs everything in this process). Each process takes one time
            range and starts its face crops afresh at its start, so the measurements after a cut differ slightly
            from a one-process run's (crop placement moves the landmarker's blendshapes by a few hundredths, up to
            ~0.2 for the brows) and an event near or after it can come out differently: fix ``workers`` to compare
            runs across machines.
        calibrations: a folder of per-person neutral baselines: a participant named with ``roles`` starts
            from their saved baseline when there is one, and their baseline is saved there at the end.
        progress: called as frames are done.

    Raises:
        MicrocueError subclasses for bad input. When the recording turns out corrupt or truncated midway,
        everything computed up to that point is written first, then the error is raised.
    """
    specs = [r if isinstance(r, RoleSpec) else RoleSpec.parse(r) for r in roles]
    source = open_source(path, fps=fps)
    out = ensure_writable_dir(out_dir) if out_dir is not None else Path(tempfile.mkdtemp(prefix="microcue-"))
    work = Path(tempfile.mkdtemp(prefix=".microcue-work-", dir=out))
    started = time.perf_counter()
    info = getattr(source, "info", None)
    ranges = _ranges(info, workers)
    try:
        if len(ranges) == 1:
            passes = [face_pass(str(path), str(work / "pass0.parquet"), fps=fps, progress=progress)]
        else:
            passes = _parallel(str(path), ranges, work, progress)
        mapping, tracks = stitch(passes, [r[0] for r in ranges[1:]])
        stats = {g: f.stats() for g, f in tracks.items()}
        people = build_participants(stats, specs)
        followed = {t for p in people for t in p.track_ids}
        brief = [s for g, s in stats.items() if g not in followed]
        signals_path = out / "signals.parquet"
        speech = _voice_activity(path, info)
        events = _personalise(passes, mapping, people, signals_path, out / "signals.csv" if csv else None,
                              calibrations=calibrations, speech=speech)
    finally:
        for p in work.glob("*"):
            p.unlink(missing_ok=True)
        work.rmdir()
    elapsed = time.perf_counter() - started
    errors = [(r.error_type, r.error) for r in passes if r.error]
    summary = _summary(source, people, passes, elapsed, signals_path, [e for _, e in errors], len(ranges))
    summary["faces_seen_briefly"] = len(brief)
    if not people and brief:
        summary["longest_brief_face_frames"] = max(s["frames"] for s in brief)
        summary["warnings"][summary["warnings"].index("no faces found in this recording")] = brief_faces_note(
            summary["longest_brief_face_frames"])
    summary["warnings"] += _AUDIO_WARNINGS
    summary["speech_from_audio"] = speech is not None
    _AUDIO_WARNINGS.clear()
    from microcue.events import events_to_json

    summary["events"] = _event_counts(events)
    events_to_json(events, out / "events.json")
    write_json(out / "participants.json", [p.to_dict() for p in people])
    write_json(out / "summary.json", summary)
    result = CallAnalysis(Path(path), people, summary, signals_path, out, warnings=summary["warnings"],
                          events=events)
    if errors:
        raise InvalidInputError(errors[0][1])
    return result


def _ranges(info, workers: int | None) -> list[tuple[float, float | None]]:
    """Consecutive ``[start, end)`` time ranges, one per worker; the last is open-ended."""
    if info is None or not info.duration_s:
        return [(0.0, None)]
    n = workers if workers is not None else (os.cpu_count() or 1)
    n = max(1, min(n, int(info.duration_s // MIN_CHUNK_S)))
    if n == 1:
        return [(0.0, None)]
    step = info.duration_s / n
    cuts = [round(i * step, 3) for i in range(n)]
    return [(cuts[i], cuts[i + 1] if i + 1 < n else None) for i in range(n)]


def _parallel(path: str, ranges, work: Path, progress: ProgressFn | None) -> list[PassResult]:
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    ctx = mp.get_context("spawn")  # MediaPipe's threads do not survive fork
    counters = ctx.Array("d", 2 * len(ranges), lock=False)
    with ProcessPoolExecutor(len(ranges), mp_context=ctx, initializer=_init_worker,
                             initargs=(counters,)) as pool:
        with _main_not_rerun():  # the workers start (and read what to import) as the jobs are submitted
            futures = [pool.submit(_worker, k, path, str(work / f"pass{k}.parquet"), s, e)
                       for k, (s, e) in enumerate(ranges)]
        while not all(f.done() for f in futures):
            time.sleep(0.25)
            if progress is not None:
                frames = int(sum(counters[0::2]))
                secs = float(sum(counters[k * 2 + 1] - ranges[k][0] for k in range(len(ranges))
                                 if counters[k * 2 + 1] > 0))
                progress(frames, secs)
        return [f.result() for f in futures]


_COUNTERS = None


@contextlib.contextmanager
def _main_not_rerun() -> Iterator[None]:
    """Start spawned workers without re-running the caller's main script in them.

    A spawned process imports the parent's ``__main__`` module first, so a script that calls ``microcue.analyze``
    at its top level without an ``if __name__ == "__main__":`` guard (the README's two-line example) would run again
    in every worker, try to start workers of its own there, and break the pool. The workers need only microcue
    (``_worker`` lives here), so while they start, the main module's file and spec are hidden from multiprocessing.
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if k in main.__dict__}
    main.__dict__.pop("__file__", None)
    main.__dict__["__spec__"] = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


def _init_worker(counters) -> None:
    global _COUNTERS
    _COUNTERS = counters


def _worker(k: int, path: str, raw_path: str, start_s: float, end_s: float | None) -> PassResult:
    def note(n: int, pts: float) -> None:
        _COUNTERS[2 * k] = n
        _COUNTERS[2 * k + 1] = pts

    return face_pass(path, raw_path, start_s=start_s, end_s=end_s, progress=note)


def _voice_activity(path, info):
    """Speech in the recording's audio (webrtcvad), or None for image folders and files without audio."""
    if info is None or not info.has_audio:
        return None
    from microcue.events.vad import voice_activity

    try:
        times, is_speech = voice_activity(path)
    except Exception as exc:  # noqa: BLE001 - a broken audio track must not cost the face analysis
        _AUDIO_WARNINGS.append(f"{path}: audio not used for speech detection ({exc})")
        return None
    return (times, is_speech) if len(times) else None


_AUDIO_WARNINGS: list[str] = []


def _personalise(passes: list[PassResult], mapping, people, signals_path: Path, csv_path: Path | None, *,
                 calibrations: str | Path | None = None, speech=None) -> list:
    """Read raw rows pass by pass, in time order, apply each person's baseline, write the final rows, and
    spot events on them as they go (the same streaming spotter the live path uses)."""
    import pyarrow.parquet as pq

    from microcue.events import EventSpotter
    from microcue.events.vad import speech_at
    from microcue.signals.calibration import load_calibration, save_calibration
    from microcue.signals.schema import columns, empty_frame
    from microcue.signals.stage import SignalStage

    pid_of = {t: p.id for p in people for t in p.track_ids}
    stage = SignalStage()
    named = {p.track_ids[0]: p for p in people if p.extra.get("named")} if calibrations is not None else {}
    for gid, p in named.items():
        saved = load_calibration(calibrations, p.name)
        if saved is not None:
            stage.set_baseline(gid, saved)
            p.extra["calibration"] = "loaded"
    spotters = {p.id: EventSpotter(p.id) for p in people}
    events = []
    cols = columns()
    offset = 0
    wrote = False
    with ParquetRowSink(signals_path) as sink:
        for k, res in enumerate(passes):
            if Path(res.raw_path).exists():
                pf = pq.ParquetFile(res.raw_path)
                for g in range(pf.num_row_groups):
                    for raw in pf.read_row_group(g).to_pylist():
                        gid = mapping.get((k, raw["track_id"]))
                        pid = pid_of.get(gid)
                        if pid is None:
                            continue  # a track too short to be a person (detector noise)
                        raw["track_id"] = gid
                        raw["frame_index"] += offset
                        row = stage.personalise(gid, raw)
                        row["participant"] = pid
                        sink.write({c: row[c] for c in cols})
                        if speech is not None:
                            v = speech_at(row["time_s"], *speech)
                            row["speech"] = None if v is None else float(v)
                        events.extend(spotters[pid].update(row))
                        wrote = True
            offset += res.frames
    for spotter in spotters.values():
        events.extend(spotter.flush())
    for gid, p in named.items():
        learned = stage.baseline(gid)
        if learned is not None:
            save_calibration(calibrations, p.name, learned)
            p.extra.setdefault("calibration", "saved")
    if not wrote:
        empty_frame().to_parquet(signals_path, index=False)
    if csv_path is not None:
        _parquet_to_csv(signals_path, csv_path)
    return sorted(events, key=lambda e: (e.onset_s, e.participant))


def _parquet_to_csv(parquet_path: Path, csv_path: Path) -> None:
    """signals.csv from signals.parquet one row group at a time (bounded memory on a long call)."""
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(str(parquet_path))
    header = True
    with open(csv_path, "w", encoding="utf-8", newline="") as fh:
        for g in range(pf.num_row_groups):
            pf.read_row_group(g).to_pandas().to_csv(fh, index=False, header=header)
            header = False
        if header:  # no rows at all: still write the header
            pf.schema_arrow.empty_table().to_pandas().to_csv(fh, index=False)


def _event_counts(events) -> dict:
    counts: dict = {}
    for e in events:
        key = e.kind if e.emotion in (None, "") else f"{e.kind}:{e.emotion}"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def _summary(source, people, passes: list[PassResult], elapsed, signals_path, errors, n_workers) -> dict:
    import pandas as pd

    from microcue.signals.emotions import EMOTIONS

    info = getattr(source, "info", None)
    n_frames = sum(r.frames for r in passes)
    warnings = list(errors)
    if not people:
        warnings.append("no faces found in this recording")
    per = []
    if people:
        df = pd.read_parquet(signals_path, columns=["participant", "valence", "engagement"]
                             + [f"p_{e}" for e in EMOTIONS])
        for p in people:
            rows = df[df["participant"] == p.id]
            probs = {e: round(float(rows[f"p_{e}"].mean()), 4) for e in EMOTIONS}
            per.append(dict(
                id=p.id, name=p.name, role=p.role, position=p.position, frames=int(len(rows)),
                share_of_frames=round(len(rows) / n_frames, 4) if n_frames else 0.0,
                first_seen_s=p.first_seen_s, last_seen_s=p.last_seen_s,
                mean_emotion=probs, dominant_emotion=max(probs, key=probs.get),
                mean_valence=_mean(rows, "valence"), mean_engagement=_mean(rows, "engagement")))
    firsts = [r.first_pts_s for r in passes if r.first_pts_s is not None]
    lasts = [r.last_pts_s for r in passes if r.last_pts_s is not None]
    size = next((r.size for r in passes if r.size), None)
    return dict(
        source=str(getattr(source, "path", "")),
        kind="video" if info is not None else "images",
        width=size[0] if size else (info.width if info else None),
        height=size[1] if size else (info.height if info else None),
        container_duration_s=getattr(info, "duration_s", None),
        codec=getattr(info, "codec", None),
        frames=n_frames,
        first_pts_s=min(firsts) if firsts else None,
        last_pts_s=max(lasts) if lasts else None,
        faces_found=bool(people),
        participants=per,
        processing_s=round(elapsed, 3),
        frames_per_s=round(n_frames / elapsed, 2) if elapsed > 0 else None,
        workers=n_workers,
        complete=not errors,
        warnings=warnings,
        microcue_version=_version(),
    )


def brief_faces_note(frames: int) -> str:
    """What to tell a user whose recording showed faces, none long enough to be a person."""
    return (f"a face was seen in {frames} frame(s), too few to follow a person (at least {MIN_TRACK_FRAMES} frames "
            f"over {MIN_TRACK_S} s); a single photo or a very short clip is too short (labelled photos: microcue "
            "eval images)")


def _mean(df, col):
    return round(float(np.nanmean(df[col].to_numpy(float))), 4) if col in df and len(df) else None


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("microcue")
    except PackageNotFoundError:
        return "unknown"
