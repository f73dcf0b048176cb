"""How often each person's neutral baseline learns from a frame, and what keeps it from learning.

    python bench/baseline_acceptance.py VIDEO [VIDEO ...]

``NeutralBaseline`` (src/microcue/signals/baseline.py) moves its neutral toward a frame only when the frame's
expressivity (the mean of its three largest AU deltas) is at most ``accept`` (0.08); otherwise it only lets the
neutral sink, at half the rate, where the frame is *below* it, and once, after ``bootstrap_after`` frames with too
few accepted, it sets the face-shape AUs from the calmest frames it kept. This runs ``microcue.analyze`` (one
process) on each video, counts per person the frames seen and accepted and whether the bootstrap ran, and lists
the AUs that most often are among the three that hold a frame's expressivity above ``accept`` (with their median
delta): the offsets the baseline never learns away.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("videos", nargs="+", type=Path)
    args = ap.parse_args()

    import microcue
    from microcue.signals import baseline as B

    counts: dict[int, Counter] = defaultdict(Counter)
    orig = B.NeutralBaseline.update

    def update(self, aus, *, quality=1.0):  # count what the real update does, change nothing
        n0, boot0 = self.n_accepted_, self.rest_learned_
        out = orig(self, aus, quality=quality)
        c = counts[id(self)]
        c["frames"] += 1
        c["accepted"] += self.n_accepted_ - n0
        if self.rest_learned_ and not boot0:
            c["bootstrap_at_frame"] = c["frames"]
        return out

    B.NeutralBaseline.update = update
    try:
        for video in args.videos:
            counts.clear()
            res = microcue.analyze(video, workers=1)
            print(f"{video.name}:")
            for c in counts.values():
                boot = c.get("bootstrap_at_frame")
                print(f"  frames {c['frames']}, accepted {c['accepted']} ({c['accepted'] / max(c['frames'], 1):.1%}), "
                      f"resting-face bootstrap {'at frame ' + str(boot) if boot else 'not run'}")
            df = res.signals
            if df.empty:
                continue
            x = df[list(B.EXPRESSIVITY_AUS)].to_numpy(float)
            top = np.argsort(-x, axis=1)[:, :3]
            share = np.bincount(top.ravel(), minlength=x.shape[1]) / len(x)
            order = np.argsort(-share)[:6]
            print("  expressivity median {:.2f}; AUs most often in its top three: ".format(df["expressivity"].median())
                  + ", ".join(f"{B.EXPRESSIVITY_AUS[i]} {share[i]:.0%} (median {np.median(x[:, i]):.2f})"
                              for i in order))
    finally:
        B.NeutralBaseline.update = orig
    return 0


if __name__ == "__main__":
    sys.exit(main())
