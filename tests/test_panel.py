"""The cue panel (token, Origin and Host checks; publish reaches a page) and the live cue maker (calm cues)."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
ws_client = pytest.importorskip("websockets.sync.client")
from websockets.exceptions import InvalidStatus  # noqa: E402

from microcue.live.live_cues import BuyerState, LiveCueMaker, SelfState  # noqa: E402
from microcue.live.panel import start_panel  # noqa: E402


@pytest.fixture
def panel():
    p = start_panel()
    yield p
    p.stop()


@pytest.fixture
def panel_self():
    p = start_panel(self_view=True, token="fixed-token-for-test")
    yield p
    p.stop()


def status(url: str, headers: dict | None = None) -> int:
    try:
        return urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5).status
    except urllib.error.HTTPError as e:
        return e.code


def ws_url(p, token: str | None) -> str:
    return f"ws://127.0.0.1:{p.port}/ws" + (f"?token={token}" if token is not None else "")


def recv_until(ws, pred, timeout: float = 5.0) -> dict:
    end = time.time() + timeout
    while time.time() < end:
        m = json.loads(ws.recv(timeout=max(0.01, end - time.time())))
        if pred(m):
            return m
    raise AssertionError("message not received")


# ------------------------------------------------------------------------------------------- the panel
def test_page_needs_the_token(panel):
    assert panel.url.startswith(f"http://127.0.0.1:{panel.port}/?token=") and len(panel.token) >= 20
    assert status(panel.url) == 200
    assert status(panel.origin + "/") == 403
    assert status(panel.origin + "/?token=wrong") == 403
    # DNS rebinding: the right token but another Host is refused
    assert status(panel.url, {"Host": f"evil.example:{panel.port}"}) == 403


def test_page_has_no_external_assets(panel):
    html = urllib.request.urlopen(panel.url, timeout=5).read().decode()
    js = urllib.request.urlopen(panel.origin + "/panel.js", timeout=5).read().decode()
    css = urllib.request.urlopen(panel.origin + "/panel.css", timeout=5).read().decode()
    for text in (html, js, css):
        assert not re.search(r"https?://(?!127\.0\.0\.1)", text), "external URL in the panel"
        assert "@import" not in text and "fonts.googleapis" not in text
    headers = urllib.request.urlopen(panel.url, timeout=5).headers
    assert "default-src 'none'" in headers["Content-Security-Policy"]


def test_two_panels_get_different_tokens_and_ports():
    a, b = start_panel(), start_panel()
    try:
        assert a.token != b.token and a.port != b.port
    finally:
        a.stop()
        b.stop()


@pytest.mark.parametrize("case", ["no token", "wrong token", "foreign origin", "no origin"])
def test_websocket_refused(panel, case):
    token = {"no token": None, "wrong token": "nope"}.get(case, panel.token)
    origin = {"foreign origin": "http://evil.example", "no origin": None}.get(case, panel.origin)
    with pytest.raises(InvalidStatus) as err:
        with ws_client.connect(ws_url(panel, token), origin=origin, open_timeout=5):
            pass
    assert err.value.response.status_code == 403


def test_websocket_refusal_is_a_policy_violation(panel):
    from starlette.testclient import TestClient
    from starlette.websockets import WebSocketDisconnect

    client = TestClient(panel.app(), base_url=panel.origin)
    base = f"ws://127.0.0.1:{panel.port}/ws"
    with pytest.raises(WebSocketDisconnect) as err:
        with client.websocket_connect(f"{base}?token=wrong", headers={"origin": panel.origin}):
            pass
    assert err.value.code == 1008
    with pytest.raises(WebSocketDisconnect) as err:
        with client.websocket_connect(f"{base}?token={panel.token}", headers={"origin": "http://evil.example"}):
            pass
    assert err.value.code == 1008
    with client.websocket_connect(f"{base}?token={panel.token}", headers={"origin": panel.origin}) as ws:
        assert ws.receive_json() == {"type": "hello", "self_view": False}


def test_publish_reaches_a_connected_page(panel):
    with ws_client.connect(ws_url(panel, panel.token), origin=panel.origin, open_timeout=5) as ws:
        assert recv_until(ws, lambda m: True) == {"type": "hello", "self_view": False}
        for _ in range(100):  # the page is registered just after the hello is queued
            if panel.clients:
                break
            time.sleep(0.02)
        cue = dict(type="cue", id="c1", time_s=2.1, participant="P1", kind="doubt", observation="A brief frown",
                   suggestion="Ask", confidence=0.5, count=1, update=False)
        assert panel.publish(cue)
        assert recv_until(ws, lambda m: m["type"] == "cue") == cue
        assert panel.publish(dict(type="state", participant="P1", engaged=False, valence_trend="falling"))
        assert recv_until(ws, lambda m: m["type"] == "state")["engaged"] is False
        # a self-view message is never sent when self-view is off
        assert not panel.publish(dict(type="self", participant="P2", tension=0.4))
        panel.publish(dict(type="status", text="face-only"))
        assert recv_until(ws, lambda m: m["type"] in ("self", "status"))["type"] == "status"


def test_late_page_gets_the_current_picture(panel_self):
    p = panel_self
    p.publish(dict(type="state", participant="P1", engaged=True, valence_trend="steady"))
    p.publish(dict(type="cue", id="c1", time_s=1.0, participant="P1", kind="doubt", observation="o", count=1))
    p.publish(dict(type="cue", id="c1", count=2, update=True))
    p.publish(dict(type="self", participant="P2", tension=0.2, label="Relaxed"))
    with ws_client.connect(ws_url(p, "fixed-token-for-test"), origin=p.origin, open_timeout=5) as ws:
        got = [json.loads(ws.recv(timeout=5)) for _ in range(4)]
    assert got[0] == {"type": "hello", "self_view": True}
    assert [m["type"] for m in got[1:]] == ["state", "cue", "self"]
    assert got[2]["count"] == 2 and got[2]["observation"] == "o"


def test_stop_is_clean_with_a_page_connected():
    p = start_panel()
    with ws_client.connect(ws_url(p, p.token), origin=p.origin, open_timeout=5) as ws:
        ws.recv(timeout=5)
        t = time.time()
        p.stop()
        assert time.time() - t < 6
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(p.url, timeout=2)


# ------------------------------------------------------------------------------------------- live cues
def ev(kind="macro", t=2.0, dur=0.6, emotion="anger", pid="P1", conf=0.6, aus=("au04",), flags=(), **kw):
    d = dict(type="event", id=f"{pid}-e{int(t * 100):05d}", participant=pid, kind=kind, onset_s=t - dur / 2,
             apex_s=t, offset_s=t + dur / 2, emotion=emotion, confidence=conf, aus=list(aus), intensity=0.3,
             laterality="both", flags=list(flags), frame_time_s=t + dur, captured_wall_s=1.0, emitted_wall_s=1.1)
    d.update(kw)
    return d


THOUGHT_WORDS = re.compile(r"\b(thinks?|feels?|lying|lie|doubts?|angry|disgusted|afraid|contempt|happy|sad|"
                           r"interested|bored|honest)\b", re.IGNORECASE)


def test_events_become_observations_with_playbook_suggestions():
    from microcue.cues.playbook import load_playbook

    pb = load_playbook()
    m = LiveCueMaker({"P1": "buyer"}, playbook=pb)
    cases = [
        (ev(emotion="anger"), "doubt"),
        (ev(t=20, emotion="contempt", aus=("au14",), laterality="left"), "doubt"),
        (ev(t=40, emotion="happiness", aus=("au06", "au12"), flags=("duchenne",)), "genuine_smile"),
        (ev(t=60, emotion="happiness", aus=("au12",), flags=("social",)), "polite_smile"),
        (ev(t=80, emotion="surprise", aus=("au01", "au02", "au05")), "surprise"),
        (ev(t=100, kind="brow_flash", emotion=None, aus=("au01", "au02")), "lights_up"),
        (ev(t=120, kind="gaze_aversion", emotion=None, aus=(), intensity=3.0, dur=3.0), "checks_out"),
        (ev(t=140, kind="nod", emotion=None, aus=("pitch",)), "agreeing_nod"),
    ]
    for rec, kind in cases:
        out = m.on_event(rec)
        assert len(out) == 1, (rec, out)
        c = out[0]
        assert c["kind"] == kind and c["type"] == "cue" and c["participant"] == "P1" and not c["update"]
        assert c["suggestion"] == pb.suggest(kind) and c["suggestion"]
        assert c["time_s"] == rec["apex_s"] and 0 < c["confidence"] <= 1 and c["count"] == 1
        obs = c["observation"]
        assert obs[0].isupper() and "\n" not in obs and len(obs) <= 60, obs
        assert not THOUGHT_WORDS.search(obs), obs
        json.dumps(c)
    assert LiveCueMaker({}).on_event(ev(t=2, emotion="anger"))[0]["observation"] == "A 0.6 s frown (brows drawn down)"


def test_no_cue_for_the_seller_weak_or_unclear_events_or_short_glances():
    roles = {"P1": "buyer", "P2": "seller"}
    m = LiveCueMaker(roles)
    assert m.on_event(ev(pid="P2")) == []
    assert m.on_event(ev(conf=0.05)) == []
    assert m.on_event(ev(emotion="unclear", aus=("au10",))) == []
    assert m.on_event(ev(kind="gaze_aversion", emotion=None, aus=(), intensity=0.4, dur=0.4)) == []
    assert m.on_event(dict(type="cue", kind="doubt")) == []
    assert m.on_event(dict(type="event", kind="bogus")) == []
    # a participant the mapping does not hold yet is "unknown": cues; roles added later are honoured
    assert m.on_event(ev(pid="P3"))[0]["kind"] == "doubt"
    roles["P4"] = "seller"
    assert m.on_event(ev(pid="P4")) == []


def test_repeats_are_rate_limited_and_counted():
    m = LiveCueMaker({}, min_gap_s=8.0)
    first = m.on_event(ev(t=10.0))[0]
    # the same episode reported again (overlapping): not a repeat, nothing shown
    assert m.on_event(ev(t=10.1, dur=1.0)) == []
    # a new doubt 3 s later: the shown cue's count goes up (an update, not a new line)
    upd = m.on_event(ev(t=13.0))
    assert len(upd) == 1 and upd[0]["update"] and upd[0]["id"] == first["id"] and upd[0]["count"] == 2
    assert m.on_event(ev(t=16.0))[0]["count"] == 3
    # another kind or another person is not held back
    assert m.on_event(ev(t=14.0, kind="nod", emotion=None, aus=("pitch",)))[0]["kind"] == "agreeing_nod"
    assert m.on_event(ev(t=14.0, pid="P2"))[0]["count"] == 1
    # after the gap, a new cue
    later = m.on_event(ev(t=18.5))[0]
    assert not later["update"] and later["id"] != first["id"] and later["count"] == 1


def rows(pid, t0, t1, eng, val, fps=10):
    n = int((t1 - t0) * fps)
    for i in range(n):
        t = t0 + i / fps
        yield dict(participant=pid, time_s=t, engagement=eng(t) if callable(eng) else eng,
                   valence=val(t) if callable(val) else val)


def test_buyer_state_engaged_drifting_and_trend():
    s = BuyerState(window_s=10.0)
    msgs = [m for r in rows("P1", 0, 1.0, 0.8, 0.1) if (m := s.update(r))]
    assert msgs[0]["engaged"] is None and msgs[0]["label"] == "Warming up"
    for r in rows("P1", 1.0, 8.0, 0.8, 0.1):
        s.update(r)
    st = s.state("P1")
    assert st["engaged"] is True and st["label"] == "Engaged" and st["valence_trend"] == "steady"
    # engagement sinks between the thresholds: the label holds (no flicker) ...
    for r in rows("P1", 8.0, 20.0, 0.45, 0.1):
        s.update(r)
    assert s.state("P1")["engaged"] is True
    # ... and below them it drifts; valence falling over the window
    for r in rows("P1", 20.0, 32.0, 0.2, lambda t: 0.5 - 0.05 * (t - 20)):
        s.update(r)
    st = s.state("P1")
    assert st["engaged"] is False and st["label"] == "Drifting" and st["valence_trend"] == "falling"
    for r in rows("P1", 32.0, 44.0, 0.7, lambda t: -0.5 + 0.05 * (t - 32)):
        s.update(r)
    assert s.state("P1")["valence_trend"] == "rising"
    assert len(s._win["P1"].rows) <= 10 * 10 + 1  # bounded by the window


def test_buyer_state_messages_are_throttled():
    s = BuyerState(every_s=1.0)
    sent = [m for r in rows("P1", 0, 10.0, 0.8, 0.0, fps=30) if (m := s.update(r))]
    assert 8 <= len(sent) <= 14
    assert s.update(dict(participant="P1", time_s=10.0, engagement=float("nan"))) is None


def test_self_state_tension():
    s = SelfState(every_s=0.5)
    out = [m for r in rows("P2", 0, 3, 0, 0) for m in [s.update({**r, "au04": 0.5, "au07": 0.4})] if m]
    assert out[-1]["type"] == "self" and out[-1]["label"] == "Tense" and out[-1]["pace"] is None
    s2 = SelfState()
    m = s2.update(dict(participant="P2", time_s=0.0, au04=0.05))
    assert m["label"] == "Relaxed"
