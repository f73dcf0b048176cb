"""Head pose must not read as expression: the OpenFace webcam sample (research-only, in /work/shared/data).

One man with a neutral face throughout (checked by eye, bench/pose_leak.py ``frames``) turns his head right and
left (13.8-17.2 s, yaw about +-23 degrees), nods chin-down (18.5-20.2 s, pitch about +24) and tilts it back
(21-22.5 s, pitch about -22). Before the pose-conditioned neutral (microcue.signals.baseline) the nod read as
disgust (p_disgust 0.72, AU23 0.62), the tilt back as sadness (0.85) and the turns as disgust (0.64).

NB: the shipped prior slopes (baseline.POSE_LEAK_PRIOR) were measured on this same clip, so this is a regression
guard for the pipeline path (the stage passes the pose, the neutral follows it), not evidence that the prior fits
other people; that evidence is the spotting benchmark's clean split (docs/benchmarks.md).
"""

from __future__ import annotations

import pytest

import microcue

WEBCAM = "Soontosh__DepScopeAIDeployment/OpenFace/samples/2015-10-15-15-14.avi"


@pytest.fixture(scope="module")
def webcam_signals(shared_data, tmp_path_factory):
    path = shared_data / WEBCAM
    if not path.is_file():
        pytest.skip(f"{path} missing")
    return microcue.analyze(path, out_dir=tmp_path_factory.mktemp("webcam"), workers=1).signals


def _between(df, *spans):
    mask = False
    for t0, t1 in spans:
        mask = mask | ((df.time_s >= t0) & (df.time_s < t1))
    return df[mask]


def test_a_chin_down_nod_is_not_disgust(webcam_signals):
    nod = _between(webcam_signals, (18.5, 20.2))
    assert nod.pitch.mean() > 18  # the clip is what the test says it is
    assert nod.au23.mean() < 0.3
    assert nod.au10.mean() < 0.25
    assert nod.p_disgust.mean() < 0.45


def test_a_head_tilted_back_is_not_sadness(webcam_signals):
    up = _between(webcam_signals, (21.0, 22.5))
    assert up.pitch.mean() < -15
    assert up.au17.mean() < 0.3
    assert up.p_sadness.mean() < 0.5


def test_head_turns_are_not_disgust(webcam_signals):
    turns = _between(webcam_signals, (13.8, 15.0), (16.0, 17.2))
    assert turns.yaw.abs().mean() > 15
    assert turns.au04m.mean() < 0.4
    assert turns.p_disgust.mean() < 0.45
