"""moto's server in a child process: its request handling then runs on its own core, not under the
gateway's GIL (in-process, moto was the largest share of the local stack's CPU time under load).

A plain subprocess (not multiprocessing), so it works from any entry point without a
``__main__`` guard. The child prints its URL, then serves until its stdin closes: that happens
when the parent stops it and also when the parent dies, even by SIGKILL.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading

from assistant_core.errors import ConfigError

START_TIMEOUT_SECONDS = 60


class MotoProcess:
    """Start with ``MotoProcess()``; ``url`` waits until the server listens."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self._url = ""

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

    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto logs every request otherwise
    # Keep-alive: werkzeug speaks HTTP/1.0 by default, which costs a TCP connection and a thread
    # per AWS call. This process runs nothing else, so the class attribute is ours to set.
    MotoRequestHandler.protocol_version = "HTTP/1.1"
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    print(f"http://{host}:{port}", flush=True)
    sys.stdin.read()  # returns at EOF: the parent closed the pipe or died
    server.stop()


if __name__ == "__main__":
    _serve()
