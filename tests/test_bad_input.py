"""Bad input: one clear line naming the file, a non-zero exit, no traceback, nothing computed lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from microcue.errors import InputNotFoundError, InvalidInputError, MicrocueError
from microcue.video.file import VideoFileSource


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "microcue.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode != 0, proc.stdout + proc.stderr
    err = proc.stderr.strip()
    assert "Traceback" not in err and "Traceback" not in proc.stdout
    lines = [ln for ln in err.splitlines() if ln.startswith("microcue: error:")]
    assert len(lines) == 1, err
    for n in needles:
        assert n in lines[0], lines[0]


def test_missing_path(missing_path, tmp_path):
    proc = run_cli("analyze", missing_path, "-o", tmp_path / "o", "-q")
    assert_one_line_error(proc, str(missing_path), "no such file")


def test_empty_file(empty_mp4, tmp_path):
    assert_one_line_error(run_cli("analyze", empty_mp4, "-o", tmp_path / "o", "-q"), str(empty_mp4), "empty")


def test_not_a_video(not_a_video_mp4, tmp_path):
    assert_one_line_error(run_cli("analyze", not_a_video_mp4, "-o", tmp_path / "o", "-q"), str(not_a_video_mp4))


def test_audio_only(audio_only_m4a, tmp_path):
    assert_one_line_error(run_cli("analyze", audio_only_m4a, "-o", tmp_path / "o", "-q"), "no video stream")


def test_truncated_without_index(truncated_mp4, tmp_path):
    assert_one_line_error(run_cli("analyze", truncated_mp4, "-o", tmp_path / "o", "-q"), str(truncated_mp4))


def test_truncated_midway_keeps_what_was_computed(truncated_faststart_mp4, tmp_path):
    out = tmp_path / "o"
    proc = run_cli("analyze", truncated_faststart_mp4, "-o", out, "-q")
    assert_one_line_error(proc, str(truncated_faststart_mp4), "truncated")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["complete"] is False and summary["frames"] > 5
    assert summary["warnings"] and "truncated" in summary["warnings"][0]
    assert (out / "signals.parquet").exists()


def test_truncated_source_raises_after_frames(truncated_faststart_mp4):
    frames = 0
    with pytest.raises(InvalidInputError, match="truncated|corrupt"):
        for _ in VideoFileSource(truncated_faststart_mp4):
            frames += 1
    assert frames > 5


def test_unwritable_output(astronaut_mp4, tmp_path):
    if os.geteuid() == 0:
        target = Path("/proc/microcue-out")  # not writable even for root
    else:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        target = ro / "out"
    assert_one_line_error(run_cli("analyze", astronaut_mp4.path, "-o", target, "-q"), str(target), "not writable")


def test_output_path_that_is_a_file(astronaut_mp4, tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("keep me")
    assert_one_line_error(run_cli("analyze", astronaut_mp4.path, "-o", target, "-q", "--no-store"), str(target),
                          "is a file, not a folder")
    assert target.read_text() == "keep me"


def test_bad_role(astronaut_mp4, tmp_path):
    assert_one_line_error(run_cli("analyze", astronaut_mp4.path, "-o", tmp_path / "o", "--role", "left=boss"),
                          "role must be")


@pytest.mark.parametrize("opt", [("--workers", "0"), ("--fps", "-3")])
def test_nonsense_numbers_are_refused_before_any_work(astronaut_mp4, tmp_path, opt):
    out = tmp_path / "o"
    proc = run_cli("analyze", astronaut_mp4.path, "-o", out, "--no-store", *opt)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"Invalid value for '{opt[0]}'" in proc.stderr
    assert not (out / "summary.json").exists()


def test_eval_images_with_an_unknown_label_is_one_line(tmp_path):
    (tmp_path / "labels.csv").write_text("path,label\nface.png,bored\n")
    assert_one_line_error(run_cli("eval", "images", tmp_path / "labels.csv"), "labels.csv row 2", "'bored'")


def test_a_single_photo_says_it_is_too_short_to_follow_not_that_it_has_no_face(tmp_path):
    import cv2
    from media import astronaut_image

    photo = tmp_path / "photo.jpg"
    cv2.imwrite(str(photo), cv2.cvtColor(astronaut_image(), cv2.COLOR_RGB2BGR))
    out = tmp_path / "o"
    proc = run_cli("analyze", photo, "-o", out, "-q", "--no-store")
    assert proc.returncode == 0, proc.stderr
    assert "No one to follow" in proc.stdout and "No faces found" not in proc.stdout, proc.stdout
    assert "microcue eval images" in proc.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["faces_found"] is False and summary["faces_seen_briefly"] == 1
    assert summary["longest_brief_face_frames"] == 1
    assert any("too few to follow" in w for w in summary["warnings"])


def test_no_face_is_not_an_error(no_face_mp4, tmp_path):
    out = tmp_path / "o"
    proc = run_cli("analyze", no_face_mp4.path, "-o", out, "-q")
    assert proc.returncode == 0, proc.stderr
    assert "No faces found" in proc.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["faces_found"] is False and summary["participants"] == []
    assert summary["faces_seen_briefly"] == 0 and "longest_brief_face_frames" not in summary
    assert json.loads((out / "participants.json").read_text()) == []


def test_error_classes_are_builtins_too():
    assert issubclass(InputNotFoundError, FileNotFoundError) and issubclass(InputNotFoundError, MicrocueError)
    assert issubclass(InvalidInputError, ValueError)


def test_bad_transcript_names_the_line_before_any_analysis(astronaut_mp4, tmp_path):
    bad = tmp_path / "call.vtt"
    bad.write_text("WEBVTT\n\n1\n00:00:01.000 --> soon\nTom: hello\n", encoding="utf-8")
    out = tmp_path / "o"
    proc = run_cli("analyze", astronaut_mp4.path, "-o", out, "-q", "--transcript", bad)
    assert_one_line_error(proc, f"{bad}:4:", "cue timing")
    assert not (out / "signals.parquet").exists()  # failed fast, before the long part


def test_transcript_past_the_recording_warns(astronaut_mp4, tmp_path):
    late = tmp_path / "late.vtt"
    late.write_text("WEBVTT\n\n00:10:01.000 --> 00:10:03.000\nTom: hello\n", encoding="utf-8")
    proc = run_cli("analyze", astronaut_mp4.path, "-o", tmp_path / "o", "-q", "--transcript", late)
    assert proc.returncode == 0, proc.stderr
    assert "warning" in proc.stderr and "late.vtt:3" in proc.stderr and "after the recording ends" in proc.stderr


def test_bad_playbook_fails_fast(astronaut_mp4, tmp_path):
    book = tmp_path / "team.yaml"
    book.write_text("doubt: [\n", encoding="utf-8")
    out = tmp_path / "o"
    assert_one_line_error(run_cli("analyze", astronaut_mp4.path, "-o", out, "-q", "--playbook", book), str(book))
    assert not (out / "signals.parquet").exists()
