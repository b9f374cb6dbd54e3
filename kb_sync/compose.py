"""kb_sync's part of the composition: the Drive source, sinks and publishers from a ``SyncConfig`` and clients.

Called by ``assistant_core/bootstrap/sync.py`` (fn-kb-sync, ``python -m kb_sync``) and the tests, which
pass clients from the one client factory (or doubles); nothing here reads the environment.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from assistant_core.errors import ConfigError

from .attributes import UrlMap
from .config import SyncConfig
from .drive_auth import credentials, key_from_file, key_from_secret, session
from .drive_http import DriveHttp
from .drive_source import DriveSource
from .engine import EngineOptions, SyncEngine
from .ingestion import BedrockIngestion
from .local_folder import STATE_PATH
from .local_sink import LocalIndexPublisher, LocalSink
from .ports import Publisher
from .s3_store import S3Sink, S3StateStore
from .state import FileStateStore


def drive_source(
    cfg: SyncConfig, secrets_client: Any = None, *, sleep: Callable[[float], None] = time.sleep
) -> DriveSource:
    cfg.check_drive()
    if cfg.credentials_file:
        info = key_from_file(Path(cfg.credentials_file))
    elif secrets_client is None:
        raise ConfigError("a Secrets Manager client is needed to read the Drive key secret")
    else:
        info = key_from_secret(secrets_client, cfg.credentials_secret)
    creds = credentials(info, subject=cfg.subject, token_uri=cfg.token_uri)
    http = DriveHttp(session(creds), cfg.drive_api_base, sleep=sleep)
    return DriveSource(http, cfg.folder_id, max_file_bytes=cfg.max_file_mb * 1024 * 1024)


def options(cfg: SyncConfig, out_of_time: Callable[[], bool] | None = None) -> EngineOptions:
    return EngineOptions(
        reconcile_every=timedelta(hours=cfg.reconcile_hours),
        workers=cfg.workers,
        urls=UrlMap(cfg.site_urls),
        out_of_time=out_of_time or (lambda: False),
    )


def s3_engine(
    cfg: SyncConfig,
    *,
    s3: Any,
    secrets: Any,
    bedrock_agent: Any | None,
    out_of_time: Callable[[], bool] | None = None,
    source: DriveSource | None = None,
    publisher: Publisher | None = None,
) -> SyncEngine:
    """Drive -> S3 ``kb/`` -> Bedrock ingestion, or ``publisher`` (an ``IndexPublisher`` for ``--kb index:``)
    (the Lambda and ``python -m kb_sync``)."""
    cfg.check_s3()
    src = source or drive_source(cfg, secrets)
    if publisher is None and cfg.kb_id and bedrock_agent is not None:
        publisher = BedrockIngestion(bedrock_agent, cfg.kb_id, cfg.data_source_id)
    return SyncEngine(
        src,
        S3Sink(s3, cfg.bucket, cfg.prefix),
        S3StateStore(s3, cfg.bucket, cfg.state_key),
        publisher,
        options(cfg, out_of_time),
    )


def local_engine(
    cfg: SyncConfig, dest: Path, *, secrets: Any = None, source: DriveSource | None = None,
    publisher: Publisher | None = None,
) -> SyncEngine:
    """Drive -> a local docs folder -> the local index (``assistant serve`` following Drive), or ``publisher``."""
    dest = dest.resolve()
    return SyncEngine(
        source or drive_source(cfg, secrets),
        LocalSink(dest),
        FileStateStore(dest / STATE_PATH),
        publisher or LocalIndexPublisher(dest),
        options(cfg),
    )
