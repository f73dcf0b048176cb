"""The head-pose gate (microcue.events.pose_gate): an expression episode explained by the head's own rotation."""

from __future__ import annotations

import math

import pytest
from test_events import _plateau, expressions, stream

from microcue.events import EventSpotter
from microcue.events.pose_gate import LEAK_PER_DEG, PoseHistory, pose_change, pose_explained


def _hist(pitch, yaw=lambda t: 0.0, seconds=6.0, fps=30.0):
    h = PoseHistory()
    for k in range(int(seconds * fps)):
        t = k / fps
        h.add(t, {"pitch": pitch(t), "yaw": yaw(t), "gaze_x": 0.0, "gaze_y": 0.0})
    return h


def test_pose_change_is_measured_from_just_before_onset():
    # level at -5 deg, then chin down to -25 deg from 2 s to 3 s, back up to +10 deg by 4 s
    def pitch(t):
        return -5.0 if t < 2 else -5.0 - 20.0 * min(t - 2, 1.0) if t < 3 else -25.0 + 35.0 * min(t - 3, 1.0)

    c = pose_change(_hist(pitch), onset=2.0, apex=3.0, offset=4.5)
    assert c["pitch"] == pytest.approx(-19.0, abs=1.0)  # median of the rows within 0.1 s of the apex
    assert c["down"] == pytest.approx(20.0, abs=0.1) and c["up"] == pytest.approx(15.0, abs=0.1)
    assert c["turn"] == 0.0
    assert pose_change(PoseHistory(), 1.0, 1.5, 2.0) is None
    none = PoseHistory()
    none.add(1.2, {})
    assert pose_change(none, 1.0, 1.5, 2.0) is None  # rows without pose


def test_only_leak_aus_within_the_measured_leak_are_explained():
    down = {"down": 20.0, "up": 0.0, "turn": 0.0}
    cap23 = LEAK_PER_DEG["down"]["au23"] * 20.0
    assert pose_explained({"au23": 3.0, "au10": 2.0}, {"au23": cap23, "au10": 0.2}, down, min_deg=12, margin=2.2)
    # a rise beyond margin x leak is more than the rotation explains
    assert not pose_explained({"au23": 3.0}, {"au23": 2.3 * cap23}, down, min_deg=12, margin=2.2)
    # a brow, AU5 or a smile is evidence of an expression whatever the head does
    for au in ("au01", "au02", "au04", "au05", "au12"):
        assert not pose_explained({"au23": 3.0, au: 1.5}, {"au23": 0.2, au: 0.1}, down, min_deg=12, margin=2.2)
    # too small a rotation, or a chin-up AU with a chin-down rotation: not explained
    assert not pose_explained({"au23": 3.0}, {"au23": 0.2}, {"down": 8.0}, min_deg=12, margin=2.2)
    assert not pose_explained({"au17": 3.0}, {"au17": 0.2}, down, min_deg=12, margin=2.2)
    # AU4 only with a turn; AUs under their own threshold (z < 1) and AU26 are not evidence
    turn = {"down": 0.0, "up": 0.0, "turn": 20.0}
    assert pose_explained({"au04": 1.5, "au17": 0.9, "au26": 2.0}, {"au04": 0.2, "au17": 0.1, "au26": 0.4}, turn,
                           min_deg=12, margin=2.2)
    assert not pose_explained({"au23": 3.0}, {"au23": 0.2}, None, min_deg=12, margin=2.2)
    assert not pose_explained({"au23": 3.0}, {"au23": 0.2}, down, min_deg=0, margin=2.2)  # off


def _nod_rows(extra_aus):
    """A still face bowing its head 22 deg (2-4 s) while AU23 / AU10 follow it as the measured leak says."""

    def shape(t):
        return _plateau(t, 2.0, 4.0, ramp=0.4)

    def pose(t, row):
        row["pitch"] = -22.0 * shape(t)

    return stream(seconds=7, episodes=[(shape, {"au23": 0.5, "au10": 0.35, **extra_aus})], noise=0.01, pose=pose)


def test_a_bowed_head_is_dropped_only_with_the_gate_and_a_smile_during_it_stays():
    rows = _nod_rows({})
    sp_off, sp_on = EventSpotter(), EventSpotter(pose_gate_deg=12)
    off = expressions([e for r in rows for e in sp_off.update(r)] + sp_off.flush())
    on = expressions([e for r in rows for e in sp_on.update(r)] + sp_on.flush())
    assert len(off) == 1 and off[0].onset_s < 2.5 and not on
    smile = _nod_rows({"au12": 0.4})
    sp = EventSpotter(pose_gate_deg=12)
    kept = expressions([e for r in smile for e in sp.update(r)] + sp.flush())
    assert len(kept) == 1 and "au12" in kept[0].aus


def test_gate_reads_pose_rows_with_missing_values():
    rows = _nod_rows({})
    for r in rows[::7]:
        r["pitch"] = math.nan
    sp = EventSpotter(pose_gate_deg=12)
    assert not expressions([e for r in rows for e in sp.update(r)] + sp.flush())


def test_webcam_sample_bowed_head_is_a_pose_leak(shared_data, tmp_path):
    """The OpenFace webcam sample (a neutral face that turns +-24 deg and nods +-25 deg; the clip the leak was
    measured on, so in-sample): with the gate, the 9.6 s "disgust" of the bowed head (from ~18.4 s, chin down 22 deg
    then up 34 deg) is gone; what the gate cannot remove (the turns, whose AU23 /
    AU7 rises the yaw leak does not explain) stays."""
    import microcue
    from microcue.events import spot_events

    video = shared_data / "Soontosh__DepScopeAIDeployment/OpenFace/samples/2015-10-15-15-14.avi"
    if not video.is_file():
        pytest.skip(f"missing {video}")
    sig = microcue.analyze(video, out_dir=tmp_path, workers=1).signals
    off = [e for e in spot_events(sig) if e.kind in ("micro", "macro")]
    on = [e for e in spot_events(sig, pose_gate_deg=12) if e.kind in ("micro", "macro")]

    def long_bow(evs):
        return [e for e in evs if 17.5 < e.onset_s < 19.5 and e.offset_s - e.onset_s > 5.0]

    assert long_bow(off) and not long_bow(on)
    # nothing else is removed; what appears is an episode the long one had hidden (the eyes rolling at ~25-27 s)
    assert all(any(abs(e.onset_s - f.onset_s) < 1e-9 for f in on) for e in off if e not in long_bow(off))
    assert all(any(abs(e.onset_s - f.onset_s) < 1e-9 for f in off) or e.onset_s > 24.0 for e in on)
