"""report.html opened in headless Chromium (Playwright driving Debian's chromium, never a downloaded browser):
it renders, the timeline holds the events, and no request leaves the page.

Skips when the playwright package or a chromium binary is missing. Set MICROCUE_REPORT_SCREENSHOT=PATH to keep
a full-page PNG of the report rendered from the bundled sample clip.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytest.importorskip("jinja2")
pytest.importorskip("plotly")
sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = os.environ.get("MICROCUE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(not CHROMIUM, reason="no chromium binary (apt-get install chromium)")
SAMPLE = Path(__file__).resolve().parents[1] / "src/microcue/data/sample/woman_emotions_pexels.mp4"
LOCAL = ("file:", "data:", "blob:", "about:")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def real_report(tmp_path_factory):
    """The bundled clip analysed for real, with hand-made cues and a transcript with a price concern."""
    from test_report import demo_cues, demo_transcript

    import microcue
    from microcue.report import render_report

    out = tmp_path_factory.mktemp("real")
    r = microcue.analyze(str(SAMPLE), out_dir=str(out), workers=1)
    p1 = r.participants[0]
    participants = [dict(id=p1.id, name="Dana", role="buyer"), dict(id="P2", name="Sam", role="seller")]
    paths = render_report(
        out, participants=participants, signals=r.signals, events=r.events, cues=demo_cues(),
        utterances=demo_transcript(), summary=r.summary, self_coaching=False)
    return paths, r


def open_report(browser, path: Path):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    requests: list[str] = []
    page.on("request", lambda req: requests.append(req.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.resolve().as_uri())
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length > 0", timeout=30000)
    return page, requests, errors


def test_real_report_renders_with_events_and_no_network(browser, real_report):
    paths, r = real_report
    page, requests, errors = open_report(browser, paths["html"])
    assert not errors
    assert page.locator("#key-moments .moment").count() == 5  # 6 buyer cues; doubt + topic share an event
    assert page.locator("#self-coaching").count() == 0
    info = page.evaluate("""() => {
        const gd = document.getElementById('timeline-P1');
        const ev = gd.data.filter(t => t.meta === 'events');
        return {traces: gd.data.length, eventPoints: ev.reduce((n, t) => n + t.x.length, 0),
                names: ev.map(t => t.name), cuePoints: gd.data.filter(t => t.meta === 'cues')
                    .reduce((n, t) => n + t.x.length, 0),
                drawn: gd.querySelectorAll('.scatterlayer .point').length,
                lines: gd.data.filter(t => t.meta === 'signals').map(t => t.x.length)};
    }""")
    assert info["eventPoints"] == len([e for e in r.events if e.participant == "P1"]) > 0
    assert info["drawn"] >= info["eventPoints"] + info["cuePoints"]
    assert info["cuePoints"] == 6  # the public buyer cues
    assert all(n > 100 for n in info["lines"])
    # hovering an event marker shows what it was
    shot = os.environ.get("MICROCUE_REPORT_SCREENSHOT")
    if shot:
        page.screenshot(path=shot, full_page=True)
    bad = [u for u in requests if not u.startswith(LOCAL)]
    assert not bad, f"requests left the page: {bad}"
    page.close()


def test_self_coaching_report_in_browser(browser, tmp_path):
    from test_report import render_demo

    paths = render_demo(tmp_path, self_coaching=True)
    page, requests, errors = open_report(browser, paths["html"])
    assert not errors
    assert page.locator("#self-coaching").is_visible()
    assert page.locator("#timeline-P2 .main-svg").count() > 0
    assert [u for u in requests if not u.startswith(LOCAL)] == []
    page.close()
