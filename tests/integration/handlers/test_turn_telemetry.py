"""fn-answerer over moto: each turn emits one EMF line and one audit event; EventBridge down changes nothing."""

from __future__ import annotations

import json
import logging

import boto3
import pytest

from assistant_core.aws.telemetry import EventBridgeAudit, TurnTelemetry
from assistant_core.bootstrap.lambdas import Runtime, install
from handlers import answerer, ws_connect, ws_message

from .conftest import event, posted

REGION = "ap-southeast-1"
CID = "Xk1aBcD2SQ0CF3g="


def one_turn(rt: Runtime) -> dict:
    ws_connect.handler(event("ws_connect"), None)
    ws_message.handler(event("ws_message"), None)
    [(_, payload)] = rt.invoker.calls
    return answerer.handler(payload, None)


def test_a_turn_emits_metrics_and_an_audit_event(rt: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    sqs, events = boto3.client("sqs", region_name=REGION), boto3.client("events", region_name=REGION)
    url = sqs.create_queue(QueueName="audit")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="audit", EventPattern=json.dumps({"source": ["website-assistant"]}))
    events.put_targets(Rule="audit", Targets=[{"Id": "q", "Arn": arn}])
    with caplog.at_level(logging.DEBUG, logger="assistant_core.metrics"):  # where the local stage writes EMF
        out = one_turn(rt)
    assert out["tool"] == "answer"
    [emf] = [json.loads(r.getMessage()) for r in caplog.records if r.name == "assistant_core.metrics"]
    assert emf["Answer"] == 1 and emf["TotalMs"] >= emf["RetrieveMs"] >= 0 and emf["Stage"] == rt.settings.stage
    [message] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    detail = json.loads(message["Body"])["detail"]
    assert (detail["session_id"], detail["turn"], detail["connection_id"]) == ("s-1", "t1", CID)
    assert detail["question"].startswith("How long") and detail["cited"]
    assert set(detail["cited"]) <= {p["id"] for p in detail["retrieved"]}
    assert set(detail["latencies"]) == {"retrieve_ms", "first_token_ms", "first_flush_ms", "total_ms"}


def test_eventbridge_failing_does_not_affect_the_turn(rt: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    lines: list[str] = []
    audit = EventBridgeAudit(boto3.client("events", region_name=REGION), "deleted-bus")
    rt = install(rt.with_(telemetry=TurnTelemetry("prod", audit, lines.append)))  # the answerer is built with it
    with caplog.at_level(logging.WARNING):
        out = one_turn(rt)
    assert out["tool"] == "answer" and "error" not in out
    assert posted(CID)[-1]["type"] == "answer"
    assert rt.transcripts.table.get_item(Key={"session_id": "s-1", "turn_index": 1}).get("Item")
    assert len(lines) == 1 and json.loads(lines[0])["Stage"] == "prod"
    assert any("audit event of turn t1 not delivered" in r.getMessage() for r in caplog.records)
