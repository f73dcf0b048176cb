"""Spotting benchmark: injected expression episodes in real talking-head clips, scored with evaluate_spotting.

    python bench/spotting.py prepare              # render clips (bench/inject.py) + microcue.analyze, cached
    python bench/spotting.py score --split heldout [--json bench/out/spotting/heldout.json]
    python bench/spotting.py score --version 2 --split fit --calibrate --count-own   # fit the confidence model
                                                              # (CONF_W) on v2 tune + calib

Everything lives in bench/out/spotting/ (gitignored): clips/NAME.mp4 + NAME.csv (truth), signals/NAME.parquet.
Splits: ``tune`` = seed 0 (4 sources x 15/25/30 fps), ``calib`` = seed 2 (the same 4 sources; only for fitting the
confidence model; ``fit`` = tune + calib), ``heldout`` = seed 1 (8 sources x 15/25/30 fps),
``clean`` = the same 8 sources at 25 fps with nothing injected (false alarms per minute).

``--version 2`` (bench/SPOTTING_V2_DECLARED.md): 40 s clips, first injection at 8 s, seeds tune 10 / heldout 11 /
calib 12, the same splits, everything in bench/out/spotting_v2/:

    python bench/spotting.py prepare --version 2 --splits tune calib clean
    python bench/spotting.py score --version 2 --split tune
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import itertools

import inject

from microcue.events.spotter import CONF_FEATURES

FPS = (15, 25, 30)
VERSIONS = {
    1: {"out": inject.REPO / "bench" / "out" / "spotting", "clip_s": inject.CLIP_S, "first_s": inject.FIRST_S,
        "tune": inject.TUNE_SEEDS, "calib": inject.CALIB_SEEDS, "heldout": inject.HELD_OUT_SEEDS},
    2: {"out": inject.REPO / "bench" / "out" / "spotting_v2", "clip_s": inject.CLIP_S_V2,
        "first_s": inject.FIRST_S_V2, "tune": inject.TUNE_SEEDS_V2, "calib": inject.CALIB_SEEDS_V2,
        "heldout": inject.HELD_OUT_SEEDS_V2},
}
V = VERSIONS[1]
OUT = V["out"]
VERSION = 1
REPLAYED: Path | None = None
"""When set, :func:`signals_for` reads each clip's signal rows from ``REPLAYED/v<version>_<clip>/signals.parquet``
(``bench/replay_signals.py signals bench/out/spotting_raw --out REPLAYED``: the rows re-made from the clips' kept
face rows by the installed signal stage) instead of the ``prepare`` cache: a signal-stage candidate (the neutral,
the AUs' read-out) is scored on the benchmark in seconds. ``spot_check.py --replayed``."""


def use_version(n: int) -> None:
    """Read / write benchmark version ``n`` (1: 10 s clips, the default; 2: 40 s clips)."""
    global V, OUT, VERSION
    V = VERSIONS[n]
    OUT = V["out"]
    VERSION = n


def clips(split: str) -> list[tuple[str, int, int | None]]:
    if split == "tune":
        return [(k, f, s) for k in inject.TUNE_SOURCES for f in FPS for s in V["tune"]]
    if split == "fit":  # what the confidence model is fitted on (--calibrate)
        return clips("tune") + clips("calib")
    if split == "fitclean":  # the same and the clean clips (bench/CONF_CLEAN_DECLARED.md)
        return clips("tune") + clips("calib") + clips("clean")
    if split == "calib":
        return [(k, f, s) for k in inject.TUNE_SOURCES for f in FPS for s in V["calib"]]
    if split == "heldout":
        return [(k, f, s) for k in inject.SOURCES for f in FPS for s in V["heldout"]]
    if split == "clean":
        return [(k, 25, None) for k in inject.SOURCES]
    raise SystemExit(f"unknown split {split!r}")


_VAD: dict = {}
AUDIO = True  # add the source's voice activity as the rows' ``speech`` field (``--no-audio``: leave it out)


def add_speech(df, key: str, data: Path):
    """The rendered clips are silent, but they replay the source's frames at known source times (ping-pong), so the
    source's audio VAD (microcue.events.vad.voice_activity) gives each row's ``speech`` exactly as a file with its
    audio would."""
    from microcue.events.vad import speech_at, voice_activity

    if key not in _VAD:
        z = np.load(OUT / "_lm" / f"{key}.npz")
        pts = z["pts"]
        _VAD[key] = (voice_activity(data / inject.SOURCES[key]), float(pts[-1]) if len(pts) > 1 else 1.0)
    (vt, vs), dur = _VAD[key]
    u = np.asarray(df["time_s"], float) % (2 * dur)
    u = np.where(u <= dur, u, 2 * dur - u)
    df = df.copy()
    df["speech"] = [np.nan if v is None else float(v) for v in speech_at(u, vt, vs)]
    return df


_OWN: list | None = None


def source_own(key: str, e) -> bool:
    """Whether an event of a clip of source ``key`` is (at least half of its duration, mapped back through the
    ping-pong to source time) inside one of the source's own expressions listed by eye in
    bench/source_expressions.csv (from the natural-footage audit, docs/spotting.md): a real expression of the
    person, not a false alarm, though the strict score counts it as one."""
    global _OWN
    if _OWN is None:
        import csv

        with open(Path(__file__).with_name("source_expressions.csv")) as f:
            _OWN = [(r["source"], float(r["onset_s"]), float(r["offset_s"])) for r in csv.DictReader(f)]
    spans = [(a, b) for k, a, b in _OWN if k == key]
    if not spans or e.offset_s <= e.onset_s:
        return False
    dur = _source_duration(OUT, key)
    t = np.linspace(e.onset_s, e.offset_s, 50)
    u = t % (2 * dur)
    u = np.where(u <= dur, u, 2 * dur - u)
    inside = np.zeros(len(u), bool)
    for a, b in spans:
        inside |= (u >= a) & (u <= b)
    return bool(inside.mean() >= 0.5)


@functools.cache
def _source_duration(out: Path, key: str) -> float:
    """The source clip's length (its last frame time), read once per benchmark version and source."""
    pts = np.load(out / "_lm" / f"{key}.npz")["pts"]
    return float(pts[-1]) if len(pts) > 1 else 1.0


def signals_for(key: str, fps: int, seed: int | None, data: Path):
    """Render (cached) and analyse (cached) one clip; return (signals DataFrame, truth csv or None, duration)."""
    import pandas as pd

    video, truth = inject.render(key, data, OUT / "_lm", OUT / "clips", fps=fps, seed=seed, clip_s=V["clip_s"],
                                 first_s=V["first_s"])
    sig = OUT / "signals" / f"{video.stem}.parquet"
    if REPLAYED is not None:
        sig = REPLAYED / f"v{VERSION}_{video.stem}" / "signals.parquet"
        if not sig.exists():
            raise FileNotFoundError(f"{sig}: no replayed rows for this clip (bench/replay_signals.py signals)")
    elif not sig.exists():
        import microcue

        sig.parent.mkdir(parents=True, exist_ok=True)
        a = microcue.analyze(video, out_dir=OUT / "runs" / video.stem, workers=1)
        a.signals.to_parquet(sig, index=False)
    df = pd.read_parquet(sig)
    if AUDIO:
        df = add_speech(df, key, data)
    return df, truth, V["clip_s"]


def prepare(data: Path, splits=("tune", "calib", "heldout", "clean")) -> None:
    t0 = time.time()
    for split in splits:
        for key, fps, seed in clips(split):
            df, _, _ = signals_for(key, fps, seed, data)
            print(f"{time.time() - t0:7.1f}s {split} {key} {fps} fps seed {seed}: {len(df)} rows", flush=True)


def spot_traced(df, params: dict) -> tuple[list, dict]:
    """spot_events with every spotter's episode trace kept: (events, {(participant, onset, offset): features})."""
    from microcue.events import EventSpotter

    spotters: dict = {}
    events = []
    for row in df.sort_values("time_s", kind="stable").to_dict("records"):
        pid = str(row.get("participant") or "P1")
        if pid not in spotters:
            spotters[pid] = EventSpotter(pid, **params)
            spotters[pid].trace_ = []
        events += spotters[pid].update(row)
    for sp in spotters.values():
        events += sp.flush()
    feats = {(pid, t["onset"], t["offset"]): t for pid, sp in spotters.items() for t in sp.trace_}
    return sorted(events, key=lambda e: e.onset_s), feats


def run(split: str, data: Path, params: dict) -> tuple[list, list]:
    """Spot every clip of a split; return per-clip records and per-event records (for calibration)."""
    from microcue.events.evaluate import match, read_truth, score

    recs, evrecs = [], []
    own: dict = {}  # source -> events spotted in its clean rendering (the source's own movements)
    for key, fps, seed in clips(split):
        df, truth_path, dur = signals_for(key, fps, seed, data)
        events, feats = spot_traced(df, params)
        if seed is not None and key not in own:
            own[key] = spot_traced(signals_for(key, 25, None, data)[0], params)[0]
        truth = [t for t in read_truth(truth_path)] if truth_path else []
        tmeta = []
        if truth_path:
            import pandas as pd

            tmeta = pd.read_csv(truth_path).to_dict("records")
        res = score(events, truth, duration_s=dur)
        expr = [e for e in events if e.kind in ("micro", "macro")]
        pairs = match(expr, truth)
        hit = {i: j for i, j, _ in pairs}
        for i, e in enumerate(expr):
            f = feats[(e.participant, e.onset_s, e.offset_s)]
            evrecs.append({"clip": f"{key}_{fps}", "conf": e.confidence, "matched": i in hit, "kind": e.kind,
                           "own": i not in hit and source_own(key, e),
                           "features": {k: f[k] for k in CONF_FEATURES}})
        recs.append(
            {
                "key": key,
                "fps": fps,
                "seed": seed,
                "res": res,
                "truth": tmeta,
                "hit_truth": {j: expr[i] for i, j in hit.items()},
                "chance": sum(any(_iou(expr[i], o) >= 0.5 for o in own.get(key, ())) for i in hit),
                "n_expr": len(expr),
                "own_eye": sum(source_own(key, e) for i, e in enumerate(expr) if i not in hit),
                "duration": dur,
                "events": events,
            }
        )
    return recs, evrecs


def _iou(a, b) -> float:
    inter = max(0.0, min(a.offset_s, b.offset_s) - max(a.onset_s, b.onset_s))
    union = max(a.offset_s, b.offset_s) - min(a.onset_s, b.onset_s)
    return inter / union if union > 0 else 0.0


def summarise(recs: list, evrecs: list) -> dict:
    out: dict = {}
    for fps in FPS + ("all",):
        rs = [r for r in recs if fps == "all" or r["fps"] == fps]
        if not rs:
            continue
        agg = {}
        for kind in ("micro", "macro"):
            tp = sum(r["res"][kind]["tp"] for r in rs)
            npred = sum(r["res"][kind]["n_pred"] for r in rs)
            nt = sum(r["res"][kind]["n_true"] for r in rs)
            p = tp / npred if npred else 0.0
            rc = tp / nt if nt else 0.0
            agg[kind] = {
                "tp": tp,
                "n_pred": npred,
                "n_true": nt,
                "precision": round(p, 3),
                "recall": round(rc, 3),
                "f1": round(2 * p * rc / (p + rc), 3) if p + rc else 0.0,
            }
        tp = sum(r["res"]["tp"] for r in rs)
        npred = sum(r["res"]["n_pred"] for r in rs)
        nt = sum(r["res"]["n_true"] for r in rs)
        p, rc = (tp / npred if npred else 0.0), (tp / nt if nt else 0.0)
        agg["overall"] = {
            "precision": round(p, 3),
            "recall": round(rc, 3),
            "f1": round(2 * p * rc / (p + rc), 3) if p + rc else 0.0,
            "tp": tp,
            "n_true": nt,
            "n_pred": npred,
        }
        # hits that the source's own movement explains: the matched event is also spotted (IoU >= 0.5, as an
        # expression or a brow flash) in the same source rendered with nothing injected (clean, same source times)
        chance = sum(r["chance"] for r in rs)
        agg["overall"]["chance_hits"] = chance
        agg["overall"]["recall_not_chance"] = round((tp - chance) / nt, 3) if nt else 0.0
        errs = {"onset": [], "apex": [], "offset": []}
        emo = []
        for r in rs:
            for j, e in r["hit_truth"].items():
                t = r["truth"][j]
                errs["onset"].append(e.onset_s - t["onset_s"])
                errs["apex"].append(e.apex_s - t["apex_s"])
                errs["offset"].append(e.offset_s - t["offset_s"])
                emo.append(e.emotion == t["emotion"])
        for k, v in errs.items():
            agg[f"{k}_mae_s"] = round(float(np.mean(np.abs(v))), 4) if v else None
            agg[f"{k}_bias_s"] = round(float(np.mean(v)), 4) if v else None
        agg["emotion_accuracy"] = round(float(np.mean(emo)), 3) if emo else None
        fa = sum(r["res"]["false_alarms"] for r in rs)
        agg["false_alarms_per_min"] = round(fa / (sum(r["duration"] for r in rs) / 60), 2)
        # the same, leaving out unmatched events that are the source person's own expressions (seen by eye)
        own = sum(r["own_eye"] for r in rs)
        agg["source_own_events"] = own
        agg["overall"]["precision_not_source"] = round(tp / (npred - own), 3) if npred - own else 0.0
        agg["false_alarms_per_min_not_source"] = round((fa - own) / (sum(r["duration"] for r in rs) / 60), 2)
        out[str(fps)] = agg
    # recall per amplitude and per duration bin; F1 per bin with the split's overall precision
    p_all = out["all"]["overall"]["precision"] if "all" in out else 0.0
    for field in ("amp", "bin", "inj_kind"):
        tab = {}
        for r in recs:
            for j, t in enumerate(r["truth"]):
                d = tab.setdefault(t[field], [0, 0, 0])
                d[1] += 1
                if j in r["hit_truth"]:
                    d[0] += 1
                    d[2] += r["hit_truth"][j].emotion == t["emotion"]
        out[f"by_{field}"] = {
            k: {
                "n": n,
                "recall": round(h / n, 3),
                "f1": round(2 * p_all * (h / n) / (p_all + h / n), 3) if h else 0.0,
                "emotion_acc": round(e / h, 3) if h else None,
            }
            for k, (h, n, e) in tab.items()
        }
    # reliability table
    bins = [0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 1.01]
    rel = []
    for lo, hi in itertools.pairwise(bins):
        sel = [e for e in evrecs if lo <= e["conf"] < hi]
        if sel:
            rel.append(
                {
                    "conf": f"{lo:.1f}-{min(hi, 1):.1f}",
                    "n": len(sel),
                    "mean_conf": round(float(np.mean([e["conf"] for e in sel])), 3),
                    "real": round(float(np.mean([e["matched"] for e in sel])), 3),
                    "real_or_own": round(float(np.mean([e["matched"] or e.get("own", False) for e in sel])), 3),
                }
            )
    out["reliability"] = rel
    return out


def clean_summary(recs: list) -> dict:
    """False alarms of the ``clean`` split (nothing injected): expression events per minute, and without the ones
    that are the source person's own expressions seen by eye."""
    fa = sum(r["n_expr"] for r in recs)
    dur = sum(r["duration"] for r in recs)
    own = sum(r["own_eye"] for r in recs)
    return {"false_alarms_per_min": round(fa / dur * 60, 2), "events": fa, "seconds": dur,
            "brow_flashes": sum(e.kind == "brow_flash" for r in recs for e in r["events"]),
            "source_own_events": own, "false_alarms_per_min_not_source": round((fa - own) / dur * 60, 2)}


def parse_params(items: list[str]) -> dict[str, float]:
    """``["NAME=VALUE", ...]`` (the ``--param`` options of the bench scripts) -> EventSpotter keyword arguments."""
    return {k: float(v) for k, v in (p.split("=", 1) for p in items)}


def calibrate(evrecs: list, l2: float = 3.0, count_own: bool = False) -> dict:
    """Fit the confidence model: logistic regression of real / not on the named episode features
    (microcue.events.spotter.CONF_FEATURES), L2 penalty ``l2`` on the weights (not the bias), Newton steps.
    Real = matched an injected episode, or with ``count_own`` also an unmatched event that is the source person's
    own expression seen by eye (bench/source_expressions.csv)."""
    x = np.array([[1.0] + [e["features"][k] for k in CONF_FEATURES] for e in evrecs])
    y = np.array([float(e["matched"] or (count_own and e.get("own", False))) for e in evrecs])
    pen = np.diag([0.0] + [l2] * len(CONF_FEATURES))
    w = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-(x @ w)))
        grad = x.T @ (p - y) + pen @ w
        hess = (x * (p * (1 - p))[:, None]).T @ x + pen
        w -= np.linalg.solve(hess, grad)
    return {"bias": round(float(w[0]), 3)} | {k: round(float(v), 3) for k, v in zip(CONF_FEATURES, w[1:])}


