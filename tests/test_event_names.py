"""Naming expression episodes (microcue.events.emfacs): the rule on AU patterns recorded from real episodes, and on
real footage end to end (research clips in ../shared/data; skipped when absent).

The recorded patterns are the spotter's inputs to ``name_expression`` (moved: AU -> peak in units of its own
threshold; rise: AU -> peak rise in AU units; laterality; eyes-closed share), rounded to two decimals, from the
audited natural clips (docs/spotting.md, "Natural footage"; by-eye labels in bench/natural_names.csv) and from the
injected benchmark's tune / calib splits (bench/spotting.py). Rises under 0.05 are left out."""

from __future__ import annotations

import math

import pytest

from microcue.events.emfacs import name_expression

RECORDED = {
    # d10 2.55 s: the "oh" -- eyes wide (AU5), jaw dropped (AU26), lips rounded (read as AU23); was named sadness
    "d10_oh": ("surprise", 0.0, {},
               {"au01": 1.83, "au04": 1.65, "au05": 0.73, "au23": 1.46, "au24": 0.98},
               {"au01": 0.18, "au04": 0.2, "au05": 0.49, "au12": 0.16, "au14": 0.35, "au23": 0.7, "au24": 0.39,
                "au26": 0.59}),
    # d10 13.57 s: the worried face -- brows raised and drawn together (AU1+AU2+AU4), eyes wide; was anger
    "d10_worried": ("fear", 0.03, {},
                    {"au04": 3.35, "au05": 2.23, "au07": 1.72, "au23": 2.69, "au24": 2.02},
                    {"au01": 0.34, "au02": 0.24, "au04": 0.55, "au05": 0.22, "au07": 0.18, "au10": 0.24, "au14": 0.23,
                     "au17": 0.25, "au20": 0.27, "au23": 0.71, "au24": 0.42, "au26": 0.56}),
    # vlog 3.5 s: a crying squeeze -- sad brow (AU1+AU4, no AU2), eyes narrowed, mouth stretched; was disgust
    "vlog_crying": ("sadness", 0.16, {"au02": "right"},
                    {"au04": 1.02, "au06": 2.06, "au07": 2.58, "au10": 2.06, "au20": 0.81, "au23": 1.02},
                    {"au01": 0.16, "au02": 0.06, "au04": 0.42, "au06": 0.21, "au07": 0.39, "au09": 0.23, "au10": 0.38,
                     "au12": 0.53, "au14": 0.27, "au20": 0.35, "au23": 0.15, "au24": 0.1, "au26": 0.31}),
    # d13 8 s: a closed-lip smile with pressed lips (AU12 0.81 on the AU scale, hidden by its speech threshold); was
    # sadness
    "d13_pressed_smile": ("happiness", 0.02, {},
                          {"au04": 3.55, "au15": 4.6, "au17": 2.97, "au23": 7.31, "au24": 4.62},
                          {"au01": 0.07, "au02": 0.05, "au04": 0.36, "au09": 0.56, "au10": 0.88, "au12": 0.81,
                           "au14": 0.33, "au15": 0.46, "au17": 0.67, "au20": 0.2, "au23": 0.81, "au24": 0.61,
                           "au26": 0.08}),
    # the bundled Pexels clip: crying (eyes closed, brows lowered) and the laugh (AU10 pulled along by AU12)
    "pexels_crying": ("sadness", 0.86, {"au12": "left", "au14": "left"},
                      {"au04": 6.11, "au23": 7.31, "au24": 4.62},
                      {"au02": 0.25, "au04": 0.64, "au05": 0.1, "au09": 0.25, "au10": 0.35, "au12": 0.06, "au15": 0.15,
                       "au17": 0.13, "au20": 0.24, "au23": 0.73, "au24": 0.46, "au26": 0.18}),
    "pexels_laugh": ("happiness", 0.15, {},
                     {"au05": 2.94, "au06": 2.69, "au07": 4.6, "au09": 3.03, "au17": 2.19, "au20": 3.62, "au23": 6.3,
                      "au24": 3.82},
                     {"au01": 0.33, "au02": 0.63, "au04": 0.18, "au05": 0.39, "au06": 0.27, "au07": 0.46, "au09": 0.43,
                      "au10": 0.91, "au12": 0.74, "au14": 0.41, "au17": 0.34, "au20": 0.36, "au23": 0.63, "au24": 0.38,
                      "au26": 0.45}),
    # calib d20 30 fps, injected nose wrinkle: AU4 is the only AU over its threshold (AU9 lowers the brows), the lip
    # raise AU10 0.70 is larger than the brow lowering; was anger
    "inj_nose_wrinkle": ("disgust", 0.0, {"au02": "right"},
                         {"au04": 1.69},
                         {"au04": 0.48, "au09": 0.08, "au10": 0.7, "au12": 0.35, "au14": 0.28, "au17": 0.07,
                          "au20": 0.36, "au26": 0.33}),
    # calib vr4 15 fps, injected brow raise: AU1+AU2 0.5 each with a lip movement of speech (AU15); was sadness
    "inj_brow_raise": ("surprise", 0.06, {},
                       {"au01": 4.98, "au02": 1.56, "au05": 2.93, "au07": 1.51, "au15": 1.65},
                       {"au01": 0.5, "au02": 0.51, "au04": 0.21, "au05": 0.29, "au06": 0.13, "au07": 0.15, "au09": 0.24,
                        "au10": 0.45, "au12": 0.42, "au15": 0.37, "au17": 0.42, "au23": 0.43, "au24": 0.28,
                        "au26": 0.1}),
    # tune d20 25 fps, injected brow lowering: AU4 with a small AU1 (0.11, under the brow lowering); was sadness
    "inj_brow_lower": ("anger", 0.0, {"au02": "left", "au14": "left"},
                       {"au01": 1.09, "au04": 1.43},
                       {"au01": 0.11, "au04": 0.25, "au12": 0.2, "au14": 0.12, "au20": 0.12, "au26": 0.21}),
}


