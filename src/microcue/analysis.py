"""The result of analysing one call."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from microcue.faces.participants import Participant


@dataclass
class CallAnalysis:
    """What ``microcue.analyze`` returns.

    Attributes:
        source: path of the recording (or image folder).
        participants: the people found, with names and roles.
        summary: the content of summary.json (source facts, per-participant summaries, timing, warnings).
        signals_path: the Parquet file holding the signal rows (schema: docs/signals.md).
        out_dir: where the outputs were written (a temporary folder when none was asked for).
        events: expression episodes and head/gaze events, sorted by onset.
    """

    source: Path
    participants: list[Participant]
    summary: dict
    signals_path: Path
    out_dir: Path
    warnings: list[str] = field(default_factory=list)
    events: list = field(default_factory=list)
    """Spotted events (``microcue.events.ExpressionEvent``), sorted by onset; also in events.json."""

    @property
    def events_frame(self):
        """The events as a pandas DataFrame (docs/spotting.md)."""
        from microcue.events import events_to_frame

        return events_to_frame(self.events)

    @cached_property
    def signals(self):
        """Signal rows as a pandas DataFrame: one row per (time_s, participant), sorted by time."""
        import pandas as pd

        if not self.signals_path.exists():
            from microcue.signals.schema import empty_frame

            return empty_frame()
        return pd.read_parquet(self.signals_path)

    def read_signals(self, columns=None):
        """Signal rows with only ``columns`` (those of them in the file, in the file's order; every column when
        None), read afresh and not kept on the result, so the post-call job holds the few columns it needs
        rather than the whole table. When :attr:`signals` is already loaded, that is returned instead."""
        if "signals" in self.__dict__ or columns is None or not self.signals_path.exists():
            return self.signals
        import pandas as pd
        import pyarrow.parquet as pq

        wanted = set(columns)
        names = [c for c in pq.read_schema(self.signals_path).names if c in wanted]
        return pd.read_parquet(self.signals_path, columns=names)

    @property
    def no_faces(self) -> bool:
        return not self.participants

    def participant(self, key: str) -> Participant:
        """A participant by id (P1), name or role."""
        for p in self.participants:
            if key in (p.id, p.name, p.role):
                return p
        raise KeyError(f"no participant {key!r}; have {[p.id for p in self.participants]}")
