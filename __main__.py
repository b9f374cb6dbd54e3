"""Pulumi entry point: read the stack config, compose the infra components, export the outputs.

The only module that reads ``pulumi.Config()``; everything below it takes plain Args.
"""

from __future__ import annotations

from pathlib import Path

import pulumi
import pulumi_aws as aws

from assistant_core.defaults import (
    DEFAULT_BEDROCK_MODEL,
    DEFAULT_EMBEDDER,
    DEFAULT_EMBEDDING_MODEL,
    DEFAULT_RETENTION_DAYS,
)
from infra.audit import AuditBus, AuditBusArgs
from infra.backend import DEFAULT_TUNING, OWNER_SETTINGS, Backend, BackendArgs, Retrieval, Tuning
from infra.data import DataStore, DataStoreArgs
from infra.guardrails import Guardrails, GuardrailsArgs
from infra.iam import AccountContext
from infra.knowledge import KnowledgeBase, KnowledgeBaseArgs
from infra.messaging import Messaging, MessagingArgs, SecretSpec
from infra.packaging import BuiltPackage, build_lambda_zip
from infra.schedules import Schedules, SchedulesArgs, ScheduleSpec
from infra.token_api import TokenApi, TokenApiArgs
from infra.websocket import WebSocketEndpoint, WebSocketEndpointArgs, WebSocketRoutes, WebSocketRoutesArgs
from infra.widget import DEFAULT_GREETING, WidgetHosting, WidgetHostingArgs, WidgetOptions

ROOT = Path(__file__).resolve().parent
cfg = pulumi.Config()
stage = cfg.get("stage") or "prod"
region = pulumi.Config("aws").get("region") or "ap-southeast-1"
origins = [o.rstrip("/") for o in cfg.require_object("allowed_origins")]
model_id = cfg.get("model_id") or DEFAULT_BEDROCK_MODEL
runtime = cfg.get("python_runtime") or "python3.13"
retention = cfg.get_int("log_retention_days") or 30

# One explicit provider: every resource lands in the configured Region with the same tags.
provider = aws.Provider("aws-provider", region=region, profile=pulumi.Config("aws").get("profile"),
                        default_tags={"tags": {"app": "website-assistant", "stage": stage, "managed-by": "pulumi",
                                               **(cfg.get_object("tags") or {})}})
opts = pulumi.ResourceOptions(providers={"aws": provider})
identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(provider=provider))
account = AccountContext(partition="aws", region=region, account_id=identity.account_id)

data = DataStore("data", DataStoreArgs(transcript_archive_days=cfg.get_int("transcript_archive_days") or 365,
                                       protect=cfg.get_bool("protect_data") is not False), opts=opts)
secrets = [
    SecretSpec("chat-assistant/signing-key", "ES256 token signing keys (JSON from `assistant keys new`)",
               cfg.get_secret("signing_key"), cfg.get("signing_key_secret_arn")),
    SecretSpec("chat-assistant/slack-webhook", "Slack incoming-webhook URL for handoffs",
               cfg.get_secret("slack_webhook_url"), cfg.get("slack_webhook_secret_arn")),
    # The Slack app (staff reply in the hand-off's thread): JSON {"bot_token": "xoxb-…", "signing_secret": "…"};
    # used once slack_channel is set.
    SecretSpec("chat-assistant/slack-app", "Slack app bot token and signing secret (JSON) for hand-off threads",
               cfg.get_secret("slack_app"), cfg.get("slack_app_secret_arn")),
    SecretSpec("chat-assistant/drive-service-account", "Google service-account JSON for Drive sync",
               cfg.get_secret("drive_service_account_json"), cfg.get("drive_credentials_secret_arn")),
]
messaging = Messaging("messaging", MessagingArgs(
    account=account, handoff_emails=cfg.get_object("handoff_emails") or [],
    alarm_emails=cfg.get_object("alarm_emails") or [], secrets=secrets), opts=opts)
# retriever "index" (default): the answerer searches the index kb-sync publishes, in process; "bedrock-kb":
# a Bedrock Knowledge Base with its vector store and ingestion role.
retriever = cfg.get("retriever") or "index"
knowledge = KnowledgeBase("knowledge", KnowledgeBaseArgs(
    account=account, bucket_name=data.bucket.bucket, bucket_arn=data.bucket.arn,
    embedding_model=cfg.get("embedding_model") or DEFAULT_EMBEDDING_MODEL,
    vector_store=cfg.get("vector_store") or "s3vectors"), opts=opts) if retriever == "bedrock-kb" else None
retrieval = Retrieval(mode=retriever, embedder=cfg.get("embedder") or DEFAULT_EMBEDDER,
                      embedding_model=cfg.get("embedding_model") or DEFAULT_EMBEDDING_MODEL,
                      kb_id=knowledge.kb_id if knowledge else None, kb_arn=knowledge.kb_arn if knowledge else None,
                      data_source_id=knowledge.data_source_id if knowledge else None)
ws = WebSocketEndpoint("websocket", WebSocketEndpointArgs(
    account=account, stage=stage, throttle_rate=cfg.get_float("ws_throttle_rate") or 50.0,
    throttle_burst=cfg.get_int("ws_throttle_burst") or 100), opts=opts)

