"""Bounded retries with jittered backoff for AWS calls, and ClientError → domain error mapping."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from ..errors import StorageError, Throttled

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRYABLE = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "Throttling", "RequestLimitExceeded",
    "TransactionConflictException", "InternalServerError", "ServiceUnavailable", "LimitExceededException",
    "TooManyRequestsException",
})


def code_of(e: ClientError) -> str:
    return str(e.response.get("Error", {}).get("Code", ""))


def call(what: str, fn: Callable[[], T], *, attempts: int = 4, base: float = 0.05,
         sleep: Callable[[float], None] = time.sleep) -> T:
    """Run ``fn``; retry throttling/conflicts (botocore already retried once more underneath).

    Other ``ClientError``s surface unchanged so callers can act on their codes; exhausted retries
    become ``Throttled`` and transport failures ``StorageError``.
    """
    for attempt in range(attempts):
        try:
            return fn()
        except ClientError as e:
            if code_of(e) not in RETRYABLE:
                raise
            if attempt == attempts - 1:
                raise Throttled(f"{what}: still {code_of(e)} after {attempts} attempts") from e
            delay = base * (2**attempt) * (0.5 + random.random())
            log.info("%s: %s, retrying in %.0f ms", what, code_of(e), delay * 1000)
            sleep(delay)
        except BotoCoreError as e:
            raise StorageError(f"{what}: {e}") from e
    raise AssertionError("unreachable")


def storage_error(what: str, e: ClientError) -> StorageError:
    return StorageError(f"{what}: {code_of(e)}: {e.response.get('Error', {}).get('Message', '')}")
