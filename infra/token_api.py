"""HTTP API for ``POST /token`` (fn-mint-token).

An HTTP API rather than a function URL: it gives stage throttling, a ``5xx`` metric to alarm
on and managed CORS preflight, at $1 per million requests. CORS admits only the owner's origins
(the mint handler also checks ``Origin``: CORS alone stops browsers, not scripts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .function import AssistantFunction

API_NAME = "token-api"


@dataclass
class TokenApiArgs:
    function: AssistantFunction
    allowed_origins: Sequence[str]
    throttle_rate: float
    throttle_burst: int
    log_retention_days: int


class TokenApi(pulumi.ComponentResource):
    def __init__(self, name: str, args: TokenApiArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("website-assistant:infra:TokenApi", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.api = aws.apigatewayv2.Api(
            API_NAME, name=API_NAME, protocol_type="HTTP",
            cors_configuration={
                "allow_origins": list(args.allowed_origins),
                "allow_methods": ["POST"],
                "allow_headers": ["content-type"],
                "max_age": 600,
            },
            opts=child)
        integration = aws.apigatewayv2.Integration(
            f"{API_NAME}-mint", api_id=self.api.id, integration_type="AWS_PROXY",
            integration_uri=args.function.invoke_arn, payload_format_version="2.0", opts=child)
        aws.apigatewayv2.Route(f"{API_NAME}-post-token", api_id=self.api.id, route_key="POST /token",
                               target=pulumi.Output.concat("integrations/", integration.id), opts=child)
        self.access_logs = aws.cloudwatch.LogGroup(
            f"{API_NAME}-access-logs", name=f"/aws/apigateway/{API_NAME}",
            retention_in_days=args.log_retention_days, opts=child)
        self.stage = aws.apigatewayv2.Stage(
            f"{API_NAME}-default", api_id=self.api.id, name="$default", auto_deploy=True,
            default_route_settings={"throttling_rate_limit": args.throttle_rate,
                                    "throttling_burst_limit": args.throttle_burst},
            access_log_settings={"destination_arn": self.access_logs.arn, "format": pulumi.Output.json_dumps({
                "requestId": "$context.requestId", "ip": "$context.identity.sourceIp",
                "routeKey": "$context.routeKey", "status": "$context.status",
                "latency": "$context.responseLatency", "error": "$context.integrationErrorMessage",
            })},
            opts=child)
        aws.lambda_.Permission(
            f"{API_NAME}-invoke", action="lambda:InvokeFunction", function=args.function.name,
            principal="apigateway.amazonaws.com",
            source_arn=pulumi.Output.concat(self.api.execution_arn, "/*/POST/token"),
            opts=pulumi.ResourceOptions(parent=integration))
        self.token_url = pulumi.Output.concat(self.api.api_endpoint, "/token")
        self.register_outputs({"token_url": self.token_url})
