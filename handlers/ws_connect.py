"""fn-ws-connect: the ``$connect`` REQUEST authorizer (``type: REQUEST``) and the ``$connect`` route."""

from __future__ import annotations

import logging
import time
from typing import Any

from assistant_core.conversation.ports import Connection
from assistant_core.conversation.tokens import verify
from assistant_core.errors import AssistantError
from handlers._compose import header, lambda_entry, runtime

log = logging.getLogger(__name__)


@lambda_entry
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return authorize(event) if event.get("type") == "REQUEST" else connect(event)


def authorize(event: dict[str, Any]) -> dict[str, Any]:
    rt, arn = runtime(), str(event.get("methodArn", ""))
    token = (event.get("queryStringParameters") or {}).get("token", "")
    s = rt.settings
    try:
        claims = verify(rt.keys(), token, issuer=s.token_issuer, origin=header(event, "origin"),
                        allowed_origins=s.allowed_origins, now=time.time())
    except AssistantError as e:  # AuthError, or a key secret we cannot read: refuse either way
        log.info("connect denied: %s", e)
        return _policy("anonymous", "Deny", arn)
    return _policy(claims["sub"], "Allow", arn, {"sub": claims["sub"], "sid": claims["sid"], "org": claims["org"]})


def connect(event: dict[str, Any]) -> dict[str, Any]:
    ctx = event.get("requestContext", {})
    auth = ctx.get("authorizer") or {}
    if not auth.get("sid"):
        return {"statusCode": 403}  # the authorizer always sets it; without it, nobody vouched
    rt = runtime()
    conn = Connection(ctx["connectionId"], str(auth["sid"]), str(auth.get("sub") or auth.get("principalId", "")),
                      str(auth.get("org", "")), float(ctx.get("connectedAt", 0)) / 1000)
    try:
        rt.sessions.put_connection(conn, rt.settings.session_idle_seconds)
    except AssistantError:
        log.exception("could not record connection %s", conn.connection_id)
        return {"statusCode": 500}
    return {"statusCode": 200}


def _policy(principal: str, effect: str, arn: str, context: dict[str, str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"principalId": principal, "policyDocument": {
        "Version": "2012-10-17", "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": arn}]}}
    if context:
        out["context"] = context
    return out
