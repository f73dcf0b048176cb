"""Word-side helpers for cues: clock text, questions, acknowledgements, speaking rate, turns and topics."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from microcue.conversation.transcript import Utterance

_WORD = re.compile(r"[\w']+")
_ACK = re.compile(
    r"\b(?:i hear you|fair (?:point|enough)|good point|that makes sense|makes sense|i understand|"
    r"understood|i see|sounds like|tell me more|say more|go on|you're right|thanks for sharing|"
    r"that's fair|totally get|i get (?:it|that))\b",
    re.IGNORECASE,
)


def clock(t: float) -> str:
    """Seconds from the start as a wall-clock label for a cue's text: ``M:SS`` or ``H:MM:SS``, whole seconds rounded
    down, as a video player shows them and as the report labels the cue (report.content.fmt_time)."""
    s = max(0, int(math.floor(t)))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def n_words(text: str) -> int:
    return len(_WORD.findall(text))


def wpm(u: Utterance) -> float:
    """Words per minute of one utterance (nan when it lasts under a second)."""
    d = u.end_s - u.start_s
    return n_words(u.text) * 60.0 / d if d >= 1.0 else float("nan")


def is_question(text: str) -> bool:
    return "?" in text


def question_then_more(text: str) -> bool:
    """A question followed by more words in the same breath ("What's your budget? We usually see ...")."""
    i = text.find("?")
    return i >= 0 and n_words(text[i + 1 :]) >= 3


def acknowledges(text: str) -> bool:
    return bool(_ACK.search(text))


def excerpt(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


@dataclass(frozen=True)
class Turn:
    """Consecutive utterances of one speaker with no one else speaking in between and gaps under ``max_gap_s``."""

    speaker: str | None
    start_s: float
    end_s: float
    utterances: tuple[Utterance, ...]

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def words(self) -> int:
        return sum(n_words(u.text) for u in self.utterances)


def turns(utterances: Sequence[Utterance], *, max_gap_s: float = 2.0) -> list[Turn]:
    out: list[Turn] = []
    cur: list[Utterance] = []
    for u in sorted(utterances, key=lambda u: u.start_s):
        if cur and (u.speaker != cur[-1].speaker or u.start_s - max(c.end_s for c in cur) > max_gap_s):
            out.append(Turn(cur[0].speaker, cur[0].start_s, max(c.end_s for c in cur), tuple(cur)))
            cur = []
        cur.append(u)
    if cur:
        out.append(Turn(cur[0].speaker, cur[0].start_s, max(c.end_s for c in cur), tuple(cur)))
    return out


def said_at(utterances: Sequence[Utterance], t: float, *, window_s: float = 1.0) -> Utterance | None:
    """The utterance being spoken at ``t`` (the latest-starting one if several), else the nearest within
    ``window_s``."""
    inside = [u for u in utterances if u.start_s <= t <= u.end_s]
    if inside:
        return max(inside, key=lambda u: u.start_s)
    near = [(min(abs(t - u.start_s), abs(t - u.end_s)), u) for u in utterances]
    near = [x for x in near if x[0] <= window_s]
    return min(near, key=lambda x: x[0])[1] if near else None


def topic_timeline(utterances: Sequence[Utterance], topics) -> list[tuple[float, float, str, Utterance]]:
    """(start_s, end_s, topic, the utterance that raised it): a topic holds from the utterance naming it until
    another topic is named or ``topics.hold_s`` passes after its last mention."""
    spans: list[list] = []
    for u in sorted(utterances, key=lambda u: u.start_s):
        found = topics.find(u.text)
        if not found:
            continue
        topic = found[0][0]
        if spans and spans[-1][2] == topic and u.start_s <= spans[-1][1]:
            spans[-1][1] = u.end_s + topics.hold_s
            continue
        if spans and spans[-1][1] > u.start_s:
            spans[-1][1] = u.start_s
        spans.append([u.start_s, u.end_s + topics.hold_s, topic, u])
    return [tuple(s) for s in spans]
