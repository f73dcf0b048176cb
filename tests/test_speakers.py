"""Speaker-to-face mapping: user overrides, names, and mouth activity against speech turns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from microcue.conversation.speakers import map_speakers, names_match, parse_speaker_override
from microcue.conversation.transcript import Utterance
from microcue.errors import InvalidInputError
from microcue.faces.participants import RoleSpec, build_participants


def people(roles=()):
    stats = {0: dict(frames=300, first_s=0.0, last_s=30.0, cx=0.25, cy=0.5, face_px=90.0),
             1: dict(frames=300, first_s=0.0, last_s=30.0, cx=0.75, cy=0.5, face_px=90.0)}
    return build_participants(stats, [RoleSpec.parse(r) for r in roles])


def turns():
    # Dana speaks 0-5, 10-15, 20-25; Tom 5-10, 15-20, 25-30
    out = []
    for k in range(6):
        who = "Dana Smith" if k % 2 == 0 else "Tom Baker"
        out.append(Utterance(5.0 * k, 5.0 * k + 5.0, who, "words", k + 1))
    return out


def signals(left_speaks_with="Dana Smith", noise=0.02, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(0, 30, 0.04)
    dana = (np.floor(t / 5) % 2 == 0)
    left = dana if left_speaks_with == "Dana Smith" else ~dana
    rows = []
    for pid, talking in (("P1", left), ("P2", ~left)):
        act = np.where(talking, 0.12, 0.02) + rng.normal(0, noise, len(t))
        rows.append(pd.DataFrame(dict(time_s=t, participant=pid, mouth_activity=act)))
    return pd.concat(rows, ignore_index=True)


def test_mouth_activity_finds_who_speaks():
    links = {lk.speaker: lk for lk in map_speakers(turns(), signals("Tom Baker"), people())}
    assert links["Tom Baker"].participant == "P1" and links["Tom Baker"].method == "mouth"
    assert links["Dana Smith"].participant == "P2"
    assert links["Tom Baker"].score > 1.0


def test_no_mapping_when_mouths_do_not_follow_the_turns():
    flat = signals(noise=0.02)
    flat["mouth_activity"] = np.random.default_rng(1).normal(0.05, 0.02, len(flat))
    links = map_speakers(turns(), flat, people())
    assert all(lk.participant is None and lk.method == "none" for lk in links)


def test_names_from_roles_win_over_mouths():
    ps = people(["left=seller:Dana", "right=buyer:Tom Baker"])
    links = {lk.speaker: lk for lk in map_speakers(turns(), signals("Tom Baker"), ps)}
    assert (links["Dana Smith"].participant, links["Dana Smith"].method) == ("P1", "name")
    assert links["Tom Baker"].participant == "P2"


def test_user_override_and_errors():
    links = {lk.speaker: lk for lk in map_speakers(turns(), signals("Tom Baker"), people(),
                                                   overrides=['"Tom Baker"=left'])}
    assert (links["Tom Baker"].participant, links["Tom Baker"].method) == ("P1", "user")
    assert links["Dana Smith"].participant == "P2"
    with pytest.raises(InvalidInputError, match="no speaker 'Ann'"):
        map_speakers(turns(), signals(), people(), overrides=['"Ann"=left'])
    with pytest.raises(InvalidInputError):
        parse_speaker_override("Tom Baker")


@pytest.mark.parametrize("a,b,same", [("Tom", "Tom Baker", True), ("tom  baker", "Tom Baker", True),
                                      ("José", "Jose Ruiz", True), ("Tom Baker", "Tim Baker", False),
                                      ("Baker", "Tom Baker", False)])
def test_names_match(a, b, same):
    assert names_match(a, b) is same


def test_asr_speakers_link_to_the_face_they_were_named_after():
    """Offline ASR names each voice after the face whose mouth moved with it ("Person 2": no role name given).
    With ``attributed=True`` that name is the face, even when it is the only voice (nothing to contrast it with);
    a transcript speaker that happens to be called "Person 2" is not (``attributed`` off)."""
    ps = people()
    only = [Utterance(5.0, 10.0, "Person 2", "words", 1), Utterance(15.0, 20.0, "Person 2", "more words", 2)]
    sig = signals(left_speaks_with="Dana Smith")  # P2 (right) talks 5-10, 15-20, 25-30
    assert [(lk.participant, lk.method) for lk in map_speakers(only, sig, ps)] == [(None, "none")]
    links = map_speakers(only, sig, ps, attributed=True)
    assert [(lk.speaker, lk.participant, lk.method) for lk in links] == [("Person 2", "P2", "mouth")]
    assert links[0].score > 1.0  # P2's mouth moves more while "Person 2" talks than in the rest of the call
    # a user override still wins; a named face keeps its name link
    assert map_speakers(only, sig, ps, attributed=True, overrides=['"Person 2"=left'])[0].participant == "P1"
    named = people(["right=buyer:Tom Baker"])
    tom = [Utterance(5.0, 10.0, "Tom Baker", "words", 1)]
    assert [(lk.participant, lk.method) for lk in map_speakers(tom, sig, named, attributed=True)] == [("P2", "name")]
