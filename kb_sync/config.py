"""What kb_sync reads from the shared ``Settings``, normalised and checked in one place.

``SyncConfig`` is a view, not a second source of configuration: ``SyncConfig.from_settings`` is the
only way it is built outside tests, and every value comes from a ``Settings`` field
(``ASSISTANT_DRIVE_*``, ``ASSISTANT_KB_*``, ``ASSISTANT_DATA_BUCKET``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from assistant_core.errors import ConfigError
from assistant_core.settings import Settings, env_name

from .drive_http import DEFAULT_BASE_URL

N = TypeVar("N", int, float)


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
        s = settings
        return cls(
            folder_id=s.drive_folder_id.strip(),
            subject=s.drive_subject.strip(),
            credentials_secret=s.drive_credentials_secret.strip(),
            credentials_file=s.drive_credentials_file.strip(),
            drive_api_base=s.drive_api_base.strip() or DEFAULT_BASE_URL,
            token_uri=s.drive_token_uri.strip(),
            bucket=s.data_bucket.strip(),
            prefix=_prefix(s.kb_prefix),
            state_key=s.kb_state_key.strip() or "kb-sync/state.json",
            kb_id=s.kb_id.strip(),
            data_source_id=s.kb_data_source_id.strip(),
            region=s.region,
            site_urls=_site_urls(s.kb_site_urls),
            reconcile_hours=_positive("kb_reconcile_hours", s.kb_reconcile_hours),
            max_file_mb=_positive("kb_max_file_mb", s.kb_max_file_mb),
            workers=_positive("kb_workers", s.kb_workers),
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


def _positive(name: str, value: N) -> N:
    # Settings already turned the text into a number (or said which variable was not one).
    if value <= 0:
        raise ConfigError(f"{env_name(name)} must be positive")
    return value
