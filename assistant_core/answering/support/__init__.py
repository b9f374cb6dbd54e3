"""The support gate: an answer sentence reaches a visitor only if the cited passages back it.

Two independent measures judge each sentence:

1. **Checkable tokens** (numbers, money, percentages, durations, quantities, dates, times, URLs, e-mail
   addresses, phone numbers, product/order codes) must each occur in the passages, compared on a normalised
   key ("S$4.50" and "SGD 4.50" are the same claim, "30 days" and "365 days" are not). These are the facts a
   visitor acts on, and the ones a model most often invents, so a single unsupported token blocks the sentence.
2. **Content words**: the share of the sentence's content words (stop words dropped, lightly stemmed) found in
   the passages must reach ``MIN_CONTENT_SUPPORT``. Sentences with fewer than ``MIN_CONTENT_WORDS`` content
   words ("Hi!", "Here's how:") are not judged on this measure. Nor are sentences plainly written in another
   language than the passages: we cannot judge a translation offline, so a French answer to English passages
   is judged on its tokens only.

``SupportGuard`` applies the check incrementally while the answer streams. Everything here is pure: standard
library only, no I/O, no imports from the rest of the project.

The package, from the bottom up: ``numbers`` (number words, months, currencies, units and their normalisation),
``patterns`` (the token regexes), ``claims`` (``Claim`` and ``checkable_tokens``), ``sentences`` (sentence
splitting), ``language`` (words, stemming, script and language profile), ``evidence`` (what the passages back,
``claim_supported``), ``content`` (the content-word measure) and ``guard`` (verdicts and ``SupportGuard``).
"""

from __future__ import annotations

from assistant_core.answering.support.claims import Claim, checkable_tokens
from assistant_core.answering.support.content import MIN_CONTENT_SUPPORT, MIN_CONTENT_WORDS, content_support
from assistant_core.answering.support.evidence import claim_supported
from assistant_core.answering.support.guard import (
    SupportGuard,
    Unsupported,
    Verdict,
    check_answer,
    check_sentence,
)
from assistant_core.answering.support.sentences import sentence_spans, split_sentences

__all__ = [
    "MIN_CONTENT_SUPPORT",
    "MIN_CONTENT_WORDS",
    "Claim",
    "SupportGuard",
    "Unsupported",
    "Verdict",
    "check_answer",
    "check_sentence",
    "checkable_tokens",
    "claim_supported",
    "content_support",
    "sentence_spans",
    "split_sentences",
]
