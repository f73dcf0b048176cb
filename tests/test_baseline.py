"""NeutralBaseline: learns neutral from low-expressivity frames only, saves and reloads."""

from __future__ import annotations

import json

import numpy as np
import pytest

from microcue.errors import InvalidInputError
from microcue.signals.aus import AU_INDEX, AU_NAMES
from microcue.signals.baseline import NeutralBaseline, expressivity, population_neutral, relative_to_neutral

N = len(AU_NAMES)


def _frame(rng, neutral, **active):
    a = neutral + rng.normal(0, 0.01, N)
    for name, v in active.items():
        a[AU_INDEX[name]] += v
        for side in ("_l", "_r"):
            if name + side in AU_INDEX:
                a[AU_INDEX[name + side]] += v
    return np.clip(a, 0, 1)


def test_population_prior_shape_and_range():
    pop = population_neutral()
    assert pop.shape == (N,)
    assert np.all((pop >= 0) & (pop <= 1))
    assert pop[AU_INDEX["au12"]] < 0.4  # an average relaxed face is not smiling


def test_a_minute_of_smiling_does_not_become_neutral():
    rng = np.random.default_rng(1)
    person = np.clip(population_neutral() + 0.05, 0, 1)
    b = NeutralBaseline()
    for _ in range(60):  # 2 s of calm face first
        b.update(_frame(rng, person), quality=1.0)
    d12 = []
    for _ in range(30 * 60):  # one minute at 30 fps of a broad smile
        d12.append(b.update(_frame(rng, person, au12=0.5, au06=0.3), quality=1.0)[AU_INDEX["au12"]])
    assert abs(b.neutral_[AU_INDEX["au12"]] - person[AU_INDEX["au12"]]) < 0.03
    assert d12[-1] > 0.4  # still a smile at the end of the minute


def test_after_a_long_smile_the_relaxed_face_does_not_read_as_lip_corners_down():
    # a smile lifts the lip corners, so the corner depressor (AU15) reads below its neutral for as long as it lasts;
    # that is not evidence of a lower neutral: when the smile ends, the relaxed face must not read as AU15
    # (a "sadness" flash after every laugh). Brows, in the half of the face that is not smiling, still learn.
    rng = np.random.default_rng(4)
    person = np.clip(population_neutral() + 0.05, 0, 1)
    b = NeutralBaseline()
    for _ in range(90):
        b.update(_frame(rng, person))
    smile = _frame(rng, person, au12=0.5)  # a social smile: the upper face stays relaxed
    smile[AU_INDEX["au15"]] = 0.0
    lower_brows = person[AU_INDEX["au04"]] - 0.04
    for _ in range(30 * 40):
        f = smile + rng.normal(0, 0.01, N)
        f[AU_INDEX["au04"]] = lower_brows
        b.update(np.clip(f, 0, 1))
    after = b.update(_frame(rng, person))
    assert after[AU_INDEX["au15"]] < 0.03
    assert b.neutral_[AU_INDEX["au04"]] < person[AU_INDEX["au04"]] - 0.02


def test_learns_a_personal_neutral_that_differs_from_the_prior():
    rng = np.random.default_rng(2)
    person = population_neutral().copy()
    person[AU_INDEX["au04"]] += 0.05  # naturally lower brows, within the acceptance band
    b = NeutralBaseline()
    for _ in range(600):
        b.update(_frame(rng, person))
    assert abs(b.neutral_[AU_INDEX["au04"]] - person[AU_INDEX["au04"]]) < 0.01
    assert b.n_accepted_ > 500


def test_smiler_who_starts_smiling_still_gets_a_neutral_from_the_prior():
    rng = np.random.default_rng(3)
    b = NeutralBaseline()
    out = [b.update(_frame(rng, population_neutral(), au12=0.6)) for _ in range(300)]
    assert b.n_accepted_ == 0
    assert out[-1][AU_INDEX["au12"]] > 0.5


def test_low_quality_frames_are_ignored():
    b = NeutralBaseline(min_quality=0.5)
    before = b.neutral_.copy()
    b.update(np.clip(before + 0.03, 0, 1), quality=0.1)
    np.testing.assert_array_equal(b.neutral_, before)
    assert b.n_seen_ == 1 and b.n_accepted_ == 0


def test_deltas_are_clipped_at_zero():
    neutral = np.full(N, 0.3)
    d = relative_to_neutral(np.full(N, 0.1), neutral)
    assert np.all(d == 0)
    assert expressivity(np.zeros(N)) == 0


def test_roundtrip_and_reset():
    rng = np.random.default_rng(4)
    b = NeutralBaseline(rate=0.02)
    for _ in range(100):
        b.update(_frame(rng, population_neutral() + 0.02))
    saved = json.loads(json.dumps(b.to_dict()))
    assert saved["microcue_version"] and saved["au_names"] == list(AU_NAMES)
    b2 = NeutralBaseline.from_dict(saved)
    np.testing.assert_allclose(b2.neutral_, b.neutral_)
    assert b2.rate == 0.02 and b2.n_accepted_ == b.n_accepted_
    b2.reset()
    np.testing.assert_allclose(b2.neutral_, population_neutral())
    with pytest.raises(InvalidInputError):
        NeutralBaseline.from_dict({"kind": "something else"})


def test_bad_input():
    with pytest.raises(ValueError, match="shape"):
        NeutralBaseline().update(np.zeros(3))
    with pytest.raises(ValueError):
        NeutralBaseline(rate=0)


def test_resting_face_far_from_the_prior_is_learned_but_a_smile_is_not():
    """Low brows and pressed lips at rest (far from the population) are bootstrapped from the calmest frames;
    a smile that is there from the first frame is not."""
    from microcue.signals.emotions import EMOTIONS, emotion_probs

    rng = np.random.default_rng(5)
    resting = population_neutral().copy()
    for name in ("au04", "au23", "au24"):
        resting[AU_INDEX[name]] += 0.3
    b = NeutralBaseline(bootstrap_after=150)
    first = b.update(_frame(rng, resting))
    assert first[AU_INDEX["au04"]] > 0.25  # before learning: the low brows read as brow lowering
    assert not b.ready
    p_first = emotion_probs(first)
    for _ in range(300):
        d = b.update(_frame(rng, resting))
    assert b.bootstrapped_ and b.rest_learned_
    assert b.ready  # the neutral is now the person's own, learned from their calmest frames
    assert NeutralBaseline.from_dict(b.to_dict()).ready
    assert d[AU_INDEX["au04"]] < 0.05
    assert EMOTIONS[int(np.argmax(emotion_probs(d)))] == "neutral"
    assert emotion_probs(d)[EMOTIONS.index("neutral")] > p_first[EMOTIONS.index("neutral")] + 0.1

    b2 = NeutralBaseline(bootstrap_after=150)
    for _ in range(30 * 60):
        d2 = b2.update(_frame(rng, resting, au12=0.6, au06=0.4))
    assert d2[AU_INDEX["au12"]] > 0.5
    assert EMOTIONS[int(np.argmax(emotion_probs(d2)))] == "happiness"
