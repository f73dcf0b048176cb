"""Signal rows re-made from stored raw face rows, so a change to the signal stage (the neutral baseline, the
emotion read-out) is measured on real footage without running the face model again.

    python bench/replay_signals.py raw --clips bench/out/natural_clips.txt --out RAW      # once (face model)
    python bench/replay_signals.py signals RAW --out RUNS                                  # per candidate, seconds

``raw`` runs one face pass (``microcue.facepass.face_pass``: tracker + stateless features, what ``analyze`` runs
first) over each clip of a list of ``NAME VIDEO`` lines and keeps its raw rows as ``RAW/NAME.parquet``.
``signals`` feeds those rows, in time order, through the installed ``SignalStage.personalise`` (each track of at
least 8 rows its own person, ``participant`` = ``P<track id>``) and writes ``RUNS/NAME/signals.parquet`` - the
layout of ``microcue analyze -o RUNS/NAME``, which bench/natural_names.py, bench/spot_check.py --runs and
bench/talk_emotions.py read.
The spotting benchmark's tune / calib / clean clips (v1 and v2) the same way, so a signal-stage candidate is also
scored on the benchmark without the face model (``spot_check.py --replayed``)::

    python bench/spotting.py list --version 1 --splits tune calib clean >  bench/out/spotting_clips.txt
    python bench/spotting.py list --version 2 --splits tune calib clean >> bench/out/spotting_clips.txt
    python bench/replay_signals.py raw --clips bench/out/spotting_clips.txt --out bench/out/spotting_raw  # ~10 min
    python bench/replay_signals.py signals bench/out/spotting_raw --out SRUNS                       # ~1 min
    python bench/spot_check.py --replayed SRUNS --runs RUNS

Raw rows hold frames of research-only clips as numbers: keep them under bench/out (gitignored).

``signals --drops slow|stalls [--seed N]`` keeps only the rows of the frames a busy live session would process
(:func:`processed`: the live runner's queue of 3 simulated over the clip's frame times) and marks a row
``unsampled`` when its person had a row on the previous processed frame, as ``microcue.live.runner`` does
(bench/LIVE_DROPS_DECLARED.md).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

MIN_ROWS = 8
"""Tracks with fewer rows are left out, as ``microcue.faces.participants.real_tracks`` leaves them out."""


def make_raw(clips: Path, out: Path) -> None:
    from microcue.facepass import face_pass

    out.mkdir(parents=True, exist_ok=True)
    for line in clips.read_text().splitlines():
        if not line.strip():
            continue
        name, video = line.split(maxsplit=1)
        dest = out / f"{name}.parquet"
        if dest.exists():
            continue
        tmp = dest.with_suffix(".tmp")
        res = face_pass(video, str(tmp))
        tmp.rename(dest)
        print(f"{name}: {res.frames} frames", flush=True)


DROPS = {"slow": (1.5, 0.0), "stalls": (0.8, 0.01)}
"""Scenario -> (mean processing time in frame periods, chance per processed frame of a 0.5 s stall)."""


def processed(times: list[float], scenario: str, seed: int, queue_size: int = 3) -> list[float]:
    """The frame times a live session processes when each frame takes the scenario's time (lognormal, sigma
    0.25) and waiting frames beyond ``queue_size`` drop the oldest (microcue.live.runner)."""
    import math
    import random
    from collections import deque

    mean, stall_p = DROPS[scenario]
    rng = random.Random(seed)
    period = (times[-1] - times[0]) / max(len(times) - 1, 1)
    queue: deque = deque()
    free_at, out, k = -math.inf, [], 0
    while k < len(times) or queue:
        if not queue or (k < len(times) and times[k] <= free_at):
            if len(queue) >= queue_size:
                queue.popleft()
            queue.append(times[k])
            k += 1
            continue
        t = queue.popleft()
        start = max(free_at, t)
        free_at = start + mean * period * math.exp(rng.gauss(0.0, 0.25) - 0.25**2 / 2)
        if rng.random() < stall_p:
            free_at += 0.5
        out.append(t)
    return out


def replay(raw_dir: Path, out: Path, drops: str = "none", seed: int = 0) -> None:
    import pandas as pd
    import pyarrow.parquet as pq

    from microcue.signals.stage import SignalStage

    for raw_path in sorted(raw_dir.glob("*.parquet")):
        stage = SignalStage()
        rows = []
        table = pq.read_table(raw_path).to_pylist()
        n = Counter(r["track_id"] for r in table)
        frames = sorted({r["time_s"] for r in table})
        prev_frame: dict[float, float] = {}  # processed frame -> the processed frame before it
        if drops != "none":
            kept = processed(frames, drops, seed)
            prev_frame = dict(zip(kept[1:], kept[:-1], strict=True))
            keep = set(kept)
            table = [r for r in table if r["time_s"] in keep]
        last: dict = {}  # track -> its last row's time
        for raw in table:
            if n[raw["track_id"]] < MIN_ROWS:  # analyze drops such tracks as detector noise (participants.py)
                continue
            row = stage.personalise(raw["track_id"], raw)
            row["participant"] = f"P{raw['track_id']}"
            if drops != "none":
                row["unsampled"] = last.get(raw["track_id"]) == prev_frame.get(raw["time_s"], -1.0)
            last[raw["track_id"]] = raw["time_s"]
            rows.append(row)
        dest = out / raw_path.stem
        dest.mkdir(parents=True, exist_ok=True)
        pd.DataFrame(rows).to_parquet(dest / "signals.parquet", index=False)
        print(f"{raw_path.stem}: {len(rows)} rows", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("raw", help="face pass over each clip, raw rows kept")
    r.add_argument("--clips", type=Path, required=True, help="text file of 'NAME VIDEO' lines")
    r.add_argument("--out", type=Path, required=True)
    s = sub.add_parser("signals", help="signal rows from raw rows with the installed signal stage")
    s.add_argument("raw", type=Path)
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--drops", choices=["none", *DROPS], default="none", help="frames a busy live session drops")
    s.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    if a.cmd == "raw":
        make_raw(a.clips, a.out)
    else:
        replay(a.raw, a.out, a.drops, a.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
