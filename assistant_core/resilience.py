"""Retrying, once: bounded attempts, exponential backoff with jitter, ``Retry-After``, a circuit breaker.

Every retrying caller uses this module (the model and retriever adapters through ``Retrier``, the
AWS store calls in aws/retry.py, the Slack webhook, the Drive client), so a fix to the backoff
reaches them all. Pure: time comes from an injected ``Clock``, waiting from an injected ``sleep``
and randomness from ``rand``, so tests drive it without waiting.
Only failures *before* a stream starts are retried: once text may have reached a visitor, a retry
could show different words, so mid-stream failures go to the citation gate instead.
"""

from __future__ import annotations

import email.utils
import math
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from typing import TypeVar

from assistant_core.clock import SYSTEM_CLOCK
from assistant_core.ports import Clock

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How many tries, and how long to wait between them.

    ``floor`` is the share of each step that is always waited: 0 is "full jitter" (the default, and
    what the AWS SDKs do: uniform in [0, step]), 0.5 "equal jitter" for callers that must not come
    back at once (a DynamoDB write conflict, Drive's per-user rate limit).
    """

    attempts: int = 3  # total tries, the first included
    base_delay: float = 0.4  # seconds: the first retry's step (the upper bound of its jitter)
    max_delay: float = 3.0  # the step stops growing here
    floor: float = 0.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.base_delay < 0 or self.max_delay < 0 or not 0 <= self.floor <= 1:
            raise ValueError(f"invalid retry policy {self!r}")

    def delay(self, retry_number: int, rand: float, retry_after: float | None = None) -> float:
        """Seconds before retry ``retry_number`` (0 = the first retry), given ``rand`` in [0, 1).

        A server's ``Retry-After`` wins: it knows when it will have room again. Otherwise the step
        ``min(max_delay, base_delay * 2**n)`` jittered to [floor * step, step] (AWS architecture blog,
        "Exponential Backoff And Jitter"), so clients that failed together do not retry together.
        """
        if retry_after is not None:
            return retry_after
        step = min(self.max_delay, self.base_delay * (2**retry_number))
        return step * (self.floor + (1 - self.floor) * rand)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from an HTTP ``Retry-After`` header (RFC 9110 10.2.3), or None when absent or unreadable.

    The header is delta-seconds (``"7"``; a fraction is accepted) or an HTTP date, counted from
    ``now`` (epoch seconds). A date in the past means "now" (0).
    """
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # parsedate_to_datetime leaves "-0000" dates naive; HTTP dates are GMT
            when = when.replace(tzinfo=UTC)
        seconds = when.timestamp() - now
    return max(0.0, seconds) if math.isfinite(seconds) else None


class CircuitBreaker:
    """Opens after ``failure_threshold`` consecutive failures; after ``reset_after`` seconds one probe
    call is let through (half-open): success closes it, failure opens it for another period.

    A dead model then costs a visitor one fast ``hand_off`` instead of seconds of retries each.
    """

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"

    def __init__(
        self, *, failure_threshold: int = 5, reset_after: float = 60.0, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self._threshold = failure_threshold
        self._reset_after = reset_after
        self._clock = clock
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
            if self._state == self.OPEN and self._clock.monotonic() - self._opened_at >= self._reset_after:
                self._state = self.HALF_OPEN  # this caller is the probe
                return True
            return False  # open, or a probe is already in flight

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._state = self.CLOSED

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._state == self.HALF_OPEN or self._failures >= self._threshold:
                self._state = self.OPEN
                self._opened_at = self._clock.monotonic()


class Retrier:
    """Runs a call with ``policy`` retries, guarded by an optional breaker."""

    def __init__(
        self,
        policy: RetryPolicy = RetryPolicy(),
        breaker: CircuitBreaker | None = None,
        *,
        sleep: Callable[[float], None] = SYSTEM_CLOCK.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.policy = policy
        self.breaker = breaker
        self._sleep = sleep
        self._rand = rand

    def run(
        self,
        fn: Callable[[], T],
        *,
        retryable: Callable[[Exception], bool],
        fail_fast: Callable[[], Exception] | None = None,
        on_retry: Callable[[Exception, float], None] | None = None,
    ) -> T:
        """Call ``fn``; retry when ``retryable(error)``; raise ``fail_fast()`` while the breaker is open.

        Non-retryable errors are raised at once and count as the service being alive (it answered).
        After the last attempt the last error is raised unchanged, for the adapter to translate.
        ``on_retry(error, delay)`` is told of each retry before the wait (for the caller's log).
        """
        if self.breaker is not None and fail_fast is None:
            raise TypeError("a Retrier with a circuit breaker needs fail_fast: the error to raise while it is open")
        for attempt in range(self.policy.attempts):
            if self.breaker is not None and fail_fast is not None and not self.breaker.allow():
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
                delay = self.policy.delay(attempt, self._rand())
                if on_retry is not None:
                    on_retry(e, delay)
                self._sleep(delay)
            else:
                self._success()
                return result
        raise AssertionError("unreachable: RetryPolicy guarantees attempts >= 1")

    def _success(self) -> None:
        if self.breaker is not None:
            self.breaker.record_success()

