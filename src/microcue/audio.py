"""A recording's audio track as 16 kHz mono samples (PyAV), for voice activity and speech recognition."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

RATE = 16000


def iter_mono(path: str | Path, *, sample_format: str = "flt", rate: int = RATE,
              stream_index: int | None = None) -> tuple[float, Iterator[np.ndarray]] | None:
    """``(start_s, chunks)``: the file's audio stream resampled to ``rate`` Hz mono as an iterator of sample
    arrays in order (a few thousand samples each, so a two-hour call never sits in memory), or None without
    audio. Formats and ``start_s`` as in :func:`decode_mono`."""
    import av

    c = av.open(str(path))
    streams = [s for s in c.streams if s.type == "audio"]
    if not streams:
        c.close()
        return None
    st = streams[stream_index or 0]
    start = float(st.start_time * st.time_base) if st.start_time is not None else 0.0
    dtype = np.float32 if sample_format == "flt" else np.int16

    def chunks() -> Iterator[np.ndarray]:
        with c:
            rs = av.AudioResampler(format=sample_format, layout="mono", rate=rate)
            for fr in c.decode(st):
                for o in rs.resample(fr):
                    yield o.to_ndarray().reshape(-1).astype(dtype, copy=False)
            for o in rs.resample(None):
                yield o.to_ndarray().reshape(-1).astype(dtype, copy=False)

    return max(start, 0.0), chunks()


def quiet_chunks(path: str | Path, *, chunk_s: float, look_s: float = 1.0, rate: int = RATE,
                 stream_index: int | None = None) -> Iterator[tuple[float, np.ndarray]] | None:
    """The file's audio stream (``rate`` Hz mono float32, as :func:`iter_mono`) in pieces of about ``chunk_s``
    seconds, each cut at the quietest 50 ms of its last ``look_s`` so a word is rarely split: an iterator of
    ``(start_s, samples)`` with ``start_s`` on the file's clock, or None without audio. At most about two pieces
    are in memory at a time. Used by offline speech recognition, after the call and live."""
    it = iter_mono(path, sample_format="flt", rate=rate, stream_index=stream_index)
    if it is None:
        return None
    start, chunks = it
    n, look = max(int(chunk_s * rate), 1), int(look_s * rate)

    def pieces() -> Iterator[tuple[float, np.ndarray]]:
        t0, parts, have = start, [], 0
        for x in chunks:
            parts.append(x)
            have += len(x)
            if have < n:
                continue
            buf = np.concatenate(parts)
            while len(buf) >= n:
                cut = quiet_cut(buf[:n], look)
                yield t0, buf[:cut]
                t0 += cut / rate
                buf = buf[cut:]
            parts, have = [buf], len(buf)
        if have:
            yield t0, np.concatenate(parts)

    return pieces()


def quiet_cut(x: np.ndarray, look: int, win: int = 800) -> int:
    """Index in the last ``look`` samples of ``x`` where a ``win``-sample window is quietest (its middle; the end
    of ``x`` when it is too short to look)."""
    lo = max(len(x) - look, win)
    best, where = np.inf, len(x)
    for i in range(lo, len(x) - win + 1, win // 2):
        e = float(np.mean(x[i:i + win] ** 2))
        if e < best:
            best, where = e, i + win // 2
    return where


def decode_mono(path: str | Path, *, sample_format: str = "flt", rate: int = RATE,
                stream_index: int | None = None) -> tuple[np.ndarray, float] | None:
    """``(samples, start_s)`` of the file's audio stream resampled to ``rate`` Hz mono, or None without audio.

    ``sample_format`` is PyAV's: ``"flt"`` gives float32 in -1..1, ``"s16"`` int16. ``start_s`` is the stream's
    start time on the file's clock (so sample ``i`` is at ``start_s + i / rate``). Decoding errors propagate as
    PyAV's ``FFmpegError``. The whole track is held in memory: use :func:`iter_mono` where chunks will do.
    """
    it = iter_mono(path, sample_format=sample_format, rate=rate, stream_index=stream_index)
    if it is None:
        return None
    start, chunks = it
    dtype = np.float32 if sample_format == "flt" else np.int16
    parts = list(chunks)
    samples = np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)
    return samples, start
