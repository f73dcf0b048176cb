"""Speed: end-to-end `analyze` beside raw PyAV decoding and the stock Face Landmarker loop.

    .venv/bin/python bench/speed.py [VIDEO ...] [--faces N] [--json OUT]

For each clip: (1) decode only (PyAV, to RGB), (2) the stock loop: decode + FaceLandmarker in VIDEO mode,
one process, num_faces = the faces in the clip, (3) microcue.analyze end to end (faces, signals, events,
outputs) in one process, and (4) with its default workers (one per core on calls long enough to split).
Prints frames/s, the pipeline / stock ratio, and the real-time factor (video seconds per wall second).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT = [REPO / "src/microcue/data/sample/woman_emotions_pexels.mp4"]


def decode_only(path: Path) -> tuple[int, float, float]:
    from microcue.video.file import VideoFileSource

    t0 = time.perf_counter()
    n, last = 0, 0.0
    for f in VideoFileSource(path):
        n, last = n + 1, f.pts_s
    return n, time.perf_counter() - t0, last


def stock_loop(path: Path, faces: int) -> tuple[int, float]:
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    from microcue.faces.model import verified_model_bytes
    from microcue.video.file import VideoFileSource

    opts = vision.FaceLandmarkerOptions(
        base_options=BaseOptions(model_asset_buffer=verified_model_bytes()), running_mode=vision.RunningMode.VIDEO,
        num_faces=faces, output_face_blendshapes=True, output_facial_transformation_matrixes=True)
    lm = vision.FaceLandmarker.create_from_options(opts)
    t0 = time.perf_counter()
    n = 0
    for f in VideoFileSource(path):
        lm.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=f.image), int(round(f.pts_s * 1000)))
        n += 1
    dt = time.perf_counter() - t0
    lm.close()
    return n, dt


def pipeline(path: Path, workers: int | None = None) -> tuple[int, float, int]:
    import microcue

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        res = microcue.analyze(path, out_dir=tmp, workers=workers)
        dt = time.perf_counter() - t0
        return res.summary["frames"], dt, len(res.participants)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("videos", nargs="*", type=Path, default=DEFAULT)
    ap.add_argument("--faces", type=int, nargs="*", help="faces per clip for the stock loop (default 1 each)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    faces = args.faces or [1] * len(args.videos)
    rows = []
    for path, nf in zip(args.videos, faces):
        n, t_dec, dur = decode_only(path)
        n2, t_stock = stock_loop(path, nf)
        n1, t_one, _ = pipeline(path, workers=1)
        n3, t_pipe, people = pipeline(path)
        row = dict(clip=path.name, frames=n, video_s=round(dur, 2), faces=nf, participants_found=people,
                   decode_fps=round(n / t_dec, 1), stock_fps=round(n2 / t_stock, 1),
                   one_process_fps=round(n1 / t_one, 1), one_process_vs_stock=round((n1 / t_one) / (n2 / t_stock), 3),
                   pipeline_fps=round(n3 / t_pipe, 1), pipeline_vs_stock=round((n3 / t_pipe) / (n2 / t_stock), 3),
                   realtime_factor=round(dur / t_pipe, 3))
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
