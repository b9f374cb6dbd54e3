"""fn-mint-token (HTTP API ``POST /token``): a 5-minute visitor token, or a refresh of one."""

from __future__ import annotations

import logging
import time
from typing import Any

from assistant_core.conversation.payloads import parse_json
from assistant_core.conversation.tokens import check_origin, mint, refresh
from assistant_core.errors import AssistantError, AuthError, BadInput
from handlers._compose import header, http_response, lambda_entry, raw_body, runtime

MAX_BODY_BYTES = 8 * 1024  # {"previous": "<a token of ~600 bytes>"}

log = logging.getLogger(__name__)


@lambda_entry
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    rt, origin = runtime(), header(event, "origin")
    s, http = rt.settings, event.get("requestContext", {}).get("http", {})
    try:
        check_origin(origin, s.allowed_origins)  # CORS stops browsers; this stops scripts
    except AuthError:
        log.info("mint refused for origin %r", origin)
        return http_response(403, {"error": "forbidden"})
    if http.get("method") not in ("POST", "OPTIONS"):  # API Gateway routes only these; the local stack too
        return http_response(405, {"error": "method_not_allowed"}, origin)
    if http.get("method") == "OPTIONS":
        out = http_response(204, {}, origin)
        out["headers"].update({"access-control-allow-methods": "POST", "access-control-allow-headers": "content-type"})
        return out
    try:
        previous = _previous(event)
        now = time.time()
        if rt.sessions.count(f"mint#{http.get('sourceIp', '?')}#{int(now // 60)}", 120) > s.mint_per_ip_per_minute:
            return http_response(429, {"error": "rate_limited"}, origin)
        args = {"issuer": s.token_issuer, "origin": origin, "now": now, "ttl": s.token_ttl_seconds}
        minted = (refresh(rt.keys(), previous, allowed_origins=s.allowed_origins, **args) if previous
                  else mint(rt.keys(), **args))
    except BadInput:
        return http_response(400, {"error": "bad_request"}, origin)
    except AuthError as e:
        log.info("refresh refused: %s", e)
        return http_response(401, {"error": "unauthorized"}, origin)
    except AssistantError:
        log.exception("mint failed")
        return http_response(503, {"error": "unavailable"}, origin)
    return http_response(200, {"token": minted.token, "ws_url": rt.ws_url(), "expires_in": minted.expires_in}, origin)


def _previous(event: dict[str, Any]) -> str:
    body = raw_body(event)
    data = parse_json(body, max_bytes=MAX_BODY_BYTES) if body and body.strip() else {}
    if not isinstance(data, dict) or not isinstance(data.get("previous", ""), str):
        raise BadInput("body must be {} or {\"previous\": <token>}")
    return data.get("previous", "")
