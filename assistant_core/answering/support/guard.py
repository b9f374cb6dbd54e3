"""Judging sentences: the ``Verdict`` on a sentence, ``check_sentence`` and ``check_answer``, and the streaming
``SupportGuard`` that releases an answer as its sentences are verified (raising ``Unsupported`` on a failure)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant_core.answering.support.claims import checkable_tokens
from assistant_core.answering.support.content import (
    MIN_CONTENT_SUPPORT,
    MIN_CONTENT_WORDS,
    _content_share,
    _content_words,
    _other_language,
)
from assistant_core.answering.support.evidence import _Evidence, _evidence, _supported
from assistant_core.answering.support.numbers import _CURRENCY, _MONTHS, _MULTIPLIERS, _ONES, _TENS
from assistant_core.answering.support.patterns import _alternation
from assistant_core.answering.support.sentences import _boundaries, _trimmed, sentence_spans


@dataclass(frozen=True, slots=True)
class Verdict:
    """The judgement on one sentence; ``tokens`` are the surface texts of its checkable tokens."""

    supported: bool
    sentence: str
    reason: str
    tokens: tuple[str, ...] = ()


class Unsupported(Exception):
    """Raised by ``SupportGuard.releasable`` when a complete sentence is not backed by the passages."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.reason)
        self.verdict = verdict


# --------------------------------------------------------------------------------------------------------
# Checking sentences
# --------------------------------------------------------------------------------------------------------


def _check(sentence: str, ev: _Evidence) -> Verdict:
    claims = checkable_tokens(sentence)
    tokens = tuple(dict.fromkeys(c.text for c in claims))
    for c in claims:
        if not _supported(c, ev):
            return Verdict(False, sentence, f"unsupported token {c.text!r}", tokens)
    if _other_language(sentence, ev):
        return Verdict(True, sentence, "tokens supported; other language, content words not judged", tokens)
    words = _content_words(sentence)
    if len(words) < MIN_CONTENT_WORDS:
        return Verdict(True, sentence, "tokens supported; too few content words to judge", tokens)
    share = _content_share(words, ev)
    if share < MIN_CONTENT_SUPPORT:
        return Verdict(False, sentence, f"content words {share:.2f} < {MIN_CONTENT_SUPPORT}", tokens)
    return Verdict(True, sentence, f"supported; content words {share:.2f}", tokens)


def check_sentence(sentence: str, passages: Sequence[str]) -> Verdict:
    """Judge one sentence against the cited passages.

    Every checkable token must be backed (see ``claim_supported``). Then, unless the sentence is plainly in
    another language than the passages (translation cannot be judged offline, so only its tokens count) or
    has fewer than ``MIN_CONTENT_WORDS`` content words, at least ``MIN_CONTENT_SUPPORT`` of its content words
    must occur in the passages.
    """
    return _check(sentence.strip(), _evidence(tuple(passages)))


def check_answer(text: str, passages: Sequence[str]) -> list[Verdict]:
    """A verdict for every sentence of ``text``, in order."""
    ev = _evidence(tuple(passages))
    return [_check(text[s:e], ev) for s, e in sentence_spans(text)]


# --------------------------------------------------------------------------------------------------------
# Streaming guard
# --------------------------------------------------------------------------------------------------------

# Characters that start or may become a checkable token: digits, '@', currency signs, "://", "www.", and a dot
# between letters ("example.com"). A sentence containing any of them is held whole until verified.
_HOT_CHARS_RX = re.compile(r"[\d@$¢£¤¥֏؋৲৳৻૱௹฿៛₠-₿﷼﹩＄￠￡￥￦%％]|://|(?i:www)\.|[^\W_]\.[^\W_]")
# Whole words that start a checkable token without a digit ("thirty days", "SGD 4", "March 3", "noon").
_HOT_WORDS_RX = re.compile(
    r"(?<![^\W\d_])(?:"
    + _alternation(
        [*_ONES, *_TENS, *_MULTIPLIERS, *_MONTHS, "percent", "noon", "midday", "midnight", "mediodía"]
        + ["medianoche", "midi", "minuit", "mittag", "mitternacht"]
        + [k for k in _CURRENCY if k.isalpha()]
    )
    + r")(?![^\W\d_])",
    re.IGNORECASE,
)
_SPACE_RUN_RX = re.compile(r"\s+")


