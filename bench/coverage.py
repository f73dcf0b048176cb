"""Face coverage and id stability on synthetic calls with fixed ground truth (bench/make_calls.py).

    .venv/bin/python bench/coverage.py [bench/out/calls/*.json] [--json OUT]

For every ground-truth face that is visible in a frame: found (a measured face whose box overlaps it with
IoU >= 0.3, or whose centre lies inside it) and found with the person's own id (the track id most often
matched to that person over the call). An id swap is a frame where a person's own id is on another person.
Coverage is also reported by face width (px) bins.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

BINS = [(0, 50), (50, 80), (80, 120), (120, 10_000)]


def _iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    u = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / u if u > 0 else 0.0


def _match(gt_box, obs):
    best, best_iou = None, 0.0
    for o in obs:
        b = o["bbox"]
        v = _iou(gt_box, b)
        cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
        inside = gt_box[0] <= cx <= gt_box[2] and gt_box[1] <= cy <= gt_box[3]
        if (v >= 0.3 or inside) and v >= best_iou:
            best, best_iou = o, v
    return best


def run_call(gt_path: Path) -> dict:
    from microcue.faces.stage import FaceStage
    from microcue.video.file import VideoFileSource

    gt = json.loads(gt_path.read_text())
    video = gt_path.with_name(gt["video"])
    stage = FaceStage()
    frames = []
    for f in VideoFileSource(video):
        frames.append((f.pts_s, [dict(id=o.track_id, bbox=[float(v) for v in o.bbox_xyxy]) for o in stage.update(f)]))
    stage.close()
    by_t = {round(t, 3): obs for t, obs in frames}
    matched = defaultdict(Counter)
    rows = []  # (person, width, found_id or None)
    for fr in gt["frames"]:
        obs = by_t.get(round(fr["pts_s"], 3))
        if obs is None:
            continue
        for face in fr["faces"]:
            if not face.get("visible", True) or face.get("occluded", 0) > 0.5:
                continue
            m = _match(face["bbox_xyxy"], obs)
            w = face["bbox_xyxy"][2] - face["bbox_xyxy"][0]
            rows.append((face["person"], w, None if m is None else m["id"]))
            if m is not None:
                matched[face["person"]][m["id"]] += 1
    own = {p: c.most_common(1)[0][0] for p, c in matched.items()}
    owner_of = {}
    for p, tid in own.items():
        owner_of.setdefault(tid, p)
    per_person = {}
    for p in sorted({r[0] for r in rows}):
        mine = [r for r in rows if r[0] == p]
        found = sum(r[2] is not None for r in mine)
        kept = sum(r[2] is not None and r[2] == own.get(p) for r in mine)
        swaps = sum(r[2] is not None and r[2] != own.get(p) and owner_of.get(r[2], p) != p for r in mine)
        per_person[p] = dict(frames=len(mine), found=round(found / len(mine), 4), kept_id=round(kept / len(mine), 4),
                             swap_frames=swaps, median_width=round(float(np.median([r[1] for r in mine])), 1))
    by_size = {}
    for lo, hi in BINS:
        sel = [r for r in rows if lo <= r[1] < hi]
        if sel:
            by_size[f"{lo}-{hi if hi < 10_000 else ''}px"] = dict(
                faces=len(sel), found=round(sum(r[2] is not None for r in sel) / len(sel), 4))
    total = len(rows)
    return dict(call=gt_path.stem, layout=gt.get("layout"), people=len(per_person),
                found=round(sum(r[2] is not None for r in rows) / total, 4) if total else None,
                kept_id=round(sum(r[2] is not None and r[2] == own.get(r[0]) for r in rows) / total, 4)
                if total else None,
                swap_frames=sum(v["swap_frames"] for v in per_person.values()),
                tracks=len({o["id"] for _, obs in frames for o in obs}),
                by_size=by_size, per_person=per_person)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("truth", nargs="*", type=Path)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    paths = args.truth or sorted((REPO / "bench/out/calls").glob("*.json"))
    results = []
    for p in paths:
        r = run_call(p)
        results.append(r)
        print(f"{r['call']:<24} {r['layout'] or '':<22} people={r['people']} found={r['found']:.3f} "
              f"kept_id={r['kept_id']:.3f} swaps={r['swap_frames']} tracks={r['tracks']} "
              + " ".join(f"{k}:{v['found']:.2f}" for k, v in r["by_size"].items()), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
