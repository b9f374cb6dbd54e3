"""The per-turn telemetry adapter against moto's EventBridge: delivered, refused, and never raised."""

from __future__ import annotations

import json
import logging
from typing import Any

import boto3
import pytest

from assistant_core.aws.telemetry import DETAIL_TYPE, SOURCE, EventBridgeAudit, TurnTelemetry
from assistant_core.bootstrap.lambdas import Runtime
from assistant_core.errors import StorageError

from .test_archive import turn

REGION = "ap-southeast-1"


def audit_queue(bus: str = "default") -> tuple[Any, str]:
    """An SQS queue receiving every AssistantTurn event of ``bus``, to read what was published."""
    sqs, events = boto3.client("sqs", region_name=REGION), boto3.client("events", region_name=REGION)
    url = sqs.create_queue(QueueName=f"audit-{bus}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(
        Name="audit", EventBusName=bus, EventPattern=json.dumps({"source": [SOURCE], "detail-type": [DETAIL_TYPE]})
    )
    events.put_targets(Rule="audit", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
    return sqs, url


def received(sqs: Any, url: str) -> list[dict]:
    return [
        json.loads(m["Body"]) for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    ]


class RefusingEvents:
    """PutEvents answering 200 with a refused entry, as EventBridge does under throttling."""

    def put_events(self, Entries: list[dict]) -> dict:  # boto3 spells it Entries
        return {
            "FailedEntryCount": 1,
            "Entries": [{"ErrorCode": "ThrottlingException", "ErrorMessage": "Rate exceeded"}],
        }


def test_a_turn_becomes_one_metrics_line_and_one_audit_event(rt: Runtime) -> None:
    events = boto3.client("events", region_name=REGION)
    events.create_event_bus(Name="chat-assistant-audit")
    sqs, url = audit_queue("chat-assistant-audit")
    lines: list[str] = []
    telemetry = TurnTelemetry("prod", EventBridgeAudit(events, "chat-assistant-audit"), lines.append)
    telemetry.turn_finished(turn("s1", 3, "2026-11-20T10:00:00.000Z", downgrade_reason="model_error", tool="hand_off"))
    [line] = lines
    emf = json.loads(line)
    assert emf["Stage"] == "prod" and emf["ModelError"] == 1 and emf["Downgrade"] == 1 and "\n" not in line
    [event] = received(sqs, url)
    assert (event["source"], event["detail-type"]) == (SOURCE, DETAIL_TYPE)
    assert event["detail"]["session_id"] == "s1" and event["detail"]["turn"] == "t3"
    assert event["detail"]["question"] == "s1 q3" and event["detail"]["downgrade"]["reason"] == "model_error"


def test_refused_or_failed_puts_are_storage_errors() -> None:
    with pytest.raises(StorageError, match="ThrottlingException"):
        EventBridgeAudit(RefusingEvents()).publish({"x": 1})


def test_eventbridge_failing_is_logged_and_never_raised(rt: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    lines: list[str] = []
    missing_bus = EventBridgeAudit(boto3.client("events", region_name=REGION), "no-such-bus")
    for audit in (missing_bus, EventBridgeAudit(RefusingEvents())):
        with caplog.at_level(logging.WARNING, logger="assistant_core.aws.telemetry"):
            TurnTelemetry("prod", audit, lines.append).turn_finished(turn("s1", 1, "2026-11-20T10:00:00.000Z"))
    assert len(lines) == 2  # the metrics still went out
    messages = [r.getMessage() for r in caplog.records]
    assert any("ResourceNotFoundException" in m for m in messages) and any("Rate exceeded" in m for m in messages)


def test_the_lambda_runtime_wires_telemetry_into_the_answerer(rt: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    assert rt.answerer().observer is rt.telemetry and rt.telemetry.audit.bus_name == "default"
    prod = Runtime(rt.settings.with_(stage="prod", event_bus_name="chat-assistant-audit"))
    assert prod.telemetry.audit.bus_name == "chat-assistant-audit"
    prod.telemetry.write("{}")
    assert capsys.readouterr().out == "{}\n"  # in Lambda, EMF goes to stdout (CloudWatch Logs)
    rt.telemetry.write("{}")
    assert capsys.readouterr().out == ""  # locally the console stays for people
