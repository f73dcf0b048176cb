"""Diagnostic (issue 2): do hand-crafted wrinkle / texture measures add to the AU-delta emotion model on photos?

    PYTHONPATH=src:bench .venv/bin/python bench/texture.py            # texture cache + nested LOPO (a) vs (b)
    PYTHONPATH=src:bench .venv/bin/python bench/texture.py --refresh  # recompute the texture cache

Declared before the first fit in bench/TEXTURE_DECLARED.md (measures, learner, keep rule). Needs the landmarker cache
bench/out/raw_taiwanese.npz of bench/accuracy.py; writes bench/out/texture_taiwanese.npz and
bench/out/texture_lopo.json. JAFFE is not scored here.

Each measure is a mean oriented-gradient energy of log(1 + grey) in a landmark-anchored rectangle of the face aligned
on the eye line (eye centres 64 px apart, horizontal): the log cancels multiplicative lighting, the alignment face
size and roll. ``(a)`` is the shipped v3 learner and nested recipe on the 46 AU-delta features; ``(b)`` the same
with the 7 texture deltas (against the same still-image neutral quantile) appended, prior weight 0.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter

import accuracy as acc
import numpy as np

from microcue.evaluation.images import PREPARATIONS, load_rgb, prepare_image
from microcue.signals.baseline import relative_to_neutral
from microcue.signals.emotions import EMOTIONS, FEATURES, features

IOD_PX = 64.0
CANVAS = 256
EYE_MID = (128.0, 100.0)
TEXTURE_NAMES = ("tx09_noseroot", "tx04_glabella", "tx06_crowsfeet", "tx10_nasolabial", "tx01_forehead",
                 "tx17_chin", "tx15_corner")
_EYE_R, _EYE_L = (33, 133), (263, 362)


def _align(grey: np.ndarray, px: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Warp so the eye centres lie on a horizontal line ``IOD_PX`` apart -> (aligned image, landmarks in it)."""
    import cv2

    er, el = px[list(_EYE_R)].mean(0), px[list(_EYE_L)].mean(0)
    left, right = (er, el) if er[0] <= el[0] else (el, er)
    v = right - left
    s = IOD_PX / max(np.hypot(*v), 1e-6)
    c, sn = s * v[0] / np.hypot(*v), s * v[1] / np.hypot(*v)
    rot = np.array([[c, sn], [-sn, c]])
    mid = (left + right) / 2
    t = np.array(EYE_MID) - rot @ mid
    m = np.hstack([rot, t[:, None]])
    out = cv2.warpAffine(grey, m, (CANVAS, CANVAS), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return out, px @ rot.T + t


def texture_measures(rgb: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """``(len(TEXTURE_NAMES),)`` texture measures of the face whose 478 normalised landmarks are ``landmarks``
    (normalised to ``rgb``, the image the landmarker saw)."""
    import cv2

    h, w = rgb.shape[:2]
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    aligned, p = _align(grey, landmarks[:, :2] * (w, h))
    g = cv2.GaussianBlur(np.log1p(aligned), (0, 0), 1.0)
    gx, gy = np.abs(cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3)) / 8, np.abs(cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)) / 8
    mag = np.hypot(gx, gy)
    out_r = -1.0 if p[33, 0] < p[263, 0] else 1.0  # image-x direction away from the face for the subject's right

    def box(img: np.ndarray, centre: np.ndarray, size: tuple[float, float]) -> float:
        hw, hh = size[0] * IOD_PX / 2, size[1] * IOD_PX / 2
        x0, x1 = int(round(max(centre[0] - hw, 0))), int(round(min(centre[0] + hw, CANVAS)))
        y0, y1 = int(round(max(centre[1] - hh, 0))), int(round(min(centre[1] + hh, CANVAS)))
        return float(img[y0:y1, x0:x1].mean()) if x1 > x0 and y1 > y0 else float("nan")

    d = IOD_PX
    lr = ((33, 129, 61, out_r), (263, 358, 291, -out_r))
    return np.array([
        box(gy, (p[168] + p[6]) / 2, (0.45, 0.35)),
        box(gx, p[9], (0.40, 0.35)),
        np.mean([box(mag, p[eye] + (0.12 * d * o, 0), (0.20, 0.30)) for eye, _, _, o in lr]),
        np.mean([box(mag, (p[ala] + p[cor]) / 2 + (0.1 * d * o, 0), (0.30, 0.40)) for _, ala, cor, o in lr]),
        box(gy, p[151] + (0, -0.1 * d), (0.80, 0.30)),
        box(mag, (p[17] + p[152]) / 2, (0.50, 0.30)),
        np.mean([box(mag, p[cor] + (0, 0.15 * d), (0.25, 0.25)) for _, _, cor, _ in lr]),
    ])


