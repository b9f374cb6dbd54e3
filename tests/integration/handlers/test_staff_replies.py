"""Staff reply from Slack, end to end over moto and the Slack API double: the notice starts a thread,
fn-slack-events takes only Slack-signed events, fn-handoff shows each reply to the visitor once (or when
they come back), the assistant stays quiet while staff reply, and a 👎 with a comment reaches the thread."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from assistant_core.bootstrap.lambdas import Runtime, install
from assistant_core.handoff.state import DeliveryError
from handlers import answerer, handoff, slack_events, ws_connect, ws_message
from tests.doubles.slack_api import (
    BOT_TOKEN,
    CHANNEL,
    OUTAGE,
    SIGNING_SECRET,
    SlackApiDouble,
    error,
    signed_request,
    thread_reply,
)
from tests.fakes.handoff import handoff_payload

from .conftest import event, posted

CID = "Xk1aBcD2SQ0CF3g="  # the recorded events' connection, session s-1
SECRET = "chat-assistant/slack-app"


@pytest.fixture
def slack(rt: Runtime) -> Iterator[SlackApiDouble]:
    with SlackApiDouble() as double:
        boto3.client("secretsmanager", region_name="ap-southeast-1").create_secret(
            Name=SECRET, SecretString=json.dumps({"bot_token": BOT_TOKEN, "signing_secret": SIGNING_SECRET}))
        install(rt.with_(rt.settings.with_(slack_app_secret=SECRET, slack_channel=CHANNEL,
                                           slack_api_base=double.api_base, rate_limit_per_minute=1000,
                                           rate_limit_burst=1000)))
        yield double


def rt_now() -> Runtime:
    from handlers._compose import runtime

    return runtime()


def slack_post(body: dict[str, Any] | bytes, **kw: Any) -> dict[str, Any]:
    headers, raw = signed_request(body, **kw)
    ev = {"version": "2.0", "rawPath": "/", "headers": {k.lower(): v for k, v in headers.items()},
          "requestContext": {"http": {"method": "POST", "path": "/"}}, "body": raw.decode(), "isBase64Encoded": False}
    return slack_events.handler(ev, None)


def run_queued() -> list[dict[str, Any]]:
    """Run what was queued for fn-handoff (as Lambda would), oldest first; the results."""
    calls = rt_now().invoker.calls
    out = []
    while calls:
        fn, payload = calls.pop(0)
        assert fn == "fn-handoff", fn
        out.append(handoff.handler(payload, None))
    return out


def staff_frames(cid: str = CID) -> list[dict[str, Any]]:
    return [f for f in posted(cid) if f["type"] == "staff"]


def hand_off(slack: SlackApiDouble, connection_id: str = CID) -> str:
    """A hand-off of turn t2; the notice's ts (the thread)."""
    result = handoff.handler(handoff_payload(connection_id=connection_id), None)
    assert result["action"] == "opened"
    [notice] = [p for p in slack.posts if not p.thread_ts]
    assert any("Reply in this thread" in json.dumps(b) for b in notice.blocks)
    return notice.ts


def test_a_staff_reply_reaches_the_connected_visitor_once(slack: SlackApiDouble) -> None:
    ws_connect.handler(event("ws_connect"), None)
    ts = hand_off(slack)
    reply = thread_reply(ts, "Hi, I'm Ana. Your refund of <https://shop.example/r|S$12> went out today.",
                         ts="1780000100.000200", event_id="Ev01")
    assert slack_post(reply)["statusCode"] == 200
    assert run_queued() == [{"session_id": "s-1", "shown": True}]
    [frame] = staff_frames()
    assert frame == {"type": "staff", "id": "1780000100.000200", "turn": "t2", "name": "Staff",
                     "text": "Hi, I'm Ana. Your refund of [S$12](https://shop.example/r) went out today."}
    assert [p.text for p in slack.in_thread(ts)] == ["✓ Shown to the visitor in the chat."]
    # Slack's retry of the same event, and Lambda's redelivery: the visitor still sees it once.
    assert slack_post(reply, retry=1)["statusCode"] == 200
    run_queued()
    assert len(staff_frames()) == 1 and len(slack.in_thread(ts)) == 1


def test_slack_display_names_when_the_owner_wants_them(slack: SlackApiDouble, rt: Runtime) -> None:
    install(rt_now().with_(rt_now().settings.with_(staff_names="slack")))
    ws_connect.handler(event("ws_connect"), None)
    ts = hand_off(slack)
    slack_post(thread_reply(ts, "Hello!", user="U0ANA"))
    run_queued()
    assert staff_frames()[0]["name"] == "Ana"


def test_a_visitor_who_left_sees_the_reply_when_they_come_back(slack: SlackApiDouble) -> None:
    ts = hand_off(slack, connection_id="")  # the visitor's connection is unknown (they left)
    slack_post(thread_reply(ts, "We found your order.", ts="1780000100.000300"))
    assert run_queued() == [{"session_id": "s-1", "shown": False}]
    assert "not in the chat right now" in slack.in_thread(ts)[0].text
    ws_connect.handler(event("ws_connect"), None)  # they come back: the widget pings on every new connection
    ws_message.handler(event("ws_message", body='{"action":"ping"}'), None)
    assert [f["type"] for f in posted(CID)] == ["pong", "staff"]
    assert staff_frames()[0]["text"] == "We found your order."
    run_queued()  # the 'seen' note
    assert "has now seen the reply" in slack.in_thread(ts)[-1].text
    ws_message.handler(event("ws_message", body='{"action":"ping"}'), None)
    assert len(staff_frames()) == 1  # seen once, never again


