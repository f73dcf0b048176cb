"""Probe: would optical flow around the face find the injected episodes better than the AU signals? (diagnostic)

    python bench/spotting.py list --version 2 --splits tune calib clean > LIST   # "NAME PATH" per line
    python bench/flow_probe.py extract --clips LIST --out bench/out/flow_v2     # ~8 min on 2 cores (32 clips)
    python bench/flow_probe.py score --flow bench/out/flow_v2 --seed 10         # v2 tune: AUC against background

`extract` runs the Face Landmarker (VIDEO mode) on every frame and, per frame, Farneback optical flow from the frame
80 ms and 300 ms earlier, in a face crop scaled to an inter-ocular distance of 40 px, averaged at the landmarks of 9
regions (brows, glabella, nose wings, mouth corners, lips, chin; the eyes are measured but not scored: blinks) minus
the flow at the nose bridge (head translation); it also keeps the Face Landmarker's 52 blendshapes (``bs_NAME``).
`score` compares, per injected episode of benchmark v2, the largest flow magnitude in [onset, offset + 0.1 s] (in
units of each region's 0.9-quantile over the clip) with the same maximum over random 0.3 s windows away from every
injection, and does the same for the AU signal rows (rise above a trailing 3 s median, in units of its
0.9-quantile). A diagnostic, not part of microcue: results in docs/benchmarks.md ("Twelfth session").
"""

from __future__ import annotations

import argparse
import collections
import glob
import os
import sys
import warnings
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
MODEL = str(REPO / "src" / "microcue" / "models" / "face_landmarker.task")
V2 = REPO / "bench" / "out" / "spotting_v2"
ROIS = {
    "brow_l": [336, 296, 334, 293, 300, 285, 295, 282, 283, 276],
    "brow_r": [70, 63, 105, 66, 107, 46, 53, 52, 65, 55],
    "glab": [9, 8, 107, 336, 151],
    "eye_l": [386, 374, 263, 362],
    "eye_r": [159, 145, 33, 133],
    "mc_l": [291, 409, 375],
    "mc_r": [61, 185, 146],
    "ulip": [0, 37, 267],
    "llip": [17, 84, 314],
    "chin": [152, 148, 377],
    "nose_w": [129, 358, 98, 327],
}
SCORED = ["brow_l", "brow_r", "glab", "nose_w", "mc_l", "mc_r", "ulip", "llip", "chin"]
REF = [6, 197, 195, 5, 168]
SCALES = {"S": 0.08, "L": 0.3}
AUS = ["au01", "au02", "au04", "au04g", "au05", "au06", "au07", "au07g", "au09", "au10", "au12", "au14", "au15",
       "au17", "au20", "au23", "au24"]


def flow_at_regions(a_grey: np.ndarray, a_pts: np.ndarray, b_grey: np.ndarray) -> dict[str, np.ndarray]:
    import cv2

    iod = np.linalg.norm(a_pts[263] - a_pts[33])
    s = 40.0 / iod
    x0, y0 = a_pts.min(0) - 0.1 * iod
    x1, y1 = a_pts.max(0) + 0.1 * iod
    m = np.array([[s, 0, -x0 * s], [0, s, -y0 * s]])
    w, h = int((x1 - x0) * s), int((y1 - y0) * s)
    a, b = cv2.warpAffine(a_grey, m, (w, h)), cv2.warpAffine(b_grey, m, (w, h))
    fl = cv2.calcOpticalFlowFarneback(a, b, None, 0.5, 3, 9, 3, 5, 1.1, 0)
    q = a_pts * s - np.array([x0 * s, y0 * s])

    def at(idx: list[int]) -> np.ndarray:
        xs = np.clip(q[idx, 0].astype(int), 0, w - 1)
        ys = np.clip(q[idx, 1].astype(int), 0, h - 1)
        return fl[ys, xs].mean(0)

    ref = at(REF)
    return {n: at(idx) - ref for n, idx in ROIS.items()}


