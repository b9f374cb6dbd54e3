"""``StaffChat`` over a Slack incoming webhook (``POST`` JSON; 200 ``ok``; errors are plain text).

429 (honouring ``Retry-After``), 5xx and connection failures are retried by ``SlackHttp`` (the one
backoff) inside a small time budget, then reported as ``DeliveryError`` so the Lambda retry tries
again later. Other 4xx (``invalid_payload``,
``action_prohibited``, ``channel_not_found``, ``channel_is_archived``, a revoked webhook) become
``ChannelRejected``: retrying cannot fix them.
A secret without a value (the stack creates it empty) is ``ChannelOff``: Slack is simply not set up.
The webhook URL is a secret: it is never logged, and neither are urllib3's messages (they quote it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from assistant_core.handoff.state import ChannelOff, ChannelRejected

from .slack_http import SlackHttp, read_secret


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
    def __init__(self, secret: Callable[[], str], **http: Any) -> None:
        """``http``: ``SlackHttp``'s retry budget, pool, clock and randomness."""
        self._secret = secret
        self.http = SlackHttp(**http)

    def _url(self) -> str:
        return read_secret(self._secret, webhook_url, "slack webhook")

    def post(self, payload: Mapping[str, Any], *, thread: str = "") -> str:
        """Posts; "" (a webhook's posts have no thread: ``thread`` is ignored)."""
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        status, data = self.http.post(self._url(), body, {"Content-Type": "application/json"})
        if 200 <= status < 300:
            return ""
        text = data[:200].decode("utf-8", "replace").strip()
        raise ChannelRejected(f"slack: HTTP {status} {text}", status=status, code=text)
