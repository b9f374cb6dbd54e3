"""Shared helpers of the Lambda entry points: the cached runtime and API Gateway event plumbing."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from assistant_core.aws.compose import Runtime, runtime

__all__ = ["Runtime", "body_text", "header", "http_response", "runtime"]


def header(event: Mapping[str, Any], name: str) -> str:
    """Header lookup that ignores case (API Gateway passes them as the client sent them)."""
    for k, v in (event.get("headers") or {}).items():
        if k.lower() == name.lower():
            return str(v)
    return ""


def body_text(event: Mapping[str, Any]) -> str | None:
    """The body as text, or None for binary frames (the protocol is JSON text only)."""
    body = event.get("body")
    if body is None:
        return None
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
    return str(body)


def http_response(status: int, payload: Mapping[str, Any], origin: str = "") -> dict[str, Any]:
    headers = {"content-type": "application/json", "cache-control": "no-store"}
    if origin:
        headers.update({"access-control-allow-origin": origin, "vary": "Origin"})
    return {"statusCode": status, "headers": headers, "body": json.dumps(payload)}
