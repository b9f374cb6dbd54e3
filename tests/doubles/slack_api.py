"""A Slack Web API double on 127.0.0.1 (``chat.postMessage``, ``users.info``) plus Slack's side of the
Events API: ``signed_request`` builds the signed POST Slack sends to an app's event URL.

Like Slack: the bot token comes as ``Authorization: Bearer``; every reply is HTTP 200 JSON with ``ok``
(``{"ok": false, "error": "invalid_auth" | "channel_not_found" | "not_in_channel" | …}``) except rate
limits (HTTP 429 with ``Retry-After``) and outages (5xx). ``chat.postMessage`` needs ``channel`` and
``text`` or ``blocks`` (Block Kit checked as Slack does), answers the message's ``ts`` and ``channel``,
and ``thread_ts`` must name a message of that channel.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from .http_double import Handler, HttpDouble, Recorded
from .slack_webhook import block_kit_errors

BOT_TOKEN = "xoxb-test-0000-not-a-real-token"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
CHANNEL = "C0HANDOFF"
USERS = {"U0ANA": {"id": "U0ANA", "real_name": "Ana Tan", "profile": {"display_name": "Ana", "real_name": "Ana Tan"}}}


@dataclass(frozen=True)
class ApiReply:
    status: int = 200
    body: dict[str, Any] = field(default_factory=lambda: {"ok": True})
    headers: dict[str, str] = field(default_factory=dict)


def error(code: str) -> ApiReply:
    return ApiReply(200, {"ok": False, "error": code})


def rate_limited(retry_after: int = 1) -> ApiReply:
    return ApiReply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})


OUTAGE = ApiReply(503, {"ok": False, "error": "service_unavailable"})


@dataclass
class Post:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str = ""


class SlackApiDouble(HttpDouble):
    def __init__(self, token: str = BOT_TOKEN) -> None:
        super().__init__()
        self.token = token
        self.posts: list[Post] = []
        self._clock = 1_780_000_000

    @property
    def api_base(self) -> str:
        return self.url + "/api"

    def in_thread(self, ts: str) -> list[Post]:
        return [p for p in self.posts if p.thread_ts == ts]

    def handle(self, handler: Handler, request: Recorded) -> None:
        scripted = self.next_reply()
        if scripted is not None:
            return handler.send_json(scripted.status, scripted.body, scripted.headers)
        if request.method != "POST":
            return handler.send_json(405, {"ok": False, "error": "method_not_allowed"})
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return handler.send_json(200, {"ok": False, "error": "invalid_auth"})
        if request.path == "/api/chat.postMessage":
            return handler.send_json(200, self._post(request))
        if request.path == "/api/users.info":
            user = urllib.parse.parse_qs(request.body.decode()).get("user", [""])[0]
            found = USERS.get(user)
            return handler.send_json(200, {"ok": True, "user": found} if found else {"ok": False,
                                                                                      "error": "user_not_found"})
        handler.send_json(404, {"ok": False, "error": "unknown_method"})

    def _post(self, request: Recorded) -> dict[str, Any]:
        if not request.headers.get("Content-Type", "").startswith("application/json"):
            return {"ok": False, "error": "invalid_form_data"}
        try:
            body = json.loads(request.body)
        except ValueError:
            return {"ok": False, "error": "invalid_json"}
        channel, thread = body.get("channel"), body.get("thread_ts", "")
        if channel != CHANNEL:
            return {"ok": False, "error": "channel_not_found"}
        if block_kit_errors(body):
            return {"ok": False, "error": "invalid_blocks" if body.get("blocks") else "no_text"}
        if thread and not any(p.ts == thread and p.channel == channel for p in self.posts):
            return {"ok": False, "error": "thread_not_found"}
        self._clock += 1
        ts = f"{self._clock}.000100"
        self.posts.append(Post(channel, ts, str(body.get("text", "")), list(body.get("blocks", [])), thread))
        return {"ok": True, "channel": channel, "ts": ts, "message": {"text": body.get("text", ""), "ts": ts}}


def signed_request(body: dict[str, Any] | bytes, *, secret: str = SIGNING_SECRET, at: float | None = None,
                   retry: int = 0) -> tuple[dict[str, str], bytes]:
    """Headers and raw body of an Events API request as Slack signs it (v0 HMAC-SHA256)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    ts = str(int(time.time() if at is None else at))
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": ts,
               "X-Slack-Signature": f"v0={digest}", "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)"}
    if retry:
        headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
    return headers, raw


def thread_reply(thread_ts: str, text: str, *, user: str = "U0ANA", ts: str = "", event_id: str = "",
                 channel: str = CHANNEL, **extra: Any) -> dict[str, Any]:
    """The ``event_callback`` Slack sends when someone replies in a thread."""
    ts = ts or f"{time.time():.6f}"
    return {"token": "legacy", "team_id": "T0SHOP", "api_app_id": "A0APP", "type": "event_callback",
            "event_id": event_id or f"Ev{abs(hash(ts)) % 10**10:010d}", "event_time": int(time.time()),
            "event": {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts,
                      "thread_ts": thread_ts, "channel_type": "channel", **extra}}
