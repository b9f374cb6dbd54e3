"""fn-handoff in the stack: the Slack configuration-error alarm matches the metric the code emits."""

from __future__ import annotations

import json

from assistant_core.observability.emf import EmfMetrics

from .conftest import StackRun


def test_slack_webhook_errors_alarm_watches_the_emitted_metric(stack: StackRun) -> None:
    alarms = {a.inputs["name"]: a.inputs for a in stack.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    alarm = alarms["chat-assistant-slack-webhook-errors"]
    lines: list[str] = []
    EmfMetrics("prod", out=lines.append).count("SlackWebhookErrors")
    emitted = json.loads(lines[0])
    [directive] = emitted["_aws"]["CloudWatchMetrics"]
    assert alarm["namespace"] == directive["Namespace"]
    assert alarm["metricName"] == directive["Metrics"][0]["Name"]
    assert alarm["dimensions"] == {name: emitted[name] for name in directive["Dimensions"][0]}  # {"Stage": "prod"}
    assert alarm["threshold"] == 1 and alarm["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["treatMissingData"] == "notBreaching"
    topic = stack.one("aws:sns/topic:Topic", "t-alarms").state["arn"]
    assert alarm["alarmActions"] == [topic] and alarm["okActions"] == [topic]


def test_fn_handoff_reads_the_tables_it_is_granted(stack: StackRun) -> None:
    fn = next(f for f in stack.of_type("aws:lambda/function:Function") if f.inputs["name"] == "fn-handoff")
    env = fn.inputs["environment"]["variables"]
    assert env["ASSISTANT_SESSIONS_TABLE"] == "tbl-sessions" and env["ASSISTANT_TRANSCRIPTS_TABLE"] == "tbl-transcripts"
    assert env["ASSISTANT_HANDOFF_TOPIC_ARN"].endswith(":t-handoffs") and env["ASSISTANT_SLACK_WEBHOOK_SECRET"]
