"""`microcue live` with the call and the seller's own camera at once (two replays stand in for screen + camera)."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from microcue.live.runner import LiveRunner, split_roles
from microcue.live.sources import ReplaySource


@pytest.fixture(scope="module")
def frown6(tmp_path_factory):
    """The astronaut, 6 s at 25 fps, mouth corners down between 1.5 s and 2.5 s: the seller's own camera."""
    import media

    p = tmp_path_factory.mktemp("two") / "frown6.mp4"
    media.astronaut_video(p, seconds=6.0, expression=("frown", 1.5, 2.5))
    return p


def test_call_and_own_camera_in_one_session(frown6, pexels_clip, tmp_path):
    """The buyer (real footage, crying then calming) from the call, the seller from --replay-self; events of both in
    --events-out as they happen, one saved call with both, and `microcue report` on it."""
    out, events_out = tmp_path / "live", tmp_path / "events.jsonl"
    proc = subprocess.run([sys.executable, "-m", "microcue.cli", "live", "--replay", str(pexels_clip),
                           "--replay-self", str(frown6), "--role", "camera=seller:Dana", "--role", "center=buyer:Maya",
                           "--max-seconds", "6", "--no-drop", "--no-panel", "-o", str(out),
                           "--events-out", str(events_out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    people = {p["id"]: p for p in json.loads((out / "participants.json").read_text())}
    seller = [p for p in people.values() if p["role"] == "seller"]
    buyer = [p for p in people.values() if p["role"] == "buyer"]
    assert len(seller) == 1 and len(buyer) == 1, people
    seller, buyer = seller[0], buyer[0]
    assert seller["name"] == "Dana" and seller["source"] == "replay:frown6.mp4"
    assert buyer["name"] == "Maya" and buyer["source"] == "replay:woman_emotions_pexels.mp4"
    assert min(seller["track_ids"]) >= 100_000 > max(buyer["track_ids"])  # tracks of the two sources never mix

    recs = [json.loads(line) for line in events_out.read_text().splitlines()]
    final = [r for r in recs if r["type"] == "event" and not r["provisional"]]
    by = {pid: [r for r in final if r["participant"] == pid] for pid in people}
    assert by[buyer["id"]] and by[seller["id"]], recs  # events from both sources in the one stream
    assert all(r["source"] == seller["source"] for r in by[seller["id"]])
    assert all(r["source"] == buyer["source"] for r in by[buyer["id"]])
    frown = [r for r in by[seller["id"]] if r["kind"] in ("micro", "macro") and r["onset_s"] < 2.5
             and r["offset_s"] > 1.5]
    assert frown, by[seller["id"]]  # the seller's own frown, at its time in the seller's own clip
    assert all(r["emitted_wall_s"] >= r["captured_wall_s"] for r in final if r["captured_wall_s"] is not None)

    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["sources"]) == {seller["source"], buyer["source"]}
    for c in summary["sources"].values():  # counted per source; --no-drop: nothing dropped (the first source to
        # end ends the session, so the other one may leave its last waiting frames)
        assert c["frames_processed"] + c["frames_dropped"] <= c["frames_captured"]
        assert c["frames_dropped"] == 0 and c["frames_processed"] > 0.9 * 6 * 24
    signals = pd.read_parquet(out / "signals.parquet")
    assert set(signals["participant"]) == {seller["id"], buyer["id"]}

    call_id = proc.stdout.split("Kept as call ")[1].split()[0]
    shown = subprocess.run([sys.executable, "-m", "microcue.cli", "calls", "show", call_id],
                           capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0 and "Dana" in shown.stdout and "Maya" in shown.stdout, shown.stdout + shown.stderr
    rep = subprocess.run([sys.executable, "-m", "microcue.cli", "report", call_id, "-o", str(tmp_path / "rep")],
                         capture_output=True, text=True, timeout=300)
    assert rep.returncode == 0, rep.stderr
    html = (tmp_path / "rep" / "report.html").read_text()
    assert "Dana" in html and "Maya" in html


class _Unplugged:
    """A replay that raises after ``n`` frames, like a camera pulled out mid-session."""

    def __init__(self, path, n):
        self.src, self.n, self.name = ReplaySource(path), n, "camera:unplugged"

    def __iter__(self):
        for k, item in enumerate(self.src):
            if k == self.n:
                raise OSError("camera 0: device disconnected")
            yield item


def test_own_camera_failing_mid_session_ends_it_with_everything_saved(frown6, astronaut_brow_raise, tmp_path):
    res = LiveRunner(ReplaySource(astronaut_brow_raise.path), self_source=_Unplugged(frown6, 30),
                     roles=["camera=seller:Dana"], out_dir=tmp_path).run()  # no exception: the session ends
    assert res.ended_by.startswith("camera:unplugged failed") and "disconnected" in res.ended_by
    assert res.sources["camera:unplugged"]["error"].startswith("OSError")
    assert res.sources["camera:unplugged"]["frames_captured"] == 30
    # the call's replay was stopped with the session (it is 3 s long: it did not run to its end)
    assert res.sources[f"replay:{astronaut_brow_raise.path.name}"]["frames_captured"] < len(astronaut_brow_raise.pts)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert "failed" in summary["ended_by"]
    signals = pd.read_parquet(tmp_path / "signals.parquet")
    people = {p["id"]: p for p in json.loads((tmp_path / "participants.json").read_text())}
    assert {p["role"] for p in people.values()} == {"seller", "unknown"}
    assert set(signals["participant"]) == set(people)


def test_own_camera_replay_ending_early_ends_the_session(frown6, astronaut_brow_raise, tmp_path):
    res = LiveRunner(ReplaySource(astronaut_brow_raise.path), self_source=ReplaySource(frown6, max_seconds=1.0),
                     out_dir=tmp_path).run()
    assert res.ended_by == "replay:frown6.mp4 ended"
    assert res.sources["replay:frown6.mp4"]["frames_captured"] == 25
    assert (tmp_path / "signals.parquet").exists() and (tmp_path / "events.json").exists()


def test_role_for_the_camera_and_for_the_call():
    own, others = split_roles(["camera=seller:Dana Smith", "right=buyer:Tom", "left=other"])
    assert (own.where, own.role, own.name) == ("camera", "seller", "Dana Smith")
    assert [(s.where, s.role, s.name) for s in others] == [("right", "buyer", "Tom"), ("left", "other", None)]
    assert split_roles(["camera=buyer"])[0].role == "buyer"  # e.g. a camera pointed at the buyer across the table


def test_bad_source_combinations_are_one_line_errors(tmp_path, frown6):
    for args in (["--replay", str(frown6), "--screen", "0,0,10,10"], ["--camera", "0", "--replay-self", str(frown6)],
                 [], ["--replay", str(frown6), "--role", "camera=boss"],
                 ["--replay", str(frown6), "--role", "camera=seller:Dana"],
                 ["--screen", "0,0,10,10", "--no-drop"]):  # a live screen cannot wait for processing
        proc = subprocess.run([sys.executable, "-m", "microcue.cli", "live", *args, "--no-panel", "--no-store",
                               "-o", str(tmp_path / "o")], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "error" in proc.stderr, (args, proc.stderr)
