"""Bounded retry with exponential backoff and full jitter, and a small circuit breaker.

Pure: time comes from an injected ``clock``, waiting from an injected ``sleep`` and randomness from
``rand``, so the model and retriever adapters can share it and tests can drive it without waiting.
Only failures *before* a stream starts are retried: once text may have reached a visitor, a retry
could show different words, so mid-stream failures go to the citation gate instead.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3  # total tries, the first included
    base_delay: float = 0.4  # seconds before the first retry (upper bound of its jitter)
    max_delay: float = 3.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.base_delay < 0 or self.max_delay < 0:
            raise ValueError(f"invalid retry policy {self!r}")

    def delay(self, retry_number: int, rand: float) -> float:
        """Full jitter (AWS architecture blog): uniform in [0, min(cap, base * 2**n)]."""
        return rand * min(self.max_delay, self.base_delay * (2**retry_number))


class CircuitBreaker:
    """Opens after ``failure_threshold`` consecutive failures; after ``reset_after`` seconds one probe
    call is let through (half-open): success closes it, failure opens it for another period.

    A dead model then costs a visitor one fast ``hand_off`` instead of seconds of retries each.
    """

    CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"

    def __init__(
        self, *, failure_threshold: int = 5, reset_after: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._threshold, self._reset_after, self._clock = failure_threshold, reset_after, clock
        self._failures = 0
        self._opened_at = 0.0
        self._state = self.CLOSED
        self._lock = threading.Lock()  # the local server answers several turns at once

    @property
    def state(self) -> str:
        return self._state

    def allow(self) -> bool:
        with self._lock:
            if self._state == self.CLOSED:
                return True
            if self._state == self.OPEN and self._clock() - self._opened_at >= self._reset_after:
                self._state = self.HALF_OPEN  # this caller is the probe
                return True
            return False  # open, or a probe is already in flight

    def record_success(self) -> None:
        with self._lock:
            self._failures, self._state = 0, self.CLOSED

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._state == self.HALF_OPEN or self._failures >= self._threshold:
                self._state, self._opened_at = self.OPEN, self._clock()


class Retrier:
    """Runs a call with ``policy`` retries, guarded by an optional breaker."""

    def __init__(
        self,
        policy: RetryPolicy = RetryPolicy(),
        breaker: CircuitBreaker | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.policy, self.breaker = policy, breaker
        self._sleep, self._rand = sleep, rand

    def run(
        self,
        fn: Callable[[], T],
        *,
        retryable: Callable[[Exception], bool],
        fail_fast: Callable[[], Exception],
    ) -> T:
        """Call ``fn``; retry when ``retryable(error)``; raise ``fail_fast()`` while the breaker is open.

        Non-retryable errors are raised at once and count as the service being alive (it answered).
        After the last attempt the last error is raised unchanged, for the adapter to translate.
        """
        for attempt in range(self.policy.attempts):
            if self.breaker is not None and not self.breaker.allow():
                raise fail_fast()
            try:
                result = fn()
            except Exception as e:
                if not retryable(e):
                    self._success()
                    raise
                if self.breaker is not None:
                    self.breaker.record_failure()
                if attempt + 1 >= self.policy.attempts:
                    raise
                self._sleep(self.policy.delay(attempt, self._rand()))
            else:
                self._success()
                return result
        raise AssertionError("unreachable: RetryPolicy guarantees attempts >= 1")

    def _success(self) -> None:
        if self.breaker is not None:
            self.breaker.record_success()
