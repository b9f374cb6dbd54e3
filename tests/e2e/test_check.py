"""``assistant check`` against the local stack, serving a published index from moto's S3 as fn-answerer
serves it from S3: it passes on a working stack and names each failure on broken ones."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .local_stack import ROOT, Server, run_credentials, start_server

KB = "index:s3://chat-assistant-data/index/"


def check(server: Server, *args: str, origin: str | None = None) -> subprocess.CompletedProcess[str]:
    creds = run_credentials(server)  # moto answers only requests signed with the run's keys
    env = {**os.environ, "AWS_ENDPOINT_URL": creds["endpoint_url"], "AWS_ACCESS_KEY_ID": creds["aws_access_key_id"],
           "AWS_SECRET_ACCESS_KEY": creds["aws_secret_access_key"]}
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "assistant_core.cli.main", "check", "--token-url",
                           f"{server.base}/token", "--origin", origin or server.base, "--timeout", "30", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(tmp_path_factory.mktemp("state"), "--kb", KB)
    yield server
    server.stop()


def test_a_working_stack_passes_every_check(stack: Server) -> None:
    run = check(stack, "--bucket", "chat-assistant-data")
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    for name in ("token", "origin", "websocket", "answer", "knowledge"):
        assert any(line.startswith(f"ok   {name}:") for line in lines), (name, run.stdout)
    assert "38 documents" in run.stdout  # the sample help centre, as published
    assert "was answered citing" in run.stdout  # asked about the first document, as none was given
    assert run.stdout.rstrip().endswith("checks passed") and "OK:" in run.stdout


def test_a_page_origin_the_stack_does_not_allow_is_named(stack: Server) -> None:
    run = check(stack, "--question", "How do I return an item?", origin="https://www.not-allowed.example")
    assert run.returncode == 1
    assert "FAIL token: refused for https://www.not-allowed.example (HTTP 403" in run.stdout


def test_a_question_the_docs_do_not_answer_is_named(stack: Server) -> None:
    run = check(stack, "--question", "What is the airspeed of an unladen swallow?")
    assert run.returncode == 1 and "FAIL answer: no cited answer" in run.stdout
    assert "ok   websocket:" in run.stdout  # everything before it still passed


def test_an_empty_index_is_named(tmp_path: Path) -> None:
    empty = tmp_path / "docs"
    empty.mkdir()
    server = start_server(tmp_path / "state", "--kb", KB, "--docs", str(empty))
    try:
        run = check(server, "--bucket", "chat-assistant-data", "--question", "How do I return an item?")
    finally:
        server.stop()
    assert run.returncode == 1
    assert "FAIL knowledge: the index holds 0 documents" in run.stdout
    assert "FAIL answer: no cited answer" in run.stdout


def test_a_model_that_is_down_is_named(tmp_path: Path) -> None:
    # Nothing listens on port 9: every model call fails, and the assistant hands the visitor to staff.
    server = start_server(tmp_path / "state", "--kb", KB, "--model", "openai:http://127.0.0.1:9/v1#down")
    try:
        run = check(server, "--question", "How do I return an item?")
    finally:
        server.stop()
    assert run.returncode == 1
    assert re.search(r"FAIL answer: no cited answer: 'How do I return an item\?': (handoff|error)", run.stdout), \
        run.stdout
