"""``assistant serve``: one port for the demo page, ``widget.js``, ``POST /token``, the WebSocket
endpoint, the ``@connections`` management API and the Lambda Invoke API (async invokes → pool).
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from assistant_core.gateway.backend import STAGE, LocalBackend
from assistant_core.gateway.provision import LOCAL_SLACK_PATH
from assistant_core.gateway.websocket import WebSocketBridge

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]
STATIC = Path(__file__).resolve().parent / "static"
MAX_POST_BYTES = 128 * 1024
MAX_FRAME_BYTES = 32 * 1024


def _aws_error(status: int, code: str, message: str = "") -> web.Response:
    return web.json_response({"message": message or code}, status=status, headers={"x-amzn-ErrorType": code})


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build_app(backend: LocalBackend, host: str) -> web.Application:
    bridge = WebSocketBridge(backend, host)
    app = web.Application(client_max_size=2 * 1024 * 1024)
    app["bridge"] = bridge

    async def page(request: web.Request) -> web.Response:
        html = (STATIC / "demo.html").read_text(encoding="utf-8").replace("{{SITE}}", backend.settings.site_name)
        return web.Response(text=html, content_type="text/html")

    async def widget(request: web.Request) -> web.StreamResponse:
        # Served from the source tree (the same file Pulumi uploads), so an edit shows on the next reload.
        path = ROOT / "widget" / "assistant-widget.js"
        if not path.is_file():
            raise web.HTTPNotFound(text=f"{path} is missing: the widget is served from a source checkout")
        return web.FileResponse(path, headers={"content-type": "application/javascript", "cache-control": "no-cache"})

    async def token(request: web.Request) -> web.Response:
        event = {"version": "2.0", "routeKey": f"{request.method} /token", "rawPath": "/token",
                 "headers": {k.lower(): v for k, v in request.headers.items()},
                 "requestContext": {"http": {"method": request.method, "path": "/token",
                                             "sourceIp": request.remote or "127.0.0.1"}},
                 "body": await request.text(), "isBase64Encoded": False}
        loop = asyncio.get_running_loop()
        out = await loop.run_in_executor(backend.handler_pool, backend.handler("handlers.mint_token"), event, None)
        return web.Response(status=out["statusCode"], body=out.get("body") or "", headers=out.get("headers") or {})

    async def connection(request: web.Request) -> web.StreamResponse:
        live = bridge.connections.get(request.match_info["cid"])
        if live is None or live.ws.closed:
            return _aws_error(410, "GoneException")
        if request.method == "GET":
            return web.json_response({"connectedAt": _iso(live.connected_at), "lastActiveAt": _iso(live.last_active),
                                      "identity": {"sourceIp": live.source_ip, "userAgent": live.user_agent}})
        if request.method == "DELETE":
            await live.ws.close(code=1000, message=b"closed by the server")
            return web.Response(status=204)
        data = await request.read()
        if len(data) > MAX_POST_BYTES:
            return _aws_error(413, "PayloadTooLargeException")
        if len(data) > MAX_FRAME_BYTES:  # API Gateway accepts it, then drops the socket with 1009
            await live.ws.close(code=1009, message=b"frame too big")
            return web.Response(status=200)
        try:
            await live.ws.send_str(data.decode("utf-8"))
        except (ConnectionError, RuntimeError):
            return _aws_error(410, "GoneException")
        return web.Response(status=200)

    async def connections(request: web.Request) -> web.Response:
        # Local only (API Gateway has no listing): lets tests and operators find a socket to GET or DELETE.
        return web.json_response({"connections": [
            {"connectionId": cid, "connectedAt": _iso(live.connected_at), "lastActiveAt": _iso(live.last_active),
             "identity": {"sourceIp": live.source_ip, "userAgent": live.user_agent}}
            for cid, live in list(bridge.connections.items()) if not live.ws.closed]})

    async def invoke(request: web.Request) -> web.Response:
        function = request.match_info["fn"]
        payload = json.loads(await request.read() or b"{}")
        if function.rsplit(":", 1)[-1] not in backend.functions:
            return _aws_error(404, "ResourceNotFoundException", f"Function not found: {function}")
        if request.headers.get("X-Amz-Invocation-Type") == "Event":
            backend.invoke_async(function, payload)
            return web.Response(status=202)
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(backend.pool, backend.invoke, function, payload)
        return web.json_response(result)

    async def slack_webhook(request: web.Request) -> web.Response:
        # Slack's incoming webhook, locally: 200 "ok", or a plain-text error like the real one.
        try:
            payload = json.loads(await request.read())
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or not (payload.get("text") or payload.get("blocks")):
            return web.Response(status=400, text="invalid_payload")
        backend.slack_to_outbox(payload)
        return web.Response(text="ok")

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "connections": len(bridge.connections)})

    app.router.add_get("/", page)
    app.router.add_get("/widget.js", widget)
    app.router.add_route("*", "/token", token)
    app.router.add_get(f"/{STAGE}", bridge.handle)
    for prefix in (f"/{STAGE}", ""):
        app.router.add_route("*", prefix + "/@connections/{cid}", connection)
    app.router.add_get(f"/{STAGE}/@connections", connections)
    app.router.add_post("/2015-03-31/functions/{fn}/invocations", invoke)
    app.router.add_post(LOCAL_SLACK_PATH, slack_webhook)
    app.router.add_get("/healthz", health)
    return app


def serve(*, docs: str, port: int, host: str = "127.0.0.1", model: str = "extractive", kb: str = "local",
          allowed_origins: tuple[str, ...] = (), state_dir: Path = Path(".assistant")) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(512)  # connections queue from now on, before the app is running
    port = sock.getsockname()[1]
    base = f"http://{host}:{port}"
    started = time.monotonic()
    backend = LocalBackend(base_url=base, docs=docs, model=model, kb=kb, allowed_origins=allowed_origins,
                           state_dir=state_dir)
    app = build_app(backend, f"{host}:{port}")
    print(f"assistant serving {docs} with --model {model} --kb {kb} (ready in {time.monotonic() - started:.1f}s)")
    if backend.published is not None:
        print(f"published {backend.settings.docs_dir}: {backend.published.detail}")
    print(f"AWS doubles (moto) at {backend.moto_url}; token URL {base}/token")
    print(f"open {base}/   (WebSocket {base.replace('http', 'ws')}/{STAGE}, outbox {backend.outbox})", flush=True)
    try:
        web.run_app(app, sock=sock, print=None, handle_signals=True)
    finally:
        backend.close()
