"""What the report says, independent of how it is drawn: times, key moments, the follow-up plan, privacy.

Everything here is plain Python over :class:`~microcue.cues.Cue`, events and utterances; the HTML and the
Markdown renderers both read the :class:`ReportContent` that :func:`build_content` returns, so the two can never
disagree about which moments are key or what is private.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from microcue.cues.types import SELF_COACHING_KINDS, Cue

MAX_BUYER_MOMENTS = 8
"""How many of the buyer's strongest moments become key moments (every ``disconnect_cycle`` is added on top)."""

MERGE_GAP_S = 1.5
"""Cues about one person that share an event or follow each other within this many seconds are one moment: a
frown during "I'm fine" read as doubt, as words-vs-face and as a placating nod is one thing the buyer did, and the
report shows it once with the other readings listed under it. A ``disconnect_cycle`` is never merged: it is about
what the seller did next, and its observation says so."""

BUYER_ROLES = ("buyer", "unknown")
"""Roles whose cues count as the buyer's: without ``--role`` everyone is ``unknown`` and a possible buyer."""

INTEREST_KINDS = ("lights_up", "genuine_smile")
WORRY_KINDS = ("doubt", "incongruence")
POSITIVE_REACTIONS = ("lights_up", "genuine_smile", "agreeing_nod")
NEGATIVE_REACTIONS = ("doubt", "incongruence", "checks_out", "placating_nod")
"""How a ``topic_reaction`` whose ``evidence.details["reaction"]`` names these kinds counts in the plan."""

KIND_LABELS = {
    "shift": "Emotional shift",
    "doubt": "Flash of doubt",
    "surprise": "Surprise",
    "genuine_smile": "Genuine smile",
    "polite_smile": "Polite smile",
    "lights_up": "Lights up",
    "checks_out": "Pulling away",
    "agreeing_nod": "Agreeing nod",
    "placating_nod": "Placating nod",
    "incongruence": "Words and face differ",
    "topic_reaction": "Reaction to a topic",
    "seller_tension": "Your tension",
    "seller_incongruence": "Your words and face differ",
    "seller_rushing": "Rushing",
    "seller_monologue": "Long monologue",
    "no_space": "Little space after a question",
    "interruption": "Interruption",
    "disconnect_cycle": "Cycle of disconnect",
}
"""Plain-language title of each cue kind, as a salesperson reads it."""


def fmt_time(seconds: float | None) -> str:
    """Float seconds as ``m:ss`` (``h:mm:ss`` from one hour on); whole seconds, rounded down; ``–`` if unknown.

    >>> fmt_time(751.9)
    '12:31'
    >>> fmt_time(3725.0)
    '1:02:05'
    """
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "–"
    total = max(0, int(math.floor(float(seconds))))
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def confidence_label(c: float) -> str:
    """``high`` (≥ 0.7), ``medium`` (≥ 0.4) or ``low``."""
    return "high" if c >= 0.7 else "medium" if c >= 0.4 else "low"


def is_private(cue: Cue) -> bool:
    """A self-coaching cue: its kind is one of :data:`SELF_COACHING_KINDS` or it is marked ``private``."""
    return bool(cue.private) or cue.kind in SELF_COACHING_KINDS


def topic_polarity(cue: Cue) -> str | None:
    """``positive`` / ``negative`` for a reaction, from ``evidence.details``: ``reaction`` (the cue kind behind it,
    as the cue engine writes it), ``polarity`` (a word) or ``valence``
    / ``sentiment`` (a number, sign counts); None when the cue does not say."""
    d = cue.evidence.details or {}
    reaction = d.get("reaction")  # the cue engine names the cue kind behind a topic reaction
    if reaction in POSITIVE_REACTIONS:
        return "positive"
    if reaction in NEGATIVE_REACTIONS:
        return "negative"
    p = d.get("polarity")
    if isinstance(p, str) and p.lower() in ("positive", "negative"):
        return p.lower()
    for key in ("valence", "sentiment"):
        v = d.get(key)
        if isinstance(v, int | float) and not math.isnan(v) and v != 0:
            return "positive" if v > 0 else "negative"
    return None


def utterance_at(utterances: Sequence, t: float, *, slack_s: float = 1.0):
    """The utterance being spoken at ``t`` (or the nearest one within ``slack_s``), else None."""
    best, best_d = None, slack_s
    for u in utterances:
        if u.start_s <= t <= u.end_s:
            return u
        d = min(abs(u.start_s - t), abs(u.end_s - t))
        if d <= best_d:
            best, best_d = u, d
    return best


@dataclass
class Moment:
    """One cue as the report shows it."""

    cue: Cue
    time: str
    who: str
    title: str
    seen: str
    said: str | None
    said_by: str | None
    suggestion: str
    confidence: float
    confidence_label: str
    topic: str | None = None
    thumbnail: str | None = None
    """A ``data:`` URI of a face image, only when thumbnails were given."""
    also: list[str] = field(default_factory=list)
    """Titles of the other cues merged into this moment (same person, same event or within ``MERGE_GAP_S``)."""


