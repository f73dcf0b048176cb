"""A recording's audio track as 16 kHz mono samples (PyAV), for voice activity and speech recognition."""

from __future__ import annotations

from pathlib import Path

import numpy as np

RATE = 16000


def decode_mono(path: str | Path, *, sample_format: str = "flt", rate: int = RATE,
                stream_index: int | None = None) -> tuple[np.ndarray, float] | None:
    """``(samples, start_s)`` of the file's audio stream resampled to ``rate`` Hz mono, or None without audio.

    ``sample_format`` is PyAV's: ``"flt"`` gives float32 in -1..1, ``"s16"`` int16. ``start_s`` is the stream's
    start time on the file's clock (so sample ``i`` is at ``start_s + i / rate``). Decoding errors propagate as
    PyAV's ``FFmpegError``.
    """
    import av

    with av.open(str(path)) as c:
        streams = [s for s in c.streams if s.type == "audio"]
        if not streams:
            return None
        st = streams[stream_index or 0]
        start = float(st.start_time * st.time_base) if st.start_time is not None else 0.0
        rs = av.AudioResampler(format=sample_format, layout="mono", rate=rate)
        chunks = []
        for fr in c.decode(st):
            for o in rs.resample(fr):
                chunks.append(o.to_ndarray().reshape(-1))
        for o in rs.resample(None):
            chunks.append(o.to_ndarray().reshape(-1))
    dtype = np.float32 if sample_format == "flt" else np.int16
    samples = np.concatenate(chunks).astype(dtype) if chunks else np.zeros(0, dtype)
    return samples, max(start, 0.0)
