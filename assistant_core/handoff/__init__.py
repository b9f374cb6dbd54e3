"""A session's hand-off to staff, as run by fn-handoff.

``state`` holds a session's ``Handoff`` and the rules for what is sent when (``parse_event``, ``decide``);
``notice`` renders what staff read (e-mail text and Slack Block Kit); ``HandoffService`` applies one event and
delivers what has not gone out yet, through the ports in ``ports`` (``TranscriptReader``, ``HandoffStore``,
``StaffChat``, ``Metrics``; e-mail goes through the kernel's ``Notifier``). Channel adapters raise
``DeliveryError``, ``ChannelOff`` or ``ChannelRejected``.

With the Slack app, staff answer in the notice's thread: ``slack_events`` verifies and reads Slack's
requests (``SlackEventReceiver``), and ``StaffDesk`` shows each reply to the visitor once, keeps the
assistant quiet while a person is replying, and relays the visitor's messages to the thread
(``StaffThreads`` keeps the threads).
"""

from assistant_core.handoff.notice import NoticeContext, render_contact, render_notice, subject_line
from assistant_core.handoff.ports import (
    HandoffStore,
    Metrics,
    StaffChat,
    StaffNames,
    StaffReply,
    StaffThread,
    StaffThreads,
    StoredHandoff,
    TranscriptReader,
    TranscriptTurn,
)
from assistant_core.handoff.service import HandoffService
from assistant_core.handoff.slack_events import SlackEventReceiver, StaffMessage, verify_signature
from assistant_core.handoff.staff_desk import STAFF_KINDS, StaffDesk
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
    "STAFF_KINDS",
    "WINDOW_SECONDS",
    "ChannelOff",
    "ChannelRejected",
    "DeliveryError",
    "Handoff",
    "HandoffEvent",
    "HandoffService",
    "HandoffStore",
    "Metrics",
    "NoticeContext",
    "SlackEventReceiver",
    "StaffChat",
    "StaffDesk",
    "StaffMessage",
    "StaffNames",
    "StaffReply",
    "StaffThread",
    "StaffThreads",
    "StoredHandoff",
    "TranscriptReader",
    "TranscriptTurn",
    "decide",
    "parse_event",
    "render_contact",
    "render_notice",
    "subject_line",
    "verify_signature",
]
