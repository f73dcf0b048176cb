"""How far could any still-image classifier over microcue's face signals go? A ceiling, not a model (diagnostic).

    python bench/still_ceiling.py --quick        # linear learners only, no landmark coordinates (~1 min)
    python bench/still_ceiling.py                # every learner and feature set (~45 min on 2 cores)
    python bench/still_ceiling.py --json bench/out/still_ceiling.json

Issue 2 asks for a mean per-class recall of 0.80 on the Taiwanese set (leave-one-performer-out) and 0.65 on JAFFE.
The shipped still-image model (the AU calibration stacked with the expression CNN, bench/accuracy.py) reaches 0.671
and 0.504. This script asks whether the signals themselves allow more, with learners that are given far more room
than the shipped model may have (the brief allows an interpretable model of a few hundred numbers over action
units; these have up to ~10,000):

**Part 1, Taiwanese.** Every feature set below, every learner below, leave-one-performer-out (each of the 29
performers scored by a model fitted on the other 28), mean per-class recall over the 7 classes. The best of the
grid is picked *by that same score*, so it is optimistic: an upper bound for what these learners make of these
signals, not a result.

Feature blocks (all from the images alone; no personal neutral, no other photo of the same person):

- ``au``: microcue's 40 raw AU columns (`compute_aus_batch`);
- ``bs``: the face model's 52 blendshapes;
- ``geo``: the 29 named pose-free geometric measures the AUs are read from (`geometry_features`);
- ``lm``: all 478 pose-free landmarks (1,434 coordinates, `canonical_landmarks`);
- ``cnn``: the vendored expression CNN's 7 log-probabilities (not trained here);
- ``net``: face-api.js's expression net's 7 log-probabilities, only where its cache ``bench/out/net_*.npz`` exists
  (made with bench/FACEAPI.patch applied; not shipped, its training data is not known).

Learners (scikit-learn, each in a pipeline with standardisation): class-balanced multinomial logistic regression
(C 0.01 / 0.03 / 0.3), an RBF support-vector machine (C 1 / 10), gradient-boosted trees (HistGradientBoosting, 200
rounds; not on ``lm``), a one-hidden-layer perceptron (64 units, alpha 1 / 10).

**Part 2, two populations.** The same kind of learner (logistic regression) fitted on the Taiwanese set and scored
on JAFFE; fitted on JAFFE alone, leave-one-woman-out (10 women); and fitted on both, with JAFFE's rows weighted 1, 6
or 18 (18 ~ both sets weigh the same), scored leave-one-woman-out on JAFFE and leave-one-performer-out on the
Taiwanese set. It shows whether one model can serve both posed populations, and what fitting on JAFFE would buy.
microcue does not fit on JAFFE (data/README.md gives it as "accuracy on a second population").

Inputs are the caches of bench/accuracy.py (``bench/out/raw_*.npz``, ``cnn_*.npz``; made on its first run).
Needs scikit-learn (a dev dependency: ``pip install -e ".[dev]"``). Results: docs/benchmarks.md, "Still images:
how far the signals go".
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import accuracy as acc  # noqa: E402  (bench/accuracy.py: caches, labels, mean per-class recall)

OUT = acc.OUT
FEATURE_SETS = {
    "au": ("au",),
    "au+bs": ("au", "bs"),
    "au+bs+geo": ("au", "bs", "geo"),
    "lm": ("lm",),
    "au+cnn": ("au", "cnn"),
    "au+bs+geo+cnn": ("au", "bs", "geo", "cnn"),
    "au+bs+geo+cnn+net": ("au", "bs", "geo", "cnn", "net"),
    "all": ("au", "bs", "geo", "lm", "cnn", "net"),
}
QUICK_SETS = ("au", "au+bs", "au+bs+geo", "au+cnn", "au+bs+geo+cnn", "au+bs+geo+cnn+net")
POOL_SETS = ("au+cnn", "au+bs+geo+cnn+net")
JAFFE_WEIGHTS = (1, 6, 18)


def learners(quick: bool) -> dict[str, object]:
    """name -> a function making a fresh scikit-learn classifier."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    def lr(c: float):
        return lambda: make_pipeline(StandardScaler(),
                                     LogisticRegression(C=c, max_iter=5000, class_weight="balanced"))

    out = {f"logistic C={c}": lr(c) for c in (0.01, 0.03, 0.3)}
    if quick:
        return out
    for c in (1, 10):
        out[f"RBF SVM C={c}"] = (lambda c=c: make_pipeline(StandardScaler(), SVC(C=c, class_weight="balanced")))
    out["boosted trees"] = lambda: HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05,
                                                                  class_weight="balanced", random_state=0)
    for a in (1.0, 10.0):
        out[f"MLP 64 alpha={a:g}"] = (lambda a=a: make_pipeline(
            StandardScaler(), MLPClassifier((64,), alpha=a, max_iter=2000, random_state=0)))
    return out


