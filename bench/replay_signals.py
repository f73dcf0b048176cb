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


def replay(raw_dir: Path, out: Path) -> None:
    import pandas as pd
    import pyarrow.parquet as pq

    from microcue.signals.stage import SignalStage

    for raw_path in sorted(raw_dir.glob("*.parquet")):
        stage = SignalStage()
        rows = []
        table = pq.read_table(raw_path).to_pylist()
        n = Counter(r["track_id"] for r in table)
        for raw in table:
            if n[raw["track_id"]] < MIN_ROWS:  # analyze drops such tracks as detector noise (participants.py)
                continue
            row = stage.personalise(raw["track_id"], raw)
            row["participant"] = f"P{raw['track_id']}"
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
    a = ap.parse_args()
    if a.cmd == "raw":
        make_raw(a.clips, a.out)
    else:
        replay(a.raw, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