@pytest.mark.parametrize("case", sorted(RECORDED))
def test_recorded_patterns_are_named_by_their_rises(case):
    want, closed, lat, moved, rise = RECORDED[case]
    assert name_expression(moved, lat, rise, closed)[0] == want


TALKING = {
    # calib vr2 25 fps, injected brow lowering while talking: AU4 alone moved; the lip corners (AU12 0.30), upper
    # lip and lower lip swung with the words during the episode but were back down at the brow's apex; was happiness
    "inj_brow_lower_talking": ("anger", "happiness", 0.0, {"au02": "right"},
                               {"au04": 1.8},
                               {"au04": 0.26, "au09": 0.23, "au10": 0.25, "au12": 0.3, "au14": 0.18, "au15": 0.29,
                                "au17": 0.19, "au20": 0.1, "au23": 0.08, "au24": 0.11, "au26": 0.16},
                               {"au04": 0.26, "au09": 0.05, "au14": 0.07}),
    # tune vr4 15 fps, injected brow raise while talking: AU1+AU2+AU5 at the apex; the mouth's speech swing (AU10
    # 0.78, AU12 0.68) came at other moments; was happiness
    "inj_brow_raise_talking": ("surprise", "happiness", 0.1, {},
                               {"au01": 6.51, "au02": 9.23, "au05": 5.25},
                               {"au01": 0.65, "au02": 0.92, "au04": 0.18, "au05": 0.53, "au06": 0.18, "au07": 0.24,
                                "au09": 0.35, "au10": 0.78, "au12": 0.68, "au14": 0.22, "au15": 0.4, "au17": 0.43,
                                "au20": 0.15, "au23": 0.33, "au24": 0.21, "au26": 0.35},
                               {"au01": 0.65, "au02": 0.92, "au05": 0.23}),
    # tune d20 25 fps, injected smile while talking, read as AU4 over its threshold: AU12 still 0.22 at the apex
    "inj_smile_talking": ("happiness", "happiness", 0.0, {"au01": "left", "au02": "left"},
                          {"au04": 1.7},
                          {"au01": 0.06, "au04": 0.44, "au09": 0.34, "au10": 0.68, "au12": 0.73, "au14": 0.29,
                           "au17": 0.34, "au20": 0.23, "au26": 0.35},
                          {"au04": 0.44, "au09": 0.26, "au10": 0.5, "au12": 0.22, "au14": 0.17, "au17": 0.24,
                           "au20": 0.15, "au26": 0.17}),
    # katie 7.40 s (natural, talking): a smile with the cheeks raised, AU12 0.23 at the apex
    "katie_smile_talking": ("happiness", "happiness", 0.0, {"au02": "left", "au14": "right"},
                            {"au06": 0.71, "au07": 1.05, "au17": 1.86},
                            {"au04": 0.25, "au06": 0.24, "au07": 0.23, "au09": 0.27, "au10": 0.25, "au12": 0.32,
                             "au17": 0.24},
                            {"au04": 0.23, "au06": 0.24, "au07": 0.23, "au09": 0.14, "au12": 0.23}),
}
"""Recorded while talking (talk share > 0.5): (name, name by the peak rises alone, eyes closed, laterality, moved,
rise, rise at the episode's apex)."""


