"""fn-archive and the per-turn telemetry in the stack: grants, the audit bus, the ModelError alarm."""

from __future__ import annotations

import json

from assistant_core.archive import export as archive
from assistant_core.aws.telemetry import SOURCE
from assistant_core.settings import Settings
from infra import audit, data

from .conftest import ACCOUNT, REGION, StackRun
from .test_infra_policies import policies


def _env(stack: StackRun, fn: str) -> dict[str, str]:
    found = [f for f in stack.of_type("aws:lambda/function:Function") if f.inputs["name"] == fn]
    return found[0].inputs["environment"]["variables"]


def test_archive_lists_only_its_own_prefix(stack: StackRun) -> None:
    listing = [s for s in policies(stack)["fn-archive-role"] if "s3:ListBucket" in s["Action"]]
    assert len(listing) == 1
    assert listing[0]["Condition"] == {"StringLike": {"s3:prefix": ["transcripts/*"]}}
    assert archive.manifest_key("2026-11-20").startswith("transcripts/")  # what the adapter lists


def test_the_code_and_the_table_agree_on_the_day_index(stack: StackRun) -> None:
    assert archive.BY_DAY_INDEX == data.BY_DAY_INDEX
    table = stack.one("aws:dynamodb/table:Table", "tbl-transcripts").inputs
    [gsi] = table["globalSecondaryIndexes"]
    assert (gsi["name"], gsi["hashKey"], gsi["rangeKey"], gsi["projectionType"]) == (
        archive.BY_DAY_INDEX,
        "day",
        "created_at",
        "ALL",
    )
    assert table["ttl"] == {"attributeName": "ttl", "enabled": True}


def test_archive_runs_every_6_hours_with_a_payload_the_handler_reads_as_scheduled(stack: StackRun) -> None:
    sched = [
        s.inputs
        for s in stack.of_type("aws:scheduler/schedule:Schedule")
        if s.inputs["target"]["arn"].endswith(":fn-archive")
    ]
    # "Every turn in S3 within a day" rests on this: runs every 6 hours, and each exports today so far.
    assert len(sched) == 1 and sched[0]["scheduleExpression"] == "cron(15 0/6 * * ? *)"
    assert "day" not in json.loads(sched[0]["target"]["input"])  # a fixed day would re-export one day forever
    assert Settings.from_env(_env(stack, "fn-archive")).transcripts_table == "tbl-transcripts"


def test_audit_events_go_to_their_own_archived_bus(stack: StackRun) -> None:
    bus = stack.one("aws:cloudwatch/eventBus:EventBus", audit.BUS_NAME)
    env = _env(stack, "fn-answerer")
    assert Settings.from_env(env).event_bus_name == audit.BUS_NAME
    [arch] = stack.of_type("aws:cloudwatch/eventArchive:EventArchive")
    assert arch.inputs["eventSourceArn"] == bus.state["arn"]
    assert json.loads(arch.inputs["eventPattern"]) == {"source": [SOURCE]} and audit.SOURCE == SOURCE
    assert arch.inputs["retentionDays"] == Settings.from_env(env).retention_days
    granted = {
        (a, r)
        for s in policies(stack)["fn-answerer-role"]
        for a in s["Action"]
        for r in s["Resource"]
        if a.startswith("events:")
    }
    assert granted == {("events:PutEvents", f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{audit.BUS_NAME}")}
    for role, statements in policies(stack).items():
        if role != "fn-answerer-role":
            assert not any(a.startswith("events:") for s in statements for a in s["Action"]), role


def test_model_errors_alarm_on_the_answerers_metric(stack: StackRun) -> None:
    alarms = {a.inputs["name"]: a.inputs for a in stack.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    alarm = alarms["chat-assistant-model-errors"]
    assert (alarm["namespace"], alarm["metricName"], alarm["statistic"]) == ("WebsiteAssistant", "ModelError", "Sum")
    # The dimension must be the Stage value fn-answerer stamps on its EMF lines, or the alarm sees nothing.
    assert alarm["dimensions"] == {"Stage": Settings.from_env(_env(stack, "fn-answerer")).stage}
    assert alarm["treatMissingData"] == "notBreaching" and alarm["threshold"] >= 1
