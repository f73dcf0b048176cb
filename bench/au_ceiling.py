"""How much of benchmark v2 could any spotter find in the AU rows? A ceiling, not a spotter (diagnostic).

    python bench/au_ceiling.py                      # v2 tune + calib (~5 s from the benchmark caches)
    python bench/au_ceiling.py --splits tune --csv bench/out/au_ceiling.csv
    python bench/au_ceiling.py --flow bench/out/flow_v2   # + optical flow (bench/flow_probe.py extract) and both
    python bench/au_ceiling.py --learned au                # + a detector fitted on tune, one source left out (~10 s)
    python bench/au_ceiling.py --flow DIR --learned au+bs+flow   # inputs: au, au+flow, au+bs, au+bs+flow (~25 s)

Each injected clip of benchmark v2 has a clean rendering of the same source at the same source times (the clean
split, 25 fps), so the part of an AU row that the injection added is known: ``effect(t) = injected(t) - clean(t)``
(the clean row interpolated to the injected clip's frame times). Per injected episode, over its truth window, on the
AU columns its kind moves (smile: AU12, AU6; smirk: AU12 / AU14 left and right; frown: AU15; brow lower: AU4 and its
geometric twin; brow raise: AU1, AU2; nose wrinkle: AU9, AU10):

1. **Seen by the face model**: the largest effect is above the re-rendering noise (the 0.95-quantile of |effect| on
   the same clip away from every injection; at least 0.02).
2. **Above the talker's own movement**: the largest effect is above the 0.95-quantile of the talker's own excursions
   in the clean rendering (each AU minus its trailing 3 s median, as the spotter's floor is; after the first 8 s).

Then an operating curve for a detector that knows more than any online spotter can: each AU's excursion in units of
that talker's own 0.95-quantile excursion (measured on the clean rendering in advance), a threshold ``k`` on it;
false alarms are the upward crossings of the largest of all 13 columns per minute on the clean renderings (after
8 s; they include the sources' own expressions, as the benchmark's clean false alarms do), and an injected episode
counts as reached when any of its kind's columns passes ``k`` anywhere inside its truth window (no IoU, no
boundaries), and *beyond chance* when the clean rendering does not pass ``k`` there too. Both favour the detector,
so the recall it gives at a false-alarm rate is an upper bound for spotters that threshold these AU rows one column
at a time against the talker's own movement.

With ``--flow DIR`` (``bench/flow_probe.py extract`` over the tune, calib and clean clips) the second measure for
the face model's own blendshapes that each kind moves (the outputs before microcue's AU read-out), and the same
curve for the flow magnitude over 80 ms at the face regions each kind moves (in units of the talker's own
0.95-quantile on the clean rendering), and for the two together (the larger of the AU and the flow value at each
frame).

With ``--learned``, a detector that combines the columns: a logistic regression per frame over 21 AU columns and the
lip gap (and, with ``flow`` in its inputs, the 7 flow regions), each as its excursion in the talker's units, its
maximum and mean over the centred 0.5 s and its change over 0.12 s, plus the voice activity; fitted on the tune
clips of three sources and applied to the calib clips and the clean rendering of the fourth (leave one source out).
Per left-out source the threshold is the lowest one whose upward crossings on its clean rendering stay within the
budget; an injected calib episode is reached when the score passes it anywhere in the truth window. ``bs`` in its
inputs adds the face model's own blendshapes (kept by ``flow_probe.py extract``; the 51 movements, its ``_neutral``
score left out), each like an AU column.

Results: docs/benchmarks.md, "Thirteenth session".
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import inject
import spotting

AUS = {
    "smile": ["au12", "au06"],
    "smirk": ["au12_l", "au12_r", "au14_l", "au14_r"],
    "frown": ["au15"],
    "brow_lower": ["au04", "au04g"],
    "brow_raise": ["au01", "au02"],
    "nose_wrinkle": ["au09", "au10"],
}
COLUMNS = sorted({a for v in AUS.values() for a in v})
WARM_S = inject.FIRST_S_V2  # benchmark v2: nothing is injected before 8 s
KS = (1.5, 2.0, 2.25, 2.5, 3.0, 4.0, 6.0, 8.0, 12.0)
REGIONS = {  # flow_probe.py's regions each injected kind moves
    "smile": ["mc_l", "mc_r"],
    "smirk": ["mc_l", "mc_r"],
    "frown": ["mc_l", "mc_r"],
    "brow_lower": ["brow_l", "brow_r", "glab"],
    "brow_raise": ["brow_l", "brow_r"],
    "nose_wrinkle": ["nose_w", "ulip", "glab"],
}
FLOW_COLUMNS = sorted({r for v in REGIONS.values() for r in v})
BLENDSHAPES = {  # the face model's outputs each injected kind moves (``--flow DIR``: "by blendshape" table)
    "smile": ["bs_mouthSmileLeft", "bs_mouthSmileRight", "bs_cheekSquintLeft", "bs_cheekSquintRight"],
    "smirk": ["bs_mouthSmileLeft", "bs_mouthSmileRight", "bs_mouthDimpleLeft", "bs_mouthDimpleRight"],
    "frown": ["bs_mouthFrownLeft", "bs_mouthFrownRight"],
    "brow_lower": ["bs_browDownLeft", "bs_browDownRight"],
    "brow_raise": ["bs_browInnerUp", "bs_browOuterUpLeft", "bs_browOuterUpRight"],
    "nose_wrinkle": ["bs_noseSneerLeft", "bs_noseSneerRight", "bs_mouthUpperUpLeft", "bs_mouthUpperUpRight"],
}


def excursion(t: np.ndarray, v: np.ndarray, window_s: float = 3.0) -> np.ndarray:
    """The row minus its trailing ``window_s`` median (the spotter's floor is a 3 s median)."""
    s = pd.Series(v, index=pd.to_datetime(t, unit="s"))
    return v - s.rolling(f"{int(window_s * 1000)}ms", min_periods=1).median().to_numpy()


def _col(df: pd.DataFrame, a: str) -> np.ndarray:
    return df[a].fillna(0.0).to_numpy(dtype=float)


def _q95(x: np.ndarray, floor: float) -> float:
    return max(float(np.quantile(x, 0.95)), floor)


def own_scale(t: np.ndarray, v: np.ndarray) -> float:
    """A talker's own movement of one row: its 0.95-quantile |excursion| after the warm-up (at least 0.02)."""
    return _q95(np.abs(excursion(t, v)[t > WARM_S]), 0.02)


def scales(clean: pd.DataFrame, columns=COLUMNS) -> dict[str, float]:
    """Each column's own movement in the clean rendering."""
    t = clean.time_s.to_numpy()
    return {a: own_scale(t, _col(clean, a)) for a in columns}


def rises(t: np.ndarray, df: pd.DataFrame, sc: dict[str, float]) -> dict[str, np.ndarray]:
    """Each column's rise above its trailing median, in units of the talker's own movement."""
    return {a: np.maximum(excursion(t, _col(df, a)), 0) / sc[a] for a in sc}


def _crossings(z: np.ndarray, k: float) -> int:
    """Upward crossings of ``k``."""
    return int(np.sum((z[1:] > k) & (z[:-1] <= k)))


def _minutes(t: np.ndarray) -> float:
    """Minutes of rows after the warm-up."""
    return (t[t > WARM_S][-1] - t[t > WARM_S][0]) / 60.0


def episodes(splits: list[str], data: Path) -> tuple[pd.DataFrame, dict]:
    """One row per injected episode: its largest effect, the noise and the talker's scale, and for every ``k``
    whether the injected and the clean rows reach ``k`` scales inside its window. Also the clean crossings."""
    rows, crossings, minutes = [], dict.fromkeys(KS, 0), 0.0
    clean_cache: dict = {}
    for key in inject.TUNE_SOURCES:
        clean = spotting.signals_for(key, 25, None, data)[0].sort_values("time_s")
        sc = scales(clean)
        t = clean.time_s.to_numpy()
        z = np.stack(list(rises(t, clean, sc).values()), 1)[t > WARM_S].max(1)
        minutes += _minutes(t)
        for k in KS:
            crossings[k] += _crossings(z, k)
        clean_cache[key] = (clean, sc)
    for split in splits:
        for key, fps, seed in spotting.clips(split):
            df, truth_path, _ = spotting.signals_for(key, fps, seed, data)
            df = df.sort_values("time_s")
            clean, sc = clean_cache[key]
            truth = pd.read_csv(truth_path)
            t = df.time_s.to_numpy()
            near = np.zeros(len(t), bool)
            for tr in truth.itertuples():
                near |= (t > tr.onset_s - 0.3) & (t < tr.offset_s + 0.3)
            per = {}
            for a in COLUMNS:
                c = np.interp(t, clean.time_s.to_numpy(), _col(clean, a))
                x = _col(df, a)
                eff = x - c
                noise = _q95(np.abs(eff[~near & (t > WARM_S)]), 0.02)
                per[a] = (eff, noise, np.maximum(excursion(t, x), 0) / sc[a], np.maximum(excursion(t, c), 0) / sc[a])
            for tr in truth.itertuples():
                m = (t >= tr.onset_s) & (t <= tr.offset_s)
                if not m.any():
                    continue
                cols = AUS[tr.inj_kind]
                best = max(cols, key=lambda a: per[a][0][m].max() / sc[a])
                eff, noise, _, _ = per[best]
                zi = max(per[a][2][m].max() for a in cols)
                zc = max(per[a][3][m].max() for a in cols)
                row = {"split": split, "clip": f"{key}_{fps}", "fps": fps, "kind": tr.inj_kind,
                       "amplitude": tr.amplitude, "bin": tr.bin, "au": best, "effect": float(eff[m].max()),
                       "noise": noise, "scale": sc[best]}
                row["seen"] = row["effect"] > noise
                row["above_own"] = row["effect"] > sc[best]
                for k in KS:
                    row[f"reach_{k}"] = zi > k
                    row[f"beyond_{k}"] = zi > k and not zc > k
                rows.append(row)
    return pd.DataFrame(rows), {"crossings": crossings, "minutes": minutes}


def _flow(flow_dir: Path, name: str, t: np.ndarray) -> dict[str, np.ndarray]:
    """Each region's flow magnitude over 80 ms at the times ``t`` (NaN rows: 0)."""
    fl = pd.read_parquet(flow_dir / f"v2_{name}.parquet").sort_values("time_s")
    out = {}
    for r in FLOW_COLUMNS:
        m = np.hypot(fl[f"flS_{r}_x"], fl[f"flS_{r}_y"]).fillna(0.0).to_numpy()
        out[r] = np.interp(t, fl.time_s.to_numpy(), m)
    return out


def blendshape_table(splits: list[str], data: Path, flow_dir: Path) -> pd.DataFrame:
    """Per injected episode: whether its effect on the blendshapes its kind moves passes the talker's own
    0.95-quantile movement of that blendshape (as ``above_own`` does for the AU columns), and which one did most."""
    rows = []
    for split in splits:
        for key, fps, seed in spotting.clips(split):
            df, truth_path, _ = spotting.signals_for(key, fps, seed, data)
            t = df.sort_values("time_s").time_s.to_numpy()
            ct = spotting.signals_for(key, 25, None, data)[0].sort_values("time_s").time_s.to_numpy()
            bi = _blendshapes(flow_dir, f"{key}_{fps}fps_s{seed}", t)
            bc = _blendshapes(flow_dir, f"{key}_25fps_clean", ct)
            own = {c: own_scale(ct, v) for c, v in bc.items()}
            for tr in pd.read_csv(truth_path).itertuples():
                m = (t >= tr.onset_s) & (t <= tr.offset_s)
                if not m.any():
                    continue
                ratio = {c: float((bi[c] - np.interp(t, ct, bc[c]))[m].max()) / own[c]
                         for c in BLENDSHAPES[tr.inj_kind]}
                best = max(ratio, key=ratio.get)
                rows.append({"kind": tr.inj_kind, "amplitude": tr.amplitude, "above_own_bs": ratio[best] > 1.0,
                             "blendshape": best[3:]})
    return pd.DataFrame(rows)


def flow_curves(splits: list[str], data: Path, flow_dir: Path) -> dict:
    """Operating curves for the flow alone and for the AU rows and the flow together (see the module doc)."""
    res = {w: {"crossings": dict.fromkeys(KS, 0), "reach": dict.fromkeys(KS, 0), "beyond": dict.fromkeys(KS, 0)}
           for w in ("flow", "both")}
    minutes, n, ref = 0.0, 0, {}
    for key in inject.TUNE_SOURCES:
        clean = spotting.signals_for(key, 25, None, data)[0].sort_values("time_s")
        t = clean.time_s.to_numpy()
        fz = _flow(flow_dir, f"{key}_25fps_clean", t)
        fsc = {r: _q95(v[t > WARM_S], 1e-3) for r, v in fz.items()}
        sc = scales(clean)
        za_cols = rises(t, clean, sc)
        za = np.stack(list(za_cols.values()), 1).max(1)
        zf = np.stack([fz[r] / fsc[r] for r in FLOW_COLUMNS], 1).max(1)
        m = t > WARM_S
        minutes += _minutes(t)
        for w, z in (("flow", zf[m]), ("both", np.maximum(za, zf)[m])):
            for k in KS:
                res[w]["crossings"][k] += _crossings(z, k)
        ref[key] = (t, sc, fsc, fz, za_cols)
    for split in splits:
        for key, fps, seed in spotting.clips(split):
            df, truth_path, _ = spotting.signals_for(key, fps, seed, data)
            df = df.sort_values("time_s")
            ct, sc, fsc, fzc, zac = ref[key]
            t = df.time_s.to_numpy()
            fz = _flow(flow_dir, f"{key}_{fps}fps_s{seed}", t)
            za = rises(t, df, sc)
            for tr in pd.read_csv(truth_path).itertuples():
                m = (t >= tr.onset_s) & (t <= tr.offset_s + 0.1)
                mc = (ct >= tr.onset_s) & (ct <= tr.offset_s + 0.1)
                if not m.any():
                    continue
                n += 1
                vf = max(fz[r][m].max() / fsc[r] for r in REGIONS[tr.inj_kind])
                vfc = max(fzc[r][mc].max() / fsc[r] for r in REGIONS[tr.inj_kind]) if mc.any() else 0.0
                va = max(za[a][m].max() for a in AUS[tr.inj_kind])
                vac = max(zac[a][mc].max() for a in AUS[tr.inj_kind])
                for w, v, vc in (("flow", vf, vfc), ("both", max(vf, va), max(vfc, vac))):
                    for k in KS:
                        res[w]["reach"][k] += v > k
                        res[w]["beyond"][k] += v > k and not vc > k
    for w in res:
        res[w]["n"], res[w]["minutes"] = n, minutes
    return res


LEARNED_COLUMNS = list(dict.fromkeys(
    COLUMNS + ["au05", "au07", "au07g", "au17", "au20", "au23", "au24", "au26", "mouth_open"]))


def _blendshapes(flow_dir: Path, name: str, t: np.ndarray) -> dict[str, np.ndarray]:
    """The Face Landmarker's blendshapes (``bs_*`` columns of flow_probe.py extract) at the times ``t``."""
    fl = pd.read_parquet(flow_dir / f"v2_{name}.parquet").sort_values("time_s")
    cols = [c for c in fl.columns if c.startswith("bs_") and c != "bs__neutral"]  # movements, not "neutral"
    if not cols:
        raise SystemExit(f"{flow_dir}: no blendshapes; run flow_probe.py extract again (it keeps them now)")
    return {c: np.interp(t, fl.time_s.to_numpy(), fl[c].fillna(0.0).to_numpy()) for c in cols}


def _window_features(t: np.ndarray, df: pd.DataFrame, sc: dict, flow: dict | None, fsc: dict | None,
                     bs: dict | None = None) -> np.ndarray:
    idx = pd.to_datetime(t, unit="s")
    out = []
    rows = [(_col(df, a), sc[a]) for a in LEARNED_COLUMNS] + [(v, sc[c]) for c, v in (bs or {}).items()]
    for x, scale in rows:
        e = excursion(t, x) / scale
        w = pd.Series(e, index=idx).rolling("500ms", min_periods=1, center=True)
        out += [e, w.max().to_numpy(), w.mean().to_numpy(), e - np.interp(t - 0.12, t, e)]
    if flow is not None:
        for r in FLOW_COLUMNS:
            v = flow[r] / fsc[r]
            out += [v, pd.Series(v, index=idx).rolling("500ms", min_periods=1, center=True).max().to_numpy()]
    out.append(_col(df, "speech") if "speech" in df else np.zeros(len(t)))
    return np.clip(np.stack(out, 1), -10.0, 10.0)


def _logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0):
    from scipy.optimize import minimize

    mu, sd = x.mean(0), x.std(0) + 1e-6
    z = np.hstack([(x - mu) / sd, np.ones((len(x), 1))])

    def loss(w):
        s = z @ w
        g = z.T @ (1.0 / (1.0 + np.exp(-s)) - y)
        g[:-1] += l2 * w[:-1]
        return np.sum(np.logaddexp(0.0, s) - y * s) + 0.5 * l2 * np.sum(w[:-1] ** 2), g

    w = minimize(loss, np.zeros(z.shape[1]), jac=True, method="L-BFGS-B").x
    return lambda q: ((q - mu) / sd) @ w[:-1] + w[-1]


