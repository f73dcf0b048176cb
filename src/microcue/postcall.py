"""After the faces: words, speakers, cues, the report and the store (the post-call job of issue 4).

``analyze()`` reads the faces; ``postcall()`` adds what was said and what it means for the seller, and writes
transcript.json, speakers.json, cues.json, report.html and report.md beside the signals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from microcue.analysis import CallAnalysis
from microcue.io.sink import write_json


@dataclass
class PostCall:
    """What ``postcall`` produced."""

    utterances: list = field(default_factory=list)
    speaker_links: list = field(default_factory=list)
    cues: list = field(default_factory=list)
    files: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)


def read_call_transcript(path: str | Path, *, duration_s: float | None):
    """Utterances and warnings of a transcript (errors name the file and line); see conversation/transcript.py."""
    from microcue.conversation.transcript import read_transcript

    return read_transcript(path, duration_s=duration_s)


def postcall(result: CallAnalysis, *, utterances=(), speaker_overrides=(), warnings=()) -> PostCall:
    """Map transcript speakers to faces and write transcript.json and speakers.json into the result's folder."""
    from microcue.conversation.speakers import map_speakers

    out = PostCall(utterances=list(utterances), warnings=list(warnings))
    if out.utterances:
        out.speaker_links = map_speakers(out.utterances, result.signals, result.participants,
                                         overrides=list(speaker_overrides))
        out.files["transcript"] = write_json(result.out_dir / "transcript.json",
                                             [u.to_dict() for u in out.utterances])
        out.files["speakers"] = write_json(result.out_dir / "speakers.json",
                                           [lk.to_dict() for lk in out.speaker_links])
    return out