@dataclass
class TopicItem:
    topic: str
    times: list[str]
    count: int
    suggestion: str


@dataclass
class ReportContent:
    title: str
    source: str | None
    duration: str
    has_transcript: bool
    names: dict[str, str]
    """participant id -> display name ("Dana (buyer)")."""
    cues: list[Moment]
    """Every cue shown (private ones only with self-coaching), ordered by time."""
    key_moments: list[Moment]
    interested: list[Moment]
    worried: list[Moment]
    address_next: list[TopicItem]
    self_coaching: bool
    coaching: list[Moment] = field(default_factory=list)
    coaching_summary: list[tuple[str, int, str]] = field(default_factory=list)
    coaching_metrics: list[tuple[str, str]] = field(default_factory=list)
    """(title, count, times) per self-coaching kind."""
    confidence_counts: dict[str, int] = field(default_factory=dict)
    missed: int = 0
    """A live session's stalls (summary ``sources``): moments the computer fell behind and dropped frames, where
    expressions were missed."""

    @property
    def missed_note(self) -> str:
        """The header's words for ``missed`` ("" when nothing was missed), for the HTML and the Markdown alike."""
        if not self.missed:
            return ""
        return f"live: {self.missed} moment{'s' if self.missed != 1 else ''} missed (the computer fell behind)"


def display_name(p) -> tuple[str, str, str]:
    """(id, name, role) of a Participant or a participants.json dict."""
    if isinstance(p, Mapping):
        return str(p["id"]), str(p.get("name") or p["id"]), str(p.get("role") or "unknown")
    return str(p.id), str(getattr(p, "name", None) or p.id), str(getattr(p, "role", None) or "unknown")


def names_of(participants: Iterable) -> dict[str, str]:
    out = {}
    for p in participants:
        pid, name, role = display_name(p)
        out[pid] = f"{name} ({role})" if role not in ("unknown", "") else name
    return out


def _moment(cue: Cue, names: Mapping[str, str], utterances: Sequence, thumbnails: Mapping | None) -> Moment:
    ev = cue.evidence
    said, said_by = ev.transcript, ev.speaker
    if not said and utterances:
        u = utterance_at(utterances, cue.time_s)
        if u is not None:
            said, said_by = u.text, u.speaker
    thumb = None
    if thumbnails:
        from microcue.report.thumbnails import thumbnail_uri

        for eid in ev.event_ids:
            if eid in thumbnails:
                thumb = thumbnail_uri(thumbnails[eid])
                break
    return Moment(
        cue=cue, time=fmt_time(cue.time_s), who=names.get(cue.participant, cue.participant),
        title=KIND_LABELS.get(cue.kind, cue.kind.replace("_", " ").capitalize()), seen=cue.observation,
        said=said, said_by=said_by, suggestion=cue.suggestion, confidence=cue.confidence,
        confidence_label=confidence_label(cue.confidence), topic=ev.topic, thumbnail=thumb,
    )


def group_cues(cues: Iterable[Cue], *, gap_s: float = MERGE_GAP_S) -> list[list[Cue]]:
    """Cues merged into moments: per participant, a cue joins the previous one's group when they share an event
    or start within ``gap_s`` of it (a ``disconnect_cycle`` always stands alone). Each group is ordered by
    confidence (its first cue is the one shown); the groups are ordered by time."""
    groups: list[list[Cue]] = []
    last: dict[str, list[Cue]] = {}
    for c in sorted(cues, key=lambda c: (c.time_s, c.participant, c.kind)):
        if c.kind == "disconnect_cycle":
            groups.append([c])
            continue
        g = last.get(c.participant)
        if g is not None and (c.time_s - g[-1].time_s <= gap_s
                              or any(set(c.evidence.event_ids) & set(o.evidence.event_ids) for o in g)):
            g.append(c)
            continue
        g = [c]
        groups.append(g)
        last[c.participant] = g
    ordered = [sorted(g, key=lambda c: (-c.confidence, c.time_s)) for g in groups]
    return sorted(ordered, key=lambda g: (min(c.time_s for c in g), g[0].participant))


def select_key_moments(cues: Iterable[Cue], *, max_buyer: int = MAX_BUYER_MOMENTS) -> list[list[Cue]]:
    """Key moments: the ``max_buyer`` buyer moments (merged cues, see :func:`group_cues`) of highest confidence,
    plus every moment that holds a ``disconnect_cycle``, ordered by time. Private cues are never key moments
    (they live in the self-coaching section)."""
    public = [c for c in cues if not is_private(c) and (c.role in BUYER_ROLES or c.kind == "disconnect_cycle")]
    groups = group_cues(public)
    cycles = [g for g in groups if any(c.kind == "disconnect_cycle" for c in g)]
    rest = [g for g in groups if not any(c.kind == "disconnect_cycle" for c in g)]
    strongest = sorted(rest, key=lambda g: (-g[0].confidence, g[0].time_s))[:max_buyer]
    return sorted(strongest + cycles, key=lambda g: (min(c.time_s for c in g), g[0].participant))


