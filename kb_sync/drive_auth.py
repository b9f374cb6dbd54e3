"""Service-account credentials for Drive: read-only scope, optional domain-wide delegation.

The key JSON comes from a Secrets Manager secret (production) or a file (local use). A token URI
override points google-auth at a proxy or a test endpoint; the JWT's audience stays Google's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import service_account

from assistant_core.errors import ConfigError

from .errors import DriveAuthError

DRIVE_READONLY = "https://www.googleapis.com/auth/drive.readonly"
_REQUIRED = ("type", "client_email", "private_key", "token_uri")


def key_from_secret(secrets_client: Any, secret_id: str) -> dict[str, Any]:
    """The service-account key JSON stored (as a string) in a Secrets Manager secret."""
    try:
        reply = secrets_client.get_secret_value(SecretId=secret_id)
    except Exception as exc:  # botocore's ClientError family; the message names the cause
        raise ConfigError(f"cannot read the Drive key secret {secret_id!r}: {exc}") from exc
    return parse_key(reply.get("SecretString") or "", f"secret {secret_id!r}")


def key_from_file(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the Drive key file {path}: {exc.strerror}") from exc
    return parse_key(raw, f"file {path}")


def parse_key(raw: str, where: str) -> dict[str, Any]:
    try:
        info = json.loads(raw)
    except ValueError as exc:
        raise ConfigError(f"the Drive key in {where} is not JSON") from exc
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise ConfigError(f"the Drive key in {where} is not a service-account key (type must be service_account)")
    missing = [k for k in _REQUIRED if not info.get(k)]
    if missing:
        raise ConfigError(f"the Drive key in {where} lacks {', '.join(missing)}")
    return info


def credentials(
    info: dict[str, Any], *, subject: str = "", token_uri: str = ""
) -> service_account.Credentials:
    """Credentials for ``drive.readonly`` only, acting as ``subject`` when delegation is used."""
    info = dict(info)
    if token_uri:
        info["token_uri"] = token_uri
    try:
        return service_account.Credentials.from_service_account_info(
            info, scopes=[DRIVE_READONLY], subject=subject or None
        )
    except ValueError as exc:  # a malformed private key
        raise DriveAuthError(f"the Drive service-account key is unusable: {exc}") from exc


def session(creds: service_account.Credentials) -> AuthorizedSession:
    return AuthorizedSession(creds)