def cache_texture(name: str, raw: dict[str, np.ndarray], *, refresh: bool = False) -> np.ndarray:
    """``(N, len(TEXTURE_NAMES))`` texture of every image of a set (NaN rows where no face), cached."""
    path = acc.OUT / f"texture_{name}.npz"
    if path.exists() and not refresh:
        d = np.load(path)
        if list(d["paths"]) == list(raw["paths"]):
            return d["tx"]
    tx = np.full((len(raw["paths"]), len(TEXTURE_NAMES)), np.nan)
    t0 = time.time()
    for i in np.flatnonzero(raw["found"]):
        img = load_rgb(raw["paths"][i])
        size = tuple(int(v) for v in raw["size"][i])
        # the landmarks are normalised to the prepared image: rebuild the first preparation of that size
        for kw in PREPARATIONS:
            prep = prepare_image(img, **kw)
            if prep.shape[1::-1] == size:
                break
        else:
            continue
        tx[i] = texture_measures(prep, raw["lms"][i])
    print(f"{name}: texture of {len(tx)} images in {time.time() - t0:.1f} s", file=sys.stderr)
    np.savez_compressed(path, tx=tx, paths=raw["paths"], names=np.array(TEXTURE_NAMES))
    return tx


class ExtModel:
    """The v3 emotion model (8 classes) plus a linear texture term per class (contempt: none)."""

    def __init__(self, m: acc.EmotionModel, wt: np.ndarray) -> None:
        self.m, self.wt = m, wt

    def logits(self, d_au: np.ndarray, d_tx: np.ndarray) -> np.ndarray:
        return self.m.logits(d_au) + d_tx @ self.wt.T


def fit_ext(aus: np.ndarray, tx: np.ndarray, y: np.ndarray, neu: np.ndarray, neu_tx: np.ndarray, *,
            l2: float) -> ExtModel:
    """``acc.fit_calibration`` (v3 recipe) with the texture deltas appended as free columns (prior 0)."""
    ok = ~np.isnan(aus).any(1) & ~np.isnan(tx).any(1)
    aus, tx, y = aus[ok], tx[ok], y[ok]
    fixed = np.array([f in acc.RULE_FEATURES or f in acc.EXCLUDED or f in acc.FEAR_GATED for f in FEATURES])
    w_rule = np.array([[acc.RULE_WEIGHTS.get(c, {}).get(f, 0.0) for f in FEATURES] for c in acc.CLASSES7])
    x_all = features(relative_to_neutral(aus, neu))
    d_tx = relative_to_neutral(tx, neu_tx)
    sd = np.concatenate([x_all[:, ~fixed].std(0) + 1e-3, d_tx.std(0) + 1e-6])
    x = np.hstack([x_all[:, ~fixed], d_tx])
    w0 = np.hstack([acc.prototype_weights()[:, ~fixed], np.zeros((len(acc.CLASSES7), tx.shape[1]))]) * sd
    w0 -= w0[acc.CLASSES7.index("neutral")]
    ws, b7 = acc.fit_lr(x / sd, y, l2=l2, prior=w0, offset=x_all @ w_rule.T)
    ws = ws / sd
    nf = int((~fixed).sum())
    w7 = w_rule.copy()
    w7[:, ~fixed] = ws[:, :nf]
    wt7 = ws[:, nf:] - ws[acc.CLASSES7.index("neutral"), nf:]
    wt = np.zeros((len(EMOTIONS), tx.shape[1]))
    for i, c in enumerate(acc.CLASSES7):
        wt[EMOTIONS.index(c)] = wt7[i]
    return ExtModel(acc.lr_model(w7, b7), wt)


def _logits(m: ExtModel, aus: np.ndarray, tx: np.ndarray, ref: np.ndarray, ref_tx: np.ndarray) -> np.ndarray:
    return m.logits(relative_to_neutral(aus, ref), relative_to_neutral(tx, ref_tx))


