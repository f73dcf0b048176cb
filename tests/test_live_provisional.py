"""Provisional cues at the apex: emitted before the spotter confirms the episode, then confirmed or withdrawn."""

from __future__ import annotations

import json

import pytest

from microcue.live.live_cues import LiveCueMaker
from microcue.live.runner import LiveRunner
from microcue.live.sources import ReplaySource


@pytest.fixture(scope="module")
def frown_session(tmp_path_factory):
    """A real replay of the astronaut frowning (mouth corners down 1.5-2.5 s) through LiveRunner."""
    import media

    d = tmp_path_factory.mktemp("prov")
    video = d / "frown6.mp4"
    media.astronaut_video(video, seconds=6.0, expression=("frown", 1.5, 2.5))
    res = LiveRunner(ReplaySource(video, wait=True), out_dir=d / "out", events_out=d / "events.jsonl",
                     roles=["center=buyer:Ann"]).run()
    recs = [json.loads(line) for line in (d / "events.jsonl").read_text().splitlines()]
    return res, recs, d


def test_the_frown_is_provisional_at_its_apex_before_it_is_confirmed(frown_session):
    res, recs, _ = frown_session
    prov = [r for r in recs if r["type"] == "event" and r["provisional"]]
    final = [r for r in recs if r["type"] == "event" and not r["provisional"]]
    on_frown = [r for r in prov if r["kind"] in ("micro", "macro") and r["onset_s"] < 2.5 and r["offset_s"] > 1.5]
    assert on_frown, recs
    p = on_frown[0]
    assert p["id"].startswith("P1-p") and p["participant"] == "P1"
    # past the apex (the frame that made it provisional comes after the apex) and before the final event's frame
    assert p["apex_s"] < p["frame_time_s"] == p["offset_s"]
    confirming = [r for r in final if p["id"] in r.get("replaces", [])]
    assert len(confirming) == 1, recs
    f = confirming[0]
    assert p["frame_time_s"] < f["frame_time_s"] and p["emitted_wall_s"] <= f["emitted_wall_s"]
    assert f["onset_s"] < p["offset_s"] and p["onset_s"] < f["offset_s"]
    assert p["emotion"] == f["emotion"]  # named by the same rules as the final event
    assert res.provisional == len(prov) and res.events and not any(e.id.startswith("P1-p") for e in res.events)


def test_every_provisional_is_confirmed_or_withdrawn_exactly_once(frown_session):
    _, recs, d = frown_session
    prov = {r["id"] for r in recs if r["type"] == "event" and r["provisional"]}
    replaced = [i for r in recs if r["type"] == "event" for i in r.get("replaces", [])]
    withdrawn = [r["id"] for r in recs if r["type"] == "withdrawn"]
    assert sorted(replaced + withdrawn) == sorted(prov)
    saved = json.loads((d / "out" / "events.json").read_text())  # the saved call keeps final events only
    ids = {e["id"] for e in (saved["events"] if isinstance(saved, dict) else saved)}
    assert ids and not ids & prov


def rec(t=2.0, pid="P1", emotion="anger", provisional=False, rid=None, **kw):
    d = dict(type="event", id=rid or f"{pid}-e{int(t * 100):05d}", participant=pid, kind="macro", onset_s=t - 0.3,
             apex_s=t, offset_s=t + 0.3, emotion=emotion, confidence=0.6, aus=["au04"], intensity=0.3,
             laterality="both", flags=[], provisional=provisional)
    d.update(kw)
    return d


def test_cue_maker_shows_a_provisional_cue_then_turns_it_final_in_place():
    m = LiveCueMaker({"P1": "buyer"})
    [p] = m.on_event(rec(provisional=True, rid="P1-p0001", offset_s=2.1))
    assert p["provisional"] is True and p["kind"] == "doubt" and not p["update"]
    [f] = m.on_event(rec(replaces=["P1-p0001"]))
    assert f["id"] == p["id"] and f["update"] and f["provisional"] is False and f["kind"] == "doubt"
    assert f["event_ids"] == ["P1-p0001", "P1-e00200"]
    # the confirmed cue rate-limits like any other: a repeat 3 s later is a count, never a new provisional line
    assert m.on_event(rec(t=5.0, provisional=True, rid="P1-p0002")) == []
    [again] = m.on_event(rec(t=5.0, replaces=["P1-p0002"]))
    assert again["id"] == p["id"] and again["count"] == 2


def test_cue_maker_withdraws_what_the_spotter_does_not_confirm():
    m = LiveCueMaker({"P1": "buyer"})
    [p] = m.on_event(rec(provisional=True, rid="P1-p0001"))
    assert m.on_event(dict(type="withdrawn", id="P1-p0001", participant="P1")) == [
        dict(type="withdraw", id=p["id"], participant="P1")]
    assert m.on_event(dict(type="withdrawn", id="P1-p0001", participant="P1")) == []  # only once
    # the final event makes no cue (its confidence fell under the buyer rules' minimum): the cue is withdrawn
    [p2] = m.on_event(rec(t=30.0, provisional=True, rid="P1-p0002"))
    assert m.on_event(rec(t=30.0, confidence=0.01, replaces=["P1-p0002"])) == [
        dict(type="withdraw", id=p2["id"], participant="P1")]
    # the final event names the episode differently: the same cue, reworded
    [p3] = m.on_event(rec(t=60.0, provisional=True, rid="P1-p0003"))
    [f3] = m.on_event(rec(t=60.0, emotion="surprise", aus=["au01", "au02"], replaces=["P1-p0003"]))
    assert f3["id"] == p3["id"] and f3["kind"] == "surprise" and not f3["provisional"]


def test_panel_forgets_a_withdrawn_cue():
    pytest.importorskip("fastapi")
    from microcue.live.panel import Panel

    panel = Panel()
    try:
        panel.publish(dict(type="cue", id="c1", observation="x", provisional=True))
        panel.publish(dict(type="cue", id="c2", observation="y"))
        assert panel.publish(dict(type="withdraw", id="c1"))
        cues = [json.loads(t) for t in panel._snapshot() if json.loads(t)["type"] == "cue"]
        assert [c["id"] for c in cues] == ["c2"]
    finally:
        panel.stop()


def test_terminal_view_shows_a_provisional_cue_quietly_and_drops_a_withdrawn_one():
    from rich.console import Console

    from microcue.live.terminal import TerminalView

    def text(view):
        console = Console(record=True, width=100, force_terminal=False)
        console.print(view._render())
        return console.export_text()

    view = TerminalView()
    view.publish({"type": "cue", "id": "c1", "time_s": 12.4, "observation": "A brief frown", "provisional": True,
                  "suggestion": "Can you share what's on your mind?"})
    assert "0:12  A brief frown  (forming…)" in text(view)
    view.publish({"type": "cue", "id": "c1", "time_s": 12.4, "observation": "A 0.6 s frown", "provisional": False,
                  "update": True, "suggestion": "Can you share what's on your mind?"})
    assert "0:12  A 0.6 s frown" in text(view) and "forming" not in text(view)
    view.publish({"type": "cue", "id": "c2", "time_s": 30.0, "observation": "A brief smile", "provisional": True,
                  "suggestion": "x"})
    view.publish({"type": "withdraw", "id": "c2"})
    out = text(view)
    assert "smile" not in out and "Try: Can you share" in out  # back to the confirmed cue as the newest
