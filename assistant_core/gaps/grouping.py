"""A week's knowledge gaps grouped into near-duplicate questions, one record at a time, in bounded memory.

Grouping is single-pass leader clustering: a question joins the group whose *leader* (the group's
first question) has the highest Jaccard similarity with it over content tokens (``gaps/text.py``), if
that is at least ``THRESHOLD``; otherwise it leads a new group. At 0.65 one extra word still joins
({ship, norway} ~ {ship, order, norway} = 2/3) but one different word does not, up to four content
words ({ship, norway} ~ {ship, sweden} = 1/3; {cancel, norway, after, order} ~ {pay, norway, after,
order} = 3/5). Ties go to the older group, so the result depends only on the order of the records
(tbl-gaps returns them by time).

Candidates come from an inverted index (token → groups) probed with the question's rarest tokens
only, so thousands of gaps stay fast. What a group keeps is ``gaps/group.py``'s business (counts and
capped samples, never the records). Past ``max_groups`` the smallest, stalest groups are dropped and
counted, like a heavy-hitters sketch: the top of the report is what writers act on.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from assistant_core.answering.ports import GapRecord
from assistant_core.gaps.group import GapGroup
from assistant_core.gaps.text import jaccard, normalise, tokens

THRESHOLD = 0.65
MAX_GROUPS = 5000
_EPSILON = 1e-9  # float slack, so a similarity of exactly THRESHOLD (e.g. 2/3 at 2/3) still joins


@dataclass
class GapsReport:
    week: str
    total: int
    groups: list[GapGroup]  # ranked: count, then most recent, then text
    dropped_questions: int = 0  # in small groups dropped to bound memory
    dropped_groups: int = 0
    unhelpful: GapsReport | None = None  # answers visitors rated 👎, grouped the same way, in their own section


UNHELPFUL = "unhelpful"  # the gap reason of an answer a visitor rated 👎 (gaps/feedback.py)


class GapGrouper:
    def __init__(self, threshold: float = THRESHOLD, max_groups: int = MAX_GROUPS) -> None:
        if not 0 < threshold <= 1 or max_groups < 1:
            raise ValueError("threshold must be in (0, 1] and max_groups ≥ 1")
        self.threshold = threshold
        self.max_groups = max_groups
        self.groups: dict[int, GapGroup] = {}
        self.index: dict[str, set[int]] = {}  # token → ids of groups whose leader has it
        self.leaders: dict[frozenset[str], int] = {}  # leader tokens → group id
        self.total = 0
        self.dropped_questions = 0
        self.dropped_groups = 0
        self._next = 0

    def add(self, gap: GapRecord) -> GapGroup:
        norm = normalise(str(gap.question or ""))
        toks = tokens(norm)
        group = self._match(toks)
        if group is None:
            group = self._new_group(toks)
        group.add(gap, norm)
        self.total += 1
        if len(self.groups) > self.max_groups:
            self._prune()
        return group

    def _new_group(self, leader: frozenset[str]) -> GapGroup:
        group = GapGroup(self._next, leader)
        self._next += 1
        self.groups[group.gid] = group
        self.leaders[leader] = group.gid
        for token in leader:
            self.index.setdefault(token, set()).add(group.gid)
        return group

    def _match(self, toks: frozenset[str]) -> GapGroup | None:
        exact = self.leaders.get(toks)
        if exact is not None:  # the common case, a repeated question: nothing can beat similarity 1
            return self.groups[exact]
        best: tuple[float, int] | None = None  # (similarity, -gid): on a tie the older group wins
        seen: set[int] = set()
        for token in self._probe(toks):
            for gid in self.index.get(token, ()):
                if gid in seen:
                    continue
                seen.add(gid)
                similarity = jaccard(toks, self.groups[gid].leader)
                if similarity < self.threshold - _EPSILON:
                    continue
                if best is None or (similarity, -gid) > best:
                    best = (similarity, -gid)
        if best is None:
            return None
        _similarity, negative_gid = best
        return self.groups[-negative_gid]

    def _probe(self, toks: frozenset[str]) -> list[str]:
        # A leader at similarity ≥ t shares at least ``need`` of these tokens, so it holds one of any
        # len - need + 1 of them: probe only the rarest, and common words ("order") cost nothing.
        need = math.ceil(self.threshold * len(toks) - _EPSILON)
        rarest_first = sorted(toks, key=lambda t: (len(self.index.get(t, ())), t))
        return rarest_first[: len(toks) - need + 1]

    def _prune(self) -> None:
        # Drop down to 3/4 of the cap at once so pruning is rare: smallest first, stalest first among equals.
        doomed = sorted(self.groups.values(), key=lambda g: (g.count, g.last_asked, -g.gid))
        for group in doomed[: len(self.groups) - self.max_groups * 3 // 4]:
            self._drop(group)

    def _drop(self, group: GapGroup) -> None:
        del self.groups[group.gid]
        del self.leaders[group.leader]
        for token in group.leader:
            ids = self.index[token]
            ids.discard(group.gid)
            if not ids:
                del self.index[token]
        self.dropped_questions += group.count
        self.dropped_groups += 1

    def report(self, week: str) -> GapsReport:
        # Stable sorts, least important key first: count, then recency, then text.
        ranked = sorted(self.groups.values(), key=lambda g: g.representative)
        ranked.sort(key=lambda g: g.last_asked, reverse=True)
        ranked.sort(key=lambda g: g.count, reverse=True)
        return GapsReport(week, self.total, ranked, self.dropped_questions, self.dropped_groups)


def group_gaps(
    gaps: Iterable[GapRecord], week: str, threshold: float = THRESHOLD, max_groups: int = MAX_GROUPS
) -> GapsReport:
    """The week's gaps grouped; answers rated 👎 (reason ``unhelpful``) are grouped apart, in ``unhelpful``."""
    grouper, unhelpful = GapGrouper(threshold, max_groups), GapGrouper(threshold, max_groups)
    for gap in gaps:
        (unhelpful if gap.reason == UNHELPFUL else grouper).add(gap)
    report = grouper.report(week)
    if unhelpful.total:
        report.unhelpful = unhelpful.report(week)
    return report
