"""A stored call as microcue objects again: what ``microcue report ID`` needs to regenerate a report."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class StoredCall:
    """One call read back from the store (:meth:`Store.load_call`).

    ``signals`` is the per-second summary as a DataFrame with the columns the report's timeline reads
    (``time_s`` = the middle of the second, ``participant``, ``valence``, ``engagement``, ...), not the full
    per-frame signal rows. :meth:`report_kwargs` gives the keyword arguments of ``microcue.report.render_report``.
    """

    id: int
    created_at: str
    source_name: str
    source_path: str
    duration_s: float | None
    frames: int | None
    microcue_version: str
    summary: dict
    participants: list
    events: list
    cues: list
    utterances: list
    speaker_links: list
    signals: object
    withheld: dict = field(default_factory=dict)

    def report_kwargs(self) -> dict:
        return dict(participants=self.participants, signals=self.signals, events=self.events, cues=self.cues,
                    utterances=self.utterances, summary=self.summary)  # fmt: skip


def stored_call(d: dict) -> StoredCall:
    """:class:`StoredCall` from a :meth:`Store.get_call` dict."""
    import pandas as pd

    from microcue.conversation.speakers import SpeakerLink
    from microcue.conversation.transcript import Utterance
    from microcue.faces.participants import Participant
    from microcue.store.rows import SIGNAL_KEYS, cue_from_dict, event_from_dict

    people = []
    for p in d["participants"]:
        p = {k: v for k, v in p.items() if k != "named"}
        people.append(Participant(**{**p, "center": tuple(p["center"]), "track_ids": list(p["track_ids"])}))
    sig = pd.DataFrame(d["signals"], columns=list(SIGNAL_KEYS))
    sig.insert(0, "time_s", sig["second"].astype(float) + 0.5)
    return StoredCall(
        id=d["id"],
        created_at=d["created_at"],
        source_name=d["source_name"],
        source_path=d["source_path"],
        duration_s=d["duration_s"],
        frames=d["frames"],
        microcue_version=d["microcue_version"],
        summary=d["summary"],
        participants=people,
        events=[event_from_dict(e) for e in d["events"]],
        cues=[cue_from_dict(c) for c in d["cues"]],
        utterances=[
            Utterance(u["start_s"], u["end_s"], u["speaker"], u["text"], u["line"] or 0) for u in d["utterances"]
        ],  # fmt: skip
        speaker_links=[SpeakerLink(**s) for s in d["speaker_links"]],
        signals=sig,
        withheld=d["withheld"],
    )
