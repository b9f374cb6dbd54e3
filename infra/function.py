"""One Lambda function as a deployable unit: its own role, log group, function and async config.

The role gets exactly: write to its own log group, X-Ray when traced, its failure destination
when async-invoked, plus the statements the caller passes (what the handler's code calls).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from .iam import Statement, allow, assume_role, policy_json

# X-Ray's PutTraceSegments/PutTelemetryRecords have no resource-level permissions: AWS requires
# Resource "*". This is the only such grant on a function role (tests enforce it).
XRAY_ACTIONS = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]


@dataclass(frozen=True)
class LambdaCode:
    bucket: pulumi.Input[str]
    key: pulumi.Input[str]
    source_code_hash: str
    runtime: str  # "python3.13"
    depends_on: Sequence[pulumi.Resource] = ()  # the uploaded object


@dataclass
class FunctionArgs:
    code: LambdaCode
    handler: str  # "handlers.answerer.handler"
    memory_mb: int
    timeout_s: int
    log_retention_days: int
    environment: Mapping[str, pulumi.Input[str]]
    statements: Sequence[Statement] = field(default_factory=list)
    reserved_concurrency: int | None = None
    tracing: bool = False
    # Set for functions invoked asynchronously (by another function or a schedule).
    failure_queue_arn: pulumi.Input[str] | None = None
    max_retries: int = 2
    max_event_age_s: int = 3600
    description: str = ""


class AssistantFunction(pulumi.ComponentResource):
    def __init__(self, name: str, args: FunctionArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("website-assistant:infra:Function", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs", name=f"/aws/lambda/{name}", retention_in_days=args.log_retention_days, opts=child)
        self.role = aws.iam.Role(f"{name}-role", name=f"{name}-role",
                                 assume_role_policy=assume_role("lambda.amazonaws.com"), opts=child)

        statements: list[Statement] = [
            # Not AWSLambdaBasicExecutionRole: that one allows CreateLogGroup on "*".
            allow(["logs:CreateLogStream", "logs:PutLogEvents"],
                  [pulumi.Output.concat(self.log_group.arn, ":*")], sid="OwnLogs"),
        ]
        if args.tracing:
            statements.append(allow(XRAY_ACTIONS, ["*"], sid="XRay"))
        if args.failure_queue_arn is not None:
            # Lambda sends on-failure records with the function's own role.
            statements.append(allow(["sqs:SendMessage"], [args.failure_queue_arn], sid="FailureDestination"))
        statements.extend(args.statements)
        self.policy = aws.iam.RolePolicy(f"{name}-policy", role=self.role.id, policy=policy_json(statements),
                                         opts=pulumi.ResourceOptions(parent=self.role))

        self.function = aws.lambda_.Function(
            name, name=name, description=args.description, role=self.role.arn, handler=args.handler,
            runtime=args.code.runtime, architectures=["arm64"],  # Graviton: ~20% cheaper per GB-second
            s3_bucket=args.code.bucket, s3_key=args.code.key, source_code_hash=args.code.source_code_hash,
            memory_size=args.memory_mb, timeout=args.timeout_s,
            reserved_concurrent_executions=args.reserved_concurrency if args.reserved_concurrency else -1,
            environment={"variables": dict(args.environment)},
            logging_config={"log_format": "Text", "log_group": self.log_group.name},
            tracing_config={"mode": "Active" if args.tracing else "PassThrough"},
            # The role's grants and the log group must exist before the first invocation.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.policy, self.log_group,
                                                                 *args.code.depends_on]))

        if args.failure_queue_arn is not None:
            aws.lambda_.FunctionEventInvokeConfig(
                f"{name}-async", function_name=self.function.name,
                maximum_retry_attempts=args.max_retries, maximum_event_age_in_seconds=args.max_event_age_s,
                destination_config={"on_failure": {"destination": args.failure_queue_arn}},
                opts=pulumi.ResourceOptions(parent=self.function))

        self.name: pulumi.Output[str] = self.function.name
        self.arn: pulumi.Output[str] = self.function.arn
        self.invoke_arn: pulumi.Output[str] = self.function.invoke_arn
        self.register_outputs({"arn": self.function.arn})


def invoke_statement(functions: Sequence[AssistantFunction], sid: str) -> Statement:
    """``lambda:InvokeFunction`` on exactly these functions."""
    return allow(["lambda:InvokeFunction"], [f.arn for f in functions], sid=sid)
