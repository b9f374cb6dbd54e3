"""EventBridge Scheduler: kb-sync every 5 minutes, gaps-batch weekly, archive every 6 hours.

Scheduler (not EventBridge rules) because it takes a time zone: "Monday 09:00 Asia/Singapore"
stays 09:00 for the writers. Each schedule has its own role that may invoke only its target and
drop undeliverable events into the shared DLQ.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .function import AssistantFunction
from .iam import AccountContext, allow, assume_role, policy_json


@dataclass
class ScheduleSpec:
    name: str  # "kb-sync-every-5-min"
    target: AssistantFunction
    expression: str  # "rate(5 minutes)" | "cron(...)"
    payload: dict  # what the handler receives, so it can tell schedules apart


@dataclass
class SchedulesArgs:
    account: AccountContext
    timezone: str  # IANA, e.g. "Asia/Singapore"
    dlq_arn: pulumi.Input[str]
    schedules: Sequence[ScheduleSpec]


class Schedules(pulumi.ComponentResource):
    def __init__(self, name: str, args: SchedulesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("website-assistant:infra:Schedules", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.schedules: dict[str, aws.scheduler.Schedule] = {}
        for spec in args.schedules:
            role = aws.iam.Role(f"{spec.name}-scheduler-role", name=f"{spec.name}-scheduler",
                                assume_role_policy=assume_role("scheduler.amazonaws.com",
                                                               source_account=args.account.account_id),
                                opts=child)
            policy = aws.iam.RolePolicy(f"{spec.name}-scheduler-policy", role=role.id, policy=policy_json([
                allow(["lambda:InvokeFunction"], [spec.target.arn], sid="InvokeTarget"),
                allow(["sqs:SendMessage"], [args.dlq_arn], sid="DeadLetter"),
            ]), opts=pulumi.ResourceOptions(parent=role))
            self.schedules[spec.name] = aws.scheduler.Schedule(
                spec.name, name=spec.name, schedule_expression=spec.expression,
                schedule_expression_timezone=args.timezone, flexible_time_window={"mode": "OFF"},
                target={
                    "arn": spec.target.arn, "role_arn": role.arn, "input": json.dumps(spec.payload),
                    # A missed 5-minute tick is made up by the next one: retry briefly, then DLQ.
                    "retry_policy": {"maximum_retry_attempts": 2, "maximum_event_age_in_seconds": 900},
                    "dead_letter_config": {"arn": args.dlq_arn},
                },
                opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]))
        self.register_outputs({})