def blocks(name: str) -> dict[str, np.ndarray]:
    """The feature blocks of one image set (``name``: taiwanese or jaffe), rows in labels.csv order."""
    from microcue.signals.aus import canonical_landmarks, geometry_features

    d = acc.cache_raw(name)
    if not d["found"].all():
        raise SystemExit(f"{name}: {int((~d['found']).sum())} images without a face; this check assumes none")
    size = tuple(int(v) for v in d["size"][0])
    if not np.all(d["size"] == d["size"][0]):
        raise SystemExit(f"{name}: images of different sizes; this check assumes one")
    canon = canonical_landmarks(d["lms"], d["tf"], frame_size=size)
    geo = geometry_features(canon)
    out = {"au": acc.raw_aus(d), "bs": d["bs"], "geo": np.stack([geo[k] for k in sorted(geo)], 1),
           "lm": canon.reshape(len(canon), -1),
           "cnn": np.log(np.clip(acc.cache_cnn(name), 1e-6, 1.0))}
    net = OUT / f"net_{name}.npz"
    if net.exists():
        out["net"] = np.log(np.clip(np.load(net)["p"], 1e-6, 1.0))
    out["y"] = np.array([acc.CLASSES7.index(c) for c in d["labels"]])
    # both sets' file names start with the person: performer (Taiwanese), woman (JAFFE, e.g. KA.AN2.40.jpg)
    out["group"] = np.array([acc.performer_of(str(p)) for p in d["paths"]])
    return out


def stack(b: dict[str, np.ndarray], keys: tuple[str, ...]) -> np.ndarray:
    return np.hstack([b[k] for k in keys])


def leave_group_out(x: np.ndarray, y: np.ndarray, groups: np.ndarray, make, *, own_weight: float = 1.0,
                    extra: tuple[np.ndarray, np.ndarray, float] | None = None) -> np.ndarray:
    """Predictions for every row by a model fitted without its group; ``extra`` = (x, y, weight) rows always added
    to the fit (another population); the set's own rows weigh ``own_weight``."""
    pred = np.zeros(len(y), int)
    for g in np.unique(groups):
        te = groups == g
        xf, yf, wf = x[~te], y[~te], np.full(int((~te).sum()), own_weight)
        if extra is not None:
            xf, yf = np.vstack([xf, extra[0]]), np.concatenate([yf, extra[1]])
            wf = np.concatenate([wf, np.full(len(extra[1]), extra[2])])
        pred[te] = fit(make, xf, yf, wf).predict(x[te])
    return pred


def fit(make, x: np.ndarray, y: np.ndarray, w: np.ndarray | None = None):
    m = make()
    if w is None or np.all(w == 1.0):
        return m.fit(x, y)
    last = m.steps[-1][0] if hasattr(m, "steps") else None
    return m.fit(x, y, **({f"{last}__sample_weight": w} if last else {"sample_weight": w}))


def recall(y: np.ndarray, pred: np.ndarray) -> float:
    return round(acc.mean_recall(y, pred), 3)


