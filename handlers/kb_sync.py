"""fn-kb-sync: the scheduled Drive -> S3 -> knowledge-base sync (every 5 minutes by default).

Thin: settings and clients once per container, one incremental tick per invocation (``{"full": true}``
in the event forces a full reconcile), a summary dict back, one EMF metrics line for alarms.
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

import boto3

from assistant_core.errors import AssistantError
from assistant_core.observability.turn_metrics import emf
from assistant_core.settings import Settings
from handlers._compose import lambda_entry
from kb_sync.compose import s3_engine
from kb_sync.config import SyncConfig, extra_from_env
from kb_sync.report import SyncReport

log = logging.getLogger(__name__)
SAFETY_MS = 60_000  # stop starting new batches with a minute of Lambda time left

_cache: dict[str, Any] = {}


@lambda_entry
def handler(event: dict[str, Any] | None, context: Any) -> dict[str, Any]:
    try:
        cfg, clients = _composed()
        if not cfg.folder_id:  # the schedule exists in every stack; an owner may not use Drive
            log.warning("kb_sync: ASSISTANT_DRIVE_FOLDER_ID is empty; Drive sync is off")
            return SyncReport(mode="off", warnings=["no Drive folder configured"]).as_dict()
        engine = s3_engine(
            cfg,
            s3=clients["s3"],
            secrets=clients["secretsmanager"],
            bedrock_agent=clients["bedrock-agent"],
            out_of_time=lambda: _remaining_ms(context) < SAFETY_MS,
        )
    except AssistantError as exc:  # bad configuration: say so in the log and the result
        log.error("kb_sync: cannot start: %s", exc)
        report = SyncReport(error=f"{type(exc).__name__}: {exc}")
    else:
        report = engine.run(full=bool((event or {}).get("full")))
    _emit_metrics(report, _stage())
    return report.as_dict()


def _composed() -> tuple[SyncConfig, dict[str, Any]]:
    if "cfg" not in _cache:
        settings = Settings.from_env(extra=extra_from_env(os.environ))
        cfg = SyncConfig.from_settings(settings)
        if cfg.folder_id:
            cfg.check_drive()
            cfg.check_s3()
        _cache["stage"] = settings.stage
        _cache["clients"] = {
            name: boto3.client(name, region_name=cfg.region) for name in ("s3", "secretsmanager", "bedrock-agent")
        }
        _cache["cfg"] = cfg
    return _cache["cfg"], _cache["clients"]


def _stage() -> str:
    return str(_cache.get("stage", "unknown"))


def _remaining_ms(context: Any) -> float:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return float(remaining()) if callable(remaining) else float("inf")


def _emit_metrics(report: SyncReport, stage: str) -> None:
    metrics = {
        "KbDocsAdded": len(report.added),
        "KbDocsUpdated": len(report.updated) + len(report.moved),
        "KbDocsDeleted": len(report.deleted),
        "KbDocsSkipped": len(report.skipped),
        "KbSyncFailed": 0 if report.ok else 1,
    }
    print(json.dumps(emf(stage, {name: (value, "Count") for name, value in metrics.items()},
                         int(time.time() * 1000))))
