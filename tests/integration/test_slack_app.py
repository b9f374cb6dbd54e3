"""The Slack app adapter against the Slack Web API double: threads, names, retries and refusals."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from assistant_core.errors import ConfigError, StorageError
from assistant_core.handoff.state import ChannelOff, ChannelRejected, DeliveryError
from assistant_core.remote.slack_app import SlackApp, app_credentials
from tests.doubles.slack_api import (
    BOT_TOKEN,
    CHANNEL,
    OUTAGE,
    SIGNING_SECRET,
    ApiReply,
    SlackApiDouble,
    error,
    rate_limited,
)
from tests.fakes.clock import FakeClock

SECRET = json.dumps({"bot_token": BOT_TOKEN, "signing_secret": SIGNING_SECRET})
NOTICE = {"text": "Handoff H-1", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*Summary*"}}]}


@pytest.fixture
def slack() -> Iterator[SlackApiDouble]:
    with SlackApiDouble() as double:
        yield double


def app(slack: SlackApiDouble, secret: str = SECRET, clock: FakeClock | None = None) -> SlackApp:
    return SlackApp(lambda: secret, CHANNEL, api_base=slack.api_base, clock=clock or FakeClock(), rand=lambda: 1.0)


def test_a_notice_starts_a_thread_and_replies_go_in_it(slack: SlackApiDouble) -> None:
    a = app(slack)
    thread = a.post(NOTICE)
    channel, ts = thread.split(":")
    assert channel == CHANNEL and slack.posts[0].ts == ts and slack.posts[0].thread_ts == ""
    assert a.post({"text": "Contact details"}, thread=thread) == f"{CHANNEL}:{slack.posts[1].ts}"
    assert slack.posts[1].thread_ts == ts
    sent = slack.requests[0]
    assert sent.headers["Authorization"] == f"Bearer {BOT_TOKEN}" and sent.json["unfurl_links"] is False


def test_display_names(slack: SlackApiDouble) -> None:
    assert app(slack).display_name("U0ANA") == "Ana"
    with pytest.raises(ChannelRejected, match="user_not_found"):
        app(slack).display_name("U0NOBODY")


def test_rate_limits_and_outages_are_retried_within_the_budget(slack: SlackApiDouble) -> None:
    clock = FakeClock()
    slack.script(rate_limited(2), OUTAGE)
    assert app(slack, clock=clock).post(NOTICE).startswith(CHANNEL)
    assert clock.sleeps[0] == 2  # Retry-After wins
    slack.script(OUTAGE, OUTAGE, OUTAGE, OUTAGE)
    with pytest.raises(DeliveryError):
        app(slack).post(NOTICE)
    slack.script(error("internal_error"))
    with pytest.raises(DeliveryError):  # HTTP 200 {"ok": false} can be transient too
        app(slack).post(NOTICE)


@pytest.mark.parametrize("reply", [error("not_in_channel"), error("invalid_auth"), error("channel_not_found"),
                                   ApiReply(404, {"ok": False}), ApiReply(200, {"no": "ok"})])
def test_setup_errors_are_rejections_not_retries(slack: SlackApiDouble, reply: ApiReply) -> None:
    slack.script(reply)
    with pytest.raises(ChannelRejected):
        app(slack).post(NOTICE)
    assert len(slack.requests) == 1


def test_the_secret(slack: SlackApiDouble) -> None:
    assert app_credentials(SECRET).signing_secret == SIGNING_SECRET
    with pytest.raises(ChannelOff):
        app(slack, secret="").post(NOTICE)  # the stack creates the secret empty
    for bad in ("xoxb-only-a-token", '{"bot_token": "x"}', "[]"):
        with pytest.raises(ChannelRejected):
            app(slack, secret=bad).post(NOTICE)
    with pytest.raises(ChannelRejected, match="invalid_auth"):
        app(slack, secret=json.dumps({"bot_token": "xoxb-revoked", "signing_secret": "s"})).post(NOTICE)

    def missing() -> str:
        raise ConfigError("secret 'chat-assistant/slack-app' does not exist")

    def unreachable() -> str:
        raise StorageError("secrets manager unavailable")

    with pytest.raises(ChannelOff):
        SlackApp(missing, CHANNEL, api_base=slack.api_base).post(NOTICE)
    with pytest.raises(DeliveryError):
        SlackApp(unreachable, CHANNEL, api_base=slack.api_base).post(NOTICE)
    assert slack.requests == [r for r in slack.requests if "xoxb-revoked" in r.headers["Authorization"]]
