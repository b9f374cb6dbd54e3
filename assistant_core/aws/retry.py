"""Bounded retries for AWS store calls, on the one backoff (``resilience.Retrier``) and the one error
mapping (``translate``).

botocore's standard retries run underneath (aws/clients.py); on top, throttling, write conflicts
and 5xx get a few short jittered attempts more; everything else surfaces at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from ..clock import SYSTEM_CLOCK
from ..errors import StorageError, Throttled
from ..resilience import Retrier, RetryPolicy
from .translate import code_of, error_code, is_retryable, storage_error

__all__ = ["call", "code_of", "storage_error"]  # code_of and storage_error: the adapters' one import
log = logging.getLogger(__name__)
T = TypeVar("T")


def _answered_retryable(error: Exception) -> bool:
    # Transport failures are not retried here: they surface as StorageError and the invocation's
    # own retry (Lambda, or the visitor resending) comes back later.
    return isinstance(error, ClientError) and is_retryable(error)


def call(what: str, fn: Callable[[], T], *, attempts: int = 4, base: float = 0.05,
         sleep: Callable[[float], None] = SYSTEM_CLOCK.sleep) -> T:
    """Run ``fn``; retry what ``translate.is_retryable`` accepts of the service's answers.

    Other ``ClientError``s surface unchanged so callers can act on their codes; exhausted retries
    become ``Throttled`` and transport failures ``StorageError``.
    """
    # Equal jitter (floor 0.5): a conflicting writer is not asked to come back at once.
    retrier = Retrier(RetryPolicy(attempts=attempts, base_delay=base, max_delay=1.0, floor=0.5), sleep=sleep)

    def on_retry(error: Exception, delay: float) -> None:
        log.info("%s: %s, retrying in %.0f ms", what, error_code(error), delay * 1000)

    try:
        return retrier.run(fn, retryable=_answered_retryable, on_retry=on_retry)
    except ClientError as e:
        if not _answered_retryable(e):
            raise
        raise Throttled(f"{what}: still {error_code(e)} after {attempts} attempts") from e
    except BotoCoreError as e:
        raise StorageError(f"{what}: {e}") from e
