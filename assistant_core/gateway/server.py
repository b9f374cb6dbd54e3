"""``assistant serve``: one port for the demo page, ``widget.js``, ``POST /token``, the WebSocket
endpoint, the ``@connections`` management API and the Lambda Invoke API (async invokes → pool).
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import secrets
import socket
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web, web_protocol

from assistant_core.errors import ConfigError, StorageError
from assistant_core.gateway import slack_standin
from assistant_core.gateway.backend import STAGE, LocalBackend
from assistant_core.gateway.moto_process import loopback_host, signed_by
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

    @web.middleware
    async def guard(request: web.Request, handler: Any) -> web.StreamResponse:
        # DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends its own Host.
        if not loopback_host(request.host):
            return web.Response(status=421, text="misdirected request")
        # The admin routes (the @connections API, Lambda invoke) are for the handlers' own clients: signed
        # with the run's key, and never from a browser (which always sends an Origin on a cross-site POST).
        admin = "/@connections" in request.path or request.path.startswith("/2015-03-31/functions/")
        if admin and (request.headers.get("Origin") or
                      not signed_by(request.headers.get("Authorization", ""), backend.credentials.access_key_id)):
            return _aws_error(403, "AccessDeniedException")
        return await handler(request)

    async def banner(request: web.Request, response: web.StreamResponse) -> None:
        response.headers["Server"] = "website-assistant"  # no framework or Python version

    app = web.Application(client_max_size=2 * 1024 * 1024, middlewares=[guard])
    app.on_response_prepare.append(banner)
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
        # Slack's incoming webhook, locally: 200 "ok", or a plain-text error like the real one. Its URL's
        # token is the secret, as with Slack: a wrong one is "no such webhook".
        if not secrets.compare_digest(request.match_info["token"], backend.slack_token):
            return web.Response(status=404, text="no_service")
        try:
            payload = json.loads(await request.read())
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or not (payload.get("text") or payload.get("blocks")):
            return web.Response(status=400, text="invalid_payload")
        backend.slack_to_outbox(payload)
        return web.Response(text="ok")

    async def health(request: web.Request) -> web.Response:
        # Reports what the stack needs, not only that this process answers.
        alive = backend.moto.alive
        return web.json_response({"ok": alive, "moto": "running" if alive else "exited",
                                  "connections": len(bridge.connections)}, status=200 if alive else 503)

    app.router.add_get("/", page)
    app.router.add_get("/widget.js", widget)
    app.router.add_post("/token", token)
    app.router.add_route("OPTIONS", "/token", token)
    app.router.add_get(f"/{STAGE}", bridge.handle)
    for prefix in (f"/{STAGE}", ""):
        app.router.add_route("*", prefix + "/@connections/{cid}", connection)
    app.router.add_get(f"/{STAGE}/@connections", connections)
    app.router.add_post("/2015-03-31/functions/{fn}/invocations", invoke)
    app.router.add_post(LOCAL_SLACK_PATH, slack_webhook)  # /local-slack/{token}/webhook
    slack_standin.add_routes(app, backend.slack, to_outbox=backend.slack_record_to_outbox,
                             run_handler=lambda event: backend.handler("handlers.slack_events")(event, None),
                             pool=backend.handler_pool)
    app.router.add_get("/healthz", health)
    return app


def serve(*, docs: str, port: int, host: str = "127.0.0.1", model: str = "extractive", kb: str = "local",
          allowed_origins: tuple[str, ...] = (), state_dir: Path = Path(".assistant")) -> None:
    """Runs until Ctrl-C. Startup problems (port taken, bad host, unwritable state dir) are one ``ConfigError``;
    if the AWS double dies the server stops with a ``StorageError`` rather than limp on."""
    sock = _listen(host, port)
    _writable(state_dir)
    port = sock.getsockname()[1]
    base = f"http://{host}:{port}"
    started = time.monotonic()
    backend = LocalBackend(base_url=base, docs=docs, model=model, kb=kb, allowed_origins=allowed_origins,
                           state_dir=state_dir)
    app = build_app(backend, f"{host}:{port}")
    print(f"assistant serving {docs} with --model {model} --kb {kb} (ready in {time.monotonic() - started:.1f}s)")
    if backend.published is not None:
        print(f"published {backend.settings.docs_dir}: {backend.published.detail}")
    print(f"AWS doubles (moto) at {backend.moto_url}, keys in {backend.credentials_file}; token URL {base}/token")
    print(f"open {base}/   (WebSocket {base.replace('http', 'ws')}/{STAGE}, outbox {backend.outbox})")
    print(f"staff replies: POST {base}{slack_standin.PATH.format(token=backend.slack.token)}/reply "
          '{"thread": "<notice ts from the outbox>", "text": "..."}', flush=True)
    try:
        failure = _run(app, sock, backend)
    finally:
        backend.close()
    if failure:
        raise StorageError(failure)


def _listen(host: str, port: int) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        raise ConfigError(f"--host {host!r} is not an address of this machine ({e.strerror})") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise ConfigError(f"port {port} is already in use; stop the other server or pass --port 0") from None
        raise ConfigError(f"cannot listen on {host}:{port}: {e.strerror}") from None
    sock.listen(512)  # connections queue from now on, before the app is running
    return sock


def _writable(state_dir: Path) -> None:
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        probe = state_dir / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as e:
        raise ConfigError(f"--state-dir {state_dir} is not writable: {e.strerror}") from None


class _QuietHandler(web_protocol.RequestHandler):
    """aiohttp's handler, minus the detail of a request it could not parse (it echoes the request line)."""

    def handle_error(self, request: Any, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        response = super().handle_error(request, status, exc, None)
        response.headers["Server"] = "website-assistant"
        return response


class _QuietServer(web.Server):
    def __call__(self) -> web_protocol.RequestHandler:
        return _QuietHandler(self, loop=self._loop, **self._kwargs)


class _QuietRunner(web.AppRunner):
    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        server.__class__ = _QuietServer  # the same server; only the connections it makes change class
        return server


def _run(app: web.Application, sock: socket.socket, backend: LocalBackend) -> str:
    """Serves until a signal, or until the AWS double exits; returns why it stopped if not by a signal."""
    failure: list[str] = []
    loop = asyncio.new_event_loop()

    async def watch_moto() -> None:
        while backend.moto.alive:
            await asyncio.sleep(1)
        failure.append("the local AWS double (moto) exited, so the local stack stopped; start it again")
        print(f"assistant: {failure[0]}", flush=True)
        loop.stop()

    runner = _QuietRunner(app, handle_signals=True, access_log=None)
    try:
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.SockSite(runner, sock).start())
        watcher = loop.create_task(watch_moto())
        loop.run_forever()
        watcher.cancel()
    except (web.GracefulExit, KeyboardInterrupt):
        pass
    finally:
        loop.run_until_complete(runner.cleanup())
        loop.close()
    return failure[0] if failure else ""
