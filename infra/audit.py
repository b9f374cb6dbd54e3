"""The audit trail: an EventBridge bus for fn-answerer's per-turn ``AssistantTurn`` events, archived.

A bus of its own rather than the account's default one: fn-answerer may put events on this bus
only, consumers (a SIEM, a Lambda, Firehose to S3) subscribe to it without sifting account-wide
traffic, and the archive below keeps every event replayable for as long as transcripts are kept —
an event nobody stores is no audit. The bus itself costs nothing; events $1 per million.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

BUS_NAME = "chat-assistant-audit"
SOURCE = "website-assistant"  # assistant_core/aws/telemetry.py


@dataclass
class AuditBusArgs:
    retention_days: int  # the archive's; visitor questions are in the events, so match the transcripts


class AuditBus(pulumi.ComponentResource):
    def __init__(self, name: str, args: AuditBusArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("website-assistant:infra:AuditBus", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.bus = aws.cloudwatch.EventBus(BUS_NAME, name=BUS_NAME, opts=child)
        self.archive = aws.cloudwatch.EventArchive(
            f"{BUS_NAME}-archive",
            name=f"{BUS_NAME}-turns",
            event_source_arn=self.bus.arn,
            description="every AssistantTurn audit event, replayable",
            event_pattern=json.dumps({"source": [SOURCE]}),
            retention_days=args.retention_days,
            opts=pulumi.ResourceOptions(parent=self.bus),
        )
        self.name: pulumi.Output[str] = self.bus.name
        self.arn: pulumi.Output[str] = self.bus.arn
        self.register_outputs({"bus": self.bus.name})
