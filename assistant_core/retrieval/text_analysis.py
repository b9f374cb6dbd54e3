"""Tokenising for BM25 and for the extractive model: lowercase words, English stop words, Snowball stems."""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")

STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her
    here hers herself him himself his how i if in into is it its itself just me more most my myself no nor
    not now of off on once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours yourself
    yourselves hi hello hey please thanks thank ok okay get got im i'm you're it's also like want wanted
    need tell know let take takes taking long much many make way anything something there's what's how's
    can't cannot
    """.split()
)

_stemmer = Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


def words(text: str) -> list[str]:
    return [w.replace("’", "'") for w in _WORD.findall(text.lower())]


def terms(text: str) -> list[str]:
    """Content terms: stop words dropped, stemmed. Used for indexing and for queries alike."""
    return [stem(w) for w in words(text) if w not in STOP_WORDS and len(w) > 1]


_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(*])|\n{2,}|\n(?=\s*[-*•] |\s*\d+\. )")


def sentences(text: str) -> list[str]:
    """Split prose into sentences and list items, keeping their text as written."""
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]
