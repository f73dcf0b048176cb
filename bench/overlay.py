"""Render frames of a video with microcue's face boxes and track ids, for checking by eye.

    .venv/bin/python bench/overlay.py VIDEO OUT_PREFIX [--every N] [--max K]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv=None) -> int:
    import cv2

    from microcue.faces.stage import FaceStage
    from microcue.video.file import VideoFileSource

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("video", type=Path)
    ap.add_argument("out_prefix")
    ap.add_argument("--every", type=int, default=25)
    ap.add_argument("--max", type=int, default=4)
    args = ap.parse_args(argv)
    stage = FaceStage()
    written = 0
    counts = []
    for f in VideoFileSource(args.video):
        obs = stage.update(f)
        counts.append(len(obs))
        if f.index % args.every == 0 and written < args.max:
            img = cv2.cvtColor(f.image, cv2.COLOR_RGB2BGR)
            for o in obs:
                x0, y0, x1, y1 = (int(v) for v in o.bbox_xyxy)
                cv2.rectangle(img, (x0, y0), (x1, y1), (0, 255, 0), 2)
                cv2.putText(img, f"{o.track_id}", (x0, max(12, y0 - 4)), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                            (0, 255, 0), 2)
            cv2.putText(img, f"t={f.pts_s:.2f}s faces={len(obs)}", (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.7,
                        (0, 0, 255), 2)
            cv2.imwrite(f"{args.out_prefix}_{f.index:05d}.png", img)
            written += 1
    print("faces per frame:", {k: counts.count(k) for k in sorted(set(counts))},
          "tracks:", len(stage.tracker.tracks_))
    return 0


if __name__ == "__main__":
    sys.exit(main())
