"""Server → visitor frames, built in one place so every path speaks the same shapes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant_core.retrieval.passages import Passage

Frame = dict[str, Any]

ERROR_MESSAGES: dict[str, str] = {
    "rate_limited": "You're sending messages a little fast. Please wait a moment and try again.",
    "too_long": "That message is too long. Please shorten it and try again.",
    "bad_request": "Sorry, I couldn't read that message.",
    "busy": "I'm still answering your last question. One moment, please.",
    "unavailable": "The assistant is unavailable right now. Please try again later.",
    "unauthorized": "Your session has expired. Please reload the page.",
}

HANDOFF_MESSAGE = (
    "I've passed your question to our team. Someone will get back to you as soon as possible. "
    "Leave your email if you'd like a reply there."
)

BAD_EMAIL_MESSAGE = "That email address doesn't look right. Please check it and send it again."
CONTACT_NOT_SAVED_MESSAGE = "We couldn't save your email just now. Please send it again in a moment."


def ack(client_id: str, turn: str) -> Frame:
    return {"type": "ack", "id": client_id, "turn": turn}


def delta(turn: str, text: str) -> Frame:
    return {"type": "delta", "turn": turn, "text": text}


def answer(turn: str, text: str, cited: Sequence[Passage]) -> Frame:
    return {"type": "answer", "turn": turn, "text": text, "citations": [p.citation() for p in cited]}


def clarify(turn: str, question: str, options: Sequence[str] = ()) -> Frame:
    return {"type": "clarify", "turn": turn, "question": question, "options": list(options)}


def handoff(turn: str, reason: str, message: str = HANDOFF_MESSAGE, ask_contact: bool = True) -> Frame:
    return {"type": "handoff", "turn": turn, "message": message, "reason": reason, "ask_contact": ask_contact}


def contact_saved(turn: str, email: str) -> Frame:
    """The reply to a ``contact`` frame: a ``handoff`` frame that no longer asks for contact."""
    return handoff(turn, "contact_saved", f"Thanks! Our team will reply to {email}.", ask_contact=False)


def decline(turn: str, message: str) -> Frame:
    return {"type": "decline", "turn": turn, "message": message}


def retract(turn: str) -> Frame:
    return {"type": "retract", "turn": turn}


def error(code: str, message: str | None = None) -> Frame:
    return {"type": "error", "code": code, "message": message or ERROR_MESSAGES.get(code, "Something went wrong.")}


def feedback_saved(turn: str, rating: str) -> Frame:
    """The reply to a ``feedback`` frame, once the rating is stored."""
    return {"type": "feedback_saved", "turn": turn, "rating": rating}


def staff(reply_id: str, turn: str, name: str, text: str) -> Frame:
    """A staff member's reply from the hand-off's Slack thread (``id`` lets the widget show it once)."""
    return {"type": "staff", "id": reply_id, "turn": turn, "name": name, "text": text}


def pong() -> Frame:
    return {"type": "pong"}
