"""The cue panel in headless Chromium during a live replay (Playwright driving Debian's chromium, never a
downloaded browser): the buyer's state and a cue appear, no request leaves 127.0.0.1, and a screenshot is kept
(in the test's tmp dir and at /tmp/panel.png, or MICROCUE_PANEL_SCREENSHOT=PATH).

The live runner hands the panel events (``on_event``); the buyer's state comes from the signal rows, which this
test reads back from the runner's signals.live.csv as it is flushed (the runner has no per-row hook yet).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = os.environ.get("MICROCUE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(not CHROMIUM, reason="no chromium binary (apt-get install chromium)")


class _CsvTail(threading.Thread):
    """Feed the rows of a CSV that another thread is appending to (and flushing) into ``on_row``."""

    def __init__(self, path: Path, on_row, stop: threading.Event) -> None:
        super().__init__(daemon=True, name="csv-tail")
        self.path, self.on_row, self.stop = path, on_row, stop

    def run(self) -> None:
        header, buf, pos = None, "", 0
        while True:
            done = self.stop.is_set()
            if self.path.exists():
                with open(self.path, encoding="utf-8") as fh:
                    fh.seek(pos)
                    chunk = fh.read()
                    pos = fh.tell()
                buf += chunk
                *lines, buf = buf.split("\n")
                for line in lines:
                    if not line.strip():
                        continue
                    if header is None:
                        header = next(csv.reader(io.StringIO(line)))
                        continue
                    self.on_row(dict(zip(header, next(csv.reader(io.StringIO(line))), strict=False)))
            if done:
                return
            time.sleep(0.1)


def test_panel_shows_cues_during_a_replay(tmp_path):
    import media

    from microcue.live.live_cues import BuyerState, LiveCueMaker
    from microcue.live.panel import start_panel
    from microcue.live.runner import LiveRunner
    from microcue.live.sources import ReplaySource

    video = tmp_path / "frown6.mp4"
    media.astronaut_video(video, seconds=6.0, expression=("frown", 1.5, 2.5))
    roles, names = {"P1": "buyer"}, {"P1": "Ann (buyer)"}
    maker = LiveCueMaker(roles, names=names)
    state = BuyerState(names=names, min_span_s=1.0)
    panel = start_panel()
    panel.publish(dict(type="status", text="face-only cues (no transcript)"))
    cues: list[dict] = []

    def on_event(rec: dict) -> None:
        for cue in maker.on_event(rec):
            cues.append(cue)
            panel.publish(cue)

    def on_row(row: dict) -> None:
        msg = state.update(row)
        if msg is not None:
            panel.publish(msg)

    out = tmp_path / "live"
    runner = LiveRunner(ReplaySource(video, wait=True), out_dir=out, roles=["center=buyer:Ann"], flush_every_s=0.2)
    stop = threading.Event()
    tail = _CsvTail(out / "signals.live.csv", on_row, stop)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            runner.run(on_event=on_event)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            stop.set()

    requests: list[str] = []
    page_errors: list[str] = []
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 640, "height": 720})
            page.on("request", lambda req: requests.append(req.url))
            page.on("pageerror", lambda e: page_errors.append(str(e)))
            page.goto(panel.url)
            page.wait_for_function("() => document.getElementById('conn').textContent === 'live'", timeout=10000)
            worker = threading.Thread(target=run, name="live-runner", daemon=True)
            worker.start()
            tail.start()
            # a cue (the frown at 1.5-2.5 s) and the buyer's state appear while the replay runs
            page.wait_for_selector("#now .say:not(:empty)", timeout=60000)
            assert worker.is_alive() or cues, "the cue came only after the session"
            page.wait_for_selector("#states .state.engaged, #states .state.drifting", timeout=30000)
            worker.join(120)
            tail.join(10)
            page.wait_for_timeout(800)  # the last state message and the fade-in
            shot = tmp_path / "panel.png"
            page.screenshot(path=str(shot))
            keep = os.environ.get("MICROCUE_PANEL_SCREENSHOT", "/tmp/panel.png")
            shutil.copyfile(shot, keep)
            obs = page.inner_text("#now .obs")
            say = page.inner_text("#now .say")
            label = page.inner_text("#states .state .label")
            browser.close()
    finally:
        stop.set()
        panel.stop()
    assert not errors, errors
    assert not page_errors, page_errors
    assert cues and cues[0]["kind"] == "doubt", cues
    now = [c for c in cues if c["id"] == cues[0]["id"]][-1]  # the cue as it stands (a provisional one turns final)
    assert not now["provisional"]
    assert "frown" in obs.lower() and now["observation"] in obs
    assert say == now["suggestion"]
    assert label in ("Engaged", "Drifting")
    assert requests and all(u.startswith(panel.origin + "/") for u in requests), requests


def test_provisional_cue_is_quieter_until_confirmed(tmp_path):
    """The events of a real replay (a frown) fed to the page in order: the provisional cue shows first, dashed and
    quieter with "forming…", then the final event turns the same cue solid. Screenshots of both are kept
    (/tmp/panel_provisional.png and /tmp/panel_confirmed.png, or next to MICROCUE_PANEL_SCREENSHOT)."""
    import json

    import media
    import pandas as pd

    from microcue.live.live_cues import BuyerState, LiveCueMaker
    from microcue.live.panel import start_panel
    from microcue.live.runner import LiveRunner
    from microcue.live.sources import ReplaySource

    video = tmp_path / "frown6.mp4"
    media.astronaut_video(video, seconds=6.0, expression=("frown", 1.5, 2.5))
    LiveRunner(ReplaySource(video, wait=True), out_dir=tmp_path / "live", events_out=tmp_path / "ev.jsonl",
               roles=["center=buyer:Ann"]).run()
    recs = [json.loads(line) for line in (tmp_path / "ev.jsonl").read_text().splitlines()]
    names = {"P1": "Ann (buyer)"}
    maker = LiveCueMaker({"P1": "buyer"}, names=names)
    state = BuyerState(names=names, min_span_s=1.0)
    rows = pd.read_parquet(tmp_path / "live" / "signals.parquet").to_dict("records")
    keep = os.environ.get("MICROCUE_PANEL_SCREENSHOT", "/tmp/panel.png")
    panel = start_panel()
    seen: list[dict] = []
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 640, "height": 720})
            page.goto(panel.url)
            page.wait_for_function("() => document.getElementById('conn').textContent === 'live'", timeout=10000)
            panel.publish(dict(type="status", text="face-only cues (no transcript)"))
            shots = {}
            for r in recs:
                for row in rows:  # the buyer's state as it was when this event came
                    if row["time_s"] <= (r.get("frame_time_s") or 1e9) and not row.get("_sent"):
                        row["_sent"] = True
                        msg = state.update(row)
                        if msg:
                            panel.publish(msg)
                for cue in maker.on_event(r):
                    seen.append(cue)
                    panel.publish(cue)
                    which = "provisional" if cue.get("provisional") else "confirmed" if cue.get("update") else None
                    if which and which not in shots:
                        sel = "#now.provisional .forming" if which == "provisional" else "#now:not(.provisional) .say"
                        page.wait_for_selector(sel, timeout=10000)
                        page.wait_for_timeout(700)  # the fade-in
                        shots[which] = dict(cls=page.get_attribute("#now", "class"), obs=page.inner_text("#now .obs"),
                                            say_color=page.eval_on_selector(
                                                "#now .say", "e => getComputedStyle(e).color"),
                                            edge=page.eval_on_selector(
                                                "#now", "e => getComputedStyle(e).borderTopStyle"))
                        path = Path(keep).with_name(f"panel_{which}.png")
                        page.screenshot(path=str(path))
                        shutil.copyfile(path, tmp_path / path.name)
            browser.close()
    finally:
        panel.stop()
    assert set(shots) == {"provisional", "confirmed"}, seen
    prov, conf = shots["provisional"], shots["confirmed"]
    assert "provisional" in prov["cls"] and "provisional" not in conf["cls"]
    assert prov["edge"] == "dashed" and conf["edge"] == "solid"
    assert prov["say_color"] != conf["say_color"]  # the suggestion is quieter until confirmed
    assert "frown" in prov["obs"].lower() and "frown" in conf["obs"].lower()
