"""Live-mode latency: replay 30 fps footage in real time through `microcue live` and measure.

    .venv/bin/python bench/live_latency.py [--json bench/out/live_latency.json]

Two replays of real footage from ../shared/data (research-only, not in the repository): one face
(LivePortrait d10, 512x512, 30 fps) and a two-tile gallery made here from d10 and d18 (1280x720, 30 fps).
Reports frames dropped, capture-to-processed latency per frame, and frame-to-event latency (from the capture of
the frame that completed an event to its emission; the spotter's own confirmation delay comes on top, because
an event can only complete once its offset is seen: at most 0.8 s, docs/spotting.md).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "KwaiVGI__LivePortrait" / "assets" / "examples" / "driving"


def two_tile(out: Path) -> Path:
    import av
    import cv2
    import numpy as np

    from microcue.video.file import VideoFileSource

    if out.exists():
        return out
    left = [f.image for f in VideoFileSource(DATA / "d10.mp4")]
    right = [f.image for f in VideoFileSource(DATA / "d18.mp4")]
    n = min(len(left), len(right))
    c = av.open(str(out), "w")
    s = c.add_stream("libx264", rate=30)
    s.width, s.height, s.pix_fmt = 1280, 720, "yuv420p"
    s.codec_context.time_base = Fraction(1, 30)
    for i in range(n):
        canvas = np.full((720, 1280, 3), 30, np.uint8)
        canvas[40:680, 0:640] = cv2.resize(left[i], (640, 640))
        canvas[40:680, 640:1280] = cv2.resize(right[i], (640, 640))
        fr = av.VideoFrame.from_ndarray(canvas, format="rgb24")
        fr.pts, fr.time_base = i, Fraction(1, 30)
        for p in s.encode(fr):
            c.mux(p)
    for p in s.encode():
        c.mux(p)
    c.close()
    return out


def run(path: Path) -> dict:
    from microcue.live.runner import LiveRunner
    from microcue.live.sources import ReplaySource

    with tempfile.TemporaryDirectory() as tmp:
        res = LiveRunner(ReplaySource(path), out_dir=tmp).run()
    return dict(clip=path.name, frames_captured=res.frames_captured, frames_dropped=res.frames_dropped,
                faces=len(res.participants), frame_latency=res.frame_latency_summary(),
                frame_to_event_latency=res.latency_summary(), events=len(res.events))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    if not DATA.is_dir():
        print(f"needs {DATA}", file=sys.stderr)
        return 1
    out_dir = REPO / "bench" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = [run(DATA / "d10.mp4"), run(two_tile(out_dir / "two_tile_30fps.mp4"))]
    for r in rows:
        print(json.dumps(r), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
