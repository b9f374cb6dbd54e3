"""HTTP to the Drive v3 API: retries 429/5xx with backoff, honours ``Retry-After``, counts requests.

The backoff and the ``Retry-After`` reading are the assistant's one copy (``assistant_core.resilience``).

The session is a ``google.auth.transport.requests.AuthorizedSession`` (it adds the bearer token and
refreshes it once on a 401); the base URL is configurable for tests and proxies.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Mapping
from typing import Any

import google.auth.exceptions
import requests

from assistant_core.clock import SYSTEM_CLOCK
from assistant_core.ports import Clock
from assistant_core.resilience import RetryPolicy, parse_retry_after

from .errors import DriveApiError, DriveAuthError, DriveUnavailable, FileSkipped

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://www.googleapis.com"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Drive also signals rate limits as 403 with these reasons.
RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
Params = Mapping[str, str | int | bool]


class DriveHttp:
    def __init__(
        self,
        session: requests.Session,
        base_url: str = DEFAULT_BASE_URL,
        *,
        max_attempts: int = 6,
        base_delay: float = 1.0,
        max_delay: float = 32.0,
        max_retry_after: float = 120.0,
        timeout: float | tuple[float, float] = (10.0, 60.0),
        sleep: Callable[[float], None] = SYSTEM_CLOCK.sleep,
        jitter: Callable[[], float] = random.random,
        clock: Clock = SYSTEM_CLOCK,  # reads "now" for a Retry-After given as an HTTP date
    ) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_retry_after = max_retry_after
        self.timeout = timeout
        self.sleep = sleep
        self.jitter = jitter
        self.clock = clock
        self.requests_made = 0
        self._count_lock = threading.Lock()

    def get_json(self, path: str, params: Params) -> dict[str, Any]:
        response = self._send(path, params, stream=False)
        try:
            data = response.json()
        except ValueError as exc:
            raise DriveUnavailable(f"Drive sent a non-JSON reply for {path}") from exc
        if not isinstance(data, dict):
            raise DriveUnavailable(f"Drive sent an unexpected reply for {path}")
        return data

    def post_json(self, path: str, params: Params, body: dict[str, Any]) -> dict[str, Any]:
        """A POST with a JSON body (channels: ``changes.watch``, ``channels.stop``); ``{}`` for an empty reply."""
        response = self._send(path, params, stream=False, json_body=body)
        if not response.content:
            return {}
        try:
            data = response.json()
        except ValueError as exc:
            raise DriveUnavailable(f"Drive sent a non-JSON reply for {path}") from exc
        return data if isinstance(data, dict) else {}

    def get_bytes(self, path: str, params: Params, *, limit: int) -> bytes:
        """The body, read in chunks and refused (``FileSkipped``) once it passes ``limit`` bytes."""
        response = self._send(path, params, stream=True)
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(chunk_size=256 * 1024):
                size += len(chunk)
                if size > limit:
                    raise FileSkipped(f"larger than {limit // (1024 * 1024)} MB")
                chunks.append(chunk)
        except requests.RequestException as exc:
            raise DriveUnavailable(f"download of {path} broke off: {exc}") from exc
        finally:
            response.close()
        return b"".join(chunks)

    def _send(self, path: str, params: Params, *, stream: bool, json_body: dict[str, Any] | None = None,
             ) -> requests.Response:
        url = f"{self.base_url}{path}"
        query = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in params.items()}
        last = ""
        for attempt in range(self.max_attempts):
            with self._count_lock:
                self.requests_made += 1
            try:
                if json_body is None:
                    response = self.session.get(url, params=query, timeout=self.timeout, stream=stream)
                else:
                    response = self.session.post(url, params=query, json=json_body, timeout=self.timeout)
            except google.auth.exceptions.RefreshError as exc:
                if getattr(exc, "retryable", False):
                    last = f"token endpoint: {exc}"
                    self._backoff(attempt, None, last)
                    continue
                raise DriveAuthError(
                    f"Google refused the service account token ({exc}); check the key and that "
                    "domain-wide delegation grants https://www.googleapis.com/auth/drive.readonly"
                ) from exc
            except google.auth.exceptions.TransportError as exc:
                last = f"token endpoint unreachable: {exc}"
                self._backoff(attempt, None, last)
                continue
            except requests.RequestException as exc:
                last = f"network: {exc}"
                self._backoff(attempt, None, last)
                continue
            if response.status_code < 400:
                return response
            reason, message = _error_of(response)
            if response.status_code in RETRY_STATUSES or (
                response.status_code == 403 and reason in RATE_LIMIT_REASONS
            ):
                last = f"{response.status_code} {reason or message}".strip()
                response.close()
                self._backoff(attempt, response.headers.get("Retry-After"), last)
                continue
            response.close()
            if response.status_code == 401:
                raise DriveAuthError(f"Drive refused our token (401 {reason}): {message}")
            raise DriveApiError(response.status_code, reason, message)
        raise DriveUnavailable(f"Drive {path} still failing after {self.max_attempts} attempts ({last})")

    def _backoff(self, attempt: int, retry_after: str | None, why: str) -> None:
        if attempt + 1 >= self.max_attempts:
            return
        asked = parse_retry_after(retry_after, self.clock.time())
        if asked is not None and asked > self.max_retry_after:
            raise DriveUnavailable(f"Drive asked us to wait {asked:.0f}s ({why}); trying next tick")
        # Equal jitter (floor 0.5), as this client always waited: a rate-limited Drive is not asked again at once.
        # Built per wait: the tunables are plain attributes a caller may change.
        policy = RetryPolicy(self.max_attempts, self.base_delay, self.max_delay, floor=0.5)
        delay = policy.delay(attempt, self.jitter(), asked)
        log.warning("kb_sync: Drive %s; retry %d in %.1fs", why, attempt + 1, delay)
        self.sleep(delay)


def _error_of(response: requests.Response) -> tuple[str, str]:
    """(reason, message) from Drive's ``{"error": {"errors": [{"reason"}], "message"}}`` body."""
    try:
        error = response.json().get("error", {})
    except ValueError:
        return "", response.text[:200]
    if not isinstance(error, dict):  # OAuth-style {"error": "invalid_grant"}
        return str(error), ""
    errors = error.get("errors") or [{}]
    reason = errors[0].get("reason", "") if isinstance(errors[0], dict) else ""
    return reason or str(error.get("status", "")), str(error.get("message", ""))
