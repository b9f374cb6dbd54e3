"""fn-drive-notify (a public Lambda function URL): Google Drive's push notifications for the synced folder.

Verified (channel id and token) and answered at once; a change starts fn-kb-sync unless a sync is
already waiting to start (assistant_core/bootstrap/notify.py, kb_sync/watch.py).
"""

from __future__ import annotations

import logging
from typing import Any

from assistant_core.bootstrap.notify import drive_receiver
from assistant_core.errors import AssistantError, AuthError
from handlers._compose import http_response, lambda_entry

log = logging.getLogger(__name__)


@lambda_entry
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("requestContext", {}).get("http", {}).get("method") != "POST":
        return http_response(405, {"error": "method_not_allowed"})
    try:
        outcome = drive_receiver().receive(event.get("headers") or {})
    except AuthError as e:
        log.warning("drive notification refused: %s", e)
        return http_response(403, {"error": "forbidden"})
    except AssistantError:  # the flag table or the invoke failed: Drive retries a 5xx, the schedule polls anyway
        log.exception("drive notification not handled")
        return http_response(503, {"error": "unavailable"})
    log.info("drive notification: %s", outcome)
    return http_response(200, {"ok": True})
