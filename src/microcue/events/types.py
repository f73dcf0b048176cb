"""ExpressionEvent: one spotted episode (an expression, a nod, a brow flash, a look away), and its table form."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

EXPRESSION_KINDS = ("micro", "macro")
"""Kinds that are facial-expression episodes (they carry an emotion)."""

SIGNAL_KINDS = ("nod", "head_shake", "brow_flash", "gaze_aversion")
"""Kinds that are non-emotion signals (their emotion is None)."""

KINDS = EXPRESSION_KINDS + SIGNAL_KINDS

EMOTIONS = ("anger", "contempt", "disgust", "fear", "happiness", "sadness", "surprise")
"""Emotion names an expression event may carry, besides "unclear"."""

FLAGS = {
    "duchenne": "a smile with cheek raise (AU6 with AU12): read as felt",
    "social": "a smile without cheek raise (AU12 without AU6): polite / posed",
    "suppressed": "cut off by a counter-movement (an antagonist AU rose as the expression fell) or much shorter "
                  "than its rise suggests",
    "upper_face": "only brow / eye AUs moved",
    "lower_face": "only mouth / nose / cheek AUs moved",
    "partial": "the AUs fit an emotion only in part (a subset of its EMFACS combination)",
    "speech": "happened while the mouth was moving as in speech (lower-face evidence was discounted)",
    "low_quality": "the face was small, turned or poorly tracked for part of the episode",
}
"""Every flag an event may carry, with its meaning (docs/spotting.md repeats this table)."""


@dataclass(frozen=True)
class ExpressionEvent:
    """One spotted episode of one participant.

    Attributes:
        id: unique within a call, e.g. ``"P1-e0003"``.
        participant: participant id (``P1``...).
        kind: one of :data:`KINDS`; ``micro`` = expression with onset->offset <= 0.5 s, ``macro`` = longer.
        onset_s, apex_s, offset_s: float seconds (the recording's presentation time), interpolated between frames;
            ``onset_s <= apex_s <= offset_s``.
        emotion: one of :data:`EMOTIONS` or ``"unclear"`` for micro/macro; None for the other kinds.
        confidence: 0..1, calibrated on the spotting benchmark (docs/benchmarks.md): of events given ~0.8, ~80 %
            matched an injected episode.
        aus: names of the action units that moved (``("au04", "au07")``); for nods/shakes the pose axis.
        intensity: peak activation at the apex (baseline-relative AU scale 0..1; degrees for nods/shakes;
            seconds away for gaze aversion).
        laterality: ``"left"`` / ``"right"`` (the subject's own side) / ``"both"``, or None when not applicable.
        flags: names from :data:`FLAGS`.
    """

    id: str
    participant: str
    kind: str
    onset_s: float
    apex_s: float
    offset_s: float
    emotion: str | None = None
    confidence: float = 0.0
    aus: tuple[str, ...] = ()
    intensity: float = 0.0
    laterality: str | None = None
    flags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"event kind {self.kind!r} is not one of {KINDS}")
        if not (self.onset_s <= self.apex_s <= self.offset_s):
            raise ValueError(f"event times must satisfy onset <= apex <= offset, got "
                             f"{self.onset_s}, {self.apex_s}, {self.offset_s}")
        if self.kind in EXPRESSION_KINDS:
            if self.emotion not in EMOTIONS + ("unclear",):
                raise ValueError(f"emotion {self.emotion!r} is not one of {EMOTIONS} or 'unclear'")
        elif self.emotion is not None:
            raise ValueError(f"a {self.kind} event has no emotion, got {self.emotion!r}")
        if self.laterality not in (None, "left", "right", "both"):
            raise ValueError(f"laterality {self.laterality!r} is not left, right, both or None")
        bad = [f for f in self.flags if f not in FLAGS]
        if bad:
            raise ValueError(f"unknown flags {bad}; known: {sorted(FLAGS)}")
        object.__setattr__(self, "aus", tuple(self.aus))
        object.__setattr__(self, "flags", tuple(self.flags))

    @property
    def duration_s(self) -> float:
        return self.offset_s - self.onset_s

    def to_dict(self) -> dict:
        """JSON-ready dict (aus and flags as lists)."""
        d = asdict(self)
        d["aus"] = list(self.aus)
        d["flags"] = list(self.flags)
        return d


COLUMNS = ("id", "participant", "kind", "onset_s", "apex_s", "offset_s", "emotion", "confidence", "aus",
           "intensity", "laterality", "flags")


def events_to_frame(events: Iterable[ExpressionEvent]):
    """Events as a pandas DataFrame with :data:`COLUMNS` (aus and flags as tuples), sorted by onset."""
    import pandas as pd

    rows = [{c: getattr(e, c) for c in COLUMNS} for e in events]
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    if len(df):
        df = df.sort_values(["onset_s", "participant"], kind="stable").reset_index(drop=True)
    return df


def events_to_json(events: Iterable[ExpressionEvent], path) -> None:
    """Write ``events.json``: a list of :meth:`ExpressionEvent.to_dict`, sorted by onset."""
    import json
    from pathlib import Path

    items = sorted((e.to_dict() for e in events), key=lambda d: (d["onset_s"], d["participant"]))
    Path(path).write_text(json.dumps(items, indent=1))
