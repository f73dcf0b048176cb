"""microcue batch: many recordings, a ledger line each, resumable, shardable, a bad file does not stop the rest."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from media import copy_file, not_a_video

from microcue.batch import find_recordings, out_dir_for, parse_shard, take_shard
from microcue.errors import InvalidInputError


def run_cli(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "microcue.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


def ledger(out: Path) -> list[dict]:
    with (out / "batch.csv").open() as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("text, parsed", [("1/1", (1, 1)), ("2/8", (2, 8))])
def test_shard_parse(text, parsed):
    assert parse_shard(text) == parsed


@pytest.mark.parametrize("text", ["0/2", "3/2", "2", "a/b"])
def test_bad_shard(text):
    with pytest.raises(InvalidInputError, match="shard"):
        parse_shard(text)


def test_shards_split_the_list_without_overlap(tmp_path):
    for name in ("a", "b", "c", "d", "e"):
        (tmp_path / "calls" / name[:1]).mkdir(parents=True, exist_ok=True)
        (tmp_path / "calls" / name[:1] / f"{name}.mp4").write_bytes(b"x")
    (tmp_path / "calls" / "notes.txt").write_text("not a recording")
    found = find_recordings([tmp_path / "calls"])
    assert [p.name for p, _ in found] == ["a.mp4", "b.mp4", "c.mp4", "d.mp4", "e.mp4"]
    parts = [take_shard(found, (k, 3)) for k in (1, 2, 3)]
    assert sorted(p for part in parts for p, _ in part) == [p for p, _ in found]
    assert [len(p) for p in parts] == [2, 2, 1]
    rec, root = found[2]
    assert out_dir_for(rec, root, Path("out")) == Path("out/c/c")
    lst = tmp_path / "list.txt"
    lst.write_text("# two calls\ncalls/a/a.mp4\ncalls/b/b.mp4  # the second\n")
    assert [p.name for p, _ in find_recordings([], list_file=lst)] == ["a.mp4", "b.mp4"]


def test_batch_analyses_each_recording_keeps_going_past_a_bad_one_and_resumes(
        astronaut_mp4, no_face_mp4, tmp_path):
    calls = tmp_path / "calls"
    for d in ("team1", "team2"):
        (calls / d).mkdir(parents=True)
    good = copy_file(astronaut_mp4.path, calls / "team1" / "good.mp4")
    (calls / "team1" / "good.roles").write_text("center=buyer:Ada\n")
    copy_file(no_face_mp4.path, calls / "empty_room.mp4")
    not_a_video(calls / "team2" / "broken.mp4")
    out = tmp_path / "out"
    proc = run_cli("batch", calls, "-o", out, "--no-store", "-q")
    assert proc.returncode == 2, proc.stdout + proc.stderr  # one failed: non-zero, after doing the rest
    assert "Traceback" not in proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("microcue: error:")]
    assert len(errors) == 1 and "broken.mp4" in errors[0]
    rows = {Path(r["recording"]).name: r for r in ledger(out)}
    assert rows["good.mp4"]["status"] == "done" and int(rows["good.mp4"]["frames"]) > 10
    assert rows["empty_room.mp4"]["status"] == "no_faces"
    assert rows["broken.mp4"]["status"] == "failed" and "broken.mp4" in rows["broken.mp4"]["error"]
    parts = json.loads((out / "team1" / "good" / "participants.json").read_text())
    parts = parts["participants"] if isinstance(parts, dict) else parts
    assert [(p["name"], p["role"]) for p in parts] == [("Ada", "buyer")]  # the .roles sidecar was used
    assert (out / "team1" / "good" / "report.html").exists()

    # the same command again: finished recordings are skipped, the failed one is tried again
    good_report = (out / "team1" / "good" / "report.html").stat().st_mtime_ns
    proc = run_cli("batch", calls, "-o", out, "--no-store", "-q")
    again = [r for r in ledger(out)][3:]
    assert {Path(r["recording"]).name: r["status"] for r in again} == {
        "good.mp4": "skipped", "empty_room.mp4": "skipped", "broken.mp4": "failed"}
    assert (out / "team1" / "good" / "report.html").stat().st_mtime_ns == good_report
    assert good.exists()


def test_batch_with_nothing_to_do_is_an_error(tmp_path):
    (tmp_path / "empty").mkdir()
    proc = run_cli("batch", tmp_path / "empty", "-o", tmp_path / "out", "-q")
    assert proc.returncode == 2 and "no recordings found" in proc.stderr and "Traceback" not in proc.stderr
