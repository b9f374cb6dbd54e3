"""fn-slack-events (a public Lambda function URL): Slack's Events API for the app's hand-off threads.

Signed requests only (v0 HMAC, five-minute window); the URL-verification challenge is answered; a
staff reply in a thread is queued for fn-handoff, which shows it to the visitor. Answered within
Slack's 3 s: nothing slow happens here (assistant_core/handoff/slack_events.py).
"""

from __future__ import annotations

import logging
from typing import Any

from assistant_core.errors import AssistantError, AuthError, BadInput
from handlers._compose import http_response, lambda_entry, raw_body, runtime

log = logging.getLogger(__name__)


@lambda_entry
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("requestContext", {}).get("http", {}).get("method") != "POST":
        return http_response(405, {"error": "method_not_allowed"})
    try:
        received = runtime().slack_events.receive(event.get("headers") or {}, raw_body(event))
    except AuthError as e:
        log.warning("Slack request refused: %s", e)
        return http_response(401, {"error": "unauthorized"})
    except BadInput as e:
        log.warning("Slack request unreadable: %s", e)
        return http_response(400, {"error": "bad_request"})
    except AssistantError:  # the queue or the secret failed: Slack retries a 5xx
        log.exception("Slack request not handled")
        return http_response(503, {"error": "unavailable"})
    if received.challenge:
        return http_response(200, {"challenge": received.challenge})
    if received.ignored:
        log.info("Slack event ignored: %s", received.ignored)
    return http_response(200, {"ok": True})
