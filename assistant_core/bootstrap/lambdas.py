"""Composition root for the Lambdas: adapters built once per cold start from ``Settings.for_lambda()``.

``Runtime(settings, clients=..., invoker=..., ...)``: every adapter a handler uses is a cached
property built from the settings and one ``ClientFactory``; any of them can be given instead
(tests pass fakes; the local gateway passes its model, index and mirrored records, built by
``bootstrap/local.py``, and a factory pointed at moto). A local-only model or kb spec, or a missing
one where a model is needed, is a ConfigError naming the variable.
"""

from __future__ import annotations

import logging
import threading
from functools import cached_property
from typing import Any

from assistant_core.answering.answerer import Answerer
from assistant_core.answering.ports import GapLog, Model, TranscriptStore, TurnObserver
from assistant_core.archive.archiver import TranscriptArchiver
from assistant_core.aws.clients import AUDIT_CONFIG, ClientFactory
from assistant_core.aws.gaps_reader import DynamoGapReader
from assistant_core.aws.handoff_store import DynamoHandoffStore, DynamoTranscriptReader
from assistant_core.aws.messaging import ConnectionPoster, LambdaHandoffQueue, LambdaInvoker, SecretReader, SnsNotifier
from assistant_core.aws.records_tables import DynamoGaps, DynamoTranscripts
from assistant_core.aws.report_store import S3ReportStore
from assistant_core.aws.sessions_table import DynamoSessionStore
from assistant_core.aws.staff_threads import DynamoStaffThreads
from assistant_core.aws.telemetry import EventBridgeAudit, TurnTelemetry
from assistant_core.aws.transcript_archive import DynamoDayTurns, S3ArchiveBucket
from assistant_core.bootstrap.specs import answerer_config, build_model, build_retriever, check_production_specs
from assistant_core.clock import SystemClock
from assistant_core.conversation.intake import Limits, MessageIntake
from assistant_core.conversation.ports import Invoker, SessionStore
from assistant_core.conversation.tokens import KeySet
from assistant_core.gaps.feedback import unhelpful_gap
from assistant_core.gaps.ports import GapSource, ReportStore
from assistant_core.handoff.notice import NoticeContext
from assistant_core.handoff.ports import StaffChat
from assistant_core.handoff.service import HandoffService
from assistant_core.handoff.slack_events import SlackEventReceiver
from assistant_core.handoff.staff_desk import StaffDesk
from assistant_core.observability.emf import EmfMetrics, stdout_line
from assistant_core.ports import Notifier
from assistant_core.remote.slack_app import SlackApp
from assistant_core.remote.slack_webhook import SlackWebhook
from assistant_core.retrieval.ports import Retriever
from assistant_core.settings import Settings


def dynamo_transcripts(settings: Settings, clients: ClientFactory) -> DynamoTranscripts:
    return DynamoTranscripts(clients.table(settings.transcripts_table), settings.retention_days)


def dynamo_gaps(settings: Settings, clients: ClientFactory) -> DynamoGaps:
    return DynamoGaps(clients.table(settings.gaps_table))


