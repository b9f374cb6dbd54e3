"""One group of near-duplicate gap questions: counts plus capped samples, never the records.

A group keeps how often it was asked and when last, up to ``MAX_PHRASINGS`` distinct phrasings, the
pages it was asked on, the tool/reason pairs the answerer gave, and the docs retrieval found closest.
Every sample is capped, so a group's memory stays bounded however often its question comes back
(grouping.py bounds the number of groups). Pages are kept without query or fragment: those can carry
visitors' tokens or e-mail addresses.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from assistant_core.answering.ports import GapRecord

MAX_PHRASINGS = 5  # distinct phrasings kept per group
MAX_NOTES = 3  # distinct details (👎 comments) kept per group
MAX_PAGES = 8  # distinct pages tracked per group (the report shows the top 5)
MAX_DOCS = 8  # distinct closest docs tracked per group
MAX_KINDS = 12  # distinct tool/reason pairs tracked per group
MAX_QUESTION_CHARS = 300


@dataclass
class DocHit:
    title: str
    source: str
    best_score: float
    top_count: int = 0  # how many of the group's questions had this doc as their closest


@dataclass
class GapGroup:
    gid: int
    leader: frozenset[str]
    count: int = 0
    last_asked: str = ""
    phrasings: dict[str, list] = field(default_factory=dict)  # normalised → [as asked, times]
    pages: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)  # "tool/reason"
    docs: dict[str, DocHit] = field(default_factory=dict)
    other_pages: int = 0  # questions asked on pages past the cap
    notes: list[str] = field(default_factory=list)  # a few distinct details: visitors' 👎 comments, withheld text

    def add(self, gap: GapRecord, norm: str) -> None:
        """Count one gap whose question normalises to ``norm``."""
        self.count += 1
        self.last_asked = max(self.last_asked, str(gap.created_at or ""))
        self._add_phrasing(str(gap.question or ""), norm)
        self._add_page(_page(str(gap.page_url or "")))
        self._add_kind(gap)
        self._add_doc(gap)
        note = " ".join(str(gap.detail or "").split())[:MAX_QUESTION_CHARS]
        if note and note not in self.notes and len(self.notes) < MAX_NOTES:
            self.notes.append(note)

    def _add_phrasing(self, question: str, norm: str) -> None:
        if norm in self.phrasings:
            self.phrasings[norm][1] += 1
        elif len(self.phrasings) < MAX_PHRASINGS:
            as_asked = " ".join(question.split())[:MAX_QUESTION_CHARS]
            self.phrasings[norm] = [as_asked, 1]

    def _add_page(self, page: str) -> None:
        if not page:
            return
        if page in self.pages or len(self.pages) < MAX_PAGES:
            self.pages[page] += 1
        else:
            self.other_pages += 1

    def _add_kind(self, gap: GapRecord) -> None:
        # "decline/not_in_knowledge"; a reason that only repeats the tool ("clarify/clarify") is left out.
        repeats_tool = not gap.reason or gap.reason == gap.tool
        kind = gap.tool if repeats_tool else f"{gap.tool}/{gap.reason}"
        if kind in self.kinds or len(self.kinds) < MAX_KINDS:
            self.kinds[kind] += 1

    def _add_doc(self, gap: GapRecord) -> None:
        hits = [c for c in gap.closest or () if isinstance(c, Mapping)]
        if not hits:
            return
        top = max(hits, key=lambda c: _score(c.get("score")))
        key = str(top.get("source") or top.get("title") or top.get("id") or "")
        score = _score(top.get("score"))
        hit = self.docs.get(key)
        if hit is None and len(self.docs) < MAX_DOCS:
            hit = DocHit(str(top.get("title") or ""), str(top.get("source") or ""), score)
            self.docs[key] = hit
        if hit is not None:
            hit.top_count += 1
            hit.best_score = max(hit.best_score, score)

    @property
    def representative(self) -> str:
        """The phrasing asked most often (the first of those on a tie)."""
        if not self.phrasings:
            return ""
        as_asked, _times = max(self.phrasings.values(), key=lambda p: p[1])
        return as_asked

    @property
    def closest_doc(self) -> DocHit | None:
        """The doc most often closest to these questions (best score breaks ties): the one to extend."""
        return max(self.docs.values(), key=lambda d: (d.top_count, d.best_score), default=None)


def _page(url: str) -> str:
    """The page without query or fragment: those can carry visitors' tokens or emails."""
    if not url:
        return ""
    parts = urlsplit(url)
    if not parts.netloc:
        return parts.path
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _score(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]  # DynamoDB hands back Decimal
    except (TypeError, ValueError):
        return 0.0
