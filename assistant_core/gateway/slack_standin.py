"""Slack, locally: the app's Web API (``chat.postMessage``, ``users.info``), its Events API, and a staff reply.

The local stack runs the Slack app path end to end: fn-handoff posts notices through the real adapter to
``/local-slack/<token>/api/…`` (the run's bot token required, each post kept in the outbox with its ``ts``);
``POST /local-slack/<token>/reply`` with ``{"thread": "<notice ts>", "text": "…"}`` is a staff member
answering in that thread: it is signed with the run's signing secret, exactly as Slack signs it, and
goes through the real fn-slack-events handler, as does anything POSTed to ``/slack/events``.
Tokens are new on every run; the reply URL is printed at start.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web

CHANNEL = "C0LOCALHELP"
STAFF_USER = "U0LOCALSTAFF"
PATH = "/local-slack/{token}"


@dataclass
class LocalSlack:
    """The run's Slack app: the path token, the bot token and the signing secret (all new per run)."""

    token: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    bot_token: str = field(default_factory=lambda: "xoxb-local-" + secrets.token_hex(12))
    signing_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    _clock: int = field(default_factory=lambda: int(time.time()))

    def secret_json(self) -> str:
        return json.dumps({"bot_token": self.bot_token, "signing_secret": self.signing_secret})

    def next_ts(self) -> str:
        self._clock += 1
        return f"{self._clock}.{secrets.randbelow(10**6):06d}"

    def signed(self, body: bytes) -> dict[str, str]:
        ts = str(int(time.time()))
        digest = hmac.new(self.signing_secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
        return {"content-type": "application/json", "x-slack-request-timestamp": ts,
                "x-slack-signature": f"v0={digest}"}


def add_routes(app: web.Application, slack: LocalSlack, *, to_outbox: Callable[[dict[str, Any]], None],
               run_handler: Callable[[dict[str, Any]], Any], pool: Executor) -> None:
    """``run_handler(event)`` runs fn-slack-events' handler (on ``pool``) and returns its result."""

    def known(request: web.Request) -> bool:
        return secrets.compare_digest(request.match_info["token"], slack.token)

    async def api(request: web.Request) -> web.Response:
        if not known(request):
            return web.Response(status=404, text="no_service")
        if request.headers.get("Authorization", "") != f"Bearer {slack.bot_token}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        method, raw = request.match_info["method"], await request.read()
        if method == "users.info":
            user = parse_qs(raw.decode("utf-8", "replace")).get("user", [""])[0]
            return web.json_response({"ok": True, "user": {"id": user, "profile": {"display_name": "Local staff"}}})
        if method != "chat.postMessage":
            return web.json_response({"ok": False, "error": "unknown_method"}, status=404)
        try:
            body = json.loads(raw)
        except ValueError:
            return web.json_response({"ok": False, "error": "invalid_json"})
        if not isinstance(body, dict) or not (body.get("text") or body.get("blocks")):
            return web.json_response({"ok": False, "error": "no_text"})
        ts = slack.next_ts()
        to_outbox({"channel": "slack", "ts": ts, "thread_ts": body.get("thread_ts", ""), "payload": body})
        return web.json_response({"ok": True, "channel": body.get("channel") or CHANNEL, "ts": ts})

    async def events(request: web.Request) -> web.Response:
        return await _deliver(dict(request.headers), await request.read())

    async def reply(request: web.Request) -> web.Response:
        if not known(request):
            return web.Response(status=404, text="no_service")
        try:
            data = json.loads(await request.read())
            thread, text = str(data["thread"]), str(data["text"])
        except (ValueError, KeyError, TypeError):
            return web.json_response({"error": 'send {"thread": "<the notice ts>", "text": "..."}'}, status=400)
        ts = slack.next_ts()
        event = {"type": "event_callback", "event_id": "Ev" + secrets.token_hex(5).upper(), "team_id": "T0LOCAL",
                 "event": {"type": "message", "channel": CHANNEL, "user": str(data.get("user") or STAFF_USER),
                           "text": text, "ts": ts, "thread_ts": thread}}
        body = json.dumps(event).encode()
        return await _deliver(slack.signed(body), body)

    async def _deliver(headers: dict[str, str], body: bytes) -> web.Response:
        event = {"version": "2.0", "rawPath": "/", "headers": {k.lower(): v for k, v in headers.items()},
                 "requestContext": {"http": {"method": "POST", "path": "/"}}, "body": body.decode("utf-8", "replace"),
                 "isBase64Encoded": False}
        out = await asyncio.get_running_loop().run_in_executor(pool, run_handler, event)
        return web.Response(status=out["statusCode"], body=out.get("body") or "", headers=out.get("headers") or {})

    app.router.add_post(PATH + "/api/{method}", api)
    app.router.add_post(PATH + "/reply", reply)
    app.router.add_post("/slack/events", events)
