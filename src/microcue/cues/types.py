"""What a seller is told: a cue, an observation with a suggested response and its evidence."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

CUE_KINDS: tuple[str, ...] = (
    # buyer (or any participant when no roles are given)
    "shift", "doubt", "surprise", "genuine_smile", "polite_smile", "lights_up", "checks_out",
    "agreeing_nod", "placating_nod", "incongruence", "topic_reaction",
    # seller, private self-coaching
    "seller_tension", "seller_incongruence", "seller_rushing", "seller_monologue", "no_space", "interruption",
    # the cycle of disconnect (a buyer's doubt and what the seller did next)
    "disconnect_cycle",
)
"""The fixed cue kinds the playbook keys on (docs/cues.md describes each)."""

SELF_COACHING_KINDS = frozenset(k for k in CUE_KINDS if k.startswith("seller_") or k in ("no_space", "interruption"))
"""Kinds that are private to the seller: only in the local store and only shown with --self-coaching."""


@dataclass(frozen=True)
class Evidence:
    """Why a cue fired: the events behind it, the time span, and what was being said."""

    event_ids: tuple[str, ...] = ()
    start_s: float | None = None
    end_s: float | None = None
    transcript: str | None = None
    speaker: str | None = None
    topic: str | None = None
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Cue:
    """One cue. ``observation`` says what was seen, never what the person thinks or whether they are honest
    (e.g. "a brief frown at 12:31 while discussing price"); ``suggestion`` comes from the playbook."""

    time_s: float
    participant: str
    role: str
    kind: str
    observation: str
    suggestion: str
    evidence: Evidence
    confidence: float
    private: bool = False
    """True for self-coaching cues (seller only)."""

    def __post_init__(self) -> None:
        if self.kind not in CUE_KINDS:
            raise ValueError(f"unknown cue kind {self.kind!r}; known: {', '.join(CUE_KINDS)}")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"cue confidence must be in [0, 1], got {self.confidence}")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["evidence"]["event_ids"] = list(self.evidence.event_ids)
        return d
