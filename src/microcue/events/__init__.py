"""Events: spotted expression episodes (micro / macro) and non-emotion signals (nods, shakes, brow flashes, gaze
aversion) from signal rows. See docs/spotting.md.

    from microcue.events import spot_events, events_to_frame
    events = spot_events(analysis.signals)          # batch (same code as streaming)
    spotter = EventSpotter("P1"); spotter.update(row) ...; spotter.flush()   # live
"""

from __future__ import annotations

from microcue.events.types import EMOTIONS, FLAGS, KINDS, ExpressionEvent, events_to_frame, events_to_json

__all__ = [
    "EMOTIONS",
    "FLAGS",
    "KINDS",
    "EventSpotter",
    "ExpressionEvent",
    "evaluate_spotting",
    "events_to_frame",
    "events_to_json",
    "format_report",
    "spot_events",
]


def __getattr__(name):  # keep `import microcue.events` light (numpy only when the spotter is used)
    if name == "EventSpotter":
        from microcue.events.spotter import EventSpotter

        return EventSpotter
    if name == "spot_events":
        from microcue.events.batch import spot_events

        return spot_events
    if name in ("evaluate_spotting", "format_report"):
        from microcue.events import evaluate

        return getattr(evaluate, name)
    raise AttributeError(name)
