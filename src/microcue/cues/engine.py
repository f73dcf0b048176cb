"""The cue engine: events, signal rows and words in, sales cues with playbook suggestions out.

    cues = generate_cues(events, signals, participants, utterances=utts, speaker_links=links)

Rules per kind live in :mod:`microcue.cues.buyer` (what the buyer's face and words show) and
:mod:`microcue.cues.seller` (the seller's own patterns, private, and the cycle of disconnect); docs/cues.md
describes every kind, its thresholds and its confidence. This module builds the shared context (who is a
buyer, who is the seller, who said what, what topic was current) and merges repeats.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from microcue.conversation.transcript import Utterance
from microcue.cues.playbook import Playbook, Topics, load_playbook, load_topics
from microcue.cues.types import SELF_COACHING_KINDS, Cue, Evidence
from microcue.cues.words import clock, excerpt, said_at, topic_timeline

MERGE_S = 4.0
"""Repeats of the same kind for the same person closer than this are merged into one cue."""


@dataclass
class Context:
    """What every rule needs. Built once per call by :func:`generate_cues`."""

    events: list
    signals: object  # pandas DataFrame
    participants: dict  # id -> Participant
    utterances: list[Utterance]
    speaker_of: dict  # participant id -> transcript speaker name
    participant_of: dict  # transcript speaker name -> participant id or None
    playbook: Playbook
    topics: Topics
    buyers: list[str]
    sellers: list[str]
    topic_spans: list = field(default_factory=list)

    # -------------------------------------------------------------------------------- lookups
    def role(self, pid: str) -> str:
        p = self.participants.get(pid)
        return p.role if p is not None else "unknown"

    def name(self, pid: str) -> str:
        p = self.participants.get(pid)
        return p.name if p is not None else pid

    def rows(self, pid: str):
        s = self.signals
        if s is None or len(s) == 0 or "participant" not in s:
            return None
        r = s[s["participant"] == pid]
        return r if len(r) else None

    def events_of(self, pid: str, kinds: Iterable[str] | None = None) -> list:
        ks = set(kinds) if kinds is not None else None
        return [e for e in self.events if e.participant == pid and (ks is None or e.kind in ks)]

    def topic_at(self, t: float) -> tuple[str, Utterance] | None:
        for start, end, topic, u in self.topic_spans:
            if start <= t <= end:
                return topic, u
        return None

    def utterance_at(self, t: float, *, window_s: float = 1.0) -> Utterance | None:
        return said_at(self.utterances, t, window_s=window_s)

    def speaker_utterances(self, speakers: Iterable[str | None]) -> list[Utterance]:
        ss = set(speakers)
        return [u for u in self.utterances if u.speaker in ss]

    @property
    def seller_speakers(self) -> set[str]:
        return {s for s, p in self.participant_of.items() if p in self.sellers}

    # -------------------------------------------------------------------------------- building cues
    def cue(
        self,
        kind: str,
        pid: str,
        t: float,
        what: str,
        *,
        confidence: float,
        event_ids=(),
        span: tuple[float, float] | None = None,
        utterance: Utterance | None = None,
        details=None,
        role: str | None = None,
        with_topic: bool = True,
        words_only: bool = False,
    ) -> Cue:
        """One cue: ``what`` is the observation before its clock time ("a brief frown"); the time, the topic
        (when one was current) and the words-only note are added here, and the suggestion comes from the
        playbook."""
        if utterance is None:
            utterance = self.utterance_at(t)
        topic_hit = self.topic_at(t) if with_topic else None
        topic = topic_hit[0] if topic_hit else None
        text = f"{what} at {clock(t)}"
        if topic:
            text += f" while {topic.replace('_', ' ')} was being discussed"
        if words_only:
            text += " (words only: no face was seen for this speaker)"
        details = dict(details or {})
        if words_only:
            details["words_only"] = True
        span = span or (t, t)
        ev = Evidence(
            event_ids=tuple(event_ids),
            start_s=round(float(span[0]), 3),
            end_s=round(float(span[1]), 3),
            transcript=excerpt(utterance.text) if utterance is not None else None,
            speaker=utterance.speaker if utterance is not None else None,
            topic=topic,
            details=details,
        )
        return Cue(
            time_s=round(float(t), 3),
            participant=pid,
            role=role or self.role(pid),
            kind=kind,
            observation=text,
            suggestion=self.playbook.suggest(kind, topic=topic),
            evidence=ev,
            confidence=round(min(1.0, max(0.0, float(confidence))), 3),
            private=kind in SELF_COACHING_KINDS,
        )


def _links_map(speaker_links) -> dict:
    out = {}
    for link in speaker_links:
        out[link.speaker] = link.participant
    return out


def build_context(
    events, signals, participants, *, utterances=(), speaker_links=(), playbook=None, topics=None
) -> Context:
    people = {p.id: p for p in participants}
    sellers = [p.id for p in participants if p.role == "seller"]
    named_buyers = [p.id for p in participants if p.role == "buyer"]
    # No buyer named: everyone who is not the seller is a possible buyer ("other" included).
    buyers = named_buyers or [p.id for p in participants if p.role != "seller"]
    participant_of = _links_map(speaker_links)
    for u in utterances:  # speakers the mapping does not mention: unknown face
        if u.speaker is not None:
            participant_of.setdefault(u.speaker, None)
    speaker_of = {p: s for s, p in participant_of.items() if p is not None}
    utts = sorted(utterances, key=lambda u: (u.start_s, u.end_s))
    topics = topics if topics is not None else load_topics()
    ctx = Context(
        events=sorted(events, key=lambda e: e.onset_s),
        signals=signals,
        participants=people,
        utterances=utts,
        speaker_of=speaker_of,
        participant_of=participant_of,
        playbook=playbook if playbook is not None else load_playbook(),
        topics=topics,
        buyers=buyers,
        sellers=sellers,
    )
    ctx.topic_spans = topic_timeline(utts, topics)
    return ctx


def merge_repeats(cues: Sequence[Cue], *, merge_s: float = MERGE_S) -> list[Cue]:
    """Merge cues of the same kind for the same person that start within ``merge_s`` of the previous one:
    the most confident one is kept, with the others' event ids and span added and ``details["merged"]``
    counting the cues merged."""
    out: list[Cue] = []
    last: dict[tuple[str, str], int] = {}
    for c in sorted(cues, key=lambda c: c.time_s):
        key = (c.participant, c.kind)
        i = last.get(key)
        if i is not None and c.time_s - out[i].evidence.end_s <= merge_s:
            a = out[i]
            keep, other = (a, c) if a.confidence >= c.confidence else (c, a)
            ids = tuple(dict.fromkeys(a.evidence.event_ids + c.evidence.event_ids))
            starts = [x for x in (a.evidence.start_s, c.evidence.start_s) if x is not None]
            ends = [x for x in (a.evidence.end_s, c.evidence.end_s) if x is not None]
            details = dict(keep.evidence.details)
            details["merged"] = a.evidence.details.get("merged", 1) + c.evidence.details.get("merged", 1)
            ev = replace(
                keep.evidence,
                event_ids=ids,
                start_s=min(starts) if starts else None,
                end_s=max(ends) if ends else None,
                details=details,
            )
            out[i] = replace(keep, evidence=ev)
            continue
        last[key] = len(out)
        out.append(c)
    return out


def generate_cues(
    events: Sequence,
    signals,
    participants: Sequence,
    *,
    utterances: Sequence[Utterance] = (),
    speaker_links: Sequence = (),
    playbook: Playbook | None = None,
    topics: Topics | None = None,
    merge_s: float = MERGE_S,
) -> list[Cue]:
    """All cues of one call, sorted by time.

    Args:
        events: ``ExpressionEvent`` list (any order).
        signals: signal rows (pandas DataFrame, docs/signals.md); may be None or empty (then only event and
            word cues).
        participants: ``Participant`` list; roles decide who is a buyer and who gets self-coaching. Without
            a seller there are no self-coaching cues; without any buyer named, everyone else is a possible buyer.
        utterances: transcript utterances (``microcue.conversation.transcript.Utterance``).
        speaker_links: ``SpeakerLink`` list (transcript speaker -> participant id or None for no face).
        playbook, topics: from :func:`load_playbook` / :func:`load_topics` (the packaged defaults when None).
        merge_s: repeats of a kind for one person within this many seconds become one cue.
    """
    from microcue.cues import buyer, seller

    ctx = build_context(
        events,
        signals,
        participants,
        utterances=utterances,
        speaker_links=speaker_links,
        playbook=playbook,
        topics=topics,
    )
    cues: list[Cue] = []
    for pid in ctx.buyers:
        cues += buyer.face_cues(ctx, pid)
    cues += buyer.word_cues(ctx)
    cues = merge_repeats(cues, merge_s=merge_s)
    cues += buyer.topic_reactions(ctx, cues)
    if ctx.sellers:
        for pid in ctx.sellers:
            cues += seller.self_coaching(ctx, pid)
        cues += seller.disconnect_cycles(ctx, [c for c in cues if c.kind == "doubt"])
    cues = merge_repeats(cues, merge_s=merge_s)
    return sorted(cues, key=lambda c: (c.time_s, c.participant, c.kind))
