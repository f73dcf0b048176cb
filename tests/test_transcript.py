"""Transcript import: Zoom and Teams WebVTT, SRT, Google Meet text, and bad transcripts."""

from __future__ import annotations

import pytest

from microcue.conversation.transcript import read_transcript
from microcue.errors import InputNotFoundError, InvalidInputError

ZOOM_VTT = """WEBVTT

1
00:00:01.250 --> 00:00:04.800
Dana Smith: Thanks for making the time today, Tom.

2
00:00:05.100 --> 00:00:09.020
Tom Baker: Sure. Honestly the price is way too high for us.
"""

TEAMS_VTT = """WEBVTT

3f2a-1/12-0
00:00:01.250 --> 00:00:04.800
<v Dana Smith>Thanks for making the time today, Tom.</v>

3f2a-1/13-0
00:01:05.100 --> 00:01:09.020
<v Tom Baker>We need to check with finance</v>
"""

SRT = """1
00:00:01,250 --> 00:00:04,800
Dana Smith: Thanks for making the time today.

2
00:00:05,100 --> 00:00:09,020
It is not in the budget.
"""

MEET = """Weekly sync (2026-11-20 at 10:00 GMT) - Transcript
Attendees
Dana Smith, Tom Baker
Transcript
00:00:01
Dana Smith: Thanks for making the time today.
Tom Baker: Sure.
00:00:07
Tom Baker: Honestly the price is way too high
for us this quarter.
"""


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_zoom_vtt_prefix_speakers_and_milliseconds(tmp_path):
    utts, warnings = read_transcript(write(tmp_path, "z.vtt", ZOOM_VTT))
    assert [u.speaker for u in utts] == ["Dana Smith", "Tom Baker"]
    assert utts[0].start_s == 1.25 and utts[0].end_s == 4.8 and utts[1].end_s == 9.02
    assert utts[1].text == "Sure. Honestly the price is way too high for us."
    assert warnings == []


def test_teams_vtt_voice_tags_and_hours(tmp_path):
    utts, _ = read_transcript(write(tmp_path, "t.vtt", TEAMS_VTT))
    assert [u.speaker for u in utts] == ["Dana Smith", "Tom Baker"]
    assert utts[1].start_s == 65.1 and utts[1].text == "We need to check with finance"


def test_srt_with_and_without_speaker(tmp_path):
    utts, _ = read_transcript(write(tmp_path, "s.srt", SRT))
    assert utts[0].speaker == "Dana Smith" and utts[0].start_s == 1.25
    assert utts[1].speaker is None and utts[1].text == "It is not in the budget."


def test_google_meet_text(tmp_path):
    utts, _ = read_transcript(write(tmp_path, "meet.txt", MEET))
    assert [(u.start_s, u.speaker) for u in utts] == [(1.0, "Dana Smith"), (1.0, "Tom Baker"), (7.0, "Tom Baker")]
    assert utts[2].text == "Honestly the price is way too high for us this quarter."
    assert utts[0].end_s == 7.0  # ends where the next timestamp starts


def test_bad_cue_names_the_line(tmp_path):
    bad = ZOOM_VTT.replace("00:00:05.100 --> 00:00:09.020", "00:00:05.100 --> 9 seconds")
    p = write(tmp_path, "bad.vtt", bad)
    with pytest.raises(InvalidInputError, match=r"bad\.vtt:8: cannot read the cue timing"):
        read_transcript(p)


def test_not_a_transcript_and_missing(tmp_path):
    with pytest.raises(InvalidInputError, match="not a transcript"):
        read_transcript(write(tmp_path, "notes.txt", "Just some notes\nwith no times\n"))
    with pytest.raises(InputNotFoundError):
        read_transcript(tmp_path / "nope.vtt")


def test_times_past_the_recording_warn_with_the_line(tmp_path):
    _, warnings = read_transcript(write(tmp_path, "t.vtt", TEAMS_VTT), duration_s=30.0)
    assert len(warnings) == 1 and "t.vtt:8:" in warnings[0] and "after the recording ends" in warnings[0]
