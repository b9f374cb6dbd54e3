"""kb_sync composed from ``Settings`` and the client factory: fn-kb-sync and ``python -m kb_sync``.

A module of its own so only fn-kb-sync (and the manual run) load kb_sync and the Google libraries;
the other Lambdas import ``bootstrap.lambdas`` alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from assistant_core.aws.blob_bucket import S3BlobStore
from assistant_core.aws.clients import SYNC_CONFIG, ClientFactory
from assistant_core.bootstrap.lambdas import runtime
from assistant_core.bootstrap.notify import state_prefix
from assistant_core.bootstrap.specs import build_embedder, index_store
from assistant_core.clock import SYSTEM_CLOCK
from assistant_core.errors import AssistantError
from assistant_core.observability.emf import EmfMetrics
from assistant_core.retrieval.ports import BlobStore, Embedder
from assistant_core.settings import Settings
from kb_sync.compose import local_engine, s3_engine
from kb_sync.config import SyncConfig
from kb_sync.drive_source import DriveSource
from kb_sync.engine import SyncEngine
from kb_sync.index_publisher import IndexPublisher
from kb_sync.ports import Publisher
from kb_sync.report import SyncReport
from kb_sync.sync_requests import SyncRequests
from kb_sync.watch import WatchKeeper, WatchStore

log = logging.getLogger(__name__)


def sync_engine(settings: Settings, clients: ClientFactory, *, dest: Path | None = None,
                out_of_time: Callable[[], bool] | None = None, publisher: Publisher | None = None) -> SyncEngine:
    """Drive -> S3 ``kb/`` -> Bedrock ingestion, or Drive -> ``dest`` -> the local index. With ``--kb
    index:s3://...`` (ASSISTANT_KB, the answerer's own setting) it publishes index versions there instead.
    ``publisher`` replaces the one the settings name (the local stack publishes to a folder)."""
    cfg = SyncConfig.from_settings(settings)
    cfg.check_drive()
    secrets = None if cfg.credentials_file else clients.client("secretsmanager")
    if dest is not None:
        return local_engine(cfg, dest, secrets=secrets, publisher=publisher)
    cfg.check_s3()
    s3 = clients.client("s3", config=SYNC_CONFIG)
    if publisher is None and settings.kb.startswith("index:"):
        publisher = index_publisher(S3BlobStore(s3, cfg.bucket, cfg.prefix), settings, clients=clients)
    agent = clients.client("bedrock-agent") if cfg.kb_id and publisher is None else None
    return s3_engine(cfg, s3=s3, secrets=secrets, bedrock_agent=agent, out_of_time=out_of_time, publisher=publisher)


def index_publisher(docs: BlobStore, settings: Settings, *, clients: ClientFactory | None = None,
                    versions: BlobStore | None = None, embedder: Embedder | None = None) -> IndexPublisher:
    """Publishes the synced ``docs`` as index versions where ``--kb index:LOCATION`` says, embedded as the
    answerer will embed its questions (``versions``/``embedder`` given: used instead)."""
    location = settings.kb.partition(":")[2]
    return IndexPublisher(docs, versions or index_store(location, settings=settings, clients=clients),
                          embedder or build_embedder(settings.embedder, settings=settings), SYSTEM_CLOCK)


def lambda_tick(*, full: bool, out_of_time: Callable[[], bool]) -> SyncReport:
    """fn-kb-sync's one incremental (or full) tick, with its EMF line; configuration faults become the report."""
    stage = "unknown"
    try:
        rt = runtime()  # settings and clients once per container
        stage = rt.settings.stage
        if not rt.settings.drive_folder_id.strip():  # the schedule exists in every stack; an owner may not use Drive
            log.warning("kb_sync: ASSISTANT_DRIVE_FOLDER_ID is empty; Drive sync is off")
            report = SyncReport(mode="off", warnings=["no Drive folder configured"])
        else:
            report = push_aware_tick(rt.settings, rt.clients, full=full, out_of_time=out_of_time)
    except AssistantError as exc:  # bad configuration: say so in the log and the result
        log.error("kb_sync: cannot start: %s", exc)
        report = SyncReport(error=f"{type(exc).__name__}: {exc}")
    _emit_metrics(report, stage)
    return report


def push_aware_tick(settings: Settings, clients: ClientFactory, *, full: bool,
                    out_of_time: Callable[[], bool] | None = None) -> SyncReport:
    """One sync; with Drive push configured (``drive_notify_url``) the request flag is cleared before it
    reads the change feed, and the watch channel is opened or renewed after it (so this tick's schedule
    is also the renewal schedule and the polling fallback)."""
    push = settings.drive_notify_url.strip()
    if push:
        SyncRequests(clients.table(settings.sessions_table), SYSTEM_CLOCK).clear()
    engine = sync_engine(settings, clients, out_of_time=out_of_time)
    report = engine.run(full=full)
    if push and isinstance(engine.source, DriveSource):
        store = S3BlobStore(clients.client("s3", config=SYNC_CONFIG), settings.data_bucket,
                            state_prefix(settings.kb_state_key))
        try:
            report.watch = WatchKeeper(engine.source, WatchStore(store), push, SYSTEM_CLOCK).ensure()
        except AssistantError as exc:  # polling still works: say so, alarm through the report
            report.warnings.append(f"Drive watch channel not renewed: {exc}")
            log.warning("kb_sync: Drive watch channel not renewed: %s", exc)
    return report


def _emit_metrics(report: SyncReport, stage: str) -> None:
    EmfMetrics(stage).counts(report.metrics())