# Lambda code: a prebuilt zip (CI, tests) or a fresh reproducible build of this checkout.
prebuilt = cfg.get("lambda_package")
package = BuiltPackage.from_file(Path(prebuilt)) if prebuilt else build_lambda_zip(ROOT, runtime=runtime)
pulumi.log.info(f"Lambda package {package.path.name}: {package.size / 1e6:.1f} MB zipped, "
                f"{package.unzipped_size / 1e6:.1f} MB unzipped")


# Owner choices the stack config sets; the ones left out keep the code's defaults (Settings) in every Lambda.
settings = {name: value for name in OWNER_SETTINGS if (value := cfg.get(name)) is not None}
settings.update(stage=stage, allowed_origins=",".join(origins))
reserve = cfg.get_bool("reserved_concurrency") is not False  # new accounts (limit 10) must set false
tuning = {n: t if reserve else Tuning(t.memory_mb, t.timeout_s, None) for n, t in DEFAULT_TUNING.items()}

# Audit events of every turn, archived as long as transcripts are kept (retention_days).
audit = AuditBus("audit", AuditBusArgs(retention_days=cfg.get_int("retention_days") or DEFAULT_RETENTION_DAYS),
                 opts=opts)
backend = Backend("backend", BackendArgs(
    account=account, package=package, runtime=runtime, log_retention_days=retention,
    sessions=data.sessions, transcripts=data.transcripts, gaps=data.gaps,
    bucket_name=data.bucket.bucket, bucket_arn=data.bucket.arn, handoff_topic_arn=messaging.handoffs.arn,
    dlq_arn=messaging.dlq.arn, signing_key_secret_arn=messaging.secret_arns["chat-assistant/signing-key"],
    slack_secret_arn=messaging.secret_arns["chat-assistant/slack-webhook"],
    slack_app_secret_arn=messaging.secret_arns["chat-assistant/slack-app"],
    drive_secret_arn=messaging.secret_arns["chat-assistant/drive-service-account"],
    retrieval=retrieval, model_id=model_id, websocket=ws, audit_bus_name=audit.name, audit_bus_arn=audit.arn,
    settings=settings, tuning=tuning), opts=opts)
fns = backend.functions
WebSocketRoutes("websocket-routes", WebSocketRoutesArgs(
    endpoint=ws, connect=fns["fn-ws-connect"], message=fns["fn-ws-message"],
    disconnect=fns["fn-ws-disconnect"]), opts=opts)
token_api = TokenApi("token", TokenApiArgs(
    function=fns["fn-mint-token"], allowed_origins=origins, throttle_rate=cfg.get_float("token_throttle_rate") or 20.0,
    throttle_burst=cfg.get_int("token_throttle_burst") or 40, log_retention_days=retention), opts=opts)
widget = WidgetHosting("widget", WidgetHostingArgs(
    widget_file=Path(cfg.get("widget_file") or ROOT / "widget" / "assistant-widget.js"), token_url=token_api.token_url,
    websocket_url=ws.ws_url, options=WidgetOptions(
        greeting=cfg.get("greeting") or DEFAULT_GREETING, title=cfg.get("widget_title") or "",
        placeholder=cfg.get("widget_placeholder") or "", accent=cfg.get("widget_accent") or "",
        position=cfg.get("widget_position") or "", open_on_load=cfg.get_bool("widget_open") is True,
        strings=cfg.get_object("widget_strings") or {}, history=cfg.get("widget_history") or "",
        history_days=cfg.get_int("widget_history_days") or 0)), opts=opts)
Schedules("schedules", SchedulesArgs(
    account=account, timezone=cfg.get("timezone") or "Asia/Singapore", dlq_arn=messaging.dlq.arn, schedules=[
        ScheduleSpec("kb-sync-every-5-min", fns["fn-kb-sync"], "rate(5 minutes)", {"job": "kb-sync"}),
        ScheduleSpec("gaps-batch-weekly", fns["fn-gaps-batch"], "cron(0 9 ? * MON *)", {"job": "gaps-weekly"}),
        # Every 6 hours, today included: each turn is in S3 within hours (assistant_core/archive/export.py).
        ScheduleSpec("archive-every-6-hours", fns["fn-archive"], "cron(15 0/6 * * ? *)", {"job": "archive"}),
    ]), opts=opts)
Guardrails("guardrails", GuardrailsArgs(
    alarm_topic_arn=messaging.alarms.arn, functions=fns, answerer="fn-answerer",
    answerer_p99_ms=cfg.get_int("answerer_p99_ms") or 30000, dlq_name=messaging.dlq.name, model_id=model_id,
    token_api_id=token_api.api.id, monthly_budget_usd=cfg.get_float("monthly_budget_usd") or 50.0,
    budget_emails=cfg.get_object("alarm_emails") or [], stage=stage, index=retrieval.index), opts=opts)

pulumi.export("token_url", token_api.token_url)
pulumi.export("websocket_url", ws.ws_url)
pulumi.export("widget_url", widget.widget_url)
pulumi.export("embed_snippet", widget.embed_snippet)
pulumi.export("csp", widget.csp)
pulumi.export("retriever", retriever)
pulumi.export("drive_notify_url", backend.drive_notify_url)
pulumi.export("slack_events_url", backend.slack_events_url)  # the Slack app's event Request URL
if knowledge is not None:
    pulumi.export("knowledge_base_id", knowledge.kb_id)
    pulumi.export("data_source_id", knowledge.data_source_id)
pulumi.export("bucket", data.bucket.bucket)
pulumi.export("lambda_package_bytes", package.size)
