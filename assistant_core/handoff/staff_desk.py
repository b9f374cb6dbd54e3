"""Staff talking to the visitor through the hand-off's Slack thread.

- A reply in the thread (``staff_reply``, queued by fn-slack-events) is kept for the session, shown at
  once as a ``staff`` frame if the visitor is connected, and otherwise when they come back (the
  widget's ``ping`` on every new connection: ``visitor_back``) while the session lasts. Slack is told
  in the thread whether the visitor saw it (``staff_seen`` when they come back later).
- While a person is replying (``quiet_seconds`` after their last reply) the assistant stays quiet:
  the visitor's messages go to the thread instead (``relay_if_staff_active``, ``visitor_message``).

Each reply is kept once (by its Slack ``ts``) and marked delivered only after its frame was posted,
so Lambda's retries and Slack's resends never show a reply twice, and a reply is never marked seen
that was not. The widget also drops a staff frame whose id it already showed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from assistant_core.answering.ports import Poster
from assistant_core.clock import SYSTEM_CLOCK
from assistant_core.conversation import frames
from assistant_core.errors import AssistantError, BadInput, ConnectionGone
from assistant_core.handoff.notice import esc
from assistant_core.handoff.ports import StaffChat, StaffNames, StaffReply, StaffThread, StaffThreads
from assistant_core.handoff.state import CONTACT_SECONDS
from assistant_core.ports import Clock

log = logging.getLogger(__name__)
STAFF_KINDS = frozenset({"staff_reply", "staff_seen", "visitor_message"})
DEFAULT_NAME = "Staff"
YOUNG_THREAD_SECONDS = 120  # a reply this soon after the notice may beat the notice's link to its session
LINK_WAIT_POLLS = 12
LINK_POLL_SECONDS = 0.25
RELAYED_MESSAGE = "I've passed this on to {name}, who is helping you here. Their reply will appear in this chat."


class StaffDesk:
    def __init__(self, *, threads: StaffThreads, chat: StaffChat | None, poster: Poster,
                 queue: Callable[[Mapping[str, Any]], None], names: StaffNames | None = None,
                 quiet_seconds: int = 600, clock: Clock = SYSTEM_CLOCK) -> None:
        """``names``: show staff by their Slack display name (``None``: as "Staff")."""
        self.threads = threads
        self.chat = chat
        self.poster = poster
        self.queue = queue  # to fn-handoff (async): what needs Slack
        self.names = names
        self.quiet_seconds = quiet_seconds
        self.clock = clock

    # -- fn-handoff ---------------------------------------------------------------------------------

    def handle(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """One of ``STAFF_KINDS``. ``BadInput`` drops it; ``StorageError`` lets Lambda retry it."""
        kind = payload.get("kind")
        if kind == "staff_reply":
            return self._staff_reply(payload)
        session_id = _text(payload, "session_id", 200)
        if not session_id:
            raise BadInput(f"{kind} event without session_id")
        thread = self.threads.load(session_id)
        if thread is None:
            return {"ignored": "the session has no staff thread"}
        if kind == "staff_seen":
            self._tell(thread, "✓ The visitor came back to the chat and has now seen the reply.")
            return {"told": "seen"}
        if kind == "visitor_message":
            text = _text(payload, "text", 1000)
            if not text:
                raise BadInput("visitor_message without text")
            self._tell(thread, f"*Visitor:* {esc(text)}", required=True)
            return {"relayed": session_id}
        raise BadInput(f"unknown staff event kind {kind!r}")

    def _staff_reply(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        thread_ref, ts, text = (_text(payload, k, n) for k, n in (("thread", 80), ("ts", 30), ("text", 4000)))
        if not (thread_ref and ts and text):
            raise BadInput("staff_reply without thread, ts or text")
        session_id = self._session_for(thread_ref)
        if session_id is None:
            log.info("a reply in Slack thread %s, which is no hand-off we know (or its session ended)", thread_ref)
            return {"ignored": "unknown thread"}
        reply = StaffReply(ts, self._name(_text(payload, "user", 40)), text, self.clock.time())
        fresh = self.threads.add_reply(session_id, reply, quiet_until=self.clock.time() + self.quiet_seconds)
        thread = self.threads.load(session_id)
        if thread is None:
            return {"ignored": "the session ended"}
        if reply.id in thread.delivered:
            return {"session_id": session_id, "shown": True, "repeat": True}
        shown = self._show(thread, [r for r in thread.pending() if r.id == reply.id])
        if shown:
            self._tell(thread, "✓ Shown to the visitor in the chat.")
        elif fresh:
            hours = CONTACT_SECONDS // 3600
            self._tell(thread, "The visitor is not in the chat right now. They will see this reply if they come "
                               f"back to the site within {hours} hours; you will be told here when they do.")
        return {"session_id": session_id, "shown": shown}

    def _session_for(self, thread: str) -> str | None:
        """The thread's session. A notice's thread is linked just after Slack answers its post, so a reply to a
        notice seconds old may arrive first: for a young thread, look again for a moment before giving up."""
        session_id = self.threads.session_for(thread)
        try:
            age = self.clock.time() - float(thread.partition(":")[2])
        except ValueError:
            return session_id
        for _ in range(LINK_WAIT_POLLS if 0 <= age < YOUNG_THREAD_SECONDS else 0):
            if session_id is not None:
                break
            self.clock.sleep(LINK_POLL_SECONDS)
            session_id = self.threads.session_for(thread)
        return session_id

    def _name(self, user: str) -> str:
        if self.names is None or not user:
            return DEFAULT_NAME
        try:
            return self.names.display_name(user) or DEFAULT_NAME
        except AssistantError:  # a name is not worth losing the reply over
            log.warning("could not read the Slack name of %s", user, exc_info=True)
            return DEFAULT_NAME

    def _show(self, thread: StaffThread, replies: list[StaffReply]) -> bool:
        """Post to the visitor's live connection; mark delivered only what was posted."""
        if not thread.live or not replies:
            return False
        try:
            for r in replies:
                self.poster.post(thread.live, frames.staff(r.id, thread.turn, r.name, r.text))
        except ConnectionGone:
            return False
        self.threads.mark_delivered(thread.session_id, tuple(r.id for r in replies))
        return True

    def _tell(self, thread: StaffThread, text: str, *, required: bool = False) -> None:
        """A note in the thread; only a visitor's relayed message is worth a retry (``required``)."""
        if self.chat is None:
            return
        try:
            self.chat.post({"text": text}, thread=thread.thread)
        except AssistantError:
            if required:
                raise
            log.warning("could not post a note in Slack thread %s", thread.thread, exc_info=True)

    # -- fn-ws-message and fn-answerer --------------------------------------------------------------

    def visitor_back(self, session_id: str, connection_id: str) -> list[dict[str, Any]]:
        """The replies the visitor has not seen, as frames for ``connection_id`` (which becomes their live one)."""
        thread = self.threads.load(session_id)
        if thread is None:
            return []
        if thread.live != connection_id:
            self.threads.set_live(session_id, connection_id)
        return [frames.staff(r.id, thread.turn, r.name, r.text) for r in thread.pending()]

    def seen(self, session_id: str, ids: tuple[str, ...]) -> None:
        """The frames of ``visitor_back`` were posted: mark them, and tell Slack (through fn-handoff)."""
        if not ids:
            return
        self.threads.mark_delivered(session_id, ids)
        try:
            self.queue({"kind": "staff_seen", "session_id": session_id, "ids": list(ids)})
        except AssistantError:
            log.warning("could not queue the 'seen' note for %s", session_id, exc_info=True)

    def relay_if_staff_active(self, session_id: str, turn: str, question: str) -> dict[str, Any] | None:
        """While a person is replying, the visitor's message goes to them: the frame to send, or None to answer."""
        thread = self.threads.load(session_id)
        if thread is None or thread.quiet_until <= self.clock.time():
            return None
        self.queue({"kind": "visitor_message", "session_id": session_id, "turn": turn, "text": question})
        names = [r.name for r in thread.replies if r.name != DEFAULT_NAME]
        who = names[-1] if names else "our team"
        return frames.handoff(turn, "staff_active", RELAYED_MESSAGE.format(name=who), ask_contact=False)


def _text(payload: Mapping[str, Any], key: str, limit: int) -> str:
    value = payload.get(key)
    return value.strip()[:limit] if isinstance(value, str) else ""
