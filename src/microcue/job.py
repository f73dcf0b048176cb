"""One call, start to finish: the job behind ``microcue analyze`` and each item of ``microcue batch``.

Order matters for bad input: the playbook and the transcript are read *before* the long analysis, so a wrong
transcript fails in a second instead of after an hour of video; the pipeline writes what it computed before it
raises on a recording that turns out truncated midway.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from microcue.analysis import CallAnalysis


@dataclass
class CallJob:
    """What one call produced: the analysis, the post-call results, where it was kept, and warnings."""

    result: CallAnalysis
    after: object
    """:class:`microcue.postcall.PostCall` (cues, utterances, speaker links, files)."""
    call_id: int | None = None
    store_url: str | None = None
    warnings: list[str] = field(default_factory=list)


def run_call(video: str | Path, out: str | Path, *, roles: Iterable = (), fps: float | None = None,
             csv: bool = False, transcript: str | Path | None = None, asr_model: str | None = None,
             speaker_overrides: Iterable[str] = (), playbook=None, self_coaching: bool = False,
             thumbnails: bool = False, db: str | None = None, store: bool = True,
             calibrations: str | Path | None = None, workers: int | None = None,
             progress=None, warn: Callable[[str], None] | None = None) -> CallJob:
    """Analyse ``video`` into ``out``: faces and signals, events, words and speakers, cues, the report, and
    (unless ``store=False``) a call in the store. ``playbook`` is a loaded playbook or None for the default;
    ``warn`` is called with each transcript warning as soon as it is known."""
    from microcue.pipeline import analyze
    from microcue.postcall import postcall, read_call_transcript
    from microcue.video import open_source

    utterances, warnings = [], []
    if transcript is not None:  # read it first: a bad transcript should not wait for the whole analysis
        info = getattr(open_source(video, fps=fps), "info", None)  # its length, to warn of times past the end
        utterances, warnings = read_call_transcript(transcript, duration_s=getattr(info, "duration_s", None))
        for w in warnings:
            if warn is not None:
                warn(w)
    result = analyze(video, roles=roles, fps=fps, out_dir=out, csv=csv, calibrations=calibrations,
                     workers=workers, progress=progress)
    after = postcall(result, utterances=utterances, speaker_overrides=list(speaker_overrides), warnings=warnings,
                     playbook=playbook, self_coaching=self_coaching,
                     asr_model=asr_model if transcript is None else None, thumbnails=thumbnails)
    job = CallJob(result=result, after=after, warnings=list(warnings))
    if store:
        from microcue.store import open_store

        with open_store(db) as st:
            job.call_id = st.save_call(result, cues=after.cues, utterances=after.utterances,
                                       speaker_links=after.speaker_links)
            job.store_url = st.url
    return job


def expected_frames(video: str | Path, fps: float | None = None) -> int | None:
    """How many frames the recording should have (for a progress bar), or None when the container won't say."""
    from microcue.video import open_source

    source = open_source(video, fps=fps)
    info = getattr(source, "info", None)
    if info is None:
        return len(getattr(source, "files", [])) or None
    if info.frame_count:
        return info.frame_count
    return int(info.duration_s * info.average_fps) if info.duration_s and info.average_fps else None
