"""Sentence splitting: ``sentence_spans``, ``split_sentences`` and the boundary logic they share with the
streaming guard, which decides boundaries incrementally as text arrives."""

from __future__ import annotations

import re

# Words after which "." does not end a sentence.
_ABBREVIATIONS = frozenset(
    "e.g i.e p.m a.m mr mrs ms dr prof sr jr st vs cf approx incl esp dept z.b d.h u.a bzw ca".split()
)
# Words after which "." does not end a sentence when a number follows ("No. 5", "Tel. 6123 4567").
_NUMBER_ABBREVIATIONS = frozenset("no nos nr núm num tel ph fig vol ext p pp art sec ch op".split())

_LINE_BREAKS = "\n\r\u2028\u2029\x85\x0b\x0c"
_CLOSERS = "\"'”’»)]*_`"
_TERMINATOR_RX = re.compile(rf"[{_LINE_BREAKS}]|[.!?…‼⁇⁈⁉]+[{re.escape(_CLOSERS)}]*|[。！？｡]+[」』”’\"')\]）】》]*")
_WAIT = object()  # not decidable until more text arrives
_MAX_LOOKAHEAD = 64  # whitespace we are willing to look across for "No. 5"


def _decide(text: str, m: re.Match[str], final: bool) -> tuple[int, int] | object | None:
    """(cut, next_start) when ``m`` ends a sentence, None when it does not, ``_WAIT`` when the text so far
    cannot tell. Decisions only look a bounded distance ahead, so once made they never change as text grows."""
    s, e, n = m.start(), m.end(), len(text)
    first = text[s]
    if first in _LINE_BREAKS:
        return (s, e)
    if first in "。！？｡":
        return (e, e) if e < n or final else _WAIT
    if e == n:
        return (e, e) if final else _WAIT
    if not text[e].isspace():
        return None  # "4.50", "e.g.,", "example.com", "?!x"
    run = m.group()
    if run[0] == "." and (len(run) == 1 or run[1] not in ".!?…"):
        j = s
        while j > 0 and s - j < 16 and not text[j - 1].isspace():
            j -= 1
        word = text[j:s].lstrip("([{\"'“‘*_").lower()
        if word in _ABBREVIATIONS:
            return None
        if word.isdecimal() and len(word) <= 3 and _at_line_start(text, s - len(word)):
            return None  # "1. " list marker
        if word in _NUMBER_ABBREVIATIONS:
            k = e
            while k < n and text[k].isspace() and text[k] not in _LINE_BREAKS and k - e < _MAX_LOOKAHEAD:
                k += 1
            if k == n:
                return (e, e) if final else _WAIT
            if text[k].isdecimal() or text[k] in "#+":
                return None
    return (e, e)


def _at_line_start(text: str, i: int) -> bool:
    k = i
    while k > 0 and text[k - 1] in " \t>#(" and i - k < _MAX_LOOKAHEAD:
        k -= 1
    return k == 0 or text[k - 1] in _LINE_BREAKS


def _boundaries(text: str, pos: int, final: bool) -> tuple[list[tuple[int, int]], int]:
    """Sentence boundaries decidable from ``pos`` on, and where to resume once more text has arrived."""
    found: list[tuple[int, int]] = []
    while True:
        m = _TERMINATOR_RX.search(text, pos)
        if m is None:
            return found, len(text)
        decision = _decide(text, m, final)
        if decision is _WAIT:
            return found, m.start()
        if isinstance(decision, tuple):
            found.append(decision)
        pos = m.end()


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every non-blank sentence, whitespace trimmed.

    A sentence ends at . ! ? … followed by whitespace or the end (closing quotes, brackets and Markdown
    emphasis stay with it), at 。！？, and at every line break, so list items and headings stand alone. No
    split after "e.g.", "i.e.", "a.m.", "p.m.", "Mr." and the like, after "No." before a number, after a list
    marker "1.", or inside "4.50", URLs and e-mail addresses.
    """
    spans: list[tuple[int, int]] = []
    bounds, _ = _boundaries(text, 0, final=True)
    start = 0
    for cut, nxt in [*bounds, (len(text), len(text))]:
        s, e = _trimmed(text, start, cut)
        if s < e:
            spans.append((s, e))
        start = nxt
    return spans


def split_sentences(text: str) -> list[str]:
    """The non-blank sentences of ``text`` (see ``sentence_spans``)."""
    return [text[s:e] for s, e in sentence_spans(text)]
