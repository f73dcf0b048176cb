"""EventSpotter on synthetic signal-row streams with known episodes, plus one real face through analyze()."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from microcue.events import EventSpotter, ExpressionEvent, events_to_frame, spot_events
from microcue.signals.aus import AU_NAMES


def _tri(t: float, onset: float, apex: float, offset: float) -> float:
    """Piecewise-linear 0 -> 1 -> 0 (so threshold crossings are exactly linear between rows)."""
    if t <= onset or t >= offset:
        return 0.0
    return (t - onset) / (apex - onset) if t <= apex else (offset - t) / (offset - apex)


def _plateau(t: float, onset: float, offset: float, ramp: float = 0.3) -> float:
    if t <= onset or t >= offset:
        return 0.0
    return min(1.0, (t - onset) / ramp, (offset - t) / ramp)


def stream(seconds=8.0, fps=30.0, *, episodes=(), noise=0.0, seed=0, skip=None, **extra):
    """Rows of one participant. episodes: (shape_fn(t) -> 0..1, {au: amplitude}). skip: (t0, t1) without rows."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(int(seconds * fps)):
        t = k / fps
        if skip and skip[0] <= t < skip[1]:
            continue
        row = {a: 0.0 for a in AU_NAMES}
        row.update(time_s=t, frame_index=k, participant="P1", quality=1.0, yaw=0.0, pitch=0.0, roll=0.0,
                   blink=0.02, mouth_activity=0.0, mouth_open=0.1, on_screen=True)
        for fn, aus in episodes:
            v = fn(t)
            for a, amp in aus.items():
                row[a] += amp * v
        if noise:
            for a in AU_NAMES:
                row[a] = max(0.0, row[a] + float(rng.normal(0, noise)))
        for fn in extra.values():
            fn(t, row)
        rows.append(row)
    return rows


def expressions(events):
    return [e for e in events if e.kind in ("micro", "macro")]


def test_micro_episode_times_are_interpolated_between_frames():
    # au04 rises linearly 2.013 -> 2.163 s, falls to 2.413 s (0.4 s: micro); 30 fps rows
    on, apex, off = 2.013, 2.163, 2.413
    rows = stream(episodes=[(lambda t: _tri(t, on, apex, off), {"au04": 0.3, "au04g": 0.3})])
    ev = expressions(spot_events(rows))
    assert len(ev) == 1
    e = ev[0]
    assert e.kind == "micro"
    # boundary = 20 % of the apex strength: with a linear ramp the crossing is exactly 20 % up the ramp
    assert e.onset_s == pytest.approx(on + 0.2 * (apex - on), abs=0.004)
    assert e.offset_s == pytest.approx(off - 0.2 * (off - apex), abs=0.004)
    assert abs(e.apex_s - apex) < 1 / 30 / 2  # parabolic peak: better than snapping to a frame
    assert e.emotion == "anger" and "au04" in e.aus
    assert "upper_face" in e.flags


def test_macro_vs_micro_by_duration():
    rows = stream(seconds=10, episodes=[(lambda t: _plateau(t, 2.0, 2.4, 0.15), {"au15": 0.3}),
                                        (lambda t: _plateau(t, 5.0, 7.0), {"au15": 0.3, "au01": 0.2, "au04": 0.2})])
    ev = expressions(spot_events(rows))
    assert [e.kind for e in ev] == ["micro", "macro"]
    assert ev[1].offset_s - ev[1].onset_s == pytest.approx(2.0, abs=0.25)
    assert all(e.emotion == "sadness" for e in ev)


