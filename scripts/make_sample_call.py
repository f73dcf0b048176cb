"""Build the bundled two-tile sample call from licence-clear footage.

    .venv/bin/python scripts/make_sample_call.py [--out src/microcue/data/sample/sample_call.mp4]

Left tile: the seller, the NASA astronaut portrait from scikit-image (public domain), with a gentle head sway.
Right tile: the buyer, the Pexels clip by Wolfgang Langer (Pexels licence; see CREDIT.md). Frames keep the
Pexels clip's own timestamps (23.976 fps). The audio is silent (the transcript carries the words).
"""

from __future__ import annotations

import argparse
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "src"))

TILE = (640, 360)


def main(argv=None) -> int:
    import av
    import cv2
    import media  # tests/media.py: the astronaut frames

    from microcue.video.file import VideoFileSource

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "src/microcue/data/sample/sample_call.mp4")
    args = ap.parse_args(argv)
    buyer = REPO / "src/microcue/data/sample/woman_emotions_pexels.mp4"
    out = av.open(str(args.out), "w")
    stream = out.add_stream("libx264", rate=24)
    stream.width, stream.height = 2 * TILE[0] + 12, TILE[1] + 8
    stream.pix_fmt = "yuv420p"
    stream.options = {"crf": "24", "preset": "medium"}
    tb = Fraction(1, 24000)
    stream.codec_context.time_base = tb
    n = 0
    for f in VideoFileSource(buyer):
        canvas = np.full((stream.height, stream.width, 3), 32, np.uint8)
        seller = media.astronaut_frame(f.pts_s, size=TILE, face_fraction=0.5)
        canvas[4:4 + TILE[1], 4:4 + TILE[0]] = seller
        canvas[4:4 + TILE[1], 8 + TILE[0]:8 + 2 * TILE[0]] = cv2.resize(f.image, TILE, interpolation=cv2.INTER_AREA)
        for x, name in ((12, "Dana Smith"), (16 + TILE[0], "Maya Chen")):
            cv2.rectangle(canvas, (x - 4, TILE[1] - 26), (x + 12 * len(name), TILE[1] - 2), (20, 20, 20), -1)
            cv2.putText(canvas, name, (x, TILE[1] - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (240, 240, 240), 1, cv2.LINE_AA)
        frame = av.VideoFrame.from_ndarray(canvas, format="rgb24")
        frame.pts = int(round(f.pts_s / tb))
        frame.time_base = tb
        for packet in stream.encode(frame):
            out.mux(packet)
        n += 1
    for packet in stream.encode():
        out.mux(packet)
    out.close()
    print(f"wrote {args.out} ({n} frames, {args.out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
