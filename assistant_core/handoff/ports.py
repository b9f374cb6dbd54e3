"""The hand-off capability's ports: what fn-handoff reads, where it keeps state, and where notices go.

``TranscriptReader`` gives the session's last turns for the notice; ``HandoffStore`` keeps the open
hand-off per session with optimistic concurrency and per-channel delivery claims; ``ChatWebhook`` is the
Slack channel and ``Metrics`` counts what needs an alarm. The e-mail channel is the kernel's ``Notifier``
(``assistant_core/ports.py``), shared with the weekly gaps report. Adapters live in ``aws/``
(DynamoDB, SNS) and ``remote/`` (Slack); ``observability/emf.py`` implements ``Metrics``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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


class ChatWebhook(Protocol):
    """The staff chat channel (a Slack incoming webhook). Raises ``ChannelRejected`` or ``DeliveryError``."""

    def post(self, payload: Mapping[str, Any]) -> None: ...


class Metrics(Protocol):
    def count(self, name: str, value: int = 1) -> None: ...
