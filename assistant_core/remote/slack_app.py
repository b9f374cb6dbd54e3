"""``StaffChat`` and ``StaffNames`` over the Slack app (Web API with a bot token): posts have threads.

The app's secret holds JSON ``{"bot_token": "xoxb-…", "signing_secret": "…"}``; the channel is a setting.
``chat.postMessage`` answers HTTP 200 with ``{"ok": false, "error": …}`` on failure: a transient error
(``ratelimited``, ``internal_error``, …) is a ``DeliveryError`` for the Lambda retry; anything else
(``not_in_channel``, ``invalid_auth``, ``channel_not_found``, …) is ``ChannelRejected``: a setup problem
that retrying cannot fix. 429 and 5xx are retried by ``SlackHttp`` first. A post's reference is
``"<channel id>:<ts>"``, the key of the thread staff reply in.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from assistant_core.handoff.state import ChannelOff, ChannelRejected, DeliveryError

from .slack_http import SlackHttp, read_secret

SLACK_API = "https://slack.com/api"
TRANSIENT = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})


@dataclass(frozen=True)
class AppCredentials:
    bot_token: str
    signing_secret: str


def app_credentials(secret: str) -> AppCredentials:
    """The secret's JSON; ``ChannelOff`` while it is empty (the stack creates it without a value)."""
    if not secret.strip():
        raise ChannelOff("the Slack app secret is empty")
    try:
        data = json.loads(secret)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) and data[k]
                                             for k in ("bot_token", "signing_secret")):
        raise ChannelRejected('the Slack app secret must be JSON {"bot_token": ..., "signing_secret": ...}',
                              code="bad_secret")
    return AppCredentials(data["bot_token"], data["signing_secret"])


class SlackApp:
    def __init__(self, secret: Callable[[], str], channel: str, *, api_base: str = "", **http: Any) -> None:
        """``http``: ``SlackHttp``'s retry budget, pool, clock and randomness."""
        self._secret = secret
        self.channel = channel
        self.api_base = (api_base or SLACK_API).rstrip("/")
        self.http = SlackHttp(**http)

    def credentials(self) -> AppCredentials:
        return read_secret(self._secret, app_credentials, "slack app")

    def post(self, payload: Mapping[str, Any], *, thread: str = "") -> str:
        channel, _, ts = thread.partition(":")
        body: dict[str, Any] = {**payload, "channel": channel if ts else self.channel,
                                "unfurl_links": False, "unfurl_media": False}
        if ts:
            body["thread_ts"] = ts
        out = self._call("chat.postMessage", json.dumps(body, ensure_ascii=False).encode("utf-8"),
                         "application/json; charset=utf-8")
        return f"{out.get('channel') or body['channel']}:{out.get('ts', '')}"

    def display_name(self, user: str) -> str:
        out = self._call("users.info", urllib.parse.urlencode({"user": user}).encode(),
                         "application/x-www-form-urlencoded")
        found = out.get("user") if isinstance(out.get("user"), dict) else {}
        profile = found.get("profile") if isinstance(found.get("profile"), dict) else {}
        for name in (profile.get("display_name"), profile.get("real_name"), found.get("real_name")):
            if isinstance(name, str) and name.strip():
                return name.strip()[:80]
        return ""

    def _call(self, method: str, body: bytes, content_type: str) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.credentials().bot_token}", "Content-Type": content_type}
        status, data = self.http.post(f"{self.api_base}/{method}", body, headers)
        try:
            out = json.loads(data)
        except ValueError:
            out = None
        if status != 200 or not isinstance(out, dict):
            raise ChannelRejected(f"slack {method}: HTTP {status}", status=status, code="bad_response")
        if out.get("ok") is True:
            return out
        error = str(out.get("error") or "unknown_error")[:100]
        if error in TRANSIENT:
            raise DeliveryError(f"slack {method}: {error}")
        raise ChannelRejected(f"slack {method}: {error}", status=status, code=error)
