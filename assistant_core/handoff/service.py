"""fn-handoff's work: apply an event to the session's handoff, then deliver what has not gone out yet.

Delivery is at most once per message and channel across concurrent and retried invocations: the
record is written with a version check (two invocations cannot both open a handoff), and each
send is preceded by a claim with a short lease and followed by a "sent" mark. Email goes first;
Slack is tried even when email failed. A transient failure raises ``DeliveryError`` after both
channels were tried, so Lambda's async retry repeats only what is still unsent. A Slack 4xx is a
configuration error: logged, counted (``SlackWebhookErrors``) and not retried.

With the Slack app (``StaffChat.post`` returns a thread reference) the notice starts a thread: its
follow-ups are posted in it, and the thread is linked to the session (``StaffThreads``) so a staff
reply there reaches the visitor (``staff_desk``).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from assistant_core.clock import SYSTEM_CLOCK
from assistant_core.errors import AssistantError, StorageError
from assistant_core.handoff.notice import NoticeContext, render_contact, render_feedback, render_notice
from assistant_core.handoff.ports import (
    HandoffStore,
    Metrics,
    StaffChat,
    StaffThreads,
    StoredHandoff,
    TranscriptReader,
    TranscriptTurn,
)
from assistant_core.handoff.state import (
    CONTACT_SECONDS,
    ChannelOff,
    ChannelRejected,
    Decision,
    DeliveryError,
    Handoff,
    HandoffEvent,
    Message,
    decide,
    parse_event,
)
from assistant_core.ports import Clock, Notifier
from assistant_core.resilience import RetryPolicy

log = logging.getLogger(__name__)
LEASE_SECONDS = 60  # a crashed sender's claim expires after this; a live one finishes well within it
# Another invocation for the same session (a burst of contact frames) may write between our read and our
# conditional write; each round one writer wins, so the attempts bound how many may race, and the
# equal-jitter waits keep the losers from colliding again at once.
SAVE_RETRY = RetryPolicy(attempts=10, base_delay=0.05, max_delay=0.8, floor=0.5)
SAVE_ATTEMPTS = SAVE_RETRY.attempts
# How long to wait for another invocation's send of the same message: WAIT_POLLS reads, POLL_SECONDS apart.
WAIT_POLLS = 20
POLL_SECONDS = 0.25


@dataclass
class Outcome:
    handoff_id: str
    action: str
    emails: list[tuple[Message, str]] = field(default_factory=list)  # published here, with SNS message ids
    slack: list[Message] = field(default_factory=list)  # posted here
    skipped: list[str] = field(default_factory=list)  # sent by another invocation

    def to_result(self) -> dict[str, Any]:
        emails = [
            {"key": m.key, "kind": m.kind, "subject": m.subject, "body": m.body, "message_id": ref}
            for m, ref in self.emails
        ]
        first = emails[0] if emails else {}
        return {
            "handoff_id": self.handoff_id,
            "action": self.action,
            "published": first.get("message_id", ""),
            "subject": first.get("subject", ""),
            "emails": emails,
            "skipped": self.skipped,
            "slack": [{"key": m.key, "kind": m.kind, "payload": dict(m.slack)} for m in self.slack],
        }


class HandoffService:
    def __init__(
        self,
        *,
        store: HandoffStore,
        transcripts: TranscriptReader,
        notifier: Notifier,
        chat: StaffChat | None,
        metrics: Metrics,
        context: NoticeContext,
        turns: int = 6,
        clock: Clock = SYSTEM_CLOCK,
        threads: StaffThreads | None = None,
    ) -> None:
        self.store = store
        self.threads = threads
        self.transcripts = transcripts
        self.notifier = notifier
        self.chat = chat
        self.metrics = metrics
        self.context = context
        self.turns = turns
        self.clock = clock

    def handle(self, payload: Mapping[str, Any]) -> Outcome:
        """Raises ``BadInput`` (drop the event), ``StorageError`` or ``DeliveryError`` (retry it)."""
        event = parse_event(payload)
        applied = self._apply(event)
        if applied is None:
            log.info("%s for %s: no hand-off it belongs to; staff are not told", event.event_id, event.session_id)
            return Outcome("", "ignored")
        decision, handoff, stored = applied
        log.info("handoff %s %s by %s", handoff.handoff_id, decision.action, event.event_id)
        outcome = Outcome(handoff.handoff_id, decision.action)
        self._deliver(handoff, _already_sent(decision, stored), outcome, event.connection_id)
        return outcome

    def _apply(self, event: HandoffEvent) -> tuple[Decision, Handoff, StoredHandoff | None] | None:
        """Decide and save the session's handoff, deciding again when another invocation wrote first."""
        # The transcript is read once, and only if a notice is rendered (a retry of the loop reuses it).
        last_turns: list[TranscriptTurn] | None = None
        turns_read = False
        for attempt in range(SAVE_ATTEMPTS):
            if attempt:
                self.clock.sleep(SAVE_RETRY.delay(attempt - 1, random.random()))
            stored = self.store.load(event.session_id)
            current = Handoff.from_dict(stored.state) if stored else None
            decision = decide(current, event, self.clock.time())
            if decision.handoff is None or decision.action == "ignored":
                return None
            if decision.send == "notice" and not turns_read:
                last_turns = self._turns(event.session_id)
                turns_read = True
            handoff = self._with_message(decision, last_turns)
            if self._save(event.session_id, decision, handoff, stored):
                return decision, handoff, stored
            log.info("handoff for %s changed under us; applying the event again", event.session_id)
        raise DeliveryError(f"handoff for {event.session_id}: record kept changing")

    def _turns(self, session_id: str) -> list[TranscriptTurn] | None:
        try:
            # One more than shown: whether the conversation is longer than the notice can carry.
            return self.transcripts.last_turns(session_id, self.turns + 1)
        except StorageError:  # the notice still goes out, with the link instead of the excerpt
            log.exception("could not read the transcript of %s for a handoff notice", session_id)
            return None

    def _with_message(self, decision: Decision, turns: list[TranscriptTurn] | None) -> Handoff:
        handoff = decision.handoff
        assert handoff is not None
        notice = next((m for m in handoff.messages if m.kind == "notice"), None)
        subject = notice.subject if notice else ""
        if decision.send == "notice":
            rendered = render_notice(handoff, turns, self.context)
        elif decision.send == "contact":
            rendered = render_contact(handoff, self.context, subject)
        elif decision.send == "feedback" and decision.event is not None:
            rendered = render_feedback(handoff, self.context, subject, decision.event.turn, decision.event.note)
        else:
            return handoff
        return handoff.with_message(decision.send, rendered.subject, rendered.body, rendered.slack)

    def _save(self, session_id: str, decision: Decision, h: Handoff, stored: StoredHandoff | None) -> bool:
        if decision.action == "duplicate":
            return True  # a redelivered event: nothing to write, but unsent messages still go out below
        version = stored.version if stored else 0
        ttl = int(h.opened_at + CONTACT_SECONDS)
        if decision.action == "opened":
            return self.store.put(session_id, h.to_dict(), version, ttl)
        return self.store.update(session_id, h.to_dict(), version, ttl)

    def _deliver(self, h: Handoff, sent: Mapping[str, str], outcome: Outcome, connection_id: str) -> None:
        failed: list[str] = []
        refs = dict(sent)  # and what this invocation sends: a follow-up goes in its notice's thread
        for channel in ("email", "slack"):
            if channel == "slack" and self.chat is None:
                log.info("no Slack webhook configured: handoff %s goes by email only", h.handoff_id)
                continue
            for message in h.messages:  # in order: a follow-up never overtakes its notice on a channel
                key = f"{message.key}/{channel}"
                if key in sent:
                    continue
                if not self._send(h, message, channel, key, outcome, refs, connection_id):
                    failed.append(key)
                    break
        if failed:
            raise DeliveryError(f"handoff {h.handoff_id}: not delivered yet: {', '.join(failed)}")

    def _send(self, h: Handoff, message: Message, channel: str, key: str, outcome: Outcome,
              refs: dict[str, str], connection_id: str) -> bool:
        now = self.clock.time()
        claimed = self.store.claim(h.session_id, h.handoff_id, key, now=now, lease_until=now + LEASE_SECONDS)
        if not claimed:
            return self._settled_elsewhere(h, key, outcome)
        try:
            ref = self._post(message, channel, outcome, _thread_of(h, refs))
        except ChannelOff as e:
            log.info("handoff %s: %s not sent: %s", h.handoff_id, key, e)
            self._quietly(self.store.release, h.session_id, key)
            return True  # not set up: nothing to retry, nothing to alarm
        except ChannelRejected as e:
            log.error(
                "configuration error: Slack refused handoff %s (%s %s): fix the webhook secret or channel; "
                "staff get the email only",
                h.handoff_id,
                e.status,
                e.code,
            )
            self.metrics.count("SlackWebhookErrors")
            ref = f"rejected: {e.status} {e.code}"  # retrying cannot fix a revoked webhook
        except AssistantError as e:
            log.error("handoff %s: %s not delivered: %s", h.handoff_id, key, e)
            self._quietly(self.store.release, h.session_id, key)
            return False
        self._quietly(self.store.mark_sent, h.session_id, key, ref)
        refs[key] = ref
        if channel == "slack" and message.kind == "notice" and _is_thread(ref):
            self._link(h, ref, connection_id)
        return True

    def _link(self, h: Handoff, thread: str, connection_id: str) -> None:
        if self.threads is None:
            return
        try:
            self.threads.link(h.session_id, thread, turn=h.turn, connection_id=connection_id,
                              ttl=int(h.opened_at + CONTACT_SECONDS))
        except StorageError:  # staff replies in that thread will not reach the visitor; the notice did go out
            log.exception("handoff %s: could not link Slack thread %s to the session", h.handoff_id, thread)

    def _settled_elsewhere(self, h: Handoff, key: str, outcome: Outcome) -> bool:
        """The claim is taken: wait briefly for the other sender; if it never finishes, Lambda retries later."""
        for _ in range(WAIT_POLLS):
            stored = self.store.load(h.session_id)
            if stored is None or stored.state.get("handoff_id") != h.handoff_id or key in stored.sent:
                outcome.skipped.append(key)  # sent, or this handoff was replaced by a newer one
                return True
            self.clock.sleep(POLL_SECONDS)
        log.warning("handoff %s: %s is still being sent elsewhere (or its sender died)", h.handoff_id, key)
        return False

    def _post(self, message: Message, channel: str, outcome: Outcome, thread: str) -> str:
        if channel == "email":
            message_id = self.notifier.publish(message.subject, message.body)
            outcome.emails.append((message, message_id))
            return message_id or "sent"
        assert self.chat is not None
        ref = self.chat.post(message.slack, thread=thread if message.kind != "notice" else "")
        outcome.slack.append(message)
        return ref or "ok"

    @staticmethod
    def _quietly(fn: Callable[..., None], *args: str) -> None:
        # After a send, a lost mark only risks a repeat on a later retry; raising would cause one now.
        try:
            fn(*args)
        except StorageError:
            log.exception("could not record delivery state %s", args[1:])


def _is_thread(ref: str) -> bool:
    """A Slack app post's reference ("<channel>:<ts>"); a webhook post has none ("ok")."""
    channel, _, ts = ref.partition(":")
    return bool(channel) and bool(ts) and not ref.startswith("rejected")


def _thread_of(h: Handoff, refs: Mapping[str, str]) -> str:
    notice = next((m for m in h.messages if m.kind == "notice"), None)
    ref = refs.get(f"{notice.key}/slack", "") if notice else ""
    return ref if _is_thread(ref) else ""


def _already_sent(decision: Decision, stored: StoredHandoff | None) -> dict[str, str]:
    """The delivery marks that still apply: a newly opened handoff starts with none."""
    if decision.action == "opened" or stored is None:
        return {}
    return dict(stored.sent)
