"""Hand-written fakes for the answerer's other ports, so a real adapter runs through the full turn."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from assistant_core.answering.answerer import Answerer, AnswererConfig, TurnOutcome, TurnRequest
from assistant_core.answering.ports import GapRecord, HandoffRequest, HistoryTurn, Model, SiteTexts, TurnRecord
from assistant_core.errors import ConnectionGone
from assistant_core.retrieval.passages import Passage
from assistant_core.retrieval.ports import Retriever
from tests.fakes.clock import FakeClock

SITE = "Acme Tea"


class FixedRetriever:
    def __init__(self, passages: list[Passage]) -> None:
        self.passages = passages
        self.queries: list[tuple[str, int]] = []

    def retrieve(self, query: str, k: int) -> list[Passage]:
        self.queries.append((query, k))
        return list(self.passages)


class FixedHistory:
    def __init__(self, turns: list[HistoryTurn] | None = None) -> None:
        self.turns = turns or []

    def recent_turns(self, session_id: str, limit: int) -> list[HistoryTurn]:
        return self.turns[-limit:]


class RecordingPoster:
    """Keeps frames with the time each was posted; ``gone_after_deltas`` simulates the visitor leaving."""

    def __init__(self, gone_after_deltas: int | None = None) -> None:
        self.frames: list[dict[str, Any]] = []
        self.times: list[float] = []
        self._gone_after = gone_after_deltas

    def post(self, connection_id: str, frame: Mapping[str, Any]) -> None:
        deltas = sum(1 for f in self.frames if f["type"] == "delta")
        if self._gone_after is not None and deltas >= self._gone_after:
            raise ConnectionGone(connection_id)
        self.frames.append(dict(frame))
        self.times.append(time.monotonic())

    def types(self) -> list[str]:
        return [f["type"] for f in self.frames]

    def delta_text(self) -> str:
        return "".join(f["text"] for f in self.frames if f["type"] == "delta")

    def first_delta_at(self) -> float | None:
        return next((t for f, t in zip(self.frames, self.times, strict=True) if f["type"] == "delta"), None)


class Records:
    """Transcripts, gaps and handoffs in lists."""

    def __init__(self) -> None:
        self.turns: list[TurnRecord] = []
        self.gaps: list[GapRecord] = []
        self.handoffs: list[HandoffRequest] = []

    def save_turn(self, record: TurnRecord) -> None:
        self.turns.append(record)

    def record(self, gap: GapRecord) -> None:
        self.gaps.append(gap)

    def request(self, handoff: HandoffRequest) -> None:
        self.handoffs.append(handoff)


def help_passages() -> list[Passage]:
    docs = [
        ("Shipping", "https://help.acme.example/shipping", "Orders ship within 2 working days. Tracking is emailed."),
        ("Returns", "https://help.acme.example/returns", "Unopened tea can be returned within 30 days for a refund."),
        ("Brewing", "https://help.acme.example/brewing", "Brew green tea at 80 C for 2 minutes."),
    ]
    return [Passage(text=t, title=title, url=url, source=f"kb/{title.lower()}.md", score=0.8 - i / 10,
                    chunk_id=f"{title.lower()}#0") for i, (title, url, t) in enumerate(docs)]


class Turn:
    """One full answerer turn over a real model adapter, with everything observable."""

    def __init__(self, model: Model, *, retriever: Retriever | None = None, history: list[HistoryTurn] | None = None,
                 poster: RecordingPoster | None = None) -> None:
        self.poster = poster or RecordingPoster()
        self.records = Records()
        # Real monotonic time: the gate's flush timing and the doubles' pacing must agree.
        clock = FakeClock("2026-11-21T10:00:00.000Z", real_monotonic=True)
        self.answerer = Answerer(
            model=model, retriever=retriever or FixedRetriever(help_passages()), history=FixedHistory(history),
            poster=self.poster, transcripts=self.records, gaps=self.records, handoffs=self.records,
            clock=clock, config=AnswererConfig(site=SiteTexts(SITE)),
        )

    def run(self, question: str = "How fast do you ship?", turn_index: int = 3) -> TurnOutcome:
        request = TurnRequest("sess-1", "conn-1", f"t{turn_index}", turn_index, question, "https://acme.example/faq")
        return self.answerer.run(request)
