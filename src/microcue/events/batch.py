"""Spot events in a whole signal table: one EventSpotter per participant, rows fed in time order (= streaming)."""

from __future__ import annotations

from microcue.events.spotter import EventSpotter
from microcue.events.types import ExpressionEvent


def spot_events(signals, **params) -> list[ExpressionEvent]:
    """Events of every participant in ``signals`` (a DataFrame or an iterable of row dicts, schema docs/signals.md).

    ``params`` go to :class:`EventSpotter`. Returns the events sorted by onset. Identical to feeding the rows one by
    one to per-participant spotters and flushing at the end.
    """
    if hasattr(signals, "to_dict"):
        df = signals.sort_values("time_s", kind="stable") if len(signals) else signals
        rows = df.to_dict("records")
    else:
        rows = sorted(signals, key=lambda r: r["time_s"])
    spotters: dict[str, EventSpotter] = {}
    out: list[ExpressionEvent] = []
    for row in rows:
        pid = str(row.get("participant") or "P1")
        sp = spotters.get(pid)
        if sp is None:
            sp = spotters[pid] = EventSpotter(pid, **params)
        out += sp.update(row)
    for sp in spotters.values():
        out += sp.flush()
    return sorted(out, key=lambda e: (e.onset_s, e.participant))
