"""Playbook and topic files: the packaged defaults load, bad files give one clear line naming the file."""

from __future__ import annotations

import pytest

from microcue.cues import CUE_KINDS
from microcue.cues.playbook import load_playbook, load_topics
from microcue.errors import InputNotFoundError, InvalidInputError


def test_default_playbook_covers_every_kind():
    pb = load_playbook()
    for kind in CUE_KINDS:
        assert pb.suggest(kind), kind
    assert pb.suggest("doubt") == "Can you share what's on your mind right now?"
    assert "shift" in pb.suggest("shift")
    assert pb.suggest("doubt", index=1) != pb.suggest("doubt") and pb.suggest("doubt", index=2) == pb.suggest("doubt")
    assert "pricing" in pb.suggest("topic_reaction", topic="pricing")
    assert "{topic}" not in pb.suggest("topic_reaction")
    with pytest.raises(KeyError):
        pb.suggest("frown")


def test_team_playbook_overrides_some_kinds(tmp_path):
    f = tmp_path / "team.yaml"
    f.write_text('doubt: ["What would you need to see to feel sure?"]\nshift: One line is fine too\n')
    pb = load_playbook(f)
    assert pb.suggest("doubt") == "What would you need to see to feel sure?"
    assert pb.suggest("shift") == "One line is fine too"
    assert pb.suggest("surprise") == load_playbook().suggest("surprise")


@pytest.mark.parametrize(
    "text, problem",
    [
        ('doubt: ["a"\nshift: [b]\n', "YAML syntax error"),
        ("- doubt\n- shift\n", "must be a mapping"),
        ("", "empty file"),
        ('frown: ["Ask"]\n', "unknown cue kind 'frown'"),
        ("doubt: []\n", "empty list"),
        ('doubt: ["ok", 3]\n', "item 2"),
        ("doubt: {a: b}\n", "must be a list"),
    ],
)
def test_bad_playbooks(tmp_path, text, problem):
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    with pytest.raises(InvalidInputError) as e:
        load_playbook(f)
    msg = str(e.value)
    assert str(f) in msg and problem in msg and "\n" not in msg


def test_syntax_error_names_the_line(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("doubt:\n  - ok\nshift: [unclosed\n")
    with pytest.raises(InvalidInputError, match=r"bad\.yaml:\d+: YAML syntax error"):
        load_playbook(f)


def test_missing_file(tmp_path):
    with pytest.raises(InputNotFoundError):
        load_playbook(tmp_path / "nope.yaml")
    with pytest.raises(InputNotFoundError):
        load_topics(tmp_path / "nope.yaml")


def test_topics_default_and_custom(tmp_path):
    t = load_topics()
    assert {"pricing", "timing", "authority", "competition", "need", "trust", "next_steps"} <= set(t.keywords)
    assert t.find("That price is way too high")[0][0] == "pricing"
    assert t.find("Let's talk about next steps")[0][0] == "next_steps"
    assert t.find("How was your weekend?") == []
    f = tmp_path / "topics.yaml"
    f.write_text('integration: [api*, webhook*, "single sign-on"]\n')
    mine = load_topics(f)
    assert list(mine.keywords) == ["integration"] and mine.find("Do you have an API?")[0][0] == "integration"
    f.write_text("integration: []\n")
    with pytest.raises(InvalidInputError, match="empty list"):
        load_topics(f)
    f.write_text("'two words': [a]\n")
    with pytest.raises(InvalidInputError, match="topic name"):
        load_topics(f)
