"""The hand-off capability's ports: what fn-handoff reads, where it keeps state, and where notices go.

``TranscriptReader`` gives the session's last turns for the notice; ``HandoffStore`` keeps the open
hand-off per session with optimistic concurrency and per-channel delivery claims; ``StaffChat`` is the
Slack channel (an incoming webhook, or the Slack app, whose posts have threads staff reply in);
``StaffThreads`` keeps which thread belongs to which session and the staff replies for the visitor;
``Metrics`` counts what needs an alarm. The e-mail channel is the kernel's ``Notifier``
(``assistant_core/ports.py``), shared with the weekly gaps report. Adapters live in ``aws/``
(DynamoDB, SNS) and ``remote/`` (Slack); ``observability/emf.py`` implements ``Metrics``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


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


class StaffChat(Protocol):
    """The staff chat channel. Raises ``ChannelOff``, ``ChannelRejected`` or ``DeliveryError``."""

    def post(self, payload: Mapping[str, Any], *, thread: str = "") -> str:
        """Post (in ``thread`` when given); the post's own thread reference, or "" when it cannot have one."""
        ...


class StaffNames(Protocol):
    def display_name(self, user: str) -> str:
        """The chat user's display name ("" when unknown)."""
        ...


@dataclass(frozen=True)
class StaffReply:
    """A staff member's reply in a hand-off's thread, kept for the visitor until they have seen it."""

    id: str  # the chat message's own id (Slack ``ts``): unique in its thread
    name: str  # what the visitor sees as its author
    text: str
    at: float  # epoch seconds


@dataclass(frozen=True)
class StaffThread:
    """A session's staff thread: where it is, the visitor's last connection, and what staff said."""

    session_id: str
    thread: str  # "<channel>:<ts>" of the hand-off notice
    turn: str = ""  # the turn that was handed off
    live: str = ""  # the connection the visitor was last seen on
    quiet_until: float = 0.0  # the assistant does not answer before this (a person is talking)
    replies: tuple[StaffReply, ...] = ()
    delivered: frozenset[str] = field(default_factory=frozenset)

    def pending(self) -> list[StaffReply]:
        return [r for r in self.replies if r.id not in self.delivered]


class StaffThreads(Protocol):
    """Sessions' staff threads (one per session, the latest hand-off's), expiring with ``ttl``."""

    def link(self, session_id: str, thread: str, *, turn: str, connection_id: str, ttl: int) -> None:
        """Make ``thread`` the session's (a reply there reaches this session's visitor)."""
        ...

    def session_for(self, thread: str) -> str | None: ...

    def load(self, session_id: str) -> StaffThread | None: ...

    def add_reply(self, session_id: str, reply: StaffReply, *, quiet_until: float) -> bool:
        """Keep a reply; False when it was already kept (a retried event) or the session has no thread."""
        ...

    def mark_delivered(self, session_id: str, ids: tuple[str, ...]) -> None: ...

    def set_live(self, session_id: str, connection_id: str) -> bool:
        """The visitor is back on ``connection_id``; False when the session has no staff thread."""
        ...


class Metrics(Protocol):
    def count(self, name: str, value: int = 1) -> None: ...
