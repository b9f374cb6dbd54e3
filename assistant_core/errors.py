"""The domain's exceptions: one base, a few kinds that callers act on differently.

Adapters translate their libraries' errors into these with ``raise ... from``; only handlers turn
them into status codes or frames. Messages here are for logs, never shown to visitors verbatim.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base of every error the domain and its adapters raise on purpose."""


class BadInput(AssistantError):
    """Input from a visitor, writer or operator that cannot be used as given."""


class ConfigError(AssistantError):
    """The deployment or local setup is wrong (missing table, bad model spec, ...)."""


class ConnectionGone(AssistantError):
    """The visitor's connection no longer exists; stop working for it, quietly."""


class RetrievalError(AssistantError):
    """The knowledge base could not be searched."""


class ModelError(AssistantError):
    """The model failed. ``retryable`` tells whether trying again later may succeed."""

    def __init__(self, message: str, *, code: str = "model_error", retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable


class ModelThrottled(ModelError):
    def __init__(self, message: str, *, code: str = "throttled") -> None:
        super().__init__(message, code=code, retryable=True)


class ModelUnavailable(ModelError):
    def __init__(self, message: str, *, code: str = "unavailable") -> None:
        super().__init__(message, code=code, retryable=True)


class StorageError(AssistantError):
    """A table, bucket or queue could not be read or written."""


class NotFound(StorageError):
    """The object asked for does not exist (a key, a version)."""


class Throttled(StorageError):
    """A store refused for load; retry with backoff."""


class AuthError(AssistantError):
    """A token or origin failed verification."""
