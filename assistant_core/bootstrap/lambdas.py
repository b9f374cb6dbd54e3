"""Composition root for the Lambdas: adapters built once per cold start from ``Settings.from_env()``.

boto3 honours ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SERVICE>`` on its own, which is how the
local gateway points these same adapters at moto and at itself.
"""

from __future__ import annotations

import logging
import threading
from functools import cached_property
from typing import Any

import boto3
from botocore.config import Config

from assistant_core.answering.answerer import Answerer
from assistant_core.archive.archiver import TranscriptArchiver
from assistant_core.aws.emf import EmfMetrics, stdout_line
from assistant_core.aws.gaps_reader import DynamoGapReader
from assistant_core.aws.handoff_store import DynamoHandoffStore, DynamoTranscriptReader
from assistant_core.aws.messaging import ConnectionPoster, LambdaHandoffQueue, LambdaInvoker, SecretReader, SnsNotifier
from assistant_core.aws.records_tables import DynamoGaps, DynamoTranscripts
from assistant_core.aws.report_store import S3ReportStore
from assistant_core.aws.sessions_table import DynamoSessionStore
from assistant_core.aws.telemetry import EventBridgeAudit, TurnTelemetry
from assistant_core.aws.transcript_archive import DynamoDayTurns, S3ArchiveBucket
from assistant_core.clock import SystemClock
from assistant_core.conversation.intake import Limits, MessageIntake
from assistant_core.conversation.tokens import KeySet
from assistant_core.handoff.notice import NoticeContext
from assistant_core.handoff.service import HandoffService
from assistant_core.remote.slack_webhook import SlackWebhook
from assistant_core.settings import Settings

_CONFIG = Config(connect_timeout=3, read_timeout=10, retries={"mode": "standard", "max_attempts": 3},
                 max_pool_connections=50)
# The audit event is sent inside every fn-answerer invocation: a slow EventBridge must not stretch the turns.
_AUDIT_CONFIG = Config(connect_timeout=1, read_timeout=2, retries={"mode": "standard", "max_attempts": 2},
                       max_pool_connections=50)


class Runtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._session = boto3.session.Session(region_name=settings.region)
        self._lock = threading.RLock()  # the local gateway calls handlers from many threads
        self._answerers: dict[str, Answerer] = {}

    def _client(self, service: str, **kwargs: Any) -> Any:
        with self._lock:
            return self._session.client(service, config=_CONFIG, **kwargs)

    def _table(self, name: str) -> Any:
        with self._lock:
            return self._session.resource("dynamodb", config=_CONFIG).Table(name)

    @cached_property
    def sessions(self) -> DynamoSessionStore:
        return DynamoSessionStore(self._table(self.settings.sessions_table), self.settings.session_idle_seconds)

    @cached_property
    def transcripts(self) -> DynamoTranscripts:
        return self._mirrored(DynamoTranscripts(self._table(self.settings.transcripts_table),
                                                self.settings.retention_days))

    @cached_property
    def gaps(self) -> DynamoGaps:
        return self._mirrored(DynamoGaps(self._table(self.settings.gaps_table)))

    def _mirrored(self, store: Any) -> Any:
        """The local stack also appends what it writes to files `assistant gaps/stats` read later."""
        if not self.settings.records_dir:
            return store
        from assistant_core.local.record_files import JsonlRecords, Mirrored

        return Mirrored(store, JsonlRecords(self.settings.records_dir))

    @cached_property
    def gap_reader(self) -> DynamoGapReader:
        return DynamoGapReader(self._table(self.settings.gaps_table))

    @cached_property
    def reports(self) -> S3ReportStore:
        return S3ReportStore(self._client("s3"), self.settings.data_bucket)

    @cached_property
    def invoker(self) -> LambdaInvoker:
        return LambdaInvoker(self._client("lambda"))

    @cached_property
    def notifier(self) -> SnsNotifier:
        return SnsNotifier(self._client("sns"), self.settings.handoff_topic_arn)

    @cached_property
    def secrets(self) -> SecretReader:
        return SecretReader(self._client("secretsmanager"))

    @cached_property
    def handoffs(self) -> HandoffService:
        """fn-handoff: the session's handoff record, the transcript excerpt, email (SNS) and Slack."""
        s = self.settings
        slack = None
        if s.slack_webhook_secret:  # read on first use: a cold start never fails on Slack
            slack = SlackWebhook(lambda: self.secrets.get(s.slack_webhook_secret))
        context = NoticeContext(s.site_name, s.transcript_url_template, s.region, s.transcripts_table)
        return HandoffService(store=DynamoHandoffStore(self._table(s.sessions_table)),
                              transcripts=DynamoTranscriptReader(self._table(s.transcripts_table)),
                              notifier=self.notifier, chat=slack, metrics=EmfMetrics(s.stage), context=context,
                              turns=s.handoff_turns)

    def keys(self) -> KeySet:
        return KeySet.from_json(self.secrets.get(self.settings.signing_key_secret))

    def poster(self, endpoint: str = "") -> ConnectionPoster:
        return ConnectionPoster(self._client("apigatewaymanagementapi",
                                             endpoint_url=endpoint or self.settings.ws_management_endpoint))

    @cached_property
    def default_poster(self) -> ConnectionPoster:
        return self.poster()

    @cached_property
    def intake(self) -> MessageIntake:
        s = self.settings
        limits = Limits(max_chars=s.max_message_chars, per_minute=s.rate_limit_per_minute,
                        burst=s.rate_limit_burst, daily_turn_cap=s.daily_turn_cap, scratchpad_turns=s.history_turns)
        return MessageIntake(self.sessions, limits, s.ws_management_endpoint)

    def ws_url(self) -> str:
        endpoint = self.settings.ws_management_endpoint
        return "wss://" + endpoint.removeprefix("https://") if endpoint.startswith("https://") \
            else "ws://" + endpoint.removeprefix("http://")

    @cached_property
    def _brains(self) -> tuple[Any, Any]:
        from assistant_core.bootstrap.specs import build_model, build_retriever

        s = self.settings
        retriever = build_retriever(s.kb, s.docs_dir, settings=s)
        return build_model(s.model, settings=s, retriever=retriever), retriever

    @cached_property
    def telemetry(self) -> TurnTelemetry:
        """Per-turn EMF metrics and audit event; locally the metrics line goes to the debug log, not the console."""
        s = self.settings
        with self._lock:
            events = self._session.client("events", config=_AUDIT_CONFIG)
        write = stdout_line if s.stage != "local" else logging.getLogger("assistant_core.metrics").debug
        return TurnTelemetry(s.stage, EventBridgeAudit(events, s.event_bus_name), write)

    @cached_property
    def archiver(self) -> TranscriptArchiver:
        """fn-archive: tbl-transcripts' by_day index → s3://<data bucket>/transcripts/<day>/."""
        return TranscriptArchiver(DynamoDayTurns(self._table(self.settings.transcripts_table)),
                                  S3ArchiveBucket(self._client("s3"), self.settings.data_bucket), SystemClock())

    def answerer(self, endpoint: str = "") -> Answerer:
        """One answerer per management endpoint (the turn payload names it), sharing model and index."""
        from assistant_core.bootstrap.specs import answerer_config

        endpoint = endpoint or self.settings.ws_management_endpoint
        with self._lock:
            found = self._answerers.get(endpoint)
        if found is None:
            model, retriever = self._brains
            found = Answerer(model=model, retriever=retriever, history=self.transcripts,
                             poster=self.poster(endpoint), transcripts=self.transcripts, gaps=self.gaps,
                             handoffs=LambdaHandoffQueue(self.invoker, self.settings.handoff_function),
                             clock=SystemClock(), config=answerer_config(self.settings), observer=self.telemetry)
            with self._lock:
                found = self._answerers.setdefault(endpoint, found)
        return found


_runtime: Runtime | None = None
_runtime_lock = threading.Lock()


def runtime() -> Runtime:
    """The process's runtime (a Lambda cold start builds it once)."""
    global _runtime
    with _runtime_lock:
        if _runtime is None:
            _runtime = Runtime(Settings.from_env())
        return _runtime


def reset_runtime(settings: Settings | None = None) -> Runtime:
    """For the local gateway, which sets the environment before the first event."""
    global _runtime
    with _runtime_lock:
        _runtime = Runtime(settings or Settings.from_env())
        return _runtime
