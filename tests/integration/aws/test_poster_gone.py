"""PostToConnection against a management-API double that answers 410 GoneException, as AWS does."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from botocore.config import Config

from assistant_core.aws.messaging import ConnectionPoster
from assistant_core.errors import ConnectionGone


class _Gone(BaseHTTPRequestHandler):
    paths: list[str] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        type(self).paths.append(self.path)
        status, kind = (410, "GoneException") if "gone" in self.path else (200, "")
        self.send_response(status)
        if kind:
            self.send_header("x-amzn-ErrorType", kind)
        body = b'{"message":"Gone"}' if kind else b""
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def endpoint() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gone)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/local"
    server.shutdown()


def test_gone_exception_becomes_connection_gone(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in {
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "ap-southeast-1",
    }.items():
        monkeypatch.setenv(k, v)
    client = boto3.client(
        "apigatewaymanagementapi", endpoint_url=endpoint, config=Config(retries={"mode": "standard", "max_attempts": 1})
    )
    poster = ConnectionPoster(client)
    poster.post("alive-1", {"type": "pong"})
    with pytest.raises(ConnectionGone) as info:
        poster.post("gone-1", {"type": "delta", "turn": "t1", "text": "hi"})
    assert type(info.value.__cause__).__name__ == "GoneException"
    assert _Gone.paths[-2:] == ["/local/@connections/alive-1", "/local/@connections/gone-1"]
