"""Cue engine: every kind fires on a constructed case and stays quiet on a near miss; one run on a real clip."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from microcue.conversation.speakers import SpeakerLink
from microcue.conversation.transcript import Utterance
from microcue.cues import CUE_KINDS, SELF_COACHING_KINDS
from microcue.cues.engine import generate_cues
from microcue.events.types import ExpressionEvent
from microcue.faces.participants import Participant


def person(pid="P1", role="unknown", name=None):
    return Participant(pid, name or f"Person {pid[1:]}", role, [0], "center", (0.5, 0.5), 0.0, 60.0, 100, 100.0)


def ev(
    kind="micro",
    t=10.0,
    dur=0.3,
    emotion="anger",
    pid="P1",
    conf=0.8,
    aus=("au04",),
    flags=(),
    lat="both",
    intensity=0.3,
    n=[0],  # noqa: B006 -- a counter shared across calls gives unique ids
):
    n[0] += 1
    if kind not in ("micro", "macro"):
        emotion, lat = None, None
    return ExpressionEvent(
        f"{pid}-e{n[0]:04d}", pid, kind, t, t + dur / 2, t + dur, emotion, conf, aus, intensity, lat, flags
    )


def rows(pid="P1", seconds=40.0, fps=10, **cols):
    """Calm signal rows; ``cols`` maps a column to a function of time (array) overriding the default."""
    t = np.arange(0, seconds, 1 / fps)
    rng = np.random.default_rng(0)
    base = dict(
        valence=0.1 + 0.02 * rng.standard_normal(len(t)),
        engagement=0.7 + 0.01 * rng.standard_normal(len(t)),
        expressivity=0.3 + 0.01 * rng.standard_normal(len(t)),
        face_scale=1.0 + 0.005 * rng.standard_normal(len(t)),
        p_happiness=np.full(len(t), 0.05),
        quality=np.ones(len(t)),
        au04=np.zeros(len(t)),
        au07=np.zeros(len(t)),
        au23=np.zeros(len(t)),
        au24=np.zeros(len(t)),
    )
    for k, f in cols.items():
        base[k] = f(t)
    return pd.DataFrame(dict(time_s=t, participant=pid, **base))


def kinds(cues):
    return [c.kind for c in cues]


def run(events=(), signals=None, people=None, **kw):
    return generate_cues(list(events), signals, people or [person()], **kw)


# ------------------------------------------------------------------------------------------- buyer, face
def test_doubt_fires_and_near_miss():
    cues = run([ev(emotion="contempt", aus=("au12_r", "au14"), lat="right")])
    d = [c for c in cues if c.kind == "doubt"]
    assert len(d) == 1 and d[0].time_s == pytest.approx(10.15) and "0:10" in d[0].observation
    assert d[0].suggestion and 0 < d[0].confidence <= 1 and d[0].evidence.event_ids
    assert "doubt" not in kinds(run([ev(emotion="happiness", aus=("au12",))]))
    assert "doubt" not in kinds(run([ev(emotion="anger", conf=0.05)]))  # too unsure to speak of


def test_surprise_and_near_miss():
    assert "surprise" in kinds(run([ev(emotion="surprise", aus=("au01", "au02", "au05"))]))
    assert "surprise" not in kinds(run([ev(kind="brow_flash", aus=("au01", "au02"))]))


def test_genuine_vs_polite_smile():
    g = kinds(run([ev(kind="macro", dur=1.5, emotion="happiness", aus=("au06", "au12"), flags=("duchenne",))]))
    p = kinds(run([ev(kind="macro", dur=1.5, emotion="happiness", aus=("au12",), flags=("social",))]))
    assert "genuine_smile" in g and "polite_smile" not in g
    assert "polite_smile" in p and "genuine_smile" not in p


def test_lights_up_brow_flash_and_lean_in():
    assert "lights_up" in kinds(run([ev(kind="brow_flash", aus=("au01", "au02"))]))
    # the same raise while they talk (the spotter flags it "speech") is emphasis, not lighting up
    assert "lights_up" not in kinds(run([ev(kind="brow_flash", aus=("au01", "au02"), flags=("speech",))]))
    lean = rows(face_scale=lambda t: np.where((t > 20) & (t < 24), 1.15, 1.0))
    c = [x for x in run(signals=lean) if x.kind == "lights_up"]
    assert c and 19.5 <= c[0].time_s <= 20.5 and "leaned in" in c[0].observation
    # near miss: a 0.6 s lean is not sustained; the brow flash alone is not a smile
    short = rows(face_scale=lambda t: np.where((t > 20) & (t < 20.6), 1.15, 1.0))
    assert "lights_up" not in kinds(run(signals=short))


def test_checks_out_gaze_lean_back_and_near_miss():
    assert "checks_out" in kinds(run([ev(kind="gaze_aversion", dur=2.5, aus=(), intensity=2.5)]))
    back = rows(face_scale=lambda t: np.where(t > 20, 0.85, 1.0))
    assert "checks_out" in kinds(run(signals=back))
    assert "checks_out" not in kinds(run([ev(kind="gaze_aversion", dur=0.5, aus=(), intensity=0.5)]))
    assert "checks_out" not in kinds(run(signals=rows()))


def test_agreeing_vs_placating_nod():
    nod = ev(kind="nod", t=15.0, dur=1.0, aus=("pitch",), intensity=8.0)
    smile = ev(kind="macro", t=15.2, dur=1.2, emotion="happiness", aus=("au06", "au12"), flags=("duchenne",))
    agree = kinds(run([nod, smile], rows()))
    assert "agreeing_nod" in agree and "placating_nod" not in agree
    frown = ev(kind="micro", t=16.3, dur=0.3, emotion="contempt", aus=("au14",), lat="left")
    plac = kinds(run([nod, frown], rows()))
    assert "placating_nod" in plac and "agreeing_nod" not in plac
    flat = kinds(run([nod], rows()))  # no positive affect
    assert "placating_nod" in flat and "agreeing_nod" not in flat


def test_shift_against_own_baseline_and_near_miss():
    drop = rows(valence=lambda t: np.where(t > 25, -0.4, 0.1) + 0.02 * np.sin(t))
    s = [c for c in run(signals=drop) if c.kind == "shift"]
    assert len(s) == 1 and 24.0 <= s[0].time_s <= 25.5 and s[0].evidence.details["signal"] == "valence"
    # near miss: the same step inside a person whose valence always swings that much
    noisy = rows(valence=lambda t: np.where(t > 25, -0.1, 0.1) + 0.3 * np.sign(np.sin(3 * t)))
    assert "shift" not in kinds(run(signals=noisy))


# ------------------------------------------------------------------------------------------- words
LINK = [SpeakerLink("Ann", "P1", "user", 0.0)]


def test_incongruence_and_near_miss():
    say = [Utterance(9.5, 11.0, "Ann", "Sounds great, I love it", 1)]
    frown = ev(emotion="anger")
    c = [x for x in run([frown], utterances=say, speaker_links=LINK) if x.kind == "incongruence"]
    assert c and "Sounds great" in c[0].evidence.transcript and c[0].evidence.speaker == "Ann"
    smile = ev(emotion="happiness", aus=("au06", "au12"), flags=("duchenne",))
    assert "incongruence" not in kinds(run([smile], utterances=say, speaker_links=LINK))
    late = ev(emotion="anger", t=20.0)  # 9 s after the words
    assert "incongruence" not in kinds(run([late], utterances=say, speaker_links=LINK))


def test_topic_reaction_and_near_miss():
    said = [Utterance(8.0, 10.0, "Sam", "Our pricing is 40 dollars per seat", 1)]
    cues = run([ev()], utterances=said)
    t = [c for c in cues if c.kind == "topic_reaction"]
    assert t and t[0].evidence.topic == "pricing" and "pricing" in t[0].observation
    assert "pricing" in t[0].suggestion
    chat = [Utterance(8.0, 10.0, "Sam", "How was your weekend", 1)]
    assert "topic_reaction" not in kinds(run([ev()], utterances=chat))


def test_words_only_speaker_says_so():
    said = [Utterance(5.0, 7.0, "Kim", "Honestly that's way too high for us", 1)]
    cues = run([], utterances=said, speaker_links=[SpeakerLink("Kim", None, "none", 0.0)])
    d = [c for c in cues if c.kind == "doubt"]
    assert d and d[0].evidence.details["words_only"] and "no face" in d[0].observation
    mapped = run([], utterances=said, speaker_links=[SpeakerLink("Kim", "P1", "user", 0.0)])
    assert "doubt" not in kinds(mapped)  # a face was seen and it showed nothing


def test_rate_limit_merges_repeats():
    cues = run([ev(t=10.0), ev(t=11.0), ev(t=12.5), ev(t=30.0)])
    d = [c for c in cues if c.kind == "doubt"]
    assert len(d) == 2 and d[0].evidence.details["merged"] == 3 and len(d[0].evidence.event_ids) == 3


# ------------------------------------------------------------------------------------------- seller
SELLER = [person("P1", "seller", "Dana"), person("P2", "buyer", "Ann")]
SLINKS = [SpeakerLink("Dana", "P1", "name", 0.0), SpeakerLink("Ann", "P2", "name", 0.0)]


def srun(events=(), signals=None, utts=(), people=SELLER):
    return generate_cues(list(events), signals, people, utterances=list(utts), speaker_links=SLINKS)


def words(n):
    return " ".join(["word"] * n)


def test_no_self_coaching_without_roles():
    utts = [Utterance(0, 100, "Dana", words(200), 1), Utterance(100.5, 101, "Dana", "So? " + words(5), 2)]
    cues = generate_cues(
        [], None, [person("P1"), person("P2")], utterances=utts, speaker_links=[SpeakerLink("Dana", "P1", "name", 0.0)]
    )
    assert not [c for c in cues if c.kind in SELF_COACHING_KINDS or c.private]


def test_seller_tension_sustained_vs_brief():
    tense = rows(
        au04=lambda t: np.where((t > 10) & (t < 13), 0.5, 0.0), au07=lambda t: np.where((t > 10) & (t < 13), 0.5, 0.0)
    )
    c = [x for x in srun(signals=tense) if x.kind == "seller_tension"]
    assert c and c[0].private and c[0].participant == "P1" and c[0].role == "seller"
    brief = rows(
        au04=lambda t: np.where((t > 10) & (t < 11), 0.5, 0.0), au07=lambda t: np.where((t > 10) & (t < 11), 0.5, 0.0)
    )
    assert "seller_tension" not in kinds(srun(signals=brief))
    buyer_tense = tense.assign(participant="P2")  # the buyer's tension is not self-coaching
    assert "seller_tension" not in kinds(srun(signals=buyer_tense))


def test_seller_tension_waits_for_their_own_neutral():
    # the same 3 s of brows down and eyes narrowed, measured before the seller's neutral was learned (against
    # the population face) is not judged; once the baseline is ready it is
    tense = rows(
        au04=lambda t: np.where((t > 10) & (t < 13), 0.5, 0.0), au07=lambda t: np.where((t > 10) & (t < 13), 0.5, 0.0)
    )
    early = tense.assign(baseline_ready=tense["time_s"] > 20)
    assert "seller_tension" not in kinds(srun(signals=early))
    ready = tense.assign(baseline_ready=tense["time_s"] > 5)
    assert "seller_tension" in kinds(srun(signals=ready))


def test_seller_incongruence_and_near_miss():
    say = [Utterance(9.5, 11.0, "Dana", "This will be great for you", 1)]
    assert "seller_incongruence" in kinds(srun([ev(pid="P1")], utts=say))
    assert "seller_incongruence" not in kinds(srun([ev(pid="P1", t=30.0)], utts=say))


def test_seller_rushing_vs_steady():
    calm = [Utterance(10 * i, 10 * i + 6, "Dana", words(13), i) for i in range(3)]  # 130 wpm
    fast = calm + [Utterance(40, 46, "Dana", words(21), 9)]  # 210 wpm
    c = [x for x in srun(utts=fast) if x.kind == "seller_rushing"]
    assert len(c) == 1 and c[0].evidence.details["wpm"] == pytest.approx(210)
    steady = [Utterance(10 * i, 10 * i + 6, "Dana", words(21), i) for i in range(4)]  # fast but not rising
    assert "seller_rushing" not in kinds(srun(utts=steady))


def test_seller_monologue_vs_short_turns():
    long_ = [
        Utterance(0, 50, "Dana", words(120), 1),
        Utterance(51, 110, "Dana", words(140), 2),
        Utterance(112, 115, "Ann", "ok", 3),
    ]
    c = [x for x in srun(utts=long_) if x.kind == "seller_monologue"]
    assert len(c) == 1 and c[0].evidence.details["duration_s"] == pytest.approx(110)
    short = [
        Utterance(0, 50, "Dana", words(120), 1),
        Utterance(51, 55, "Ann", "right", 2),
        Utterance(56, 110, "Dana", words(120), 3),
    ]
    assert "seller_monologue" not in kinds(srun(utts=short))


def test_no_space_vs_waiting():
    rushed = [Utterance(0, 3, "Dana", "What is your budget for this?", 1), Utterance(3.8, 8, "Dana", words(10), 2)]
    c = [x for x in srun(utts=rushed) if x.kind == "no_space"]
    assert c and c[0].evidence.details["silence_s"] == pytest.approx(0.8)
    inline = [Utterance(0, 6, "Dana", "What is your budget? We usually see teams spend more", 1)]
    assert "no_space" in kinds(srun(utts=inline))
    waited = [Utterance(0, 3, "Dana", "What is your budget for this?", 1), Utterance(6, 8, "Dana", words(10), 2)]
    answered = [Utterance(0, 3, "Dana", "What is your budget for this?", 1), Utterance(3.5, 8, "Ann", "About 10k", 2)]
    assert "no_space" not in kinds(srun(utts=waited)) and "no_space" not in kinds(srun(utts=answered))


def test_interruption_vs_turn_taking():
    over = [Utterance(0, 5, "Ann", "I was wondering whether the rollout", 1), Utterance(3.5, 8, "Dana", "Sure", 2)]
    c = [x for x in srun(utts=over) if x.kind == "interruption"]
    assert c and c[0].evidence.details["overlap_s"] == pytest.approx(1.5)
    polite = [Utterance(0, 5, "Ann", "I was wondering whether the rollout", 1), Utterance(5.2, 8, "Dana", "Sure", 2)]
    assert "interruption" not in kinds(srun(utts=polite))


def test_disconnect_cycle_pressed_on_vs_asked():
    doubt = ev(pid="P2", t=10.0)
    pressed = [Utterance(5, 25, "Dana", words(70), 1)]
    c = [x for x in srun([doubt], utts=pressed) if x.kind == "disconnect_cycle"]
    assert len(c) == 1 and c[0].evidence.details["outcome"] == "pressed_on"
    assert not c[0].evidence.details["responded"] and c[0].participant == "P2" and not c[0].private
    asked = [Utterance(5, 10.1, "Dana", words(15), 1), Utterance(11.5, 13, "Dana", "What's on your mind?", 2)]
    c = [x for x in srun([doubt], utts=asked) if x.kind == "disconnect_cycle"]
    assert c and c[0].evidence.details["outcome"] == "asked" and c[0].evidence.details["responded"]
    # near miss: no doubt from the buyer, no cycle
    assert "disconnect_cycle" not in kinds(srun([], utts=pressed))


def test_every_kind_is_covered_and_cue_shape():
    cues = run([ev()], rows())
    d = cues[0].to_dict()
    for key in ("time_s", "participant", "role", "kind", "observation", "suggestion", "evidence", "confidence"):
        assert key in d
    assert all(c.kind in CUE_KINDS for c in cues)


# ------------------------------------------------------------------------------------------- real clip
def test_doubt_on_real_clip_with_injected_frown(astronaut_frown, tmp_path):
    import microcue

    res = microcue.analyze(astronaut_frown.path, out_dir=tmp_path / "out", workers=1)
    _, onset, offset = astronaut_frown.meta["expression"]
    said = [Utterance(onset - 0.5, offset + 0.3, "Person 1", "Our price is 40 dollars per seat", 1)]
    cues = generate_cues(
        res.events,
        res.signals,
        res.participants,
        utterances=said,
        speaker_links=[SpeakerLink("Person 1", None, "none", 0.0)],
    )
    doubt = [c for c in cues if c.kind == "doubt" and c.participant == res.participants[0].id]
    assert doubt, [c.kind for c in cues]
    assert onset - 0.5 <= doubt[0].time_s <= offset + 0.5
    assert doubt[0].evidence.topic == "pricing" and "price" in doubt[0].evidence.transcript
    assert "topic_reaction" in kinds(cues)


def test_no_doubt_on_real_clip_without_episode(astronaut_mp4, tmp_path):
    import microcue

    res = microcue.analyze(astronaut_mp4.path, out_dir=tmp_path / "out", workers=1)
    assert "doubt" not in kinds(generate_cues(res.events, res.signals, res.participants))