@pytest.mark.parametrize("hold_end", [15.0, 45.0])
def test_held_expression_is_one_macro_event(hold_end):
    smile = {"au12": 0.4, "au12_l": 0.4, "au12_r": 0.4, "au06": 0.3}
    rows = stream(seconds=hold_end + 5, noise=0.01, episodes=[(lambda t: _plateau(t, 3.0, hold_end), smile)])
    ev = expressions(spot_events(rows))
    assert len(ev) == 1, ev
    e = ev[0]
    assert e.kind == "macro" and e.emotion == "happiness" and "duchenne" in e.flags
    assert e.onset_s == pytest.approx(3.0, abs=0.3)
    assert e.laterality == "both"
    if hold_end < EventSpotter().absorb_s:
        assert e.offset_s == pytest.approx(hold_end, abs=0.3)
    else:  # held longer than absorb_s: it became the resting face, and its release is no second event
        assert e.offset_s > 3.0 + EventSpotter().absorb_s


def test_confidence_grows_with_a_clearer_longer_movement_and_is_not_extrapolated():
    from microcue.events.spotter import confidence, episode_features

    faint = confidence(episode_features(1.2, 0.2, 1))  # just over its threshold, a fifth of a second
    clear = confidence(episode_features(4.0, 0.2, 1))
    held = confidence(episode_features(4.0, 2.0, 1))
    assert faint < 0.5 < held < 1.0 and faint < clear < held
    # a 12 s laugh is scored like a 6 s one, a 12x-threshold movement like a 6x one (the fitted range)
    assert confidence(episode_features(4.0, 12.0, 2)) == confidence(episode_features(4.0, 6.0, 2))
    assert confidence(episode_features(12.0, 1.0, 2)) == confidence(episode_features(6.0, 1.0, 2))
    # and a spotted event carries it: the held smile of the test above is confident, a brief faint one is not
    smile = {"au12": 0.4, "au12_l": 0.4, "au12_r": 0.4, "au06": 0.3}
    rows = stream(seconds=12, noise=0.01, episodes=[(lambda t: _plateau(t, 3.0, 6.0), smile)])
    (e,) = expressions(spot_events(rows))
    assert e.confidence > 0.7


def test_one_sided_smile_is_contempt_and_social_smile_flagged():
    rows = stream(seconds=8, episodes=[(lambda t: _plateau(t, 2.0, 3.0), {"au12": 0.3, "au12_l": 0.4}),
                                       (lambda t: _plateau(t, 5.0, 6.0), {"au12": 0.3, "au12_l": 0.3,
                                                                          "au12_r": 0.3})])
    ev = expressions(spot_events(rows))
    assert [e.emotion for e in ev] == ["contempt", "happiness"]
    assert ev[0].laterality == "left"
    assert "social" in ev[1].flags and "duchenne" not in ev[1].flags


def test_blinks_are_not_events():
    def blink(t, row):
        for b in (1.5, 2.7, 4.1, 5.3, 6.6):
            v = _tri(t, b, b + 0.08, b + 0.2)
            if v > 0:
                row["au45"] = row["blink"] = 0.9 * v
                row["au43"] = 0.8 * v
                row["au07"] = row["au07g"] = 0.3 * v  # lids squeeze in a blink
                row["au06"] = 0.2 * v
                if b > 4:  # the brows are measured from the eye line: a closing lid pulls them along
                    row["au01"] = row["au01_l"] = row["au01_r"] = 0.25 * v
                    row["au02"] = row["au02_l"] = row["au02_r"] = 0.4 * v
    rows = stream(seconds=8, noise=0.005, blink=blink)
    assert [e for e in spot_events(rows) if e.kind in ("micro", "macro", "brow_flash")] == []
    assert len(expressions(spot_events(rows, blink_brows=False))) >= 1  # without the rule the brow pull is an event


def test_speech_rhythm_is_not_an_event():
    def speech(t, row):
        if t > 2.0:
            o = 0.5 + 0.5 * math.sin(2 * math.pi * 4.5 * t)
            row["au25"] = 0.9
            row["au26"] = 0.4 * o
            row["au27"] = 0.2 * o
            row["au10"] += 0.06 * o
            row["au20"] += 0.05 * o
            row["mouth_open"] = 0.1 + 0.3 * o
            row["mouth_activity"] = 0.1
    rows = stream(seconds=10, noise=0.005, speech=speech)
    assert expressions(spot_events(rows)) == []


