"""The WebSocket side of the local API Gateway: handshake → authorizer + ``$connect``, frames →
``$default``, close → ``$disconnect``, all as API-Gateway-shaped events for the real handlers.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from assistant_core.gateway.backend import STAGE, LocalBackend

log = logging.getLogger(__name__)
MAX_MESSAGE_BYTES = 128 * 1024  # API Gateway's message quota; bigger closes with 1009


@dataclass
class LiveConnection:
    ws: web.WebSocketResponse
    connected_at: float
    source_ip: str
    user_agent: str
    last_active: float = field(default_factory=time.time)


class WebSocketBridge:
    def __init__(self, backend: LocalBackend, host: str) -> None:
        self.backend = backend
        self.host = host
        self.connections: dict[str, LiveConnection] = {}

    async def _call(self, module: str, event: dict[str, Any]) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.backend.handler_pool, self.backend.handler(module), event, None)

    def _context(self, request: web.Request, cid: str, route: str, kind: str, connected_at: float) -> dict[str, Any]:
        now = int(time.time() * 1000)
        return {"routeKey": route, "eventType": kind, "connectionId": cid, "connectedAt": int(connected_at * 1000),
                "requestTimeEpoch": now, "requestId": secrets.token_hex(8), "messageDirection": "IN",
                "domainName": self.host, "stage": STAGE, "apiId": "local",
                "identity": {"sourceIp": request.remote or "127.0.0.1",
                             "userAgent": request.headers.get("User-Agent", "")}}

    async def handle(self, request: web.Request) -> web.StreamResponse:
        token = request.query.get("token")
        if not token:  # API Gateway answers 401 without invoking the authorizer
            return web.Response(status=401, text="Unauthorized")
        cid = secrets.token_urlsafe(12)
        connected_at = time.time()
        headers = dict(request.headers)
        query = dict(request.query)
        ctx = self._context(request, cid, "$connect", "CONNECT", connected_at)
        policy = await self._call("handlers.ws_connect", {
            "type": "REQUEST", "methodArn": f"arn:aws:execute-api:local:000000000000:local/{STAGE}/$connect",
            "headers": headers, "queryStringParameters": query, "requestContext": ctx})
        statement = (policy.get("policyDocument") or {}).get("Statement") or [{}]
        if statement[0].get("Effect") != "Allow":
            return web.Response(status=403, text="Forbidden")
        ctx["authorizer"] = {"principalId": policy.get("principalId", ""), **(policy.get("context") or {})}
        connected = await self._call("handlers.ws_connect", {"headers": headers, "queryStringParameters": query,
                                                             "requestContext": ctx, "isBase64Encoded": False})
        if connected.get("statusCode") != 200:
            return web.Response(status=int(connected.get("statusCode") or 500), text="Connection refused")
        ws = web.WebSocketResponse(max_msg_size=MAX_MESSAGE_BYTES, autoping=True)
        await ws.prepare(request)
        live = LiveConnection(ws, connected_at, request.remote or "127.0.0.1", request.headers.get("User-Agent", ""))
        self.connections[cid] = live
        try:
            async for msg in ws:
                live.last_active = time.time()
                if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    binary = msg.type == WSMsgType.BINARY
                    body = base64.b64encode(msg.data).decode() if binary else msg.data
                    event = {"requestContext": {**self._context(request, cid, "$default", "MESSAGE", connected_at),
                                                "messageId": secrets.token_hex(6), "authorizer": ctx["authorizer"]},
                             "body": body, "isBase64Encoded": binary}
                    try:
                        await self._call("handlers.ws_message", event)
                    except Exception:
                        log.exception("$default handler failed for %s", cid)  # keep the socket; API GW would
        finally:
            self.connections.pop(cid, None)
            close_code = ws.close_code or 1006
            event = {"requestContext": {**self._context(request, cid, "$disconnect", "DISCONNECT", connected_at),
                                        "disconnectStatusCode": close_code,
                                        "disconnectReason": f"close code {close_code}"}, "isBase64Encoded": False}
            try:
                await self._call("handlers.ws_disconnect", event)
            except Exception:
                log.exception("$disconnect handler failed for %s", cid)
        return ws
