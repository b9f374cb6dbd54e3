"""WebSocket API ``wss-chat``, in two parts to break a dependency cycle:

``WebSocketEndpoint`` (API + stage) must exist before the functions, which need its
management endpoint and ``@connections`` ARN; ``WebSocketRoutes`` (authorizer, integrations,
routes, invoke permissions) needs the functions. Together they are one deployable unit.

No access logging on this stage on purpose: WebSocket (like REST) APIs log only through the
account-wide API Gateway CloudWatch role, an account setting this stack should not seize.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .function import AssistantFunction
from .iam import AccountContext

API_NAME = "wss-chat"


@dataclass
class WebSocketEndpointArgs:
    account: AccountContext
    stage: str
    throttle_rate: float  # steady messages per second across all connections
    throttle_burst: int


class WebSocketEndpoint(pulumi.ComponentResource):
    def __init__(self, name: str, args: WebSocketEndpointArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("website-assistant:infra:WebSocketEndpoint", name, None, opts)
        self.api = aws.apigatewayv2.Api(
            API_NAME, name=API_NAME, protocol_type="WEBSOCKET",
            route_selection_expression="$request.body.action",
            description="Website assistant visitor chat", opts=pulumi.ResourceOptions(parent=self))
        self.stage = aws.apigatewayv2.Stage(
            f"{API_NAME}-{args.stage}", api_id=self.api.id, name=args.stage, auto_deploy=True,
            default_route_settings={"throttling_rate_limit": args.throttle_rate,
                                    "throttling_burst_limit": args.throttle_burst},
            opts=pulumi.ResourceOptions(parent=self.api))
        self.ws_url = pulumi.Output.concat(self.api.api_endpoint, "/", self.stage.name)
        self.management_endpoint = pulumi.Output.concat(
            "https://", self.api.id, ".execute-api.", args.account.region, ".amazonaws.com/", self.stage.name)
        # What PostToConnection is authorised against: this API, this stage, POST only.
        self.connections_arn = pulumi.Output.concat(
            self.api.execution_arn, "/", self.stage.name, "/POST/@connections/*")
        self.register_outputs({"websocket_url": self.ws_url})


@dataclass
class WebSocketRoutesArgs:
    endpoint: WebSocketEndpoint
    connect: AssistantFunction  # also the REQUEST authorizer
    message: AssistantFunction
    disconnect: AssistantFunction


class WebSocketRoutes(pulumi.ComponentResource):
    def __init__(self, name: str, args: WebSocketRoutesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("website-assistant:infra:WebSocketRoutes", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        api = args.endpoint.api

        # The token rides in the query string (browsers cannot set headers on a WebSocket);
        # a missing token is rejected with 401 before the authorizer runs.
        self.authorizer = aws.apigatewayv2.Authorizer(
            f"{API_NAME}-token-authorizer", api_id=api.id, name="token", authorizer_type="REQUEST",
            authorizer_uri=args.connect.invoke_arn, identity_sources=["route.request.querystring.token"],
            opts=child)
        aws.lambda_.Permission(
            f"{API_NAME}-authorizer-invoke", action="lambda:InvokeFunction", function=args.connect.name,
            principal="apigateway.amazonaws.com",
            source_arn=pulumi.Output.concat(api.execution_arn, "/authorizers/", self.authorizer.id),
            opts=pulumi.ResourceOptions(parent=self.authorizer))

        self.routes: dict[str, aws.apigatewayv2.Route] = {}
        for route_key, fn in (("$connect", args.connect), ("$default", args.message),
                              ("$disconnect", args.disconnect)):
            slug = route_key.strip("$")
            integration = aws.apigatewayv2.Integration(
                f"{API_NAME}-{slug}-integration", api_id=api.id, integration_type="AWS_PROXY",
                integration_uri=fn.invoke_arn, integration_method="POST", opts=child)
            custom = route_key == "$connect"  # the authorizer guards the handshake only
            self.routes[route_key] = aws.apigatewayv2.Route(
                f"{API_NAME}-{slug}", api_id=api.id, route_key=route_key,
                target=pulumi.Output.concat("integrations/", integration.id),
                authorization_type="CUSTOM" if custom else "NONE",
                authorizer_id=self.authorizer.id if custom else None, opts=child)
            aws.lambda_.Permission(
                f"{API_NAME}-{slug}-invoke", action="lambda:InvokeFunction", function=fn.name,
                principal="apigateway.amazonaws.com",
                source_arn=pulumi.Output.concat(api.execution_arn, "/*/", route_key),
                opts=pulumi.ResourceOptions(parent=integration))
        self.register_outputs({})