def show(name: str, s: dict) -> str:
    lines = [
        f"## {name}",
        (
            "| fps | micro P/R/F1 | macro P/R/F1 | overall F1 | onset MAE s | apex MAE s | offset MAE s "
            "| emotion acc | FA/min (without the source's own expressions) |"
        ),
        "|---|---|---|---|---|---|---|---|---|",
    ]
    chance: list[str] = []
    for fps in [str(f) for f in FPS] + ["all"]:
        if fps not in s:
            continue
        a = s[fps]
        chance.append(f"{fps}: {a['overall']['chance_hits']} of {a['overall']['tp']} hits "
                      f"(recall without them {a['overall']['recall_not_chance']})")
        mi, ma = a["micro"], a["macro"]
        lines.append(
            f"| {fps} | {mi['precision']}/{mi['recall']}/{mi['f1']} ({mi['tp']}/{mi['n_true']}) | "
            f"{ma['precision']}/{ma['recall']}/{ma['f1']} ({ma['tp']}/{ma['n_true']}) | "
            f"{a['overall']['f1']} | {a['onset_mae_s']} | {a['apex_mae_s']} | {a['offset_mae_s']} | "
            f"{a['emotion_accuracy']} | {a['false_alarms_per_min']} ({a['false_alarms_per_min_not_source']}) |"
        )
    lines.append("\nhits the source's own movement explains (also spotted with nothing injected): " + "; ".join(chance))
    if "all" in s:
        a = s["all"]
        lines.append(f"unmatched events that are the source's own expressions seen by eye: {a['source_own_events']}; "
                     f"precision without them {a['overall']['precision_not_source']} "
                     f"(with them {a['overall']['precision']})")
    for field in ("amp", "bin", "inj_kind"):
        tab = s.get(f"by_{field}", {})
        if tab:
            lines.append(f"\n| {field} | n | recall | F1 (with overall precision) | emotion acc |")
            lines.append("|---|---|---|---|---|")
            for k in sorted(tab):
                v = tab[k]
                lines.append(f"| {k} | {v['n']} | {v['recall']} | {v['f1']} | {v['emotion_acc']} |")
    if s.get("reliability"):
        lines.append("\n| confidence | events | mean confidence | share real | real or the source's own |\n"
                     "|---|---|---|---|---|")
        for r in s["reliability"]:
            lines.append(f"| {r['conf']} | {r['n']} | {r['mean_conf']} | {r['real']} | {r['real_or_own']} |")
    return "\n".join(lines)


