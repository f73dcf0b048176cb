"""The seller's own numbers (private self-coaching)."""

from __future__ import annotations

from microcue.conversation.speakers import SpeakerLink
from microcue.conversation.transcript import Utterance
from microcue.cues.seller_metrics import seller_metrics
from microcue.faces.participants import RoleSpec, build_participants


def people():
    stats = {0: dict(frames=300, first_s=0.0, last_s=30.0, cx=0.25, cy=0.5, face_px=90.0),
             1: dict(frames=300, first_s=0.0, last_s=30.0, cx=0.75, cy=0.5, face_px=90.0)}
    return build_participants(stats, [RoleSpec.parse("left=seller:Dana"), RoleSpec.parse("right=buyer:Tom")])


def test_talk_ratio_pace_monologue_interruptions_space():
    utts = [Utterance(0.0, 6.0, "Dana", "one two three four five six seven eight nine ten", 1),
            Utterance(6.5, 9.0, "Dana", "and what budget do you have?", 2),
            Utterance(10.0, 14.0, "Tom", "about half of that I think", 3),
            Utterance(13.0, 15.0, "Dana", "that works", 4),
            Utterance(20.0, 21.0, "Dana", "great", 5)]
    links = [SpeakerLink("Dana", "P1", "name", 1.0), SpeakerLink("Tom", "P2", "name", 1.0)]
    m = seller_metrics(people(), utts, links, [], None)
    assert m["participant"] == "P1"
    assert abs(m["talk_ratio"] - 11.5 / 15.5) < 1e-3
    assert abs(m["words_per_minute"] - 19 / (11.5 / 60)) < 0.1
    assert m["longest_monologue_s"] == 8.5  # 0-6 and 6.5-9 joined (gap under 2 s)
    assert m["interruptions"] == 1           # Dana at 13 s while Tom speaks until 14 s
    assert m["space_after_questions_s"] == 4.0  # question ends 9 s, Dana next speaks at 13 s


def test_no_seller_no_metrics():
    stats = {0: dict(frames=300, first_s=0.0, last_s=30.0, cx=0.5, cy=0.5, face_px=90.0)}
    assert seller_metrics(build_participants(stats), [], [], [], None) == {}
