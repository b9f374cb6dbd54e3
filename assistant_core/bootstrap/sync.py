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
from assistant_core.bootstrap.specs import build_embedder, index_store
from assistant_core.clock import SYSTEM_CLOCK
from assistant_core.errors import AssistantError
from assistant_core.observability.emf import EmfMetrics
from assistant_core.retrieval.ports import BlobStore, Embedder
from assistant_core.settings import Settings
from kb_sync.compose import local_engine, s3_engine
from kb_sync.config import SyncConfig
from kb_sync.engine import SyncEngine
from kb_sync.index_publisher import IndexPublisher
from kb_sync.ports import Publisher
from kb_sync.report import SyncReport

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
        publisher = index_publisher(S3BlobStore(s3, cfg.bucket, cfg.prefix), settings)
    agent = clients.client("bedrock-agent") if cfg.kb_id and publisher is None else None
    return s3_engine(cfg, s3=s3, secrets=secrets, bedrock_agent=agent, out_of_time=out_of_time, publisher=publisher)


def index_publisher(docs: BlobStore, settings: Settings, *, versions: BlobStore | None = None,
                    embedder: Embedder | None = None) -> IndexPublisher:
    """Publishes the synced ``docs`` as index versions where ``--kb index:LOCATION`` says, embedded as the
    answerer will embed its questions (``versions``/``embedder`` given: used instead)."""
    location = settings.kb.partition(":")[2]
    return IndexPublisher(docs, versions or index_store(location, settings=settings),
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
            report = sync_engine(rt.settings, rt.clients, out_of_time=out_of_time).run(full=full)
    except AssistantError as exc:  # bad configuration: say so in the log and the result
        log.error("kb_sync: cannot start: %s", exc)
        report = SyncReport(error=f"{type(exc).__name__}: {exc}")
    _emit_metrics(report, stage)
    return report


def _emit_metrics(report: SyncReport, stage: str) -> None:
    EmfMetrics(stage).counts(report.metrics())
