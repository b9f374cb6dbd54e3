"""A scripted HTTP/1.1 server on 127.0.0.1 for the wire-level doubles.

Each double answers requests from a FIFO script of replies and records every request. Streams are
sent with chunked transfer encoding (what AWS and SSE servers use), one chunk per frame, and the
server notices when the client closes the connection early — the proof that a closed model
iterator really stops the HTTP stream.
"""

from __future__ import annotations

import json
import select
import socket
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit


@dataclass
class Recorded:
    method: str
    path: str  # percent-decoded, as a real service sees it
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass(frozen=True)
class HttpError:
    """A plain HTTP error reply (before any stream)."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class StreamLog:
    """What one streamed reply did: when each chunk left, and whether the client hung up."""

    sent: list[tuple[float, Any]] = field(default_factory=list)
    total: int = 0
    completed: bool = False
    client_closed: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_GET(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Recorded(self.command, unquote(urlsplit(self.path).path), dict(self.headers.items()), body)
        self.server.double.requests.append(request)
        self.server.double.handle(self, request)

    # -- replies --------------------------------------------------------------------------
    def send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def send_error_reply(self, error: HttpError) -> None:
        self.send_json(error.status, error.body, error.headers)

    def stream(self, content_type: str, chunks: list[tuple[bytes, Any]], pace: float, log: StreamLog) -> None:
        """Send ``(bytes, label)`` chunks ``pace`` seconds apart; stop when the client goes away."""
        log.total = len(chunks)
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        try:
            for i, (data, label) in enumerate(chunks):
                if pace and i:
                    time.sleep(pace)
                if self._client_gone():
                    raise ConnectionResetError("client closed the connection")
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()
                log.sent.append((time.monotonic(), label))
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            log.completed = True
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            log.client_closed.set()
            self.close_connection = True
        finally:
            log.finished.set()

    def _client_gone(self) -> bool:
        # The client never sends more on this connection while a reply streams, so readable means EOF.
        readable, _, _ = select.select([self.connection], [], [], 0)
        if not readable:
            return False
        try:
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    double: HttpDouble

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client dropping an idle keep-alive connection is normal; anything else is a double bug.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class HttpDouble:
    """Base of the doubles: ``handle`` is given each request; replies come from ``script``."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.streams: list[StreamLog] = []
        self._script: deque[Any] = deque()
        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.double = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name=type(self).__name__,
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, *replies: Any) -> None:
        self._script.extend(replies)

    def next_reply(self) -> Any:
        return self._script.popleft() if self._script else None

    def handle(self, handler: Handler, request: Recorded) -> None:
        raise NotImplementedError

    def __enter__(self) -> HttpDouble:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
