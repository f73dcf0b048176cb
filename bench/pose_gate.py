"""Head-pose gate bench (issue 3): the leak per degree it uses, and its effect on the audited natural clips.

    python bench/pose_gate.py measure RUN_DIR             # leak per degree from the webcam sample's signals
    python bench/pose_gate.py natural RUNS CLIPS [k=v,...] [-v]   # events with by-eye labels, gate params

``measure``: RUN_DIR holds ``signals.parquet`` of the OpenFace webcam sample (``microcue analyze
.../2015-10-15-15-14.avi -o RUN_DIR --no-store``). On the nod / turn segments of bench/pose_leak.py (13.3-23 s), per
AU: mean and 0.9-quantile of the AU in chin-down / chin-up / turned frames (>= 12 deg from the segments' median
pose) minus its median in pose-neutral frames (within 4 deg), the q90 per degree of the group's mean angle
(LEAK_PER_DEG in src/microcue/events/pose_gate.py), and the ratio of each frame's leak to that per-degree model.

``natural``: RUNS/NAME/signals.parquet for each ``NAME VIDEO`` line of CLIPS (the 16 clips of docs/spotting.md
"Natural footage"); re-spots with the audio VAD as ``analyze`` does and labels each expression event with the
by-eye list bench/natural_names.csv (IoU >= 0.5): real / false ("none" whose note says "not an expression") /
unsure / NEW (unlabelled). Prints counts, and for the out-of-sample clips (all but ``depscope``, the clip the leak
was measured on) apart. ``-v``: each event's pose excursions and each moved AU's rise / the leak the rotation
explains. Research-only clips: nothing here is written to the repository.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
AUS = ["au01", "au02", "au04", "au04g", "au04m", "au05", "au06", "au07", "au09", "au10", "au11", "au12", "au14",
       "au15", "au17", "au20", "au23", "au24", "au41", "au26"]


def measure(run_dir: Path) -> None:
    from microcue.events.pose_gate import LEAK_PER_DEG

    d = pd.read_parquet(run_dir / "signals.parquet")
    s = d[(d.time_s >= 13.3) & (d.time_s < 23.0)]
    dp = s.pitch - s.pitch.median()
    dy = (s.yaw - s.yaw.median()).abs()
    neu = (dp.abs() < 4) & (dy < 4)
    groups = {"down": (dp <= -12) & (dy < 4), "up": (dp >= 12) & (dy < 4), "turn": (dy >= 12) & (dp.abs() < 4)}
    angle = {g: (dy[m] if g == "turn" else dp[m].abs()) for g, m in groups.items()}
    for g, m in groups.items():
        print(f"{g}: {int(m.sum())} frames, mean angle {angle[g].mean():.1f} deg")
    print("AU      " + "  ".join(f"{g + ' mean/q90/q90 per deg':>26s}" for g in groups))
    for a in AUS:
        cells = []
        for g, m in groups.items():
            diff = s[a][m].mean() - s[a][neu].mean()
            q = s[a][m].quantile(0.9) - s[a][neu].median()
            cells.append(f"{diff:+.2f}/{q:+.2f}/{q / angle[g].mean():+.4f}")
        print(f"{a:6s}  " + "  ".join(f"{c:>26s}" for c in cells))
    print("frame leak / (per-degree model x angle), q50 / q90 / max:")
    for g, m in groups.items():
        for a, k in LEAK_PER_DEG[g].items():
            cols = ["au04", "au04g"] if a == "au04" else [a]
            v = s.loc[m, cols].max(axis=1) - s.loc[neu, cols].max(axis=1).median()
            r = v / (k * angle[g])
            print(f"  {g:4s} {a}: {r.quantile(0.5):.2f} {r.quantile(0.9):.2f} {r.max():.2f}")


def natural(runs: Path, clips_file: Path, params: dict, verbose: bool) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    import spotting as S

    from microcue.events.pose_gate import LEAK_PER_DEG
    from microcue.events.vad import speech_at, voice_activity

    labels = list(csv.DictReader(open(REPO / "bench" / "natural_names.csv")))
    tot, oos = Counter(), Counter()
    for line in open(clips_file):
        if not line.strip():
            continue
        name, video = line.split()[:2]
        d = pd.read_parquet(runs / name / "signals.parquet")
        times, sp = voice_activity(Path(video))
        if len(times):
            d["speech"] = [None if v is None else float(v) for v in speech_at(d["time_s"].to_numpy(), times, sp)]
        events, traces = S.spot_traced(d, params)
        mine = [r for r in labels if r["clip"] == name]
        for e in events:
            if e.kind not in ("micro", "macro"):
                continue
            tr = traces[(e.participant, e.onset_s, e.offset_s)]
            best, bi = None, 0.0
            for r in mine:
                a, b = float(r["onset_s"]), float(r["offset_s"])
                inter = max(0.0, min(b, e.offset_s) - max(a, e.onset_s))
                union = max(b, e.offset_s) - min(a, e.onset_s)
                if union > 0 and inter / union > bi:
                    bi, best = inter / union, r
            lab = best["by_eye"] if best and bi >= 0.5 else "NEW"
            note = best["note"] if lab != "NEW" else ""
            cat = ("false" if lab == "none" and note.startswith("not an expression")
                   else "real" if lab not in ("unsure", "NEW") else lab)
            tot[cat] += 1
            if name != "depscope":
                oos[cat] += 1
            if verbose:
                p = tr.get("pose") or {}

                def leak(a, p=p):
                    return max(LEAK_PER_DEG[k].get(a, 0.0) * p.get(k, 0.0) for k in LEAK_PER_DEG)

                moved = sorted(tr["moved"], key=lambda a: -tr["moved"][a])
                aus = " ".join(f"{a[2:]}:{tr['rise'].get(a, 0):.2f}/{leak(a):.2f}" for a in moved)
                print(f"{name:8s} {e.onset_s:6.2f}-{e.offset_s:6.2f} {cat:6s} down {p.get('down', np.nan):5.1f} "
                      f"up {p.get('up', np.nan):5.1f} turn {p.get('turn', np.nan):5.1f} | {aus}")
    print("all", dict(tot), "| out of sample (without depscope)", dict(oos))


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "-v"]
    if not args or args[0] not in ("measure", "natural"):
        sys.exit(__doc__)
    if args[0] == "measure":
        measure(Path(args[1]))
    else:
        params = {k: float(v) for k, v in (p.split("=") for p in (args[3] if len(args) > 3 else "").split(",") if p)}
        natural(Path(args[1]), Path(args[2]), params, "-v" in sys.argv)


if __name__ == "__main__":
    main()
