"""How an utterance sounds: VADER's compound score plus a sales lexicon for what VADER misses.

VADER (vaderSentiment, MIT, lexicon shipped in the package) reads "The price is way too high" and "That's not
in the budget" as neutral, and "Honestly, the price is way too high" as positive ("honestly" is a positive word
to it). The sales lexicon below holds the phrases buyers use to push back or lean in, each with a weight in
[-1, 1]. Without a lexicon hit the score is VADER's compound; with hits it is the sum of their weights plus half
of VADER's compound, clipped to [-1, 1]: the phrase carries the meaning, VADER only shades it. Phrases are
matched on word boundaries, case-insensitively; every hit is reported so a cue can quote it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

SALES_LEXICON: dict[str, float] = {
    # pushback on price and budget
    r"(?:way |far |much )?too (?:high|expensive|pricey|steep)": -0.6,
    r"out of (?:our|the) (?:budget|price range)": -0.6,
    r"not in (?:the|our|this year's|this quarter's) budget": -0.6,
    r"(?:can't|cannot|can not) afford": -0.6,
    r"(?:more|cheaper) than (?:we|i) (?:expected|thought|pay)": -0.4,
    # stalling, deferring, authority
    r"(?:need|have|want) to (?:check|run it|talk) (?:with|by|to) (?:finance|procurement|legal|my boss|the team|"
    r"leadership|my manager)": -0.4,
    r"not (?:a|our) (?:priority|focus) (?:right now|at the moment|this quarter)": -0.5,
    r"(?:let me|i'll|we'll) (?:think about it|get back to you)": -0.3,
    r"not (?:sure|convinced)": -0.4,
    r"(?:happy|fine) with (?:our|what we have|the current)": -0.4,
    r"(?:concern|concerned|worried|worry|hesitant|risky)": -0.3,
    r"(?:doesn't|does not|won't|will not) work for us": -0.6,
    # interest and commitment
    r"(?:sounds|looks) (?:great|good|promising|interesting)": 0.4,
    r"makes (?:a lot of )?sense": 0.3,
    r"(?:send|share) (?:me|us) (?:the )?(?:contract|proposal|quote|pricing)": 0.5,
    r"(?:let's|let us) (?:do it|move forward|set up|schedule)": 0.5,
    r"next steps?": 0.2,
}


@dataclass(frozen=True)
class Sentiment:
    """``score`` in [-1, 1] (negative = pushback or displeasure); ``vader`` VADER's compound alone;
    ``phrases`` the sales-lexicon phrases found."""

    score: float
    vader: float
    phrases: tuple[str, ...]


@lru_cache(maxsize=1)
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


@lru_cache(maxsize=1)
def _compiled() -> list[tuple[re.Pattern, float]]:
    return [(re.compile(rf"\b{p}\b", re.IGNORECASE), w) for p, w in SALES_LEXICON.items()]


def sentiment(text: str) -> Sentiment:
    """Sentiment of one utterance (see the module docstring)."""
    vader = float(_vader().polarity_scores(text)["compound"])
    hits, total = [], 0.0
    for pattern, weight in _compiled():
        m = pattern.search(text)
        if m:
            hits.append(m.group(0))
            total += weight
    score = total + 0.5 * vader if hits else vader
    return Sentiment(score=max(-1.0, min(1.0, score)), vader=vader, phrases=tuple(hits))
