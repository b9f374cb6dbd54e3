"""Messaging: SNS topics, the secret containers and the dead-letter queue.

Secrets are created empty unless the operator set the matching Pulumi *secret* config value
(then the value lives encrypted in the stack state) or points at an existing secret by ARN.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from .iam import AccountContext, policy_json


@dataclass
class SecretSpec:
    name: str  # e.g. "chat-assistant/signing-key"
    description: str
    value: pulumi.Input[str] | None = None  # from a Pulumi secret config value
    existing_arn: str | None = None  # use an operator-managed secret instead of creating one


@dataclass
class MessagingArgs:
    account: AccountContext
    handoff_emails: Sequence[str]
    alarm_emails: Sequence[str]
    secrets: Sequence[SecretSpec] = field(default_factory=list)


class Messaging(pulumi.ComponentResource):
    def __init__(self, name: str, args: MessagingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("website-assistant:infra:Messaging", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        # Handoffs carry visitor text and contact details: encrypted with the AWS-managed SNS key
        # (its key policy already lets in-account publishers use it via SNS; no IAM grant needed).
        self.handoffs = aws.sns.Topic("t-handoffs", name="t-handoffs", kms_master_key_id="alias/aws/sns",
                                      opts=child)
        # Alarms stay unencrypted: CloudWatch and Budgets cannot use the AWS-managed SNS key.
        self.alarms = aws.sns.Topic("t-alarms", name="t-alarms", opts=child)
        aws.sns.TopicPolicy(
            "t-alarms-policy", arn=self.alarms.arn,
            policy=policy_json([
                {"Sid": "BudgetsPublish", "Effect": "Allow", "Principal": {"Service": "budgets.amazonaws.com"},
                 "Action": "SNS:Publish", "Resource": self.alarms.arn,
                 "Condition": {"StringEquals": {"aws:SourceAccount": args.account.account_id}}},
                {"Sid": "CloudWatchPublish", "Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"},
                 "Action": "SNS:Publish", "Resource": self.alarms.arn,
                 "Condition": {"StringEquals": {"aws:SourceAccount": args.account.account_id}}},
            ]),
            opts=pulumi.ResourceOptions(parent=self.alarms))
        for i, email in enumerate(args.handoff_emails):
            aws.sns.TopicSubscription(f"t-handoffs-email-{i}", topic=self.handoffs.arn, protocol="email",
                                      endpoint=email, opts=pulumi.ResourceOptions(parent=self.handoffs))
        for i, email in enumerate(args.alarm_emails):
            aws.sns.TopicSubscription(f"t-alarms-email-{i}", topic=self.alarms.arn, protocol="email",
                                      endpoint=email, opts=pulumi.ResourceOptions(parent=self.alarms))

        # One queue for every asynchronous failure (Lambda on-failure destinations, Scheduler DLQ):
        # a single depth alarm then covers them all; the message says which function failed.
        self.dlq = aws.sqs.Queue("q-assistant-dlq", name="q-assistant-dlq", message_retention_seconds=14 * 86400,
                                 sqs_managed_sse_enabled=True, opts=child)

        self.secret_arns: dict[str, pulumi.Output[str]] = {}
        for spec in args.secrets:
            if spec.existing_arn:
                self.secret_arns[spec.name] = pulumi.Output.from_input(spec.existing_arn)
                continue
            logical = spec.name.replace("/", "-")
            secret = aws.secretsmanager.Secret(logical, name=spec.name, description=spec.description,
                                               recovery_window_in_days=7, opts=child)
            if spec.value is not None:
                aws.secretsmanager.SecretVersion(f"{logical}-value", secret_id=secret.id,
                                                 secret_string=pulumi.Output.secret(spec.value),
                                                 opts=pulumi.ResourceOptions(parent=secret))
            self.secret_arns[spec.name] = secret.arn

        self.register_outputs({"handoff_topic": self.handoffs.arn, "alarm_topic": self.alarms.arn,
                               "dlq": self.dlq.arn})