def test_time_gap_is_not_an_event_and_drops_the_open_episode():
    # the face is lost (no rows) from 3.0 to 4.0 s in the middle of an episode; it comes back at another level
    rows = stream(seconds=8, skip=(3.0, 4.0),
                  episodes=[(lambda t: _plateau(t, 2.6, 3.5, 0.2), {"au04": 0.4}),
                            (lambda t: 1.0 if t >= 4.0 else 0.0, {"au09": 0.3, "au10": 0.3})])
    assert expressions(spot_events(rows)) == []


def test_low_quality_and_fast_head_turn_are_not_events():
    def bad(t, row):
        if 3.0 <= t < 3.3:
            row["quality"] = 0.1
            row["au04"] = row["au09"] = 0.5
        if 5.0 <= t < 5.3:  # a fast head turn (200 deg/s) with AU artefacts
            row["yaw"] = 60.0 * (t - 5.0) / 0.3
            row["au04"] = row["au12"] = 0.4
    rows = stream(seconds=8, bad=bad)
    assert expressions(spot_events(rows)) == []


def test_streaming_equals_batch_and_delay_is_bounded():
    eps = [(lambda t: _tri(t, 2.0, 2.15, 2.4), {"au01": 0.3, "au02": 0.3}),
           (lambda t: _plateau(t, 4.0, 5.5), {"au09": 0.3, "au10": 0.2}),
           (lambda t: _tri(t, 7.0, 7.1, 7.3), {"au15": 0.2})]
    rows = stream(seconds=10, noise=0.01, episodes=eps)
    sp = EventSpotter("P1")
    streamed, when = [], {}
    for r in rows:
        for e in sp.update(r):
            streamed.append(e)
            when[e.id] = r["time_s"]
    streamed += sp.flush()
    batch = spot_events(pd.DataFrame(rows))
    assert [e.to_dict() for e in sorted(streamed, key=lambda e: e.onset_s)] == [e.to_dict() for e in batch]
    assert len(expressions(batch)) == 3
    assert [e.emotion for e in expressions(batch)] == ["surprise", "disgust", "sadness"]
    assert any(e.kind == "brow_flash" for e in batch)
    for e in expressions(streamed):
        assert when[e.id] - e.offset_s <= sp.max_delay_s + 1 / 30 + 1e-9


def test_reset_and_out_of_order_rows():
    sp = EventSpotter("P2")
    rows = stream(seconds=2)
    for r in rows:
        sp.update(r)
    with pytest.raises(ValueError, match="time order"):
        sp.update(rows[0])
    sp.reset()
    assert sp.update(rows[0]) == []


def test_nod_shake_and_gaze_aversion():
    def head(t, row):
        if 2.0 <= t < 3.2:
            row["pitch"] = -8.0 * math.sin(2 * math.pi * 2.0 * (t - 2.0))
        if 5.0 <= t < 6.5:
            row["yaw"] = 10.0 * math.sin(2 * math.pi * 2.0 * (t - 5.0))
        if 8.0 <= t < 9.6:
            row["on_screen"] = False
    ev = spot_events(stream(seconds=11, head=head))
    kinds = [e.kind for e in ev]
    assert kinds.count("nod") == 1 and kinds.count("head_shake") == 1 and kinds.count("gaze_aversion") == 1
    assert not expressions(ev)
    nod = next(e for e in ev if e.kind == "nod")
    assert 1.9 <= nod.onset_s <= 2.3 and 2.7 <= nod.offset_s <= 3.3 and nod.emotion is None
    gaze = next(e for e in ev if e.kind == "gaze_aversion")
    assert gaze.onset_s == pytest.approx(8.0, abs=0.04) and gaze.offset_s == pytest.approx(9.6, abs=0.05)