def plot_reliability(evrecs: list, out: Path, *, title: str, edges=(0.0, 0.3, 0.5, 0.7, 1.0)) -> None:
    """Reliability curve: per confidence bin, the share of events that matched an injected episode, and the share
    that matched one or are the source person's own expression seen by eye (bench/source_expressions.csv), with 90 %
    Wilson intervals and the bin's count, against the bin's mean confidence; the diagonal is perfect calibration."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    conf = np.array([e["conf"] for e in evrecs])
    fig, ax = plt.subplots(figsize=(4.4, 5.0), dpi=120)
    ax.plot([0, 1], [0, 1], ls="--", c="grey", lw=1, label="calibrated")
    series = (
        ("matched an injected episode", [float(e["matched"]) for e in evrecs], "C0", 0.0),
        ("... or the source's own expression (by eye)", [float(e["matched"] or e.get("own", False)) for e in evrecs],
         "C1", 0.008),
    )
    for label, real, colour, shift in series:
        real = np.array(real)
        xs, ys, lo, hi = [], [], [], []
        for a, b in itertools.pairwise(edges):
            sel = (conf >= a) & (conf < b if b < 1 else conf <= b)
            n = int(sel.sum())
            if not n:
                continue
            p, z = real[sel].mean(), 1.645
            c = (p + z * z / (2 * n)) / (1 + z * z / n)
            h = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
            xs.append(conf[sel].mean() + shift)
            ys.append(p)
            lo.append(p - (c - h))
            hi.append(c + h - p)
            if colour == "C0":
                ax.annotate(f"n={n}", (xs[-1], p), textcoords="offset points", xytext=(6, -10), fontsize=8)
        ax.errorbar(xs, ys, yerr=[lo, hi], fmt="o-", c=colour, capsize=3, label=f"{label} (90 % CI)")
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="confidence given", ylabel="share of events that were real",
           title=f"Spotting confidence, {title}")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=7)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cmd", choices=["prepare", "score", "list"],
                    help="list: print 'v<version>_<clip> VIDEO' for --splits (rendering any missing), the clip list "
                    "of `replay_signals.py raw` (bench/out/spotting_clips.txt)")
    ap.add_argument("--split", default="heldout", choices=["tune", "calib", "fit", "fitclean", "heldout", "clean"])
    ap.add_argument("--version", type=int, default=1, choices=sorted(VERSIONS),
                    help="2: 40 s clips in bench/out/spotting_v2 (bench/SPOTTING_V2_DECLARED.md)")
    ap.add_argument("--splits", nargs="+", default=["tune", "calib", "heldout", "clean"],
                    choices=["tune", "calib", "heldout", "clean"], help="prepare: which splits to render + analyse")
    ap.add_argument("--data", default=str(inject.DEFAULT_DATA))
    ap.add_argument("--json", default=None)
    ap.add_argument("--calibrate", action="store_true")
    ap.add_argument("--count-own", action="store_true",
                    help="--calibrate: the source's own expressions (seen by eye) count as real events")
    ap.add_argument("--no-audio", action="store_true", help="no speech field from the source's audio VAD")
    ap.add_argument("--param", action="append", default=[], help="NAME=VALUE spotter parameter")
    ap.add_argument("--plot", default=None, help="write the reliability curve of the split's confidences to this PNG")
    a = ap.parse_args()
    data = Path(a.data)
    global AUDIO
    AUDIO = not a.no_audio
    use_version(a.version)
    if a.cmd == "prepare":
        prepare(data, a.splits)
        return
    if a.cmd == "list":
        for split in a.splits:
            for key, fps, seed in clips(split):
                video, _ = inject.render(key, data, OUT / "_lm", OUT / "clips", fps=fps, seed=seed,
                                         clip_s=V["clip_s"], first_s=V["first_s"])
                print(f"v{a.version}_{video.stem} {video}")
        return
    params = parse_params(a.param)
    recs, evrecs = run(a.split, data, params)
    if a.split == "clean":
        s = clean_summary(recs)
        fa, dur, flashes, own = s["events"], s["seconds"], s["brow_flashes"], s["source_own_events"]
        print(f"## clean (nothing injected): {fa} expression events in {dur:.0f} s = {fa / dur * 60:.2f} per min "
              f"(and {flashes} brow flashes); {own} of them are the source's own expressions seen by eye "
              f"(bench/source_expressions.csv): not counting those, {(fa - own) / dur * 60:.2f} per min")
        for r in recs:
            print(
                f"  {r['key']}: "
                + ", ".join(
                    f"{e.kind} {e.onset_s:.2f}-{e.offset_s:.2f} {e.emotion} {'+'.join(e.aus)} c={e.confidence}"
                    + (" [source's own]" if source_own(r["key"], e) else "")
                    for e in r["events"]
                    if e.kind in ("micro", "macro")
                )
            )
    else:
        s = summarise(recs, evrecs)
        print(show(a.split, s))
        if a.plot:
            plot_reliability(evrecs, Path(a.plot), title=f"split {a.split}")
        if a.calibrate:
            real = sum(bool(e["matched"] or (a.count_own and e.get("own", False))) for e in evrecs)
            print(f"CONF_W = {calibrate(evrecs, count_own=a.count_own)}  # fitted on {len(evrecs)} events, "
                  f"{sum(e['matched'] for e in evrecs)} matched, {real} real")
    if a.json:
        Path(a.json).write_text(json.dumps(s, indent=1))


if __name__ == "__main__":
    main()
