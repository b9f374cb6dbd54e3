"""kb_sync's configuration: the shared ``Settings`` plus a few sync-only values from ``Settings.extra``.

Sync-only keys (environment ``ASSISTANT_<KEY>``; candidates for real ``Settings`` fields):
``drive_api_base``, ``drive_token_uri``, ``drive_credentials_file``, ``kb_site_urls`` (JSON),
``kb_prefix``, ``kb_state_key``, ``kb_reconcile_hours``, ``kb_max_file_mb``, ``kb_workers``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from assistant_core.errors import ConfigError
from assistant_core.settings import Settings

from .drive_http import DEFAULT_BASE_URL

N = TypeVar("N", int, float)

EXTRA_KEYS = (
    "drive_api_base",
    "drive_token_uri",
    "drive_credentials_file",
    "kb_site_urls",
    "kb_prefix",
    "kb_state_key",
    "kb_reconcile_hours",
    "kb_max_file_mb",
    "kb_workers",
)


def extra_from_env(env: Mapping[str, str]) -> dict[str, str]:
    """The sync-only keys present in ``env`` (for ``Settings.from_env(extra=...)``)."""
    return {k: env[f"ASSISTANT_{k.upper()}"] for k in EXTRA_KEYS if f"ASSISTANT_{k.upper()}" in env}


@dataclass(frozen=True)
class SyncConfig:
    folder_id: str = ""
    subject: str = ""
    credentials_secret: str = ""
    credentials_file: str = ""
    drive_api_base: str = DEFAULT_BASE_URL
    token_uri: str = ""  # "" keeps the key's own token_uri
    bucket: str = ""
    prefix: str = "kb/"
    state_key: str = "kb-sync/state.json"
    kb_id: str = ""
    data_source_id: str = ""
    region: str = ""
    site_urls: Mapping[str, str] = field(default_factory=dict)
    reconcile_hours: float = 24.0
    max_file_mb: int = 50
    workers: int = 4

    @classmethod
    def from_settings(cls, settings: Settings) -> SyncConfig:
        extra = settings.extra
        return cls(
            folder_id=settings.drive_folder_id.strip(),
            subject=settings.drive_subject.strip(),
            credentials_secret=settings.drive_credentials_secret.strip(),
            credentials_file=extra.get("drive_credentials_file", "").strip(),
            drive_api_base=extra.get("drive_api_base", "").strip() or DEFAULT_BASE_URL,
            token_uri=extra.get("drive_token_uri", "").strip(),
            bucket=settings.data_bucket.strip(),
            prefix=_prefix(extra.get("kb_prefix", "kb/")),
            state_key=extra.get("kb_state_key", "").strip() or "kb-sync/state.json",
            kb_id=settings.kb_id.strip(),
            data_source_id=settings.kb_data_source_id.strip(),
            region=settings.region,
            site_urls=_site_urls(extra.get("kb_site_urls", "")),
            reconcile_hours=_number("kb_reconcile_hours", extra.get("kb_reconcile_hours", "24"), float),
            max_file_mb=_number("kb_max_file_mb", extra.get("kb_max_file_mb", "50"), int),
            workers=_number("kb_workers", extra.get("kb_workers", "4"), int),
        )

    def check_drive(self) -> None:
        if not self.folder_id:
            raise ConfigError("set ASSISTANT_DRIVE_FOLDER_ID to the id of the Drive folder to sync")
        if not (self.credentials_secret or self.credentials_file):
            raise ConfigError(
                "set ASSISTANT_DRIVE_CREDENTIALS_SECRET (Secrets Manager) or "
                "ASSISTANT_DRIVE_CREDENTIALS_FILE (a service-account key JSON file)"
            )

    def check_s3(self) -> None:
        if not self.bucket:
            raise ConfigError("set ASSISTANT_DATA_BUCKET to the bucket that holds kb/")
        if self.state_key.startswith(self.prefix):
            raise ConfigError(
                f"the state key {self.state_key!r} must be outside {self.prefix!r} (it would be ingested)"
            )
        if bool(self.kb_id) != bool(self.data_source_id):
            raise ConfigError("set both ASSISTANT_KB_ID and ASSISTANT_KB_DATA_SOURCE_ID (or neither)")


def _prefix(raw: str) -> str:
    raw = raw.strip().strip("/")
    return f"{raw}/" if raw else ""


def _site_urls(raw: str) -> dict[str, str]:
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ConfigError("ASSISTANT_KB_SITE_URLS must be a JSON object of id or path -> URL") from exc
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError("ASSISTANT_KB_SITE_URLS must be a JSON object of id or path -> URL")
    return {str(k): v for k, v in value.items()}


def _number(name: str, raw: str, kind: type[N]) -> N:
    try:
        value = kind(raw)
    except ValueError as exc:
        raise ConfigError(f"ASSISTANT_{name.upper()} must be a number, not {raw!r}") from exc
    if value <= 0:
        raise ConfigError(f"ASSISTANT_{name.upper()} must be positive")
    return value
