"""The content-word measure: stop words, the content words of a sentence, their backing in the passages (stem
or 6-letter prefix), ``content_support``, and the other-language test that exempts a sentence from it."""

from __future__ import annotations

from collections.abc import Sequence

from assistant_core.answering.support.claims import checkable_tokens
from assistant_core.answering.support.evidence import _Evidence, _evidence
from assistant_core.answering.support.language import (
    _LANG_EXCLUSIVE,
    _LANG_FOREIGN,
    _dominant_script,
    _stem,
    _words,
)
from assistant_core.answering.support.patterns import _CITATION_RX

# An extractive copy scores 1.0 and a faithful paraphrase keeps most of its nouns and verbs (the stemmer and
# the 6-letter prefix match absorb inflection), typically landing around 0.6-0.9; a sentence about something
# the passages do not discuss shares only incidental words and scores well under 0.3. Half is the line where
# the majority of what the sentence talks about must come from the passages.
MIN_CONTENT_SUPPORT = 0.5
# Below three content words there is no claim to weigh ("Hi!", "Here's how:", "Sure, happy to help.").
MIN_CONTENT_WORDS = 3

_STOP_EN = frozenset(
    """
    a about above across after afterwards again against all almost along already also although always am
    among an and another any anyone anything anyway anywhere are around as at back be became because become
    been before being below beside besides between both but by can cannot could did do does doing done down
    during each either else elsewhere enough etc even ever every everyone everything few for from further
    get gets getting got had has have having he hence her here hers herself him himself his how however i if
    in inside into is it its itself just least less let lets like many may me meanwhile might mine more
    moreover most mostly much must my myself near need needs neither never nevertheless next no nobody none
    nor not nothing now of off often on once one only onto or other others otherwise our ours ourselves out
    over own per perhaps please quite rather really same see seem seems several she should simply since so
    some somehow someone something sometimes somewhere still such sure than thank thanks that the their
    theirs them themselves then there thereafter thereby therefore these they this those though through
    throughout thus to together too toward towards under until up upon us use used uses using very via was
    we well were what whatever when whenever where whereas wherever whether which while who whoever whole
    whom whose why will with within without would yes yet you your yours yourself yourselves
    able hi hello hey okay ok great happy glad help helps make makes made want wants know let's sorry
    welcome note noted below above following follow simply just feel free regarding kindly certainly
    definitely absolutely basically actually question questions answer
    don doesn didn isn aren wasn weren won wouldn couldn shouldn hasn haven hadn ll re ve
    """.split()
)


def _content_words(sentence: str) -> list[str]:
    # Checkable tokens are judged on their own; their words ("https", "days", "SGD") are not content.
    claims = checkable_tokens(sentence)
    if claims:
        parts, pos = [], 0
        for c in claims:
            if c.start >= pos:
                parts.append(sentence[pos : c.start])
                pos = c.end
        parts.append(sentence[pos:])
        sentence = " ".join(parts)
    sentence = _CITATION_RX.sub(" ", sentence)
    seen: dict[str, None] = {}
    for w in _words(sentence):
        if len(w) > 1 and w not in _STOP_EN:
            seen.setdefault(w)
    return list(seen)


def _word_backed(word: str, ev: _Evidence) -> bool:
    stem = _stem(word)
    return stem in ev.stems or (len(stem) >= 6 and stem[:6] in ev.prefixes)


def _content_share(words: Sequence[str], ev: _Evidence) -> float:
    return sum(_word_backed(w, ev) for w in words) / len(words) if words else 1.0


def content_support(sentence: str, passages_text: str) -> float:
    """Share of the sentence's content words found in ``passages_text`` (1.0 for an extractive copy).

    Content words are lower-cased letter runs minus stop words and the words of checkable tokens, matched
    after light stemming or on a common 6-letter prefix. A sentence with fewer than ``MIN_CONTENT_WORDS``
    content words makes no claim on this measure and scores 1.0. This function does not look at language;
    ``check_sentence`` skips the measure for sentences in another language than the passages.
    """
    words = _content_words(sentence)
    if len(words) < MIN_CONTENT_WORDS:
        return 1.0
    return _content_share(words, _evidence((passages_text,)))


def _other_language(sentence: str, ev: _Evidence) -> bool:
    """Whether the sentence is plainly in a different language than the passages: a different writing system,
    or (for Latin script) no exclusive function word of the passages' language but function words of others."""
    letters = sum(ch.isalpha() for ch in sentence)
    if ev.script is None or letters < 2:
        return False
    script = _dominant_script(sentence)
    if script is not None and script != ev.script:
        return True
    if ev.language is None:
        return False
    words = _words(sentence)
    if any(w in _LANG_EXCLUSIVE[ev.language] for w in words):
        return False
    # One foreign function word and none of the passages' language: English sentences of any length almost
    # always carry one of "the, and, to, of, is, for, you, with...".
    return any(w in _LANG_FOREIGN[ev.language] for w in words)
