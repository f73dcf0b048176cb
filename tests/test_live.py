"""Live mode on a replayed recording: the same engine, events written as they are emitted, nothing lost."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd

from microcue.live.runner import LiveRunner
from microcue.live.sources import ReplaySource


def test_replay_clock_makes_frames_due_in_real_time(astronaut_mp4):
    slept = []
    now = [100.0]

    def clock():
        return now[0]

    def sleep(s):
        slept.append(s)
        now[0] += s

    got = list(ReplaySource(astronaut_mp4.path, clock=clock, sleep=sleep))
    due = [c for _, c in got]
    assert [round(d - due[0], 6) for d in due] == [round(t - astronaut_mp4.pts[0], 6) for t in astronaut_mp4.pts]
    assert sum(slept) > 0.9 * (astronaut_mp4.pts[-1] - astronaut_mp4.pts[0])


def _replay_with_a_pause(path, *, wait):
    """Due times of a replay whose consumer is busy for 1 s after the 6th frame (a fake clock)."""
    now = [100.0]

    def sleep(s):
        now[0] += s

    src = ReplaySource(path, wait=wait, clock=lambda: now[0], sleep=sleep)
    got = []
    for k, (_, due) in enumerate(src):
        got.append(due)
        if k == 5:
            now[0] += 1.0
    return src, got


def test_a_waiting_replay_pauses_its_clock_when_handed_over_late(astronaut_mp4):
    pts = astronaut_mp4.pts
    src, got = _replay_with_a_pause(astronaut_mp4.path, wait=True)
    assert all(abs((got[k] - got[0]) - (pts[k] - pts[0])) < 1e-6 for k in range(6))
    assert abs(got[6] - (got[5] + 1.0)) < 1e-6  # due when it was handed over: the clock paused with the consumer
    assert all(abs((got[k] - got[6]) - (pts[k] - pts[6])) < 1e-6 for k in range(6, len(pts)))
    assert abs(src.start_wall - (100.0 + 1.0 - (pts[6] - pts[5]))) < 1e-6  # what the audio's clock follows
    _, late = _replay_with_a_pause(astronaut_mp4.path, wait=False)  # a real-time replay keeps its schedule
    assert all(abs((late[k] - late[0]) - (pts[k] - pts[0])) < 1e-6 for k in range(len(pts)))


def _events_with_a_slow_consumer(video, out, *, wait, row_s=0.0):
    """Replay ``video`` through LiveRunner, each signal row taking ``row_s`` extra seconds (a busy machine)."""
    import time

    res = LiveRunner(ReplaySource(video, wait=wait), out_dir=out, roles=["center=buyer:Ann"],
                     provisional=False).run(on_row=lambda row, p: time.sleep(row_s))
    return res, [(e.kind, round(e.onset_s, 3), round(e.offset_s, 3), e.emotion) for e in res.events]


def test_a_waiting_replay_reads_every_frame_and_gives_the_same_events_on_a_busy_machine(tmp_path):
    """--no-drop: a replay that waits for processing. On a machine too slow for real time (each row takes 60 ms
    more, 25 fps video) it drops nothing and its events are those of an unhurried run; without waiting, the same
    slow machine drops frames (and counts them)."""
    import media

    video = tmp_path / "frown4.mp4"
    pts = media.astronaut_video(video, seconds=4.0, expression=("frown", 1.5, 2.5))
    calm, calm_ev = _events_with_a_slow_consumer(video, tmp_path / "calm", wait=True)
    busy, busy_ev = _events_with_a_slow_consumer(video, tmp_path / "busy", wait=True, row_s=0.06)
    assert calm.frames_dropped == busy.frames_dropped == 0
    assert calm.frames_processed == busy.frames_processed == len(pts)
    assert busy_ev == calm_ev and any(k in ("micro", "macro") and on < 2.5 for k, on, _, _ in busy_ev), busy_ev
    lossy, _ = _events_with_a_slow_consumer(video, tmp_path / "lossy", wait=False, row_s=0.06)
    assert lossy.frames_dropped > 0 and lossy.frames_processed + lossy.frames_dropped == lossy.frames_captured


def test_a_stall_is_counted_and_a_waiting_replay_has_none(astronaut_mp4, tmp_path):
    """The machine stops for 0.8 s once (a row takes that long): a real-time replay drops the frames of that time
    and counts one stall per source, which the CLI warns about; a waiting replay drops nothing and has no stall."""
    import time

    def run(wait: bool):
        n = [0]

        def on_row(row, p):
            n[0] += 1
            if n[0] == 10:
                time.sleep(0.8)

        recs.clear()
        return LiveRunner(ReplaySource(astronaut_mp4.path, wait=wait), out_dir=tmp_path / str(wait),
                          provisional=False).run(on_row=on_row, on_event=recs.append)

    recs: list[dict] = []
    lossy = run(False)
    (counts,) = lossy.sources.values()
    assert counts["frames_dropped"] > 0 and counts["stalls"] >= 1
    stalls = [r for r in recs if r["type"] == "stall"]  # told as it happens (the panel's status counts them)
    assert len(stalls) == counts["stalls"] and all(r["skipped_s"] > 0.35 for r in stalls), recs
    assert lossy.withdrawn == 0
    waited = run(True)
    (counts,) = waited.sources.values()
    assert counts["frames_dropped"] == 0 and counts["stalls"] == 0
    assert not [r for r in recs if r["type"] == "stall"]
    assert json.loads((tmp_path / "False" / "summary.json").read_text())["sources"]


def test_live_replay_emits_the_episode_with_timings(tmp_path):
    import media

    video = tmp_path / "frown6.mp4"
    pts = media.astronaut_video(video, seconds=6.0, expression=("frown", 1.5, 2.5))
    onset, offset = 1.5, 2.5
    out, events_out = tmp_path / "live", tmp_path / "events.jsonl"
    proc = subprocess.run([sys.executable, "-m", "microcue.cli", "live", "--replay", str(video),
                           "-o", str(out), "--events-out", str(events_out), "--role", "center=buyer:Ann",
                           "--no-drop"],  # which events: the same whatever the machine's load
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "dropped" in proc.stdout
    recs = [json.loads(line) for line in events_out.read_text().splitlines()]
    hits = [r for r in recs if r["type"] == "event" and r["kind"] in ("micro", "macro") and r["onset_s"] < offset
            and r["offset_s"] > onset]
    assert hits, recs
    r = hits[0]
    assert r["participant"] == "P1"
    assert r["captured_wall_s"] <= r["emitted_wall_s"] and r["frame_time_s"] >= r["offset_s"]
    # the panel's cue for it is in the stream too, with the timing of the frame that caused it
    cues = [c for c in recs if c["type"] == "cue" and c["participant"] == "P1" and c["kind"] == "doubt"]
    assert cues and cues[0]["suggestion"] and cues[0]["captured_wall_s"] <= cues[0]["emitted_wall_s"], recs
    assert set(cues[0]["event_ids"]) & {h["id"] for h in recs if h["type"] == "event"}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["frames_processed"] + summary["frames_dropped"] == summary["frames_captured"] == len(pts)
    signals = pd.read_parquet(out / "signals.parquet")
    assert len(signals) > 0.8 * len(pts) and set(signals["participant"]) == {"P1"}
    people = json.loads((out / "participants.json").read_text())
    assert people[0]["role"] == "buyer" and people[0]["name"] == "Ann"
    assert "Kept as call" in proc.stdout  # a live session is kept like a recorded call
    call_id = proc.stdout.split("Kept as call ")[1].split()[0]
    rep = subprocess.run([sys.executable, "-m", "microcue.cli", "report", call_id, "-o", str(tmp_path / "rep")],
                         capture_output=True, text=True, timeout=300)
    assert rep.returncode == 0 and (tmp_path / "rep" / "report.html").exists(), rep.stderr


def test_source_ending_early_saves_the_session(astronaut_mp4, tmp_path):
    res = LiveRunner(ReplaySource(astronaut_mp4.path, max_seconds=0.6), out_dir=tmp_path).run()
    assert 0 < res.frames_captured <= 16
    assert (tmp_path / "signals.parquet").exists() and (tmp_path / "summary.json").exists()


def test_live_panel_websocket_gets_cues_and_state(tmp_path):
    """`microcue live --replay` with its panel: the WebSocket (token + origin) carries cues and buyer state."""
    import re
    import threading

    import media
    import pytest

    ws_client = pytest.importorskip("websockets.sync.client")
    video = tmp_path / "frown6.mp4"
    media.astronaut_video(video, seconds=6.0, expression=("frown", 1.5, 2.5))
    proc = subprocess.Popen([sys.executable, "-m", "microcue.cli", "live", "--replay", str(video), "-o",
                             str(tmp_path / "live"), "--role", "center=buyer:Ann", "--no-drop"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = None
    for line in proc.stdout:
        m = re.search(r"Cue panel: (http://127\.0\.0\.1:(\d+)/\?token=(\S+))", line)
        if m:
            url, port, token = m.groups()
            break
    assert url, proc.stderr.read()
    messages = []

    def listen():
        try:
            with ws_client.connect(f"ws://127.0.0.1:{port}/ws?token={token}",
                                   origin=f"http://127.0.0.1:{port}") as ws:
                for raw in ws:
                    messages.append(json.loads(raw))
        except Exception:  # noqa: BLE001 - the server goes away when the session ends
            pass

    t = threading.Thread(target=listen, daemon=True)
    t.start()
    proc.wait(timeout=120)
    t.join(timeout=5)
    assert proc.returncode == 0
    kinds = {m.get("type") for m in messages}
    assert "cue" in kinds and "state" in kinds, messages
    cue = next(m for m in messages if m.get("type") == "cue")
    assert cue["participant"] == "P1" and cue["suggestion"] and 1.0 < cue["time_s"] < 4.0


def test_terminal_view_shows_state_newest_cue_and_suggestion():
    from rich.console import Console

    from microcue.live.terminal import TerminalView

    console = Console(record=True, width=100, force_terminal=False)
    view = TerminalView(console=console)
    view.publish({"type": "state", "participant": "P1", "name": "Ann", "engaged": False, "label": "Drifting",
                  "valence_trend": "falling"})
    view.publish({"type": "cue", "id": "c1", "time_s": 12.4, "observation": "a brief frown",
                  "suggestion": "Can you share what's on your mind?"})
    view.publish({"type": "cue", "id": "c2", "time_s": 75.0, "observation": "looked away for 2 s",
                  "suggestion": "What would be most useful to cover?"})
    console.print(view._render())
    text = console.export_text()
    assert "Ann: Drifting ↘" in text
    assert text.index("1:15  looked away") < text.index("0:12  a brief frown")  # newest first
    assert "Try: What would be most useful to cover?" in text and "Try: Can you share" not in text
