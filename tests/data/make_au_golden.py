"""Regenerate tests/data/au_golden_pexels.npz: landmarker outputs of 8 frames of the vendored Pexels clip
(crying -> hand over mouth -> laughing) and the values of the AU columns that existed when it was made.

    PYTHONPATH=src .venv/bin/python tests/data/make_au_golden.py

Only run this when an AU column's values are *meant* to change (tests/test_aus.py::test_existing_au_columns_unchanged
guards them: the microexpression spotter is tuned on these values).
"""

from pathlib import Path

import av
import numpy as np

from microcue.evaluation.images import ImageLandmarker
from microcue.signals.aus import AU_NAMES, compute_aus_batch

HERE = Path(__file__).resolve().parent
CLIP = HERE.parents[1] / "src" / "microcue" / "data" / "sample" / "woman_emotions_pexels.mp4"
TIMES = (0.5, 2.0, 4.0, 7.0, 10.0, 13.0, 16.0, 19.0)


def main() -> None:
    frames, want = [], list(TIMES)
    with av.open(str(CLIP)) as c:
        for fr in c.decode(video=0):
            if want and fr.time >= want[0]:
                frames.append(fr.to_ndarray(format="rgb24"))
                want.pop(0)
    bs, lms, tf = [], [], []
    with ImageLandmarker() as lm:
        for rgb in frames:
            f = lm.detect(rgb)
            bs.append(f.blendshapes)
            lms.append(f.landmarks)
            tf.append(f.transform)
            size = f.frame_size
    bs, lms, tf = np.array(bs, np.float32), np.array(lms, np.float32), np.array(tf, np.float32)
    aus = compute_aus_batch(bs, lms, tf, frame_size=size)
    np.savez_compressed(HERE / "au_golden_pexels.npz", times=np.array(TIMES), bs=bs, lms=lms, tf=tf,
                        size=np.array(size), names=np.array(AU_NAMES), aus=aus)
    print(f"wrote {len(frames)} frames, {len(AU_NAMES)} AU columns")


if __name__ == "__main__":
    main()
