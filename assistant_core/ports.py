"""Small ports the answerer talks to; adapters live in ``aws/`` and ``local/``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from .passages import Passage


class Retriever(Protocol):
    """Searches the knowledge base. Raises ``RetrievalError`` when it cannot."""

    def retrieve(self, query: str, k: int) -> list[Passage]: ...


class Poster(Protocol):
    """Sends one server→visitor frame (DESIGN §5). Raises ``ConnectionGone`` when the visitor left."""

    def post(self, connection_id: str, frame: Mapping[str, Any]) -> None: ...


@dataclass(frozen=True)
class HistoryTurn:
    question: str
    reply: str  # what the visitor was shown (answer text, question, message)


class History(Protocol):
    def recent_turns(self, session_id: str, limit: int) -> list[HistoryTurn]: ...


@dataclass(frozen=True)
class TurnRecord:
    """One row of tbl-transcripts (DESIGN §6)."""

    session_id: str
    turn_index: int
    turn_id: str
    connection_id: str
    question: str
    page_url: str
    tool: str  # the tool the visitor's reply came from (after any downgrade)
    model_tool: str  # what the model called ("" if none)
    text: str  # visitor-facing text of the reply
    citation_ids: Sequence[str]
    retrieved: Sequence[Mapping[str, Any]]  # [{"id","chunk_id","title","score"}]
    downgrade_reason: str
    downgrade_detail: str
    model_id: str
    prompt_version: str
    latencies: Mapping[str, int]  # retrieve_ms, first_token_ms, first_flush_ms, total_ms
    created_at: str  # ISO-8601 UTC
    tool_input: Mapping[str, Any] = field(default_factory=dict)
    visitor_gone: bool = False
    usage: Mapping[str, int] = field(default_factory=dict)


class TranscriptStore(Protocol):
    def save_turn(self, record: TurnRecord) -> None: ...


@dataclass(frozen=True)
class GapRecord:
    """One row of tbl-gaps: a question the knowledge did not answer well."""

    week_iso: str
    created_at: str
    turn_id: str
    session_id: str
    question: str
    page_url: str
    tool: str
    reason: str
    closest: Sequence[Mapping[str, Any]]  # [{"id","title","source","score"}]


class GapLog(Protocol):
    def record(self, gap: GapRecord) -> None: ...


@dataclass(frozen=True)
class HandoffRequest:
    session_id: str
    turn_id: str
    connection_id: str
    reason: str
    summary: str
    question: str
    page_url: str
    downgrade: str = ""
    created_at: str = ""


class HandoffQueue(Protocol):
    def request(self, handoff: HandoffRequest) -> None: ...


class Clock(Protocol):
    def now_iso(self) -> str: ...

    def monotonic(self) -> float: ...
