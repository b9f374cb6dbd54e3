"""Small helpers for IAM documents and ARNs, so every policy in the stack reads the same way.

Policies are built as plain dicts whose leaves may be Pulumi Outputs; ``policy_json`` resolves
them once. Keeping statements as data (not JSON strings) lets the tests inspect them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

Statement = dict[str, Any]


@dataclass(frozen=True)
class AccountContext:
    """Where the stack lives; ARNs are built from it rather than guessed with wildcards."""

    partition: str
    region: str
    account_id: pulumi.Input[str]

    def arn(self, service: str, resource: str, *, region: str | None = None, account: bool = True) -> Any:
        """``arn:<partition>:<service>:<region>:<account>:<resource>`` (Output when the account is)."""
        reg = self.region if region is None else region
        if not account:
            return f"arn:{self.partition}:{service}:{reg}::{resource}"
        return pulumi.Output.concat(
            "arn:", self.partition, ":", service, ":", reg, ":", self.account_id, ":", resource
        )


def allow(
    actions: Sequence[str],
    resources: Sequence[pulumi.Input[str]] | pulumi.Input[str],
    *,
    sid: str | None = None,
    condition: Mapping[str, Any] | None = None,
) -> Statement:
    """One Allow statement. Actions are always explicit (never ``*``): the policy tests check."""
    res = list(resources) if isinstance(resources, list | tuple) else [resources]
    stmt: Statement = {"Effect": "Allow", "Action": sorted(set(actions)), "Resource": res}
    if sid:
        stmt["Sid"] = sid
    if condition:
        stmt["Condition"] = dict(condition)
    return stmt


def policy_json(statements: Sequence[Statement]) -> pulumi.Output[str]:
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def assume_role(service: str, *, source_account: pulumi.Input[str] | None = None) -> pulumi.Output[str]:
    """Trust policy for one AWS service; ``aws:SourceAccount`` blocks confused-deputy use."""
    stmt: Statement = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if source_account is not None:
        stmt["Condition"] = {"StringEquals": {"aws:SourceAccount": source_account}}
    return policy_json([stmt])


def suffix(arn: pulumi.Input[str], tail: str) -> pulumi.Output[str]:
    """``<arn><tail>``, e.g. a bucket ARN + ``/kb/*``."""
    return pulumi.Output.concat(arn, tail)