class Runtime:
    def __init__(
        self,
        settings: Settings,
        *,
        clients: ClientFactory | None = None,
        model: Model | None = None,
        retriever: Retriever | None = None,
        invoker: Invoker | None = None,
        notifier: Notifier | None = None,
        telemetry: TurnObserver | None = None,
        gap_reader: GapSource | None = None,
        transcripts: TranscriptStore | None = None,
        gaps: GapLog | None = None,
        sessions: SessionStore | None = None,
        secrets: SecretReader | None = None,
        reports: ReportStore | None = None,
    ) -> None:
        """``None`` builds the production adapter from ``settings``; anything else is used as given."""
        check_production_specs(settings, model=model is None, kb=retriever is None)  # at cold start, not mid-turn
        self.settings = settings
        self.clients = clients or ClientFactory(settings.region)
        self._lock = threading.RLock()  # the local gateway calls handlers from many threads
        self._answerers: dict[str, Answerer] = {}
        self._model = model
        self._retriever = retriever
        adapters = {"invoker": invoker, "notifier": notifier, "telemetry": telemetry, "gap_reader": gap_reader,
                    "transcripts": transcripts, "gaps": gaps, "sessions": sessions, "secrets": secrets,
                    "reports": reports}
        self._given: dict[str, Any] = {k: v for k, v in {**adapters, "model": model, "retriever": retriever}.items()
                                       if v is not None}
        for name, value in adapters.items():
            if value is not None:
                self.__dict__[name] = value  # a cached_property reads the instance dict first: never built

    def with_(self, settings: Settings | None = None, **replacements: Any) -> Runtime:
        """A fresh runtime with the same clients and replacements, changed as given (tests, mostly)."""
        return Runtime(settings or self.settings, clients=self.clients, **{**self._given, **replacements})

    def _client(self, service: str, **kwargs: Any) -> Any:
        return self.clients.client(service, **kwargs)

    def _table(self, name: str) -> Any:
        return self.clients.table(name)

    @cached_property
    def sessions(self) -> DynamoSessionStore:
        return DynamoSessionStore(self._table(self.settings.sessions_table), self.settings.session_idle_seconds)

    @cached_property
    def transcripts(self) -> DynamoTranscripts:
        return dynamo_transcripts(self.settings, self.clients)

    @cached_property
    def gaps(self) -> DynamoGaps:
        return dynamo_gaps(self.settings, self.clients)

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
    def slack_app(self) -> SlackApp | None:
        """The Slack app when one is configured (its secret is read on first use: a cold start never fails on it)."""
        s = self.settings
        if not s.slack_app_secret:
            return None
        return SlackApp(lambda: self.secrets.get(s.slack_app_secret), s.slack_channel, api_base=s.slack_api_base)

    @cached_property
    def staff_chat(self) -> StaffChat | None:
        """Where hand-offs go in Slack: the app (threads staff reply in), else the incoming webhook, else nowhere."""
        s = self.settings
        if self.slack_app is not None:
            return self.slack_app
        if s.slack_webhook_secret:
            return SlackWebhook(lambda: self.secrets.get(s.slack_webhook_secret))
        return None

    @cached_property
    def staff_threads(self) -> DynamoStaffThreads:
        return DynamoStaffThreads(self._table(self.settings.sessions_table))

    @cached_property
    def handoffs(self) -> HandoffService:
        """fn-handoff: the session's handoff record, the transcript excerpt, email (SNS) and Slack."""
        s = self.settings
        context = NoticeContext(s.site_name, s.transcript_url_template, s.region, s.transcripts_table,
                                s.handoff_turns, replies_in_thread=self.slack_app is not None)
        return HandoffService(store=DynamoHandoffStore(self._table(s.sessions_table)),
                              transcripts=DynamoTranscriptReader(self._table(s.transcripts_table)),
                              notifier=self.notifier, chat=self.staff_chat, metrics=EmfMetrics(s.stage),
                              context=context, turns=s.handoff_turns,
                              threads=self.staff_threads if self.slack_app is not None else None)

    @cached_property
    def staff_desk(self) -> StaffDesk | None:
        """Staff replies from Slack threads to the visitor, and the quiet window; None without the Slack app."""
        s = self.settings
        if self.slack_app is None:
            return None
        return StaffDesk(threads=self.staff_threads, chat=self.slack_app, poster=self.default_poster,
                         queue=lambda payload: self.invoker.invoke_async(s.handoff_function, payload),
                         names=self.slack_app if s.staff_names == "slack" else None,
                         quiet_seconds=s.staff_quiet_seconds)

    @cached_property
    def slack_events(self) -> SlackEventReceiver:
        """fn-slack-events: Slack's signed requests, a staff reply queued for fn-handoff."""
        s = self.settings
        s.require("slack_app_secret")
        app = self.slack_app
        assert app is not None
        return SlackEventReceiver(lambda: app.credentials().signing_secret,
                                  lambda payload: self.invoker.invoke_async(s.handoff_function, payload))

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
        desk = self.staff_desk
        return MessageIntake(self.sessions, limits, s.ws_management_endpoint, feedback=self.transcripts,
                             unhelpful=lambda fb, rated: self.gaps.record(unhelpful_gap(fb, rated)),
                             staff_replies=desk.visitor_back if desk is not None else None)

    @cached_property
    def metrics(self) -> EmfMetrics:
        """The app's EMF counts (stdout in Lambda; locally the debug log, not the console)."""
        s = self.settings
        write = stdout_line if s.stage != "local" else logging.getLogger("assistant_core.metrics").debug
        return EmfMetrics(s.stage, out=write)

    def ws_url(self) -> str:
        endpoint = self.settings.ws_management_endpoint
        return "wss://" + endpoint.removeprefix("https://") if endpoint.startswith("https://") \
            else "ws://" + endpoint.removeprefix("http://")

    @cached_property
    def _brains(self) -> tuple[Model, Retriever]:
        s = self.settings
        s.require(*[name for name, given in (("model", self._model), ("kb", self._retriever)) if given is None])
        retriever = self._retriever or build_retriever(s.kb, settings=s, clients=self.clients)
        return self._model or build_model(s.model, settings=s), retriever

    @cached_property
    def telemetry(self) -> TurnTelemetry:
        """Per-turn EMF metrics and audit event; locally the metrics line goes to the debug log, not the console."""
        s = self.settings
        events = self._client("events", config=AUDIT_CONFIG)
        return TurnTelemetry(s.stage, EventBridgeAudit(events, s.event_bus_name), self.metrics.out)

    @cached_property
    def archiver(self) -> TranscriptArchiver:
        """fn-archive: tbl-transcripts' by_day index → s3://<data bucket>/transcripts/<day>/."""
        return TranscriptArchiver(DynamoDayTurns(self._table(self.settings.transcripts_table)),
                                  S3ArchiveBucket(self._client("s3"), self.settings.data_bucket), SystemClock())

    def answerer(self, endpoint: str = "") -> Answerer:
        """One answerer per management endpoint (the turn payload names it), sharing model and index."""
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
    """The process's runtime (a Lambda cold start builds it once, from its environment)."""
    global _runtime
    with _runtime_lock:
        if _runtime is None:
            _runtime = Runtime(Settings.for_lambda())
        return _runtime


def install(rt: Runtime) -> Runtime:
    """Make ``rt`` the process's runtime: the local gateway and tests, which compose their own."""
    global _runtime
    with _runtime_lock:
        _runtime = rt
        return rt


def reset_runtime(settings: Settings | None = None, **replacements: Any) -> Runtime:
    """``install(Runtime(settings, **replacements))``; without settings, a fresh cold start's."""
    return install(Runtime(settings or Settings.for_lambda(), **replacements))
