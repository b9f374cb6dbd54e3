"""The local stack is safe on a developer's laptop: a web page the developer visits (any Origin, a
rebinding Host, no key) can neither drive the admin routes nor reach moto; /token is POST-only; no
version banner; errors echo nothing back."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from .local_stack import ROOT, Server, admin, http, run_credentials, start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = start_server(tmp_path_factory.mktemp("state"))
    yield s
    s.stop()


def raw(url: str, method: str = "GET", headers: dict[str, str] | None = None, body: bytes | None = None
        ) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers.items()), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers.items()), e.read()


@pytest.mark.parametrize(("method", "path"), [("GET", "/local/@connections"), ("POST", "/local/@connections/x"),
                                              ("DELETE", "/@connections/x"),
                                              ("POST", "/2015-03-31/functions/fn-answerer/invocations")])
def test_admin_routes_refuse_requests_without_the_runs_key(server: Server, method: str, path: str) -> None:
    status, _, _ = raw(server.base + path, method, body=b"{}" if method == "POST" else None)
    assert status == 403
    # A browser's no-cors POST carries an Origin: refused even if it somehow carried a signature.
    assert admin(server, method, path, headers={"Origin": "https://evil.example"})[0] == 403
    forged = {"Authorization": "AWS4-HMAC-SHA256 Credential=local/20261203/ap-southeast-1/execute-api/aws4_request"}
    assert raw(server.base + path, method, headers=forged, body=b"{}" if method == "POST" else None)[0] == 403


def test_the_runs_key_opens_the_admin_routes(server: Server) -> None:
    status, out = admin(server, "GET", "/local/@connections")
    assert status == 200 and out == {"connections": []}


def test_a_rebinding_host_is_refused_everywhere(server: Server) -> None:
    for path in ("/", "/widget.js", "/healthz", "/token"):
        status, _, _ = raw(server.base + path, "POST" if path == "/token" else "GET",
                           headers={"Host": "evil.example:8765", "Origin": server.base})
        assert status == 421, path


def test_the_local_slack_webhook_needs_its_secret_path(server: Server) -> None:
    body = json.dumps({"text": "forged staff notice"}).encode()
    for path in ("/local-slack/webhook", "/local-slack/guess/webhook"):
        status, _, _ = raw(server.base + path, "POST", {"Content-Type": "application/json"}, body)
        assert status == 404, path
    assert not (server.state_dir / "outbox").exists() or not list((server.state_dir / "outbox").iterdir())


def test_moto_refuses_requests_not_signed_with_the_runs_key(server: Server) -> None:
    url = run_credentials(server)["endpoint_url"]
    status, _, _ = raw(url + "/", "GET")
    assert status == 403
    import boto3

    creds = run_credentials(server)
    good = boto3.client("dynamodb", endpoint_url=url, region_name=creds["region"],
                        aws_access_key_id=creds["aws_access_key_id"],
                        aws_secret_access_key=creds["aws_secret_access_key"])
    assert "tbl-sessions" in good.list_tables()["TableNames"]
    bad = boto3.client("dynamodb", endpoint_url=url, region_name=creds["region"], aws_access_key_id="local",
                       aws_secret_access_key="local")
    with pytest.raises(Exception, match=r"403|Forbidden|forbidden"):
        bad.list_tables()
    assert oct((server.state_dir / "aws.json").stat().st_mode & 0o777) == "0o600"


def test_token_is_post_only_and_nothing_leaks_a_version_or_echoes_the_request(server: Server) -> None:
    for method in ("GET", "PUT", "DELETE"):
        assert raw(server.base + "/token", method, headers={"Origin": server.base})[0] == 405
    assert http("POST", server.base + "/token", {}, server.base)[0] == 200
    status, headers, _ = raw(server.base + "/healthz")
    assert status == 200 and headers.get("Server") == "website-assistant"
    host, port = server.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        marker = "ECHO" * 3000  # an over-long request line
        sock.sendall(f"GET /{marker} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    assert reply.split(b"\r\n")[0].endswith(b" 400 Bad Request") and b"ECHOECHO" not in reply
    assert b"Python" not in reply
    assert b"aiohttp" not in reply.lower()


def test_a_taken_port_or_a_bad_host_is_one_clear_line(server: Server, tmp_path: Path) -> None:
    port = server.base.rsplit(":", 1)[1]
    for args, expected in ((["--port", port], f"port {port} is already in use"),
                           (["--host", "no-such-host.invalid", "--port", "0"], "is not an address of this machine"),
                           (["--state-dir", "/proc/forbidden", "--port", "0"], "is not writable")):
        run = subprocess.run([sys.executable, "-m", "assistant_core.cli.main", "serve", *args], cwd=ROOT,
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 2, run.stderr
        assert expected in run.stderr and "Traceback" not in run.stderr + run.stdout, run.stderr
        assert len(run.stderr.strip().splitlines()) == 1, run.stderr


def test_when_moto_dies_health_says_so_and_the_server_stops_with_a_clear_message(tmp_path: Path) -> None:
    doomed = start_server(tmp_path / "state")
    try:
        status, _, body = raw(doomed.base + "/healthz")
        assert status == 200 and json.loads(body)["moto"] == "running"
        children = subprocess.run(["pgrep", "-P", str(doomed.proc.pid), "-f", "moto_process"], capture_output=True,
                                  text=True).stdout.split()
        assert children, "moto child not found"
        for pid in children:
            os.kill(int(pid), signal.SIGKILL)
        assert doomed.proc.wait(timeout=30) == 1
    finally:
        doomed.stop()
    time.sleep(0.2)  # the reader thread's last lines
    assert any("the local AWS double (moto) exited" in line for line in doomed.lines), doomed.lines[-5:]
