"""fn-handoff end to end over moto (SNS, DynamoDB, Secrets Manager) and the local Slack double."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from assistant_core.answering.ports import TurnRecord
from assistant_core.bootstrap.lambdas import Runtime, install
from assistant_core.handoff.state import DeliveryError
from handlers import handoff
from tests.doubles.slack_webhook import CHANNEL_ARCHIVED, ROLLUP_ERROR, SlackWebhookDouble
from tests.fakes.handoff import handoff_payload

REGION = "ap-southeast-1"
SECRET = "chat-assistant/slack-webhook"


def contact_event(email: str = "ana@example.com") -> dict[str, Any]:
    return {
        "kind": "contact",
        "session_id": "s-1",
        "connection_id": "c-1",
        "turn": "t2",
        "email": email,
        "note": "after 5pm please",
    }


@dataclass
class Staff:
    """What staff receive: the email topic (through an SQS subscription) and the Slack channel."""

    rt: Runtime
    slack: SlackWebhookDouble
    queue_url: str

    def emails(self) -> list[dict[str, Any]]:
        sqs = boto3.client("sqs", region_name=REGION)
        out = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in out]


@pytest.fixture
def staff(rt: Runtime) -> Iterator[Staff]:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="staff")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    boto3.client("sns", region_name=REGION).subscribe(
        TopicArn=rt.settings.handoff_topic_arn, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "false"}
    )
    with SlackWebhookDouble() as slack:
        boto3.client("secretsmanager", region_name=REGION).create_secret(Name=SECRET, SecretString=slack.webhook_url)
        runtime = install(rt.with_(rt.settings.with_(slack_webhook_secret=SECRET)))
        yield Staff(runtime, slack, url)


def save_turns(rt: Runtime, n: int) -> None:
    for i in range(1, n + 1):
        rt.transcripts.save_turn(
            TurnRecord(
                session_id="s-1",
                turn_index=i,
                turn_id=f"t{i}",
                connection_id="c-1",
                question=f"question {i}",
                page_url="https://shop.example/help",
                tool="hand_off" if i == n else "answer",
                model_tool="answer",
                text=f"reply {i}",
                citation_ids=[],
                retrieved=[],
                downgrade_reason="",
                downgrade_detail="",
                model_id="m",
                prompt_version="v",
                latencies={},
                created_at=f"2026-05-01T10:0{i}:00.000Z",
            )
        )


def test_a_handoff_emails_and_posts_one_notice_with_the_conversation(staff: Staff) -> None:
    save_turns(staff.rt, 8)
    out = handoff.handler(handoff_payload("t8"), None)
    assert out["action"] == "opened" and out["published"]
    [email] = staff.emails()
    assert email["Subject"] == f"Handoff {out['handoff_id']}: visitor complaint (our help centre)"
    body = email["Message"]
    assert "Parcel arrived broken" in body and "https://shop.example/help" in body
    assert "The whole conversation (8 turns):" in body  # short: all of it, no link to follow
    assert all(f"question {i}" in body for i in range(1, 9))
    assert "console.aws" not in body and "Full transcript" not in body
    [payload] = staff.slack.payloads
    assert payload["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text": "Visitor complaint"}}
    assert sum("*Visitor (t" in json.dumps(b) for b in payload["blocks"]) == 8
    assert "console.aws" not in json.dumps(payload)


def test_contact_updates_the_same_handoff_instead_of_a_second_notice(staff: Staff) -> None:
    first = handoff.handler(handoff_payload(), None)
    again = handoff.handler(handoff_payload("t3", reason="visitor_request"), None)
    contact = handoff.handler(contact_event(), None)
    assert again["action"] == "updated" and contact["action"] == "contact"
    assert first["handoff_id"] == again["handoff_id"] == contact["handoff_id"]
    subjects = [e["Subject"] for e in staff.emails()]
    assert subjects == [first["subject"], f"Re: {first['subject']}"]
    assert len(staff.slack.payloads) == 2 and "ana@example.com" in staff.slack.payloads[1]["text"]
    item = staff.rt.sessions.table.get_item(Key={"connection_id": "handoff#s-1"})["Item"]
    assert json.loads(item["state"])["contact_email"] == "ana@example.com" and len(item["sent"]) == 4


def test_a_session_without_transcript_still_gets_its_notice(staff: Staff) -> None:
    handoff.handler(handoff_payload(), None)
    [email] = staff.emails()
    assert "No transcript was recorded for this session." in email["Message"]


def test_an_invalid_contact_email_is_dropped(staff: Staff, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        out = handoff.handler(contact_event("not an email"), None)
    assert "invalid email" in out["ignored"] and staff.emails() == [] and staff.slack.payloads == []
    assert "dropped" in caplog.text


def test_slack_down_sends_the_email_and_the_lambda_retry_posts_once(staff: Staff) -> None:
    staff.slack.script(*[ROLLUP_ERROR] * 4)
    with pytest.raises(DeliveryError):
        handoff.handler(handoff_payload(), None)
    assert len(staff.emails()) == 1 and staff.slack.payloads == []
    handoff.handler(handoff_payload(), None)  # Lambda's async retry of the same event
    assert staff.emails() == [] and len(staff.slack.payloads) == 1


def test_an_archived_channel_is_a_config_error_and_the_email_still_goes(
    staff: Staff, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    staff.slack.script(CHANNEL_ARCHIVED)
    with caplog.at_level(logging.ERROR):
        out = handoff.handler(handoff_payload(), None)
    assert out["published"] and len(staff.emails()) == 1 and staff.slack.payloads == []
    assert "configuration error" in caplog.text and "channel_is_archived" in caplog.text
    [metric] = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith('{"_aws"')]
    assert metric["SlackWebhookErrors"] == 1 and metric["Stage"] == staff.rt.settings.stage


def _throttle_sns(rt: Runtime) -> Any:
    """Answer every Publish with SNS's throttling error, at botocore's own hook (no patching of our code)."""

    def refuse(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        error = {
            "Error": {"Code": "Throttling", "Message": "Rate exceeded"},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }
        return AWSResponse("https://sns", 400, {}, None), error

    rt.notifier.client.meta.events.register("before-call.sns.Publish", refuse)
    return lambda: rt.notifier.client.meta.events.unregister("before-call.sns.Publish", refuse)


def test_sns_throttled_still_posts_slack_and_the_retry_sends_the_email_once(staff: Staff) -> None:
    stop = _throttle_sns(staff.rt)
    with pytest.raises(DeliveryError, match="email"):
        handoff.handler(handoff_payload(), None)
    assert staff.emails() == [] and len(staff.slack.payloads) == 1
    stop()
    out = handoff.handler(handoff_payload(), None)
    assert out["action"] == "duplicate" and len(staff.emails()) == 1 and len(staff.slack.payloads) == 1


class LambdaAsync:
    """Async invokes as Lambda runs them, retried twice when the function raises, after a pause (Lambda
    waits a minute, then two; here seconds). One at a time: moto's conditional writes are not atomic
    across threads, so concurrent senders would race in the double where DynamoDB would not (the
    service's conflict handling has its own tests with a fake store)."""

    def __init__(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.pool = ThreadPoolExecutor(max_workers=1)
        self.futures: list[Any] = []

    def invoke_async(self, function: str, payload: dict[str, Any]) -> None:
        assert function == "fn-handoff"
        self.futures.append(self.pool.submit(self._run, dict(payload)))

    @staticmethod
    def _run(payload: dict[str, Any]) -> None:
        import time

        for attempt in range(3):
            try:
                handoff.handler(payload, None)
                return
            except Exception:
                if attempt == 2:
                    raise
                time.sleep(2.0 * (attempt + 1))

    def drain(self) -> None:
        for f in self.futures:
            f.result(timeout=60)


def test_a_burst_of_contacts_is_rate_limited_and_every_thanked_contact_reaches_email_and_slack_once(
        staff: Staff) -> None:
    from handlers import ws_connect, ws_message

    from .conftest import event, posted

    save_turns(staff.rt, 2)
    handoff.handler(handoff_payload("t2"), None)
    staff.emails()  # the notice
    lam = LambdaAsync()
    install(staff.rt.with_(invoker=lam))
    assert ws_connect.handler(event("ws_connect"), None) == {"statusCode": 200}
    for i in range(20):
        body = json.dumps({"action": "contact", "turn": "t2", "email": f"ana{i}@example.com"})
        ws_message.handler(event("ws_message", body=body), None)
    lam.drain()
    replies = [f for f in posted("Xk1aBcD2SQ0CF3g=") if f.get("reason") == "contact_saved" or f["type"] == "error"]
    thanked = [f["message"].removeprefix("Thanks! Our team will reply to ").rstrip(".") for f in replies
               if f.get("reason") == "contact_saved"]
    # The limits count in clock-aligned windows (3 per 10 s, 6 per minute): a burst that straddles a window
    # boundary gets 3 + 3 through, never more than the minute's 6. The rest were told they go too fast.
    assert 1 <= len(thanked) <= 6 and len(replies) == 20
    assert {f.get("code") for f in replies if f["type"] == "error"} == {"rate_limited"}
    emails = []
    while batch := staff.emails():
        emails += batch
    for address in thanked:
        assert sum(address + " " in e["Message"] or address + "\n" in e["Message"] for e in emails) == 1, address
        assert sum(address in json.dumps(p) for p in staff.slack.payloads[1:]) == 1, address
    assert len(staff.slack.payloads) == 1 + len(thanked)
