"""A visitor's 👎 as a knowledge gap: the week's report lists unhelpful answers next to the questions the
assistant could not answer, naming the doc(s) the answer cited, which are the ones to fix."""

from __future__ import annotations

from assistant_core.answering.ports import GapRecord
from assistant_core.conversation.ports import Feedback, RatedTurn
from assistant_core.gaps.grouping import UNHELPFUL
from assistant_core.gaps.weekly import week_of


def unhelpful_gap(fb: Feedback, rated: RatedTurn) -> GapRecord:
    """A 👎 as a knowledge gap: the question, the docs the answer cited (the ones to fix), the comment."""
    cited = [r for r in rated.retrieved if r.get("id") in rated.citation_ids] or list(rated.retrieved[:1])
    closest = [{"id": r.get("id", ""), "title": r.get("title", ""), "source": r.get("source", r.get("chunk_id", "")),
                "score": r.get("score", 0)} for r in cited]
    return GapRecord(week_iso=week_of(fb.at), created_at=fb.at, turn_id=fb.turn_id, session_id=fb.session_id,
                     question=rated.question, page_url=rated.page_url, tool="answer", reason=UNHELPFUL,
                     closest=closest, detail=fb.comment)