def test_event_dataclass_validates_and_serialises():
    e = ExpressionEvent("P1-e0001", "P1", "micro", 1.0, 1.1, 1.3, "anger", 0.7, ("au04",), 0.3, "both",
                        ("upper_face",))
    d = e.to_dict()
    assert d["aus"] == ["au04"] and d["flags"] == ["upper_face"] and d["emotion"] == "anger"
    df = events_to_frame([e])
    assert list(df.columns)[:4] == ["id", "participant", "kind", "onset_s"] and len(df) == 1
    assert len(events_to_frame([])) == 0
    with pytest.raises(ValueError, match="kind"):
        ExpressionEvent("x", "P1", "wink", 1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="onset <= apex"):
        ExpressionEvent("x", "P1", "micro", 1.0, 0.5, 1.3, "anger")
    with pytest.raises(ValueError, match="emotion"):
        ExpressionEvent("x", "P1", "nod", 1.0, 1.1, 1.3, "anger")
    with pytest.raises(ValueError, match="flags"):
        ExpressionEvent("x", "P1", "macro", 1.0, 1.1, 1.3, "anger", flags=("bogus",))


def test_real_face_frown_is_spotted(tmp_path):
    from media import astronaut_video

    import microcue

    video = tmp_path / "brows.mp4"
    astronaut_video(video, seconds=4.0, fps=25, expression=("brow_lower", 2.0, 2.8, 1.5))
    a = microcue.analyze(video, out_dir=tmp_path / "out", workers=1)
    ev = expressions(spot_events(a.signals))
    hits = [e for e in ev if e.offset_s > 2.0 and e.onset_s < 2.8]
    assert hits, f"no event overlaps the 2.0-2.8 s brow lowering; got {ev}"
    assert len(ev) <= 2


def test_expression_cut_off_by_a_counter_movement_is_suppressed():
    rows = stream(seconds=6, episodes=[(lambda t: _tri(t, 2.0, 2.2, 2.35), {"au12": 0.4, "au12_l": 0.4,
                                                                          "au12_r": 0.4}),
                                       (lambda t: _tri(t, 2.25, 2.4, 2.6), {"au15": 0.3, "au24": 0.3})])
    ev = expressions(spot_events(rows))
    assert len(ev) == 1 and ev[0].emotion == "happiness" and "suppressed" in ev[0].flags


def _talking(t, row):
    """Audio says speech from 1 s on; the mouth opens and closes at 4.5 Hz."""
    o = 0.5 + 0.5 * math.sin(2 * math.pi * 4.5 * t)
    row["speech"] = 1.0 if t > 1.0 else 0.0
    row["mouth_open"] = 0.1 + 0.3 * o
    row["au26"] = 0.4 * o


def test_speech_lower_face_that_follows_the_mouth_is_not_an_event():
    def lip(t, row):  # a lower-lip movement in step with the jaw, only while talking
        if 3.0 <= t <= 4.5:
            row["au15"] += 0.5 * (0.5 + 0.5 * math.sin(2 * math.pi * 4.5 * t))
    rows = stream(seconds=8, noise=0.005, talk=_talking, lip=lip)
    assert expressions(spot_events(rows)) == []
    for r in rows:  # the same rows without the audio: the mouth rhythm alone (mouth_activity 0) does not gate
        r.pop("speech")
    assert len(expressions(spot_events(rows))) >= 1


def test_expressions_during_speech_survive_the_speech_gate():
    rows = stream(seconds=12, noise=0.005, talk=_talking,
                  episodes=[(lambda t: _plateau(t, 2.5, 3.5), {"au01": 0.4, "au02": 0.4, "au05": 0.3}),  # wide eyes
                            (lambda t: _plateau(t, 5.0, 6.2), {"au06": 0.4, "au12": 0.5, "au12_l": 0.5,
                                                              "au12_r": 0.5}),              # Duchenne smile
                            (lambda t: _plateau(t, 8.0, 8.8), {"au04": 0.4})])              # brows drawn down
    ev = expressions(spot_events(rows))
    assert [e.emotion for e in ev] == ["surprise", "happiness", "anger"]
    assert all("speech" in e.flags for e in ev)
    assert "duchenne" in ev[1].flags


