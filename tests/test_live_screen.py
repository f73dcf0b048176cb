"""`microcue live --screen` on a virtual display (Xvfb) showing a replayed call in a browser window."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.skipif(not (shutil.which("Xvfb") and shutil.which("chromium")),
                                reason="needs Xvfb and chromium (Debian packages xvfb, chromium)")
pytest.importorskip("mss")


def replay_page(tmp_path, video, n=36):
    """An HTML page that plays frames of ``video`` at their own pace (a call window to capture)."""
    import cv2

    from microcue.video.file import VideoFileSource

    names = []
    for f in VideoFileSource(video):
        if f.index >= n:
            break
        name = f"f{f.index:03d}.png"
        cv2.imwrite(str(tmp_path / name), cv2.cvtColor(f.image, cv2.COLOR_RGB2BGR))
        names.append(name)
    page = tmp_path / "call.html"
    page.write_text(
        "<html><body style='margin:0;background:#000'><img id=v style='display:block'>"
        f"<script>const f={json.dumps(names)};let i=0;"
        "setInterval(()=>{document.getElementById('v').src=f[i%f.length];i++},42);</script></body></html>")
    return page


def test_screen_capture_finds_both_faces_of_a_replayed_call(tmp_path):
    from conftest import REPO

    display = f":{90 + os.getpid() % 9}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1320x420x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = dict(os.environ, DISPLAY=display)
    browser = None
    try:
        time.sleep(1.0)
        page = replay_page(tmp_path, REPO / "src/microcue/data/sample/sample_call.mp4")
        browser = subprocess.Popen(
            ["chromium", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'chr'}", "--kiosk",
             "--window-position=0,0", "--window-size=1320,420", f"file://{page}"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(4.0)
        out = tmp_path / "live"
        proc = subprocess.run([sys.executable, "-m", "microcue.cli", "live", "--screen", "0,0,1292,368",
                               "--max-seconds", "3", "--no-panel", "--no-store", "-o", str(out)],
                              env=env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        summary = json.loads((out / "summary.json").read_text())
        assert summary["source"].startswith("screen:") and summary["frames_processed"] > 10
        people = json.loads((out / "participants.json").read_text())
        # Both faces of the call window, one per tile (the seller's spacesuit collar can also pass for a face in
        # the generated sample: a known false positive, see the session notes).
        faces = [p for p in people if 0.35 < p["center"][1] < 0.75]
        assert len(faces) == 2, people
        xs = sorted(p["center"][0] for p in faces)
        assert xs[0] < 0.5 < xs[1]
    finally:
        for p in (browser, xvfb):
            if p is not None:
                p.terminate()
                p.wait(timeout=10)
