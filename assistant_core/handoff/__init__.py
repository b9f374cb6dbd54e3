"""A session's hand-off to staff, as run by fn-handoff.

``state`` holds a session's ``Handoff`` and the rules for what is sent when (``parse_event``, ``decide``);
``notice`` renders what staff read (e-mail text and Slack Block Kit); ``HandoffService`` applies one event and
delivers what has not gone out yet, through the ports in ``ports`` (``TranscriptReader``, ``HandoffStore``,
``ChatWebhook``, ``Metrics``; e-mail goes through the kernel's ``Notifier``). Channel adapters raise
``DeliveryError``, ``ChannelOff`` or ``ChannelRejected``.
"""

from assistant_core.handoff.notice import NoticeContext, render_contact, render_notice, subject_line
from assistant_core.handoff.ports import (
    ChatWebhook,
    HandoffStore,
    Metrics,
    StoredHandoff,
    TranscriptReader,
    TranscriptTurn,
)
from assistant_core.handoff.service import HandoffService
from assistant_core.handoff.state import (
    WINDOW_SECONDS,
    ChannelOff,
    ChannelRejected,
    DeliveryError,
    Handoff,
    HandoffEvent,
    decide,
    parse_event,
)

__all__ = [
    "WINDOW_SECONDS",
    "ChannelOff",
    "ChannelRejected",
    "ChatWebhook",
    "DeliveryError",
    "Handoff",
    "HandoffEvent",
    "HandoffService",
    "HandoffStore",
    "Metrics",
    "NoticeContext",
    "StoredHandoff",
    "TranscriptReader",
    "TranscriptTurn",
    "decide",
    "parse_event",
    "render_contact",
    "render_notice",
    "subject_line",
]
