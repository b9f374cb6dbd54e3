"""The conversation capability's ports: the connection/session store behind message intake, and async invoke.

tbl-sessions holds connection rows (key = connection id) and, under other keys, the counters,
idempotency claims and per-session turn counters that the intake rules need. ``Busy`` and ``SessionFull``
are what a ``SessionStore`` raises; ``TurnJob`` is the payload fn-ws-message hands fn-answerer through
the ``Invoker``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from assistant_core.errors import AssistantError, BadInput


class Busy(AssistantError):
    """An answer is already being written for this connection."""


@dataclass(frozen=True)
class Connection:
    connection_id: str
    session_id: str
    visitor_id: str
    origin: str
    connected_at: float = 0.0


@dataclass(frozen=True)
class TurnSlot:
    """The turn index a visitor message holds; ``fresh`` is False when the message is a resend."""

    index: int
    fresh: bool


class SessionFull(AssistantError):
    """A session reached its most turns (a loop or a bot; real conversations are far shorter)."""


class SessionStore(Protocol):
    def put_connection(self, conn: Connection, ttl_seconds: int) -> None: ...

    def get_connection(self, connection_id: str) -> Connection | None: ...

    def delete_connection(self, connection_id: str) -> None: ...

    def count(self, key: str, ttl_seconds: int) -> int:
        """Atomically add one to the counter row ``key`` and return the new value."""
        ...

    def hit_rate(self, connection_id: str, now: float) -> tuple[int, int]:
        """Count one message; return the connection's messages in this minute and this 10-s window."""
        ...

    def take_turn(self, session_id: str, client_id: str, *, max_turns: int, ttl_seconds: int) -> TurnSlot:
        """The session's next turn index for this message, or the index it already holds (one write)."""
        ...

    def release_turn(self, session_id: str, client_id: str, index: int) -> None:
        """Forget the message's claim (and give the index back if no later turn took one)."""
        ...

    def begin_turn(self, connection_id: str, index: int, question: str, *, now: float,
                   lease_seconds: int, keep: int) -> None:
        """Mark turn ``index`` in flight on the connection; ``Busy`` if another one is."""
        ...

    def end_turn(self, connection_id: str, turn_id: str) -> None: ...

    def request_stop(self, connection_id: str, turn_id: str) -> None: ...

    def is_stopped(self, connection_id: str, turn_id: str) -> bool:
        """True if the visitor pressed stop for this turn or the connection is gone."""
        ...


class Invoker(Protocol):
    def invoke_async(self, function: str, payload: Mapping[str, Any]) -> None: ...


@dataclass(frozen=True)
class TurnJob:
    """The payload fn-ws-message sends to fn-answerer (async invoke)."""

    session_id: str
    connection_id: str
    turn_id: str
    turn_index: int
    question: str
    page_url: str
    management_endpoint: str
    client_id: str = ""

    def to_payload(self) -> dict[str, Any]:
        return {"kind": "turn", **asdict(self)}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> TurnJob:
        try:
            return cls(
                session_id=str(payload["session_id"]), connection_id=str(payload["connection_id"]),
                turn_id=str(payload["turn_id"]), turn_index=int(payload["turn_index"]),
                question=str(payload["question"]), page_url=str(payload.get("page_url", "")),
                management_endpoint=str(payload.get("management_endpoint", "")),
                client_id=str(payload.get("client_id", "")),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise BadInput(f"not a turn payload: {e}") from e


@dataclass(frozen=True)
class Feedback:
    """A visitor's rating of one answer (``{"action": "feedback", ...}``)."""

    session_id: str
    turn_index: int
    turn_id: str
    rating: str  # "up" or "down"
    comment: str
    at: str  # ISO-8601 UTC


@dataclass(frozen=True)
class RatedTurn:
    """What the rated turn said, and the rating it had before (idempotency, the gaps report)."""

    question: str
    page_url: str
    citation_ids: tuple[str, ...]
    retrieved: tuple[dict[str, Any], ...]
    previous: dict[str, str]  # {} when the turn was not rated before


class FeedbackStore(Protocol):
    def rate_turn(self, feedback: Feedback) -> RatedTurn | None:
        """Stores the rating on the session's turn; ``None`` when that session has no such answered turn."""
        ...
