"""Per-frame emotions while a person talks: how often a talking face reads as an emotion it does not show.

    python bench/talk_emotions.py --runs RUNS                  # natural clips (microcue analyze outputs)
    python bench/talk_emotions.py --runs RUNS --clean          # + the spotting benchmark's clean talking clips

RUNS holds ``microcue analyze VIDEO -o RUNS/NAME`` for the audited clips of bench/natural_names.py (the by-eye labels
in bench/natural_names.csv). For each clip it reports, over the frames where the mouth moves in a speech rhythm
(``mouth_activity`` at or above the middle of the speech band) and that lie outside every label row with an
emotion or ``unsure``, the share whose most probable class is an emotion rather than neutral, and the mean valence;
over the other frames outside those rows (the mouth still or slow: *quiet* frames, mostly a face at rest, though
expressions nobody labelled are among them), the share read as neutral.
For every label row with an emotion it checks whether the most probable class of the mean probabilities over the
labelled window is that emotion.

Two columns: ``stored`` = the p_* columns as the run wrote them; ``now`` = the probabilities recomputed from the
same rows' AU deltas (and mouth activity, where the installed microcue has ``row_probs``) by the installed
microcue and its calibration, so a change to how probabilities are made is measured without re-running the face
model.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from microcue.signals.aus import AU_NAMES  # noqa: E402
from microcue.signals.emotions import EMOTIONS, valence_arousal  # noqa: E402

P = [f"p_{e}" for e in EMOTIONS]


def recomputed(df: pd.DataFrame) -> np.ndarray | None:
    """The installed microcue's probabilities for these rows, or None if it has no row-level function."""
    au = df[list(AU_NAMES)].to_numpy(float)
    try:
        from microcue.signals.emotions import held_speech, row_probs
    except ImportError:  # the signal stage's plain call (a calibration change is measured this way)
        from microcue.signals.emotions import emotion_probs

        return emotion_probs(au)
    return row_probs(au, held_speech(df["time_s"].to_numpy(float), df["mouth_activity"].to_numpy(float)))


def talking(df: pd.DataFrame) -> np.ndarray:
    """Rows where the mouth moves in a talking rhythm, as the event spotter decides it without audio:
    ``mouth_activity`` at or above the middle of the speech band (``emotions.SPEECH_BAND``, the spotter's default)."""
    from microcue.signals.emotions import speech_degree

    return speech_degree(df["mouth_activity"].to_numpy(float)) >= 0.5


def clip_report(name: str, df: pd.DataFrame, rows: list[dict]) -> dict:
    t = df["time_s"].to_numpy(float)
    outside = np.ones(len(df), bool)
    for r in rows:
        if r["by_eye"] != "none":
            outside &= ~((t >= float(r["onset_s"])) & (t <= float(r["offset_s"])))
    talk = talking(df)
    sel = talk & outside
    rest = ~talk & outside
    out = {"clip": name, "talk_frames": int(sel.sum()), "rest_frames": int(rest.sum())}
    versions = {"stored": df[P].to_numpy(float)}
    now = recomputed(df)
    if now is not None:
        versions["now"] = now
    au = df[list(AU_NAMES)].to_numpy(float)
    for key, p in versions.items():
        top = p.argmax(1)
        val, _ = valence_arousal(p, au)
        out[f"{key}_emotion_share"] = float(np.mean(top[sel] != 0)) if sel.any() else float("nan")
        out[f"{key}_valence"] = float(np.mean(val[sel])) if sel.any() else float("nan")
        out[f"{key}_rest_neutral"] = float(np.mean(top[rest] == 0)) if rest.any() else float("nan")
        named = []
        for r in rows:
            if r["by_eye"] in EMOTIONS:
                w = (t >= float(r["onset_s"])) & (t <= float(r["offset_s"]))
                got = EMOTIONS[int(p[w].mean(0).argmax())] if w.any() else "(no rows)"
                named.append((r["onset_s"], r["by_eye"], got))
        out[f"{key}_labelled"] = named
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=Path, required=True)
    ap.add_argument("--labels", type=Path, default=HERE / "natural_names.csv")
    ap.add_argument("--clean", action="store_true", help="also the v2 clean clips (bench/out/spotting_v2/signals)")
    ap.add_argument("--clean-from", type=Path, metavar="SRUNS",
                    help="with --clean: the clean clips' rows re-made by `replay_signals.py signals` "
                    "(SRUNS/v2_*_clean), so a change to the AU deltas (the neutral baseline) is measured on them too")
    args = ap.parse_args()
    labels = list(csv.DictReader(args.labels.open()))
    reps = []
    for d in sorted(p for p in args.runs.iterdir() if (p / "signals.parquet").exists()):
        df = pd.read_parquet(d / "signals.parquet")
        for _pid, part in df.groupby("participant"):
            reps.append(clip_report(d.name, part.sort_values("time_s"), [r for r in labels if r["clip"] == d.name]))
    if args.clean:
        if args.clean_from is not None:
            files = sorted(args.clean_from.glob("v2_*_clean/signals.parquet"))
            names = [f.parent.name.split("_")[1] for f in files]
        else:
            files = sorted((HERE / "out" / "spotting_v2" / "signals").glob("*_clean.parquet"))
            names = [f.stem.split("_")[0] for f in files]
        for name, f in zip(names, files, strict=True):
            reps.append(clip_report("clean:" + name, pd.read_parquet(f), []))
    keys = [k for k in ("stored", "now") if f"{k}_emotion_share" in reps[0]]
    print(f"{'clip':14s} {'talking frames':>14s}  " + "  ".join(f"{k}: emotion share / valence" for k in keys))
    for r in reps:
        print(f"{r['clip']:14s} {r['talk_frames']:14d}  "
              + "  ".join(f"{r[f'{k}_emotion_share']:13.2f} / {r[f'{k}_valence']:+.2f}    " for k in keys))
    for k in keys:
        for group, sel in (("natural", [r for r in reps if not r["clip"].startswith("clean:")]),
                           ("clean", [r for r in reps if r["clip"].startswith("clean:")])):
            n = sum(r["talk_frames"] for r in sel)
            if n:
                share = sum(r[f"{k}_emotion_share"] * r["talk_frames"] for r in sel if r["talk_frames"]) / n
                val = sum(r[f"{k}_valence"] * r["talk_frames"] for r in sel if r["talk_frames"]) / n
                print(f"{k}: {group} talking frames {n}: read as an emotion {share:.3f}, mean valence {val:+.3f}")
            n = sum(r["rest_frames"] for r in sel)
            if n:
                share = sum(r[f"{k}_rest_neutral"] * r["rest_frames"] for r in sel if r["rest_frames"]) / n
                print(f"{k}: {group} quiet frames {n}: read as neutral {share:.3f}")
        lab = [x for r in reps for x in r[f"{k}_labelled"]]
        right = sum(got == want for _, want, got in lab)
        print(f"{k}: labelled expressions whose mean probabilities name them: {right} of {len(lab)}")
    if len(keys) == 2:
        for r in reps:
            for (on, want, a), (_, _, b) in zip(r["stored_labelled"], r["now_labelled"]):
                if a != b:
                    print(f"  {r['clip']} {on} by eye {want}: stored {a} -> now {b}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