def per_class(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    return {c: round(float(np.mean(pred[y == i] == i)), 2) for i, c in enumerate(acc.CLASSES7) if (y == i).any()}


def part1(tw: dict[str, np.ndarray], quick: bool) -> dict:
    rows, best, grid = [], None, learners(quick)
    for set_name, keys in FEATURE_SETS.items():
        if (quick and set_name not in QUICK_SETS) or not all(k in tw for k in keys):
            continue
        x = stack(tw, keys)
        for learner, make in grid.items():
            if "lm" in keys and learner == "boosted trees":
                continue  # 1,434 columns: too slow here, and the linear rows say enough
            t0 = time.time()
            pred = leave_group_out(x, tw["y"], tw["group"], make)
            row = {"features": set_name, "n_features": x.shape[1], "learner": learner,
                   "mean_recall": recall(tw["y"], pred), "seconds": round(time.time() - t0, 1)}
            rows.append(row)
            print(f"  {set_name:18s} ({x.shape[1]:4d}) {learner:18s} {row['mean_recall']:.3f}  "
                  f"({row['seconds']:.0f} s)", file=sys.stderr, flush=True)
            if best is None or row["mean_recall"] > best[0]["mean_recall"]:
                best = (row, pred)
    return {"rows": rows, "best": best[0], "best_per_class": per_class(tw["y"], best[1])}


def part2(tw: dict[str, np.ndarray], jf: dict[str, np.ndarray]) -> list[dict]:
    make = learners(True)["logistic C=0.01"]
    out = []
    for set_name in POOL_SETS:
        keys = FEATURE_SETS[set_name]
        if not all(k in tw and k in jf for k in keys):
            continue
        xt, xj = stack(tw, keys), stack(jf, keys)
        row = {"features": set_name, "learner": "logistic C=0.01",
               "taiwanese_fit_on_jaffe": recall(jf["y"], fit(make, xt, tw["y"]).predict(xj)),
               "jaffe_alone_lowo": recall(jf["y"], leave_group_out(xj, jf["y"], jf["group"], make)),
               "jaffe_fit_on_taiwanese": recall(tw["y"], fit(make, xj, jf["y"]).predict(xt)),
               "pooled": {}}
        for w in JAFFE_WEIGHTS:
            # JAFFE rows weigh w, Taiwanese rows 1, in both directions
            pj = leave_group_out(xj, jf["y"], jf["group"], make, own_weight=float(w), extra=(xt, tw["y"], 1.0))
            pt = leave_group_out(xt, tw["y"], tw["group"], make, extra=(xj, jf["y"], float(w)))
            row["pooled"][w] = {"jaffe_lowo": recall(jf["y"], pj), "taiwanese_lopo": recall(tw["y"], pt)}
        out.append(row)
        print(f"  {set_name}: {row}", file=sys.stderr, flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="logistic regression only, no landmark coordinates")
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = ap.parse_args(argv)
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("still_ceiling needs scikit-learn: pip install -e \".[dev]\"", file=sys.stderr)
        return 1
    if not all(p.exists() for p in (acc.SETS["taiwanese"], acc.SETS["jaffe"])):
        print(f"data not found under {acc.DATA}", file=sys.stderr)
        return 1
    warnings.filterwarnings("ignore")  # convergence chatter of the larger fits; the scores are what count
    tw, jf = blocks("taiwanese"), blocks("jaffe")
    print("part 1: Taiwanese, leave-one-performer-out", file=sys.stderr)
    p1 = part1(tw, args.quick)
    print("part 2: two populations", file=sys.stderr)
    p2 = part2(tw, jf)
    result = {"taiwanese": p1, "populations": p2, "net_available": "net" in tw}
    b = p1["best"]
    print(f"\nTaiwanese, best of {len(p1['rows'])} (chosen on this score, optimistic): {b['mean_recall']:.3f} "
          f"({b['features']}, {b['learner']}); per class {p1['best_per_class']}")
    print("target 0.80; shipped still-image model 0.671 (nested); human raters' vote 0.773")
    for r in p2:
        pooled = ", ".join(f"JAFFE weight {w}: JAFFE {v['jaffe_lowo']:.3f} / Taiwanese {v['taiwanese_lopo']:.3f}"
                           for w, v in r["pooled"].items())
        print(f"{r['features']}: Taiwanese fit -> JAFFE {r['taiwanese_fit_on_jaffe']:.3f}; JAFFE alone (LOWO) "
              f"{r['jaffe_alone_lowo']:.3f}; JAFFE fit -> Taiwanese {r['jaffe_fit_on_taiwanese']:.3f}; {pooled}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
