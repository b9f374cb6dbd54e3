"""One HTTP POST to Slack with the one backoff: what the incoming webhook and the Slack app share.

429 (honouring ``Retry-After``), 5xx and connection failures are retried with full-jitter backoff
(``resilience.RetryPolicy``) inside a small time budget, then reported as ``DeliveryError`` so the
Lambda retry tries again later. Any other response is returned for the caller to judge. URLs and
tokens are secrets: they are never logged, and neither are urllib3's messages (they quote the URL).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import TypeVar

import urllib3

from assistant_core.handoff.state import ChannelOff, ChannelRejected, DeliveryError

from ..clock import SYSTEM_CLOCK
from ..errors import ConfigError, StorageError
from ..ports import Clock
from ..resilience import RetryPolicy, parse_retry_after

T = TypeVar("T")


def read_secret(read: Callable[[], str], parse: Callable[[str], T], what: str) -> T:
    """A Slack secret, parsed. Missing or empty (the stack creates it without a value until the owner stores
    one): ``ChannelOff``; unusable: ``ChannelRejected``; Secrets Manager unreachable: ``DeliveryError``."""
    try:
        return parse(read())
    except (ChannelOff, ChannelRejected):
        raise
    except ConfigError as e:
        raise ChannelOff(f"{what}: {e}") from e
    except StorageError as e:
        raise DeliveryError(f"{what}: cannot read its secret: {e}") from e


class SlackHttp:
    def __init__(
        self,
        *,
        attempts: int = 4,
        budget_seconds: float = 12.0,
        base_delay: float = 0.5,
        max_delay: float = 4.0,
        request_timeout: float = 5.0,
        pool: urllib3.PoolManager | None = None,
        clock: Clock = SYSTEM_CLOCK,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.budget = budget_seconds
        self.request_timeout = request_timeout
        self.policy = RetryPolicy(attempts=attempts, base_delay=base_delay, max_delay=max_delay)
        self._pool = pool or urllib3.PoolManager(num_pools=2, maxsize=2, retries=False)
        self._clock = clock
        self._rand = rand

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, bytes]:
        """(status, body) of the first response that is not worth retrying; ``DeliveryError`` when none came."""
        deadline = self._clock.monotonic() + self.budget
        for attempt in range(self.policy.attempts):
            remaining = deadline - self._clock.monotonic()
            status, data, retry_after = self._send(url, body, headers, max(0.5, min(self.request_timeout, remaining)))
            if status and status != 429 and status < 500:
                return status, data
            delay = self.policy.delay(attempt, self._rand(), retry_after)
            if attempt + 1 >= self.policy.attempts or self._clock.monotonic() + delay > deadline:
                break
            self._clock.sleep(delay)
        text = data[:200].decode("utf-8", "replace").strip()
        last = f"HTTP {status} {text}" if status else text
        raise DeliveryError(f"slack: still failing after {attempt + 1} attempt(s), last: {last}"[:300])

    def _send(self, url: str, body: bytes, headers: Mapping[str, str],
              timeout: float) -> tuple[int, bytes, float | None]:
        """(status, body, Retry-After seconds); status 0 when the request did not complete."""
        try:
            r = self._pool.request("POST", url, body=body, headers=dict(headers),
                                   timeout=urllib3.Timeout(connect=min(2.0, timeout), read=timeout))
        except urllib3.exceptions.HTTPError as e:
            return 0, type(e).__name__.encode(), None  # not str(e): it would quote the URL
        return r.status, r.data, parse_retry_after(r.headers.get("Retry-After"), self._clock.time())