def learned_curve(data: Path, flow_dir: Path | None, budgets=(1, 2, 4, 8), *, use_flow: bool = True,
                  blend: bool = False) -> dict:
    """Recall of calib episodes at each clean false-alarm budget (per minute) for the leave-one-source-out
    logistic detector (see the module doc)."""
    per: dict = {}
    for key in inject.TUNE_SOURCES:
        clean = spotting.signals_for(key, 25, None, data)[0].sort_values("time_s")
        t = clean.time_s.to_numpy()
        sc = scales(clean, LEARNED_COLUMNS)
        fl = fsc = bs = None
        if flow_dir is not None and use_flow:
            fl = _flow(flow_dir, f"{key}_25fps_clean", t)
            fsc = {r: _q95(v[t > WARM_S], 1e-3) for r, v in fl.items()}
        if blend:
            bs = _blendshapes(flow_dir, f"{key}_25fps_clean", t)
            sc |= {c: own_scale(t, v) for c, v in bs.items()}
        per[key] = {"clean": (t, _window_features(t, clean, sc, fl, fsc, bs))}
        for split in ("tune", "calib"):
            for k, fps, seed in spotting.clips(split):
                if k != key:
                    continue
                df, truth_path, _ = spotting.signals_for(k, fps, seed, data)
                df = df.sort_values("time_s")
                ti = df.time_s.to_numpy()
                fi = _flow(flow_dir, f"{k}_{fps}fps_s{seed}", ti) if fl is not None else None
                bi = _blendshapes(flow_dir, f"{k}_{fps}fps_s{seed}", ti) if blend else None
                truth = pd.read_csv(truth_path)
                y = np.zeros(len(ti))
                for tr in truth.itertuples():
                    y[(ti >= tr.onset_s) & (ti <= tr.offset_s)] = 1.0
                per[key].setdefault(split, []).append((ti, _window_features(ti, df, sc, fi, fsc, bi), y, truth))
    reached, n = dict.fromkeys(budgets, 0), 0
    for held in inject.TUNE_SOURCES:
        train = [c for k in inject.TUNE_SOURCES if k != held for c in per[k]["tune"]]
        model = _logistic(np.vstack([c[1] for c in train]), np.concatenate([c[2] for c in train]))
        tc, xc = per[held]["clean"]
        zc = model(xc)[tc > WARM_S]
        minutes = _minutes(tc)
        peaks = []
        for ti, xi, _, truth in per[held]["calib"]:
            s = model(xi)
            peaks += [s[(ti >= tr.onset_s) & (ti <= tr.offset_s)].max(initial=-np.inf) for tr in truth.itertuples()]
        peaks = np.array(peaks)
        n += len(peaks)
        for b in budgets:
            th = np.inf
            for cand in np.unique(np.round(zc, 3))[::-1]:  # from the top down, while within the budget
                if _crossings(zc, cand) / minutes > b:
                    break
                th = cand
            reached[b] += int(np.sum(peaks > th))
    return {b: reached[b] / n for b in budgets} | {"n": n}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--splits", default="tune,calib", help="benchmark v2 splits with injections (tune, calib)")
    ap.add_argument("--data", type=Path, default=inject.DEFAULT_DATA)
    ap.add_argument("--csv", type=Path, help="also write the per-episode rows here")
    ap.add_argument("--flow", type=Path, help="flow_probe.py extract output: also the flow's curves")
    ap.add_argument("--learned", choices=("au", "au+flow", "au+bs", "au+bs+flow"),
                    help="also the leave-one-source-out logistic detector over these inputs (bs: the face model's "
                    "blendshapes; flow and bs are read from --flow DIR)")
    a = ap.parse_args()
    if a.learned and a.learned != "au" and not a.flow:
        ap.error(f"--learned {a.learned} needs --flow DIR (flow_probe.py extract keeps the flow and the blendshapes)")
    splits = [s for s in a.splits.split(",") if s]
    if "heldout" in splits:
        ap.error("held-out seeds are scored once per declared change, not explored: use tune and calib")
    spotting.use_version(2)
    r, clean = episodes(splits, a.data)
    if a.csv:
        r.to_csv(a.csv, index=False)
    print(f"benchmark v2 {'+'.join(splits)}: {len(r)} injected episodes")
    print(f"seen by the face model: {r.seen.mean():.3f}; above the talker's own 0.95-quantile movement: "
          f"{r.above_own.mean():.3f}")
    for col in ("amplitude", "kind", "bin", "fps"):
        g = r.groupby(col).agg(n=("seen", "size"), seen=("seen", "mean"), above_own=("above_own", "mean"),
                               effect=("effect", "median"), own=("scale", "median"))
        print(g.round(3).to_string(), "\n")
    print("operating curve (k x the talker's own 0.95-quantile excursion, known in advance):")
    print(f"{'k':>5} {'clean crossings /min':>21} {'reached':>8} {'beyond chance':>14}")
    for k in KS:
        print(f"{k:5.2f} {clean['crossings'][k] / clean['minutes']:21.2f} {r[f'reach_{k}'].mean():8.3f} "
              f"{r[f'beyond_{k}'].mean():14.3f}")
    if a.flow:
        b = blendshape_table(splits, a.data, a.flow)
        b["above_own_au"] = r["above_own"].to_numpy()
        print("\nabove the talker's own movement, AU columns against the face model's blendshapes:")
        for col in ("kind", "amplitude"):
            print(b.groupby(col).agg(n=("kind", "size"), au=("above_own_au", "mean"),
                                     blendshape=("above_own_bs", "mean")).round(3).to_string(), "\n")
        print(f"all: AU {b.above_own_au.mean():.3f}, blendshape {b.above_own_bs.mean():.3f}; the blendshape that "
              "passed most, per kind: " + "; ".join(
                  f"{k} {g[g.above_own_bs].blendshape.value_counts().idxmax()}"
                  for k, g in b.groupby("kind") if g.above_own_bs.any()))
        for w, res in flow_curves(splits, a.data, a.flow).items():
            label = "flow over 80 ms alone" if w == "flow" else "AU rows and flow together (the larger)"
            print(f"\n{label} ({res['n']} episodes):")
            print(f"{'k':>5} {'clean crossings /min':>21} {'reached':>8} {'beyond chance':>14}")
            for k in KS:
                print(f"{k:5.2f} {res['crossings'][k] / res['minutes']:21.2f} {res['reach'][k] / res['n']:8.3f} "
                      f"{res['beyond'][k] / res['n']:14.3f}")
    if a.learned:
        res = learned_curve(a.data, a.flow, use_flow="flow" in a.learned, blend="bs" in a.learned)
        label = {"au": "AU rows", "au+flow": "AU rows and flow", "au+bs": "AU rows and the blendshapes",
                 "au+bs+flow": "AU rows, the blendshapes and flow"}[a.learned]
        print(f"\nlogistic window detector over the {label}, one source left out ({res.pop('n')} calib episodes):")
        for b, v in res.items():
            print(f"  within {b} clean false alarms /min: {v:.3f} reached")


if __name__ == "__main__":
    main()
