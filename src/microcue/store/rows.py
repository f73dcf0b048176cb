"""Conversions between microcue's objects and the store's rows: JSON-safe values, the privacy filter, the
per-second signal summary, and the stored dicts back into events and cues."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

_EMOTIONS = ("neutral", "anger", "contempt", "disgust", "fear", "happiness", "sadness", "surprise")


def py(x):
    """JSON-safe plain Python: numpy scalars/arrays unwrapped, NaN/inf -> None, tuples -> lists."""
    if isinstance(x, dict):
        return {str(k): py(v) for k, v in x.items()}
    if isinstance(x, list | tuple | set | frozenset):
        return [py(v) for v in x]
    if hasattr(x, "tolist") and not isinstance(x, str | bytes):
        return py(x.tolist())
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return x
    if isinstance(x, int):
        return int(x)
    if isinstance(x, float):
        return float(x) if math.isfinite(x) else None
    if isinstance(x, Path):
        return str(x)
    return str(x)


def num(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def as_dict(obj) -> dict:
    if isinstance(obj, dict):
        return obj
    return obj.to_dict()


def is_private(cue: dict) -> bool:
    from microcue.cues.types import SELF_COACHING_KINDS

    return bool(cue.get("private")) or cue.get("kind") in SELF_COACHING_KINDS


def strip_private(summary):
    if isinstance(summary, dict):
        return {k: strip_private(v) for k, v in summary.items() if k != "self_coaching"}
    if isinstance(summary, list):
        return [strip_private(v) for v in summary]
    return summary


SECOND_COLUMNS = ("time_s", "participant", "valence", "arousal", "engagement", "expressivity", "on_screen", "quality",
                  *(f"p_{e}" for e in _EMOTIONS))
"""The signal columns :func:`signal_seconds` reads."""


def signal_seconds(signals) -> list[dict]:
    """Per participant per second (``floor(time_s)``): row count, mean valence/arousal/engagement/expressivity/
    quality, share of rows on screen, and the emotion with the largest mean probability (``top_emotion``,
    ``top_p``). Values are rounded to 4 decimals; a mean with no data is None."""
    if signals is None or len(signals) == 0:
        return []
    import numpy as np
    import pandas as pd

    means_of = ("valence", "arousal", "engagement", "expressivity", "on_screen", "quality")
    pcols = [f"p_{e}" for e in _EMOTIONS if f"p_{e}" in signals]
    df = pd.DataFrame({c: pd.to_numeric(signals[c], errors="coerce") for c in means_of + tuple(pcols) if c in signals})
    df["participant"] = signals["participant"].astype(str).to_numpy()
    df["second"] = np.floor(pd.to_numeric(signals["time_s"]).to_numpy(dtype=float)).astype(np.int64)
    g = df.groupby(["participant", "second"], sort=True)
    means = g.mean()
    out = pd.DataFrame({"n": g.size()})
    for c in means_of:
        out[c] = means[c].round(4) if c in means else np.nan
    out["top_emotion"], out["top_p"] = None, np.nan
    if pcols:
        p = means[pcols].to_numpy(dtype=float)
        ok = ~np.isnan(p).all(axis=1)
        k = np.nanargmax(np.where(np.isnan(p), -np.inf, p), axis=1)
        names = np.array([c[2:] for c in pcols], dtype=object)
        out["top_emotion"] = np.where(ok, names[k], None)
        out["top_p"] = np.where(ok, p[np.arange(len(p)), k].round(4), np.nan)
    out = out.reset_index()
    rows = out.astype(object).where(out.notna(), None).to_dict("records")
    for r in rows:
        r["second"], r["n"] = int(r["second"]), int(r["n"])
        for c in (*means_of, "top_p"):
            r[c] = None if r[c] is None else float(r[c])
    return [{k: r[k] for k in ("participant", "second", "n", *means_of, "top_emotion", "top_p")} for r in rows]


def wmean(rows, attr: str) -> float | None:
    pairs = [(r.n, getattr(r, attr)) for r in rows if getattr(r, attr) is not None]
    w = sum(n for n, _ in pairs)
    return round(sum(n * v for n, v in pairs) / w, 4) if w else None


def iso(dt: datetime) -> str:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def event_from_dict(d: dict):
    """An :class:`~microcue.events.ExpressionEvent` from a stored event dict."""
    from microcue.events.types import ExpressionEvent

    return ExpressionEvent(**d)


def cue_from_dict(d: dict):
    """A :class:`~microcue.cues.types.Cue` from a stored cue dict."""
    from microcue.cues.types import Cue, Evidence

    ev = dict(d.get("evidence") or {})
    ev["event_ids"] = tuple(ev.get("event_ids") or ())
    return Cue(**{**d, "evidence": Evidence(**ev)})


# ------------------------------------------------------------------------------------------ objects -> rows
def participant_row(p) -> dict:
    """A :class:`~microcue.faces.participants.Participant` as a ``participants`` row (without ``call_id``)."""
    return dict(
        pid=p.id,
        name=p.name,
        role=p.role,
        named=bool(p.extra.get("named", False)),
        position=p.position,
        center_x=num(p.center[0]),
        center_y=num(p.center[1]),
        track_ids=py(p.track_ids),
        first_seen_s=num(p.first_seen_s),
        last_seen_s=num(p.last_seen_s),
        frames=int(p.frames),
        median_face_px=num(p.median_face_px),
        extra=py({k: v for k, v in p.extra.items() if k != "named"}),
    )


def event_row(e: dict) -> dict:
    e = py(e)
    return dict(
        event_id=e["id"],
        participant=e["participant"],
        kind=e["kind"],
        onset_s=num(e["onset_s"]),
        apex_s=num(e["apex_s"]),
        offset_s=num(e["offset_s"]),
        emotion=e.get("emotion"),
        confidence=num(e.get("confidence")) or 0.0,
        aus=e.get("aus") or [],
        intensity=num(e.get("intensity")) or 0.0,
        laterality=e.get("laterality"),
        flags=e.get("flags") or [],
    )


def cue_row(c: dict) -> dict:
    return dict(
        time_s=num(c["time_s"]),
        participant=c["participant"],
        role=c["role"],
        kind=c["kind"],
        observation=c["observation"],
        suggestion=c.get("suggestion") or "",
        evidence=c.get("evidence") or {},
        confidence=num(c["confidence"]),
        private=is_private(c),
    )


def utterance_row(u: dict) -> dict:
    u = py(u)
    return dict(start_s=num(u["start_s"]), end_s=num(u["end_s"]), speaker=u.get("speaker"), text=u["text"],
                line=u.get("line"))  # fmt: skip


def link_row(s: dict) -> dict:
    s = py(s)
    return dict(speaker=s["speaker"], participant=s.get("participant"), method=s.get("method") or "user",
                score=num(s.get("score")) or 0.0)  # fmt: skip


# ------------------------------------------------------------------------------------------ rows -> dicts
def participant_out(p) -> dict:
    """A ``participants`` row in ``Participant.to_dict()`` shape, plus ``named``."""
    return {
        "id": p.pid,
        "name": p.name,
        "role": p.role,
        "track_ids": list(p.track_ids),
        "position": p.position,
        "center": (p.center_x, p.center_y),
        "first_seen_s": p.first_seen_s,
        "last_seen_s": p.last_seen_s,
        "frames": p.frames,
        "median_face_px": p.median_face_px,
        "extra": {**p.extra, **({"named": True} if p.named else {})},
        "named": bool(p.named),
    }


def event_out(e) -> dict:
    """An ``events`` row in ``ExpressionEvent.to_dict()`` shape."""
    keys = ("participant", "kind", "onset_s", "apex_s", "offset_s", "emotion", "confidence")
    d = {"id": e.event_id, **{k: getattr(e, k) for k in keys}}
    d.update(aus=list(e.aus), intensity=e.intensity, laterality=e.laterality, flags=list(e.flags))
    return d


def cue_out(q) -> dict:
    """A ``cues`` row in ``Cue.to_dict()`` shape."""
    keys = ("time_s", "participant", "role", "kind", "observation", "suggestion", "evidence", "confidence")
    return {**{k: getattr(q, k) for k in keys}, "private": bool(q.private)}


def plain(row, keys: tuple[str, ...]) -> dict:
    return {k: getattr(row, k) for k in keys}


UTTERANCE_KEYS = ("start_s", "end_s", "speaker", "text", "line")
LINK_KEYS = ("speaker", "participant", "method", "score")
SIGNAL_KEYS = ("participant", "second", "n", "valence", "arousal", "engagement", "expressivity", "on_screen",
               "quality", "top_emotion", "top_p")  # fmt: skip
