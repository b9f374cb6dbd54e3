"""The Slack webhook adapter against the local Slack double: success, retries, and refusals."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from assistant_core.errors import ConfigError, StorageError
from assistant_core.handoff.state import ChannelOff, ChannelRejected, DeliveryError
from assistant_core.remote.slack_webhook import SlackWebhook, webhook_url
from tests.doubles.slack_webhook import (
    ACTION_PROHIBITED,
    CHANNEL_ARCHIVED,
    CHANNEL_NOT_FOUND,
    INVALID_PAYLOAD,
    OK,
    ROLLUP_ERROR,
    SlackReply,
    SlackWebhookDouble,
    rate_limited,
)
from tests.fakes.clock import FakeClock

PAYLOAD = {
    "text": "Handoff H-1: visitor complaint",
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*Summary*\nBroken pot"}}],
}


@pytest.fixture
def slack() -> Iterator[SlackWebhookDouble]:
    with SlackWebhookDouble() as double:
        yield double


def adapter(url: str, t: FakeClock, **kw: float) -> SlackWebhook:
    return SlackWebhook(lambda: url, clock=t, rand=lambda: 1.0, **kw)  # sleeping advances the clock, no waiting


def test_posts_the_json_payload(slack: SlackWebhookDouble) -> None:
    adapter(slack.webhook_url, FakeClock()).post(PAYLOAD)
    assert slack.payloads == [PAYLOAD]
    assert slack.requests[0].headers["Content-Type"] == "application/json"


def test_429_honours_retry_after_and_500_backs_off(slack: SlackWebhookDouble) -> None:
    slack.script(rate_limited(3), ROLLUP_ERROR, OK)
    t = FakeClock()
    adapter(slack.webhook_url, t).post(PAYLOAD)
    assert len(slack.requests) == 3 and slack.payloads[-1] == PAYLOAD
    assert t.sleeps == [3.0, 1.0]  # Retry-After, then full jitter at its cap (rand=1): 0.5 * 2**1


def test_still_failing_within_the_budget_is_a_delivery_error(slack: SlackWebhookDouble) -> None:
    slack.script(*[ROLLUP_ERROR] * 10)
    t = FakeClock()
    with pytest.raises(DeliveryError, match="HTTP 500 rollup_error"):
        adapter(slack.webhook_url, t).post(PAYLOAD)
    assert len(slack.requests) == 4 and sum(t.sleeps) <= 12


def test_a_retry_after_beyond_the_budget_gives_up_at_once(slack: SlackWebhookDouble) -> None:
    slack.script(rate_limited(60))
    t = FakeClock()
    with pytest.raises(DeliveryError, match="429"):
        adapter(slack.webhook_url, t).post(PAYLOAD)
    assert len(slack.requests) == 1 and t.sleeps == []  # Lambda's retry comes back later instead


@pytest.mark.parametrize("reply", [INVALID_PAYLOAD, ACTION_PROHIBITED, CHANNEL_NOT_FOUND, CHANNEL_ARCHIVED])
def test_4xx_is_rejected_at_once_with_slacks_code(slack: SlackWebhookDouble, reply: SlackReply) -> None:
    slack.script(reply)
    with pytest.raises(ChannelRejected) as e:
        adapter(slack.webhook_url, FakeClock()).post(PAYLOAD)
    assert (e.value.status, e.value.code) == (reply.status, reply.text) and len(slack.requests) == 1


def test_the_double_refuses_what_slack_would(slack: SlackWebhookDouble) -> None:
    bad = {"text": "x", "blocks": [{"type": "header", "text": {"type": "mrkdwn", "text": "no"}}]}
    with pytest.raises(ChannelRejected, match="invalid_blocks"):
        adapter(slack.webhook_url, FakeClock()).post(bad)


def test_connection_refused_is_retried_then_a_delivery_error_without_the_secret_url() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again below: nothing listens there
    url = f"http://127.0.0.1:{port}/services/T000/B000/SECRETPART"
    t = FakeClock()
    with pytest.raises(DeliveryError) as e:
        adapter(url, t).post(PAYLOAD)
    assert "SECRETPART" not in str(e.value) and len(t.sleeps) == 3


def test_secret_formats_and_secret_faults() -> None:
    assert webhook_url(" https://hooks.slack.com/services/A/B/C\n") == "https://hooks.slack.com/services/A/B/C"
    assert webhook_url('{"webhook_url": "https://hooks.slack.com/x"}') == "https://hooks.slack.com/x"
    with pytest.raises(ChannelOff):
        webhook_url("")
    with pytest.raises(ChannelRejected):
        webhook_url("xoxb-not-a-url")

    def missing() -> str:
        raise ConfigError("secret 'chat-assistant/slack-webhook' does not exist")

    def unreachable() -> str:
        raise StorageError("read secret: timeout")

    with pytest.raises(ChannelOff):
        SlackWebhook(missing).post(PAYLOAD)
    with pytest.raises(DeliveryError):
        SlackWebhook(unreachable).post(PAYLOAD)
