"""Emotion accuracy on the Taiwanese set (leave-performer-out) and JAFFE (held out entirely).

    .venv/bin/python bench/accuracy.py                 # uses cached landmarker outputs in bench/out/
    .venv/bin/python bench/accuracy.py --refresh       # re-run the landmarker on the images first
    .venv/bin/python bench/accuracy.py --write-calibration   # regenerate src/microcue/models/emotion_calibration.json
    .venv/bin/python bench/accuracy.py --recipe v3 --no-jaffe --fast --noisy   # compare recipes (no JAFFE look)

Landmarker outputs (blendshapes, landmarks, transform) are cached in bench/out/raw_<set>.npz so AU formulas can
change without re-running MediaPipe. Results go to stdout and bench/out/accuracy.json.

Scored:
  calibrated(lopo)  the shipped method (fit_calibration: prototype-regularised logistic regression over AU-delta
                    features) refitted for each held-out performer on the other 28, with the population neutral
                    of those 28 (nothing about the held-out performer is used);
  jaffe/shipped     the shipped calibration (fitted on all Taiwanese images) with the Taiwanese population
                    neutral; JAFFE is never used for fitting or tuning;
  fused / stacking  still images as `eval images` reads them since the eleventh session: the AU model fused with the
                    vendored expression CNN (CNN probabilities cached in bench/out/cnn_<set>.npz), with one weight
                    (select_cnn_weight, bench/CNN_FUSION_DECLARED.md) and with the shipped per-class weights
                    (fit_stack on out-of-fold probabilities, bench/STACK_DECLARED.md), nested like the rest;
  hand prototypes   the previous hand-set FACS prototype weights, for comparison.
  weak probes       the same nested fold models on each held-out photo moved to WEAK_TEST (0.5) of its change from
                    its performer's own neutral (a subtle version of the same expression; neutrals unchanged).
  noisy (--noisy)   robustness smoke on the in-the-wild set (labels unreliable; never fitted or chosen on).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from microcue.evaluation.images import ImageLandmarker, load_rgb, read_labels, score_predictions
from microcue.signals.aus import AU_NAMES, compute_aus_batch
from microcue.signals.baseline import relative_to_neutral
from microcue.signals.emotions import EMOTIONS, FEATURES, EmotionModel, features, fuse_cnn

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
DATA = HERE.parents[1] / "shared" / "data"
SETS = {
    "taiwanese": DATA / "lai-wei-cheng__b12207073" / "labels.csv",
    "jaffe": DATA / "muxspace__facial_expressions" / "labels.csv",
    "noisy": DATA / "muxspace__facial_expressions" / "labels_noisy_legend.csv",
}
CAL_PATH = HERE.parent / "src" / "microcue" / "models" / "emotion_calibration.json"
CLASSES7 = ("neutral", "anger", "disgust", "fear", "happiness", "sadness", "surprise")

# Hand-set FACS/EMFACS prototype weights (see docs/model-card-emotion.md). Inputs are AU deltas over the
# neutral (0..1). Neutral is the reference class (bias 0, no weights).
HAND_WEIGHTS: dict[str, dict[str, float]] = {
    "happiness": {"au12": 7.0, "au06": 2.0, "au25": 0.5, "au04": -2.0, "au15": -3.0},
    "sadness": {"au01": 2.0, "au04": 2.0, "au07": 3.0, "au15": 4.0, "au17": 2.0, "au20": 4.0, "au45": 4.0,
                "au12": -4.0, "au10": -3.0, "au09": -2.0, "au05": -2.0, "au25": -2.0},
    "surprise": {"au01": 3.0, "au02": 3.0, "au05": 4.0, "au26": 3.0, "au25": 2.0, "au04": -3.0, "au07": -2.0,
                 "au20": -2.0},
    "fear": {"au01": 2.0, "au02": 1.0, "au04": 2.0, "au05": 2.0, "au14": 2.0, "au20": 4.0, "au25": 2.5,
             "au26": -1.0, "au12": -2.0},
    "anger": {"au04": 4.0, "au05": 2.0, "au09": 3.0, "au17": 2.0, "au23": 5.0, "au24": 3.0, "au12": -3.0,
              "au01": -2.0, "au06": -2.0, "au07": -1.0, "au45": -3.0},
    "disgust": {"au04": 3.0, "au06": 1.0, "au07": 2.0, "au09": 3.0, "au10": 5.0, "au15": 2.0, "au12": -6.0,
                "au20": -2.0},
    "contempt": {"asym12": 10.0, "asym14": 8.0, "au12": -2.0},
}
# FACS/EMFACS prototypes of the added features (the prior the calibration is pulled toward).
PROTO_EXTRA: dict[str, dict[str, float]] = {
    "happiness": {"au06*au12": 4.0, "au01*au12": -4.0},
    "sadness": {"au01*au04": 4.0, "au15*au17": 4.0, "au01*au12": 4.0, "au43": 2.0},
    "surprise": {"au01*au02": 4.0, "au05*au26": 4.0, "au27": 2.0},
    "fear": {"au01*au04": 3.0, "au20*au25": 4.0, "au01*au02": 2.0},
    "anger": {"au04*au07": 4.0, "au04g": 2.0, "au07g": 2.0, "au04m": 2.0},
    "disgust": {"au09*au10": 4.0, "au16": 2.0, "au11": 1.0},
}
# Prototype signs of the second set of added AUs (EMFACS: AU41 lid droop and AU11 in sadness variants; AU5 in
# surprise and fear; AU4's corrugator pull in anger, fear and sadness). Small, so the data decide.
for _c, _w in {"sadness": {"au41": 2.0, "au11": 1.0, "au04m": 1.0}, "surprise": {"au05g": 2.0, "au41": -1.0},
               "fear": {"au05g": 2.0, "au04m": 1.0}, "happiness": {"au04m": -1.0}}.items():
    PROTO_EXTRA[_c].update(_w)
# Robust recipe: fear's mouth only with raised lids / inner brows (the v3 prior on AU20, AU25, AU20*AU25 moves here).
PROTO_ROBUST: dict[str, dict[str, float]] = {
    "fear": {"au20": 0.0, "au25": 0.0, "au20*au25": 0.0, "au14": 0.0, "au26": 0.0, "au04": 0.0,
             "au05*au20": 4.0, "au05*au25": 2.5, "au01*au20": 2.0},
    "surprise": {"au25": 0.0},
}
# Rule weights that are NOT fitted (the calibration is fitted around them as a fixed offset): contempt's
# one-sided rule lives in HAND_WEIGHTS; the crying-vs-laughing rule (emotions.CRYING) is here. Posed photo sets
# have no crying faces, so these cannot be learned from them; values from the FACS/EMFACS reading (a crying
# squeeze over lifted corners argues for sadness and against happiness by the same amount).
RULE_WEIGHTS: dict[str, dict[str, float]] = {
    "sadness": {"cry_squeeze": 8.0, "au01*au04*au12": 10.0},
    "happiness": {"cry_squeeze": -8.0, "au01*au04*au12": -10.0},
}
RULE_FEATURES = tuple(sorted({f for w in RULE_WEIGHTS.values() for f in w}))
L2_GRID = (0.003, 0.01, 0.03, 0.1)
"""L2 strengths (on standardised features, pulled toward the prototypes) that ``select_recipe`` chooses from by
an inner performer-grouped cross-validation: never by the outer held-out performer's score, never by JAFFE."""
STILL_Q_GRID = (0.5, 0.65, 0.8)
"""Per-AU quantiles of the training performers' neutral images tried as the *still-image* neutral (the reference
of a single photo, which has no personal neutral): 0.5 is the population median; a higher quantile counts an AU
only once it is above what most relaxed faces show. Chosen by the same inner cross-validation. Video never uses
it (the per-person baseline starts from the median, ``population_neutral``)."""
INNER_FOLDS = 4
CNN_W_GRID = (0.0, 0.25, 0.5, 0.75)
"""Weights of the expression CNN in the fused still-image probabilities (bench/CNN_FUSION_DECLARED.md)."""
ADDED_2 = ("au05g", "au41", "au04m", "au11", "au38", "au34")
"""The second set of appended AU columns (``--without-added`` fits with their weights held at 0, for comparison)."""
EXCLUDED: set[str] = set()
FEAR_GATED = ("au05*au20", "au05*au25", "au01*au20")
"""Products that carry fear's mouth (EMFACS fear: AU20/AU25 with AU5 or AU1) in the robust recipe; held at 0 in v3."""
RECIPES = ("robust", "facs", "v3")
RECIPE: dict[str, str] = {"name": "v3"}
"""Which fitting recipe ``fit_calibration`` uses (``--recipe``). ``v3``: the shipped one. ``robust`` (the v4
candidate, declared before any fit in bench/ROBUST_RECIPE_DECLARED.md: intensity augmentation, lips-apart neutrals,
FACS sign constraints, fear's mouth only through ``FEAR_GATED``) and ``facs`` (the same without the intensity part)
were tried and not kept (docs/benchmarks.md); they need the ``FEAR_GATED`` products in ``emotions.INTERACTIONS``,
which the shipped model does not have (commit 300c945 adds them)."""
INTENSITY_SCALES = (0.4, 0.55, 0.7)
"""Weak copies of every non-neutral training photo: ``own + s * (raw - own)`` (own = the performer's median
neutral): a weaker version of an expression is the same expression."""
INTENSITY_WEIGHT = 0.5
"""Total sample weight of the weak copies relative to the originals."""
LIPS_APART = (0.25, 0.5, 0.75, 1.0)
"""Talking / relaxed faces with the lips apart: copies of every training neutral photo with ``au25 += v``
(FACS: AU25 alone, and speech, carry no emotion; in a call people talk), labelled neutral."""
LIPS_COUPLING = {"au16": 0.56, "au26": 0.12}
"""What else the AU layer reports when the lips part (pooled slope of each AU delta on the AU25 delta over the
Taiwanese photos; AU16's geometry is the lip gap minus a jaw term, so it co-moves)."""
LIPS_WEIGHT = 0.5
"""Total sample weight of the lips-apart neutrals relative to the neutral originals."""
WEAK_TEST = 0.5
"""Intensity of the weak held-out probes (``own + 0.5 * (raw - own)``) in the recipe objective and benchmark."""
NON_SMILE = ("anger", "disgust", "fear", "sadness", "surprise")
SIGN_BOUNDS: dict[tuple[str, str], tuple[float | None, float | None]] = {
    **{(c, f): (None, 0.0) for c in NON_SMILE for f in ("au12", "au06*au12")},
    **{("happiness", f): (0.0, None) for f in ("au12", "au06*au12")},
    **{("fear", f): (None, 0.0) for f in ("au14", "au16", "au20", "au25", "au26", "au27", "au20*au25",
                                            "au04", "au04g", "au04m")},
    **{("surprise", f): (None, 0.0) for f in ("au16", "au25")},
}
"""FACS sign constraints of the robust recipe (on ``w_e - w_neutral``): lifted corners are evidence against every
emotion but joy (crying is carried by the fixed ``RULE_WEIGHTS`` and the free AU1*AU12 / AU43*AU12 products); a
stretched or parted mouth alone is not fear (EMFACS fear needs the brows or lids: ``FEAR_GATED``); this covers
every column that moves with the mouth (AU16 follows the lip gap, r = 0.93 with AU25 on the Taiwanese photos; AU14
is in no EMFACS fear prototype; AU26/27 alone is a jaw drop, as in speech). Parted lips (AU25, AU16) without the
brows / lids / jaw drop of EMFACS surprise are not surprise either. Fear's AU4 is the 1+2+4 brow (carried by the
AU1*AU4 product): AU4 alone (anger, disgust, sadness) is not fear."""
HAND_BIAS = {"neutral": 0.0, "happiness": -1.0, "sadness": -1.8, "surprise": -1.8, "fear": -2.0, "anger": -1.5,
             "disgust": -2.0, "contempt": -2.0}