def build_content(*, participants: Iterable, cues: Iterable[Cue], utterances: Sequence = (), summary: Mapping,
                  self_coaching: bool = False, thumbnails: Mapping | None = None,
                  max_buyer_moments: int = MAX_BUYER_MOMENTS) -> ReportContent:
    """Everything the report says. With ``self_coaching=False`` private cues are dropped here, first, so no
    renderer can show them by mistake."""
    participants = list(participants)
    names = names_of(participants)
    all_cues = sorted(cues, key=lambda c: (c.time_s, c.participant, c.kind))
    shown = all_cues if self_coaching else [c for c in all_cues if not is_private(c)]
    utterances = sorted(utterances, key=lambda u: u.start_s)

    def mom(c: Cue) -> Moment:
        return _moment(c, names, utterances, thumbnails)

    def merged(group: list[Cue]) -> Moment:
        """The group's strongest cue, at the group's first time, with the other readings listed."""
        m = mom(group[0])
        m.time = fmt_time(min(c.time_s for c in group))
        m.also = list(dict.fromkeys(KIND_LABELS.get(c.kind, c.kind) for c in group[1:]
                                    if KIND_LABELS.get(c.kind, c.kind) != m.title))
        return m

    moments = {id(c): mom(c) for c in shown}
    public = [c for c in shown if not is_private(c)]
    buyer = [c for c in public if c.role in BUYER_ROLES]
    interested = [c for c in buyer if c.kind in INTEREST_KINDS
                  or (c.kind == "topic_reaction" and topic_polarity(c) == "positive")]
    worried = [c for c in buyer if c.kind in WORRY_KINDS
               or (c.kind == "topic_reaction" and topic_polarity(c) == "negative")]

    topics: dict[str, list[Cue]] = {}
    for c in worried:
        if c.evidence.topic:
            topics.setdefault(c.evidence.topic, []).append(c)
    address = [TopicItem(topic=t, times=list(dict.fromkeys(fmt_time(c.time_s) for c in cs)), count=len(cs),
                         suggestion=max(cs, key=lambda c: (c.kind == "topic_reaction", c.confidence)).suggestion)
               for t, cs in sorted(topics.items(), key=lambda kv: (-len(kv[1]), kv[1][0].time_s))]

    coaching: list[Moment] = []
    coaching_summary: list[tuple[str, int, str]] = []
    if self_coaching:
        private = [c for c in shown if is_private(c)]
        coaching = [moments[id(c)] for c in private]
        by_kind: dict[str, list[Cue]] = {}
        for c in private:
            by_kind.setdefault(c.kind, []).append(c)
        coaching_summary = [(KIND_LABELS.get(k, k), len(cs), ", ".join(fmt_time(c.time_s) for c in cs))
                            for k, cs in sorted(by_kind.items(), key=lambda kv: -len(kv[1]))]

    counts = {"high": 0, "medium": 0, "low": 0}
    for c in shown:
        counts[confidence_label(c.confidence)] += 1

    src = summary.get("source")
    dur = summary.get("container_duration_s") or summary.get("last_pts_s")
    return ReportContent(
        title="Call report", source=str(src).rsplit("/", 1)[-1] if src else None, duration=fmt_time(dur),
        has_transcript=bool(utterances), names=names, cues=[moments[id(c)] for c in shown],
        key_moments=[merged(g) for g in select_key_moments(shown, max_buyer=max_buyer_moments)],
        interested=[merged(g) for g in group_cues(interested)], worried=[merged(g) for g in group_cues(worried)],
        address_next=address, self_coaching=self_coaching, coaching=coaching, coaching_summary=coaching_summary,
        coaching_metrics=_metric_rows(summary.get("self_coaching") or {}) if self_coaching else [],
        confidence_counts=counts,
        missed=sum(int(v.get("stalls") or 0) for v in (summary.get("sources") or {}).values()),
    )


_METRICS = (
    ("talk_ratio", "Your share of the talking", lambda v: f"{v:.0%}"),
    ("words_per_minute", "Your pace", lambda v: f"{v:.0f} words a minute"),
    ("longest_monologue_s", "Your longest stretch without a break", lambda v: f"{v:.0f} s"),
    ("interruptions", "Times you started while they were speaking", lambda v: f"{v}"),
    ("space_after_questions_s", "Silence you left after a question", lambda v: f"{v:.1f} s (median)"),
    ("smile_warmth", "Your smiles that reached the eyes", lambda v: f"{v:.0%}"),
)


def _metric_rows(metrics: Mapping) -> list[tuple[str, str]]:
    """The seller's own numbers as (label, value) lines, leaving out what could not be measured."""
    return [(label, fmt(metrics[key])) for key, label, fmt in _METRICS if metrics.get(key) is not None]
