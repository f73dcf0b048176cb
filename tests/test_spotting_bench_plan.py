"""The injection benchmark's episode plans (bench/inject.py): v2's longer clips keep v1's generator rules."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import inject  # noqa: E402


def test_v1_plan_is_the_default_and_v2_only_moves_the_first_onset_and_length():
    for key in inject.TUNE_SOURCES:
        for fps in (15, 25, 30):
            v1 = inject.plan(0, fps, inject.CLIP_S, key)
            assert v1 == inject.plan(0, fps, inject.CLIP_S, key, inject.FIRST_S)
            assert v1[0]["onset_s"] == inject.FIRST_S and v1[-1]["offset_s"] <= inject.CLIP_S - 0.8
            v2 = inject.plan(inject.TUNE_SEEDS_V2[0], fps, inject.CLIP_S_V2, key, inject.FIRST_S_V2)
            assert v2[0]["onset_s"] == inject.FIRST_S_V2 and v2[-1]["offset_s"] <= inject.CLIP_S_V2 - 0.8
            assert len(v2) > 2 * len(v1)  # 31 s of injection time against 7.7 s
            for a, b in zip(v2, v2[1:]):
                assert inject.GAP_S[0] - 1e-3 <= b["onset_s"] - a["offset_s"] <= inject.GAP_S[1] + 1e-3
            for e in v2:
                lo, hi = inject.DURATION_BINS[e["bin"]]
                lo = inject.MIN_DURATION_15FPS if fps <= 15 and e["bin"] == "micro_short" else lo
                assert lo - 1e-3 <= e["offset_s"] - e["onset_s"] <= hi + 1e-3
                assert e["amplitude"] in inject.AMPLITUDES.values() and e["inj_kind"] in inject.KINDS


def test_v2_seeds_are_new():
    v1 = set(inject.TUNE_SEEDS + inject.CALIB_SEEDS + inject.HELD_OUT_SEEDS)
    v2 = inject.TUNE_SEEDS_V2 + inject.CALIB_SEEDS_V2 + inject.HELD_OUT_SEEDS_V2
    assert not v1 & set(v2) and len(set(v2)) == 3