def extract_one(job: tuple[str, str, str]) -> str:
    import av
    import cv2
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    name, path, out = job
    dst = os.path.join(out, name + ".parquet")
    if os.path.exists(dst):
        return name
    opts = vision.FaceLandmarkerOptions(base_options=BaseOptions(model_asset_path=MODEL),
                                        running_mode=vision.RunningMode.VIDEO, num_faces=1,
                                        output_face_blendshapes=True)
    lm = vision.FaceLandmarker.create_from_options(opts)
    hist: collections.deque = collections.deque()
    rows = []
    with av.open(path) as c:
        for f in c.decode(video=0):
            t = float(f.pts * f.time_base)
            rgb = np.ascontiguousarray(f.to_ndarray(format="rgb24"))
            r = lm.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), int(round(t * 1000)))
            row: dict = {"time_s": t}
            if r.face_landmarks:
                hh, ww = rgb.shape[:2]
                pts = np.array([(p.x * ww, p.y * hh) for p in r.face_landmarks[0]])
                grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
                for c in r.face_blendshapes[0]:  # the face model's own 52 outputs (bench/au_ceiling.py --learned)
                    row[f"bs_{c.category_name}"] = float(c.score)
                for sc, d in SCALES.items():
                    prev = [x for x in hist if x[0] <= t - d + 0.01]  # the newest frame at least d earlier
                    if prev and t - prev[-1][0] <= d + 0.1:
                        for n, v in flow_at_regions(prev[-1][1], prev[-1][2], grey).items():
                            row[f"fl{sc}_{n}_x"], row[f"fl{sc}_{n}_y"] = float(v[0]), float(v[1])
                hist.append((t, grey, pts))
            while hist and hist[0][0] < t - 0.5:
                hist.popleft()
            rows.append(row)
    pd.DataFrame(rows).to_parquet(dst)
    return name


def auc(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    a = a[~np.isnan(a)]
    return float(np.mean((a[:, None] > b[None, :]) + 0.5 * (a[:, None] == b[None, :])))


def score(flow_dir: Path, seed: int) -> None:
    recs, bg = [], {"au": [], "S": [], "L": []}
    for f in sorted(glob.glob(str(flow_dir / f"v2_*_s{seed}.parquet"))):
        name = os.path.basename(f)[3:-8]
        fl = pd.read_parquet(f)
        sig = pd.read_parquet(V2 / "signals" / f"{name}.parquet")
        tr = pd.read_csv(V2 / "clips" / f"{name}.csv")
        t = fl.time_s.to_numpy()
        e = {}
        for sc in SCALES:
            m = np.stack([np.hypot(fl[f"fl{sc}_{r}_x"], fl[f"fl{sc}_{r}_y"]) for r in SCORED], 1)
            with warnings.catch_warnings():  # frames without a face (or before the earlier frame) are NaN rows
                warnings.simplefilter("ignore", RuntimeWarning)
                e[sc] = np.nanmax(m / np.nanquantile(m, 0.9, axis=0), 1)
        d = sig.set_index("time_s")[[a for a in AUS if a in sig.columns]]
        rise = (d - d.rolling(75, min_periods=10).median().shift(3)).clip(lower=0)
        ea = (rise / rise.quantile(0.9).clip(lower=0.02)).max(axis=1)
        e["au"] = np.interp(t, ea.index.to_numpy(), ea.to_numpy())
        near = np.zeros(len(t), bool)
        for x in tr.to_dict("records"):
            w = (t >= x["onset_s"]) & (t <= x["offset_s"] + 0.1)
            near |= (t >= x["onset_s"] - 0.3) & (t <= x["offset_s"] + 0.4)
            recs.append({"bin": x["bin"], "kind": x["inj_kind"],
                         **{k: np.nanmax(v[w]) if w.any() else np.nan for k, v in e.items()}})
        rng = np.random.default_rng(0)
        for _ in range(200):
            s0 = rng.uniform(8, t.max() - 0.5)
            w = (t >= s0) & (t <= s0 + 0.3)
            if w.any() and not near[w].any():
                for k, v in e.items():
                    bg[k].append(np.nanmax(v[w]))
    df = pd.DataFrame(recs)
    print(f"{len(df)} injected episodes, {len(bg['au'])} background windows (seed {seed})")
    for k, label in (("au", "AU rise"), ("S", "flow 80 ms"), ("L", "flow 300 ms")):
        print(f"{label:12s} AUC {auc(df[k], bg[k]):.3f}  by bin "
              + " ".join(f"{b} {auc(g[k], bg[k]):.2f}" for b, g in df.groupby("bin"))
              + "  by kind " + " ".join(f"{b} {auc(g[k], bg[k]):.2f}" for b, g in df.groupby("kind")))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    ex = sub.add_parser("extract")
    ex.add_argument("--clips", type=Path, required=True)
    ex.add_argument("--out", type=Path, required=True)
    sc = sub.add_parser("score")
    sc.add_argument("--flow", type=Path, required=True)
    sc.add_argument("--seed", type=int, default=10)
    a = ap.parse_args()
    if a.cmd == "extract":
        a.out.mkdir(parents=True, exist_ok=True)
        jobs = [(ln.split()[0], ln.split()[1], str(a.out)) for ln in a.clips.read_text().splitlines() if ln.strip()]
        with Pool(2) as p:
            for n in p.imap_unordered(extract_one, jobs):
                print(n, file=sys.stderr, flush=True)
    else:
        score(a.flow, a.seed)


if __name__ == "__main__":
    main()
