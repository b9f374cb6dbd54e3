"""moto's server in a child process: its request handling then runs on its own core, not under the
gateway's GIL (in-process, moto was the largest share of the local stack's CPU time under load).

A plain subprocess (not multiprocessing), so it works from any entry point without a
``__main__`` guard. The child prints its URL, then serves until its stdin closes: that happens
when the parent stops it and also when the parent dies, even by SIGKILL.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from assistant_core.errors import ConfigError

START_TIMEOUT_SECONDS = 60
KEY_ENV = "ASSISTANT_LOCAL_AWS_KEY_ID"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")


def signed_by(authorization: str, key_id: str) -> bool:
    """Whether a SigV4 ``Authorization`` header names ``key_id`` (the run's secret access key id)."""
    found = _CREDENTIAL.search(authorization or "")
    return bool(key_id) and found is not None and found.group(1) == key_id


def loopback_host(host: str) -> bool:
    """``Host`` is 127.0.0.1, localhost or [::1] (any port): a DNS-rebinding page sends its own name."""
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 or host.startswith("[") else host
    return name.lower() in LOOPBACK_HOSTS


def _guarded(app: Callable[..., Iterable[bytes]], key_id: str) -> Callable[..., Iterable[bytes]]:
    """moto's WSGI app, answering only requests signed with the run's key from a loopback Host."""

    def guarded(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not (signed_by(environ.get("HTTP_AUTHORIZATION", ""), key_id)
                and loopback_host(environ.get("HTTP_HOST", ""))):
            start_response("403 Forbidden", [("Content-Type", "text/plain"), ("Content-Length", "9")])
            return [b"forbidden"]
        return app(environ, start_response)

    return guarded


class MotoProcess:
    """Start with ``MotoProcess()``; ``url`` waits until the server listens."""

    def __init__(self, key_id: str) -> None:
        # The run's access key id: the child refuses every request not signed with it (see _guarded).
        env = {**os.environ, KEY_ENV: key_id}
        self._proc = subprocess.Popen(
            [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )
        self._url = ""

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None

    @property
    def url(self) -> str:
        if not self._url:
            line: list[str] = []
            reader = threading.Thread(
                target=lambda: line.append(self._proc.stdout.readline()),  # type: ignore[union-attr]
                daemon=True,
            )
            reader.start()
            reader.join(START_TIMEOUT_SECONDS)
            if not line or not line[0].startswith("http://"):
                self.stop()
                raise ConfigError("the local AWS double (moto) did not start")
            self._url = line[0].strip()
        return self._url

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._proc.stdin.close()  # type: ignore[union-attr]
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()


def _serve() -> None:
    import logging

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto logs every request otherwise
    # Keep-alive: werkzeug speaks HTTP/1.0 by default, which costs a TCP connection and a thread
    # per AWS call. This process runs nothing else, so the class attribute is ours to set.
    MotoRequestHandler.protocol_version = "HTTP/1.1"
    # As moto's ThreadedMotoServer builds it, behind the run's key: any page the developer visits can reach
    # loopback ports, but not sign with a key it never saw.
    app = _guarded(DomainDispatcherApplication(create_backend_app), os.environ.get(KEY_ENV, ""))
    server = make_server("127.0.0.1", 0, app, True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    print(f"http://{host}:{port}", flush=True)
    sys.stdin.read()  # returns at EOF: the parent closed the pipe or died
    server.shutdown()


if __name__ == "__main__":
    _serve()