class SupportGuard:
    """Decides, while an answer streams, how much of it may be shown.

    ``releasable(text)`` is called with the whole text received so far (it only grows). It returns how many
    leading characters may be shown: every complete sentence verified supported, plus, for the unfinished
    last sentence, its text up to the last whitespace, as long as it holds nothing that is or may become a
    checkable token (digit, '@', currency sign, "://", "www.", a number or month word, a code). A sentence
    holding one is shown only once it is complete and verified. When a complete sentence fails, ``Unsupported``
    is raised (again on every later call). The returned value never decreases.

    Note: an unfinished sentence with no token in sight is shown word by word, so a sentence that later fails
    (a wrong figure arriving late, or too few content words backed) may already be partly visible; the caller
    retracts it. Pass ``hold_sentences=True`` to show only complete, verified sentences.

    Each call costs O(new text): verified sentences are never rescanned.
    """

    def __init__(self, passages: Sequence[str], *, hold_sentences: bool = False) -> None:
        self._ev = _evidence(tuple(passages))
        self._hold_sentences = hold_sentences
        self._seen = 0
        self._released = 0
        self._resume = 0  # where boundary scanning continues
        self._start = 0  # start of the open (unfinished) sentence
        self._failed: Verdict | None = None
        self._done = False
        self._last_space_end = -1  # end of the last whitespace run seen
        self._space_scan = 0
        self._hot = False
        self._hot_char_scan = 0
        self._hot_word_scan = 0

    @property
    def released(self) -> int:
        """Characters released so far."""
        return self._released

    def releasable(self, text: str) -> int:
        if self._failed is not None:
            raise Unsupported(self._failed)
        if self._done:
            return self._released
        self._grow(text)
        self._advance(text, final=False)
        if not self._hold_sentences:
            self._release_open_part(text)
        return self._released

    def finish(self, text: str) -> Verdict | None:
        """Check everything not yet checked, the last sentence included; the first failing verdict or None."""
        if self._failed is not None:
            return self._failed
        if self._done:
            return None
        self._grow(text)
        try:
            self._advance(text, final=True)
        except Unsupported as exc:
            return exc.verdict
        s, e = _trimmed(text, self._start, len(text))
        if s < e:
            verdict = _check(text[s:e], self._ev)
            if not verdict.supported:
                self._failed = verdict
                return verdict
        self._released = max(self._released, len(text))
        self._done = True
        return None

    def _grow(self, text: str) -> None:
        if len(text) < self._seen:
            raise ValueError("SupportGuard: the text may only grow between calls")
        self._seen = len(text)

    def _advance(self, text: str, final: bool) -> None:
        bounds, self._resume = _boundaries(text, self._resume, final)
        for cut, nxt in bounds:
            s, e = _trimmed(text, self._start, cut)
            if s < e:
                verdict = _check(text[s:e], self._ev)
                if not verdict.supported:
                    self._failed = verdict
                    raise Unsupported(verdict)
                self._released = max(self._released, e)
            self._start = nxt
            self._hot = False
            self._hot_char_scan = nxt
            self._hot_word_scan = nxt

    def _release_open_part(self, text: str) -> None:
        n, start = len(text), self._start
        for m in _SPACE_RUN_RX.finditer(text, max(self._space_scan - 1, 0)):
            self._last_space_end = m.end()
        self._space_scan = n
        if not self._hot:
            # Back up a few characters: "://", "www." and "a.b" may straddle two calls.
            pos = max(start, self._hot_char_scan - 3)
            self._hot = _HOT_CHARS_RX.search(text, pos) is not None
            self._hot_char_scan = n
        if not self._hot and self._last_space_end > self._hot_word_scan:
            # Only words followed by whitespace are complete; the word being typed is not released anyway.
            pos = max(start, self._hot_word_scan)
            self._hot = _HOT_WORDS_RX.search(text, pos, self._last_space_end) is not None
            self._hot_word_scan = self._last_space_end
        if not self._hot and self._last_space_end > start:
            self._released = max(self._released, self._last_space_end)