def hand_model() -> EmotionModel:
    return EmotionModel.from_dict({"weights": HAND_WEIGHTS, "bias": HAND_BIAS})


def prototype_weights() -> np.ndarray:
    """``(7, F)`` prototype weights over ``FEATURES`` in ``CLASSES7`` order (the prior of the calibration)."""
    w = np.zeros((len(CLASSES7), len(FEATURES)))
    robust = PROTO_ROBUST if RECIPE["name"] in ("robust", "facs") else {}
    for i, c in enumerate(CLASSES7):
        for f, v in {**HAND_WEIGHTS.get(c, {}), **PROTO_EXTRA.get(c, {}), **robust.get(c, {})}.items():
            w[i, FEATURES.index(f)] = v
    return w


def own_neutrals(aus: np.ndarray, groups: np.ndarray, is_neutral: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """``(N, n_aus)``: each row's performer's median neutral (``fallback`` for a performer without one)."""
    own = np.tile(fallback, (len(aus), 1))
    for g in np.unique(groups):
        m = (groups == g) & is_neutral
        if m.any():
            own[groups == g] = np.median(aus[m], axis=0)
    return own


def weaken(aus: np.ndarray, y: np.ndarray, own: np.ndarray, s: float) -> np.ndarray:
    """Non-neutral rows moved to ``s`` of their change from the own neutral; neutral rows unchanged."""
    out = aus.copy()
    e = y != CLASSES7.index("neutral")
    out[e] = own[e] + s * (aus[e] - own[e])
    return out


def augment(aus: np.ndarray, y: np.ndarray, groups: np.ndarray, is_neutral: np.ndarray, neutral: np.ndarray,
            *, weak: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The robust recipe's training rows: originals (weight 1), weak copies (``INTENSITY_SCALES``) and lips-apart
    neutrals (``LIPS_APART``) -> (raw AUs, labels, sample weights)."""
    from microcue.signals.aus import AU_INDEX

    own = own_neutrals(aus, groups, is_neutral, neutral)
    neu = CLASSES7.index("neutral")
    e = y != neu
    rows, ys, ws = [aus], [y], [np.ones(len(y))]
    for s in INTENSITY_SCALES if weak else ():
        rows.append(weaken(aus, y, own, s)[e])
        ys.append(y[e])
        ws.append(np.full(int(e.sum()), INTENSITY_WEIGHT / len(INTENSITY_SCALES)))
    for v in LIPS_APART:
        r = aus[~e].copy()
        r[:, AU_INDEX["au25"]] += v
        for au, k in LIPS_COUPLING.items():
            r[:, AU_INDEX[au]] += k * v
        rows.append(np.clip(r, 0.0, 1.0))
        ys.append(y[~e])
        ws.append(np.full(int((~e).sum()), LIPS_WEIGHT / len(LIPS_APART)))
    return np.vstack(rows), np.concatenate(ys), np.concatenate(ws)


def fit_calibration(aus: np.ndarray, y: np.ndarray, neutral: np.ndarray, *, l2: float = 0.01,
                    groups: np.ndarray | None = None, is_neutral: np.ndarray | None = None) -> EmotionModel:
    """The shipped emotion model fitted on raw AUs ``aus`` with labels ``y`` (indices into ``CLASSES7``).

    Features are ``features(max(aus - neutral, 0))``, standardised by their standard deviation over these rows;
    a class-balanced multinomial logistic regression is fitted with an L2 penalty pulling the (standardised)
    weights toward the FACS prototypes, then the scaling is folded back into the weights, so the model reads
    plain AU deltas. Contempt (no data) keeps its prototype rule; neutral is the reference class.

    With ``RECIPE["name"] == "robust"`` (needs ``groups``, the performer of each row, and ``is_neutral``) the rows
    are augmented (``augment``), the neutral row is held at 0 and ``SIGN_BOUNDS`` constrain the weights.
    """
    ok = ~np.isnan(aus).any(1)
    robust = RECIPE["name"] in ("robust", "facs")
    excluded = set(EXCLUDED) | (set() if robust else set(FEAR_GATED))
    fixed = np.array([f in RULE_FEATURES or f in excluded for f in FEATURES])
    w_rule = np.array([[RULE_WEIGHTS.get(c, {}).get(f, 0.0) for f in FEATURES] for c in CLASSES7])
    sd = features(relative_to_neutral(aus[ok], neutral))[:, ~fixed].std(axis=0) + 1e-3
    if robust:
        if groups is None or is_neutral is None:
            raise ValueError("the robust recipe needs groups and is_neutral")
        a, yy, sw = augment(aus[ok], y[ok], groups[ok], is_neutral[ok], neutral,
                            weak=RECIPE["name"] == "robust")
    else:
        a, yy, sw = aus[ok], y[ok], None
    x_all = features(relative_to_neutral(a, neutral))
    offset = x_all @ w_rule.T  # the fixed rule's logits; the fit adapts the rest around them
    x = x_all[:, ~fixed]
    w0 = prototype_weights()[:, ~fixed] * sd
    w0 -= w0[CLASSES7.index("neutral")]
    bounds = None
    if robust:
        free = [f for f, fx in zip(FEATURES, fixed) if not fx]
        bounds = np.full((len(CLASSES7), len(free), 2), np.nan)
        bounds[CLASSES7.index("neutral")] = 0.0
        for (c, f), (lo, hi) in SIGN_BOUNDS.items():
            bounds[CLASSES7.index(c), free.index(f)] = (np.nan if lo is None else lo, np.nan if hi is None else hi)
    ws, b7 = fit_lr(x / sd, yy, l2=l2, prior=w0, offset=offset, sample_weight=sw, bounds=bounds)
    w7 = w_rule.copy()
    w7[:, ~fixed] = ws / sd
    return lr_model(w7, b7)


def mean_recall(y: np.ndarray, pred: np.ndarray, k: int = len(CLASSES7)) -> float:
    return float(np.mean([np.mean(pred[y == c] == c) for c in range(k) if (y == c).any()]))


def select_recipe(aus: np.ndarray, y: np.ndarray, groups: np.ndarray, is_neutral: np.ndarray
                  ) -> tuple[float, float, dict]:
    """(l2, still-image neutral quantile) by performer-grouped ``INNER_FOLDS``-fold cross-validation on these rows.

    Each inner fold fits on the other groups (their median neutral as the training reference) and scores its
    held-out performers against the other groups' ``q``-quantile neutral, the way a still image is scored. The
    pair with the best score wins (ties: the stronger penalty, then the lower quantile). v3: mean per-class
    recall. Robust recipe (declared in advance): the mean of that and the mean per-class recall on the held-out
    photos weakened to ``WEAK_TEST`` of their change from their performer's own neutral (neutral photos unchanged).
    """
    ids = np.unique(groups)
    folds = [ids[i::INNER_FOLDS] for i in range(INNER_FOLDS)]
    robust = RECIPE["name"] == "robust"
    keys = [(l2, q) for l2 in L2_GRID for q in STILL_Q_GRID]
    pred = {k: np.full(len(y), -1) for k in keys}
    probs = {k: np.full((len(y), len(EMOTIONS)), np.nan) for k in keys}
    pred_weak = {k: np.full(len(y), -1) for k in keys}
    pop = np.median(aus[is_neutral], axis=0)
    weak = weaken(aus, y, own_neutrals(aus, groups, is_neutral, pop), WEAK_TEST)
    idx = [EMOTIONS.index(c) for c in CLASSES7]
    for f in folds:
        te = np.isin(groups, f)
        neu = np.median(aus[is_neutral & ~te], axis=0)
        refs = {q: np.quantile(aus[is_neutral & ~te], q, axis=0) for q in STILL_Q_GRID}
        for l2 in L2_GRID:
            m = fit_calibration(aus[~te], y[~te], neu, l2=l2, groups=groups[~te], is_neutral=is_neutral[~te])
            for q, ref in refs.items():
                probs[(l2, q)][te] = m.probs(relative_to_neutral(aus[te], ref))
                pred[(l2, q)][te] = probs[(l2, q)][te][:, idx].argmax(1)
                pred_weak[(l2, q)][te] = m.probs(relative_to_neutral(weak[te], ref))[:, idx].argmax(1)
    full = {k: mean_recall(y, v) for k, v in pred.items()}
    weak_s = {k: mean_recall(y, v) for k, v in pred_weak.items()}
    scores = {k: 0.5 * (full[k] + weak_s[k]) if robust else full[k] for k in keys}
    best = max(scores, key=lambda k: (round(scores[k], 4), k[0], -k[1]))
    return best[0], best[1], {"score": scores, "full": full, "weak": weak_s, "probs": probs[best]}


def select_cnn_weight(p_au: np.ndarray, p_cnn: np.ndarray, y: np.ndarray) -> tuple[float, dict[float, float]]:
    """The CNN's weight in ``fuse_cnn`` (bench/CNN_FUSION_DECLARED.md): the ``CNN_W_GRID`` value whose fused
    inner-CV probabilities (``p_au``: ``select_recipe``'s held-out probabilities of its chosen recipe) give the best
    mean per-class recall over ``CLASSES7``; ties go to the smaller weight. Photos without a face or without a
    crop are left out."""
    ok = ~np.isnan(p_au).any(1) & ~np.isnan(p_cnn).any(1)
    idx = [EMOTIONS.index(c) for c in CLASSES7]
    scores = {w: mean_recall(y[ok], fuse_cnn(p_au[ok], p_cnn[ok], 1.0 - w, w)[:, idx].argmax(1)) for w in CNN_W_GRID}
    best = max(scores, key=lambda w: (round(scores[w], 4), -w))
    return best, scores


STACK_L2 = 0.01
STACK_PRIOR = (0.75, 0.25, 0.0)


def _stack_scores(theta: np.ndarray, la: np.ndarray, lc: np.ndarray) -> np.ndarray:
    """``(n, 7)`` class scores ``a_k la_k + b_k lc_k + c_k`` (``theta`` = ``(7, 3)`` rows a, b, c)."""
    return la * theta[:, 0] + lc * theta[:, 1] + theta[:, 2]


def _stack_logs(p_au: np.ndarray, p_cnn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from microcue.faces.expression_cnn import CNN_CLASSES

    la = np.log(np.clip(p_au[:, [EMOTIONS.index(c) for c in CLASSES7]], 1e-6, 1.0))
    lc = np.log(np.clip(p_cnn[:, [CNN_CLASSES.index(c) for c in CLASSES7]], 1e-6, 1.0))
    return la, lc


def fit_stack(p_au: np.ndarray, p_cnn: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-class fusion weights (bench/STACK_DECLARED.md): class-balanced multinomial LR over
    ``a_k log p_AU(k) + b_k log p_CNN(k) + c_k`` on out-of-fold probabilities, L2 toward the kept fusion."""
    from scipy.optimize import minimize

    ok = ~np.isnan(p_au).any(1) & ~np.isnan(p_cnn).any(1)
    la, lc = _stack_logs(p_au[ok], p_cnn[ok])
    yy = y[ok]
    k = len(CLASSES7)
    onehot = np.eye(k)[yy]
    cw = len(yy) / (k * np.maximum(np.bincount(yy, minlength=k), 1))
    sw = cw[yy] / len(yy)
    prior = np.tile(np.array(STACK_PRIOR), (k, 1))

    def loss(flat: np.ndarray) -> tuple[float, np.ndarray]:
        th = flat.reshape(k, 3)
        z = _stack_scores(th, la, lc)
        z -= z.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        nll = -float(np.sum(sw * np.log(np.clip(p[np.arange(len(yy)), yy], 1e-12, None))))
        g = (p - onehot) * sw[:, None]
        grad = np.stack([(g * la).sum(0), (g * lc).sum(0), g.sum(0)], 1)
        d = th - prior
        return nll + STACK_L2 * float(np.sum(d * d)), (grad + 2 * STACK_L2 * d).ravel()

    res = minimize(loss, prior.ravel(), jac=True, method="L-BFGS-B")
    return res.x.reshape(k, 3)


def stack_weights(theta: np.ndarray) -> dict[str, dict[str, float]]:
    """``fit_stack``'s ``(7, 3)`` as the calibration's ``still_fusion`` (per class, ``CLASSES7``; contempt takes
    neutral's)."""
    return {key: {c: round(float(theta[j, col]), 4) for j, c in enumerate(CLASSES7)}
            for col, key in enumerate(("au_weight", "cnn_weight", "bias"))}


def apply_stack(theta: np.ndarray, p_au: np.ndarray, p_cnn: np.ndarray) -> np.ndarray:
    """``(n, 8)`` probabilities in ``EMOTIONS`` order, by the library's ``fuse_cnn`` with these weights."""
    from microcue.signals.emotions import still_fusion_weights

    return fuse_cnn(p_au, p_cnn, *still_fusion_weights({"still_fusion": stack_weights(theta)}))


def cache_cnn(name: str, *, refresh: bool = False) -> np.ndarray:
    """``(N, 7)`` expression-CNN probabilities of every image of a set (NaN where no face; cached)."""
    from microcue.faces.expression_cnn import ExpressionCNN

    path = OUT / f"cnn_{name}.npz"
    if path.exists() and not refresh:
        return np.load(path)["p"]
    rows = read_labels(SETS[name])
    p = np.full((len(rows), 7), np.nan)
    cnn = ExpressionCNN()
    t0 = time.time()
    with ImageLandmarker() as lm:
        for i, (f, _) in enumerate(rows):
            face = lm.detect_image(load_rgb(f))
            if face is not None:
                p[i] = cnn.probs(face.crop)
    print(f"{name}: landmarker + expression CNN on {len(rows)} images in {time.time() - t0:.1f} s", file=sys.stderr)
    np.savez_compressed(path, p=p, paths=np.array([str(f) for f, _ in rows]))
    return p


def noisy_report(model: EmotionModel, still: np.ndarray, aus: np.ndarray, labels: np.ndarray) -> dict:
    """Robustness smoke on the noisy in-the-wild set (labels unreliable; never fitted or chosen on): mean per-class
    recall over ``CLASSES7``, each class's recall, and how many happiness / neutral photos are called fear."""
    pred = np.array(["no_face"] * len(labels), dtype=object)
    ok = ~np.isnan(aus).any(1)
    pred[ok] = np.array(EMOTIONS)[model.probs(relative_to_neutral(aus[ok], still)).argmax(1)]
    rec = {c: round(float(np.mean(pred[labels == c] == c)), 3) for c in CLASSES7 if (labels == c).any()}
    out: dict = {"mean_recall_7": round(float(np.mean(list(rec.values()))), 3), "recall": rec}
    for c in ("happiness", "neutral"):
        out[f"{c}->fear"] = f"{int(np.sum(pred[labels == c] == 'fear'))}/{int(np.sum(labels == c))}"
    return out


def cache_raw(name: str, *, refresh: bool = False) -> dict[str, np.ndarray]:
    """Landmarker outputs of every image of a set (cached)."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"raw_{name}.npz"
    if path.exists() and not refresh:
        return dict(np.load(path))
    rows = read_labels(SETS[name])
    n = len(rows)
    bs, lms, tf = np.full((n, 52), np.nan), np.full((n, 478, 3), np.nan), np.full((n, 4, 4), np.nan)
    size, found = np.zeros((n, 2)), np.zeros(n, bool)
    t0 = time.time()
    with ImageLandmarker() as lm:
        for i, (p, _) in enumerate(rows):
            f = lm.detect_image(load_rgb(p))
            if f is not None:
                bs[i], lms[i], tf[i], size[i], found[i] = f.blendshapes, f.landmarks, f.transform, f.frame_size, 1
    print(f"{name}: landmarker on {n} images in {time.time() - t0:.1f} s", file=sys.stderr)
    data = {"bs": bs, "lms": lms, "tf": tf, "size": size, "found": found, "paths": np.array([str(p) for p, _ in rows]),
                "labels": np.array([lab for _, lab in rows])}
    np.savez_compressed(path, **data)
    return data


def raw_aus(d: dict[str, np.ndarray]) -> np.ndarray:
    """``(N, n_aus)`` raw AUs, NaN rows where no face was found."""
    a = np.full((len(d["labels"]), len(AU_NAMES)), np.nan)
    for i in np.flatnonzero(d["found"]):
        a[i] = compute_aus_batch(d["bs"][i:i + 1], d["lms"][i:i + 1], d["tf"][i:i + 1],
                                 frame_size=tuple(int(v) for v in d["size"][i]))[0]
    return a


def performer_of(path: str) -> str:
    """Taiwanese file names are <PP><T><V><e><NN>.jpg: PP (first two characters) is the performer."""
    return Path(path).name[:2]


def predict(model: EmotionModel, aus: np.ndarray, neutral: np.ndarray, classes: tuple[str, ...] = EMOTIONS
            ) -> list[str]:
    out = []
    idx = [EMOTIONS.index(c) for c in classes]
    for a in aus:
        if np.isnan(a).any():
            out.append("no_face")
        else:
            p = model.probs(relative_to_neutral(a, neutral))
            out.append(classes[int(np.argmax(p[idx]))])
    return out


def fit_lr(x: np.ndarray, y: np.ndarray, *, l2: float = 0.02, prior: np.ndarray | None = None,
           offset: np.ndarray | None = None, sample_weight: np.ndarray | None = None,
           bounds: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression (L-BFGS, class-balanced, L2 on ``W - prior``) -> (W (K, F), b (K,)).

    ``offset`` ``(N, K)``: fixed logits added before the softmax (rule terms that are not fitted).
    ``sample_weight`` ``(N,)``: row weights (classes are balanced on their weighted totals).
    ``bounds`` ``(K, F, 2)``: (low, high) per weight, NaN = unbounded; a class whose weights are all fixed at 0
    (the reference class) also gets its bias fixed at 0."""
    from scipy.optimize import minimize

    k, f = len(CLASSES7), x.shape[1]
    w0 = np.zeros((k, f)) if prior is None else prior
    onehot = np.eye(k)[y]
    rw = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    cw = rw.sum() / (k * np.bincount(y, weights=rw, minlength=k).clip(1e-9))
    sw = cw[y] * rw

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:k * f].reshape(k, f), theta[k * f:]
        z = x @ w.T + b + (0.0 if offset is None else offset)
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        nll = -(sw * np.log(np.clip((p * onehot).sum(1), 1e-12, None))).sum() / sw.sum()
        g = (p - onehot) * sw[:, None] / sw.sum()
        gw = g.T @ x + 2 * l2 * (w - w0)
        return nll + l2 * ((w - w0) ** 2).sum(), np.concatenate([gw.ravel(), g.sum(0)])

    box = None
    theta0 = np.concatenate([w0.ravel(), np.zeros(k)])
    if bounds is not None:
        lo = np.concatenate([bounds[..., 0].ravel(), np.full(k, np.nan)])
        hi = np.concatenate([bounds[..., 1].ravel(), np.full(k, np.nan)])
        ref = np.all(bounds[..., 0] == 0, axis=1) & np.all(bounds[..., 1] == 0, axis=1)
        lo[k * f:][ref], hi[k * f:][ref] = 0.0, 0.0
        theta0 = np.clip(theta0, np.nan_to_num(lo, nan=-np.inf), np.nan_to_num(hi, nan=np.inf))
        box = [(None if np.isnan(a) else float(a), None if np.isnan(b) else float(b)) for a, b in zip(lo, hi)]
    res = minimize(loss, theta0, jac=True, method="L-BFGS-B", bounds=box, options={"maxiter": 2000})
    return res.x[:k * f].reshape(k, f), res.x[k * f:]


def lr_model(w7: np.ndarray, b7: np.ndarray) -> EmotionModel:
    """Embed a 7-class LR into the 8-emotion model; contempt keeps its hand-set asymmetry rule."""
    hand = hand_model()
    w, b = hand.weights_.copy(), hand.bias_.copy()
    ref = CLASSES7.index("neutral")
    for i, c in enumerate(CLASSES7):
        w[EMOTIONS.index(c)] = w7[i] - w7[ref]
        b[EMOTIONS.index(c)] = b7[i] - b7[ref]
    return EmotionModel(w, b)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--refresh", action="store_true", help="re-run the landmarker instead of using the cache")
    ap.add_argument("--write-calibration", action="store_true", help="regenerate the shipped calibration JSON")
    ap.add_argument("--clip", action="store_true",
                    help="also print a per-second emotion timeline of the Pexels clip (sad -> neutral -> laughing)")
    ap.add_argument("--diagnostics", action="store_true",
                    help="also score an LR over raw geometry + 52 blendshapes (how much the AU layer loses)")
    ap.add_argument("--without-added", action="store_true",
                    help="hold the weights of the second set of added AUs (ADDED_2) at 0 (comparison only)")
    ap.add_argument("--no-jaffe", action="store_true", help="do not score JAFFE (while choosing anything)")
    ap.add_argument("--recipe", choices=RECIPES, default="v3",
                    help="fitting recipe: v3 (shipped) or the tried-and-not-kept robust / facs candidates")
    ap.add_argument("--calibration-out", type=Path, default=None,
                    help="with --write-calibration: write here instead of the shipped JSON (candidates)")
    ap.add_argument("--fast", action="store_true", help="skip the non-nested fixed-recipe comparison")
    ap.add_argument("--noisy", action="store_true",
                    help="also run evaluate_images on the noisy in-the-wild set (robustness smoke: faces found)")
    args = ap.parse_args(argv)
    RECIPE["name"] = args.recipe
    if args.recipe != "v3" and not set(FEAR_GATED) <= set(FEATURES):
        print(f"--recipe {args.recipe} needs the {FEAR_GATED} products in emotions.INTERACTIONS "
              "(git checkout 300c945 -- src/microcue/signals/emotions.py)", file=sys.stderr)
        return 1
    if not all(p.exists() for p in SETS.values()):
        print(f"data not found under {DATA}", file=sys.stderr)
        return 1
    tw, jf = cache_raw("taiwanese", refresh=args.refresh), cache_raw("jaffe", refresh=args.refresh)
    a_tw, a_jf = raw_aus(tw), raw_aus(jf)
    y_tw, y_jf = list(tw["labels"]), list(jf["labels"])
    perf = np.array([performer_of(p) for p in tw["paths"]])
    is_neutral = np.array([lab == "neutral" for lab in y_tw]) & ~np.isnan(a_tw).any(1)
    pop_neutral = np.median(a_tw[is_neutral], axis=0)

    y_idx = np.array([CLASSES7.index(c) for c in y_tw])
    if args.without_added:
        EXCLUDED.update(ADDED_2)
    t0 = time.time()
    l2, still_q, inner = select_recipe(a_tw, y_idx, perf, is_neutral)
    still_neutral = np.quantile(a_tw[is_neutral], still_q, axis=0)
    c_tw, c_jf = cache_cnn("taiwanese", refresh=args.refresh), cache_cnn("jaffe", refresh=args.refresh)
    cnn_w, cnn_scores = select_cnn_weight(inner["probs"], c_tw, y_idx)
    print(f"expression-CNN weight by the same inner CV: {cnn_w} (scores {cnn_scores})", file=sys.stderr)
    stack = fit_stack(inner["probs"], c_tw, y_idx)
    print(f"per-class fusion (a, b, c) fitted on the inner out-of-fold probabilities: {stack_weights(stack)}",
          file=sys.stderr)
    shipped = fit_calibration(a_tw, y_idx, pop_neutral, l2=l2, groups=perf, is_neutral=is_neutral)
    print(f"shipped recipe (inner {INNER_FOLDS}-fold CV over all 29 performers): l2={l2} still-neutral q={still_q} "
          f"({time.time() - t0:.0f} s); inner score (full / weak): "
          + ", ".join(f"{k[0]}/{k[1]}: {v:.3f} ({inner['full'][k]:.3f} / {inner['weak'][k]:.3f})"
                      for k, v in sorted(inner["score"].items())), file=sys.stderr)
    if args.write_calibration:
        if EXCLUDED:
            print("refusing to write a calibration fitted with --without-added", file=sys.stderr)
            return 1
        n_img = int((~np.isnan(a_tw).any(1)).sum())
        v3 = args.recipe == "v3"
        recipe = {"l2": l2, "still_neutral_quantile": still_q, "inner_folds": INNER_FOLDS,
                  "l2_grid": list(L2_GRID), "still_quantile_grid": list(STILL_Q_GRID),
                  "stack_l2": STACK_L2, "stack_prior": list(STACK_PRIOR)}
        extra = ""
        if not v3:
            recipe.update(name=args.recipe, sign_constraints=len(SIGN_BOUNDS), lips_apart=list(LIPS_APART),
                          intensity_scales=list(INTENSITY_SCALES) if args.recipe == "robust" else [],
                          weak_test=WEAK_TEST if args.recipe == "robust" else None)
            extra = (" Robust recipe (declared in bench/ROBUST_RECIPE_DECLARED.md before fitting): training rows "
                     "augmented with lips-apart copies of the neutral photos"
                     + (" and weak copies (0.4-0.7 of each expression's change from the performer's own neutral)"
                        if args.recipe == "robust" else "")
                     + "; FACS sign constraints (SIGN_BOUNDS: lifted corners only for joy, fear's mouth and AU4 "
                       "only together with raised lids / inner brows).")
        cal = {
            "format": "microcue.emotion_calibration/3" if v3 else "microcue.emotion_calibration/4",
            "description": "Population neutral (raw AUs of an average relaxed face; the start of every person's "
                           "baseline), still-image neutral (the reference of a single photo), and a linear softmax "
                           "over AU-delta features (AU deltas, asymmetries, AU products), calibrated by a "
                           "class-balanced multinomial logistic regression pulled toward FACS/EMFACS prototypes.",
            "features": list(FEATURES),
            "emotions": list(EMOTIONS),
            "population_neutral": {n: round(float(v), 4) for n, v in zip(AU_NAMES, pop_neutral)},
            "still_neutral": {n: round(float(v), 4) for n, v in zip(AU_NAMES, still_neutral)},
            "still_fusion": stack_weights(stack),
            "recipe": recipe,
            "provenance": {
                "population_neutral": f"median raw AU over the {int(is_neutral.sum())} posed-neutral frontal "
                                      "images of the NTU Taiwanese facial expression database (29 performers; "
                                      "research-only data, not redistributed); computed by bench/accuracy.py",
                "still_neutral": f"per-AU {still_q} quantile of the same {int(is_neutral.sum())} neutral images "
                                 "(quantile chosen by performer-grouped cross-validation on the Taiwanese set)",
                "weights": f"multinomial logistic regression (L-BFGS, class-balanced, L2={l2} on standardised "
                           "features toward the FACS/EMFACS prototypes of bench/accuracy.py; L2 chosen by "
                           f"performer-grouped {INNER_FOLDS}-fold cross-validation) fitted on all {n_img} images "
                           "of the NTU Taiwanese facial expression database (research-only terms; permitted by "
                           "the project brief for small interpretable AU calibrations; see "
                           "docs/model-card-emotion.md). Contempt: prototype rule, not fitted. JAFFE and the "
                           "Pexels clip were not used for fitting or for choosing anything." + extra,
                "still_fusion": "per-class weights of a still image's fused probabilities, score_k = au_weight_k "
                                "log p_AU(k) + cnn_weight_k log p_CNN(k) + bias_k, p_CNN from the vendored expression "
                                "CNN (models/expression_cnn.tflite, not trained here): a class-balanced multinomial "
                                f"LR (L2 {STACK_L2} toward {list(STACK_PRIOR)}) on the AU model's out-of-fold "
                                "probabilities of the same performer-grouped cross-validation and the CNN's "
                                "(bench/STACK_DECLARED.md); video does not use it",
                "generated_by": "bench/accuracy.py --write-calibration",
            },
            **shipped.to_dict(),
        }
        out_path = args.calibration_out or CAL_PATH
        out_path.write_text(json.dumps(cal, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {out_path}", file=sys.stderr)

    results: dict[str, dict] = {}
    hand = hand_model()
    # The shipped method, nested leave-one-performer-out: for each held-out performer the recipe (L2, still-image
    # neutral quantile; select_recipe's inner CV), the population neutrals AND the calibration come from the other
    # 28 performers only; the held-out images are scored against that fold's still-image neutral, as `eval images`
    # scores a photo. Also scored: the same fold's model with the performer's own neutral (median of their other
    # neutral images; the image itself never in its reference), and the old hand-set prototypes with the fold's
    # median neutral.
    pred_tw, pred_own, pred_hand = [""] * len(y_tw), [""] * len(y_tw), [""] * len(y_tw)
    pred_fused = np.array(["no_face"] * len(y_tw), dtype=object)
    pred_stack = np.array(["no_face"] * len(y_tw), dtype=object)
    chosen_w = []
    pred_fixed = np.array([""] * len(y_tw), dtype=object)
    pred_weak = np.array([""] * len(y_tw), dtype=object)
    weak_tw = weaken(a_tw, y_idx, own_neutrals(a_tw, perf, is_neutral, pop_neutral), WEAK_TEST)
    chosen = []
    t0 = time.time()
    for pp in np.unique(perf):
        test = perf == pp
        f_l2, f_q, f_info = select_recipe(a_tw[~test], y_idx[~test], perf[~test], is_neutral[~test])
        chosen.append((f_l2, f_q))
        f_w, _ = select_cnn_weight(f_info["probs"], c_tw[~test], y_idx[~test])
        chosen_w.append(f_w)
        neu = np.median(a_tw[is_neutral & ~test], axis=0)
        ref = np.quantile(a_tw[is_neutral & ~test], f_q, axis=0)
        m = fit_calibration(a_tw[~test], y_idx[~test], neu, l2=f_l2, groups=perf[~test],
                            is_neutral=is_neutral[~test])
        ok = test & ~np.isnan(a_tw).any(1) & ~np.isnan(c_tw).any(1)
        pred_fused[ok] = np.array(EMOTIONS)[fuse_cnn(m.probs(relative_to_neutral(a_tw[ok], ref)), c_tw[ok],
                                                     1.0 - f_w, f_w).argmax(1)]
        f_stack = fit_stack(f_info["probs"], c_tw[~test], y_idx[~test])
        pred_stack[ok] = np.array(EMOTIONS)[apply_stack(f_stack, m.probs(relative_to_neutral(a_tw[ok], ref)),
                                                        c_tw[ok]).argmax(1)]
        # the robustness probe: this performer's photos at WEAK_TEST of their change from their own neutral
        pred_weak[test] = predict(m, weak_tw[test], ref)
        if not args.fast:
            # the earlier fixed recipe (l2 0.01 picked looking at the outer LOPO score, median neutral)
            pred_fixed[test] = predict(fit_calibration(a_tw[~test], y_idx[~test], neu, l2=0.01, groups=perf[~test],
                                                       is_neutral=is_neutral[~test]), a_tw[test], neu)
        for i in np.flatnonzero(test):
            pred_tw[i] = predict(m, a_tw[i:i + 1], ref)[0]
            pred_hand[i] = predict(hand, a_tw[i:i + 1], neu)[0]
            own = is_neutral & test
            own[i] = False
            pred_own[i] = predict(m, a_tw[i:i + 1], np.median(a_tw[own], axis=0) if own.any() else neu)[0]
    from collections import Counter

    print(f"nested LOPO ({time.time() - t0:.0f} s); recipes chosen by the 29 folds (l2, q): "
          f"{dict(Counter(chosen))}", file=sys.stderr)
    print(f"CNN weights chosen by the 29 folds: {dict(Counter(chosen_w))}", file=sys.stderr)
    results["taiwanese/fused with the expression CNN(lopo)"] = score_predictions(y_tw, list(pred_fused),
                                                                                labels=CLASSES7)
    results["taiwanese/per-class stacking with the CNN(lopo)"] = score_predictions(y_tw, list(pred_stack),
                                                                                  labels=CLASSES7)
    results["taiwanese/calibrated(lopo)"] = score_predictions(y_tw, pred_tw, labels=CLASSES7)
    results[f"taiwanese/calibrated(lopo, expressions at {WEAK_TEST} intensity)"] = score_predictions(
        y_tw, list(pred_weak), labels=CLASSES7)
    results["taiwanese/calibrated(lopo, own-neutral)"] = score_predictions(y_tw, pred_own, labels=CLASSES7)
    if not args.fast:
        results["taiwanese/calibrated(lopo, fixed l2=0.01 + median neutral: not nested)"] = score_predictions(
            y_tw, list(pred_fixed), labels=CLASSES7)
    results["taiwanese/hand prototypes(lopo-neutral)"] = score_predictions(y_tw, pred_hand, labels=CLASSES7)
    if not args.no_jaffe:
        ok = ~np.isnan(a_jf).any(1) & ~np.isnan(c_jf).any(1)
        fused_jf = np.array(["no_face"] * len(y_jf), dtype=object)
        fused_jf[ok] = np.array(EMOTIONS)[fuse_cnn(shipped.probs(relative_to_neutral(a_jf[ok], still_neutral)),
                                                   c_jf[ok], 1.0 - cnn_w, cnn_w).argmax(1)]
        stack_jf = np.array(["no_face"] * len(y_jf), dtype=object)
        stack_jf[ok] = np.array(EMOTIONS)[apply_stack(stack, shipped.probs(relative_to_neutral(a_jf[ok],
                                                                                                still_neutral)),
                                                      c_jf[ok]).argmax(1)]
        results["jaffe/shipped, per-class stacking with the CNN"] = score_predictions(y_jf, list(stack_jf),
                                                                                    labels=CLASSES7)
        results["jaffe/shipped, fused with the expression CNN"] = score_predictions(y_jf, list(fused_jf),
                                                                                   labels=CLASSES7)
        results["jaffe/shipped"] = score_predictions(y_jf, predict(shipped, a_jf, still_neutral), labels=CLASSES7)
        results["jaffe/hand prototypes"] = score_predictions(y_jf, predict(hand, a_jf, pop_neutral),
                                                             labels=CLASSES7)

    if args.diagnostics:
        # ceiling check: LR over the raw pose-free geometry + all 52 blendshapes (standardised, signed deltas over
        # the leave-performer-out population neutral). Diagnostic only: it says how much the AU layer loses.
        from microcue.signals.aus import canonical_landmarks, geometry_features

        assert np.all(tw["size"] == 512), "rich-feature check assumes one image size"
        geo = geometry_features(canonical_landmarks(tw["lms"], tw["tf"], frame_size=(512, 512)))
        rich = np.hstack([np.stack([geo[k] for k in sorted(geo)], 1), tw["bs"]])
        pred_rich = np.zeros(len(y_tw), int)
        for pp in np.unique(perf):
            test = perf == pp
            xd = rich - np.median(rich[is_neutral & ~test], axis=0)
            sd = xd[~test].std(axis=0) + 1e-6
            w, b = fit_lr(xd[~test] / sd, y_idx[~test])
            pred_rich[test] = np.argmax((xd[test] / sd) @ w.T + b, axis=1)
        results["taiwanese/lr-rich(lopo, diagnostic)"] = score_predictions(
            y_tw, [CLASSES7[i] for i in pred_rich], labels=CLASSES7)

    # human reference: raters' majority vote vs the posed label (ratings.csv)
    import csv

    with (SETS["taiwanese"].parent / "ratings.csv").open(newline="") as fh:
        votes = {r["path"]: r["vote_argmax"].replace("neutral_calm", "neutral") for r in csv.DictReader(fh)}
    rel = [str(Path(p).relative_to(SETS["taiwanese"].parent)) for p in tw["paths"]]
    if all(r in votes for r in rel):
        results["taiwanese/human raters (vote argmax)"] = score_predictions(y_tw, [votes[r] for r in rel],
                                                                           labels=CLASSES7)

    from microcue.evaluation.images import format_report

    if args.noisy:
        nz = cache_raw("noisy", refresh=args.refresh)
        smoke = noisy_report(shipped, still_neutral, raw_aus(nz), np.array(nz["labels"]))
        results["noisy-in-the-wild (smoke, labels unreliable)"] = smoke
        print(f"\n=== noisy in-the-wild smoke (labels unreliable; not fitted or chosen on): {json.dumps(smoke)}")

    for k, r in results.items():
        if "noisy" not in k:
            print(f"\n=== {k}\n{format_report(r)}")
    (OUT / "accuracy.json").write_text(json.dumps(results, indent=1))
    if args.clip:
        clip_timeline(DATA / "pexels__wolfgang-langer" / "woman_emotions_pexels.mp4")
    return 0


def clip_timeline(path: Path, *, every: int = 2) -> None:
    """Every ``every``-th frame through landmarker -> AUs -> NeutralBaseline -> emotions; one line per second."""
    import cv2

    from microcue.signals.aus import AU_INDEX, compute_aus
    from microcue.signals.baseline import NeutralBaseline
    from microcue.signals.emotions import emotion_probs

    cap = cv2.VideoCapture(str(path))
    base, rows, i = NeutralBaseline(), [], 0
    with ImageLandmarker() as lm:
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            t = cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            if i % every == 0:
                f = lm.detect(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
                if f is not None:
                    d = base.update(compute_aus(f.blendshapes, f.landmarks, f.transform, frame_size=f.frame_size))
                    rows.append((t, emotion_probs(d), d))
            i += 1
    print(f"\n=== clip {path.name}: per-second mean probabilities (baseline accepted {base.n_accepted_} frames, "
          f"bootstrapped={base.bootstrapped_})")
    for sec in range(int(max(r[0] for r in rows)) + 1):
        rs = [r for r in rows if sec <= r[0] < sec + 1]
        if not rs:
            continue
        p = np.mean([r[1] for r in rs], axis=0)
        d = np.mean([r[2] for r in rs], axis=0)
        top = np.argsort(p)[::-1][:2]
        print(f"{sec:3d} s  {EMOTIONS[top[0]]:9s} {p[top[0]]:.2f}  {EMOTIONS[top[1]]:9s} {p[top[1]]:.2f}  "
              + " ".join(f"{a}={d[AU_INDEX[a]]:.2f}" for a in ("au01", "au04", "au12", "au25", "au45")))


if __name__ == "__main__":
    raise SystemExit(main())
