"""moto's server in a child process: its request handling then runs on its own core, not under the
gateway's GIL (in-process, moto was the largest share of the local stack's CPU time under load).

The child exits when the parent goes away, even after a SIGKILL: it blocks reading a pipe whose
only other end the parent holds.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from multiprocessing.connection import Connection
from typing import Any

from ..errors import ConfigError

START_TIMEOUT_SECONDS = 60


def _run(conn: Connection) -> None:
    import logging

    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto logs every request otherwise
    # Keep-alive: werkzeug speaks HTTP/1.0 by default, which costs a TCP connection and a thread
    # per AWS call. This child process runs nothing else, so the class attribute is ours to set.
    MotoRequestHandler.protocol_version = "HTTP/1.1"
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    conn.send(f"http://{host}:{port}")
    with contextlib.suppress(EOFError, OSError):
        conn.recv()  # returns (or raises EOFError) when the parent says stop or dies
    server.stop()


class MotoProcess:
    """Start with ``MotoProcess()``; ``url`` waits until the server listens."""

    def __init__(self) -> None:
        ctx: Any = multiprocessing.get_context("spawn")  # no fork: the parent has threads
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_run, args=(child,), name="moto", daemon=True)
        self._proc.start()
        child.close()
        self._url = ""

    @property
    def url(self) -> str:
        if not self._url:
            if not self._conn.poll(START_TIMEOUT_SECONDS):
                self.stop()
                raise ConfigError("the local AWS double (moto) did not start")
            try:
                self._url = str(self._conn.recv())
            except EOFError as e:
                raise ConfigError("the local AWS double (moto) exited while starting") from e
        return self._url

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._conn.send("stop")
        self._proc.join(timeout=5)
        if self._proc.is_alive():
            self._proc.terminate()
        self._conn.close()
