"""Slack's Events API requests: signature (v0 HMAC, five-minute window), what is a staff reply, mrkdwn → Markdown."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest

from assistant_core.errors import AuthError, BadInput
from assistant_core.handoff.slack_events import SlackEventReceiver, read_event, slack_text, verify_signature
from tests.fakes.clock import FakeClock

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
NOW = 1_780_000_000


def sign(body: bytes, ts: int = NOW, secret: str = SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), b"v0:%d:" % ts + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}


def reply_event(**event: Any) -> bytes:
    base = {"type": "message", "channel": "C0HANDOFF", "user": "U0STAFF", "text": "Your refund went out today.",
            "ts": "1780000001.000200", "thread_ts": "1780000000.000100"}
    return json.dumps({"type": "event_callback", "event_id": "Ev0001", "team_id": "T1",
                       "event": {**base, **event}}).encode()


def test_a_good_signature_passes_and_anything_else_is_refused() -> None:
    body = reply_event()
    h = sign(body)
    verify_signature(SECRET, h["X-Slack-Request-Timestamp"], h["X-Slack-Signature"], body, NOW + 10)
    bad = [
        (SECRET, h["X-Slack-Request-Timestamp"], h["X-Slack-Signature"], body + b" ", NOW),  # tampered body
        ("another-secret", h["X-Slack-Request-Timestamp"], h["X-Slack-Signature"], body, NOW),  # forged
        (SECRET, h["X-Slack-Request-Timestamp"], h["X-Slack-Signature"], body, NOW + 301),  # replayed later
        (SECRET, h["X-Slack-Request-Timestamp"], h["X-Slack-Signature"], body, NOW - 301),  # from the future
        (SECRET, "", h["X-Slack-Signature"], body, NOW),
        (SECRET, "soon", h["X-Slack-Signature"], body, NOW),
        (SECRET, h["X-Slack-Request-Timestamp"], "", body, NOW),
        (SECRET, h["X-Slack-Request-Timestamp"], h["X-Slack-Signature"].replace("v0=", "v1="), body, NOW),
        ("", h["X-Slack-Request-Timestamp"], h["X-Slack-Signature"], body, NOW),  # not configured
        (SECRET, h["X-Slack-Request-Timestamp"], "v0=\u00e9", body, NOW),
    ]
    for args in bad:
        with pytest.raises(AuthError):
            verify_signature(*args)


def test_a_persons_reply_in_a_thread_is_a_staff_message() -> None:
    got = read_event(reply_event(text="See <https://shop.example/refunds|our refunds page> &amp; <@U0BOSS>, "
                                      "or mail <mailto:help@shop.example|help@shop.example> &lt;3"))
    assert got.message is not None and not got.ignored
    m = got.message
    assert (m.event_id, m.thread, m.user, m.ts) == ("Ev0001", "C0HANDOFF:1780000000.000100", "U0STAFF",
                                                   "1780000001.000200")
    assert m.text == "See [our refunds page](https://shop.example/refunds) & , or mail help@shop.example <3"
    assert m.to_payload()["kind"] == "staff_reply"


@pytest.mark.parametrize("event", [
    {"bot_id": "B0OURS"},  # our own notes in the thread
    {"subtype": "message_changed"},
    {"subtype": "channel_join"},
    {"thread_ts": None},  # a top-level message in the channel
    {"thread_ts": "1780000001.000200"},  # the thread's first message itself
    {"type": "reaction_added"},
    {"user": None},
    {"channel": "not a channel"},
    {"text": "   "},
    {"text": 7},
])
def test_everything_else_is_acknowledged_and_ignored(event: dict[str, Any]) -> None:
    got = read_event(reply_event(**event))
    assert got.message is None and got.ignored


def test_url_verification_gets_its_challenge_back_and_junk_is_bad_input() -> None:
    body = json.dumps({"type": "url_verification", "token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY"})
    assert read_event(body.encode()).challenge == "3eZbrw1aBm2rZgRNFdxV2595E9CY"
    assert read_event(b'{"type": "app_rate_limited"}').ignored
    for junk in (b"not json", b"\xff\xfe", b"[1, 2]", b'{"type": "url_verification"}', b"[" * 500 + b"]" * 500,
                 b'{"type": "event_callback", "event": "x"}', b'{"a": "' + b"x" * 70_000 + b'"}'):
        with pytest.raises(BadInput):
            read_event(junk)


def test_slack_text_never_makes_a_link_that_is_not_http() -> None:
    assert slack_text("<javascript:alert(1)|click> <#C123|general> <!here>") == "click general"
    assert slack_text("<https://a.example>") == "https://a.example"
    assert len(slack_text("x" * 5000)) == 4000


def test_the_receiver_queues_verified_replies_only_and_retries_are_queued_again() -> None:
    queued: list[dict[str, Any]] = []
    receiver = SlackEventReceiver(lambda: SECRET, queued.append, FakeClock(NOW))
    body = reply_event()
    receiver.receive(sign(body), body)
    receiver.receive({**sign(body), "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}, body)
    assert [q["ts"] for q in queued] == ["1780000001.000200"] * 2  # fn-handoff keeps the reply once (by ts)
    with pytest.raises(AuthError):
        receiver.receive(sign(body, secret="forged"), body)
    with pytest.raises(AuthError):
        receiver.receive(sign(body, ts=NOW - 600), body)
    assert len(queued) == 2
    challenge = json.dumps({"type": "url_verification", "challenge": "abc"}).encode()
    assert receiver.receive(sign(challenge), challenge).challenge == "abc" and len(queued) == 2
