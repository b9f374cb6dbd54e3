"""What a visitor sends and gets back, before and around a turn.

``tokens`` mints and verifies the short-lived ES256 visitor tokens (``POST /token``, ``$connect``);
``MessageIntake`` applies the rules to each WebSocket frame (validate, rate-limit, de-duplicate, one turn at a
time) and returns a ``Reply``: frames to send and, for a question, a ``TurnJob`` to invoke. ``clean_question``
checks typed text; ``SessionStore`` and ``Invoker`` are this package's ports (``ports``); ``frames`` builds every
server → visitor frame.
"""

from assistant_core.conversation import frames
from assistant_core.conversation.email_address import is_email
from assistant_core.conversation.frames import Frame
from assistant_core.conversation.input_checks import TooLong, clean_question
from assistant_core.conversation.intake import BadEmail, Limits, MessageIntake, Reply
from assistant_core.conversation.ports import Busy, Connection, Invoker, SessionFull, SessionStore, TurnJob, TurnSlot
from assistant_core.conversation.tokens import KeySet, Minted, check_origin, mint, new_key_set, refresh, verify

__all__ = [
    "BadEmail",
    "Busy",
    "Connection",
    "Frame",
    "Invoker",
    "KeySet",
    "Limits",
    "MessageIntake",
    "Minted",
    "Reply",
    "SessionFull",
    "SessionStore",
    "TooLong",
    "TurnJob",
    "TurnSlot",
    "check_origin",
    "clean_question",
    "frames",
    "is_email",
    "mint",
    "new_key_set",
    "refresh",
    "verify",
]