@pytest.mark.parametrize("case", sorted(TALKING))
def test_while_talking_a_lower_face_au_that_did_not_move_counts_at_the_apex(case):
    """While talking the lower face swings with the words: an AU that did not move takes part in the name only if it
    was still raised at the episode's apex, not because speech pushed it up somewhere in the episode."""
    want, before, closed, lat, moved, rise, at_apex = TALKING[case]
    assert name_expression(moved, lat, rise, closed, at_apex)[0] == want
    assert name_expression(moved, lat, rise, closed)[0] == before  # by the peak rises alone (silence)


def test_spotter_brow_lowering_while_the_lip_corners_move_with_the_words_is_anger():
    """End to end: the lip corners rise with each syllable (AU12 up to 0.4, three a second, not in step with the
    jaw), and the brows are drawn down (AU4 0.3) with their apex between syllables. The event is the brows: anger,
    not a smile (was happiness, with AU12 listed)."""
    from test_events import _talking, _tri, expressions, stream

    from microcue.events import spot_events

    def lips(t, row):
        v = 0.4 * max(0.0, math.sin(2 * math.pi * 3.0 * t)) ** 2
        for a in ("au12", "au12_l", "au12_r"):
            row[a] += v

    for apex in (3.25, 5.25):
        rows = stream(seconds=8, noise=0.005, talk=_talking, lips=lips,
                      episodes=[(lambda t, a=apex: _tri(t, a - 0.45, a, a + 0.55), {"au04": 0.3})])
        ev = expressions(spot_events(rows))
        assert [(e.emotion, e.aus) for e in ev] == [("anger", ("au04",))]
        assert "speech" in ev[0].flags


def test_emphasis_brow_raise_with_a_trace_of_au4_is_not_fear():
    """katie 1.17-3.51 s: a whole-brow raise of emphasis while talking (AU1 0.30, AU2 0.49) with AU4 0.22: the brow
    lowering is under 0.7 x the raise, so not the fear brow (was fear)."""
    moved = {"au01": 3.0, "au02": 2.5, "au04": 1.27, "au24": 1.6}
    rise = {"au01": 0.3, "au02": 0.49, "au04": 0.22, "au05": 0.07, "au07": 0.05, "au10": 0.22, "au12": 0.16,
            "au17": 0.21, "au20": 0.37, "au23": 0.1, "au24": 0.2, "au26": 0.2}
    emo, _ = name_expression(moved, {"au14": "left"}, rise, 0.03)
    assert emo != "fear"
    assert emo == "surprise"  # AU1+AU2: the EMFACS name of a brow raise (the speech decision did not make it a flash)


def test_a_smile_hidden_by_its_speech_threshold_is_named_and_flagged():
    """AU12 rose 0.4 on the AU scale but stayed under its speech-raised threshold (not in ``moved``), while a chin
    raise (AU17) and lid tightening (AU7) passed theirs: happiness, not disgust / sadness."""
    emo, flags = name_expression({"au17": 2.0, "au07": 1.5}, {"au12": "both"},
                                 {"au12": 0.4, "au17": 0.2, "au07": 0.15, "au06": 0.12})
    assert emo == "happiness" and "duchenne" in flags and "upper_face" not in flags


SMILING = {
    # s32 1.73-3.32 s (natural): she smiles throughout (AU12 0.46 / 0.49 against her neutral at the apex, so the
    # local floor holds the smile); her laugh's squint relaxing reads as AU5 / AU20, AU4 only came along (0.8 of its
    # threshold); was anger
    "s32_laugh": ({"au05": 2.24, "au20": 1.15, "au04": 0.8},
                  {"au04": 0.18, "au05": 0.22, "au20": 0.23, "au23": 0.26, "au24": 0.15},
                  {"au12_l": 0.46, "au12_r": 0.49, "au06": 0.2}),
    # s32 5.77-5.97 s: a squinting smile; only the chin (AU17) passed its threshold, AU7 rose 0.13; was unclear
    "s32_squint": ({"au17": 1.6}, {"au17": 0.16, "au07": 0.13}, {"au12_l": 0.34, "au12_r": 0.35, "au06": 0.33}),
}
"""Smiling at the apex (moved, rise, level at the apex against the person's neutral): named happiness."""


@pytest.mark.parametrize("case", sorted(SMILING))
def test_a_smiling_face_s_squint_is_happiness(case):
    """What moves inside a held smile (the floor holds the smile) is the smile's: happiness, with the cheeks raised
    (AU6 level) Duchenne. Without the level (before) these were named from the squint / mouth alone."""
    moved, rise, level = SMILING[case]
    assert name_expression(moved, {}, rise)[0] != "happiness"
    emo, flags = name_expression(moved, {}, rise, level=level)
    assert emo == "happiness" and "duchenne" in flags


