"""Shared helpers of the Lambda entry points: the cached runtime, API Gateway event plumbing, and the
``lambda_entry`` decorator every handler wears (structured logs with the request's ids)."""

from __future__ import annotations

import base64
import functools
import json
import os
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from assistant_core.bootstrap.lambdas import Runtime, runtime
from assistant_core.errors import BadInput
from assistant_core.observability import log_context

__all__ = ["Runtime", "header", "http_response", "lambda_entry", "raw_body", "runtime"]
F = TypeVar("F", bound=Callable[..., Any])
_json_logs: list[bool] = []  # set once per process


def lambda_entry(handler: F) -> F:
    """One log scope per invocation: request id and whatever session/turn/connection ids the event names.

    In Lambda (``AWS_LAMBDA_FUNCTION_NAME``) the root logger is switched to one JSON object per line
    on first use; the CLI and the local gateway keep their plain logs.
    """

    @functools.wraps(handler)
    def entry(event: Any, context: Any, *args: Any, **kwargs: Any) -> Any:
        if not _json_logs:
            if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
                log_context.install_json_logging()
            _json_logs.append(True)
        with log_context.scope(**event_ids(event, context)):
            return handler(event, context, *args, **kwargs)

    return entry  # type: ignore[return-value]


def event_ids(event: Any, context: Any) -> dict[str, str]:
    """Ids a handler's event carries: API Gateway's request context or our own async payloads."""
    event = event if isinstance(event, Mapping) else {}
    ctx = event.get("requestContext")
    ctx = ctx if isinstance(ctx, Mapping) else {}
    auth = ctx.get("authorizer")
    auth = auth if isinstance(auth, Mapping) else {}
    ids = {"request_id": getattr(context, "aws_request_id", None) or ctx.get("requestId"),
           "connection_id": event.get("connection_id") or ctx.get("connectionId"),
           "session_id": event.get("session_id") or auth.get("sid"),
           "turn": event.get("turn_id") or event.get("turn")}
    return {k: str(v) for k, v in ids.items() if isinstance(v, str | int) and v != ""}


def header(event: Mapping[str, Any], name: str) -> str:
    """Header lookup that ignores case (API Gateway passes them as the client sent them)."""
    for k, v in (event.get("headers") or {}).items():
        if k.lower() == name.lower():
            return str(v)
    return ""


def raw_body(event: Mapping[str, Any]) -> bytes:
    """An HTTP event's body as bytes (API Gateway base64-encodes binary ones); ``BadInput`` if undecodable."""
    body = event.get("body")
    if body is None:
        return b""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(str(body), validate=True)
        except ValueError as e:
            raise BadInput("body is not valid base64") from e
    try:
        return str(body).encode("utf-8")
    except UnicodeEncodeError as e:
        raise BadInput("body contains a lone surrogate") from e


def http_response(status: int, payload: Mapping[str, Any], origin: str = "") -> dict[str, Any]:
    headers = {"content-type": "application/json", "cache-control": "no-store"}
    if origin:
        headers.update({"access-control-allow-origin": origin, "vary": "Origin"})
    return {"statusCode": status, "headers": headers, "body": json.dumps(payload)}
