"""A session's handoff to staff: its state, and the rules for what is sent when.

A session has one handoff record. The first event (a ``hand_off`` tool call, a downgrade, or a
visitor's contact details) opens a handoff and sends one full notice. Later handoff events within
``WINDOW_SECONDS`` only update the record: staff get one notice per episode, not one per message.
Contact details attach to the session's handoff as a short follow-up with the same subject
("Re: ..."), so mail clients thread it under the notice; so does a 👎 with a comment on a turn that
was handed off (or in a session whose visitor left contact details), and only then. Messages are
rendered once and kept in the record, so a retried invocation re-sends exactly what did not go out yet.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from assistant_core.conversation.email_address import MAX_LENGTH as EMAIL_MAX_LENGTH
from assistant_core.conversation.email_address import is_email
from assistant_core.errors import AssistantError, BadInput, ConfigError

WINDOW_SECONDS = 600  # at most one notice per session per 10 minutes
CONTACT_SECONDS = 24 * 3600  # contact details still attach to a handoff this old (also the record's TTL)
MAX_EVENTS = 20
FEEDBACK_CHARS = 500  # the widget's "what was wrong?" is one line
REASONS = frozenset({"visitor_request", "account_specific", "complaint", "unsafe", "out_of_knowledge", "other"})
_LIMITS = {"summary": 500, "question": 1000, "page_url": 2000, "downgrade": 100, "created_at": 40}


class DeliveryError(AssistantError):
    """A notice could not be delivered now; trying again later may work (Lambda retries the event)."""


class ChannelOff(ConfigError):
    """A channel is not set up (e.g. the Slack webhook secret holds no value yet): skipped, not alarmed."""


class ChannelRejected(ConfigError):
    """A channel refuses our notices for good (revoked webhook, archived channel): fix the setup."""

    def __init__(self, message: str, *, status: int = 0, code: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True)
class HandoffEvent:
    kind: str  # "handoff" | "contact" | "feedback"
    session_id: str
    turn: str
    connection_id: str = ""
    reason: str = ""
    summary: str = ""
    question: str = ""
    page_url: str = ""
    downgrade: str = ""
    created_at: str = ""
    email: str = ""
    note: str = ""  # the contact's note, or the 👎 comment

    @property
    def event_id(self) -> str:
        """Identity for de-duplication: Lambda may deliver the same async event more than once."""
        if self.kind in ("contact", "feedback"):
            digest = hashlib.sha256(f"{self.email.lower()}\n{self.note}".encode()).hexdigest()[:10]
            return f"{self.kind}:{self.turn}:{digest}"
        return f"handoff:{self.turn}"


def parse_event(payload: Mapping[str, Any]) -> HandoffEvent:
    """The fn-handoff payload (``{"kind": "handoff", **HandoffRequest}`` or the intake's contact dict)."""
    kind = str(payload.get("kind") or "handoff")
    session_id = _text(payload, "session_id", 200)
    if not session_id:
        raise BadInput(f"{kind} event without session_id")
    connection_id = _text(payload, "connection_id", 200)
    if kind == "contact":
        return _contact_event(payload, session_id, connection_id)
    if kind == "feedback":
        comment = _text(payload, "comment", FEEDBACK_CHARS)
        if not comment:
            raise BadInput("feedback event without a comment")
        return HandoffEvent("feedback", session_id, _text(payload, "turn", 20), connection_id, note=comment)
    if kind != "handoff":
        raise BadInput(f"unknown handoff event kind {kind!r}")
    return _handoff_event(payload, session_id, connection_id)


def _contact_event(payload: Mapping[str, Any], session_id: str, connection_id: str) -> HandoffEvent:
    email = _text(payload, "email", EMAIL_MAX_LENGTH)
    note = _text(payload, "note", 1000)
    if not is_email(email):  # the intake's rule, checked again: the event may not come from the intake
        raise BadInput("contact event with an invalid email address")
    turn = _text(payload, "turn", 20)
    return HandoffEvent(
        "contact", session_id, turn, connection_id, reason="visitor_request", email=email, note=note
    )


def _handoff_event(payload: Mapping[str, Any], session_id: str, connection_id: str) -> HandoffEvent:
    reason = _text(payload, "reason", 40)
    if reason not in REASONS:
        reason = "other"
    texts = {key: _text(payload, key, limit) for key, limit in _LIMITS.items()}
    turn = _text(payload, "turn_id", 20)
    return HandoffEvent("handoff", session_id, turn, connection_id, reason=reason, **texts)


def _text(payload: Mapping[str, Any], key: str, limit: int) -> str:
    value = payload.get(key)
    return value.strip()[:limit] if isinstance(value, str) else ""


@dataclass(frozen=True)
class Message:
    """One notice or follow-up, rendered for both channels."""

    key: str  # "<handoff id>#<n>"
    kind: str  # "notice" | "contact" | "feedback"
    subject: str
    body: str
    slack: Mapping[str, Any]


@dataclass(frozen=True)
class Handoff:
    handoff_id: str
    session_id: str
    reason: str
    summary: str
    question: str
    page_url: str
    turn: str
    downgrade: str
    opened_at: float  # epoch seconds
    updated_at: float
    created_at: str = ""  # the triggering turn's time, as the answerer recorded it
    contact_email: str = ""
    contact_note: str = ""
    events: tuple[Mapping[str, str], ...] = ()
    messages: tuple[Message, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Handoff:
        values = {k: v for k, v in data.items() if k in {f.name for f in fields(cls)}}  # tolerate newer records
        values["events"] = tuple(dict(e) for e in values.get("events", ()))
        values["messages"] = tuple(Message(**m) for m in values.get("messages", ()))
        return cls(**values)

    def seen(self, event: HandoffEvent) -> bool:
        return any(e.get("id") == event.event_id for e in self.events)

    def with_message(self, kind: str, subject: str, body: str, slack: Mapping[str, Any]) -> Handoff:
        key = f"{self.handoff_id}#{len(self.messages) + 1}"
        message = Message(key, kind, subject, body, dict(slack))
        return replace(self, messages=(*self.messages, message))


@dataclass(frozen=True)
class Decision:
    action: str  # "opened" | "updated" | "contact" | "feedback" | "duplicate" | "ignored"
    handoff: Handoff | None  # None only when "ignored" finds no handoff
    send: str = ""  # "" | "notice" | "contact" | "feedback": the message to render and add before saving
    event: HandoffEvent | None = None


def decide(current: Handoff | None, event: HandoffEvent, now: float, window: float = WINDOW_SECONDS) -> Decision:
    """What this event does to the session's handoff (pure: the service renders, saves and sends)."""
    if current is not None and current.seen(event):
        return Decision("duplicate", current)
    if event.kind == "feedback":
        # Staff hear about a 👎 only where a person is already involved: a turn they were handed, or a
        # visitor who left contact details. Other 👎s go to the writers (the weekly gaps report).
        if current is None or now - current.opened_at >= CONTACT_SECONDS:
            return Decision("ignored", current)
        if not (current.contact_email or any(e.get("turn") == event.turn for e in current.events)):
            return Decision("ignored", current)
        return Decision("feedback", _log(current, event, now), "feedback", event)
    if event.kind == "contact":
        if current is None or now - current.opened_at >= CONTACT_SECONDS:
            return Decision("opened", _open(event, now, current), "notice")
        changed = (event.email, event.note) != (current.contact_email, current.contact_note)
        logged = _log(current, event, now)
        updated = replace(logged, contact_email=event.email, contact_note=event.note)
        return Decision("contact", updated, "contact" if changed else "")
    if current is not None and now - current.opened_at < window:
        # A later reason is logged, not re-sent; a handoff opened by contact details adopts the model's summary.
        logged = _log(current, event, now)
        summary = current.summary or event.summary
        question = current.question or event.question
        return Decision("updated", replace(logged, summary=summary, question=question))
    return Decision("opened", _open(event, now, current), "notice")


def _open(event: HandoffEvent, now: float, previous: Handoff | None) -> Handoff:
    digest = hashlib.sha256(f"{event.session_id}|{event.turn}|{now}".encode()).hexdigest()[:6].upper()
    known = previous if previous is not None and now - previous.opened_at < CONTACT_SECONDS else None
    # Contact details (and the page) the visitor gave earlier in the session still apply to a new episode.
    handoff = Handoff(
        handoff_id=f"H-{digest}",
        session_id=event.session_id,
        reason=event.reason or "visitor_request",
        summary=event.summary,
        question=event.question,
        page_url=event.page_url or (known.page_url if known else ""),
        turn=event.turn,
        downgrade=event.downgrade,
        opened_at=now,
        updated_at=now,
        created_at=event.created_at,
        contact_email=event.email or (known.contact_email if known else ""),
        contact_note=event.note or (known.contact_note if known else ""),
    )
    return _log(handoff, event, now)


def _log(handoff: Handoff, event: HandoffEvent, now: float) -> Handoff:
    entry = {
        "id": event.event_id,
        "kind": event.kind,
        "turn": event.turn,
        "at": f"{now:.3f}",
        "reason": event.reason,
        "downgrade": event.downgrade,
    }
    events = (*handoff.events, entry)[-MAX_EVENTS:]  # the newest MAX_EVENTS: the record must stay small
    return replace(handoff, events=events, updated_at=now)
