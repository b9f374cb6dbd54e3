"""Starts ``assistant serve`` on a free port in a subprocess and talks to it like a widget would."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websockets

ROOT = Path(__file__).resolve().parents[2]
FINAL = {"answer", "clarify", "handoff", "decline", "error"}


@dataclass
class Server:
    proc: subprocess.Popen[str]
    base: str
    state_dir: Path
    lines: list[str] = field(default_factory=list)

    @property
    def ws(self) -> str:
        return self.base.replace("http://", "ws://") + "/local"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def start_server(state_dir: Path, *extra: str, env: dict[str, str] | None = None, timeout: float = 60) -> Server:
    full_env = {**os.environ, "ASSISTANT_MINT_PER_IP_PER_MINUTE": "100000", "PYTHONUNBUFFERED": "1", **(env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "assistant_core.cli.main", "serve", "--port", "0",
                             "--docs", str(ROOT / "examples" / "help-center"), "--state-dir", str(state_dir), *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=full_env)
    deadline, lines = time.monotonic() + timeout, []
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("server exited:\n" + "".join(lines))
        lines.append(line)
        m = re.search(r"open (http://127\.0\.0\.1:\d+)/", line)
        if m:
            # keep reading so a chatty server never blocks on a full pipe; later lines land in ``lines``
            threading.Thread(target=lambda: lines.extend(proc.stdout or ()), daemon=True).start()
            return Server(proc, m.group(1), state_dir, lines)
    proc.kill()
    raise RuntimeError("server did not start:\n" + "".join(lines))


def http(method: str, url: str, body: Any = None, origin: str = "") -> tuple[int, dict[str, Any]]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"content-type": "application/json", **({"origin": origin} if origin else {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def mint(server: Server, origin: str | None = None) -> dict[str, Any]:
    status, out = http("POST", server.base + "/token", {}, origin or server.base)
    assert status == 200, out
    return out


async def connect(server: Server, token: str | None = None, origin: str | None = None) -> Any:
    token = token if token is not None else (await asyncio.to_thread(mint, server))["token"]
    url = server.ws + (f"?token={token}" if token else "")
    return await websockets.connect(url, origin=origin or server.base, max_size=2**22)


async def recv(ws: Any, timeout: float = 10) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def ask(ws: Any, text: str, cid: str) -> list[dict[str, Any]]:
    """Send a question and collect frames up to the final one of its turn."""
    await ws.send(json.dumps({"action": "send", "id": cid, "text": text, "page": "http://127.0.0.1/help"}))
    frames = []
    while True:
        f = await recv(ws)
        frames.append(f)
        if f["type"] in FINAL:
            return frames


def run_credentials(server: Server) -> dict[str, str]:
    """What ``assistant serve`` wrote to ``<state dir>/aws.json``: moto's URL and the run's keys."""
    return json.loads((server.state_dir / "aws.json").read_text("utf-8"))


def admin(server: Server, method: str, path: str, *, headers: dict[str, str] | None = None,
          body: bytes = b"") -> tuple[int, dict[str, Any]]:
    """A request to the local stack's admin routes, SigV4-signed with the run's keys as boto3 signs it."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    creds = run_credentials(server)
    req = AWSRequest(method=method, url=server.base + path, data=body, headers=headers or {})
    SigV4Auth(Credentials(creds["aws_access_key_id"], creds["aws_secret_access_key"]), "execute-api",
              creds["region"]).add_auth(req)
    prepared = urllib.request.Request(req.url, data=body or None, method=method, headers=dict(req.headers.items()))
    try:
        with urllib.request.urlopen(prepared, timeout=10) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw else {}
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw) if raw else {}
        except ValueError:
            return e.code, {"text": raw.decode("utf-8", "replace")}


def staff_reply_url(server: Server) -> str:
    """The gateway's staff-reply route (it prints it at start, with the run's secret token in the path)."""
    for line in list(server.lines):
        m = re.search(r"staff replies: POST (\S+)", line)
        if m:
            return m.group(1)
    raise AssertionError("the server did not print the staff reply URL")


def staff_reply(server: Server, thread: str, text: str) -> int:
    """A staff member answers in the hand-off's Slack thread (signed and delivered like Slack's event)."""
    req = urllib.request.Request(staff_reply_url(server), data=json.dumps({"thread": thread, "text": text}).encode(),
                                 method="POST", headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status
