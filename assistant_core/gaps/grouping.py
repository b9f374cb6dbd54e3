"""A week's knowledge gaps grouped into near-duplicate questions, one record at a time, in bounded memory.

Grouping is single-pass leader clustering: a question joins the group whose *leader* (the group's
first question) has the highest Jaccard similarity with it over content tokens (``gaps_text``), if
that is at least ``THRESHOLD``; otherwise it leads a new group. At 0.65 one extra word still joins
({ship, norway} ~ {ship, order, norway} = 2/3) but one different word does not, up to four content
words ({ship, norway} ~ {ship, sweden} = 1/3; {cancel, norway, after, order} ~ {pay, norway, after,
order} = 3/5). Ties go to the older group, so the result depends only on the order of the records
(tbl-gaps returns them by time).

Candidates come from an inverted index (token → groups) probed with the question's rarest tokens
only, so thousands of gaps stay fast. A group keeps counts plus capped samples (phrasings, pages,
reasons, closest docs), never the records. Past ``max_groups`` the smallest, stalest groups are
dropped and counted, like a heavy-hitters sketch: the top of the report is what writers act on.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from assistant_core.gaps.text import normalise, tokens
from assistant_core.ports import GapRecord

THRESHOLD = 0.65
MAX_GROUPS = 5000
MAX_PHRASINGS = 5  # distinct phrasings kept per group
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

    def add(self, gap: GapRecord, norm: str) -> None:
        self.count += 1
        self.last_asked = max(self.last_asked, str(gap.created_at or ""))
        if norm in self.phrasings:
            self.phrasings[norm][1] += 1
        elif len(self.phrasings) < MAX_PHRASINGS:
            self.phrasings[norm] = [" ".join(str(gap.question or "").split())[:MAX_QUESTION_CHARS], 1]
        page = _page(str(gap.page_url or ""))
        if page and (page in self.pages or len(self.pages) < MAX_PAGES):
            self.pages[page] += 1
        elif page:
            self.other_pages += 1
        kind = f"{gap.tool}/{gap.reason}" if gap.reason and gap.reason != gap.tool else gap.tool
        if kind in self.kinds or len(self.kinds) < MAX_KINDS:
            self.kinds[kind] += 1
        self._add_doc(gap)

    def _add_doc(self, gap: GapRecord) -> None:
        hits = [c for c in gap.closest or () if isinstance(c, Mapping)]
        if not hits:
            return
        top = max(hits, key=lambda c: _score(c.get("score")))
        key = str(top.get("source") or top.get("title") or top.get("id") or "")
        score = _score(top.get("score"))
        hit = self.docs.get(key)
        if hit is None and len(self.docs) < MAX_DOCS:
            hit = self.docs[key] = DocHit(str(top.get("title") or ""), str(top.get("source") or ""), score)
        if hit is not None:
            hit.top_count += 1
            hit.best_score = max(hit.best_score, score)

    @property
    def representative(self) -> str:
        """The phrasing asked most often (the first of those on a tie)."""
        return max(self.phrasings.values(), key=lambda p: p[1])[0] if self.phrasings else ""

    @property
    def closest_doc(self) -> DocHit | None:
        """The doc most often closest to these questions (best score breaks ties): the one to extend."""
        return max(self.docs.values(), key=lambda d: (d.top_count, d.best_score), default=None)


@dataclass
class GapsReport:
    week: str
    total: int
    groups: list[GapGroup]  # ranked: count, then most recent, then text
    dropped_questions: int = 0  # in small groups dropped to bound memory
    dropped_groups: int = 0


class GapGrouper:
    def __init__(self, threshold: float = THRESHOLD, max_groups: int = MAX_GROUPS) -> None:
        if not 0 < threshold <= 1 or max_groups < 1:
            raise ValueError("threshold must be in (0, 1] and max_groups ≥ 1")
        self.threshold, self.max_groups = threshold, max_groups
        self.groups: dict[int, GapGroup] = {}
        self.index: dict[str, set[int]] = {}  # token → ids of groups whose leader has it
        self.leaders: dict[frozenset[str], int] = {}  # leader tokens → group id
        self.total = self.dropped_questions = self.dropped_groups = 0
        self._next = 0

    def add(self, gap: GapRecord) -> GapGroup:
        norm = normalise(str(gap.question or ""))
        toks = tokens(norm)
        group = self._match(toks)
        if group is None:
            group = self.groups[self._next] = GapGroup(self._next, toks)
            self.leaders[toks] = group.gid
            self._next += 1
            for t in toks:
                self.index.setdefault(t, set()).add(group.gid)
        group.add(gap, norm)
        self.total += 1
        if len(self.groups) > self.max_groups:
            self._prune()
        return group

    def _match(self, toks: frozenset[str]) -> GapGroup | None:
        exact = self.leaders.get(toks)
        if exact is not None:  # the common case, a repeated question: nothing can beat similarity 1
            return self.groups[exact]
        # A leader at similarity ≥ t shares at least ``need`` of these tokens, so it holds one of any
        # len - need + 1 of them: probe only the rarest, and common words ("order") cost nothing.
        need = math.ceil(self.threshold * len(toks) - 1e-9)
        probe = sorted(toks, key=lambda t: (len(self.index.get(t, ())), t))[: len(toks) - need + 1]
        best: tuple[float, int] | None = None
        seen: set[int] = set()
        for t in probe:
            for gid in self.index.get(t, ()):
                if gid in seen:
                    continue
                seen.add(gid)
                leader = self.groups[gid].leader
                n = len(toks & leader)
                sim = n / (len(toks) + len(leader) - n)
                if sim >= self.threshold - 1e-9 and (best is None or (sim, -gid) > best):
                    best = (sim, -gid)
        return self.groups[-best[1]] if best else None

    def _prune(self) -> None:
        # Drop down to 3/4 of the cap at once so pruning is rare: smallest first, stalest first among equals.
        doomed = sorted(self.groups.values(), key=lambda g: (g.count, g.last_asked, -g.gid))
        for g in doomed[: len(self.groups) - self.max_groups * 3 // 4]:
            del self.groups[g.gid]
            del self.leaders[g.leader]
            for t in g.leader:
                ids = self.index[t]
                ids.discard(g.gid)
                if not ids:
                    del self.index[t]
            self.dropped_questions += g.count
            self.dropped_groups += 1

    def report(self, week: str) -> GapsReport:
        ranked = sorted(self.groups.values(), key=lambda g: g.representative)
        ranked.sort(key=lambda g: g.last_asked, reverse=True)  # stable sorts: count, then recency, then text
        ranked.sort(key=lambda g: g.count, reverse=True)
        return GapsReport(week, self.total, ranked, self.dropped_questions, self.dropped_groups)


def group_gaps(
    gaps: Iterable[GapRecord], week: str, threshold: float = THRESHOLD, max_groups: int = MAX_GROUPS
) -> GapsReport:
    grouper = GapGrouper(threshold, max_groups)
    for gap in gaps:
        grouper.add(gap)
    return grouper.report(week)


def _page(url: str) -> str:
    """The page without query or fragment: those can carry visitors' tokens or emails."""
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.netloc else parts.path


def _score(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]  # DynamoDB hands back Decimal
    except (TypeError, ValueError):
        return 0.0