def test_a_squint_without_a_smile_is_unchanged_and_a_brow_while_smiling_keeps_its_name():
    """The level only speaks when both lip corners are raised against the neutral; a brow movement that crossed its
    own threshold keeps its name while smiling, and crying stays sadness."""
    squint = ({"au06": 1.5, "au07": 2.0}, {}, {"au06": 0.2, "au07": 0.3})
    before = name_expression(*squint)
    assert before[0] == "unclear"
    for level in ({"au12_l": 0.05, "au12_r": 0.1, "au06": 0.3}, {"au12_l": 0.02, "au12_r": 0.5, "au06": 0.3}):
        assert name_expression(*squint, level=level) == before  # not smiling, or one lip corner only
    assert name_expression(*squint, level={"au12_l": 0.4, "au12_r": 0.4, "au06": 0.3})[0] == "happiness"
    smiling = {"au12_l": 0.45, "au12_r": 0.35, "au06": 0.0}
    for case in ("inj_brow_lower", "inj_brow_raise", "pexels_crying"):  # AU4 / AU1 over its threshold; crying
        want, closed, lat, moved, rise = RECORDED[case]
        assert name_expression(moved, lat, rise, closed, level=smiling)[0] == want


def test_nothing_that_fits_is_unclear_and_one_sided_smile_is_contempt():
    assert name_expression({"au17": 1.8}, {}, {"au17": 0.18, "au07": 0.13})[0] == "unclear"
    assert name_expression({"au23": 1.2, "au24": 1.0}, {}, {"au23": 0.2, "au24": 0.15})[0] == "unclear"
    emo, flags = name_expression({"au12": 1.5}, {"au12": "left"}, {"au12": 0.3})
    assert emo == "contempt" and "social" in flags


def test_without_rises_the_strengths_stand_in():
    assert name_expression({"au10": 3.0, "au09": 2.0}, {})[0] == "disgust"
    assert name_expression({"au01": 2.0, "au02": 2.0}, {})[0] == "surprise"
    assert name_expression({"au04": 2.0}, {})[0] == "anger"


@pytest.fixture(scope="module")
def d10_events(shared_data, tmp_path_factory):
    import microcue

    video = shared_data / "KwaiVGI__LivePortrait/assets/examples/driving/d10.mp4"
    if not video.is_file():
        pytest.skip(f"missing {video}")
    res = microcue.analyze(video, out_dir=tmp_path_factory.mktemp("d10"), workers=1)
    return [e for e in res.events if e.kind in ("micro", "macro")]


def test_real_footage_d10_oh_is_surprise_and_worried_face_is_fear(d10_events):
    """d10 (a 15 s driving clip, audited by eye): the "oh" at ~2.5 s is surprise, the worried face at ~13.6 s fear
    (before: sadness and anger)."""

    def at(t):
        return [e for e in d10_events if e.onset_s <= t <= e.offset_s]

    oh = at(2.55)
    assert oh and all(e.emotion == "surprise" for e in oh)
    worried = at(13.57)
    assert worried and all(e.emotion == "fear" for e in worried)


def test_spotter_a_squint_inside_a_held_smile_is_happiness():
    """End to end: the face smiles from the start (AU12 0.4 on both sides against its neutral, so the local floor
    holds it) and squints at 4 s (AU6 / AU7 0.3): the event is the squint, named from the smile's level (happiness,
    Duchenne, AU12 listed on both sides); the same squint on a face that does not smile stays unclear, and both are
    the same event."""
    from test_events import _tri, expressions, stream

    from microcue.events import spot_events

    def smile(t, row):
        for a in ("au12", "au12_l", "au12_r"):
            row[a] += 0.4

    squint = [(lambda t: _tri(t, 3.6, 4.0, 4.6), {"au06": 0.3, "au07": 0.3, "au07g": 0.3})]
    held = expressions(spot_events(stream(seconds=8, noise=0.005, episodes=squint, smile=smile)))
    plain = expressions(spot_events(stream(seconds=8, noise=0.005, episodes=squint)))
    assert [(e.emotion, e.laterality) for e in held] == [("happiness", "both")]
    assert "duchenne" in held[0].flags and "au12" in held[0].aus
    assert [e.emotion for e in plain] == ["unclear"]
    assert (held[0].onset_s, held[0].offset_s) == pytest.approx((plain[0].onset_s, plain[0].offset_s), abs=0.02)
