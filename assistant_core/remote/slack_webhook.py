"""``ChatWebhook`` over a Slack incoming webhook (``POST`` JSON; 200 ``ok``; errors are plain text).

429 (honouring ``Retry-After``), 5xx and connection failures are retried with full-jitter backoff
(``resilience.RetryPolicy``, the one backoff) inside a small time budget, then reported as
``DeliveryError`` so the Lambda retry tries again later. Other 4xx (``invalid_payload``,
``action_prohibited``, ``channel_not_found``, ``channel_is_archived``, a revoked webhook) become
``ChannelRejected``: retrying cannot fix them.
A secret without a value (the stack creates it empty) is ``ChannelOff``: Slack is simply not set up.
The webhook URL is a secret: it is never logged, and neither are urllib3's messages (they quote it).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from typing import Any

import urllib3

from assistant_core.handoff.state import ChannelOff, ChannelRejected, DeliveryError

from ..clock import SYSTEM_CLOCK
from ..errors import ConfigError, StorageError
from ..ports import Clock
from ..resilience import RetryPolicy, parse_retry_after


def webhook_url(secret: str) -> str:
    """The secret holds the URL itself, or JSON ``{"url": ...}`` / ``{"webhook_url": ...}``."""
    text = secret.strip()
    if not text:
        raise ChannelOff("the Slack webhook secret is empty")
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            data = {}
        text = str(data.get("url") or data.get("webhook_url") or "") if isinstance(data, dict) else ""
    if not text.startswith(("https://", "http://")):
        raise ChannelRejected("the Slack webhook secret does not hold a webhook URL", code="bad_secret")
    return text


class SlackWebhook:
    def __init__(
        self,
        secret: Callable[[], str],
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
        self._secret = secret
        self.budget = budget_seconds
        self.request_timeout = request_timeout
        self.policy = RetryPolicy(attempts=attempts, base_delay=base_delay, max_delay=max_delay)
        self._pool = pool or urllib3.PoolManager(num_pools=1, maxsize=2, retries=False)
        self._clock = clock
        self._rand = rand

    def _url(self) -> str:
        try:
            return webhook_url(self._secret())
        except (ChannelOff, ChannelRejected):
            raise
        except ConfigError as e:  # the stack creates the secret without a value until the owner stores one
            raise ChannelOff(f"slack: {e}") from e
        except StorageError as e:
            raise DeliveryError(f"slack: cannot read the webhook secret: {e}") from e

    def post(self, payload: Mapping[str, Any]) -> None:
        url = self._url()
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        deadline = self._clock.monotonic() + self.budget
        for attempt in range(self.policy.attempts):
            remaining = deadline - self._clock.monotonic()
            status, text, retry_after = self._send(url, body, max(0.5, min(self.request_timeout, remaining)))
            if 200 <= status < 300:
                return
            if status and status != 429 and status < 500:
                raise ChannelRejected(f"slack: HTTP {status} {text}", status=status, code=text)
            delay = self.policy.delay(attempt, self._rand(), retry_after)
            if attempt + 1 >= self.policy.attempts or self._clock.monotonic() + delay > deadline:
                break
            self._clock.sleep(delay)
        last = f"HTTP {status} {text}" if status else text
        raise DeliveryError(f"slack: still failing after {attempt + 1} attempt(s), last: {last}"[:300])

    def _send(self, url: str, body: bytes, timeout: float) -> tuple[int, str, float | None]:
        """(status, short body text, Retry-After seconds); status 0 when the request did not complete."""
        try:
            r = self._pool.request(
                "POST",
                url,
                body=body,
                headers={"Content-Type": "application/json"},
                timeout=urllib3.Timeout(connect=min(2.0, timeout), read=timeout),
            )
        except urllib3.exceptions.HTTPError as e:
            return 0, type(e).__name__, None  # not str(e): it would quote the secret URL
        text = r.data[:200].decode("utf-8", "replace").strip()
        return r.status, text, parse_retry_after(r.headers.get("Retry-After"), self._clock.time())
