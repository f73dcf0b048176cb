"""Every number a spotter keep rule asks for, for one set of spotter parameters, in one table.

    python bench/spot_check.py                                   # main's defaults
    python bench/spot_check.py --param absorb_s=10 --param ...   # a candidate (EventSpotter keyword=value)
    python bench/spot_check.py --runs RUNS                       # + the natural clips (bench/natural_names.py)
    python bench/spot_check.py --heldout ...                     # + held-out v2 and v1: ONCE per declared change
    python bench/spot_check.py --replayed SRUNS                  # benchmark rows re-made by the installed stage

Rows: benchmark v2 tune / calib (F1, recall and recall beyond chance, precision, emotion accuracy of hits), v2
clean (false alarms per minute, and without the sources' own expressions), the same for v1, and with ``--runs``
the natural clips' tally (events by label: with an emotion, none, unsure, new) and names right / wrong. It reads the
benchmark caches (``bench/spotting.py prepare [--version 2]``) and, for the natural clips, ``microcue analyze``
runs (docs/spotting.md, "Natural footage"). Declare the rule before running it with a candidate (bench/*_DECLARED.md).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import inject
import natural_names
import spotting


def split_line(version: int, split: str, params: dict, data: Path) -> str:
    spotting.use_version(version)
    recs, evrecs = spotting.run(split, data, params)
    if split == "clean":
        c = spotting.clean_summary(recs)
        return (f"v{version} clean   false alarms {c['false_alarms_per_min']:5.2f} /min "
                f"({c['false_alarms_per_min_not_source']:4.2f} without own)")
    s = spotting.summarise(recs, evrecs)["all"]
    o = s["overall"]
    return (f"v{version} {split:7s} F1 {o['f1']:.3f}  R {o['recall']:.3f} (beyond chance {o['recall_not_chance']:.3f})"
            f"  P {o['precision']:.3f}  FA {s['false_alarms_per_min']:5.2f} /min  emotion {s['emotion_accuracy']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="EventSpotter parameter")
    ap.add_argument("--runs", type=Path, help="folder of microcue analyze runs of the natural clips")
    ap.add_argument("--data", type=Path, default=inject.DEFAULT_DATA)
    ap.add_argument("--heldout", action="store_true", help="also score held-out v2 and v1 (once per declared change)")
    ap.add_argument("--replayed", type=Path, help="benchmark signal rows from `replay_signals.py signals "
                    "bench/out/spotting_raw --out SRUNS` (tune / calib / clean) instead of the prepare caches")
    a = ap.parse_args()
    if a.replayed and a.heldout:
        ap.error("--replayed has no held-out rows (bench/out/spotting_clips.txt lists tune, calib and clean)")
    spotting.REPLAYED = a.replayed
    params = spotting.parse_params(a.param)
    print(f"parameters: {params or 'defaults'}")
    splits = ["tune", "calib", "clean"] + (["heldout"] if a.heldout else [])
    for version in (2, 1):
        for split in splits:
            print(split_line(version, split, params, a.data), flush=True)
    if a.runs:
        events = natural_names.natural_events(a.runs, a.data, params)
        with contextlib.redirect_stdout(io.StringIO()):
            right, wrong = natural_names.score(events, natural_names.HERE / "natural_names.csv")
        natural_names.tally(events, natural_names.HERE / "natural_names.csv")
        print(f"natural names right {right} / wrong {wrong}")


if __name__ == "__main__":
    main()
