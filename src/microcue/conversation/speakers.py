"""Which face is which transcript speaker.

Three sources, strongest first:

1. the user: ``--speaker "Transcript Name"=WHERE`` (a participant id, a position or a track id);
2. names: a transcript speaker whose name matches a participant's name given with ``--role WHERE=ROLE:NAME``
   (case, accents of spacing and a missing surname forgiven: "Tom" matches "Tom Baker");
   with ``attributed=True`` (words from offline ASR, whose speakers ``asr.attribute_speakers`` named after the
   face whose mouth moved with them), a speaker that is a participant's own name, given or default
   ("Person 2"), is that participant;
3. visual active-speaker detection: while a person speaks their mouth moves in a 3-6 Hz rhythm, so each
   speaker's speech turns are compared with each face's ``mouth_activity`` (mean activity while that speaker
   talks minus while others talk, in units of the face's own spread); the best one-to-one assignment wins
   when its margin is clear.

A speaker with no face (camera off, a name tile) stays unmapped: their words still count, face cues don't.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from microcue.conversation.transcript import Utterance
from microcue.errors import InvalidInputError


@dataclass(frozen=True)
class SpeakerLink:
    """One transcript speaker and the participant they were mapped to (None: no face found for them)."""

    speaker: str
    participant: str | None
    method: str
    """``user``, ``name``, ``mouth`` or ``none``."""
    score: float
    """For ``mouth``: the contrast of mouth activity (speaking vs not), in the face's own standard deviations."""

    def to_dict(self) -> dict:
        return dict(speaker=self.speaker, participant=self.participant, method=self.method,
                    score=round(float(self.score), 3))


def _norm(name: str) -> str:
    s = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", s).split())


def names_match(a: str, b: str) -> bool:
    """Same person by name: equal after normalising, or one is the other's first name / a prefix word set."""
    na, nb = _norm(a), _norm(b)
    if not na or not nb:
        return False
    if na == nb:
        return True
    wa, wb = na.split(), nb.split()
    short, long_ = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    return long_[: len(short)] == short


def parse_speaker_override(text: str) -> tuple[str, str]:
    """``"Transcript Name"=WHERE`` -> (name, where)."""
    m = re.fullmatch(r"\s*\"?([^\"=]+?)\"?\s*=\s*(\S+)\s*", text)
    if not m:
        raise InvalidInputError(f"--speaker {text!r}: expected \"Transcript Name\"=WHERE, e.g. \"Tom Baker\"=right")
    return m.group(1).strip(), m.group(2).strip().lower()


def speech_contrast(utterances: list[Utterance], speaker: str, times: np.ndarray,
                    activity: np.ndarray) -> float:
    """How much more this face's mouth moves while ``speaker`` talks than while others talk."""
    if len(times) < 10:
        return float("nan")
    mine = np.zeros(len(times), bool)
    others = np.zeros(len(times), bool)
    for u in utterances:
        inside = (times >= u.start_s) & (times < u.end_s)
        if u.speaker == speaker:
            mine |= inside
        else:
            others |= inside
    others &= ~mine
    if mine.sum() < 5 or others.sum() < 5:
        return float("nan")
    spread = float(np.std(activity)) or 1e-6
    return float((np.mean(activity[mine]) - np.mean(activity[others])) / spread)


def _attributed_score(utterances: list[Utterance], speaker: str, times: np.ndarray, activity: np.ndarray) -> float:
    """The mouth contrast of a face ASR attribution gave ``speaker`` to: as :func:`speech_contrast`, or, when
    nobody else spoke, while ``speaker`` talks against the rest of the call (0.0 when neither can be told)."""
    c = speech_contrast(utterances, speaker, times, activity)
    if np.isfinite(c):
        return c
    mine = np.zeros(len(times), bool)
    for u in utterances:
        if u.speaker == speaker:
            mine |= (times >= u.start_s) & (times < u.end_s)
    ok = np.isfinite(activity)
    if (mine & ok).sum() < 1 or (~mine & ok).sum() < 1:
        return 0.0
    spread = float(np.std(activity[ok])) or 1e-6
    return float((np.mean(activity[mine & ok]) - np.mean(activity[~mine & ok])) / spread)