def test_a_small_brow_dip_or_squint_of_emphasis_while_talking_is_not_an_expression():
    """While talking, AU4 / AU6 / AU7 alone must rise at least ``talk_tense_min`` (0.2) to be an expression: the
    brows dip and the lids narrow with emphasis by up to about that much (benchmark clean clips). A larger frown is
    still an expression; the same small dip in silence is one too."""
    eps = [(lambda t: _plateau(t, 2.3, 3.1), {"au04": 0.15}),
           (lambda t: _plateau(t, 5.3, 6.1), {"au06": 0.15, "au07": 0.15}),
           (lambda t: _plateau(t, 8.3, 9.1), {"au04": 0.3})]
    rows = stream(seconds=11, noise=0.005, talk=_talking, episodes=eps)
    ev = expressions(spot_events(rows))
    assert [(int(e.onset_s), e.emotion) for e in ev] == [(8, "anger")]
    assert [int(e.onset_s) for e in expressions(spot_events(rows, talk_tense_min=0.12))] == [2, 5, 8]
    quiet = stream(seconds=11, noise=0.005, episodes=eps, talk=lambda t, row: row.update(speech=0.0))
    assert [int(e.onset_s) for e in expressions(spot_events(quiet))] == [2, 5, 8]


def test_brow_raise_while_talking_is_a_brow_flash_not_a_surprise():
    """A conversational brow raise (AU1+AU2 without the eyes widening) during speech is a brow_flash flagged speech;
    a lone lower-lip / chin movement during speech is dropped; the same brow raise in silence is a surprise."""
    eps = [(lambda t: _plateau(t, 2.5, 3.2), {"au01": 0.4, "au02": 0.4}),
           (lambda t: _plateau(t, 5.0, 5.6), {"au17": 0.5}),
           (lambda t: _plateau(t, 7.0, 9.5), {"au01": 0.3, "au02": 0.5})]
    rows = stream(seconds=11, noise=0.005, talk=_talking, episodes=eps)
    ev = spot_events(rows)
    assert expressions(ev) == []
    flashes = [e for e in ev if e.kind == "brow_flash"]
    assert [(round(e.onset_s), "speech" in e.flags) for e in flashes] == [(3, True), (7, True)]
    assert all(e.emotion is None and set(e.aus) == {"au01", "au02"} for e in flashes)
    # the inner brow pulled up against a frown (AU1 with some AU4: the worried / sad brow) stays an expression
    worried = stream(seconds=6, noise=0.005, talk=_talking,
                     episodes=[(lambda t: _plateau(t, 2.5, 3.5), {"au01": 0.2, "au04": 0.075})])
    ev = spot_events(worried)
    assert [(e.kind, e.emotion) for e in ev] == [("macro", "sadness")]
    quiet = stream(seconds=11, noise=0.005, episodes=eps, talk=lambda t, row: row.update(speech=0.0))
    ev = expressions(spot_events(quiet))
    assert [(e.emotion, round(e.onset_s)) for e in ev] == [("surprise", 3), ("unclear", 5), ("surprise", 7)]
    assert not any("speech" in e.flags for e in ev)


def test_laugh_with_upper_lip_raise_is_happiness_and_crying_is_sadness():
    from microcue.events.emfacs import name_expression

    # a laugh: AU12 the largest rise, AU10/AU9 pulled along (their threshold-relative strength is higher)
    emo, flags = name_expression({"au10": 3.0, "au09": 2.0, "au12": 1.2, "au06": 0.8}, {"au12": "both"},
                                 {"au10": 0.35, "au09": 0.2, "au12": 0.45, "au06": 0.15})
    assert emo == "happiness" and "duchenne" in flags
    # crying: brows lowered and inner brows up, eyes squeezed shut, stretched mouth reading as AU12
    emo, _ = name_expression({"au04": 2.0, "au01": 1.0, "au12": 1.5}, {"au12": "both"},
                             {"au04": 0.3, "au01": 0.3, "au12": 0.4}, eyes_closed=0.7)
    assert emo == "sadness"
    # without the rises and the eye closure the old rules apply
    assert name_expression({"au10": 3.0, "au09": 2.0}, {})[0] == "disgust"


