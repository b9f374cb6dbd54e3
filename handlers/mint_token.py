"""fn-mint-token (HTTP API ``POST /token``): a 5-minute visitor token, or a refresh of one."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from assistant_core.conversation.tokens import check_origin, mint, refresh
from assistant_core.errors import AssistantError, AuthError
from handlers._compose import body_text, header, http_response, lambda_entry, runtime

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
    if http.get("method") == "OPTIONS":
        out = http_response(204, {}, origin)
        out["headers"].update({"access-control-allow-methods": "POST", "access-control-allow-headers": "content-type"})
        return out
    try:
        previous = _previous(body_text(event))
        now = time.time()
        if rt.sessions.count(f"mint#{http.get('sourceIp', '?')}#{int(now // 60)}", 120) > s.mint_per_ip_per_minute:
            return http_response(429, {"error": "rate_limited"}, origin)
        args = {"issuer": s.token_issuer, "origin": origin, "now": now, "ttl": s.token_ttl_seconds}
        minted = (refresh(rt.keys(), previous, allowed_origins=s.allowed_origins, **args) if previous
                  else mint(rt.keys(), **args))
    except ValueError:
        return http_response(400, {"error": "bad_request"}, origin)
    except AuthError as e:
        log.info("refresh refused: %s", e)
        return http_response(401, {"error": "unauthorized"}, origin)
    except AssistantError:
        log.exception("mint failed")
        return http_response(503, {"error": "unavailable"}, origin)
    return http_response(200, {"token": minted.token, "ws_url": rt.ws_url(), "expires_in": minted.expires_in}, origin)


def _previous(body: str | None) -> str:
    data = json.loads(body) if body and body.strip() else {}
    if not isinstance(data, dict) or not isinstance(data.get("previous", ""), str):
        raise ValueError("body must be {} or {\"previous\": <token>}")
    return data.get("previous", "")