def select_recipe(aus: np.ndarray, tx: np.ndarray, y: np.ndarray, groups: np.ndarray, is_neu: np.ndarray
                  ) -> tuple[float, float]:
    """``acc.select_recipe`` (v3 objective) for the extended model."""
    ids = np.unique(groups)
    folds = [ids[i::acc.INNER_FOLDS] for i in range(acc.INNER_FOLDS)]
    keys = [(l2, q) for l2 in acc.L2_GRID for q in acc.STILL_Q_GRID]
    pred = {k: np.full(len(y), -1) for k in keys}
    idx = [EMOTIONS.index(c) for c in acc.CLASSES7]
    for f in folds:
        te = np.isin(groups, f)
        neu, neu_tx = np.median(aus[is_neu & ~te], 0), np.median(tx[is_neu & ~te], 0)
        for l2 in acc.L2_GRID:
            m = fit_ext(aus[~te], tx[~te], y[~te], neu, neu_tx, l2=l2)
            for q in acc.STILL_Q_GRID:
                ref, ref_tx = np.quantile(aus[is_neu & ~te], q, 0), np.quantile(tx[is_neu & ~te], q, 0)
                pred[(l2, q)][te] = _logits(m, aus[te], tx[te], ref, ref_tx)[:, idx].argmax(1)
    scores = {k: acc.mean_recall(y, v) for k, v in pred.items()}
    best = max(scores, key=lambda k: (round(scores[k], 4), k[0], -k[1]))
    return best[0], best[1]


def nested_lopo(aus: np.ndarray, tx: np.ndarray, y: np.ndarray, perf: np.ndarray, is_neu: np.ndarray,
                own: list[str] | None = None) -> tuple[list[str], Counter]:
    """Nested leave-one-performer-out predictions (as bench/accuracy.py's calibrated(lopo)); ``own`` (a list of
    len(y)) is filled with the same fold models' predictions against each performer's own neutral."""
    pred = [""] * len(y)
    chosen: Counter = Counter()
    for pp in np.unique(perf):
        te = perf == pp
        l2, q = select_recipe(aus[~te], tx[~te], y[~te], perf[~te], is_neu[~te])
        chosen[(l2, q)] += 1
        m = fit_ext(aus[~te], tx[~te], y[~te], np.median(aus[is_neu & ~te], 0), np.median(tx[is_neu & ~te], 0),
                    l2=l2)
        ref, ref_tx = np.quantile(aus[is_neu & ~te], q, 0), np.quantile(tx[is_neu & ~te], q, 0)
        z = _logits(m, aus[te], tx[te], ref, ref_tx)
        for i, k in zip(np.flatnonzero(te), z.argmax(1)):
            pred[i] = EMOTIONS[k]
            if own is not None:  # the same fold model against the performer's own neutral (their other neutrals)
                o = is_neu & te
                o[i] = False
                r_au, r_tx = (np.median(aus[o], 0), np.median(tx[o], 0)) if o.any() else (ref, ref_tx)
                own[i] = EMOTIONS[int(_logits(m, aus[i:i + 1], tx[i:i + 1], r_au, r_tx)[0].argmax())]
    return pred, chosen


