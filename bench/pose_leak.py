"""Pose leak bench: how much each raw AU moves with head pitch / yaw / roll on real faces that hold still.

    python bench/pose_leak.py extract            # Face Landmarker over the clips below, cached (bench/out/pose_leak)
    python bench/pose_leak.py report [--md] [--clip webcam]  # per-AU slope / correlation with pitch and yaw
    python bench/pose_leak.py deltas [KEY T0 T1] # streamed NeutralBaseline deltas in pose-extreme vs neutral frames
    python bench/pose_leak.py frames KEY T0 T1   # PNG contact sheet of a time range (to choose segments by eye)

The segments below were chosen by looking at frames (``frames``) BEFORE the AU code was changed: the face is
neutral-ish (no smile, no frown, no brow movement seen by eye) while the head nods or turns. Talking is allowed
(the mouth AUs that talking moves, AU25/26/16/27, are left out of the summary). Raw AUs (``compute_aus_batch``,
no personal baseline) are used, so the numbers say what the AU code does with pose, not what the baseline hides.

Per AU the report gives, over all segments (each segment centred on its own means, so face shape and lighting
differences between people drop out): the least-squares slope per 10 degrees of pitch and of yaw (joint fit with
roll and |yaw|), the correlation with pitch and with |yaw|, and the mean AU in chin-down / chin-up / turned frames
(>= 12 degrees from the segment's median pose) minus the mean in pose-neutral frames (within 4 degrees). ``deltas``
streams a clip through NeutralBaseline + the emotion model (as the signal stage does) and reports the AU deltas and
emotion probabilities in those frame groups: on a neutral face anything above the pose-neutral level is a leak.
The clips are research-only material (see /work/shared/data/README.md): outputs stay in bench/out/ (gitignored).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
OUT = REPO / "bench" / "out" / "pose_leak"
LP = "KwaiVGI__LivePortrait/assets/examples/driving"
CLIPS = {
    "webcam": "Soontosh__DepScopeAIDeployment/OpenFace/samples/2015-10-15-15-14.avi",
    "d6": f"{LP}/d6.mp4",
    "d10": f"{LP}/d10.mp4",
    "d13": f"{LP}/d13.mp4",
    "d18": f"{LP}/d18.mp4",
    "d20": f"{LP}/d20.mp4",
    "katie": "OpenTalker__SadTalker/examples/ref_video/WDA_KatieHill_000.mp4",
    "vr2": "OpenTalker__video-retalking/examples/face/2.mp4",
    "vr4": "OpenTalker__video-retalking/examples/face/4.mp4",
    "vr5": "OpenTalker__video-retalking/examples/face/5.mp4",
}

# (clip, start_s, end_s, what is seen): neutral-ish face, head moving. Chosen by eye from contact sheets.
SEGMENTS: list[tuple[str, float, float, str]] = [
    ("webcam", 0.0, 13.3, "neutral face, head still (pitch/yaw within 5 deg); eyes glance sideways"),
    ("webcam", 13.3, 18.0, "neutral face, head turns right then left (yaw +23 / -25 deg)"),
    ("webcam", 18.0, 23.0, "neutral face, head nods down (pitch -27 deg, chin down) then up (pitch +26 deg)"),
    ("webcam", 23.0, 28.1, "neutral face, head still; eyes roll sideways"),
    ("katie", 0.0, 8.0, "talking, mild smile throughout, one brow raise; head turns yaw -15..+15, pitch -17..+8"),
    ("vr4", 0.0, 6.6, "talking, mostly calm, brief smiles; pitch -10..+3"),
]
"""Chosen by eye before any change to the AU code (contact sheets: ``frames webcam 0 11.5``, ``frames webcam 12
23.5``, ``frames webcam 23 28``, ``frames katie 0.5 7.5``). NB: until 2026-11-25 pitch > 0 was the head tilted
DOWN in these frames, against docs/signals.md; pose_from_transform now gives pitch > 0 = up (chin up).
The webcam clip is the clean case (one neutral face, large nods and turns); the talking clips add everyday head
motion with some expression in it (noisier)."""

SUMMARY_SKIP = ("au25", "au26", "au16", "au27", "au45", "au43")  # talking and blinking move these


def extract(keys: list[str]) -> None:
    """Face Landmarker (microcue's face stage) over each clip; largest face per frame -> OUT/KEY.npz."""
    from microcue.faces.stage import FaceStage
    from microcue.video import open_source

    OUT.mkdir(parents=True, exist_ok=True)
    for key in keys:
        dst = OUT / f"{key}.npz"
        if dst.exists():
            continue
        stage = FaceStage()
        rec: dict[str, list] = {k: [] for k in ("t", "bs", "lm", "tf", "pose", "q")}
        size = None
        try:
            for frame in open_source(DATA / CLIPS[key]):
                size = frame.size
                obs = stage.update(frame)
                if not obs:
                    continue
                o = max(obs, key=lambda o: o.width_px)
                for k, v in zip(rec, (frame.pts_s, o.blendshapes, o.landmarks, o.transform, o.pose_deg, o.quality)):
                    rec[k].append(v)
        finally:
            stage.close()
        np.savez_compressed(dst, size=np.array(size), **{k: np.array(v) for k, v in rec.items()})
        print(f"{key}: {len(rec['t'])} faces", flush=True)


def load(key: str) -> dict:
    z = np.load(OUT / f"{key}.npz")
    return {k: z[k] for k in z}


def raw_aus(d: dict) -> np.ndarray:
    from microcue.signals.aus import compute_aus_batch

    return compute_aus_batch(d["bs"], d["lm"], d["tf"], frame_size=tuple(int(v) for v in d["size"]))


def segment_rows(segments=None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(pose (N, 3) yaw/pitch/roll centred per segment, aus (N, n_aus) centred per segment, segment label per row)."""
    segments = SEGMENTS if segments is None else segments
    poses, aus, labels = [], [], []
    cache: dict = {}
    for key, t0, t1, _ in segments:
        if key not in cache:
            d = load(key)
            cache[key] = (d, raw_aus(d))
        d, a = cache[key]
        m = (d["t"] >= t0) & (d["t"] < t1)
        p = d["pose"][m]
        poses.append(p - np.median(p, axis=0))
        aus.append(a[m] - a[m].mean(axis=0))
        labels += [f"{key}@{t0:g}-{t1:g}"] * int(m.sum())
    return np.concatenate(poses), np.concatenate(aus), labels


def leak_table(pose: np.ndarray, aus: np.ndarray) -> dict[str, dict[str, float]]:
    """Per AU: slope per 10 deg of pitch / yaw (joint least squares with roll and |yaw|), correlations, and the
    mean AU in chin-down (pitch <= -12), chin-up (pitch >= 12) and turned (|yaw| >= 12) frames minus the mean in
    pose-neutral frames (|pitch|, |yaw| < 4), all relative to each segment's median pose."""
    from microcue.signals.aus import AU_NAMES

    yaw, pitch, roll = pose[:, 0], pose[:, 1], pose[:, 2]
    x = np.column_stack([pitch, yaw, roll, np.abs(yaw), np.ones(len(pose))])
    coef, *_ = np.linalg.lstsq(x, aus, rcond=None)
    neu = (np.abs(pitch) < 4) & (np.abs(yaw) < 4)
    groups = {"down": pitch <= -12, "up": pitch >= 12, "turn": np.abs(yaw) >= 12}
    out = {}
    for i, n in enumerate(AU_NAMES):
        a = aus[:, i]
        sd = a.std()
        row = {
            "pitch_per10": 10 * coef[0, i],
            "yaw_per10": 10 * coef[1, i],
            "absyaw_per10": 10 * coef[3, i],
            "r_pitch": float(np.corrcoef(pitch, a)[0, 1]) if sd > 0 else 0.0,
            "r_absyaw": float(np.corrcoef(np.abs(yaw), a)[0, 1]) if sd > 0 else 0.0,
            "sd": float(sd),
        }
        for g, m in groups.items():
            row[f"{g}_minus_neu"] = float(a[m].mean() - a[neu].mean()) if m.any() and neu.any() else float("nan")
        out[n] = row
    return out


def report(md: bool, clip: str | None = None) -> dict[str, dict[str, float]]:
    segments = [s for s in SEGMENTS if clip is None or s[0] == clip]
    pose, aus, labels = segment_rows(segments)
    print(f"{len(segments)} segments ({clip or 'all clips'}), {len(pose)} frames: chin down {(pose[:, 1] <= -12).sum()}"
          f", chin up {(pose[:, 1] >= 12).sum()}, turned {(np.abs(pose[:, 0]) >= 12).sum()}; pitch "
          f"{pose[:, 1].min():.0f}..{pose[:, 1].max():.0f}, yaw {pose[:, 0].min():.0f}..{pose[:, 0].max():.0f} deg")
    tab = leak_table(pose, aus)
    head = ("| AU | pitch slope /10° | yaw slope /10° | abs(yaw) slope /10° | r pitch | r abs(yaw) | down − neu | "
            "up − neu | turn − neu |")
    print(head if md else head.replace("|", " "))
    if md:
        print("|---" * 9 + "|")
    for n, v in tab.items():
        if n.split("_")[0] in SUMMARY_SKIP:
            continue
        print(f"| {n} | {v['pitch_per10']:+.3f} | {v['yaw_per10']:+.3f} | {v['absyaw_per10']:+.3f} | "
              f"{v['r_pitch']:+.2f} | {v['r_absyaw']:+.2f} | {v['down_minus_neu']:+.3f} | {v['up_minus_neu']:+.3f} | "
              f"{v['turn_minus_neu']:+.3f} |")
    print(f"pose leak score (mean over AUs of the largest |pose group - neutral|): {leak_score(tab):.4f}")
    return tab


def leak_score(tab: dict[str, dict[str, float]]) -> float:
    vals = [np.nanmax([abs(v[f"{g}_minus_neu"]) for g in ("down", "up", "turn")])
            for n, v in tab.items() if n.split("_")[0] not in SUMMARY_SKIP]
    return float(np.nanmean(vals))


def streamed(key: str) -> dict[str, np.ndarray]:
    """The whole clip through the signal stage's per-person half (NeutralBaseline + emotion model), one frame at a
    time as in a call: AU deltas over the person's neutral, emotion probabilities, time and pose."""
    import inspect

    from microcue.signals.baseline import NeutralBaseline
    from microcue.signals.emotions import EMOTIONS, emotion_probs

    d = load(key)
    a = raw_aus(d)
    b = NeutralBaseline()
    posed = "pose" in inspect.signature(b.update).parameters
    deltas, probs = [], []
    for i in range(len(a)):
        kw = {"pose": d["pose"][i]} if posed else {}
        delta = b.update(a[i], quality=float(d["q"][i]), **kw)
        deltas.append(delta)
        probs.append(emotion_probs(delta))
    return {"t": d["t"], "pose": d["pose"], "delta": np.array(deltas), "probs": np.array(probs),
            "emotions": np.array(EMOTIONS)}


def delta_report(key: str = "webcam", t0: float = 0.0, t1: float = 1e9) -> dict[str, float]:
    """False activations in a neutral-face clip: mean AU delta (over the person's learned neutral) and emotion
    probabilities in pose-extreme frames (>= 12 degrees from the clip's median pitch or yaw) vs pose-neutral ones."""
    from microcue.signals.aus import AU_NAMES

    s = streamed(key)
    m = (s["t"] >= t0) & (s["t"] < t1)
    p = s["pose"] - np.median(s["pose"][m], axis=0)
    groups = {"neutral": m & (np.abs(p[:, 0]) < 4) & (np.abs(p[:, 1]) < 4),
              "pitch+": m & (p[:, 1] >= 12), "pitch-": m & (p[:, 1] <= -12), "|yaw|": m & (np.abs(p[:, 0]) >= 12)}
    print(f"{key} {t0:g}-{min(t1, float(s['t'][-1])):.1f} s, AU deltas over the streamed neutral (frames: "
          + ", ".join(f"{g} {int(v.sum())}" for g, v in groups.items()) + ")")
    print("| AU | " + " | ".join(groups) + " |\n|---" + "|---" * len(groups) + "|")
    out = {}
    for i, n in enumerate(AU_NAMES):
        if n.split("_")[0] in SUMMARY_SKIP or n.endswith(("_l", "_r")):
            continue
        vals = [float(s["delta"][g, i].mean()) if g.any() else float("nan") for g in groups.values()]
        out.update({f"{n}@{g}": v for g, v in zip(groups, vals)})
        print(f"| {n} | " + " | ".join(f"{v:.3f}" for v in vals) + " |")
    for j, e in enumerate(s["emotions"]):
        vals = [float(s["probs"][g, j].mean()) if g.any() else float("nan") for g in groups.values()]
        out.update({f"p_{e}@{g}": v for g, v in zip(groups, vals)})
        print(f"| p_{e} | " + " | ".join(f"{v:.3f}" for v in vals) + " |")
    ext = groups["pitch+"] | groups["pitch-"] | groups["|yaw|"]
    idx = [i for i, n in enumerate(AU_NAMES) if n.split("_")[0] not in SUMMARY_SKIP and not n.endswith(("_l", "_r"))]
    score = float(s["delta"][ext][:, idx].mean()) if ext.any() else float("nan")
    print(f"mean AU delta in pose-extreme frames (false activation, {len(idx)} AUs): {score:.4f}; in pose-neutral "
          f"frames: {float(s['delta'][groups['neutral']][:, idx].mean()):.4f}")
    out["extreme_mean_delta"] = score
    return out


def frames(key: str, t0: float, t1: float, n: int = 12) -> Path:
    """A contact sheet of ``n`` frames from ``t0`` to ``t1`` with time and pose written on each."""
    import cv2

    from microcue.video import open_source

    d = load(key) if (OUT / f"{key}.npz").exists() else None
    want = list(np.linspace(t0, t1, n))
    tiles = []
    for frame in open_source(DATA / CLIPS[key]):
        if not want:
            break
        if frame.pts_s + 1e-6 < want[0]:
            continue
        want.pop(0)
        img = cv2.cvtColor(frame.image, cv2.COLOR_RGB2BGR)
        s = 240 / max(img.shape[:2])
        img = cv2.resize(img, (int(img.shape[1] * s), int(img.shape[0] * s)))
        txt = f"{frame.pts_s:.1f}s"
        if d is not None and len(d["t"]):
            j = int(np.argmin(np.abs(d["t"] - frame.pts_s)))
            txt += " y{:+.0f} p{:+.0f} r{:+.0f}".format(*d["pose"][j])
        cv2.putText(img, txt, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 255, 255), 1)
        tiles.append(img)
    h = max(t.shape[0] for t in tiles)
    w = max(t.shape[1] for t in tiles)
    tiles = [cv2.copyMakeBorder(t, 0, h - t.shape[0], 0, w - t.shape[1], cv2.BORDER_CONSTANT) for t in tiles]
    while len(tiles) % 4:
        tiles.append(np.zeros_like(tiles[0]))
    sheet = np.vstack([np.hstack(tiles[i:i + 4]) for i in range(0, len(tiles), 4)])
    dst = OUT / "frames" / f"{key}_{t0:g}_{t1:g}.png"
    dst.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(dst), sheet)
    return dst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cmd", choices=["extract", "report", "deltas", "frames"])
    ap.add_argument("args", nargs="*")
    ap.add_argument("--md", action="store_true")
    ap.add_argument("--clip", default=None, help="report: only this clip's segments (e.g. webcam)")
    a = ap.parse_args()
    if not DATA.exists():
        sys.exit(f"no data at {DATA}")
    if a.cmd == "extract":
        extract(a.args or list(CLIPS))
    elif a.cmd == "report":
        report(a.md, a.clip)
    elif a.cmd == "deltas":
        delta_report(*(a.args[:1] or ["webcam"]), *(float(v) for v in a.args[1:3]))
    else:
        print(frames(a.args[0], float(a.args[1]), float(a.args[2])))


if __name__ == "__main__":
    main()