def test_the_assistant_stays_quiet_while_staff_reply(slack: SlackApiDouble) -> None:
    ws_connect.handler(event("ws_connect"), None)
    ts = hand_off(slack)
    slack_post(thread_reply(ts, "Looking into it now."))
    run_queued()
    ws_message.handler(event("ws_message"), None)  # the visitor asks something meanwhile
    [(fn, job)] = rt_now().invoker.calls
    assert fn == "fn-answerer"
    rt_now().invoker.calls.clear()
    assert answerer.handler(job, None)["relayed_to_staff"] is True
    final = posted(CID)[-1]
    assert final["type"] == "handoff" and final["reason"] == "staff_active" and final["ask_contact"] is False
    assert run_queued() == [{"relayed": "s-1"}]
    assert slack.in_thread(ts)[-1].text == "*Visitor:* How long are gift cards valid for?"
    assert rt_now().transcripts.table.scan()["Items"] == []  # the model never ran


def test_a_thumbs_down_with_a_comment_on_the_handed_off_turn_reaches_the_thread(slack: SlackApiDouble) -> None:
    ws_connect.handler(event("ws_connect"), None)
    ts = hand_off(slack)
    rt_now().transcripts.table.put_item(Item={"session_id": "s-1", "turn_index": 2, "turn_id": "t2",
                                              "tool": "answer", "question": "Refund?", "text": "Refunds take 5 days.",
                                              "citation_ids": ["p1"], "retrieved": [], "created_at": "2026-12-04"})
    body = json.dumps({"action": "feedback", "turn": "t2", "rating": "down", "comment": "It has been 2 weeks"})
    ws_message.handler(event("ws_message", body=body), None)
    assert posted(CID)[-1] == {"type": "feedback_saved", "turn": "t2", "rating": "down"}
    [result] = run_queued()
    assert result["action"] == "feedback"
    assert "It has been 2 weeks" in json.dumps(slack.in_thread(ts)[-1].blocks)


def test_only_slack_signed_fresh_requests_are_taken(slack: SlackApiDouble) -> None:
    ts = hand_off(slack)
    reply = thread_reply(ts, "hello")
    assert slack_post(reply, secret="forged")["statusCode"] == 401
    assert slack_post(reply, at=time.time() - 301)["statusCode"] == 401  # a replay after five minutes
    headers, raw = signed_request(reply)
    tampered = {"version": "2.0", "headers": {k.lower(): v for k, v in headers.items()},
                "requestContext": {"http": {"method": "POST"}}, "body": raw.decode().replace("hello", "pay here"),
                "isBase64Encoded": False}
    assert slack_events.handler(tampered, None)["statusCode"] == 401
    assert slack_events.handler({**tampered, "requestContext": {"http": {"method": "GET"}}}, None)["statusCode"] == 405
    assert rt_now().invoker.calls == []
    challenge = slack_post({"type": "url_verification", "token": "x", "challenge": "c-123"})
    assert json.loads(challenge["body"]) == {"challenge": "c-123"}
    assert slack_post(b"[" * 400 + b"]" * 400)["statusCode"] == 400
    bot = thread_reply(ts, "✓ Shown", bot_id="B0OURS")
    assert slack_post(bot)["statusCode"] == 200 and rt_now().invoker.calls == []


def test_a_reply_in_a_thread_we_do_not_know_is_dropped(slack: SlackApiDouble) -> None:
    hand_off(slack)
    assert slack_post(thread_reply("1700000000.000001", "hi"))["statusCode"] == 200
    assert run_queued() == [{"ignored": "unknown thread"}]


def test_slack_outages_are_retried_and_setup_errors_are_not(slack: SlackApiDouble,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    slack.script(OUTAGE, OUTAGE, OUTAGE, OUTAGE)
    with pytest.raises(DeliveryError):  # Lambda's async retry posts it later; the email already went
        handoff.handler(handoff_payload(), None)
    result = handoff.handler(handoff_payload(), None)  # the retry
    assert result["action"] == "duplicate" and [s["kind"] for s in result["slack"]] == ["notice"]
    assert len([p for p in slack.posts if not p.thread_ts]) == 1 and result["emails"] == []
    slack.script(error("not_in_channel"))  # the bot was never invited to the channel: fix the setup
    other = handoff.handler(handoff_payload(session_id="s-2"), None)
    assert other["action"] == "opened" and len(other["emails"]) == 1 and other["slack"] == []
    assert "configuration error" in caplog.text and rt_now().staff_threads.load("s-2") is None


def test_without_the_slack_app_staff_events_are_dropped(rt: Runtime) -> None:
    assert handoff.handler({"kind": "staff_reply", "thread": "C1:1.2", "ts": "1.3", "text": "hi"}, None)["ignored"]
    assert ws_connect.handler(event("ws_connect"), None) == {"statusCode": 200}
    ws_message.handler(event("ws_message", body='{"action":"ping"}'), None)
    assert posted(CID) == [{"type": "pong"}]
