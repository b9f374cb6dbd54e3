"""kb_sync's exceptions, all under ``assistant_core.errors.AssistantError``.

Run-level errors (auth, missing folder, Drive down) abort a sync before anything is deleted;
file-level ones (``FileSkipped``, ``FetchFailed``) are caught per file and reported.
"""

from __future__ import annotations

from assistant_core.errors import AssistantError, AuthError, ConfigError


class SyncError(AssistantError):
    """A sync could not complete; nothing it had not finished was recorded as done."""


class DriveUnavailable(SyncError):
    """Drive kept failing (5xx, 429, network) after every retry; try again next tick."""


class DriveAuthError(AuthError):
    """The token endpoint or Drive refused our credentials (revoked delegation, bad key)."""


class FolderNotFound(ConfigError):
    """The configured Drive folder does not exist, is trashed, or is not visible to us."""


class IngestionError(SyncError):
    """The knowledge base refused to start or report an ingestion job."""


class FileSkipped(SyncError):
    """One file cannot be synced as it is (unsupported, too large, corrupt); skip it, say why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FetchFailed(SyncError):
    """One file could not be fetched this time (transient); retry it on the next tick."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DriveApiError(SyncError):
    """Drive answered with a non-retryable error; callers decide what it means for them."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(f"Drive {status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message


class ChangeTokenRejected(SyncError):
    """Drive no longer accepts the stored change token; a full reconcile starts over."""
