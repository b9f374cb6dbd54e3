"""fn-ws-disconnect: forget the connection (a running answer sees it and stops)."""

from __future__ import annotations

import logging
from typing import Any

from assistant_core.errors import AssistantError
from handlers._compose import lambda_entry, runtime

log = logging.getLogger(__name__)


@lambda_entry
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    ctx = event.get("requestContext", {})
    try:
        runtime().sessions.delete_connection(ctx["connectionId"])
    except AssistantError:
        log.exception("could not delete connection %s (its row expires by ttl)", ctx.get("connectionId"))
    return {"statusCode": 200}
