"""Meeting transcripts: WebVTT and SRT as Zoom and Teams export them, and Google Meet's text transcript.

Speakers come from WebVTT voice tags (``<v Name>text</v>``, Teams) or a ``Name: text`` prefix (Zoom, SRT).
Google Meet's document saved as text has timestamp lines (``00:01:23`` or ``1:23``) followed by ``Name: text``
lines; each utterance ends where the next one starts (Meet gives times to the second only).

Written by hand rather than with webvtt-py: its ``start_in_seconds`` is whole seconds and it skips a
malformed cue silently, while microcue needs milliseconds and an error that names the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from microcue.errors import InputNotFoundError, InvalidInputError

_TS = r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})"
_CUE = re.compile(rf"^\s*{_TS}\s*-->\s*{_TS}(?:\s+.*)?$")
_VOICE = re.compile(r"<v(?:\.[^\s>]+)?\s+([^>]+)>")
_TAG = re.compile(r"</?[^>]+>")
_PREFIX = re.compile(r"^\s*([^:]{1,60}?):\s+(.+)$")
_MEET_TIME = re.compile(r"^\s*(?:(\d+):)?(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class Utterance:
    """One stretch of speech. ``speaker`` is None when the transcript does not say who spoke."""

    start_s: float
    end_s: float
    speaker: str | None
    text: str
    line: int
    """1-based line of the file where the utterance starts (for messages)."""

    def to_dict(self) -> dict:
        return dict(start_s=self.start_s, end_s=self.end_s, speaker=self.speaker, text=self.text, line=self.line)


def _secs(h, m, s, ms) -> float:
    frac = int(ms) / (10 ** len(ms)) if ms else 0.0
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + frac


def _speaker_and_text(raw: str) -> tuple[str | None, str]:
    voice = _VOICE.search(raw)
    text = " ".join(_TAG.sub("", raw).split())
    if voice:
        return voice.group(1).strip(), text
    m = _PREFIX.match(text)
    if m and not re.search(r"\d{1,2}:\d{2}", m.group(1)):  # "at 10:30: ..." is not a speaker
        return m.group(1).strip(), m.group(2).strip()
    return None, text


def _cues(path: Path, lines: list[str]) -> list[Utterance]:
    """WebVTT and SRT: blocks of [id], ``start --> end``, text lines."""
    out: list[Utterance] = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        if "-->" not in line:
            i += 1
            continue
        m = _CUE.match(line)
        if not m:
            raise InvalidInputError(f"{path}:{i + 1}: cannot read the cue timing {line.strip()!r} "
                                    "(expected HH:MM:SS.mmm --> HH:MM:SS.mmm)")
        start, end = _secs(*m.groups()[:4]), _secs(*m.groups()[4:])
        if end < start:
            raise InvalidInputError(f"{path}:{i + 1}: the cue ends ({end:.3f} s) before it starts ({start:.3f} s)")
        first = i + 1
        i += 1
        body = []
        while i < n and lines[i].strip():
            body.append(lines[i])
            i += 1
        speaker, text = _speaker_and_text(" ".join(body))
        if text:
            out.append(Utterance(start, end, speaker, text, first))
    return out


def _meet(path: Path, lines: list[str]) -> list[Utterance]:
    """Google Meet text: timestamp lines, then ``Name: text`` lines spoken from that time on."""
    t: float | None = None
    pending: list[tuple[float, str | None, str, int]] = []
    for k, line in enumerate(lines, 1):
        m = _MEET_TIME.match(line)
        if m:
            t = _secs(m.group(1), m.group(2), m.group(3), "")
            continue
        if t is None or not line.strip():
            continue  # the title, attendee list and blank lines before the first timestamp
        speaker, text = _speaker_and_text(line)
        if speaker is None and pending:  # a wrapped line continues the previous utterance
            s0, sp, tx, ln = pending[-1]
            pending[-1] = (s0, sp, f"{tx} {text}", ln)
            continue
        pending.append((t, speaker, text, k))
    out = []
    for j, (s0, sp, tx, ln) in enumerate(pending):
        nxt = next((p[0] for p in pending[j + 1:] if p[0] > s0), None)
        end = nxt if nxt is not None else s0 + max(1.0, len(tx.split()) / 2.5)  # ~150 words a minute
        out.append(Utterance(s0, end, sp, tx, ln))
    return out


def read_transcript(path: str | Path, *, duration_s: float | None = None) -> tuple[list[Utterance], list[str]]:
    """Utterances of a transcript file (sorted by start) and warnings.

    Raises:
        InputNotFoundError: no such file.
        InvalidInputError: the file is not a transcript microcue can read, naming the line.
    Warnings (returned) name utterances that start after ``duration_s`` (the recording's length): a
    transcript of another call, or one with an offset.
    """
    path = Path(path)
    if not path.exists():
        raise InputNotFoundError(f"{path}: transcript not found")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInputError(f"{path}: not a text transcript (not UTF-8)") from None
    lines = text.splitlines()
    has_cues = any("-->" in ln for ln in lines)
    if has_cues:
        utterances = _cues(path, lines)
    elif any(_MEET_TIME.match(ln) for ln in lines):
        utterances = _meet(path, lines)
    else:
        raise InvalidInputError(f"{path}: not a transcript microcue can read (no 'start --> end' cues as in "
                                "WebVTT/SRT, and no Google Meet timestamp lines)")
    if not utterances:
        raise InvalidInputError(f"{path}: the transcript has no spoken text")
    utterances.sort(key=lambda u: (u.start_s, u.line))
    warnings = []
    if duration_s is not None:
        late = [u for u in utterances if u.start_s > duration_s + 1.0]
        if late:
            warnings.append(f"{path}:{late[0].line}: {len(late)} utterance(s) start after the recording ends "
                            f"({late[0].start_s:.1f} s > {duration_s:.1f} s): is this the transcript of this call?")
    return utterances, warnings
