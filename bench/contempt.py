"""Contempt check on warped real faces: one-sided mouth-corner raise vs a symmetric smile.

    .venv/bin/python bench/contempt.py            # prints the table, writes bench/out/contempt.json
    .venv/bin/python bench/contempt.py --neutral population   # against the median neutral a video baseline starts from

Neither development set has clean contempt, so this checks the *mechanism* the issue asks for (contempt from the
one-sided AU12/AU14 pattern, not a leftover class) on real faces whose only change is a known, landmark-driven
warp:

- faces: one posed-neutral image of each Taiwanese performer (research-only data, read in place) and neutral
  frames of LivePortrait's d10.mp4 driving clip;
- warps (image space, smooth Gaussian displacement around a mouth corner found by the landmarker on the
  unwarped face): the corner moves UP by ``amp`` x inter-ocular distance and BACK/OUT toward the cheek by
  0.4 x ``amp`` (unilateral AU12 + AU14, the contempt "smirk"), on the subject's left only, right only, or on
  both corners (a symmetric smile: the control);
- each warped image goes through the real landmarker (``ImageLandmarker.detect_image``), ``compute_aus`` and the
  shipped emotion model against the still-image neutral (as ``microcue eval images`` does; ``--neutral
  population``: against the median population neutral that every person's video baseline starts from).

Reported per condition: how often contempt / happiness is the top class, the mean p_contempt, and whether the
left/right AU12 and AU14 deltas (warped minus unwarped) rise more on the warped side. A warp is not a real
contempt expression (no muscle bulge, no dimple, no head tilt): this validates laterality and the rule's
response, not contempt recognition.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
DATA = HERE.parents[1] / "shared" / "data"
TAIWANESE = DATA / "lai-wei-cheng__b12207073" / "labels.csv"
D10 = DATA / "KwaiVGI__LivePortrait" / "assets" / "examples" / "driving" / "d10.mp4"
AMPS = (0.05, 0.09, 0.13)
"""Corner lift in inter-ocular distances (small / medium / large one-sided raise)."""
CORNERS = {"l": 291, "r": 61}  # MediaPipe mesh: subject's left / right lip corner
EYES = {"l": (263, 362), "r": (33, 133)}


def warp_mouth_corners(rgb: np.ndarray, landmarks: np.ndarray, *, sides: tuple[str, ...], amp: float,
                       back: float = 0.4, radius: float = 0.35) -> np.ndarray:
    """Raise (and pull back toward the cheek) the given lip corners of a face.

    Args:
        rgb: ``(H, W, 3)`` uint8 image.
        landmarks: ``(478, 3)`` normalised landmarks of the face in ``rgb``.
        sides: subset of ``("l", "r")``: the subject's left / right corner.
        amp: upward displacement in inter-ocular distances (IOD).
        back: lateral (outward) displacement as a fraction of ``amp`` (AU14-like tightening into the cheek).
        radius: Gaussian radius of the displacement field in IOD.
    """
    import cv2

    h, w = rgb.shape[:2]
    px = landmarks[:, :2] * [w, h]
    eye = {s: px[list(i)].mean(0) for s, i in EYES.items()}
    iod = float(np.linalg.norm(eye["l"] - eye["r"]))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    dx, dy = np.zeros((h, w), np.float32), np.zeros((h, w), np.float32)
    centre_x = 0.5 * (px[CORNERS["l"], 0] + px[CORNERS["r"], 0])
    for s in sides:
        cx, cy = px[CORNERS[s]]
        outward = np.sign(cx - centre_x)
        g = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * (radius * iod) ** 2)).astype(np.float32)
        dx += g * outward * back * amp * iod
        dy += g * (-amp * iod)
    # backward map: each output pixel samples the source where its content came from (small-displacement inverse)
    return cv2.remap(rgb, xx - dx, yy - dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def faces(*, max_taiwanese: int = 29, d10_times: tuple[float, ...] = (0.5, 1.5, 3.0, 4.5, 6.0)
          ) -> list[tuple[str, np.ndarray]]:
    """(name, rgb) of the neutral faces to warp: one neutral image per Taiwanese performer, d10 frames."""
    from microcue.evaluation.images import load_rgb, read_labels

    out: list[tuple[str, np.ndarray]] = []
    if TAIWANESE.exists():
        seen: set[str] = set()
        for p, lab in read_labels(TAIWANESE):
            if lab == "neutral" and p.name[:2] not in seen and len(seen) < max_taiwanese:
                seen.add(p.name[:2])
                out.append((f"tw/{p.name}", load_rgb(p)))
    if D10.exists():
        import av

        with av.open(str(D10)) as c:
            todo = list(d10_times)
            for fr in c.decode(video=0):
                if todo and float(fr.time) >= todo[0]:
                    out.append((f"d10@{todo.pop(0):.1f}s", fr.to_ndarray(format="rgb24")))
                if not todo:
                    break
    return out


NEUTRAL = "still"
"""Reference the AU deltas are taken against: "still" (``still_image_neutral``) or "population"."""


def read_face(lm, rgb: np.ndarray):  # noqa: ANN001
    """(raw AUs, AU deltas vs the ``NEUTRAL`` reference, probs, face) of the face in ``rgb`` or None."""
    from microcue.signals.aus import compute_aus
    from microcue.signals.baseline import population_neutral, relative_to_neutral, still_image_neutral
    from microcue.signals.emotions import emotion_probs

    f = lm.detect(rgb)
    if f is None:
        return None
    raw = compute_aus(f.blendshapes, f.landmarks, f.transform, frame_size=f.frame_size)
    d = relative_to_neutral(raw, still_image_neutral() if NEUTRAL == "still" else population_neutral())
    return raw, d, emotion_probs(d), f


def run(face_list: list[tuple[str, np.ndarray]]) -> dict:
    from microcue.evaluation.images import ImageLandmarker, prepare_image
    from microcue.signals.aus import AU_INDEX
    from microcue.signals.emotions import EMOTIONS

    conds = [(s, a) for s in ("l", "r", "both") for a in AMPS]
    rows: list[dict] = []
    with ImageLandmarker() as lm:
        for name, img in face_list:
            rgb = prepare_image(img, pad_frac=0.5, border="replicate")
            base = read_face(lm, rgb)
            if base is None:
                continue
            raw0, _, p0, f0 = base
            rows.append(dict(face=name, side="none", amp=0.0, top=EMOTIONS[int(np.argmax(p0))],
                             p_contempt=float(p0[2]), p_happiness=float(p0[5])))
            for side, amp in conds:
                warped = warp_mouth_corners(rgb, f0.landmarks, sides=("l", "r") if side == "both" else (side,),
                                            amp=amp)
                r = read_face(lm, warped)
                if r is None:
                    rows.append(dict(face=name, side=side, amp=amp, top="no_face"))
                    continue
                raw, _, p, _ = r
                ch = {k: float(raw[AU_INDEX[k]] - raw0[AU_INDEX[k]]) for k in ("au12_l", "au12_r", "au14_l", "au14_r")}
                rows.append(dict(face=name, side=side, amp=amp, top=EMOTIONS[int(np.argmax(p))],
                                 p_contempt=float(p[2]), p_happiness=float(p[5]), **ch))
    return summarise(rows)


def summarise(rows: list[dict]) -> dict:
    table = []
    for side in ("none", "l", "r", "both"):
        for amp in sorted({r["amp"] for r in rows if r["side"] == side}):
            rs = [r for r in rows if r["side"] == side and r["amp"] == amp]
            ok = [r for r in rs if r["top"] != "no_face"]
            e = {"side": side, "amp": amp, "n": len(rs), "no_face": len(rs) - len(ok),
                 "top_contempt": float(np.mean([r["top"] == "contempt" for r in ok])),
                 "top_happiness": float(np.mean([r["top"] == "happiness" for r in ok])),
                 "mean_p_contempt": float(np.mean([r["p_contempt"] for r in ok]))}
            if side in ("l", "r"):
                o = "r" if side == "l" else "l"
                for au in ("au12", "au14"):
                    e[f"{au}_lat_correct"] = float(np.mean([r[f"{au}_{side}"] > r[f"{au}_{o}"] for r in ok]))
                    e[f"{au}_rise_warped"] = float(np.mean([r[f"{au}_{side}"] for r in ok]))
                    e[f"{au}_rise_other"] = float(np.mean([r[f"{au}_{o}"] for r in ok]))
            table.append(e)
    return {"table": table, "rows": rows}


def format_table(res: dict) -> str:
    lines = ["| warp | amp (IOD) | faces | top = contempt | top = happiness | mean p_contempt | AU12 side right "
             "| AU14 side right | ΔAU12 warped / other | ΔAU14 warped / other |", "|---" * 10 + "|"]
    names = {"none": "none (unwarped)", "l": "one-sided, subject's left", "r": "one-sided, subject's right",
             "both": "symmetric (control)"}
    for e in res["table"]:
        lat = "– | – | – | –"
        if "au12_lat_correct" in e:
            lat = (f"{e['au12_lat_correct']:.0%} | {e['au14_lat_correct']:.0%} | "
                   f"{e['au12_rise_warped']:+.2f} / {e['au12_rise_other']:+.2f} | "
                   f"{e['au14_rise_warped']:+.2f} / {e['au14_rise_other']:+.2f}")
        nf = f" ({e['no_face']} not found)" if e["no_face"] else ""
        lines.append(f"| {names[e['side']]} | {e['amp']:.2f} | {e['n']}{nf} | {e['top_contempt']:.0%} | "
                     f"{e['top_happiness']:.0%} | {e['mean_p_contempt']:.2f} | {lat} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import argparse

    global NEUTRAL
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--neutral", choices=("still", "population"), default="still")
    NEUTRAL = ap.parse_args(argv).neutral
    t0 = time.time()
    fl = faces()
    if not fl:
        print(f"no faces: data not found under {DATA}", file=sys.stderr)
        return 1
    res = run(fl)
    OUT.mkdir(exist_ok=True)
    (OUT / f"contempt{'' if NEUTRAL == 'still' else '_population'}.json").write_text(json.dumps(res, indent=1))
    print(format_table(res))
    print(f"\n{len(fl)} faces, {time.time() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
