"""Utterance sentiment: VADER plus the sales lexicon."""

from __future__ import annotations

import pytest

from microcue.conversation.sentiment import sentiment


@pytest.mark.parametrize("text", ["Honestly the price is way too high for us.", "That's not in the budget this year.",
                                  "We need to check with finance first.", "I'm not sure this works for us."])
def test_sales_pushback_is_negative(text):
    s = sentiment(text)
    assert s.score <= -0.3 and s.phrases


def test_vader_alone_misses_them():
    assert sentiment("The price is way too high").vader == 0.0


@pytest.mark.parametrize("text", ["That sounds great, send me the proposal.", "Makes sense, let's move forward."])
def test_interest_is_positive(text):
    assert sentiment(text).score >= 0.5


def test_plain_statement_stays_neutral_and_no_false_phrase():
    s = sentiment("We have twelve people on the team in Denver.")
    assert s.phrases == () and abs(s.score) < 0.2
    assert sentiment("The ceiling is high").phrases == ()  # "too high" needs "too"