def test_voice_activity_of_silence_and_of_a_file_without_audio(tmp_path):
    import av

    from microcue.events.vad import speech_at, voice_activity

    silent = tmp_path / "silent.wav"
    with av.open(str(silent), "w") as c:
        st = c.add_stream("pcm_s16le", rate=16000, layout="mono")
        fr = av.AudioFrame.from_ndarray(np.zeros((1, 16000), np.int16), format="s16", layout="mono")
        fr.sample_rate = 16000
        for p in st.encode(fr):
            c.mux(p)
        for p in st.encode(None):
            c.mux(p)
    t, s = voice_activity(silent)
    assert len(t) == 33 and not s.any() and np.all(np.diff(t) > 0)
    assert speech_at(0.5, t, s) is False and speech_at(5.0, t, s) is None
    video = tmp_path / "v.mp4"
    with av.open(str(video), "w") as c:
        st = c.add_stream("mpeg4", rate=10)
        st.width = st.height = 32
        for _ in range(3):
            for p in st.encode(av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")):
                c.mux(p)
        for p in st.encode(None):
            c.mux(p)
    t, s = voice_activity(video)
    assert len(t) == 0 and len(s) == 0
    with pytest.raises(FileNotFoundError):
        voice_activity(tmp_path / "missing.mp4")


def test_a_movement_inside_an_ongoing_expression_is_part_of_it():
    """A sad frown held 2-6 s (upper face) with a brief lip press inside it (lower face, 3.5-3.9 s): one event, as
    the crying in the Pexels clip; with ``nest`` off the lip press comes out as a second event."""
    frown = {"au04": 0.35, "au04g": 0.35, "au01": 0.2, "au01_l": 0.2, "au01_r": 0.2}
    press = {"au24": 0.35, "au23": 0.3}
    rows = stream(seconds=10, noise=0.01, episodes=[(lambda t: _plateau(t, 2.0, 6.0), frown),
                                                      (lambda t: _tri(t, 3.5, 3.7, 3.9), press)])
    ev = expressions(spot_events(rows))
    assert len(ev) == 1 and ev[0].kind == "macro", ev
    assert ev[0].onset_s == pytest.approx(2.0, abs=0.3) and ev[0].offset_s == pytest.approx(6.0, abs=0.3)
    assert len(expressions(spot_events(rows, nest=False))) == 2


def test_a_brief_movement_starting_with_a_long_one_is_part_of_it():
    """Brows raised for 0.7 s as a smile of 3 s starts (0.03 s apart): one expression event, not two overlapping
    ones (the brief one would be confirmed first, long before the smile ends)."""
    rows = stream(seconds=9, noise=0.005,
                  episodes=[(lambda t: _plateau(t, 2.0, 2.7, ramp=0.15), {"au01": 0.3, "au02": 0.3}),
                            (lambda t: _plateau(t, 2.03, 5.0, ramp=0.15), {"au12": 0.5, "au12_l": 0.5,
                                                                          "au12_r": 0.5})])
    ev = expressions(spot_events(rows))
    assert len(ev) == 1, ev
    assert ev[0].emotion == "happiness" and ev[0].offset_s > 4.5
    assert len(expressions(spot_events(rows, nest_tol_s=0.0))) == 2


def test_a_cut_between_views_is_not_an_event():
    """A speaker-view cut: the face jumps from a thumbnail to the main view (face_px x3) and its AU levels step with
    the resolution. The spotter treats the jump as a gap (no event), as it does a face lost and found."""
    def cut(t, row):
        big = t >= 4.0
        row["face_px"], row["face_x"], row["face_y"] = (240.0, 0.5, 0.5) if big else (80.0, 0.9, 0.1)
        if big:
            row["au04"] = row["au04g"] = row["au04"] + 0.3
            row["au15"] = row["au15"] + 0.25
    rows = stream(seconds=9, noise=0.01, cut=cut)
    assert expressions(spot_events(rows)) == []
    assert len(expressions(spot_events(rows, cut_jump=0.0))) == 1


def _corner_talker(t, row):
    """Talking from 1 s on, and this talker's mouth corners (AU12) swing with every syllable."""
    o = 0.5 + 0.5 * math.sin(2 * math.pi * 4.5 * t)
    if t > 1.0:
        row.update(speech=1.0, mouth_activity=0.1, mouth_open=0.1 + 0.3 * o, au25=0.9, au26=0.4 * o, au27=0.2 * o)
        for a in ("au12", "au12_l", "au12_r"):
            row[a] += 0.3 * o


def test_artic_residual_finds_a_smile_the_talking_threshold_hides():
    smile = [(lambda t: _plateau(t, 6.0, 6.8, 0.15), {"au12": 0.3, "au12_l": 0.3, "au12_r": 0.3})]
    rows = stream(seconds=10, noise=0.005, talk=_corner_talker, episodes=smile)
    assert expressions(spot_events(rows)) == []  # the speech-raised threshold hides it
    ev = expressions(spot_events(rows, artic=True))
    assert [e.emotion for e in ev] == ["happiness"]
    assert abs(ev[0].onset_s - 6.0) < 0.15 and abs(ev[0].offset_s - 6.8) < 0.15
    # talking alone is no event, also when it starts after a still mouth the model was first fitted on
    assert expressions(spot_events(stream(seconds=10, noise=0.005, talk=_corner_talker), artic=True)) == []
    sp = EventSpotter("P1", artic=True)  # bounded memory: the rows of the last artic_window_s
    for r in stream(seconds=60, noise=0.005, talk=_corner_talker):
        sp.update(r)
    assert len(sp.regions_[1].art_.rows_) <= 20 * 30 + 1


def _syllable_corners(t, row):
    """Both lip corners rise with every syllable (AU12 up to 0.3 on each side, three a second): speech, not a
    smile."""
    v = 0.3 * max(0.0, math.sin(2 * math.pi * 3.0 * t)) ** 2
    for a in ("au12", "au12_l", "au12_r"):
        row[a] += v


@pytest.mark.parametrize("side", ["left", "right"])
def test_one_sided_smile_while_the_words_move_both_corners_is_contempt(side):
    """While talking, speech raises both lip corners now and then, so over the episode both sides of AU12 peak
    alike; at the expression's apex (between syllables) only the smirking corner is up: contempt on that side (was
    happiness, from the peak of each side). A symmetric smile in the same talk stays happiness, "both"."""
    s = side[0]
    smirk = {f"au12_{s}": 0.6, "au12": 0.3, f"au14_{s}": 0.3, "au14": 0.15}  # the AU column is the mean of its sides
    smile = {"au12_l": 0.6, "au12_r": 0.6, "au12": 0.6, "au14_l": 0.3, "au14_r": 0.3, "au14": 0.3}
    for apex in (3.25, 5.25):  # between two syllables

        def spotted(aus, a=apex):
            rows = stream(seconds=8, noise=0.005, talk=_talking, lips=_syllable_corners,
                          episodes=[(lambda t: _tri(t, a - 0.45, a, a + 0.55), aus)])
            return [(e.emotion, e.laterality, e.aus, e.flags) for e in expressions(spot_events(rows))]

        [(emotion, laterality, aus, flags)] = spotted(smirk)
        assert (emotion, laterality) == ("contempt", side)
        assert "au12" in aus and "speech" in flags
        assert [ev[:2] for ev in spotted(smile)] == [("happiness", "both")]


def test_apex_laterality_only_for_a_lip_corner_raised_at_the_apex():
    from microcue.events.episodes import SIDES
    from microcue.events.laterality import apex_laterality

    v = dict.fromkeys(SIDES, 0.0) | {"au12_r": 0.39, "au14_l": 0.12, "au14_r": 0.09, "au01_l": 0.5}
    assert apex_laterality(np.array([v[a] for a in SIDES])) == {"au12": ("right", pytest.approx(0.39))}
