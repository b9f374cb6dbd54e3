"""Hand-written fakes of the answerer's ports (no mock.patch of our own modules)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

from assistant_core.answering.ports import GapRecord, HandoffRequest, HistoryTurn, ModelEvent, ModelRequest, TurnRecord
from assistant_core.errors import ConnectionGone, ModelError, RetrievalError
from assistant_core.retrieval.passages import Passage


class ScriptedModel:
    """Yields a fixed list of events; an exception in the list is raised at that point."""

    model_id = "scripted"

    def __init__(self, events: list[ModelEvent | Exception], fail_on_start: Exception | None = None) -> None:
        self.events, self.fail_on_start = events, fail_on_start
        self.requests: list[ModelRequest] = []
        self.closed = False
        self.consumed = 0

    def stream(self, request: ModelRequest) -> Iterator[ModelEvent]:
        self.requests.append(request)
        if self.fail_on_start:
            raise self.fail_on_start
        return self._gen()

    def _gen(self) -> Iterator[ModelEvent]:
        try:
            for ev in self.events:
                if isinstance(ev, Exception):
                    raise ev
                self.consumed += 1
                yield ev
        finally:
            self.closed = True


class FixedRetriever:
    def __init__(self, passages: list[Passage] | None = None, error: Exception | None = None) -> None:
        self.passages, self.error = passages or [], error
        self.queries: list[str] = []

    def retrieve(self, query: str, k: int) -> list[Passage]:
        self.queries.append(query)
        if self.error:
            raise self.error
        return self.passages[:k]


class ListPoster:
    def __init__(self, gone_after: int | None = None) -> None:
        self.frames: list[dict[str, Any]] = []
        self.gone_after = gone_after
        self.found_gone = threading.Event()

    def post(self, connection_id: str, frame: Mapping[str, Any]) -> None:
        if self.gone_after is not None and len(self.frames) >= self.gone_after:
            self.found_gone.set()
            raise ConnectionGone(connection_id)
        self.frames.append(dict(frame))


class PacedModel(ScriptedModel):
    """After ``pause_after`` events, waits for ``resume`` (as a real stream waits for tokens)."""

    def __init__(self, events: list[ModelEvent | Exception], pause_after: int, resume: threading.Event) -> None:
        super().__init__(events)
        self.pause_after, self.resume = pause_after, resume

    def _gen(self) -> Iterator[ModelEvent]:
        for i, ev in enumerate(super()._gen()):
            if i == self.pause_after:
                self.resume.wait(5)
                time.sleep(0.05)  # as the next token would: the sender marks the visitor gone meanwhile
            yield ev


class Stores:
    def __init__(self, history: list[HistoryTurn] | None = None) -> None:
        self.turns: list[TurnRecord] = []
        self.gaps: list[GapRecord] = []
        self.handoffs: list[HandoffRequest] = []
        self._history = history or []

    def recent_turns(self, session_id: str, limit: int) -> list[HistoryTurn]:
        return self._history[-limit:]

    def save_turn(self, record: TurnRecord) -> None:
        self.turns.append(record)

    def record(self, gap: GapRecord) -> None:
        self.gaps.append(gap)

    def request(self, handoff: HandoffRequest) -> None:
        self.handoffs.append(handoff)


__all__ = ["FixedRetriever", "ListPoster", "ModelError", "RetrievalError", "ScriptedModel", "Stores"]
