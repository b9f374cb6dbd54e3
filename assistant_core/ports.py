"""Small ports the answerer talks to; adapters live in ``aws/`` and ``local/``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from assistant_core.retrieval.passages import Passage


class Retriever(Protocol):
    """Searches the knowledge base. Raises ``RetrievalError`` when it cannot."""

    def retrieve(self, query: str, k: int) -> list[Passage]: ...


class Poster(Protocol):
    """Sends one server→visitor frame (conversation/frames.py). Raises ``ConnectionGone`` when the visitor left."""

    def post(self, connection_id: str, frame: Mapping[str, Any]) -> None: ...


@dataclass(frozen=True)
class HistoryTurn:
    question: str
    reply: str  # what the visitor was shown (answer text, question, message)


class History(Protocol):
    def recent_turns(self, session_id: str, limit: int) -> list[HistoryTurn]: ...


@dataclass(frozen=True)
class TurnRecord:
    """One row of tbl-transcripts (infra/data.py)."""

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
    detail: str = ""  # why an answer was withheld, e.g. the unsupported sentence


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
    """Time in every shape callers need, from one object (real: clock.SystemClock; tests: one fake)."""

    def now(self) -> datetime: ...  # aware, UTC

    def now_iso(self) -> str: ...  # ``2026-11-21T10:00:00.000Z``, as records store it (clock.iso_z)

    def time(self) -> float: ...  # epoch seconds: TTLs, leases, rate windows

    def monotonic(self) -> float: ...  # durations and deadlines within one process

    def sleep(self, seconds: float) -> None: ...


# -- fn-handoff (assistant_core/handoff/service.py) -------------------------------------------


@dataclass(frozen=True)
class TranscriptTurn:
    """One past turn as staff see it in a handoff notice."""

    turn_id: str
    question: str
    tool: str  # answer | clarify | hand_off | decline
    text: str  # what the visitor was shown
    created_at: str
    downgrade_reason: str = ""
    page_url: str = ""


class TranscriptReader(Protocol):
    def last_turns(self, session_id: str, n: int) -> list[TranscriptTurn]:
        """The session's last ``n`` turns, oldest first (``[]`` when none was recorded)."""
        ...


@dataclass(frozen=True)
class StoredHandoff:
    """A session's handoff record: the state, its version, and what already went out per channel."""

    state: Mapping[str, Any]  # ``Handoff.to_dict()``
    version: int
    sent: Mapping[str, str]  # "<message key>/<channel>" -> message id or "rejected: ..."


class HandoffStore(Protocol):
    """The open handoff per session, with optimistic concurrency (``version``) and per-channel claims.

    ``put``/``update`` return False when ``expected_version`` is stale (someone else wrote first).
    """

    def load(self, session_id: str) -> StoredHandoff | None: ...

    def put(self, session_id: str, state: Mapping[str, Any], expected_version: int, ttl: int) -> bool:
        """Replace the record with a new handoff (its delivery marks start empty)."""
        ...

    def update(self, session_id: str, state: Mapping[str, Any], expected_version: int, ttl: int) -> bool:
        """Change the state of the same handoff, keeping its delivery marks."""
        ...

    def claim(self, session_id: str, handoff_id: str, key: str, *, now: float, lease_until: float) -> bool:
        """Take the right to send ``key``: False if it was sent, is being sent, or the handoff was replaced."""
        ...

    def mark_sent(self, session_id: str, key: str, ref: str) -> None: ...

    def release(self, session_id: str, key: str) -> None: ...


class Notifier(Protocol):
    """The staff email channel (SNS ``t-handoffs``). Returns the message id."""

    def publish(self, subject: str, message: str) -> str: ...


class ChatWebhook(Protocol):
    """The staff chat channel (a Slack incoming webhook). Raises ``ChannelRejected`` or ``DeliveryError``."""

    def post(self, payload: Mapping[str, Any]) -> None: ...


class Metrics(Protocol):
    def count(self, name: str, value: int = 1) -> None: ...


class TurnObserver(Protocol):
    """Told about every finished turn after it is saved (metrics, audit). Must not slow the turn much."""

    def turn_finished(self, record: TurnRecord) -> None: ...


class DayTurns(Protocol):
    """tbl-transcripts by UTC day (the by_day index); items as plain JSON values. ``StorageError`` on failure."""

    def turns(self, day: str) -> list[dict[str, Any]]: ...

    def count(self, day: str) -> int: ...


class ArchiveBucket(Protocol):
    """Where exported days go. ``StorageError`` on failure."""

    def put(self, key: str, body: bytes, content_type: str) -> None: ...

    def read_json(self, key: str) -> dict[str, Any] | None:
        """The object parsed as JSON, or None when there is no such key."""
        ...