def map_speakers(utterances: list[Utterance], signals, participants, *, overrides: list[str] = (),
                 attributed: bool = False, min_contrast: float = 0.5, min_margin: float = 0.25) -> list[SpeakerLink]:
    """Link each transcript speaker to a participant (see the module docstring for the order of evidence).

    Args:
        signals: the signal rows (DataFrame with time_s, participant, mouth_activity).
        participants: ``Participant`` objects of the call.
        overrides: ``"Name"=WHERE`` strings from ``--speaker``.
        attributed: the speakers are participants' names given by
            :func:`~microcue.conversation.asr.attribute_speakers` (offline ASR, after the call or live): a
            speaker that is exactly one participant's name links to that face (method ``mouth``), named or not,
            even when nobody else spoke to contrast it with.
        min_contrast: mouth-activity contrast a face needs to be taken as a speaker's.
        min_margin: how far the best face must lead the next one.
    """
    from microcue.faces.participants import RoleSpec, _anchor, _match  # position words, one place

    speakers = sorted({u.speaker for u in utterances if u.speaker})
    links: dict[str, SpeakerLink] = {}
    taken: set[str] = set()
    for text in overrides:
        name, where = parse_speaker_override(text)
        if name not in speakers:
            raise InvalidInputError(f"--speaker {text!r}: no speaker {name!r} in the transcript "
                                    f"(speakers: {', '.join(speakers) or 'none'})")
        p = next((q for q in participants if q.id.lower() == where), None)
        if p is None and (_anchor(where) is not None or re.fullmatch(r"(?:track|t|id)?\d+", where)):
            p = _match(RoleSpec(where, "other"), participants, taken)
        if p is None:
            raise InvalidInputError(f"--speaker {text!r}: no participant at {where!r}")
        links[name] = SpeakerLink(name, p.id, "user", 1.0)
        taken.add(p.id)
    for name in speakers:
        if name in links:
            continue
        named = [p for p in participants if p.id not in taken and p.extra.get("named") and names_match(name, p.name)]
        if len(named) == 1:
            links[name] = SpeakerLink(name, named[0].id, "name", 1.0)
            taken.add(named[0].id)
    for name in speakers if attributed else ():
        own = [p for p in participants if p.id not in taken and p.name == name]
        if name in links or len(own) != 1:
            continue
        rows = signals[signals["participant"] == own[0].id] if signals is not None and len(signals) else None
        score = 0.0 if rows is None else _attributed_score(utterances, name, rows["time_s"].to_numpy(float),
                                                           rows["mouth_activity"].to_numpy(float))
        links[name] = SpeakerLink(name, own[0].id, "mouth", score)
        taken.add(own[0].id)
    rest = [s for s in speakers if s not in links]
    free = [p for p in participants if p.id not in taken]
    if rest and free and signals is not None and len(signals):
        scores = np.full((len(rest), len(free)), np.nan)
        for j, p in enumerate(free):
            rows = signals[signals["participant"] == p.id]
            t, a = rows["time_s"].to_numpy(float), rows["mouth_activity"].to_numpy(float)
            for i, s in enumerate(rest):
                scores[i, j] = speech_contrast(utterances, s, t, a)
        filled = np.nan_to_num(scores, nan=-9.0)
        while True:
            i, j = np.unravel_index(np.argmax(filled), filled.shape)
            best = filled[i, j]
            if best < min_contrast:
                break
            row = np.delete(filled[i], j)
            col = np.delete(filled[:, j], i)
            runner = max(row.max(initial=-9.0), col.max(initial=-9.0))
            if best - runner >= min_margin or runner < min_contrast:
                links[rest[i]] = SpeakerLink(rest[i], free[j].id, "mouth", float(best))
            filled[i, :] = -9.0
            filled[:, j] = -9.0
    for name in speakers:
        links.setdefault(name, SpeakerLink(name, None, "none", 0.0))
    return [links[s] for s in speakers]
