"""After the faces: words, speakers, cues, the report and the store (the post-call job of issue 4).

``analyze()`` reads the faces; ``postcall()`` adds what was said and what it means for the seller, and writes
transcript.json, speakers.json, cues.json, report.html and report.md beside the signals. Without a transcript
the cues and the report come from the faces alone.
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


def postcall(result: CallAnalysis, *, utterances=(), speaker_overrides=(), warnings=(), playbook=None,
             self_coaching: bool = False, asr_model: str | Path | None = None,
             thumbnails: bool = False) -> PostCall:
    """Words, speakers, cues and the report for an analysed call (transcript.json, speakers.json, cues.json,
    report.html, report.md).

    Self-coaching cues (private to the seller) are computed always but written to cues.json only with
    ``self_coaching=True``; they are returned in ``PostCall.cues`` either way, marked ``private``. Without a
    transcript, ``asr_model`` (a local faster-whisper model folder, or a name in the user's own cache) transcribes
    the recording offline (the ``asr`` extra).
    """
    from microcue.conversation.speakers import map_speakers
    from microcue.cues.engine import generate_cues
    from microcue.signals.schema import POSTCALL_COLUMNS

    read = getattr(result, "read_signals", None)  # only the columns used here: a long call's table is large
    signals = read(POSTCALL_COLUMNS) if read is not None else result.signals
    out = PostCall(utterances=list(utterances), warnings=list(warnings))
    asr = not out.utterances and asr_model is not None
    if asr:
        from microcue.conversation.asr import attribute_speakers, transcribe

        # Offline speech recognition; each utterance goes to the face whose mouth moved with it, by its name.
        out.utterances = attribute_speakers(transcribe(result.source, model=asr_model), signals,
                                            result.participants)
    if out.utterances:
        out.speaker_links = map_speakers(out.utterances, signals, result.participants,
                                         overrides=list(speaker_overrides), attributed=asr)
        out.files["transcript"] = write_json(result.out_dir / "transcript.json",
                                             [u.to_dict() for u in out.utterances])
        out.files["speakers"] = write_json(result.out_dir / "speakers.json",
                                           [lk.to_dict() for lk in out.speaker_links])
    out.cues = generate_cues(result.events, signals, result.participants, utterances=out.utterances,
                             speaker_links=out.speaker_links, playbook=playbook)
    shown = [c for c in out.cues if self_coaching or not c.private]
    out.files["cues"] = write_json(result.out_dir / "cues.json", [c.to_dict() for c in shown])
    from microcue.cues.seller_metrics import seller_metrics
    from microcue.report import render_report

    summary = dict(result.summary)
    if self_coaching:  # private: only in this run's report and the local store
        summary["self_coaching"] = seller_metrics(result.participants, out.utterances, out.speaker_links,
                                                  result.events, signals)
        result.summary["self_coaching"] = summary["self_coaching"]
        write_json(result.out_dir / "summary.json", result.summary)
    thumbs = None
    if thumbnails:  # face images only when asked for, and only inside the report
        from microcue.report.capture import capture_thumbnails

        thumbs = capture_thumbnails(result.source, result.events, shown, signals)
    out.files.update(render_report(result.out_dir, participants=result.participants, signals=signals,
                                   events=result.events, cues=out.cues, utterances=out.utterances,
                                   summary=summary, self_coaching=self_coaching, thumbnails=thumbs))
    return out
