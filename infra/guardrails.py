"""Guard rails: CloudWatch alarms into ``t-alarms`` and a monthly AWS Budget.

Every alarm treats missing data as fine (an idle assistant emits no metrics) and notifies on
both ALARM and OK so the operator sees recoveries too. ~$0.10 per alarm per month.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .function import AssistantFunction


@dataclass
class GuardrailsArgs:
    alarm_topic_arn: pulumi.Input[str]
    functions: Mapping[str, AssistantFunction]  # by card name
    answerer: str  # which function gets throttle/latency alarms
    answerer_p99_ms: int
    dlq_name: pulumi.Input[str]
    model_id: str  # Bedrock ModelId dimension (the inference profile id)
    token_api_id: pulumi.Input[str]
    monthly_budget_usd: float
    budget_emails: Sequence[str]
    stage: str = "prod"  # the Stage dimension of the app's own EMF metrics (ASSISTANT_STAGE)
    index: bool = True  # retriever "index": alarm when an answerer cannot load a published version


class Guardrails(pulumi.ComponentResource):
    def __init__(self, name: str, args: GuardrailsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("website-assistant:infra:Guardrails", name, None, opts)
        self._args = args
        self.alarms: dict[str, aws.cloudwatch.MetricAlarm] = {}

        for fn_name, fn in args.functions.items():
            self._alarm(f"{fn_name}-errors", "AWS/Lambda", "Errors", {"FunctionName": fn.name},
                        threshold=1, description=f"{fn_name} raised errors")
        fn = args.functions[args.answerer]
        self._alarm(f"{args.answerer}-throttles", "AWS/Lambda", "Throttles", {"FunctionName": fn.name},
                    threshold=1, description="answerer hit its concurrency limit: visitors wait or fail")
        self._alarm(f"{args.answerer}-duration-p99", "AWS/Lambda", "Duration", {"FunctionName": fn.name},
                    threshold=args.answerer_p99_ms, extended_statistic="p99", periods=3,
                    description="answerer p99 duration is high (model or retrieval slow)")
        self._alarm("dlq-depth", "AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": args.dlq_name},
                    threshold=1, statistic="Maximum", description="an async invocation failed for good")
        self._alarm("bedrock-throttles", "AWS/Bedrock", "InvocationThrottles", {"ModelId": args.model_id},
                    threshold=5, description="Bedrock is throttling the answer model")
        self._alarm("token-api-5xx", "AWS/ApiGateway", "5xx", {"ApiId": args.token_api_id},
                    threshold=5, description="POST /token is failing")
        # fn-answerer's per-turn EMF metric: turns the model failed (outage, throttling past retries) were
        # handed to staff. A few in 5 minutes is an outage, not a blip.
        self._alarm("model-errors", "WebsiteAssistant", "ModelError", {"Stage": args.stage}, threshold=3,
                    description="the answer model failed on several turns: visitors are being handed off")
        # fn-handoff's EMF metric (namespace WebsiteAssistant): a 4xx from Slack is a setup error.
        self._alarm("slack-webhook-errors", "WebsiteAssistant", "SlackWebhookErrors", {"Stage": args.stage},
                    threshold=1, description="Slack refused a handoff notice (revoked webhook, archived or missing "
                    "channel): staff get the email only until the webhook secret is fixed")

        if args.index:
            # fn-answerer's EMF metric (retrieval/versions.py): a published version failed to load (corrupt,
            # missing, other embedder); answerers keep serving the previous one until a good one is published.
            self._alarm("index-reload-failed", "WebsiteAssistant", "IndexReloadFailed", {"Stage": args.stage},
                        threshold=1, description="an answerer could not load the newest published index: "
                        "visitors get answers from the previous version (see fn-answerer's log)")

        budget_subscribers = {"subscriber_sns_topic_arns": [args.alarm_topic_arn],
                              "subscriber_email_addresses": list(args.budget_emails)}
        self.budget = aws.budgets.Budget(
            "chat-assistant-monthly", name="chat-assistant-monthly", budget_type="COST",
            limit_amount=f"{args.monthly_budget_usd:.2f}", limit_unit="USD", time_unit="MONTHLY",
            notifications=[
                {"comparison_operator": "GREATER_THAN", "threshold": 80, "threshold_type": "PERCENTAGE",
                 "notification_type": "ACTUAL", **budget_subscribers},
                {"comparison_operator": "GREATER_THAN", "threshold": 100, "threshold_type": "PERCENTAGE",
                 "notification_type": "FORECASTED", **budget_subscribers},
            ],
            opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})

    def _alarm(self, name: str, namespace: str, metric: str, dimensions: Mapping[str, pulumi.Input[str]], *,
               threshold: float, description: str, statistic: str = "Sum", extended_statistic: str | None = None,
               periods: int = 1) -> None:
        topic = self._args.alarm_topic_arn
        self.alarms[name] = aws.cloudwatch.MetricAlarm(
            f"alarm-{name}", name=f"chat-assistant-{name}", namespace=namespace, metric_name=metric,
            dimensions=dict(dimensions), period=300, evaluation_periods=periods, datapoints_to_alarm=periods,
            statistic=None if extended_statistic else statistic, extended_statistic=extended_statistic,
            threshold=threshold, comparison_operator="GreaterThanOrEqualToThreshold",
            treat_missing_data="notBreaching", alarm_description=description,
            alarm_actions=[topic], ok_actions=[topic], opts=pulumi.ResourceOptions(parent=self))
