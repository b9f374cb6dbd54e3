"""A Slack incoming-webhook double on 127.0.0.1 speaking the real wire format.

``POST /services/T000/B000/XXXX`` with JSON ``{"text", "blocks"}`` → 200 ``ok`` (text/plain).
Errors are plain text like Slack's: 400 ``invalid_payload`` / ``invalid_blocks``, 403
``action_prohibited``, 404 ``channel_not_found``, 410 ``channel_is_archived``, 429 (with
``Retry-After``), 500 ``rollup_error``. Block Kit limits are enforced the way Slack enforces them,
so a payload the double accepts is one Slack would accept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .http_double import Handler, HttpDouble, Recorded

PATH = "/services/T000/B000/XXXXXXXX"
BLOCK_TYPES = {"header", "section", "context", "divider", "actions", "image", "rich_text"}


@dataclass(frozen=True)
class SlackReply:
    status: int
    text: str
    headers: dict[str, str] = field(default_factory=dict)


OK = SlackReply(200, "ok")
INVALID_PAYLOAD = SlackReply(400, "invalid_payload")
ACTION_PROHIBITED = SlackReply(403, "action_prohibited")
CHANNEL_NOT_FOUND = SlackReply(404, "channel_not_found")
CHANNEL_ARCHIVED = SlackReply(410, "channel_is_archived")
ROLLUP_ERROR = SlackReply(500, "rollup_error")


def rate_limited(retry_after: int = 1) -> SlackReply:
    return SlackReply(429, "rate_limited", {"Retry-After": str(retry_after)})


def block_kit_errors(payload: Any) -> list[str]:
    """Why Slack would refuse this payload (empty when it would post it)."""
    if not isinstance(payload, dict) or not (payload.get("text") or payload.get("blocks")):
        return ["no text or blocks"]
    blocks = payload.get("blocks", [])
    errors = [] if len(blocks) <= 50 else ["more than 50 blocks"]
    for i, b in enumerate(blocks):
        kind = b.get("type")
        if kind not in BLOCK_TYPES:
            errors.append(f"block {i}: unknown type {kind!r}")
        if kind == "header" and (b["text"]["type"] != "plain_text" or len(b["text"]["text"]) > 150):
            errors.append(f"block {i}: header must be plain_text ≤ 150")
        if kind == "section":
            if "text" not in b and "fields" not in b:
                errors.append(f"block {i}: section without text or fields")
            if len(b.get("text", {}).get("text", "")) > 3000:
                errors.append(f"block {i}: section text > 3000")
            fields = b.get("fields", [])
            if len(fields) > 10 or any(len(f["text"]) > 2000 for f in fields):
                errors.append(f"block {i}: too many or too long fields")
        if kind == "context" and (not b.get("elements") or len(b["elements"]) > 10):
            errors.append(f"block {i}: context needs 1-10 elements")
    return errors


class SlackWebhookDouble(HttpDouble):
    """Replies from the script (default ``ok``); records every request and each posted payload."""

    def __init__(self) -> None:
        super().__init__()
        self.payloads: list[dict[str, Any]] = []  # what reached the channel (answered 200 ok)

    @property
    def webhook_url(self) -> str:
        return self.url + PATH

    def handle(self, handler: Handler, request: Recorded) -> None:
        if request.method != "POST" or request.path != PATH:
            return self._reply(handler, SlackReply(404, "no_service"))
        reply = self.next_reply() or OK
        if reply.status == 200:
            try:
                payload = json.loads(request.body)
            except ValueError:
                return self._reply(handler, INVALID_PAYLOAD)
            if block_kit_errors(payload):
                return self._reply(handler, SlackReply(400, "invalid_blocks"))
            self.payloads.append(payload)
        self._reply(handler, reply)

    @staticmethod
    def _reply(handler: Handler, reply: SlackReply) -> None:
        raw = reply.text.encode()
        handler.send_response(reply.status)
        for name, value in {"Content-Type": "text/plain; charset=utf-8", **reply.headers}.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(raw)))
        handler.end_headers()
        handler.wfile.write(raw)
