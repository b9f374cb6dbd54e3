"""fn-handoff (async-invoked): publish a handoff or contact notice to the t-handoffs topic."""

from __future__ import annotations

import logging
from typing import Any

from assistant_core.handoff_notice import contact_notice, handoff_from_payload, handoff_notice
from handlers._compose import runtime

log = logging.getLogger(__name__)


def notice(event: dict[str, Any]) -> tuple[str, str]:
    return contact_notice(event) if event.get("kind") == "contact" else handoff_notice(handoff_from_payload(event))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    subject, body = notice(event)
    message_id = runtime().notifier.publish(subject, body)
    log.info("handoff notice published: %s (%s)", message_id, event.get("turn_id") or event.get("turn"))
    return {"published": message_id, "subject": subject}
