"""Tried, not kept (bench/FLIP_DECLARED.md): still images measured twice, as they are and mirrored, AUs averaged.

    PYTHONPATH=src:bench .venv/bin/python bench/flip_tta.py --no-jaffe --fast    # Taiwanese nested LOPO 0.586
    PYTHONPATH=src:bench .venv/bin/python bench/flip_tta.py --fast               # + JAFFE (0.429)

Caches the Face Landmarker on every labelled image flipped left-right (bench/out/rawflip_<set>.npz, ~20 s), then
runs bench/accuracy.py with its raw AUs replaced by the mean of the image's and the mirror's (the mirror's _l / _r
columns swapped, so one-sidedness is kept; one alone where the other found no face). Arguments go to accuracy.py.
"""

from __future__ import annotations

import sys

import accuracy as A
import numpy as np

from microcue.evaluation.images import ImageLandmarker, load_rgb, read_labels
from microcue.signals.aus import AU_NAMES

SWAP = [AU_NAMES.index(a[:-2] + {"_l": "_r", "_r": "_l"}[a[-2:]]) if a[-2:] in ("_l", "_r") else i
        for i, a in enumerate(AU_NAMES)]


def flipped(name: str) -> dict:
    path = A.OUT / f"rawflip_{name}.npz"
    if not path.exists():
        rows = read_labels(A.SETS[name])
        n = len(rows)
        bs, lms, tf = np.full((n, 52), np.nan), np.full((n, 478, 3), np.nan), np.full((n, 4, 4), np.nan)
        size, found = np.zeros((n, 2)), np.zeros(n, bool)
        with ImageLandmarker() as lm:
            for i, (p, _) in enumerate(rows):
                f = lm.detect_image(np.ascontiguousarray(load_rgb(p)[:, ::-1]))
                if f is not None:
                    bs[i], lms[i], tf[i], size[i], found[i] = f.blendshapes, f.landmarks, f.transform, f.frame_size, 1
        np.savez_compressed(path, bs=bs, lms=lms, tf=tf, size=size, found=found,
                            paths=np.array([str(p) for p, _ in rows]), labels=np.array([lab for _, lab in rows]))
    return dict(np.load(path))


_raw = A.raw_aus


def averaged(d: dict) -> np.ndarray:
    a = _raw(d)
    name = next((k for k in ("taiwanese", "jaffe") if str(d["paths"][0]).startswith(str(A.SETS[k].parent))
                 and len(d["paths"]) == len(read_labels(A.SETS[k]))), None)
    if name is None:
        return a
    f = flipped(name)
    b = _raw(f)[:, SWAP]
    return np.where(np.isnan(a), b, np.where(np.isnan(b), a, 0.5 * (a + b)))


if __name__ == "__main__":
    A.raw_aus = averaged
    sys.exit(A.main(sys.argv[1:]))
