"""Voice activity of a file's audio track (webrtcvad), to tell speech from expression in the lower face.

    times_s, is_speech = voice_activity("call.mp4")        # one value per 30 ms audio frame
    row["speech"] = speech_at(row["time_s"], times_s, is_speech)   # then EventSpotter.update(row)

Needs the optional dependency ``webrtcvad-wheels`` (imported here, only when called) and PyAV.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

RATE = 16000


def voice_activity(path, *, frame_ms: int = 30, aggressiveness: int = 2, hangover_s: float = 0.2,
                   stream_index: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Speech / no speech for each ``frame_ms`` of the file's first audio stream.

    Args:
        path: a video or audio file.
        frame_ms: webrtcvad frame length (10, 20 or 30 ms).
        aggressiveness: webrtcvad mode 0..3 (3 rejects most non-speech).
        hangover_s: a speech decision is extended by this much on both sides (short pauses between syllables
            stay speech; the mouth moves a little before and after the voice).
        stream_index: which audio stream (default: the first).
    Returns:
        (times_s (N,) float64 — the centre of each frame, seconds from the audio stream's start pts,
         is_speech (N,) bool). Both empty when the file has no audio track.
    """

    try:
        import webrtcvad
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("voice_activity needs webrtcvad: pip install webrtcvad-wheels") from e
    if frame_ms not in (10, 20, 30):
        raise ValueError(f"frame_ms must be 10, 20 or 30, got {frame_ms}")
    if not 0 <= aggressiveness <= 3:
        raise ValueError(f"aggressiveness must be 0..3, got {aggressiveness}")
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    from microcue.audio import iter_mono

    decoded = iter_mono(path, sample_format="s16", rate=RATE, stream_index=stream_index)
    if decoded is None:
        return np.zeros(0), np.zeros(0, bool)
    start, chunks = decoded
    n = RATE * frame_ms // 1000
    vad = webrtcvad.Vad(aggressiveness)
    # streamed: 30 ms frames as the audio is decoded, carrying the remainder over (memory: the decisions only)
    decisions = bytearray()
    rest = np.zeros(0, np.int16)
    for chunk in chunks:
        buf = np.concatenate([rest, chunk]) if len(rest) else chunk
        k = len(buf) // n
        decisions.extend(vad.is_speech(buf[i * n:(i + 1) * n].tobytes(), RATE) for i in range(k))
        rest = buf[k * n:]
    raw = np.frombuffer(bytes(decisions), dtype=np.uint8).astype(bool)
    nf = len(raw)
    times = start + (np.arange(nf) + 0.5) * frame_ms / 1000.0
    h = int(round(hangover_s * 1000 / frame_ms))
    if h > 0 and raw.any():
        raw = np.convolve(raw.astype(float), np.ones(2 * h + 1), mode="same") > 0
    return times, raw


def speech_at(t, times_s: np.ndarray, is_speech: np.ndarray):
    """The VAD value at time(s) ``t`` (nearest audio frame); ``None`` where there is no audio (outside the track)."""
    times_s = np.asarray(times_s, float)
    scalar = np.ndim(t) == 0
    tt = np.atleast_1d(np.asarray(t, float))
    if len(times_s) == 0:
        out = [None] * len(tt)
    else:
        step = times_s[1] - times_s[0] if len(times_s) > 1 else 0.03
        i = np.clip(np.searchsorted(times_s, tt), 1, len(times_s) - 1) if len(times_s) > 1 else np.zeros(len(tt), int)
        if len(times_s) > 1:
            i = np.where(np.abs(times_s[i - 1] - tt) <= np.abs(times_s[i] - tt), i - 1, i)
        inside = (tt >= times_s[0] - step) & (tt <= times_s[-1] + step)
        out = [bool(is_speech[j]) if ok else None for j, ok in zip(i, inside)]
    return out[0] if scalar else out
