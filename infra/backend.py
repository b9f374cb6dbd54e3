"""The eleven functions, each with only the environment and permissions its handler uses.

``FUNCTIONS`` is the one table of what each function is (handler, tuning, environment, async
retries, tracing): adding a Lambda adds one ``FunctionSpec`` there and its grants below.

``GRANTS`` below is the one place that says what each function may call; the policy tests hold
an independent copy, so widening a role needs a deliberate edit in two places.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from assistant_core.defaults import DEFAULT_EMBEDDER, DEFAULT_EMBEDDING_MODEL, TITAN_DIMENSIONS

from . import bedrock_access
from .data import BY_DAY_INDEX
from .function import AssistantFunction, FunctionArgs, LambdaCode, invoke_statement
from .iam import AccountContext, Statement, allow, suffix
from .packaging import BuiltPackage
from .websocket import WebSocketEndpoint


@dataclass(frozen=True)
class Tuning:
    memory_mb: int
    timeout_s: int
    reserved: int | None  # None: draw from the account's unreserved pool


@dataclass(frozen=True)
class FunctionSpec:
    """Everything about one Lambda except its grants (which name other resources: ``Backend._grants``)."""

    name: str
    handler: str
    tuning: Tuning
    # Settings fields (assistant_core/settings.py) the function reads, passed as ASSISTANT_<FIELD>.
    env_fields: tuple[str, ...]
    async_retries: int | None = None  # an async target: Lambda's retries, failures to the DLQ; None: sync only
    traced: bool = False
    max_event_age_s: int = 3600


# Why these numbers: the socket handlers are small and must answer within API Gateway's 29 s;
# the answerer streams for up to ~60 s and is the one that scales with traffic; its 1024 MB also hold the
# index it searches in process (retriever: index): a 1,000-doc version is ~10 MB and a whole process
# with it peaks near 175 MB (bench/bench_live_index.py), and 1024 MB buys the CPU share that keeps a
# search under a millisecond and a version reload near 40 ms. Batch jobs run
# one at a time (reserved 1 also stops a slow kb-sync from overlapping the next tick).
# Async retries: the answerer never retries (a rerun would stream a second reply), kb-sync neither
# (the next tick comes in 5 minutes). Order matters only where one function's ARN appears in
# another's policy: a function may only name functions listed before it.
# The Slack app's settings, read wherever the staff thread matters (the hand-off, the visitor's messages,
# the quiet window); slack_app_secret is "" unless the owner set slack_channel.
SLACK_APP_FIELDS = ("slack_app_secret", "slack_channel", "staff_names", "staff_quiet_seconds")
FUNCTIONS: tuple[FunctionSpec, ...] = (
    # Hand-off notices by e-mail and Slack; with the Slack app also the thread's conversation (staff replies
    # posted to the visitor's connection, the visitor's messages relayed to the thread).
    FunctionSpec("fn-handoff", "handlers.handoff.handler", Tuning(256, 30, 5),
                 ("stage", "site_name", "handoff_topic_arn", "slack_webhook_secret", "sessions_table",
                  "transcripts_table", *SLACK_APP_FIELDS, "handoff_function",
                  "ws_management_endpoint"),  # region for the transcript link: Lambda's own AWS_REGION
                 async_retries=2, traced=True),
    FunctionSpec("fn-answerer", "handlers.answerer.handler", Tuning(1024, 120, 50),
                 ("stage", "model", "kb", "embedder", "top_k", "max_tokens", "temperature", "history_turns",
                  "site_name", "site_topics", "sessions_table", "transcripts_table", "gaps_table", "handoff_function",
                  "ws_management_endpoint", "retention_days", "event_bus_name", *SLACK_APP_FIELDS),
                 async_retries=0, traced=True, max_event_age_s=120),  # a late answer is a useless one
    FunctionSpec("fn-ws-message", "handlers.ws_message.handler", Tuning(512, 10, 20),
                 ("stage", "sessions_table", "answerer_function", "handoff_function", "ws_management_endpoint",
                  "max_message_chars", "rate_limit_per_minute", "rate_limit_burst", "daily_turn_cap",
                  "session_idle_seconds", "history_turns", "transcripts_table", "gaps_table", *SLACK_APP_FIELDS)),
    FunctionSpec("fn-ws-connect", "handlers.ws_connect.handler", Tuning(256, 5, 20),
                 ("stage", "signing_key_secret", "allowed_origins", "token_issuer", "sessions_table",
                  "session_idle_seconds")),
    FunctionSpec("fn-ws-disconnect", "handlers.ws_disconnect.handler", Tuning(256, 5, 10),
                 ("stage", "sessions_table")),
    FunctionSpec("fn-mint-token", "handlers.mint_token.handler", Tuning(256, 5, 10),
                 ("stage", "signing_key_secret", "allowed_origins", "token_issuer", "token_ttl_seconds",
                  "mint_per_ip_per_minute", "sessions_table",
                  "ws_management_endpoint")),  # the ws_url it hands out derives from it
    FunctionSpec("fn-gaps-batch", "handlers.gaps_batch.handler", Tuning(512, 300, 1),
                 ("stage", "site_name", "gaps_table", "data_bucket", "handoff_topic_arn"), async_retries=2),
    FunctionSpec("fn-archive", "handlers.archive.handler", Tuning(512, 900, 1),
                 ("stage", "transcripts_table", "data_bucket", "retention_days"), async_retries=2),
    # Slack's Events API for the app's hand-off threads, on a public function URL: signature-checked and
    # answered within Slack's 3 s; it only queues a staff reply for fn-handoff (listed before it).
    FunctionSpec("fn-slack-events", "handlers.slack_events.handler", Tuning(256, 10, 10),
                 ("stage", "slack_app_secret", "slack_channel", "handoff_function")),
    # Google Drive's push notifications, on a public function URL (created with it, below): verified and
    # answered in milliseconds; it only starts fn-kb-sync. Before fn-kb-sync, whose environment names its URL.
    FunctionSpec("fn-drive-notify", "handlers.drive_notify.handler", Tuning(256, 10, 10),
                 ("stage", "data_bucket", "sessions_table", "kb_state_key", "kb_sync_function")),
    # kb_prefix / kb_state_key are set explicitly so they match the grants below.
    FunctionSpec("fn-kb-sync", "handlers.kb_sync.handler", Tuning(1024, 280, 1),  # < 5 min: never at the next tick
                 ("stage", "kb", "embedder", "data_bucket", "kb_id", "kb_data_source_id", "drive_folder_id",
                  "drive_subject", "drive_credentials_secret", "kb_prefix", "kb_state_key", "kb_site_urls",
                  "drive_notify_url", "sessions_table"), async_retries=0),
)
# Settings the owner may choose in the stack config (__main__.py); one left unset is not passed, so the
# function keeps the code's default. Every other field a function reads is wired here and must be present.
OWNER_SETTINGS = ("site_name", "site_topics", "token_issuer", "token_ttl_seconds", "max_message_chars",
                  "rate_limit_per_minute", "rate_limit_burst", "mint_per_ip_per_minute", "daily_turn_cap",
                  "session_idle_seconds",
                  "retention_days", "top_k", "max_tokens", "temperature", "history_turns", "drive_folder_id",
                  "drive_subject", "kb_site_urls", "slack_channel", "staff_names", "staff_quiet_seconds")
SPECS: dict[str, FunctionSpec] = {spec.name: spec for spec in FUNCTIONS}
# Derived views, for callers that want one aspect (the stack's tuning override, the packaging test).
DEFAULT_TUNING: dict[str, Tuning] = {spec.name: spec.tuning for spec in FUNCTIONS}
HANDLERS: dict[str, str] = {spec.name: spec.handler for spec in FUNCTIONS}


RETRIEVERS = ("index", "bedrock-kb")
INDEX_PREFIX = "index/"


@dataclass(frozen=True)
class Retrieval:
    """How the answerer finds passages. ``index`` (the default): kb-sync publishes the hybrid index under
    ``index/`` and the answerer searches it in process, embedding questions with Titan (``embedder``).
    ``bedrock-kb``: a Bedrock Knowledge Base (``kb_id``...) ingests ``kb/`` and the answerer calls Retrieve."""

    mode: str = "index"
    embedder: str = DEFAULT_EMBEDDER
    embedding_model: str = DEFAULT_EMBEDDING_MODEL
    kb_id: pulumi.Input[str] | None = None
    kb_arn: pulumi.Input[str] | None = None
    data_source_id: pulumi.Input[str] | None = None

    def __post_init__(self) -> None:
        if self.mode not in RETRIEVERS:
            raise ValueError(f"website-assistant:retriever must be one of {RETRIEVERS}, not {self.mode!r}")
        if self.mode == "bedrock-kb" and self.kb_arn is None:
            raise ValueError("retriever bedrock-kb needs the knowledge base (kb_id, kb_arn, data_source_id)")
        kind, _, dims = self.embedder.partition(":")
        if kind != "titan" or (dims and dims not in {str(d) for d in TITAN_DIMENSIONS}):
            choices = ", ".join(f"titan:{d}" for d in TITAN_DIMENSIONS)
            raise ValueError(f"website-assistant:embedder must be one of {choices}, not {self.embedder!r}")

    @property
    def index(self) -> bool:
        return self.mode == "index"


@dataclass
class BackendArgs:
    account: AccountContext
    package: BuiltPackage
    runtime: str
    log_retention_days: int
    sessions: aws.dynamodb.Table
    transcripts: aws.dynamodb.Table
    gaps: aws.dynamodb.Table
    bucket_name: pulumi.Input[str]
    bucket_arn: pulumi.Input[str]
    handoff_topic_arn: pulumi.Input[str]
    dlq_arn: pulumi.Input[str]
    signing_key_secret_arn: pulumi.Input[str]
    slack_secret_arn: pulumi.Input[str]
    slack_app_secret_arn: pulumi.Input[str]  # JSON {"bot_token", "signing_secret"}; used when slack_channel is set
    drive_secret_arn: pulumi.Input[str]
    model_id: str
    websocket: WebSocketEndpoint
    audit_bus_name: pulumi.Input[str]  # fn-answerer's per-turn audit events (infra/audit.py)
    audit_bus_arn: pulumi.Input[str]
    settings: Mapping[str, str]  # owner choices: site_name, allowed_origins, rate limits, drive ids...
    retrieval: Retrieval = field(default_factory=lambda: Retrieval())
    tuning: Mapping[str, Tuning] = field(default_factory=lambda: dict(DEFAULT_TUNING))


class Backend(pulumi.ComponentResource):
    def __init__(self, name: str, args: BackendArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("website-assistant:infra:Backend", name, None, opts)
        self._args = args
        pkg = args.package
        # Uploaded once, keyed by content hash, shared by every function.
        artifact = aws.s3.BucketObjectv2(
            "lambda-package", bucket=args.bucket_name, key=f"artifacts/lambda/{pkg.sha256_hex}.zip",
            source=pulumi.FileAsset(str(pkg.path)), opts=pulumi.ResourceOptions(parent=self))
        self.code = LambdaCode(bucket=args.bucket_name, key=artifact.key, source_code_hash=pkg.source_code_hash,
                               runtime=args.runtime, depends_on=[artifact])
        self.values = self._values()
        self.functions: dict[str, AssistantFunction] = {}
        for spec in FUNCTIONS:  # in table order: a policy may name the functions created before it
            self.functions[spec.name] = self._function(spec)
            if spec.name == "fn-drive-notify":
                self.drive_notify_url = self._public_url(spec.name, self.functions[spec.name])
                self.values["drive_notify_url"] = self.drive_notify_url
            if spec.name == "fn-slack-events":  # the Slack app's Event Subscriptions Request URL
                self.slack_events_url = self._public_url(spec.name, self.functions[spec.name])
        self.register_outputs({"drive_notify_url": self.drive_notify_url, "slack_events_url": self.slack_events_url,
                               **{n: f.arn for n, f in self.functions.items()}})

    def _public_url(self, name: str, fn: AssistantFunction) -> pulumi.Output[str]:
        """A function URL anyone may call (Google's or Slack's servers); the handler verifies the request itself.
        Since October 2025 a public URL needs both permissions: InvokeFunctionUrl, and InvokeFunction
        limited to calls that come through the URL."""
        child = pulumi.ResourceOptions(parent=fn)
        url = aws.lambda_.FunctionUrl(f"{name}-url", function_name=fn.name, authorization_type="NONE",
                                      opts=child)
        aws.lambda_.Permission(f"{name}-url-public", function=fn.name, action="lambda:InvokeFunctionUrl",
                               principal="*", function_url_auth_type="NONE", opts=child)
        aws.lambda_.Permission(f"{name}-url-invoke", function=fn.name, action="lambda:InvokeFunction",
                               principal="*", invoked_via_function_url=True, opts=child)
        return url.function_url

    def _values(self) -> dict[str, pulumi.Input[str]]:
        a = self._args
        values: dict[str, pulumi.Input[str]] = dict(a.settings)
        r = a.retrieval
        kb: pulumi.Input[str] = (pulumi.Output.concat("index:s3://", a.bucket_name, "/", INDEX_PREFIX) if r.index
                                 else pulumi.Output.concat("bedrock:", r.kb_id))
        values.update({
            "model": f"bedrock:{a.model_id}", "kb": kb, "embedder": r.embedder,
            "sessions_table": a.sessions.name, "transcripts_table": a.transcripts.name,
            "gaps_table": a.gaps.name, "data_bucket": a.bucket_name, "handoff_topic_arn": a.handoff_topic_arn,
            "signing_key_secret": a.signing_key_secret_arn, "slack_webhook_secret": a.slack_secret_arn,
            "slack_app_secret": a.slack_app_secret_arn if a.settings.get("slack_channel") else "",
            "drive_credentials_secret": a.drive_secret_arn, "answerer_function": "fn-answerer",
            "handoff_function": "fn-handoff", "kb_sync_function": "fn-kb-sync",
            "ws_management_endpoint": a.websocket.management_endpoint,
            "kb_id": r.kb_id or "", "kb_data_source_id": r.data_source_id or "",
            "kb_prefix": "kb/", "kb_state_key": "kb-sync/state.json", "event_bus_name": a.audit_bus_name,
        })
        return values

    def _grants(self, fn: str) -> list[Statement]:
        a, f = self._args, self.functions
        sessions, transcripts, gaps = a.sessions.arn, a.transcripts.arn, a.gaps.arn
        ddb = lambda actions, arn, sid: allow([f"dynamodb:{x}" for x in actions], [arn], sid=sid)  # noqa: E731
        sockets = allow(["execute-api:ManageConnections"], [a.websocket.connections_arn], sid="PostToConnection")
        signing_key = allow(["secretsmanager:GetSecretValue"], [a.signing_key_secret_arn], sid="SigningKey")
        r = a.retrieval
        index = suffix(a.bucket_arn, f"/{INDEX_PREFIX}*")
        embed = allow(["bedrock:InvokeModel"], [a.account.arn("bedrock", f"foundation-model/{r.embedding_model}",
                                                               account=False)], sid="Embed")
        # The answerer reads published versions and embeds questions, or calls the Knowledge Base.
        retrieve = ([allow(["s3:GetObject"], [index], sid="ReadIndex"), embed] if r.index
                    else [allow(["bedrock:Retrieve"], [r.kb_arn], sid="Retrieve")])
        # kb-sync publishes versions (and tags the retired ones for the lifecycle rule), or starts ingestion.
        publish = ([allow(["s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"], [index], sid="PublishIndex"),
                    embed] if r.index
                   else [allow(["bedrock:StartIngestionJob", "bedrock:GetIngestionJob"], [r.kb_arn], sid="Ingest")])
        # Lazy: a function may only name functions created before it.
        grants: dict[str, Callable[[], list[Statement]]] = {
            "fn-mint-token": lambda: [signing_key, ddb(["UpdateItem"], sessions, "RateLimit")],
            "fn-ws-connect": lambda: [signing_key, ddb(["PutItem"], sessions, "Sessions")],
            "fn-ws-message": lambda: [
                # Claims (idempotency) are put, read and released; counters and turns are updated.
                ddb(["GetItem", "PutItem", "UpdateItem", "DeleteItem"], sessions, "Sessions"), sockets,
                invoke_statement([f["fn-answerer"], f["fn-handoff"]], "InvokeAsync"),
                # A visitor's rating is stored on the answer's row; a 👎 joins the week's gaps.
                ddb(["UpdateItem"], transcripts, "Feedback"), ddb(["PutItem"], gaps, "UnhelpfulGaps")],
            "fn-ws-disconnect": lambda: [ddb(["DeleteItem"], sessions, "Sessions")],
            "fn-answerer": lambda: [
                *bedrock_access.model_statements(a.account, a.model_id), *retrieve, sockets,
                ddb(["GetItem", "UpdateItem"], sessions, "Sessions"),
                ddb(["PutItem", "Query"], transcripts, "Transcripts"), ddb(["PutItem"], gaps, "Gaps"),
                invoke_statement([f["fn-handoff"]], "InvokeHandoff"),
                allow(["events:PutEvents"], [a.audit_bus_arn], sid="AuditEvents")],
            "fn-handoff": lambda: [
                allow(["sns:Publish"], [a.handoff_topic_arn], sid="NotifyStaff"),
                # Handoffs also go to Slack (the notice carries its own transcript excerpt), by webhook or app.
                allow(["secretsmanager:GetSecretValue"], [a.slack_secret_arn, a.slack_app_secret_arn], sid="Slack"),
                # The handoff#<session> record: read, opened (conditional put), updated and claimed; the
                # staff#<session> and slackthread#<thread> items of the Slack app's threads.
                ddb(["GetItem", "PutItem", "UpdateItem"], sessions, "HandoffState"),
                ddb(["Query"], transcripts, "TranscriptExcerpt"),
                sockets],  # a staff reply goes to the visitor's connection
            "fn-gaps-batch": lambda: [
                ddb(["Query"], gaps, "Gaps"), allow(["s3:PutObject"], [suffix(a.bucket_arn, "/reports/*")],
                                                     sid="Reports"),
                allow(["sns:Publish"], [a.handoff_topic_arn], sid="NotifyWriters")],
            "fn-archive": lambda: [
                ddb(["Query"], suffix(transcripts, f"/index/{BY_DAY_INDEX}"), "ByDay"),
                # Manifests are read to skip finished days; listing (only under transcripts/) tells a
                # missing manifest (404) from a refused read (403). archive/ is not used: no grant.
                allow(["s3:ListBucket"], [a.bucket_arn], sid="ListExports",
                      condition={"StringLike": {"s3:prefix": ["transcripts/*"]}}),
                allow(["s3:GetObject", "s3:PutObject"], [suffix(a.bucket_arn, "/transcripts/*")], sid="Export")],
            "fn-kb-sync": lambda: [
                allow(["secretsmanager:GetSecretValue"], [a.drive_secret_arn], sid="DriveCredentials"),
                # Unconditioned on purpose: without ListBucket S3 answers a missing object (the first
                # run's state file) with 403 instead of 404, and a GetObject carries no s3:prefix to
                # condition on. It exposes key names only, never contents.
                allow(["s3:ListBucket"], [a.bucket_arn], sid="ListForNotFound"),
                allow(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], [suffix(a.bucket_arn, "/kb/*")],
                      sid="Documents"),
                allow(["s3:GetObject", "s3:PutObject"], [suffix(a.bucket_arn, "/kb-sync/*")], sid="SyncState"),
                ddb(["DeleteItem"], sessions, "SyncRequestFlag"),  # cleared as a sync starts
                *publish],
            "fn-slack-events": lambda: [
                allow(["secretsmanager:GetSecretValue"], [a.slack_app_secret_arn], sid="SigningSecret"),
                invoke_statement([f["fn-handoff"]], "QueueStaffReply")],
            "fn-drive-notify": lambda: [
                # The watch record (channel id and token) kb-sync keeps next to its state.
                allow(["s3:GetObject"], [suffix(a.bucket_arn, "/kb-sync/watch.json")], sid="WatchRecord"),
                ddb(["PutItem"], sessions, "SyncRequestFlag"),
                # By name: fn-kb-sync comes later in the table (its environment names this function's URL).
                allow(["lambda:InvokeFunction"], [a.account.arn("lambda", "function:fn-kb-sync")], sid="StartSync")],
        }
        return grants[fn]()

    def _function(self, spec: FunctionSpec) -> AssistantFunction:
        a = self._args
        t = a.tuning.get(spec.name, spec.tuning)
        env = {f"ASSISTANT_{k.upper()}": self.values[k] for k in spec.env_fields  # KeyError = a missing setting
               if k in self.values or k not in OWNER_SETTINGS}
        is_async = spec.async_retries is not None
        return AssistantFunction(spec.name, FunctionArgs(
            code=self.code, handler=spec.handler, memory_mb=t.memory_mb, timeout_s=t.timeout_s,
            reserved_concurrency=t.reserved, log_retention_days=a.log_retention_days, environment=env,
            statements=self._grants(spec.name), tracing=spec.traced,
            failure_queue_arn=a.dlq_arn if is_async else None, max_retries=spec.async_retries or 0,
            max_event_age_s=spec.max_event_age_s, description=f"website assistant: {spec.handler}"),
            opts=pulumi.ResourceOptions(parent=self))
