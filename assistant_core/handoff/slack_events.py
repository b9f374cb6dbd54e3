"""Slack's Events API requests, as fn-slack-events receives them: verified, read, queued.

Every request is signed: ``X-Slack-Signature: v0=<hex>`` is HMAC-SHA256 with the app's signing secret
over ``v0:<X-Slack-Request-Timestamp>:<raw body>``; a timestamp more than five minutes from now is a
replay and refused. The first request of a new app is ``url_verification`` (answered with its
challenge). A staff member's reply in a hand-off's thread becomes a ``staff_reply`` event for
fn-handoff, which keeps it and shows it to the visitor (``staff_desk``); everything else (bot posts,
ours included, edits, joins, top-level messages) is acknowledged and ignored. Slack retries a request
it got no 2xx for within 3 s (``X-Slack-Retry-Num``): queueing is cheap, and fn-handoff keeps each
reply once (by its ``ts``), so a retry never shows a reply twice.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from assistant_core.clock import SYSTEM_CLOCK
from assistant_core.conversation.payloads import parse_json
from assistant_core.errors import AuthError, BadInput
from assistant_core.ports import Clock

log = logging.getLogger(__name__)
MAX_AGE_SECONDS = 5 * 60
MAX_BODY_BYTES = 64 * 1024
MAX_TEXT_CHARS = 4000  # Slack's own limit for a message's text is far higher; a chat bubble is not
_TS = re.compile(r"^\d{1,12}\.\d{1,8}$")
_ID = re.compile(r"^[A-Z0-9]{1,32}$")


def verify_signature(signing_secret: str, timestamp: str, signature: str, body: bytes, now: float) -> None:
    """``AuthError`` unless Slack signed ``body`` at ``timestamp``, within five minutes of ``now``."""
    if not signing_secret:
        raise AuthError("no Slack signing secret configured")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise AuthError("missing or unreadable X-Slack-Request-Timestamp") from None
    if abs(now - sent_at) > MAX_AGE_SECONDS:
        raise AuthError(f"Slack request timestamp {sent_at} is more than five minutes from now")
    base = b"v0:" + str(sent_at).encode() + b":" + body
    expected = "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        raise AuthError("the Slack signature does not match")


@dataclass(frozen=True)
class StaffMessage:
    """A person's reply in a thread: fn-handoff's ``staff_reply`` event."""

    event_id: str
    thread: str  # "<channel>:<thread_ts>": the hand-off notice it replies to
    user: str
    text: str  # Markdown for the widget (Slack's mrkdwn links and escapes undone)
    ts: str  # the reply's own id

    def to_payload(self) -> dict[str, str]:
        return {"kind": "staff_reply", **asdict(self)}


@dataclass(frozen=True)
class Received:
    """What a request was: ``challenge`` to echo, a ``message`` queued, or ``ignored`` (and why)."""

    challenge: str = ""
    message: StaffMessage | None = None
    ignored: str = ""


def read_event(body: bytes) -> Received:
    """The request's meaning; ``BadInput`` when it is not an Events API request at all."""
    try:
        data = parse_json(body.decode("utf-8"), max_bytes=MAX_BODY_BYTES)
    except UnicodeDecodeError as e:
        raise BadInput("the body is not UTF-8") from e
    if not isinstance(data, dict):
        raise BadInput("the body is not a JSON object")
    kind = data.get("type")
    if kind == "url_verification":
        challenge = data.get("challenge")
        if not isinstance(challenge, str) or not challenge or len(challenge) > 200:
            raise BadInput("url_verification without a usable challenge")
        return Received(challenge=challenge)
    if kind != "event_callback":
        return Received(ignored=f"request type {str(kind)[:40]!r}")
    event = data.get("event")
    if not isinstance(event, dict):
        raise BadInput("event_callback without an event")
    why = _not_a_staff_reply(event)
    if why:
        return Received(ignored=why)
    text = slack_text(str(event["text"]))
    if not text:
        return Received(ignored="an empty message")
    return Received(message=StaffMessage(str(data.get("event_id") or "")[:64],
                                         f"{event['channel']}:{event['thread_ts']}",
                                         str(event.get("user") or ""), text, str(event["ts"])))


def _not_a_staff_reply(event: Mapping[str, Any]) -> str:
    if event.get("type") != "message":
        return f"event type {str(event.get('type'))[:40]!r}"
    if event.get("bot_id") or event.get("subtype"):
        return "a bot post or an edit, not a person's reply"  # our own notes in the thread included
    ts, thread = event.get("ts"), event.get("thread_ts")
    if not isinstance(ts, str) or not _TS.match(ts) or not isinstance(thread, str) or not _TS.match(thread):
        return "not in a thread"
    if ts == thread:
        return "a thread's first message"
    channel, user = event.get("channel"), event.get("user")
    if not isinstance(channel, str) or not _ID.match(channel) or not isinstance(user, str) or not _ID.match(user):
        return "no channel or user"
    if not isinstance(event.get("text"), str):
        return "no text"
    return ""


_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")


def slack_text(text: str) -> str:
    """Slack mrkdwn → the widget's Markdown: ``<url|label>`` → ``[label](url)``, mentions dropped, escapes undone."""

    def link(m: re.Match[str]) -> str:
        target, label = m.group(1), m.group(2)
        if target.startswith(("http://", "https://")):
            return f"[{label}]({target})" if label else target
        if target.startswith("mailto:"):
            return label or target.removeprefix("mailto:")
        return label or ""  # <@U123>, <#C123>, <!here>: names the visitor cannot use

    plain = _LINK.sub(link, text)
    plain = plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return plain.strip()[:MAX_TEXT_CHARS]


class SlackEventReceiver:
    """fn-slack-events' work: verify, read, queue a staff reply for fn-handoff."""

    def __init__(self, signing_secret: Callable[[], str], queue: Callable[[Mapping[str, Any]], None],
                 clock: Clock = SYSTEM_CLOCK) -> None:
        self._signing_secret = signing_secret
        self._queue = queue
        self._clock = clock

    def receive(self, headers: Mapping[str, str], body: bytes) -> Received:
        """``AuthError`` (forged, old or unsigned), ``BadInput``, or ``StorageError`` when queueing failed."""
        found = {k.lower(): v for k, v in headers.items()}
        verify_signature(self._signing_secret(), found.get("x-slack-request-timestamp", ""),
                         found.get("x-slack-signature", ""), body, self._clock.time())
        received = read_event(body)
        retry = found.get("x-slack-retry-num")
        if received.message is not None:
            self._queue(received.message.to_payload())
            log.info("staff reply %s in %s queued%s", received.message.ts, received.message.thread,
                     f" (Slack's retry {retry})" if retry else "")
        return received
