"""The text of a handoff notice for staff (email via SNS now; Slack in a later issue)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import BadInput
from .ports import HandoffRequest

_FIELDS = ("session_id", "turn_id", "connection_id", "reason", "summary", "question", "page_url", "downgrade",
           "created_at")


def handoff_from_payload(payload: Mapping[str, Any]) -> HandoffRequest:
    if not isinstance(payload.get("session_id"), str) or not isinstance(payload.get("turn_id"), str):
        raise BadInput("handoff payload without session_id/turn_id")
    return HandoffRequest(**{k: str(payload.get(k) or "") for k in _FIELDS})


def handoff_notice(req: HandoffRequest) -> tuple[str, str]:
    subject = f"Website assistant: visitor needs help ({req.reason})"
    lines = [
        f"A visitor's question was handed to staff ({req.reason}).",
        "",
        f"Question: {req.question}",
        f"Summary: {req.summary}",
        f"Page: {req.page_url or '-'}",
        f"Session: {req.session_id}  turn: {req.turn_id}  at: {req.created_at or '-'}",
    ]
    if req.downgrade:
        lines.append(f"The assistant's own answer was withheld: {req.downgrade}")
    return subject, "\n".join(lines)


def contact_notice(payload: Mapping[str, Any]) -> tuple[str, str]:
    subject = f"Website assistant: visitor left contact details ({payload.get('turn', '')})"
    body = "\n".join([
        "A visitor left contact details after a handoff.",
        f"Email: {payload.get('email', '')}",
        f"Note: {payload.get('note', '') or '-'}",
        f"Session: {payload.get('session_id', '')}  turn: {payload.get('turn', '')}",
    ])
    return subject, body