def diagnostics(raw: dict, aus: np.ndarray, tx: np.ndarray, y: np.ndarray, perf: np.ndarray, is_neu: np.ndarray
                ) -> dict:
    """Post-hoc (after the declared comparison): does the texture carry class information at all?

    1. the unconstrained LR of ``accuracy.py --diagnostics`` (raw pose-free geometry + 52 blendshapes, signed deltas
       over the fold's median neutral; LOPO, not nested) with and without the 7 texture measures;
    2. per measure, each photo's change from its own performer's median neutral in units of the spread of the
       neutral photos around their own performer's median (within-person noise), median per class; and the same
       change in units of the spread of the performers' neutral medians (between-person spread: what a still
       image, which has no personal neutral, must overcome).
    """
    from microcue.evaluation.images import score_predictions
    from microcue.signals.aus import canonical_landmarks, geometry_features

    out: dict = {}
    geo = geometry_features(canonical_landmarks(raw["lms"], raw["tf"], frame_size=(512, 512)))
    rich = np.hstack([np.stack([geo[k] for k in sorted(geo)], 1), raw["bs"]])
    labels = [acc.CLASSES7[i] for i in y]
    for name, x in (("lr-rich", rich), ("lr-rich + texture", np.hstack([rich, tx]))):
        pred = np.zeros(len(y), int)
        for pp in np.unique(perf):
            te = perf == pp
            xd = x - np.median(x[is_neu & ~te], 0)
            sd = xd[~te].std(0) + 1e-6
            w, b = acc.fit_lr(xd[~te] / sd, y[~te])
            pred[te] = np.argmax((xd[te] / sd) @ w.T + b, 1)
        r = score_predictions(labels, [acc.CLASSES7[i] for i in pred], labels=acc.CLASSES7)
        out[f"taiwanese/{name} (lopo, diagnostic)"] = r
        print(f"{name} (LOPO, not nested): mean per-class recall {r['mean_per_class_recall']:.3f}  "
              + " ".join(f"{c} {v:.2f}" for c, v in r["per_class_recall"].items()))
    own = np.vstack([np.median(tx[is_neu & (perf == p)], 0) for p in perf])
    meds = np.vstack([np.median(tx[is_neu & (perf == p)], 0) for p in np.unique(perf)])
    within = np.std((tx - own)[is_neu], 0)
    between = meds.std(0)
    print("\nchange from own neutral, per-class median in within-person sd (in between-person sd):")
    print(f"{'':16s}" + "".join(f"{c[:6]:>14s}" for c in acc.CLASSES7))
    eff = {}
    for j, n in enumerate(TEXTURE_NAMES):
        d = tx[:, j] - own[:, j]
        eff[n] = {c: round(float(np.median(d[y == k])), 5) for k, c in enumerate(acc.CLASSES7)}
        print(f"{n:16s}" + "".join(f"{np.median(d[y == k]) / within[j]:7.2f} ({np.median(d[y == k]) / between[j]:4.2f})"
                                   for k in range(len(acc.CLASSES7))))
    print("within-person neutral sd: " + ", ".join(f"{v:.4f}" for v in within)
          + "\nbetween-person neutral sd: " + ", ".join(f"{v:.4f}" for v in between))
    out["texture change from own neutral (median per class)"] = eff
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--refresh", action="store_true", help="recompute the texture cache")
    ap.add_argument("--only", choices=("a", "b"), default=None, help="run one arm only")
    ap.add_argument("--diagnostics", action="store_true",
                    help="post-hoc: own-neutral arms, the raw-geometry LR with texture, per-measure effect sizes")
    args = ap.parse_args(argv)
    raw = acc.cache_raw("taiwanese")
    aus = acc.raw_aus(raw)
    tx = cache_texture("taiwanese", raw, refresh=args.refresh)
    labels = list(raw["labels"])
    y = np.array([acc.CLASSES7.index(c) for c in labels])
    perf = np.array([acc.performer_of(p) for p in raw["paths"]])
    is_neu = (y == acc.CLASSES7.index("neutral")) & ~np.isnan(aus).any(1) & ~np.isnan(tx).any(1)
    print(f"texture: {int(np.isnan(tx).any(1).sum())} images without texture; neutral medians "
          + ", ".join(f"{n}={v:.4f}" for n, v in zip(TEXTURE_NAMES, np.median(tx[is_neu], 0))), file=sys.stderr)
    arms = {"a": ("(a) 46 AU-delta features (v3)", tx[:, :0]),
            "b": ("(b) + 7 texture deltas", tx)}
    results = {}
    from microcue.evaluation.images import format_report, score_predictions

    for key, (name, t) in arms.items():
        if args.only and key != args.only:
            continue
        t0 = time.time()
        own = [""] * len(y) if args.diagnostics else None
        pred, chosen = nested_lopo(aus, t, y, perf, is_neu, own)
        r = score_predictions(labels, pred, labels=acc.CLASSES7)
        r["recipes_chosen"] = {f"{k[0]}/{k[1]}": v for k, v in chosen.items()}
        results[name] = r
        print(f"\n=== Taiwanese nested LOPO, {name} ({time.time() - t0:.0f} s); recipes {dict(chosen)}\n"
              f"{format_report(r)}")
        if own is not None:
            results[name + ", own neutral (diagnostic)"] = r = score_predictions(labels, own, labels=acc.CLASSES7)
            print(f"\n=== same fold models, each performer's own neutral, {name}\n{format_report(r)}")
    if args.diagnostics:
        results.update(diagnostics(raw, aus, tx, y, perf, is_neu))
    (acc.OUT / "texture_lopo.json").write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
