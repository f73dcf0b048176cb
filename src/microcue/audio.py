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
