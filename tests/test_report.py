"""The post-call report: content of report.html and report.md, key moments, privacy, time format."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from microcue.conversation.transcript import Utterance
from microcue.cues.types import Cue, Evidence
from microcue.events.types import ExpressionEvent
from microcue.report.content import build_content, fmt_time, select_key_moments

pytest.importorskip("jinja2")
pytest.importorskip("plotly")

from microcue.report import render_report  # noqa: E402

PRIVATE_MARK = "ZZPRIVATE"
"""Text put only in private cues: it must not appear anywhere in a report without self-coaching."""


def demo_participants():
    return [
        dict(id="P1", name="Dana", role="buyer"),
        dict(id="P2", name="Sam", role="seller"),
    ]


def demo_transcript():
    return [
        Utterance(0.5, 3.8, "Sam", "Thanks for making time today, Dana. Shall I walk you through the proposal?", 1),
        Utterance(4.0, 6.0, "Dana", "Sure, go ahead.", 4),
        Utterance(6.2, 10.5, "Sam", "The annual plan comes to forty-eight thousand, with onboarding included.", 7),
        Utterance(10.8, 13.9, "Dana", "Hm. That's more than we planned. It's not in the budget this quarter.", 10),
        Utterance(14.0, 17.5, "Sam", "And on top of that the analytics module, the integrations, the support tier...",
                  13),
        Utterance(17.8, 19.5, "Dana", "I like the reporting part, though.", 16),
    ]


def demo_cues():
    ev = Evidence
    return [
        Cue(2.5, "P1", "buyer", "genuine_smile", "a warm smile with cheek raise at 0:02 during the greeting",
            "Build on it: ask what matters most to them this quarter.", ev(("P1-e0001",), 2.0, 3.1), 0.81),
        Cue(11.4, "P1", "buyer", "doubt", "a brief frown and lip press at 0:11 right after the price was named",
            "Can you share what's on your mind right now?",
            ev(("P1-e0004",), 11.2, 11.6, "It's not in the budget this quarter.", "Dana", "pricing"), 0.74),
        Cue(12.0, "P1", "buyer", "topic_reaction", "a negative reaction while pricing was discussed",
            "Ask how they budget for tools like this, and what a first step could cost.",
            ev(("P1-e0004",), 10.8, 13.9, None, None, "pricing", {"polarity": "negative"}), 0.66),
        Cue(14.5, "P1", "buyer", "disconnect_cycle",
            "after the flash of doubt at 0:11 the seller went on for 3.5 s about more features",
            "Pause after a price reaction; acknowledge it before adding more.",
            ev(("P1-e0004",), 11.2, 17.5, None, None, "pricing"), 0.58),
        Cue(18.2, "P1", "buyer", "lights_up", "eyebrow flash and leaning in at 0:18 on the reporting features",
            "Ask which report they would use first.",
            ev(("P1-e0007",), 17.9, 18.6, None, None, "need", {"polarity": "positive"}), 0.77),
        Cue(16.0, "P1", "buyer", "polite_smile", "a smile without cheek raise at 0:16", "Check in: does this fit?",
            ev(), 0.35),
        # private (self-coaching) cues: by kind, and by the private flag
        Cue(15.0, "P2", "seller", "seller_rushing", f"{PRIVATE_MARK} you spoke at 190 words a minute",
            f"{PRIVATE_MARK} slow down after a price", ev(), 0.7),
        Cue(9.0, "P2", "seller", "seller_tension", f"{PRIVATE_MARK} tight lips while naming the price",
            f"{PRIVATE_MARK} breathe out", ev(), 0.6),
        Cue(17.0, "P2", "seller", "no_space", f"{PRIVATE_MARK} 0.2 s after your question", f"{PRIVATE_MARK} wait",
            ev(), 0.9),
        Cue(8.0, "P1", "buyer", "surprise", f"{PRIVATE_MARK} marked private by the engine", f"{PRIVATE_MARK}", ev(),
            0.99, private=True),
    ]


def synthetic_signals(duration=20.0, fps=10.0):
    t = np.arange(0, duration, 1 / fps)
    rows = []
    for pid, phase in (("P1", 0.0), ("P2", 1.0)):
        for x in t:
            if pid == "P1" and 6.0 < x < 7.5:  # a gap: face not measured
                continue
            rows.append(dict(time_s=float(x), participant=pid, valence=float(0.4 * np.sin(x / 3 + phase)),
                             engagement=float(0.6 + 0.3 * np.cos(x / 4 + phase))))
    return pd.DataFrame(rows)


def demo_events():
    return [
        ExpressionEvent("P1-e0001", "P1", "macro", 2.0, 2.5, 3.1, "happiness", 0.8, ("au06", "au12"), 0.6, "both",
                        ("duchenne",)),
        ExpressionEvent("P1-e0004", "P1", "micro", 11.2, 11.4, 11.6, "contempt", 0.7, ("au14_r",), 0.4, "right"),
        ExpressionEvent("P1-e0005", "P1", "nod", 5.0, 5.4, 5.8, None, 0.9, ("pitch",), 8.0),
        ExpressionEvent("P1-e0007", "P1", "brow_flash", 17.9, 18.2, 18.6, None, 0.6, ("au01", "au02"), 0.5),
        ExpressionEvent("P2-e0001", "P2", "micro", 9.0, 9.1, 9.3, "anger", 0.5, ("au23",), 0.4, "both"),
    ]


SUMMARY = dict(source="/calls/acme_demo.mp4", container_duration_s=20.0, first_pts_s=0.0, last_pts_s=19.9)


def render_demo(out_dir, *, self_coaching=False, signals=None, events=None, participants=None, summary=None,
                thumbnails=None):
    return render_report(out_dir, participants=participants or demo_participants(),
                         signals=synthetic_signals() if signals is None else signals,
                         events=demo_events() if events is None else events, cues=demo_cues(),
                         utterances=demo_transcript(), summary=summary or SUMMARY, self_coaching=self_coaching,
                         thumbnails=thumbnails)


@pytest.mark.parametrize("s, text", [(0.0, "0:00"), (5.999, "0:05"), (61.2, "1:01"), (751.9, "12:31"),
                                     (3725.0, "1:02:05"), (None, "–"), (float("nan"), "–"), (-0.01, "0:00")])
def test_fmt_time_from_float_seconds(s, text):
    assert fmt_time(s) == text


def test_key_moments_are_strongest_buyer_cues_plus_every_disconnect_cycle_in_time_order():
    cues = demo_cues()
    km = select_key_moments(cues, max_buyer=2)
    kinds = [g[0].kind for g in km]
    # the two strongest public buyer moments (genuine_smile 0.81, lights_up 0.77) plus the disconnect cycle (0.58)
    assert sorted(kinds) == ["disconnect_cycle", "genuine_smile", "lights_up"]
    assert [g[0].time_s for g in km] == sorted(g[0].time_s for g in km)
    assert all(not c.private and not c.kind.startswith("seller_") for g in km for c in g)


def test_cues_on_one_event_or_close_in_time_are_one_moment_but_a_cycle_stands_alone():
    from microcue.report.content import group_cues

    groups = group_cues([c for c in demo_cues() if not c.private and c.role == "buyer"])
    kinds = [[c.kind for c in g] for g in groups]
    # doubt (11.4) and the topic reaction (12.0) cite the same event: one moment, the stronger reading first;
    # the disconnect cycle cites it too but is about what the seller did next, so it stays its own moment;
    # the polite smile (16.0) and lights_up (18.2) are 2.2 s apart: two moments
    assert kinds == [["genuine_smile"], ["doubt", "topic_reaction"], ["disconnect_cycle"], ["polite_smile"],
                     ["lights_up"]]
    c = build_content(participants=demo_participants(), cues=demo_cues(), summary=SUMMARY)
    doubt = next(m for m in c.key_moments if m.cue.kind == "doubt")
    assert doubt.also == ["Reaction to a topic"] and doubt.time == "0:11"


@pytest.mark.parametrize("details, polarity", [({"reaction": "doubt"}, "negative"),
                                               ({"reaction": "lights_up"}, "positive"),
                                               ({"valence": -0.3}, "negative"), ({"reaction": "surprise"}, None)])
def test_topic_polarity_from_engine_details(details, polarity):
    from microcue.report.content import topic_polarity

    cue = Cue(1.0, "P1", "buyer", "topic_reaction", "x", "y", Evidence(topic="pricing", details=details), 0.5)
    assert topic_polarity(cue) == polarity


def test_follow_up_plan_sorts_interest_worry_and_topics():
    c = build_content(participants=demo_participants(), cues=demo_cues(), utterances=demo_transcript(),
                      summary=SUMMARY)
    assert {m.cue.kind for m in c.interested} == {"genuine_smile", "lights_up"}
    assert [m.cue.kind for m in c.worried] == ["doubt"]  # the topic reaction to the same frown is merged in
    assert c.worried[0].also == ["Reaction to a topic"]
    assert [t.topic for t in c.address_next] == ["pricing"]
    assert c.address_next[0].times == ["0:11", "0:12"]
    # what was being said comes from the transcript when the cue does not carry it
    smile = next(m for m in c.key_moments if m.cue.kind == "genuine_smile")
    assert smile.said.startswith("Thanks for making time") and smile.said_by == "Sam"


def test_html_sections_times_and_confidence(tmp_path):
    paths = render_demo(tmp_path)
    assert set(paths) == {"html", "md"} and paths["html"] == tmp_path / "report.html"
    html = paths["html"].read_text()
    for section in ('id="about"', 'id="key-moments"', 'id="follow-up"', 'id="timeline"', 'id="all-cues"'):
        assert section in html
    assert 'id="self-coaching"' not in html
    assert "not lie detection" in html and "What it cannot tell" in html
    assert 'id="timeline-P1"' in html
    assert 'id="timeline-P2"' not in html  # the seller's own face readings are self-coaching material
    km = html[html.index('id="key-moments"'):html.index('id="follow-up"')]
    times = re.findall(r'<div class="time">([\d:]+)</div>', km)
    assert times == ["0:02", "0:11", "0:14", "0:16", "0:18"]
    assert "Can you share what&#39;s on your mind right now?" in km
    assert "It&#39;s not in the budget this quarter." in km
    assert "high 0.74" in km and "low 0.35" in km
    assert "Address next time" in html and "pricing" in html


def test_html_is_self_contained(tmp_path):
    html = render_demo(tmp_path)["html"].read_text()
    assert "plotly.js v" in html.lower() and "Plotly.newPlot" in html  # the library is inlined
    # outside the inlined library (whose source names map-tile servers it never calls for these plots),
    # nothing refers to another host; page.on("request") in test_report_browser.py checks it at run time
    page = re.sub(r"<script>.*?</script>", "<script></script>", html, count=1, flags=re.S)
    assert not re.search(r"<(?:link|img|script|iframe)\b[^>]*\b(?:src|href)=", page)
    assert "cdn.plot.ly" not in page and "http://" not in page and "https://" not in page
    assert "default-src 'none'" in page  # the page forbids itself any fetch


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_nothing_private_without_self_coaching(tmp_path, fmt):
    text = render_demo(tmp_path)[fmt].read_text()
    assert PRIVATE_MARK not in text
    for word in ("Rushing", "Your tension", "Little space", "Self-coaching", "self-coaching: your"):
        assert word not in text


def test_self_coaching_section_has_the_sellers_patterns(tmp_path):
    paths = render_demo(tmp_path, self_coaching=True)
    html, md = paths["html"].read_text(), paths["md"].read_text()
    assert 'id="self-coaching"' in html and 'id="timeline-P2"' in html
    sc = html[html.index('id="self-coaching"'):html.index('id="all-cues"')]
    assert sc.count(PRIVATE_MARK) >= 4 and "Rushing" in sc and "Little space" in sc
    km = html[html.index('id="key-moments"'):html.index('id="follow-up"')]
    assert PRIVATE_MARK not in km  # private cues stay in their own section
    assert "## Self-coaching" in md and PRIVATE_MARK in md


def test_markdown_has_key_moments_and_plan(tmp_path):
    md = render_demo(tmp_path)["md"].read_text()
    assert md.startswith("# Call report")
    heads = re.findall(r"^### (\d+:\d\d) — (.+)$", md, flags=re.M)
    assert [h[0] for h in heads] == ["0:02", "0:11", "0:14", "0:16", "0:18"]
    assert "**Also read as:** Reaction to a topic" in md
    assert "**Try:** Can you share what's on your mind right now?" in md
    assert "## Follow-up plan" in md and "### What worried them" in md and "**pricing** (0:11, 0:12)" in md
    assert "not lie detection" in md


def test_no_cues_no_transcript_no_faces(tmp_path):
    paths = render_report(tmp_path, participants=[dict(id="P1", name="Person 1", role="unknown")], signals=None,
                          events=[], cues=[], utterances=(), summary={})
    html = paths["html"].read_text()
    assert "No key moments" in html and "faces only" in html and "No face was measured" in html
    assert "No key moments" in paths["md"].read_text()


def test_a_live_session_that_fell_behind_says_how_many_moments_were_missed(tmp_path):
    live = dict(SUMMARY, sources={"replay:call.mp4": {"stalls": 2}, "camera:0": {"stalls": 1}})
    paths = render_demo(tmp_path / "live", summary=live)
    assert "live: 3 moments missed (the computer fell behind)" in paths["html"].read_text()
    assert "live: 3 moments missed" in paths["md"].read_text()
    paths = render_demo(tmp_path / "file")  # a recorded call, or a session that kept up: nothing said
    assert "fell behind" not in paths["html"].read_text() and "fell behind" not in paths["md"].read_text()


def _without_library(html: str) -> str:
    return re.sub(r"<script>.*?</script>", "<script></script>", html, count=1, flags=re.S)


def test_no_face_images_unless_thumbnails(tmp_path):
    html = _without_library(render_demo(tmp_path / "a")["html"].read_text())
    assert "<img" not in html and "data:image" not in html
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
    html = render_demo(tmp_path / "b", thumbnails={"P1-e0004": png})["html"].read_text()
    assert html.count('<img class="thumb"') == 2  # the doubt moment (with its topic cue) and the cycle cite it
    assert "data:image/png;base64," in html


def test_html_escapes_transcript_text(tmp_path):
    paths = render_report(tmp_path, participants=demo_participants(), signals=synthetic_signals(), events=[],
                          cues=[Cue(1.0, "P1", "buyer", "doubt", "a frown", "Ask.", Evidence(transcript="<b>x</b>"),
                                    0.5)],
                          utterances=[Utterance(0.0, 2.0, "Dana", "<script>alert(1)</script>", 1)], summary=SUMMARY)
    html = paths["html"].read_text()
    assert "<script>alert(1)</script>" not in html and "<b>x</b>" not in html


def test_valence_is_dotted_while_the_person_talks():
    """The per-frame emotions read parted lips as fear / surprise, so the timeline marks the talking stretches of
    the valence line (mouth moving in a speech rhythm, held 0.25 s) as a separate dotted trace."""
    from microcue.report.timeline import participant_figure

    t = np.round(np.arange(0, 10, 0.04), 3)
    speaking = (t >= 3.0) & (t < 6.0)
    rng = np.random.default_rng(0)
    rows = pd.DataFrame(dict(time_s=t, valence=np.where(speaking, -0.4, 0.3), engagement=0.6,
                             mouth_activity=np.where(speaking, 0.07 + 0.01 * rng.random(len(t)), 0.005)))
    fig = participant_figure("P1", "Dana", rows, [], [], [], t_range=(0.0, 10.0))
    solid = next(tr for tr in fig.data if tr.name == "Valence")
    dotted = next(tr for tr in fig.data if tr.meta == "signals-talking")
    assert dotted.line.dash == "dot"
    x = np.array(solid.x, float)
    on_solid = np.array([v is not None for v in solid.y])
    on_dotted = np.array([v is not None for v in dotted.y])
    assert not on_solid[(x > 2.75) & (x < 6.2)].any()  # talking, held 0.25 s either side
    assert on_solid[(x < 2.7) | (x > 6.3)].all()
    assert on_dotted[(x >= 3.0) & (x < 6.0)].all() and not on_dotted[(x < 2.6) | (x > 6.4)].any()
    assert (on_solid | on_dotted).all()  # one continuous line, no hole at the joins
    # a face that never talks has no dotted trace
    quiet = rows.assign(mouth_activity=0.005)
    assert all(tr.meta != "signals-talking" for tr in participant_figure(
        "P1", "Dana", quiet, [], [], [], t_range=(0.0, 10.0)).data)
